package providers

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/configsync/configsync/internal/fakecli"
)

// binDir holds op and bw: links to this test binary, which TestMain
// turns into the fakes when it is run under those names. runEnv is what
// their environment needs (see fakecli.Link).
var (
	binDir string
	runEnv []string
)

func TestMain(m *testing.M) {
	fakecli.RunIfFake()
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	dir, err := os.MkdirTemp("", "providers-bin-")
	if err == nil {
		defer os.RemoveAll(dir)
		runEnv, err = fakecli.Link(dir)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	binDir = dir
	return m.Run()
}

// fixture is a hermetic environment for one test: PATH holds the fakes
// only, HOME and TMPDIR are empty directories that must stay empty, and
// the fakes keep their state in their own directory, where nothing else
// may appear.
type fixture struct {
	t     *testing.T
	state string   // $FAKECLI_DIR
	env   []string // the environment given to the providers
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	state, home, tmp := t.TempDir(), t.TempDir(), t.TempDir()
	f := &fixture{t: t, state: state, env: append([]string{
		"PATH=" + binDir, "HOME=" + home, "TMPDIR=" + tmp, fakecli.DirEnv + "=" + state,
	}, runEnv...)}
	t.Cleanup(func() {
		for _, dir := range []string{home, tmp} {
			if names := dirNames(t, dir); len(names) > 0 {
				t.Errorf("files written to %s: %v", dir, names)
			}
		}
		for _, name := range dirNames(t, state) {
			if !slices.Contains([]string{"op.json", "op.log", "bw.json", "bw.log"}, name) {
				t.Errorf("unexpected file in the fakes' directory: %s", name)
			}
		}
	})
	return f
}

func dirNames(t *testing.T, dir string) []string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// with returns f's environment plus kv.
func (f *fixture) with(kv ...string) []string { return append(slices.Clone(f.env), kv...) }

// cli runs a fake directly (to set up a test), failing the test if it
// fails; it returns the standard output.
func (f *fixture) cli(env []string, stdin string, name string, args ...string) string {
	f.t.Helper()
	out, errOut, err := f.try(env, stdin, name, args...)
	if err != nil {
		f.t.Fatalf("%s %s: %v: %s", name, strings.Join(args, " "), err, errOut)
	}
	return out
}

func (f *fixture) try(env []string, stdin string, name string, args ...string) (string, string, error) {
	cmd := exec.Command(filepath.Join(binDir, name), args...)
	cmd.Env = env
	cmd.Stdin = strings.NewReader(stdin)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	return out.String(), errOut.String(), err
}

// log is what the fake called name was run with, one invocation a row.
func (f *fixture) log(name string) [][]string {
	f.t.Helper()
	calls, err := fakecli.ReadLog(filepath.Join(f.state, name+".log"))
	if err != nil {
		f.t.Fatal(err)
	}
	return calls
}

// onePassword returns a signed-in op with vault Engineering.
func (f *fixture) onePassword() *OnePassword {
	f.t.Helper()
	f.env = f.with("OP_SERVICE_ACCOUNT_TOKEN=ops_fake")
	f.cli(f.env, "", "op", "vault", "create", "Engineering")
	p, err := NewOnePassword("Engineering", f.env)
	if err != nil {
		f.t.Fatal(err)
	}
	return p
}

// bwLogin logs the fake bw in and puts the session in f's environment.
func (f *fixture) bwLogin() {
	f.t.Helper()
	key := f.cli(f.env, "", "bw", "login", "dev@example.com", "hunter2", "--raw")
	f.env = f.with("BW_SESSION=" + key)
}

// bitwarden returns a logged-in, unlocked bw on the default server.
func (f *fixture) bitwarden() *Bitwarden {
	f.t.Helper()
	f.bwLogin()
	b, err := NewBitwarden("", f.env)
	if err != nil {
		f.t.Fatal(err)
	}
	return b
}
