package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// cmdSamejson: samejson GOT WANT [DROP...]: two JSON objects hold the
// same names and values, DROP names left out of WANT (dotenvx's
// DOTENV_PUBLIC_KEY). WANT's numbers and booleans compare as the text
// they are written as, null as "": a tool's own decrypt, against
// configsync's export, whose values are all strings.
func cmdSamejson(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: samejson GOT WANT [DROP...]")
	}
	got, err := stringsOf(ts.ReadFile(args[0]))
	if err != nil {
		ts.Fatalf("%s: %v", args[0], err)
	}
	want, err := stringsOf(ts.ReadFile(args[1]))
	if err != nil {
		ts.Fatalf("%s: %v", args[1], err)
	}
	for _, k := range args[2:] {
		delete(want, k)
	}
	if len(want) == 0 {
		ts.Fatalf("%s holds no values", args[1])
	}
	var diffs []string
	for k, w := range want {
		if g, ok := got[k]; !ok {
			diffs = append(diffs, k+": missing")
		} else if g != w {
			diffs = append(diffs, fmt.Sprintf("%s: got %q, want %q", k, g, w))
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			diffs = append(diffs, k+": not in "+args[1])
		}
	}
	slices.Sort(diffs)
	if len(diffs) > 0 {
		ts.Fatalf("%s differs from %s:\n%s", args[0], args[1], strings.Join(diffs, "\n"))
	}
}

func stringsOf(data string) (map[string]string, error) {
	dec := json.NewDecoder(strings.NewReader(data))
	dec.UseNumber()
	var obj map[string]any
	if err := dec.Decode(&obj); err != nil {
		return nil, err
	}
	out := map[string]string{}
	for k, v := range obj {
		switch v := v.(type) {
		case string:
			out[k] = v
		case json.Number:
			out[k] = v.String()
		case bool:
			out[k] = fmt.Sprint(v)
		case nil:
			out[k] = ""
		default:
			return nil, fmt.Errorf("%s is not a scalar", k)
		}
	}
	return out, nil
}

// dotenvxPath is the dotenvx CLI that `npm install @dotenvx/dotenvx`
// put under $DOTENVX_DIR (.ci/run does), "" when there is none.
func dotenvxPath() string {
	dir := os.Getenv("DOTENVX_DIR")
	if dir == "" {
		return ""
	}
	p := filepath.Join(dir, "node_modules", ".bin", "dotenvx")
	if _, err := os.Stat(p); err != nil {
		return ""
	}
	return p
}

func TestToolEnviron(t *testing.T) {
	got := toolEnviron([]string{"PATH=/bin", "CONFIGSYNC_PASSPHRASE=x", "CONFIGSYNC_IDENTITY=y", "SOPS_AGE_KEY_FILE=k", "XCONFIGSYNC_A=1"})
	want := []string{"PATH=/bin", "SOPS_AGE_KEY_FILE=k", "XCONFIGSYNC_A=1"}
	if !slices.Equal(got, want) {
		t.Fatalf("toolEnviron = %q, want %q", got, want)
	}
}

func TestSopsItemPath(t *testing.T) {
	for in, want := range map[string]string{
		"secrets.enc.yaml":     "secrets.yaml",
		".env.enc":             ".env",
		"config/app.enc.json":  "config/app.json",
		"a.enc.d/secrets.yaml": "a.enc.d/secrets.yaml",
		"plain.json":           "plain.json",
		"deploy/.env.prod.enc": "deploy/.env.prod",
	} {
		if got := sopsItemPath(in); got != want {
			t.Errorf("sopsItemPath(%q) = %q, want %q", in, got, want)
		}
	}
}
