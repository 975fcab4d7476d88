package scopes_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/configsync/configsync/gitstore"
	"github.com/configsync/configsync/internal/testkeys"
	"github.com/configsync/configsync/keyring"
	"github.com/configsync/configsync/scopes"
)

// init with no identity makes one when given a name and an email, and
// refuses otherwise; a second init, or a second identity, is refused.
func TestInitNewStoreAndIdentity(t *testing.T) {
	t.Parallel()
	l := newLab(t)
	h := l.host("new", nil)
	if _, err := h.open().Init(l.ctx, scopes.InitOptions{Remote: l.remote}); !errors.Is(err, scopes.ErrNoIdentity) {
		t.Fatalf("init with no identity: %v, want ErrNoIdentity", err)
	}
	if h.open().HasStore() {
		t.Fatal("the refused init left a store")
	}
	res, err := h.open().Init(l.ctx, scopes.InitOptions{Remote: l.remote, Name: "Nat", Email: "nat@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	if res.NewIdentity == nil || !res.Created || res.Member == nil || !res.Member.Admin || res.Member.Email != "nat@example.com" || res.Fingerprint != res.NewIdentity.Fingerprint() {
		t.Fatalf("init = %+v", res)
	}
	path := scopes.IdentityPath(h.opts.Home)
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("identity file: %v, %v", fi, err)
	}
	identity, _ := os.ReadFile(path)
	tip := l.tip()

	if _, err := h.open().Init(l.ctx, scopes.InitOptions{Remote: l.remote}); !errors.Is(err, scopes.ErrStoreExists) {
		t.Errorf("a second init: %v, want ErrStoreExists", err)
	}
	if _, err := h.open().GenerateIdentity("Other", "other@example.com", nil); !errors.Is(err, scopes.ErrIdentityExists) {
		t.Errorf("a second identity: %v, want ErrIdentityExists", err)
	}
	if err := h.open().ImportIdentity(labKey(t, testkeys.Bob()), nil); !errors.Is(err, scopes.ErrIdentityExists) {
		t.Errorf("an imported identity over one: %v, want ErrIdentityExists", err)
	}
	if after, _ := os.ReadFile(path); string(after) != string(identity) {
		t.Error("the identity file changed")
	}
	l.unchanged(tip)
}

// An imported identity is saved locked with its passphrase.
func TestImportIdentity(t *testing.T) {
	t.Parallel()
	h := newLab(t).host("imp", nil)
	if err := h.open().ImportIdentity(labKey(t, testkeys.Bob()), []byte("pw")); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(scopes.IdentityPath(h.opts.Home))
	if err != nil {
		t.Fatal(err)
	}
	k, err := keyring.ReadPrivateKey(data, func() ([]byte, error) { return []byte("pw"), nil })
	if err != nil || k.Fingerprint() != testkeys.BobFingerprint {
		t.Fatalf("the saved identity: %v, %v", k, err)
	}
	if _, err := keyring.ReadPrivateKey(data, func() ([]byte, error) { return []byte("wrong"), nil }); err == nil {
		t.Error("the saved identity opens with a wrong passphrase")
	}
}

// A join trusts the store's admins only as pinned or confirmed; every
// refused join leaves no store behind and writes no configuration.
func TestInitJoinRefusals(t *testing.T) {
	t.Parallel()
	lt := newLabTeam(t)
	notStore := filepath.Join(lt.root, "notstore.git")
	s, err := gitstore.InitBare(notStore, labBranch)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Commit(lt.ctx, gitstore.Hash{}, []gitstore.Change{{Path: "README", Data: []byte("hi\n")}}, gitstore.Signature{Name: "X", Email: "x@example.com", When: testkeys.Now()}, "not a store"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	var trustErr *scopes.TrustError
	tests := []struct {
		name  string
		o     scopes.InitOptions
		check func(error) bool
	}{
		{"admins not confirmed", scopes.InitOptions{Remote: lt.remote, ConfirmAdmins: func([]scopes.Member) bool { return false }},
			func(err error) bool { return errors.Is(err, scopes.ErrAdminsRejected) }},
		{"pinned key is no admin", scopes.InitOptions{Remote: lt.remote, Trust: []string{testkeys.BobFingerprint}},
			func(err error) bool {
				return errors.As(err, &trustErr) && strings.Contains(trustErr.What, "with a signature by Alice <alice@example.com>, who is not an admin this machine trusts")
			}},
		{"pin that is no fingerprint", scopes.InitOptions{Remote: lt.remote, Trust: []string{"alice"}},
			func(err error) bool { return err != nil && strings.Contains(err.Error(), "is not a key fingerprint") }},
		{"remote that is no store", scopes.InitOptions{Remote: notStore},
			func(err error) bool { return errors.Is(err, scopes.ErrNotStore) }},
		{"remote that does not exist", scopes.InitOptions{Remote: filepath.Join(lt.root, "missing.git")},
			func(err error) bool {
				return err != nil && strings.Contains(err.Error(), "remote repository not found")
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := lt.host("join-"+strings.ReplaceAll(tt.name, " ", "-"), labKey(t, testkeys.Carol()))
			_, err := h.open().Init(lt.ctx, tt.o)
			if !tt.check(err) {
				t.Fatalf("init: %v", err)
			}
			if h.open().HasStore() {
				t.Error("the refused join left a store")
			}
			if _, err := os.Stat(filepath.Join(h.opts.Home, "config.toml")); !os.IsNotExist(err) {
				t.Errorf("the refused join wrote a configuration: %v", err)
			}
		})
	}

	// Confirmed on first use: the admins are pinned.
	h := lt.host("tofu", labKey(t, testkeys.Carol()))
	var asked []scopes.Member
	res, err := h.open().Init(lt.ctx, scopes.InitOptions{Remote: lt.remote, ConfirmAdmins: func(m []scopes.Member) bool { asked = m; return true }})
	if err != nil {
		t.Fatal(err)
	}
	if len(asked) != 1 || asked[0].Fingerprint != testkeys.AliceFingerprint || len(res.Trusted) != 1 || res.Member != nil || res.Environment != "" {
		t.Errorf("init on first use: asked %+v, result %+v", asked, res)
	}
	var notMember *scopes.NotMemberError
	if _, err := h.open().Me(lt.ctx); !errors.As(err, &notMember) {
		t.Errorf("Me of a key that is no member: %v", err)
	}
}

// init --repo keeps the store on a branch of the user's repository and
// never repoints its origin.
func TestInitRepo(t *testing.T) {
	t.Parallel()
	l := newLab(t)
	app := filepath.Join(l.root, "app")
	git := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-C", app}, args...)...)
		cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null",
			"GIT_AUTHOR_NAME=T", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=T", "GIT_COMMITTER_EMAIL=t@example.com")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v: %s", args, err, out)
		}
	}
	if err := os.MkdirAll(app, 0o700); err != nil {
		t.Fatal(err)
	}
	git("init", "-q", "-b", "main")
	git("commit", "-q", "--allow-empty", "-m", "first")
	git("remote", "add", "origin", l.remote)

	other := l.host("other", labKey(t, testkeys.Bob()))
	if _, err := other.open().Init(l.ctx, scopes.InitOptions{Repo: app, Remote: filepath.Join(l.root, "elsewhere.git")}); err == nil || !strings.Contains(err.Error(), "already has origin") {
		t.Errorf("init --repo with another --remote: %v", err)
	}

	a := l.host("alice", labKey(t, testkeys.Alice()))
	res, err := a.open().Init(l.ctx, scopes.InitOptions{Repo: app, Branch: "secrets"})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Created || !strings.HasSuffix(res.Location, "app (branch secrets)") {
		t.Errorf("init --repo = %+v", res)
	}
	a.ok(a.open().CreateEnvironment(l.ctx, "development", scopes.TierDev, false))
	if _, err := os.Stat(filepath.Join(a.opts.Home, "store.git")); !os.IsNotExist(err) {
		t.Errorf("init --repo made a store in the home: %v", err)
	}
	if a.open().HalfInit() {
		t.Error("a store in a repository is half done")
	}
	checks, _, _ := a.doctor(false)
	wantCheck(t, checks, "store", true, "app (branch secrets)")
}
