package providers

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// The real Bitwarden CLI (@bitwarden/cli from npm, the version .ci/run
// pins), run offline and signed out, holds the fake bw to the real one:
// every argv the provider runs goes through bw's own parser, which
// rejects an unknown command or option before it checks the login; what
// bw prints signed out is compared with the fake; and the item JSON the
// provider writes and the fake returns is compared with bw's own item
// template. bw is found through BW_CLI (set by .ci/run), else on PATH.

// bwPinned is the version .ci/run installs.
const bwPinned = "2026.6.0"

// bwParseError is how bw's parser (commander) refuses an argv.
var bwParseError = regexp.MustCompile(`(?i)unknown option|unknown command|invalid command|too many arguments|missing required argument|argument missing`)

func realBW(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("BW_CLI"); p != "" {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("BW_CLI=%s: %v", p, err)
		}
		return p
	}
	if p, err := exec.LookPath("bw"); err == nil {
		return p
	}
	t.Skip("the real Bitwarden CLI is not installed, so the fake bw is not checked against it: " +
		"npm install --prefix DIR @bitwarden/cli@" + bwPinned + " and set BW_CLI=DIR/node_modules/.bin/bw (.ci/run does)")
	return ""
}

// bwSandbox runs the real bw with a state directory of its own and the
// environment the provider gives it (BW_NOINTERACTION=true).
type bwSandbox struct {
	t    *testing.T
	bw   string
	node string // node, for a patched copy of bw (see bwTemplate)
	env  []string
}

func newBWSandbox(t *testing.T) *bwSandbox {
	bw := realBW(t)
	home := t.TempDir()
	if err := os.Mkdir(filepath.Join(home, "bw"), 0o700); err != nil {
		t.Fatal(err)
	}
	return &bwSandbox{t: t, bw: bw, env: []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + home,
		"BITWARDENCLI_APPDATA_DIR=" + filepath.Join(home, "bw"), "BW_NOINTERACTION=true",
	}}
}

// run runs the command with stdin and returns its standard output and
// error and its exit status.
func (s *bwSandbox) run(stdin string, args ...string) (string, string, int) {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, s.bw, args...)
	cmd.Env = s.env
	cmd.Stdin = strings.NewReader(stdin)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		return out.String(), errOut.String(), ee.ExitCode()
	case err != nil:
		s.t.Fatalf("%s %s: %v", s.bw, strings.Join(args, " "), err)
	}
	return out.String(), errOut.String(), 0
}

// providerBWCalls drives the provider through everything it does with bw
// (against the fake) and returns each distinct argv it ran.
func providerBWCalls(t *testing.T) [][]string {
	ctx := context.Background()
	f := newFixture(t)
	f.bwLogin()
	before := len(f.log("bw"))
	b := mustBitwarden(t, "", f.env)
	title := "configsync/dev/web/.env"
	if err := b.Write(ctx, Item{Title: title}, []byte("A=1\n")); err != nil {
		t.Fatal(err)
	}
	it := listOne(t, b, "configsync/dev/")
	readBack(t, b, it, "A=1\n")
	if err := b.Write(ctx, it, []byte("A=2\n")); err != nil {
		t.Fatal(err)
	}
	if err := b.Delete(ctx, it); err != nil {
		t.Fatal(err)
	}
	calls := f.log("bw")[before:]
	// Logged out with a server of its own: bw config server.
	g := newFixture(t)
	if _, err := mustBitwarden(t, "https://bw.example.com", g.env).List(ctx, "configsync/"); !errors.Is(err, ErrSignedOut) {
		t.Fatalf("logged out: %v", err)
	}
	calls = append(calls, g.log("bw")...)

	var distinct [][]string
	for _, c := range calls {
		if !slices.ContainsFunc(distinct, func(d []string) bool { return slices.Equal(c, d) }) {
			distinct = append(distinct, c)
		}
	}
	return distinct
}

// TestRealBWParsesProviderArgv: every argv of the provider passes the
// real bw's parser. Signed out, bw then stops at its login check with
// the message the provider turns into ErrSignedOut; status and config
// server, which need no login, print what the fake prints.
func TestRealBWParsesProviderArgv(t *testing.T) {
	s := newBWSandbox(t)
	f := newFixture(t)
	fake := func(argv ...string) (string, string, int) {
		out, errOut, err := f.try(f.with("BW_NOINTERACTION=true"), "", "bw", argv...)
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return out, errOut, ee.ExitCode()
		}
		return out, errOut, 0
	}
	// The check can fail: bw parses before it checks the login. The fake
	// refuses the same argv with the same words.
	bogus := []string{"create", "item", "--bogus", "x"}
	if _, errOut, code := s.run("", bogus...); code == 0 || !strings.Contains(errOut, "error: unknown option '--bogus'") {
		t.Fatalf("bw %q: status %d, %q: want bw's unknown option error", bogus, code, errOut)
	}
	if _, errOut, _ := fake(bogus...); !strings.Contains(errOut, "error: unknown option '--bogus'") {
		t.Errorf("fake bw %q: %q", bogus, errOut)
	}

	request, err := bwCreateRequest("configsync/dev/web/.env", []byte("A=1\n"))
	if err != nil {
		t.Fatal(err)
	}
	stdin := base64.StdEncoding.EncodeToString(request)
	seen := map[string]bool{}
	for _, argv := range providerBWCalls(t) {
		seen[argv[0]] = true
		out, errOut, code := s.run(stdin, argv...)
		if bwParseError.MatchString(out + errOut) {
			t.Errorf("the real bw does not parse the provider's bw %q: %s", argv, errOut)
			continue
		}
		switch argv[0] {
		case "status", "config":
			fakeOut, fakeErr, fakeCode := fake(argv...)
			if code != 0 || fakeCode != 0 {
				t.Errorf("bw %q signed out: real status %d (%s), fake %d (%s)", argv, code, errOut, fakeCode, fakeErr)
			}
			if argv[0] == "config" {
				if out != fakeOut {
					t.Errorf("bw %q: real prints %q, fake %q", argv, out, fakeOut)
				}
				// Then status names the server, in both.
				out, _, _ = s.run("", "status")
				fakeOut, _, _ = fake("status")
			}
			if !sameJSON(t, out, fakeOut) {
				t.Errorf("bw %q: real prints %s, the fake %s", argv, out, fakeOut)
			}
		default:
			// On stderr, the message the provider's run maps to
			// ErrSignedOut; nothing on stdout, which carries JSON.
			if code == 0 || !strings.Contains(firstLine([]byte(errOut)), "You are not logged in.") || out != "" {
				t.Errorf("bw %q signed out: status %d, stdout %q, stderr %q: want bw's login error", argv, code, out, errOut)
			}
		}
	}
	for _, cmd := range []string{"status", "sync", "list", "get", "create", "edit", "delete", "config"} {
		if !seen[cmd] {
			t.Errorf("the provider never ran bw %s: the walk in providerBWCalls misses it", cmd)
		}
	}
}

// sameJSON compares two JSON documents by value.
func sameJSON(t *testing.T, a, b string) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal([]byte(a), &x); err != nil {
		t.Errorf("not JSON: %q", a)
		return false
	}
	if err := json.Unmarshal([]byte(b), &y); err != nil {
		t.Errorf("not JSON: %q", b)
		return false
	}
	xs, _ := json.Marshal(x)
	ys, _ := json.Marshal(y)
	return bytes.Equal(xs, ys)
}

// bwBundle returns the directory of bw's bundle (build/bw.js, which the
// bw command links to) and its text.
func bwBundle(t *testing.T, bw string) (string, string) {
	t.Helper()
	js, err := filepath.EvalSymlinks(bw)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(js) != "bw.js" {
		t.Fatalf("%s is %s, not @bitwarden/cli's build/bw.js: point BW_CLI at node_modules/.bin/bw", bw, js)
	}
	data, err := os.ReadFile(js)
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Dir(js), string(data)
}

// bwTemplates returns bw's own `bw get template NAME` for each name. bw
// prints templates only when unlocked, which needs a server; so this runs
// a copy of bw's bundle with the one line that checks the lock skipped
// for `get template`, beside the bundle's other files (linked), with
// node finding bw's modules through NODE_PATH. Everything else is bw's
// own code. If bw's source moves, the patch fails loudly.
func bwTemplates(t *testing.T, s *bwSandbox, names ...string) map[string]string {
	t.Helper()
	dir, src := bwBundle(t, s.bw)
	const gate = "            yield this.exitIfLocked();\n            const command = new GetCommand("
	if strings.Count(src, gate) != 1 {
		t.Fatalf("bw's get command no longer looks as expected (%q): update bwTemplates", gate)
	}
	src = strings.Replace(src, gate, "            if (object !== \"template\") yield this.exitIfLocked();\n            const command = new GetCommand(", 1)
	copyDir := t.TempDir()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Name() != "bw.js" {
			if err := os.Symlink(filepath.Join(dir, e.Name()), filepath.Join(copyDir, e.Name())); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := os.WriteFile(filepath.Join(copyDir, "bw.js"), []byte(src), 0o700); err != nil {
		t.Fatal(err)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node is not on PATH: %v", err)
	}
	// .../node_modules/@bitwarden/cli/build: its modules are two and
	// three levels up.
	cli := filepath.Dir(dir)
	p := &bwSandbox{t: t, bw: node, env: append(slices.Clone(s.env),
		"NODE_PATH="+filepath.Join(cli, "node_modules")+string(filepath.ListSeparator)+filepath.Dir(filepath.Dir(cli)))}
	out := map[string]string{}
	for _, name := range names {
		got, errOut, code := p.run("", filepath.Join(copyDir, "bw.js"), "get", "template", name)
		if code != 0 {
			t.Fatalf("bw get template %s: status %d: %s", name, code, errOut)
		}
		out[name] = got
	}
	return out
}

// jsonKind is a JSON value's type: string, number, bool, array, object
// or null.
func jsonKind(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case float64:
		return "number"
	case bool:
		return "bool"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return "null"
}

func decodeObject(t *testing.T, what, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("%s is not a JSON object: %v: %q", what, err, s)
	}
	return m
}

// TestRealBWItemShape: the provider's `bw create item` request and the
// fake's items have bw's item template's field names and types; the
// fields the provider sends that the template leaves out are ones bw
// reads; and the fields the provider reads of an item are ones bw prints.
func TestRealBWItemShape(t *testing.T) {
	s := newBWSandbox(t)
	tpl := bwTemplates(t, s, "item", "item.securenote")
	item := decodeObject(t, "bw get template item", tpl["item"])
	note := decodeObject(t, "bw get template item.securenote", tpl["item.securenote"])
	if jsonKind(item["type"]) != "number" || jsonKind(item["notes"]) != "string" || jsonKind(item["name"]) != "string" {
		t.Fatalf("bw's item template lacks type, name or notes: %s", tpl["item"])
	}
	_, src := bwBundle(t, s.bw)

	// The request: each field with the template's type; the secure note
	// part is bw's securenote template; other fields are read by bw
	// (CipherExport.toView, `req.NAME`).
	raw, err := bwCreateRequest("configsync/dev/web/.env", []byte("A=1\n"))
	if err != nil {
		t.Fatal(err)
	}
	req := decodeObject(t, "the provider's request", string(raw))
	for k, v := range req {
		if tv, ok := item[k]; ok {
			if jsonKind(v) != jsonKind(tv) {
				t.Errorf("the provider sends %s as %s, bw's template has %s", k, jsonKind(v), jsonKind(tv))
			}
			continue
		}
		if k == "secureNote" {
			sub, _ := v.(map[string]any)
			if !sameShape(sub, note) {
				t.Errorf("the provider's secureNote %v does not have the shape of bw's %s", sub, tpl["item.securenote"])
			}
		}
		if !strings.Contains(src, "req."+k+" ") && !strings.Contains(src, "req."+k+")") && !strings.Contains(src, "req."+k+";") {
			t.Errorf("the provider sends %s, which bw's item template lacks and bw does not read", k)
		}
	}
	if req["type"] != float64(bwSecureNote) {
		t.Errorf("request type %v, want a secure note (%d)", req["type"], bwSecureNote)
	}

	// The fake's item, as the provider reads it with bw get item.
	f := newFixture(t)
	b := f.bitwarden()
	if err := b.Write(context.Background(), Item{Title: "configsync/dev/web/.env"}, []byte("A=1\n")); err != nil {
		t.Fatal(err)
	}
	it := listOne(t, b, "configsync/dev/")
	got := decodeObject(t, "the fake's item", f.cli(f.env, "", "bw", "get", "item", it.ID))
	for k, tv := range item {
		v, ok := got[k]
		// An item without history has none: bw prints no array then.
		if k == "passwordHistory" && (!ok || v == nil) {
			continue
		}
		if !ok || jsonKind(v) != jsonKind(tv) {
			t.Errorf("the fake's item has %s = %v (%s), bw's template a %s", k, v, jsonKind(v), jsonKind(tv))
		}
	}
	// What the provider reads of an item (bwItem) beyond the template is
	// printed by bw's item response (CipherResponse and its bases).
	for _, k := range []string{"id", "name", "type", "notes", "revisionDate"} {
		if _, ok := got[k]; !ok {
			t.Errorf("the fake's item has no %s", k)
		}
		if !strings.Contains(src, "this."+k+" = ") {
			t.Errorf("bw's bundle never sets an item's %s, which the provider reads", k)
		}
	}
}

// sameShape: the same field names, each with the same JSON type.
func sameShape(a, b map[string]any) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		w, ok := b[k]
		if !ok || jsonKind(v) != jsonKind(w) {
			return false
		}
	}
	return true
}
