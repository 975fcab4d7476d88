package scopes_test

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/configsync/configsync/config"
	"github.com/configsync/configsync/envfile"
	"github.com/configsync/configsync/gitstore"
	"github.com/configsync/configsync/internal/testkeys"
	"github.com/configsync/configsync/keyring"
	"github.com/configsync/configsync/scopes"
)

// syncSession is the part of a session the sync tests use. The tests
// never name the concrete type (it is being renamed): whatever
// scopes.Open returns satisfies this.
type syncSession interface {
	Config() *config.Local
	SaveConfig() error
	Init(ctx context.Context, o scopes.InitOptions) (*scopes.InitResult, error)
	Push(ctx context.Context, o scopes.PushOptions) (*scopes.PushResult, error)
	Pull(ctx context.Context, o scopes.PullOptions) (*scopes.PullResult, error)
	Import(ctx context.Context, o scopes.ImportOptions) (*scopes.PushResult, error)
	Status(ctx context.Context, env, project string) (*scopes.StatusReport, error)
	Variables(ctx context.Context, o scopes.VariablesOptions) (scopes.Environment, []envfile.Var, error)
	AddEnv(dir, project string) (*scopes.TrackResult, error)
	AddFile(path, project string) (*scopes.TrackResult, error)
	Untrack(path string) (*scopes.TrackResult, error)
	Tracked(filter scopes.ItemType, project string) ([]scopes.TrackedItem, error)
	TrackedProjects() []config.Track
	Backups() ([]scopes.Backup, error)
	RestoreBackup(ctx context.Context, which string) (scopes.Backup, *scopes.Backup, error)
	CreateEnvironment(ctx context.Context, name string, tier scopes.Tier, protected bool) (scopes.Environment, error)
	UseEnvironment(ctx context.Context, name string) (scopes.Environment, error)
	DeleteEnvironment(ctx context.Context, name string, confirm func(scopes.Environment, int) bool) error
	Environments(ctx context.Context) ([]scopes.Environment, error)
	ProviderName() (string, error)
	RotateEnvironment(ctx context.Context, name string) (*scopes.RotationReport, error)
	Verify(ctx context.Context, full bool) (*scopes.VerifyReport, error)
	TeamAdd(ctx context.Context, pub *keyring.PublicKey, tiers []scopes.Tier, admin, ci bool) (scopes.Member, error)
}

// syncMachine is one user's machine: its own configsync home and $HOME,
// sharing a remote store with the others.
type syncMachine struct {
	t    *testing.T
	opts scopes.Options
	// dir is the project directory myapp ($HOME/git/myapp).
	dir string
}

// newSyncMachine is the machine under root/name whose identity is key.
func newSyncMachine(t *testing.T, root, name string, key []byte) *syncMachine {
	t.Helper()
	id, err := keyring.ReadPrivateKey(key, nil)
	if err != nil {
		t.Fatal(err)
	}
	m := &syncMachine{t: t, opts: scopes.Options{
		Home: filepath.Join(root, name, "cs"), UserHome: filepath.Join(root, name, "home"), Now: testkeys.Now,
		Identity: func() (*keyring.PrivateKey, error) { return id, nil },
	}}
	m.dir = filepath.Join(m.opts.UserHome, "git", "myapp")
	if err := os.MkdirAll(m.dir, 0o700); err != nil {
		t.Fatal(err)
	}
	return m
}

// open is a fresh session on this machine, as each command opens one.
func (m *syncMachine) open() syncSession {
	m.t.Helper()
	v, err := scopes.Open(context.Background(), m.opts)
	if err != nil {
		m.t.Fatal(err)
	}
	return v
}

// write puts a file under the project directory.
func (m *syncMachine) write(name, body string) {
	m.t.Helper()
	p := filepath.Join(m.dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		m.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		m.t.Fatal(err)
	}
}

// read is a file under the project directory, "" when there is none.
func (m *syncMachine) read(name string) string {
	m.t.Helper()
	b, err := os.ReadFile(filepath.Join(m.dir, filepath.FromSlash(name)))
	if err != nil && !os.IsNotExist(err) {
		m.t.Fatal(err)
	}
	return string(b)
}

// syncDone fails the test on the error of a step whose result the test
// does not need: syncDone(t)(v.Push(ctx, o)).
func syncDone(t *testing.T) func(any, error) {
	return func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
}

// syncTeam is a remote store with environment development (dev tier),
// Alice its admin and Bob a dev member, both with it active and myapp
// tracked as an env project on both machines.
type syncTeam struct {
	remote     string
	alice, bob *syncMachine
}

// The machine is loaded (several agents, fsync on every write): a team
// takes seconds to build. Each is built once, kept in memory, and
// written out again for each test under its own directory.
var (
	syncTemplateMu sync.Mutex
	syncTemplates  = map[string]*syncTemplate{}
)

// syncTemplate is every file under a root, with the root it was built in
// (rewritten in the few local files that name absolute paths).
type syncTemplate struct {
	root  string
	files []syncFile
}

type syncFile struct {
	rel  string
	mode fs.FileMode
	data []byte
}

// syncTeamFrom is the team template name, built by build the first time.
func syncTeamFrom(t *testing.T, name string, build func(t *testing.T, root string)) *syncTeam {
	t.Helper()
	syncTemplateMu.Lock()
	defer syncTemplateMu.Unlock()
	tpl := syncTemplates[name]
	if tpl == nil {
		src := t.TempDir()
		build(t, src)
		tpl = captureSyncTemplate(t, src)
		syncTemplates[name] = tpl
	}
	root := t.TempDir()
	tpl.restore(t, root)
	return openSyncTeam(t, root)
}

func openSyncTeam(t *testing.T, root string) *syncTeam {
	return &syncTeam{
		remote: filepath.Join(root, "remote.git"),
		alice:  newSyncMachine(t, root, "alice", testkeys.Alice()),
		bob:    newSyncMachine(t, root, "bob", testkeys.Bob()),
	}
}

func captureSyncTemplate(t *testing.T, root string) *syncTemplate {
	t.Helper()
	tpl := &syncTemplate{root: root}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == root {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		f := syncFile{rel: rel, mode: info.Mode()}
		if !d.IsDir() {
			if f.data, err = os.ReadFile(p); err != nil {
				return err
			}
		}
		tpl.files = append(tpl.files, f)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return tpl
}

// syncRewritten are the local files that hold absolute paths: the
// configuration, the sync state (by file) and the store's git config.
var syncRewritten = map[string]bool{"config.toml": true, "state.json": true, "config": true}

func (tpl *syncTemplate) restore(t *testing.T, root string) {
	t.Helper()
	for _, f := range tpl.files {
		p := filepath.Join(root, f.rel)
		if f.mode.IsDir() {
			if err := os.MkdirAll(p, f.mode.Perm()); err != nil {
				t.Fatal(err)
			}
			continue
		}
		data := f.data
		if syncRewritten[filepath.Base(f.rel)] {
			data = bytes.ReplaceAll(data, []byte(tpl.root), []byte(root))
		}
		if err := os.WriteFile(p, data, f.mode.Perm()); err != nil {
			t.Fatal(err)
		}
	}
}

func newSyncTeam(t *testing.T) *syncTeam {
	t.Helper()
	return syncTeamFrom(t, "team", buildSyncTeam)
}

func buildSyncTeam(t *testing.T, root string) {
	t.Helper()
	ctx := context.Background()
	done := syncDone(t)
	st := openSyncTeam(t, root)
	if _, err := gitstore.InitBare(st.remote, config.DefaultBranch); err != nil {
		t.Fatal(err)
	}
	a, b := st.alice, st.bob
	done(a.open().Init(ctx, scopes.InitOptions{Remote: st.remote}))
	done(a.open().CreateEnvironment(ctx, "development", scopes.TierDev, false))
	done(a.open().UseEnvironment(ctx, "development"))
	bob, err := keyring.ReadPrivateKey(testkeys.Bob(), nil)
	if err != nil {
		t.Fatal(err)
	}
	done(a.open().TeamAdd(ctx, bob.Public(), []scopes.Tier{scopes.TierDev}, false, false))
	done(b.open().Init(ctx, scopes.InitOptions{Remote: st.remote, Trust: []string{testkeys.AliceFingerprint}}))
	done(b.open().UseEnvironment(ctx, "development"))
	for _, m := range []*syncMachine{a, b} {
		done(m.open().AddEnv(m.dir, ""))
	}
}

// tip is the remote's store branch, "" before the first commit.
func (st *syncTeam) tip(t *testing.T) string {
	t.Helper()
	s, err := gitstore.Open(st.remote, config.DefaultBranch)
	if err != nil {
		t.Fatal(err)
	}
	h, err := s.Tip(context.Background())
	if err != nil {
		return ""
	}
	return h.String()
}

// syncSnapshot is every file under dir with its content and mode, to
// check that a refusal changed nothing.
func syncSnapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if p == dir && errors.Is(err, fs.ErrNotExist) {
			return nil // nothing there yet: nothing to compare
		}
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if d.IsDir() {
			out[p] = info.Mode().String()
			return nil
		}
		if info.Mode()&fs.ModeSymlink != 0 {
			target, err := os.Readlink(p)
			out[p] = "link " + target
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		out[p] = info.Mode().String() + " " + string(b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// syncSameTree fails when the two snapshots differ, naming the paths.
func syncSameTree(t *testing.T, before, after map[string]string) {
	t.Helper()
	var diff []string
	for p, b := range before {
		if after[p] != b {
			diff = append(diff, p)
		}
	}
	for p := range after {
		if _, ok := before[p]; !ok {
			diff = append(diff, p+" (new)")
		}
	}
	sort.Strings(diff)
	if len(diff) > 0 {
		t.Fatalf("a refusal changed files: %s", strings.Join(diff, ", "))
	}
}

// syncMode0600 fails unless path is a regular file of mode 0600.
func syncMode0600(t *testing.T, path string) {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Fatalf("%s has mode %v, want 0600", path, info.Mode().Perm())
	}
}

// syncNoSecret fails when err's text holds any of the values.
func syncNoSecret(t *testing.T, err error, values ...string) {
	t.Helper()
	if err == nil {
		return
	}
	for _, s := range values {
		if s != "" && bytes.Contains([]byte(err.Error()), []byte(s)) {
			t.Fatalf("error %q holds a secret value", err)
		}
	}
}

// removeFile removes a file of the project directory.
func removeFile(m *syncMachine, name string) error {
	return os.Remove(filepath.Join(m.dir, filepath.FromSlash(name)))
}
