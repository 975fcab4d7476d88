package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/configsync/configsync/envfile"
)

// This file holds the independent decoders that the export round-trip
// tests (here and in testdata/scripts/export_*.txtar, through the envcheck
// script command) hold `configsync export` to: one per format, none of
// them sharing code with the encoders in envfile.

// kv is one decoded variable, in the order the format gave it.
type kv struct{ Key, Value string }

// parseGitHubEnv reads a $GITHUB_ENV file the way the GitHub Actions runner
// does (SetEnvFileCommand in actions/runner,
// src/Runner.Worker/FileCommandManager.cs): empty lines are skipped, a line
// is NAME=VALUE or NAME<<DELIM, and a heredoc's value is the text between
// the NAME<<DELIM line and the first line that is exactly DELIM, without
// the line end before DELIM. windows reads lines as the Windows runner does
// (CRLF ends a line too). Duplicates are kept, in order; the runner keeps
// the last.
func parseGitHubEnv(text string, windows bool) ([]kv, error) {
	index := 0
	readLine := func() (line string, newline string, ok bool) {
		if index >= len(text) {
			return "", "", false
		}
		start := index
		lf := strings.IndexByte(text[index:], '\n')
		if lf < 0 {
			index = len(text)
			return text[start:], "", true
		}
		lf += index
		if windows {
			if crlf := strings.Index(text[index:], "\r\n"); crlf >= 0 && crlf+index < lf {
				index = crlf + index + 2
				return text[start : index-2], "\r\n", true
			}
		}
		index = lf + 1
		return text[start:lf], "\n", true
	}
	var out []kv
	for {
		line, _, ok := readLine()
		if !ok {
			return out, nil
		}
		if line == "" {
			continue
		}
		eq := strings.Index(line, "=")
		hd := strings.Index(line, "<<")
		switch {
		case eq >= 0 && (hd < 0 || eq < hd):
			name, value, _ := strings.Cut(line, "=")
			out = append(out, kv{name, value})
		case hd >= 0 && (eq < 0 || hd < eq):
			name, delim, _ := strings.Cut(line, "<<")
			if name == "" || delim == "" {
				return nil, fmt.Errorf("invalid format %q: empty name or delimiter", line)
			}
			start, end := index, index
			for {
				l, nl, ok := readLine()
				if !ok {
					return nil, fmt.Errorf("%s: matching delimiter %q not found", name, delim)
				}
				if l == delim {
					break
				}
				end = index - len(nl)
			}
			value := ""
			if end > start {
				value = text[start:end]
			}
			out = append(out, kv{name, value})
		default:
			return nil, fmt.Errorf("invalid format %q", line)
		}
	}
}

// decodeJSONObject reads one JSON object whose values are all strings,
// keeping the order of its keys (encoding/json).
func decodeJSONObject(data []byte) ([]kv, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, fmt.Errorf("not a JSON object (%v, %v)", tok, err)
	}
	var out []kv
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key := tok.(string) // object keys are strings
		var value string
		if err := dec.Decode(&value); err != nil {
			return nil, fmt.Errorf("%s: %w", key, err)
		}
		out = append(out, kv{key, value})
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('}') {
		return nil, fmt.Errorf("object not closed (%v, %v)", tok, err)
	}
	if _, err := dec.Token(); err == nil {
		return nil, errors.New("text after the object")
	}
	return out, nil
}

// decodeDotenv re-reads exported dotenv text with our own parser, with
// expansion on (as inject and export would read it once pushed): an
// exported value must survive that unchanged, and draw no warning.
func decodeDotenv(data []byte) ([]kv, error) {
	f, err := envfile.Parse("export", data)
	if err != nil {
		return nil, err
	}
	if len(f.Diagnostics) > 0 {
		return nil, fmt.Errorf("exported dotenv draws a warning: %v", f.Diagnostics[0])
	}
	var out []kv
	for _, v := range envfile.Resolve([]*envfile.File{f}, true, nil) {
		out = append(out, kv{v.Key, v.Value.Reveal()})
	}
	return out, nil
}

// decodeNUL reads NAME NUL VALUE NUL pairs, as a shell or python prints
// them with dump.sh or the scripts' one-liners.
func decodeNUL(data []byte) ([]kv, error) {
	if len(data) == 0 {
		return nil, nil
	}
	if data[len(data)-1] != 0 {
		return nil, errors.New("NUL-separated dump does not end with NUL")
	}
	parts := strings.Split(string(data[:len(data)-1]), "\x00")
	if len(parts)%2 != 0 {
		return nil, fmt.Errorf("NUL-separated dump has %d fields, want pairs", len(parts))
	}
	var out []kv
	for i := 0; i < len(parts); i += 2 {
		out = append(out, kv{parts[i], parts[i+1]})
	}
	return out, nil
}

// decodeFormat decodes data in one of the formats envcheck knows.
func decodeFormat(format string, data []byte) ([]kv, error) {
	switch format {
	case "github":
		return parseGitHubEnv(string(data), false)
	case "json":
		return decodeJSONObject(data)
	case "dotenv":
		return decodeDotenv(data)
	case "nul":
		return decodeNUL(data)
	}
	return nil, fmt.Errorf("unknown format %q (github, json, dotenv, nul)", format)
}

// readWant reads expected variables: one `KEY "Go-quoted value"` per line;
// blank lines and lines starting with # are skipped.
func readWant(text string) ([]kv, error) {
	var out []kv
	for n, line := range strings.Split(text, "\n") {
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, quoted, ok := strings.Cut(line, " ")
		if !ok {
			return nil, fmt.Errorf("line %d: want KEY \"value\"", n+1)
		}
		v, err := strconv.Unquote(quoted)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", n+1, err)
		}
		out = append(out, kv{key, v})
	}
	return out, nil
}

// diffVars describes how got differs from want, order included.
func diffVars(got, want []kv) []string {
	var d []string
	for i := 0; i < len(got) || i < len(want); i++ {
		switch {
		case i >= len(got):
			d = append(d, fmt.Sprintf("#%d: missing %s = %q", i, want[i].Key, want[i].Value))
		case i >= len(want):
			d = append(d, fmt.Sprintf("#%d: unexpected %s = %q", i, got[i].Key, got[i].Value))
		case got[i] != want[i]:
			d = append(d, fmt.Sprintf("#%d: got %s = %q, want %s = %q", i, got[i].Key, got[i].Value, want[i].Key, want[i].Value))
		}
	}
	return d
}

func TestParseGitHubEnv(t *testing.T) {
	tests := []struct {
		name, text string
		windows    bool
		want       []kv
		wantErr    bool
	}{
		{name: "plain", text: "A=1\nB==x=\n\n", want: []kv{{"A", "1"}, {"B", "=x="}}},
		{name: "heredoc", text: "A<<EOF\nx\ny\nEOF\nB=2\n", want: []kv{{"A", "x\ny"}, {"B", "2"}}},
		{name: "empty heredoc", text: "A<<EOF\nEOF\n", want: []kv{{"A", ""}}},
		{name: "one empty line", text: "A<<EOF\n\nEOF\n", want: []kv{{"A", ""}}},
		{name: "two empty lines", text: "A<<EOF\n\n\nEOF\n", want: []kv{{"A", "\n"}}},
		{name: "no final newline", text: "A<<EOF\nx\nEOF", want: []kv{{"A", "x"}}},
		{name: "delimiter with CR on linux", text: "A<<EOF\nEOF\r\nEOF\n", want: []kv{{"A", "EOF\r"}}},
		{name: "delimiter with CR on windows", text: "A<<EOF\nEOF\r\nEOF\n", windows: true, wantErr: true}, // A is empty, then "EOF" is no assignment
		{name: "heredoc before equals", text: "A<<B=C\nx\nB=C\n", want: []kv{{"A", "x"}}},
		{name: "equals before heredoc", text: "A=B<<C\n", want: []kv{{"A", "B<<C"}}},
		{name: "unterminated", text: "A<<EOF\nx\n", wantErr: true},
		{name: "empty delimiter", text: "A<<\nx\n", wantErr: true},
		{name: "neither", text: "JUSTTEXT\n", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseGitHubEnv(tt.text, tt.windows)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("no error, got %q", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d := diffVars(got, tt.want); len(d) > 0 {
				t.Errorf("%q:\n%s", tt.text, strings.Join(d, "\n"))
			}
		})
	}
}

// hostileValues are the values every export format must carry exactly.
func hostileValues() []kv {
	return []kv{
		{"SQ", "it's"},
		{"DQ", `say "hi"`},
		{"MIXQ", `'"'"`},
		{"DOLLAR", "$HOME ${HOME} $(id) `id` $"},
		{"BACKSLASH", `C:\path\n\\x\`},
		{"NL", "line1\nline2"},
		{"CRLF", "a\r\nb"},
		{"CR", "trailing\r"},
		{"TRAILNL", "ends\n"},
		{"ONLYNL", "\n"},
		{"EMPTY", ""},
		{"BLANKS", "  padded  "},
		{"TABS", "\tx\t"},
		{"HASH", "a #b"},
		{"UTF8", "héllo wörld ✓ 日本語 🔑"},
		{"GHA", "first\nghadelimiter_1\nlast"},
		{"GHA2", "ghadelimiter_1\nghadelimiter_2\r\nghadelimiter_3"},
		{"PEM", "-----BEGIN KEY-----\nabc/def+==\n-----END KEY-----"},
		{"PERCENT", "100% %0A %25 ::add-mask::x"},
		{"EQUALS", "a=b==c"},
		{"DASH", "-n"},
		{"HEREDOC", "EOF\n<<EOF\nKEY=v"},
		{"UNICODE_SPACES", "\u00a0nbsp\u2028ls"},
		{"DOLLAR_SQ", "it's $HOME ${X}\nnext \\$"},
	}
}

// randomValues are values drawn (with a fixed seed) from the characters
// that break quoting, so every run tests the same bytes.
func randomValues(n int) []kv {
	pieces := []string{"'", `"`, "$", `\`, "\n", "\r", "\t", " ", "#", "=", "`", "{", "}", "(", ")",
		"!", ";", "&", "|", "<", ">", "*", "?", "~", "%", "a", "Z", "0", "é", "🔑", "ghadelimiter_1", "<<", "EOF", "${A}", "$A", `\$`, `\n`}
	r := rand.New(rand.NewPCG(5, 5))
	var out []kv
	for i := range n {
		var b strings.Builder
		for range r.IntN(12) {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		out = append(out, kv{fmt.Sprintf("R%03d", i), b.String()})
	}
	return out
}

func toVars(kvs []kv) []envfile.Var {
	var vars []envfile.Var
	for _, p := range kvs {
		vars = append(vars, envfile.Var{Key: p.Key, Value: envfile.NewValue(p.Value)})
	}
	return vars
}

// dumpScript prints each set variable named in "$@" as NAME NUL VALUE NUL.
const dumpScript = `for k do
  eval "s=\${$k+set}"
  if [ "$s" = set ]; then eval "v=\${$k}"; printf '%s\000%s\000' "$k" "$v"; fi
done
`

// TestExportFormatsRoundTrip encodes the hostile and random values in
// every format and reads them back with an independent reader: the runner's
// $GITHUB_ENV grammar, encoding/json, our dotenv parser, and sh and bash
// evaluating the shell output.
func TestExportFormatsRoundTrip(t *testing.T) {
	want := append(hostileValues(), randomValues(300)...)
	vars := toVars(want)
	encode := func(t *testing.T, f envfile.Format) []byte {
		var b bytes.Buffer
		if err := envfile.Encode(&b, vars, f); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	check := func(t *testing.T, got []kv, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		if d := diffVars(got, want); len(d) > 0 {
			t.Errorf("%d differences:\n%s", len(d), strings.Join(d, "\n"))
		}
	}
	t.Run("github", func(t *testing.T) {
		out := encode(t, envfile.FormatGitHub)
		got, err := parseGitHubEnv(string(out), false)
		check(t, got, err)
		// The Windows runner also ends lines at CRLF: the delimiter must
		// still be found where it belongs (values with a CR may lose it).
		got, err = parseGitHubEnv(string(out), true)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) {
			t.Fatalf("windows runner reads %d variables, want %d", len(got), len(want))
		}
		for i := range got {
			if got[i].Key != want[i].Key || (!strings.Contains(want[i].Value, "\r") && got[i].Value != want[i].Value) {
				t.Errorf("windows runner: got %s = %q, want %s = %q", got[i].Key, got[i].Value, want[i].Key, want[i].Value)
			}
		}
	})
	t.Run("json", func(t *testing.T) {
		got, err := decodeJSONObject(encode(t, envfile.FormatJSON))
		check(t, got, err)
	})
	t.Run("dotenv", func(t *testing.T) {
		got, err := decodeDotenv(encode(t, envfile.FormatDotenv))
		check(t, got, err)
	})
	for _, shell := range []string{"sh", "bash"} {
		t.Run(shell, func(t *testing.T) {
			path, err := exec.LookPath(shell)
			if err != nil {
				t.Skipf("%s is not installed", shell)
			}
			dir := t.TempDir()
			file := filepath.Join(dir, "export.sh")
			if err := os.WriteFile(file, encode(t, envfile.FormatShell), 0o600); err != nil {
				t.Fatal(err)
			}
			args := []string{"-c", `eval "$(cat "$EXPORT_FILE")" && ` + dumpScript, shell}
			for _, p := range want {
				args = append(args, p.Key)
			}
			cmd := exec.Command(path, args...)
			cmd.Dir = dir // a broken encoder may make the shell write files
			cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "EXPORT_FILE=" + file, "HOME=" + dir}
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("%s: %v\n%s", shell, err, stderr.Bytes())
			}
			got, err := decodeNUL(out)
			check(t, got, err)
		})
	}
}

// TestGitHubMasks: every non-blank line of every value gets an
// ::add-mask:: command whose data the runner unescapes back to that line.
func TestGitHubMasks(t *testing.T) {
	want := append(hostileValues(), randomValues(100)...)
	var b bytes.Buffer
	if err := envfile.GitHubMasks(&b, toVars(want)); err != nil {
		t.Fatal(err)
	}
	masked, err := parseMasks(b.String())
	if err != nil {
		t.Fatal(err)
	}
	if missing := unmasked(want, masked); len(missing) > 0 {
		t.Errorf("lines not masked: %q", missing)
	}
}

// parseMasks reads output that must consist only of ::add-mask:: lines and
// returns the unescaped data of each, as the runner reads them.
func parseMasks(out string) (map[string]bool, error) {
	unescape := strings.NewReplacer("%25", "%", "%0D", "\r", "%0A", "\n")
	masked := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if line == "" && out == "" {
			break
		}
		data, ok := strings.CutPrefix(line, "::add-mask::")
		if !ok {
			return nil, fmt.Errorf("stdout line is not an ::add-mask:: command: %q", line)
		}
		masked[unescape.Replace(data)] = true
	}
	return masked, nil
}

// unmasked lists the non-blank value lines that no mask covers.
func unmasked(vars []kv, masked map[string]bool) []string {
	var missing []string
	for _, p := range vars {
		for _, l := range strings.Split(p.Value, "\n") {
			if strings.TrimSpace(l) != "" && !masked[l] {
				missing = append(missing, p.Key+": "+l)
			}
		}
	}
	return missing
}
