package importers

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"github.com/configsync/configsync/envfile"
)

// Sops formats, as sops names them for --input-type and --output-type.
const (
	SopsDotenv = "dotenv"
	SopsJSON   = "json"
	SopsYAML   = "yaml"
	SopsBinary = "binary"
)

// SopsFormat is the format of a sops file from its name: .env files
// (also .env.production, app.env) are dotenv, .json JSON, .yaml/.yml
// YAML, anything else binary, as sops itself decides by extension.
func SopsFormat(name string) string {
	base := filepath.Base(name)
	switch ext := strings.ToLower(filepath.Ext(base)); {
	case ext == ".json":
		return SopsJSON
	case ext == ".yaml" || ext == ".yml":
		return SopsYAML
	case ext == ".env" || envfile.IsEnvFile(strings.Replace(base, ".enc", "", 1)):
		return SopsDotenv
	}
	return SopsBinary
}

// sops exit statuses (getsops/sops cmd/sops/codes) that say why a
// decryption failed.
const (
	sopsDecryptingMac  = 24
	sopsDecryptingTree = 25
	sopsMacMismatch    = 51
	sopsMacNotFound    = 52
	sopsNoKey          = 128
)

// SopsDecrypt runs `sops decrypt` on the file at path and returns its
// plaintext in output format (one of the Sops constants; "" keeps the
// file's own). sops reads the file itself; the plaintext comes back on
// a pipe. name is the file as the user gave it, for errors.
func (r Runner) SopsDecrypt(ctx context.Context, name, path, output string) ([]byte, error) {
	in := SopsFormat(name)
	args := []string{"decrypt", "--input-type", in, "--output-type", in}
	if output != "" {
		args[4] = output
	}
	out, stderr, err := r.run(ctx, nil, "sops", append(args, "--", path)...)
	if err == nil {
		return out, nil
	}
	clear(out)
	if errors.Is(err, ErrNoTool) {
		return nil, fmt.Errorf("sops is %w: install sops (the one that encrypted %s) and re-run", err, name)
	}
	var exit *exec.ExitError
	if !errors.As(err, &exit) {
		return nil, fmt.Errorf("%s: run sops: %w", name, err)
	}
	why := firstLine(stderr)
	switch exit.ExitCode() {
	case sopsNoKey:
		return nil, &KeyError{File: name, Key: "for any of its sops key groups (" + sopsRecipients(stderr) + ")", Missing: true,
			Detail: ": sops could not get the data key"}
	case sopsDecryptingMac, sopsDecryptingTree, sopsMacMismatch, sopsMacNotFound:
		return nil, &ValueError{File: name, Err: fmt.Errorf("sops exit status %d", exit.ExitCode())}
	}
	return nil, fmt.Errorf("%s: sops decrypt failed (exit status %d): %s", name, exit.ExitCode(), why)
}

// sopsRecipients lists the keys sops says it tried (age1…, PGP
// fingerprints, KMS ARNs), from its "- | KEY: FAILED" lines.
func sopsRecipients(stderr []byte) string {
	var keys []string
	for _, l := range strings.Split(string(stderr), "\n") {
		l = strings.TrimSpace(l)
		l = strings.TrimPrefix(l, "- |")
		k, _, ok := strings.Cut(strings.TrimSpace(l), ": FAILED")
		if ok && k != "" && !strings.ContainsAny(k, " \t") {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return "none named"
	}
	return strings.Join(keys, ", ")
}

// NestedError is a JSON or YAML document that is not one flat object of
// scalars, so it cannot become an env item.
type NestedError struct {
	File string
	Key  string // the first key whose value is an object or a list
}

func (e *NestedError) Error() string {
	if e.Key == "" {
		return e.File + " is not one object of names and values"
	}
	return fmt.Sprintf("%s is nested (%s holds an object or a list)", e.File, e.Key)
}

// FlatToDotenv turns a flat JSON object (sops' JSON output of a JSON or
// YAML file) into a dotenv file, keys sorted, each value quoted so that
// configsync reads it back exactly (no expansion). Strings are taken as
// they are, numbers as written, booleans as true/false, null as empty.
func FlatToDotenv(name string, data []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var obj map[string]any
	if err := dec.Decode(&obj); err != nil {
		return nil, &NestedError{File: name}
	}
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var vars []envfile.Var
	for _, k := range keys {
		var s string
		switch v := obj[k].(type) {
		case string:
			s = v
		case json.Number:
			s = v.String()
		case bool:
			s = fmt.Sprint(v)
		case nil:
		default:
			return nil, &NestedError{File: name, Key: k}
		}
		vars = append(vars, envfile.Var{Key: k, Value: envfile.NewValue(s)})
	}
	var b bytes.Buffer
	if err := envfile.Encode(&b, vars, envfile.FormatDotenv); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return b.Bytes(), nil
}

// IsNested reports whether a JSON document (sops' JSON output) holds an
// object or a list below its top level.
func IsNested(data []byte) bool {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(data, &obj); err != nil {
		return true
	}
	for _, v := range obj {
		if t := bytes.TrimSpace(v); len(t) > 0 && (t[0] == '{' || t[0] == '[') {
			return true
		}
	}
	return false
}
