package scopes_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/configsync/configsync/gitstore"
	"github.com/configsync/configsync/internal/testkeys"
	"github.com/configsync/configsync/keyring"
	"github.com/configsync/configsync/scopes"
)

// The trust and team tests build real stores: a bare repository as the
// shared remote and one configsync home per machine, each with an
// identity from internal/testkeys. They use the exported API only and
// never name the session type (it is being renamed): a machine's session
// is seen through labSession, the methods these tests call.

// labSession is what these tests call on an opened store.
type labSession interface {
	Init(ctx context.Context, o scopes.InitOptions) (*scopes.InitResult, error)
	CreateEnvironment(ctx context.Context, name string, tier scopes.Tier, protected bool) (scopes.Environment, error)
	DeleteEnvironment(ctx context.Context, name string, confirm func(scopes.Environment, int) bool) error
	UseEnvironment(ctx context.Context, name string) (scopes.Environment, error)
	AddEnv(dir, project string) (*scopes.TrackResult, error)
	AddFile(path, project string) (*scopes.TrackResult, error)
	Push(ctx context.Context, o scopes.PushOptions) (*scopes.PushResult, error)
	Pull(ctx context.Context, o scopes.PullOptions) (*scopes.PullResult, error)
	Members(ctx context.Context) ([]scopes.Member, error)
	Me(ctx context.Context) (scopes.Member, error)
	TeamAdd(ctx context.Context, pub *keyring.PublicKey, tiers []scopes.Tier, admin, ci bool) (scopes.Member, error)
	TeamGrant(ctx context.Context, who string, tiers []scopes.Tier) (scopes.Member, error)
	TeamRevoke(ctx context.Context, who string, tiers []scopes.Tier) (*scopes.RotationReport, error)
	TeamRemove(ctx context.Context, who string) (*scopes.RotationReport, error)
	RotateEnvironment(ctx context.Context, name string) (*scopes.RotationReport, error)
	TrustAdmins(fprs []string) error
	Verify(ctx context.Context, full bool) (*scopes.VerifyReport, error)
	Repair(ctx context.Context) (*scopes.RepairResult, error)
	RepairFollow(ctx context.Context) (*scopes.FollowResult, error)
	Upgrade(ctx context.Context) (*scopes.UpgradeResult, error)
	Log(ctx context.Context, env string, n int) ([]scopes.LogEntry, error)
	GenerateIdentity(name, email string, passphrase []byte) (*keyring.PrivateKey, error)
	ImportIdentity(key *keyring.PrivateKey, passphrase []byte) error
	HalfInit() bool
	HasStore() bool
}

// lab is one shared remote and the machines that use it.
type lab struct {
	t      *testing.T
	ctx    context.Context
	root   string
	remote string // the bare repository every machine syncs with
}

const labBranch = "configsync"

func newLab(t *testing.T) *lab {
	t.Helper()
	l := &lab{t: t, ctx: context.Background(), root: t.TempDir()}
	l.remote = filepath.Join(l.root, "remote.git")
	s, err := gitstore.InitBare(l.remote, labBranch)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	return l
}

// labKey reads an armored test key.
func labKey(t testing.TB, armored []byte) *keyring.PrivateKey {
	t.Helper()
	k, err := keyring.ReadPrivateKey(armored, nil)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// labHost is one machine: its configsync home, the user's home and an
// identity (nil for none).
type labHost struct {
	l    *lab
	name string
	opts scopes.Options
	id   *keyring.PrivateKey
}

// host makes a machine named name whose identity is id.
func (l *lab) host(name string, id *keyring.PrivateKey) *labHost {
	h := &labHost{l: l, name: name, id: id}
	h.opts = scopes.Options{
		Home:     filepath.Join(l.root, name, "cs"),
		UserHome: filepath.Join(l.root, name, "home"),
		Now:      testkeys.Now,
		Identity: func() (*keyring.PrivateKey, error) {
			if h.id == nil {
				return nil, scopes.ErrNoIdentity
			}
			return h.id, nil
		},
	}
	return h
}

// open is what every command does first.
func (h *labHost) open() labSession {
	h.l.t.Helper()
	v, err := scopes.Open(h.l.ctx, h.opts)
	if err != nil {
		h.l.t.Fatalf("%s: open: %v", h.name, err)
	}
	return v
}

// ok fails the test when a setup step fails.
func (h *labHost) ok(_ any, err error) {
	h.l.t.Helper()
	if err != nil {
		h.l.t.Fatalf("%s: %v", h.name, err)
	}
}

// project is the directory of project name in the user's home.
func (h *labHost) project(name string) string {
	return filepath.Join(h.opts.UserHome, "git", name)
}

// write writes a file of a project, making the directory.
func (h *labHost) write(project, file, body string) string {
	h.l.t.Helper()
	dir := h.project(project)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		h.l.t.Fatal(err)
	}
	p := filepath.Join(dir, file)
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		h.l.t.Fatal(err)
	}
	return p
}

// read reads a file of a project.
func (h *labHost) read(project, file string) string {
	h.l.t.Helper()
	data, err := os.ReadFile(filepath.Join(h.project(project), file))
	if err != nil {
		h.l.t.Fatal(err)
	}
	return string(data)
}

// join runs init against the lab's remote, pinning Alice as admin.
func (h *labHost) join() *scopes.InitResult {
	h.l.t.Helper()
	res, err := h.open().Init(h.l.ctx, scopes.InitOptions{Remote: h.l.remote, Trust: []string{testkeys.AliceFingerprint}})
	if err != nil {
		h.l.t.Fatalf("%s: init: %v", h.name, err)
	}
	return res
}

// store opens a gitstore at dir on the store branch.
func (l *lab) store(dir string) *gitstore.Store {
	l.t.Helper()
	s, err := gitstore.Open(dir, labBranch)
	if err != nil {
		l.t.Fatal(err)
	}
	l.t.Cleanup(func() { s.Close() })
	return s
}

// tip is the remote's tip.
func (l *lab) tip() gitstore.Hash {
	l.t.Helper()
	h, err := l.store(l.remote).Tip(l.ctx)
	if err != nil {
		l.t.Fatal(err)
	}
	return h
}

// tree is the tree of a commit of the remote.
func (l *lab) tree(commit gitstore.Hash) *gitstore.Tree {
	l.t.Helper()
	tree, err := l.store(l.remote).Tree(l.ctx, commit)
	if err != nil {
		l.t.Fatal(err)
	}
	return tree
}

// file reads a path of a commit of the remote.
func (l *lab) file(commit gitstore.Hash, path string) []byte {
	l.t.Helper()
	data, err := l.tree(commit).Read(path)
	if err != nil {
		l.t.Fatal(err)
	}
	return data
}

// attack commits changes on the remote's tip as someone with write
// access to it would, with plain git: no configsync, no signature.
func (l *lab) attack(changes ...gitstore.Change) gitstore.Hash {
	l.t.Helper()
	s := l.store(l.remote)
	tip, err := s.Tip(l.ctx)
	if err != nil {
		l.t.Fatal(err)
	}
	h, err := s.Commit(l.ctx, tip, changes, gitstore.Signature{Name: "Mallory", Email: "mallory@example.com", When: testkeys.Now()}, "attack")
	if err != nil {
		l.t.Fatal(err)
	}
	return h
}

// putBack makes the remote's tip a commit whose tree is old's, on top of
// the tip (a replay of an older state).
func (l *lab) putBack(old gitstore.Hash, only string) gitstore.Hash {
	l.t.Helper()
	then, now := l.tree(old), l.tree(l.tip())
	var changes []gitstore.Change
	for _, f := range then.Files(only) {
		if b, ok := now.Blob(f.Path); ok && b == f.Blob {
			continue
		}
		data, err := then.Read(f.Path)
		if err != nil {
			l.t.Fatal(err)
		}
		changes = append(changes, gitstore.Change{Path: f.Path, Data: data})
	}
	for _, f := range now.Files(only) {
		if _, ok := then.Blob(f.Path); !ok {
			changes = append(changes, gitstore.Change{Path: f.Path, Delete: true})
		}
	}
	return l.attack(changes...)
}

// moveBack sets the remote's branch to an older commit (a force push).
func (l *lab) moveBack(to gitstore.Hash) {
	l.t.Helper()
	s := l.store(l.remote)
	tip, err := s.Tip(l.ctx)
	if err != nil {
		l.t.Fatal(err)
	}
	if err := s.SetTip(l.ctx, tip, to); err != nil {
		l.t.Fatal(err)
	}
}

// labTeam is the usual start: Alice (admin, every tier) made the store
// on the remote with development (dev) and staging (staging), and
// pushed myapp/.env to development.
type labTeam struct {
	*lab
	alice *labHost
	bob   *labHost // Bob's machine: his key, not joined yet
	bobID *keyring.PrivateKey
}

const labDevEnv = "DATABASE_URL=postgres://dev\nAPI_TOKEN=dev-token\n"

func newLabTeam(t *testing.T) *labTeam {
	t.Helper()
	l := newLab(t)
	lt := &labTeam{lab: l, bobID: labKey(t, testkeys.Bob())}
	lt.alice = l.host("alice", labKey(t, testkeys.Alice()))
	lt.bob = l.host("bob", lt.bobID)
	a := lt.alice
	a.ok(a.open().Init(l.ctx, scopes.InitOptions{Remote: l.remote}))
	a.ok(a.open().CreateEnvironment(l.ctx, "development", scopes.TierDev, false))
	a.ok(a.open().CreateEnvironment(l.ctx, "staging", scopes.TierStaging, false))
	a.ok(a.open().UseEnvironment(l.ctx, "development"))
	a.write("myapp", ".env", labDevEnv)
	a.ok(a.open().AddEnv(a.project("myapp"), ""))
	a.ok(a.open().Push(l.ctx, scopes.PushOptions{}))
	return lt
}

// addBob adds Bob with tiers and has his machine join.
func (lt *labTeam) addBob(tiers ...scopes.Tier) {
	lt.t.Helper()
	lt.alice.ok(lt.alice.open().TeamAdd(lt.ctx, lt.bobID.Public(), tiers, false, false))
	lt.bob.join()
}

// unchanged checks that a refused command left the remote's tip where
// it was.
func (l *lab) unchanged(before gitstore.Hash) {
	l.t.Helper()
	if after := l.tip(); after != before {
		l.t.Errorf("the remote moved from %s to %s", before, after)
	}
}
