package scopes_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/configsync/configsync/gitstore"
	"github.com/configsync/configsync/internal/testkeys"
	"github.com/configsync/configsync/keyring"
	"github.com/configsync/configsync/scopes"
)

// newLabFormat1 is a lab whose remote is the format 1 store made by the
// previous release (cmd/configsync/testdata/format1: 16 commits; Alice
// admin, Bob, Gus and CI members, Carol removed; development, staging,
// production).
func newLabFormat1(t *testing.T) *lab {
	t.Helper()
	bundle, err := filepath.Abs("../cmd/configsync/testdata/format1/store.bundle")
	if err != nil {
		t.Fatal(err)
	}
	l := &lab{t: t, ctx: t.Context(), root: t.TempDir()}
	l.remote = filepath.Join(l.root, "remote.git")
	cmd := exec.Command("git", "clone", "-q", "--bare", bundle, l.remote)
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git clone: %v: %s", err, out)
	}
	return l
}

// hostNow is a machine on the format 1 lab: its commits carry the time
// the bundle was made, so the clock is the real one.
func (l *lab) hostNow(name string, armored []byte) *labHost {
	h := l.host(name, labKey(l.t, armored))
	h.opts.Now = time.Now
	return h
}

// commitNamed finds the newest commit of the remote whose message starts
// with prefix.
func (l *lab) commitNamed(prefix string) gitstore.Hash {
	l.t.Helper()
	entries, err := l.store(l.remote).Log(l.ctx, l.tip(), 0)
	if err != nil {
		l.t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Message, prefix) {
			return e.Hash
		}
	}
	l.t.Fatalf("no commit %q", prefix)
	return gitstore.Hash{}
}

// A format 1 store is read, verified and logged by its own rules; writes
// are refused until an admin upgrades it in one commit, after which the
// same members read everything and log tells the eras apart.
func TestUpgradeFormat1(t *testing.T) {
	t.Parallel()
	l := newLabFormat1(t)
	a := l.hostNow("alice", testkeys.Alice())
	b := l.hostNow("bob", testkeys.Bob())
	if res := a.join(); res.Environment != "development" || res.Member == nil || !res.Member.Admin {
		t.Fatalf("Alice's init = %+v", res)
	}
	b.join()
	format1 := l.tip()

	rep, err := a.open().Verify(l.ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Problems) != 0 || rep.Commits != 16 || rep.Manifests == 0 || rep.Items == 0 || rep.Keys == 0 {
		t.Fatalf("verify of format 1 = %+v", rep)
	}
	// Bob cannot open staging or production: they are skipped.
	rep, err = b.open().Verify(l.ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Problems) != 0 || !slices.Equal(rep.Skipped, []string{"staging", "production"}) {
		t.Errorf("Bob's verify: problems %v, skipped %v", rep.Problems, rep.Skipped)
	}

	entries, err := a.open().Log(l.ctx, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 16 || entries[0].Author != "Bob" || !entries[0].Member || entries[0].Summary != "push development: 1 item" {
		t.Fatalf("log of format 1: %d entries, first %+v", len(entries), entries[0])
	}
	if !slices.Equal(entries[0].Items, []string{"development/myapp/.env"}) || !slices.Equal(entries[0].Envs, []string{"development"}) {
		t.Errorf("first entry items %v envs %v", entries[0].Items, entries[0].Envs)
	}
	entries, err = a.open().Log(l.ctx, "production", 2)
	if err != nil || len(entries) != 2 || entries[0].Summary != "env rotate production (generation 2)" {
		t.Errorf("log of production: %+v, %v", entries, err)
	}
	var unknown *scopes.UnknownEnvironmentError
	if _, err := a.open().Log(l.ctx, "nope", 0); !errors.As(err, &unknown) {
		t.Errorf("log of an unknown environment: %v", err)
	}

	// Writes are refused; only an admin upgrades.
	var old *scopes.OldFormatError
	if _, err := a.open().CreateEnvironment(l.ctx, "qa", scopes.TierDev, false); !errors.As(err, &old) {
		t.Errorf("env create on format 1: %v, want an OldFormatError", err)
	}
	var notAdmin *scopes.NotAdminError
	if _, err := b.open().Upgrade(l.ctx); !errors.As(err, &notAdmin) {
		t.Errorf("Bob's upgrade: %v, want a NotAdminError", err)
	}
	l.unchanged(format1)

	res, err := a.open().Upgrade(l.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if res.From != 1 || res.To != 2 || !slices.Equal(res.Envs, []string{"development", "staging", "production"}) || res.Resigned != 0 {
		t.Fatalf("upgrade = %+v", res)
	}
	upgraded := l.tip()
	if parent := l.commitNamed("env rotate production"); !strings.HasPrefix(string(l.file(upgraded, "configsync-store.toml")), "format = 2") || parent.IsZero() {
		t.Fatal("the remote is not format 2")
	}
	if res, err := a.open().Upgrade(l.ctx); err != nil || res.From != 2 {
		t.Errorf("a second upgrade: %+v, %v", res, err)
	}
	l.unchanged(upgraded)

	entries, err = a.open().Log(l.ctx, "", 3)
	if err != nil || len(entries) != 3 {
		t.Fatalf("log after the upgrade: %+v, %v", entries, err)
	}
	if e := entries[0]; e.Summary != "upgrade: store format 1 to 2" || !e.Member || e.Author != "Alice" {
		t.Errorf("upgrade entry %+v", e)
	}
	if e := entries[1]; !e.Format1 || e.Member {
		t.Errorf("format 1 entry %+v", e)
	}
	for _, h := range []*labHost{a, b} {
		rep, err := h.open().Verify(l.ctx, true)
		if err != nil || len(rep.Problems) != 0 {
			t.Errorf("%s's verify --full after the upgrade: %+v, %v", h.name, rep, err)
		}
	}
	dest := filepath.Join(l.root, "bobdev")
	if _, err := b.open().Pull(l.ctx, scopes.PullOptions{Env: "development", Project: "myapp", Dest: dest}); err != nil {
		t.Fatalf("Bob's pull after the upgrade: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dest, ".env")); err != nil {
		t.Error(err)
	}
}

// The upgrade vouches for nothing format 1 would refuse, nor for what a
// removed member wrote under a manifest put back; refused, it changes
// nothing.
func TestUpgradeRefusals(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		attack func(l *lab) gitstore.Hash
		check  func(t *testing.T, err error)
	}{
		{"whole tree put back", func(l *lab) gitstore.Hash {
			return l.putBack(l.commitNamed("push staging"), "")
		}, func(t *testing.T, err error) {
			if !errors.Is(err, scopes.ErrUpgradeRefused) || !strings.Contains(err.Error(), "puts back an older key of") {
				t.Errorf("got %v, want ErrUpgradeRefused naming the key put back", err)
			}
		}},
		{"team put back by a removed member", func(l *lab) gitstore.Hash {
			old, now := l.tree(l.commitNamed("push staging")), l.tree(l.tip())
			var changes []gitstore.Change
			for _, f := range old.Files("team/") {
				if b, ok := now.Blob(f.Path); !ok || b != f.Blob {
					data, _ := old.Read(f.Path)
					changes = append(changes, gitstore.Change{Path: f.Path, Data: data})
				}
			}
			return l.attack(changes...)
		}, func(t *testing.T, err error) {
			var pb *scopes.PutBackError
			if !errors.As(err, &pb) || pb.Author != "Mallory <mallory@example.com>" || !strings.HasPrefix(pb.Path, "team/") {
				t.Errorf("got %v, want a PutBackError by Mallory", err)
			}
			if msg := err.Error(); !strings.HasPrefix(msg, "commit ") || !strings.Contains(msg, "(a manifest put back, as a removed member would do)") {
				t.Errorf("PutBackError says %q", msg)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			l := newLabFormat1(t)
			a := l.hostNow("alice", testkeys.Alice())
			a.join()
			tip := tt.attack(l)
			_, err := a.open().Upgrade(l.ctx)
			tt.check(t, err)
			l.unchanged(tip)
			if got := l.file(tip, "configsync-store.toml"); !strings.HasPrefix(string(got), "format = 1") {
				t.Errorf("configsync-store.toml is %q", got)
			}
		})
	}
}

// Verify of a format 1 store checks every commit by the team of its
// time: what plain git put in the history is a problem, named by
// commit and path, and the upgrade refuses to vouch for it.
func TestVerifyFormat1Problems(t *testing.T) {
	t.Parallel()
	const (
		devEnv   = "environments/development/items/myapp/.env.pgp"
		devLocal = "environments/development/items/myapp/.env.local.pgp"
		prodMeta = "environments/production/environment.toml"
		prodKey  = "environments/production/key.pgp"
	)
	tests := []struct {
		name   string
		attack func(l *lab) []gitstore.Change
		path   string
		reason string
		undo   bool // a later commit puts the file back as it was
	}{
		{"item copied to another place", func(l *lab) []gitstore.Change {
			return []gitstore.Change{{Path: devLocal, Data: l.file(l.tip(), devEnv)}}
		}, devLocal, "is a copy of " + devEnv, false},
		{"older item version put back", func(l *lab) []gitstore.Change {
			return []gitstore.Change{{Path: devEnv, Data: l.file(l.commitNamed("push development: 3 items"), devEnv)}}
		}, devEnv, "puts back an older version of this item", false},
		{"tier lowered", func(l *lab) []gitstore.Change {
			meta := strings.Replace(string(l.file(l.tip(), prodMeta)), `tier = "production"`, `tier = "staging"`, 1)
			return []gitstore.Change{{Path: prodMeta, Data: []byte(meta)}}
		}, prodMeta, `lowers the tier of "production" from production to staging`, false},
		{"older key put back", func(l *lab) []gitstore.Change {
			old := l.commitNamed("push production")
			return []gitstore.Change{{Path: prodMeta, Data: l.file(old, prodMeta)}, {Path: prodKey, Data: l.file(old, prodKey)}}
		}, prodMeta, `puts back an older key of "production" (generation 1), replaced since`, false},
		{"key of another environment", func(l *lab) []gitstore.Change {
			return []gitstore.Change{{Path: prodKey, Data: l.file(l.tip(), "environments/staging/key.pgp")}}
		}, prodKey, "who does not hold tier production at this commit", false},
		{"environment.toml made invalid", func(l *lab) []gitstore.Change {
			return []gitstore.Change{{Path: prodMeta, Data: []byte("name = \"staging\"\n")}}
		}, prodMeta, "not a valid environment.toml", true},
		{"environment.toml removed", func(l *lab) []gitstore.Change {
			return []gitstore.Change{{Path: prodMeta, Delete: true}}
		}, prodMeta, "missing", true},
		{"manifest edited by hand", func(l *lab) []gitstore.Change {
			return []gitstore.Change{{Path: "team/members.toml", Data: append(l.file(l.tip(), "team/members.toml"), "\n# edited\n"...)}}
		}, "team/members.toml", "not signed by an admin of the previous version", true},
		{"item encrypted to another key", func(l *lab) []gitstore.Change {
			carol := labKey(l.t, testkeys.Carol())
			ct, _, err := keyring.EncryptBound([]byte("X=1\n"), []*keyring.PublicKey{carol.Public()}, carol, time.Now(), "")
			if err != nil {
				l.t.Fatal(err)
			}
			return []gitstore.Change{{Path: devEnv, Data: ct}}
		}, devEnv, "is not encrypted to the environment's key at this commit", false},
		{"item signed by a former member", func(l *lab) []gitstore.Change {
			pub, err := keyring.ReadPublicKey(l.file(l.tip(), "environments/development/key.pub.asc"))
			if err != nil {
				l.t.Fatal(err)
			}
			ct, _, err := keyring.EncryptBound([]byte("X=1\n"), []*keyring.PublicKey{pub}, labKey(l.t, testkeys.Carol()), time.Now(), "")
			if err != nil {
				l.t.Fatal(err)
			}
			return []gitstore.Change{{Path: devEnv, Data: ct}}
		}, devEnv, "signed by Carol <carol@example.com>, who does not hold tier dev at this commit", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			l := newLabFormat1(t)
			was := l.tip()
			changes := tt.attack(l)
			bad := l.attack(changes...)
			if tt.undo { // as it was, so that the tip loads
				l.attack(gitstore.Change{Path: changes[0].Path, Data: l.file(was, changes[0].Path)})
			}
			a := l.hostNow("alice", testkeys.Alice())
			a.join()
			rep, err := a.open().Verify(l.ctx, false)
			if err != nil {
				t.Fatal(err)
			}
			found := slices.ContainsFunc(rep.Problems, func(p scopes.Problem) bool {
				return p.Commit == bad.String() && p.Path == tt.path && strings.Contains(p.Reason, tt.reason)
			})
			if !found {
				t.Errorf("problems %v, want one at %.12s: %s: %q", rep.Problems, bad, tt.path, tt.reason)
			}
			if _, err := a.open().Upgrade(l.ctx); !errors.Is(err, scopes.ErrUpgradeRefused) {
				t.Errorf("upgrade: %v, want ErrUpgradeRefused", err)
			}
			l.unchanged(l.tip())
		})
	}
}

// A machine remembers the tier it accepted for each environment: a
// format 1 environment lowered with plain git, its key re-wrapped by a
// member who is no admin, is refused there; wrapped by an admin, it is
// accepted (only admins may lower a tier).
func TestTierPinFormat1(t *testing.T) {
	t.Parallel()
	const (
		prodMeta = "environments/production/environment.toml"
		prodKey  = "environments/production/key.pgp"
	)
	l := newLabFormat1(t)
	a := l.hostNow("alice", testkeys.Alice())
	a.join()
	pull := func() error {
		_, err := a.open().Pull(l.ctx, scopes.PullOptions{Env: "production", Project: "myapp", Dest: filepath.Join(l.root, "prod"), Force: true})
		return err
	}
	if err := pull(); err != nil {
		t.Fatal(err)
	}
	alice, ci := labKey(t, testkeys.Alice()), labKey(t, testkeys.CI())
	plain, _, _, err := keyring.DecryptBound(l.file(l.tip(), prodKey), []*keyring.PrivateKey{alice}, []*keyring.PublicKey{alice.Public()}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	lower := func(signer *keyring.PrivateKey) {
		t.Helper()
		wrapped, _, err := keyring.EncryptBound(plain, []*keyring.PublicKey{alice.Public(), ci.Public()}, signer, time.Now(), "")
		if err != nil {
			t.Fatal(err)
		}
		meta := strings.Replace(string(l.file(l.tip(), prodMeta)), `tier = "production"`, `tier = "staging"`, 1)
		l.attack(gitstore.Change{Path: prodMeta, Data: []byte(meta)}, gitstore.Change{Path: prodKey, Data: wrapped})
	}

	lower(ci)
	var lowered *scopes.TierLoweredError
	if err := pull(); !errors.As(err, &lowered) {
		t.Fatalf("pull of production lowered by CI: %v, want a TierLoweredError", err)
	}
	if lowered.Env != "production" || lowered.Was != scopes.TierProduction || lowered.Now != scopes.TierStaging || lowered.By != "CI <ci@example.com>" {
		t.Errorf("TierLoweredError = %+v", lowered)
	}
	if msg := lowered.Error(); !strings.HasSuffix(msg, "re-created by CI <ci@example.com>, who is not an admin") {
		t.Errorf("TierLoweredError says %q", msg)
	}

	lower(alice)
	if err := pull(); err != nil {
		t.Errorf("pull of production lowered by an admin: %v", err)
	}
}
