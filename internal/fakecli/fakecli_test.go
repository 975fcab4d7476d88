package fakecli

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// binDir holds op and bw, links to this test binary; runEnv is what
// their environment needs (see Link).
var (
	binDir string
	runEnv []string
)

// TestMain runs the fakes when this binary is run as op or bw, through
// links in binDir.
func TestMain(m *testing.M) {
	RunIfFake()
	dir, err := os.MkdirTemp("", "fakecli-bin-")
	if err == nil {
		runEnv, err = Link(dir)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// sandbox is a state directory and the environment the fakes run in.
type sandbox struct {
	t   *testing.T
	dir string
	env []string
}

func newSandbox(t *testing.T, env ...string) *sandbox {
	dir := t.TempDir()
	base := append([]string{DirEnv + "=" + dir}, runEnv...)
	return &sandbox{t: t, dir: dir, env: append(base, env...)}
}

type result struct {
	stdout, stderr string
	code           int
}

func (s *sandbox) run(stdin, name string, args ...string) result {
	s.t.Helper()
	cmd := exec.Command(filepath.Join(binDir, name), args...)
	cmd.Env = s.env
	cmd.Stdin = strings.NewReader(stdin)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		s.t.Fatal(err)
	}
	return result{out.String(), errOut.String(), code}
}

// ok runs a fake that must succeed and returns its output.
func (s *sandbox) ok(stdin, name string, args ...string) string {
	s.t.Helper()
	r := s.run(stdin, name, args...)
	if r.code != 0 {
		s.t.Fatalf("%s %q: exit %d: %s", name, args, r.code, r.stderr)
	}
	return r.stdout
}

// fails runs a fake that must fail with a message matching re.
func (s *sandbox) fails(re, stdin, name string, args ...string) {
	s.t.Helper()
	r := s.run(stdin, name, args...)
	if r.code != 1 {
		s.t.Errorf("%s %q: exit %d, want 1 (stdout %q)", name, args, r.code, r.stdout)
	}
	if !regexp.MustCompile(re).MatchString(r.stderr) {
		s.t.Errorf("%s %q: stderr %q does not match %s", name, args, r.stderr, re)
	}
}

// opErr matches op's error format around a message.
func opErr(msg string) string {
	return `^\[ERROR\] \d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2} ` + regexp.QuoteMeta(msg) + "\n$"
}

func TestNoStateDir(t *testing.T) {
	s := &sandbox{t: t}
	s.fails(`FAKECLI_DIR is not set`, "", "op", "--version")
	s.fails(`FAKECLI_DIR is not set`, "", "bw", "status")
}

func TestOPStrict(t *testing.T) {
	s := newSandbox(t, "OP_SERVICE_ACCOUNT_TOKEN=ops_x")
	s.ok("", "op", "vault", "create", "Eng")
	for _, c := range []struct {
		args []string
		msg  string
	}{
		{[]string{"item", "list", "--vault", "Eng", "--bogus"}, "unknown flag: --bogus"},
		{[]string{"item", "list", "--vault=Eng", "--format", "json", "-x"}, "unknown flag: -x"},
		{[]string{"items", "list"}, `unknown command "items" for "op"`},
		{[]string{"document", "fetch", "x"}, `unknown command "fetch" for "op document"`},
		{[]string{"document", "get", "x"}, "fakecli: --vault is required here: configsync always names the vault"},
		{[]string{"document", "get", "--vault", "Eng"}, "accepts 1 arg(s), received 0"},
		{[]string{"document", "get", "x", "--vault"}, "flag needs an argument: --vault"},
		{[]string{"document", "get", "x", "--vault", "Eng", "--out-file", "/tmp/x"}, "unknown flag: --out-file"},
		{[]string{"document", "create", "secret.env", "--vault", "Eng", "--title", "t"}, `fakecli: the document must come from stdin ("-"), not "secret.env": plaintext must not touch disk`},
		{[]string{"document", "create", "-", "--vault", "Eng"}, "fakecli: --title is required here: configsync always names the document"},
		{[]string{"document", "edit", "x", "--vault", "Eng"}, "accepts 2 arg(s), received 1"},
		{[]string{"item", "list", "--vault", "Eng", "--format", "yaml"}, `invalid format "yaml": use json or human`},
		{[]string{"item", "list", "--vault", "Nope"}, `"Nope" isn't a vault in this account. Specify the vault with its ID or name.`},
		{[]string{"document", "get", "nope", "--vault", "Eng"}, `"nope" isn't an item in the "Eng" vault. Specify the item with its UUID, name, or domain.`},
	} {
		s.fails(opErr(c.msg), "", "op", c.args...)
	}
}

func TestOPSignedOut(t *testing.T) {
	s := newSandbox(t, "OP_SERVICE_ACCOUNT_TOKEN=", "OP_SESSION_x=")
	if out := s.ok("", "op", "--version"); !regexp.MustCompile(`^2\.\d+\.\d+\n$`).MatchString(out) {
		t.Errorf("op --version: %q", out)
	}
	s.fails(opErr("You are not currently signed in. Please run `op signin --help` for instructions"), "", "op", "vault", "list")
	// A wrong command is reported as such, signed in or not.
	s.fails(opErr(`unknown command "frob" for "op"`), "", "op", "frob")
}

func TestOPDocuments(t *testing.T) {
	s := newSandbox(t, "OP_SESSION_abc=token")
	s.ok("", "op", "vault", "create", "Eng")
	var vaults []map[string]any
	if err := json.Unmarshal([]byte(s.ok("", "op", "vault", "list", "--format", "json")), &vaults); err != nil || len(vaults) != 1 || vaults[0]["name"] != "Eng" {
		t.Fatalf("vault list: %v %v", vaults, err)
	}
	var created struct{ UUID, VaultUUID string }
	out := s.ok("A=1\n", "op", "document", "create", "-", "--vault", "Eng", "--title", "configsync/dev/a/.env", "--tags", "configsync", "--file-name", ".env")
	if err := json.Unmarshal([]byte(out), &created); err != nil || !regexp.MustCompile(`^[a-z2-7]{26}$`).MatchString(created.UUID) {
		t.Fatalf("document create printed %q", out)
	}
	s.ok("x", "op", "document", "create", "-", "--vault", "Eng", "--title", "untagged")

	var items []struct {
		ID, Title, Category string
		Tags                []string
		Vault               struct{ ID, Name string }
	}
	list := s.ok("", "op", "item", "list", "--vault", "Eng", "--tags", "configsync", "--categories", "Document", "--format", "json")
	if err := json.Unmarshal([]byte(list), &items); err != nil {
		t.Fatal(err)
	}
	if len(items) != 1 || items[0].ID != created.UUID || items[0].Category != "DOCUMENT" ||
		!slices.Equal(items[0].Tags, []string{"configsync"}) || items[0].Vault.Name != "Eng" || items[0].Vault.ID != created.VaultUUID {
		t.Errorf("item list: %s", list)
	}

	s.ok("B=2\r\n", "op", "document", "edit", created.UUID, "-", "--vault", "Eng")
	if got := s.ok("", "op", "document", "get", created.UUID, "--vault", "Eng"); got != "B=2\r\n" {
		t.Errorf("document get after edit: %q", got)
	}
	s.ok("", "op", "document", "delete", created.UUID, "--vault", "Eng")
	s.fails(opErr(fmt.Sprintf(`%q isn't an item in the "Eng" vault. Specify the item with its UUID, name, or domain.`, created.UUID)),
		"", "op", "document", "get", created.UUID, "--vault", "Eng")
}

func TestBWStrict(t *testing.T) {
	s := newSandbox(t)
	for _, c := range []struct {
		args []string
		msg  string
	}{
		{[]string{"status", "--bogus"}, "error: unknown option '--bogus'"},
		{[]string{"frob", "x"}, "Invalid command: frob x\nSee --help for a list of available commands."},
		{[]string{"list"}, "error: missing required argument 'object'"},
		{[]string{"list", "items", "extra"}, "error: too many arguments for 'list'. Expected 1 arguments but got 2."},
		{[]string{"list", "things"}, `Unknown object "things". Allowed objects are: items, folders, collections, org-collections, org-members, organizations.`},
		{[]string{"list", "items", "--search"}, "error: option '--search <search>' argument missing"},
		{[]string{"list", "items"}, "You are not logged in."},
		{[]string{"config", "colour", "x"}, "Unknown setting."},
	} {
		s.fails("^"+regexp.QuoteMeta(c.msg)+"$", "", "bw", c.args...)
	}
}

func TestBWSession(t *testing.T) {
	s := newSandbox(t)
	status := func() map[string]any {
		var st map[string]any
		if err := json.Unmarshal([]byte(s.ok("", "bw", "status")), &st); err != nil {
			t.Fatal(err)
		}
		return st
	}
	if st := status(); st["status"] != "unauthenticated" || st["serverUrl"] != nil || st["lastSync"] != nil {
		t.Errorf("logged out: %v", st)
	}
	if got := s.ok("", "bw", "config", "server", "https://bw.example.com"); got != "Saved setting `config`." {
		t.Errorf("config server: %q", got)
	}
	key := s.ok("", "bw", "login", "dev@example.com", "pw", "--raw")
	s.fails(`^Logout required before server config update\.$`, "", "bw", "config", "server", "https://other.example.com")
	if st := status(); st["status"] != "locked" || st["serverUrl"] != "https://bw.example.com" || st["userEmail"] != "dev@example.com" {
		t.Errorf("logged in without a session: %v", st)
	}

	s.fails(`^fakecli: bw would prompt for the master password here`, "", "bw", "list", "items")
	s.fails(`^Vault is locked\.$`, "", "bw", "list", "items", "--nointeraction")
	s.ok("", "bw", "list", "items", "--session", key)

	s.env = append(s.env, "BW_SESSION="+key, "BW_NOINTERACTION=true")
	if st := status(); st["status"] != "unlocked" {
		t.Errorf("with BW_SESSION: %v", st)
	}
	if got := s.ok("", "bw", "sync"); got != "Syncing complete." {
		t.Errorf("sync: %q", got)
	}
	s.ok("", "bw", "lock")
	s.fails(`^Vault is locked\.$`, "", "bw", "get", "item", "x")
	s.fails(`^Invalid master password\.$`, "", "bw", "unlock", "nope", "--raw")
	key = s.ok("", "bw", "unlock", "pw", "--raw")
	s.ok("", "bw", "list", "items", "--session", key)
	s.ok("", "bw", "logout")
	s.fails(`^You are not logged in\.$`, "", "bw", "sync")
}

func TestBWItems(t *testing.T) {
	s := newSandbox(t, "BW_NOINTERACTION=true")
	key := s.ok("", "bw", "login", "dev@example.com", "pw", "--raw")
	s.env = append(s.env, "BW_SESSION="+key)

	note := `{"type":2,"name":"configsync/dev/a/.env","notes":"A=1\n","secureNote":{"type":0},"fields":[]}`
	enc := s.ok(note, "bw", "encode")
	if enc != base64.StdEncoding.EncodeToString([]byte(note)) {
		t.Fatalf("encode: %q", enc)
	}
	var item map[string]any
	if err := json.Unmarshal([]byte(s.ok(enc, "bw", "create", "item")), &item); err != nil {
		t.Fatal(err)
	}
	id, _ := item["id"].(string)
	s.ok("", "bw", "create", "item", base64.StdEncoding.EncodeToString([]byte(strings.Replace(note, "/a/", "/b/", 1))))

	var list []map[string]any
	if err := json.Unmarshal([]byte(s.ok("", "bw", "list", "items", "--search", "CONFIGSYNC/DEV/A")), &list); err != nil || len(list) != 1 || list[0]["id"] != id {
		t.Errorf("search: %v, %v", list, err)
	}
	s.fails(`^More than one result was found\.`, "", "bw", "get", "item", "configsync/dev")

	item["notes"] = "B=2\n"
	edited, _ := json.Marshal(item)
	s.ok(base64.StdEncoding.EncodeToString(edited), "bw", "edit", "item", id)
	if err := json.Unmarshal([]byte(s.ok("", "bw", "get", "item", id)), &item); err != nil || item["notes"] != "B=2\n" || item["object"] != "item" {
		t.Errorf("after edit: %v, %v", item, err)
	}

	// What the real bw and the server refuse.
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	s.fails(`^Cannot read properties of undefined \(reading 'type'\)$`, b64(`{"type":2,"name":"n","notes":"x"}`), "bw", "create", "item")
	s.fails(`^The Name field is required\.$`, b64(`{"type":2,"name":"","secureNote":{"type":0}}`), "bw", "create", "item")
	s.fails("^Error parsing the encoded request data\\.$", "not base64!", "bw", "create", "item")
	s.fails("^`requestJson` was not provided\\.$", "", "bw", "create", "item")
	long := func(n int) string {
		return b64(fmt.Sprintf(`{"type":2,"name":"n","notes":%q,"secureNote":{"type":0}}`, strings.Repeat("x", n)))
	}
	s.ok(long(7400), "bw", "create", "item")
	s.fails(`^The field Notes exceeds the maximum encrypted value length of 10000 characters\.$`, long(7500), "bw", "create", "item")

	s.ok("", "bw", "delete", "item", id)
	s.fails(`^You may not edit a deleted item\. Use the restore command first\.$`, b64(note), "bw", "edit", "item", id)
	if err := json.Unmarshal([]byte(s.ok("", "bw", "list", "items", "--trash")), &list); err != nil || len(list) != 1 {
		t.Errorf("trash: %v, %v", list, err)
	}
	s.ok("", "bw", "delete", "item", id, "--permanent")
	s.fails(`^Not found\.$`, "", "bw", "get", "item", id)
}

func TestLog(t *testing.T) {
	s := newSandbox(t, "BW_NOINTERACTION=true")
	args := [][]string{
		{"status"},
		{"list", "items", "--search", "two words"},
		{"config", "server", ""},
		{"get", "item", `quo"te\back`, "--session", "k\ny"},
	}
	for _, a := range args {
		s.run("stdin is never logged", "bw", a...)
	}
	got, err := ReadLog(filepath.Join(s.dir, BWLog))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.EqualFunc(got, args, slices.Equal) {
		t.Errorf("ReadLog = %q, want %q", got, args)
	}
	data, _ := os.ReadFile(filepath.Join(s.dir, BWLog))
	if bytes.Contains(data, []byte("stdin")) {
		t.Errorf("the log holds stdin: %s", data)
	}
	if calls, err := ReadLog(filepath.Join(s.dir, OPLog)); calls != nil || err != nil {
		t.Errorf("a missing log: %v, %v", calls, err)
	}
}

func TestFlagParse(t *testing.T) {
	spec := flagSpec{takes: map[string]bool{"vault": true, "archive": false}, aliases: map[string]string{"-a": "archive"}}
	f, err := spec.parse([]string{"x", "--vault=V", "-", "-a", "--", "--vault"})
	if err != nil || !slices.Equal(f.pos, []string{"x", "-", "--vault"}) || f.vals["vault"] != "V" || !f.has("archive") {
		t.Errorf("parse: %+v, %v", f, err)
	}
	if _, err := spec.parse([]string{"--archive=yes"}); err == nil {
		t.Error("a value for a boolean flag was accepted")
	}
}
