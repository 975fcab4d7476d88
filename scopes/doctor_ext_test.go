package scopes_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/configsync/configsync/gitstore"
	"github.com/configsync/configsync/internal/testkeys"
	"github.com/configsync/configsync/scopes"
)

// doctor runs configsync doctor on a machine and returns its checks by
// name, and their names in order.
func (h *labHost) doctor(fix bool) (map[string]scopes.Check, []string, *scopes.InitResult) {
	h.l.t.Helper()
	checks := map[string]scopes.Check{}
	var order []string
	res, err := scopes.Doctor(h.l.ctx, h.opts, fix, func(c scopes.Check) {
		checks[c.Name] = c
		order = append(order, c.Name)
	})
	if err != nil {
		h.l.t.Fatalf("%s: doctor: %v", h.name, err)
	}
	return checks, order, res
}

// wantCheck fails unless the check ran with ok and a detail holding
// detail.
func wantCheck(t *testing.T, checks map[string]scopes.Check, name string, ok bool, detail string) {
	t.Helper()
	c, ran := checks[name]
	switch {
	case !ran:
		t.Errorf("check %s did not run", name)
	case c.OK != ok || !strings.Contains(c.Detail, detail):
		t.Errorf("check %s = %+v, want ok %v and %q", name, c, ok, detail)
	case !ok && c.Fix == "":
		t.Errorf("check %s failed with no fix", name)
	}
}

// A healthy machine passes every check, in order.
func TestDoctorHealthy(t *testing.T) {
	t.Parallel()
	lt := newLabTeam(t)
	checks, order, res := lt.alice.doctor(false)
	if want := []string{"home", "config", "store", "trust", "pins", "identity", "remote"}; !slices.Equal(order, want) {
		t.Errorf("checks %v, want %v", order, want)
	}
	for _, c := range checks {
		if !c.OK {
			t.Errorf("%+v", c)
		}
	}
	wantCheck(t, checks, "identity", true, "Alice <alice@example.com>")
	wantCheck(t, checks, "remote", true, "answers")
	if res != nil {
		t.Errorf("doctor finished an init: %+v", res)
	}
	// Damaged marks are named, never silently trusted anew.
	marks := filepath.Join(lt.alice.opts.Home, "trust.json")
	if err := os.WriteFile(marks, []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := lt.alice.open().Members(lt.ctx); err == nil || !strings.Contains(err.Error(), "trust.json is damaged") {
		t.Errorf("a command with damaged marks: %v", err)
	}
	checks, _, _ = lt.alice.doctor(false)
	wantCheck(t, checks, "trust", false, "trust.json is damaged")
	// A local store has no remote to answer.
	local := newLab(t).host("local", labKey(t, testkeys.Alice()))
	local.ok(local.open().Init(lt.ctx, scopes.InitOptions{}))
	checks, _, _ = local.doctor(false)
	wantCheck(t, checks, "remote", true, "none")
}

// Each broken piece is found on its own, and fixed where it can be.
func TestDoctorFindsAndFixes(t *testing.T) {
	t.Parallel()
	lt := newLabTeam(t)
	a := lt.alice
	home := a.opts.Home
	store := filepath.Join(home, "store.git")

	t.Run("no home", func(t *testing.T) {
		none := lt.host("none", nil)
		checks, order, _ := none.doctor(true)
		if !slices.Equal(order, []string{"home"}) {
			t.Errorf("checks %v after a missing home", order)
		}
		wantCheck(t, checks, "home", false, "does not exist")
	})
	t.Run("home readable by others", func(t *testing.T) {
		if err := os.Chmod(home, 0o755); err != nil {
			t.Fatal(err)
		}
		checks, _, _ := a.doctor(false)
		wantCheck(t, checks, "home", false, "has mode 0755: others can read it")
		checks, _, _ = a.doctor(true)
		wantCheck(t, checks, "home", true, "(mode set to 0700)")
		if fi, err := os.Stat(home); err != nil || fi.Mode().Perm() != 0o700 {
			t.Errorf("home mode %v, %v", fi.Mode(), err)
		}
	})
	t.Run("branch ref emptied", func(t *testing.T) {
		tip := lt.tip()
		ref := filepath.Join(store, "refs", "heads", labBranch)
		if err := os.WriteFile(ref, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		var damaged *scopes.DamagedError
		if _, err := a.open().Members(lt.ctx); !errors.As(err, &damaged) {
			t.Errorf("a command on the damaged store: %v, want a DamagedError", err)
		}
		checks, order, _ := a.doctor(false)
		wantCheck(t, checks, "store", false, "is empty or missing")
		if slices.Contains(order, "trust") {
			t.Error("doctor went on past a damaged store")
		}
		checks, _, _ = a.doctor(true)
		wantCheck(t, checks, "store", true, "fetched again from the remote; the damaged copy is in")
		wantCheck(t, checks, "trust", true, "accepted")
		if got, err := lt.store(store).Tip(lt.ctx); err != nil || got != tip {
			t.Errorf("rebuilt store at %s (%v), want %s", got, err, tip)
		}
		if damagedCopies, _ := filepath.Glob(store + ".damaged-*"); len(damagedCopies) != 1 {
			t.Errorf("damaged copies %v", damagedCopies)
		}
	})
	t.Run("remote unreachable", func(t *testing.T) {
		moved := lt.remote + ".away"
		if err := os.Rename(lt.remote, moved); err != nil {
			t.Fatal(err)
		}
		defer os.Rename(moved, lt.remote)
		checks, _, _ := a.doctor(false)
		wantCheck(t, checks, "remote", false, "")
		wantCheck(t, checks, "trust", true, "accepted")
	})
	t.Run("damaged with the remote moved back below the marks", func(t *testing.T) {
		old := lt.tip()
		a.ok(a.open().CreateEnvironment(lt.ctx, "qa", scopes.TierDev, false))
		lt.moveBack(old)
		ref := filepath.Join(store, "refs", "heads", labBranch)
		if err := os.WriteFile(ref, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		checks, _, _ := a.doctor(true)
		wantCheck(t, checks, "store", false, "rebuilding it failed: commit")
		if _, err := os.Stat(store + ".rebuild"); !os.IsNotExist(err) {
			t.Errorf("the rebuild was left: %v", err)
		}
	})
	t.Run("config broken", func(t *testing.T) {
		path := filepath.Join(home, "config.toml")
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		defer os.WriteFile(path, data, 0o600)
		broken := strings.Replace(string(data), `environment = "development"`, `environment = "a/b"`, 1)
		if broken == string(data) {
			t.Fatalf("no environment in %s", data)
		}
		if err := os.WriteFile(path, []byte(broken), 0o600); err != nil {
			t.Fatal(err)
		}
		checks, order, _ := a.doctor(false)
		wantCheck(t, checks, "config", false, "")
		if !slices.Contains(order, "store") {
			t.Errorf("doctor stopped at the configuration: %v", order)
		}
	})
}

// The trust and membership checks: a refused tip, a key that is no
// member, no identity.
func TestDoctorTrustAndIdentity(t *testing.T) {
	t.Parallel()
	lt := newLabTeam(t)
	carol := lt.host("carol", labKey(t, testkeys.Carol()))
	carol.join()
	checks, _, _ := carol.doctor(false)
	wantCheck(t, checks, "identity", false, "is not a member of the store")
	wantCheck(t, checks, "pins", true, "1 admin(s) pinned")

	carol.id = nil
	checks, _, _ = carol.doctor(false)
	wantCheck(t, checks, "identity", false, "no identity")

	lt.attack(gitstore.Change{Path: "environments/development/items/myapp/.evil.pgp", Data: []byte("x")})
	if _, err := lt.alice.open().Pull(lt.ctx, scopes.PullOptions{}); err == nil {
		t.Fatal("the attack was accepted")
	}
	checks, order, _ := lt.alice.doctor(false)
	wantCheck(t, checks, "trust", false, "adds environments/development/items/myapp/.evil.pgp")
	if slices.Contains(order, "identity") {
		t.Errorf("doctor checked the identity against a refused tip: %v", order)
	}
}

// An init stopped before it saved the configuration is found, and
// finished by doctor --fix as init would; a local store with no remote
// is never removed.
func TestDoctorHalfInit(t *testing.T) {
	t.Parallel()
	lt := newLabTeam(t)
	b := lt.bob
	lt.alice.ok(lt.alice.open().TeamAdd(lt.ctx, lt.bobID.Public(), []scopes.Tier{scopes.TierDev}, false, false))
	b.join()
	config := filepath.Join(b.opts.Home, "config.toml")
	if err := os.Remove(config); err != nil {
		t.Fatal(err)
	}
	if !b.open().HalfInit() {
		t.Fatal("HalfInit is false with the store and no configuration")
	}
	checks, _, res := b.doctor(false)
	wantCheck(t, checks, "init", false, "init did not finish")
	if res != nil {
		t.Error("doctor without --fix finished the init")
	}
	checks, _, res = b.doctor(true)
	wantCheck(t, checks, "init", true, "finished: store in")
	if res == nil || res.Member == nil || res.Member.Fingerprint != testkeys.BobFingerprint || len(res.Trusted) != 1 {
		t.Fatalf("doctor --fix = %+v", res)
	}
	if b.open().HalfInit() {
		t.Error("still half done")
	}

	// init again over a half-done one finishes it too.
	if err := os.Remove(config); err != nil {
		t.Fatal(err)
	}
	res2, err := b.open().Init(lt.ctx, scopes.InitOptions{Trust: []string{testkeys.AliceFingerprint}})
	if err != nil || res2.Environment != "development" {
		t.Fatalf("init over a half-done one: %+v, %v", res2, err)
	}

	// A store made here with no remote may be the only copy.
	local := newLab(t).host("local", labKey(t, testkeys.Alice()))
	local.ok(local.open().Init(lt.ctx, scopes.InitOptions{}))
	if err := os.Remove(filepath.Join(local.opts.Home, "config.toml")); err != nil {
		t.Fatal(err)
	}
	checks, _, _ = local.doctor(true)
	wantCheck(t, checks, "init", false, "holds a store with no remote")
	if _, err := os.Stat(filepath.Join(local.opts.Home, "store.git")); err != nil {
		t.Errorf("the local store was removed: %v", err)
	}

	// A half-made store that cannot be read: only init with its options
	// finishes it.
	broken := lt.host("broken", labKey(t, testkeys.CI()))
	if err := os.MkdirAll(filepath.Join(broken.opts.Home, "store.git"), 0o700); err != nil {
		t.Fatal(err)
	}
	checks, _, _ = broken.doctor(true)
	wantCheck(t, checks, "init", false, "cannot be read")
}
