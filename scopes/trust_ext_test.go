package scopes_test

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/configsync/configsync/gitstore"
	"github.com/configsync/configsync/internal/testkeys"
	"github.com/configsync/configsync/keyring"
	"github.com/configsync/configsync/scopes"
)

// labHistory is a team whose remote went through the stages attackers
// put back: Alice alone, Bob added, a push with Bob in, Bob removed.
type labHistory struct {
	*labTeam
	first, withBob, latest gitstore.Hash
}

const labSecondEnv = "DATABASE_URL=postgres://second\nAPI_TOKEN=second-token\n"

func newLabHistory(t *testing.T) *labHistory {
	t.Helper()
	lh := &labHistory{labTeam: newLabTeam(t)}
	a := lh.alice
	lh.first = lh.tip()
	lh.addBob(scopes.TierDev)
	a.write("myapp", ".env", labSecondEnv)
	a.ok(a.open().Push(lh.ctx, scopes.PushOptions{}))
	lh.withBob = lh.tip()
	a.ok(a.open().TeamRemove(lh.ctx, "bob@example.com"))
	lh.latest = lh.tip()
	return lh
}

// Every attack on the remote made with plain git is refused by the next
// command with the commit named and why; nothing local moves, every
// later command says so until an admin repairs, and the repair puts the
// accepted state back on top, after which everyone reads again.
func TestTrustAttacksRefusedAndRepaired(t *testing.T) {
	t.Parallel()
	lh := newLabHistory(t)
	a := lh.alice
	envPGP := "environments/development/items/myapp/.env.pgp"
	alicePub := "team/keys/" + testkeys.AliceFingerprint + ".asc"
	tests := []struct {
		name   string
		attack func() gitstore.Hash
		what   string // in the refusal
	}{
		{"manifest edited by hand", func() gitstore.Hash {
			data := lh.file(lh.tip(), "team/members.toml")
			return lh.attack(gitstore.Change{Path: "team/members.toml", Data: append(data, "\n# edited\n"...)})
		}, "without a valid admin signature"},
		{"team manifest that listed Bob put back", func() gitstore.Hash {
			return lh.putBack(lh.withBob, "team/")
		}, "puts back the team manifest of serial"},
		{"older item put back", func() gitstore.Hash {
			return lh.attack(gitstore.Change{Path: envPGP, Data: lh.file(lh.first, envPGP)})
		}, "changes " + envPGP + " to a version that its index does not list"},
		{"item added outside configsync", func() gitstore.Hash {
			return lh.attack(gitstore.Change{Path: "environments/development/items/myapp/.evil.pgp", Data: lh.file(lh.first, envPGP)})
		}, "adds environments/development/items/myapp/.evil.pgp, which the index of \"development\" does not list"},
		{"item removed outside configsync", func() gitstore.Hash {
			return lh.attack(gitstore.Change{Path: envPGP, Delete: true})
		}, "removes " + envPGP + ", which the index of \"development\" lists"},
		{"environment put back to its first key", func() gitstore.Hash {
			return lh.putBack(lh.first, "environments/development/")
		}, "puts back the index of \"development\""},
		{"public key swapped", func() gitstore.Hash {
			return lh.attack(gitstore.Change{Path: "environments/development/key.pub.asc", Data: lh.file(lh.tip(), "environments/staging/key.pub.asc")})
		}, "puts a public key for \"development\" that is not generation 2's"},
		{"wrapped key removed", func() gitstore.Hash {
			return lh.attack(gitstore.Change{Path: "environments/development/key.pgp", Delete: true})
		}, "removes the key of \"development\""},
		{"member key removed", func() gitstore.Hash {
			return lh.attack(gitstore.Change{Path: alicePub, Delete: true})
		}, "no public key for member Alice <alice@example.com>"},
		{"member key swapped for another's", func() gitstore.Hash {
			bob, err := lh.bobID.Public().Armor()
			if err != nil {
				t.Fatal(err)
			}
			return lh.attack(gitstore.Change{Path: alicePub, Data: bob})
		}, "the key file of member Alice <alice@example.com> does not match its fingerprint"},
		{"member key garbled", func() gitstore.Hash {
			return lh.attack(gitstore.Change{Path: alicePub, Data: []byte("-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nnot a key\n")})
		}, "the key file of member Alice <alice@example.com> does not match its fingerprint"},
		{"format 1 put back", func() gitstore.Hash {
			return lh.attack(gitstore.Change{Path: "configsync-store.toml", Data: []byte("format = 1\n")})
		}, "format 1 store"},
		{"index missing", func() gitstore.Hash {
			return lh.attack(gitstore.Change{Path: "environments/staging/index.toml", Delete: true})
		}, "leaves environment \"staging\" without its index"},
	}
	parent := t
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lh.t = t
			defer func() { lh.t = parent }()
			accepted := lh.tip()
			bad := tt.attack()

			_, err := a.open().Pull(lh.ctx, scopes.PullOptions{})
			var te *scopes.TrustError
			if !errors.As(err, &te) {
				t.Fatalf("pull after the attack: %v, want a TrustError", err)
			}
			if te.Commit != bad.String() || te.Author != "Mallory <mallory@example.com>" || !strings.Contains(te.What, tt.what) {
				t.Fatalf("refusal %+v, want commit %s by Mallory: %q", te, bad, tt.what)
			}
			if got := a.read("myapp", ".env"); got != labSecondEnv {
				t.Errorf("the refused pull wrote %q", got)
			}
			local := lh.store(a.opts.Home + "/store.git")
			if tip, err := local.Tip(lh.ctx); err != nil || tip != accepted {
				t.Errorf("local tip %s (%v), want it left at %s", tip, err, accepted)
			}
			// Every later command names the refused commit.
			var refused *scopes.RefusedError
			if _, err := a.open().Members(lh.ctx); !errors.As(err, &refused) || refused.Commit != bad.String() {
				t.Errorf("a later command: %v, want a RefusedError naming %s", err, bad)
			}
			rep, err := a.open().Verify(lh.ctx, false)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.ContainsFunc(rep.Problems, func(p scopes.Problem) bool { return p.Commit == bad.String() }) {
				t.Errorf("verify problems %v do not name %s", rep.Problems, bad)
			}

			res, err := a.open().Repair(lh.ctx)
			if err != nil {
				t.Fatal(err)
			}
			if res.Accepted != accepted.String() || len(res.Skipped) != 1 || res.Skipped[0].Commit != bad.String() || res.Commit != lh.tip().String() {
				t.Fatalf("repair = %+v (remote at %s)", res, lh.tip())
			}
			if _, err := a.open().Pull(lh.ctx, scopes.PullOptions{}); err != nil {
				t.Fatalf("pull after the repair: %v", err)
			}
		})
	}

	// Log never credits a refused commit to whoever signed its files.
	entries, err := a.open().Log(lh.ctx, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	refused := 0
	for _, e := range entries {
		switch {
		case e.Refused:
			refused++
			if e.Member {
				t.Errorf("refused commit %s credited to %s", e.Commit, e.Author)
			}
		case strings.HasPrefix(e.Summary, "repair:") && (!e.Member || e.Author != "Alice"):
			t.Errorf("repair commit credited to %q (member %v)", e.Author, e.Member)
		}
	}
	if refused != len(tests) {
		t.Errorf("log marks %d commits refused, want %d", refused, len(tests))
	}
	// A full verify passes over the repaired commits with a warning each.
	rep, err := a.open().Verify(lh.ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Problems) != 0 || len(rep.Warnings) != len(tests) {
		t.Errorf("verify --full: problems %v, %d warnings, want none and %d", rep.Problems, len(rep.Warnings), len(tests))
	}
}

// Bob, removed, replays the manifest that listed him and pushes as if
// nothing happened: his machine accepted the newer state, so it refuses;
// a repair is only an admin's.
func TestTrustRemovedMemberReplay(t *testing.T) {
	t.Parallel()
	lh := newLabHistory(t)
	b := lh.bob
	bad := lh.putBack(lh.withBob, "team/")
	var te *scopes.TrustError
	if _, err := b.open().Pull(lh.ctx, scopes.PullOptions{}); !errors.As(err, &te) || te.Commit != bad.String() {
		t.Fatalf("Bob's pull: %v, want a TrustError naming %s", err, bad)
	}
	tip := lh.tip()
	var notAdmin *scopes.NotAdminError
	if _, err := b.open().Repair(lh.ctx); !errors.As(err, &notAdmin) {
		t.Errorf("Bob's repair: %v, want a NotAdminError", err)
	}
	lh.unchanged(tip)
	// A machine that joins now, pinned to Alice, refuses it too: the
	// manifest put back names an older generation than the index.
	carol := lh.host("carol", labKey(t, testkeys.Carol()))
	if _, err := carol.open().Init(lh.ctx, scopes.InitOptions{Remote: lh.remote, Trust: []string{testkeys.AliceFingerprint}}); !errors.As(err, &te) || te.Commit != bad.String() {
		t.Errorf("Carol's init: %v, want a TrustError naming %s", err, bad)
	}
	if carol.open().HasStore() {
		t.Error("Carol's refused init left a store")
	}
	lh.unchanged(tip)
}

// A remote moved back past commits this machine accepted is refused
// until an admin decides; repair --follow seals the remote's state
// forward, and machines that accepted the dropped commits follow it.
func TestTrustRewoundRemote(t *testing.T) {
	t.Parallel()
	lt := newLabTeam(t)
	a := lt.alice
	lt.addBob(scopes.TierDev)
	var notes []string
	lt.bob.opts.Notify = func(line string) { notes = append(notes, line) }
	lt.bob.write("myapp", ".keep", "")
	if _, err := lt.bob.open().Pull(lt.ctx, scopes.PullOptions{}); err != nil {
		t.Fatal(err)
	}
	back := lt.tip()
	a.write("myapp", ".env", labSecondEnv)
	a.ok(a.open().Push(lt.ctx, scopes.PushOptions{}))
	a.ok(a.open().CreateEnvironment(lt.ctx, "qa", scopes.TierDev, false))
	dropped := lt.tip()
	if _, err := lt.bob.open().Pull(lt.ctx, scopes.PullOptions{}); err != nil {
		t.Fatal(err)
	}

	lt.moveBack(back)
	var rw *scopes.RewoundError
	for range 2 { // the move is found again by the next command
		if _, err := a.open().Pull(lt.ctx, scopes.PullOptions{}); !errors.As(err, &rw) {
			t.Fatalf("pull after the remote moved back: %v, want a RewoundError", err)
		}
	}
	if rw.From != dropped.String() || rw.To != back.String() || rw.Count != "2 commits" || !strings.Contains(rw.Dropped, "(made as Alice <alice@example.com>)") {
		t.Errorf("RewoundError = %+v", rw)
	}
	if msg := rw.Error(); strings.Contains(msg, "\n") || !strings.HasPrefix(msg, "the remote ") || !strings.HasSuffix(msg, "configsync repair puts the dropped state back") {
		t.Errorf("RewoundError says %q", msg)
	}
	lt.unchanged(back)

	// Bob is no admin: he cannot follow it.
	var notAdmin *scopes.NotAdminError
	if _, err := lt.bob.open().RepairFollow(lt.ctx); !errors.As(err, &notAdmin) {
		t.Errorf("Bob's repair --follow: %v, want a NotAdminError", err)
	}
	lt.unchanged(back)

	res, err := a.open().RepairFollow(lt.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Commits) == 0 || res.Commits[len(res.Commits)-1] != lt.tip().String() || res.Remote != back.String() || !strings.Contains(res.Dropped, "made as Alice") {
		t.Fatalf("repair --follow = %+v", res)
	}
	if _, err := a.open().Pull(lt.ctx, scopes.PullOptions{}); err != nil {
		t.Fatalf("Alice's pull after the follow: %v", err)
	}
	if _, err := a.open().RepairFollow(lt.ctx); !errors.Is(err, scopes.ErrNothingToRepair) {
		t.Errorf("a second repair --follow: %v, want ErrNothingToRepair", err)
	}
	// Bob accepted the dropped commits: he follows the sealed state.
	if _, err := lt.bob.open().Pull(lt.ctx, scopes.PullOptions{}); err != nil {
		t.Fatalf("Bob's pull after the follow: %v", err)
	}
	if len(notes) != 1 || !strings.Contains(notes[0], "sealed forward by an admin: following it") {
		t.Errorf("Bob was told %q", notes)
	}
	if got := lt.bob.read("myapp", ".env"); got != labDevEnv {
		t.Errorf("Bob has %q, want the remote's state", got)
	}
}

// Refused commits that an admin then drops from the remote (moving it
// back) are followed by a machine that never accepted them, and the
// refusal is forgotten.
func TestTrustRewindDropsRefused(t *testing.T) {
	t.Parallel()
	lt := newLabTeam(t)
	lt.addBob(scopes.TierDev)
	b := lt.bob
	var notes []string
	b.opts.Notify = func(line string) { notes = append(notes, line) }
	good := lt.tip()
	bad := lt.attack(gitstore.Change{Path: "environments/development/items/myapp/.evil.pgp", Data: []byte("x")})
	for i := range 5 { // more than a line names
		lt.attack(gitstore.Change{Path: "environments/development/items/myapp/.evil.pgp", Data: []byte{byte(i)}})
	}
	var te *scopes.TrustError
	if _, err := b.open().Pull(lt.ctx, scopes.PullOptions{}); !errors.As(err, &te) || te.Commit != bad.String() {
		t.Fatalf("Bob's pull: %v", err)
	}
	lt.moveBack(good)
	if _, err := b.open().Pull(lt.ctx, scopes.PullOptions{}); err != nil {
		t.Fatalf("Bob's pull after the refused commits were dropped: %v", err)
	}
	if len(notes) != 1 || !strings.Contains(notes[0], "dropping 6 commits never accepted here") || !strings.Contains(notes[0], "and 1 more") {
		t.Errorf("Bob was told %q", notes)
	}
	if _, err := b.open().Members(lt.ctx); err != nil {
		t.Errorf("a later command: %v", err)
	}
}

// repair (not --follow) on a remote moved back puts the dropped state
// back on top of it.
func TestTrustRewindRepair(t *testing.T) {
	t.Parallel()
	lt := newLabTeam(t)
	a := lt.alice
	back := lt.tip()
	a.ok(a.open().CreateEnvironment(lt.ctx, "qa", scopes.TierDev, false))
	dropped := lt.tip()
	lt.moveBack(back)
	res, err := a.open().Repair(lt.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if res.Accepted != dropped.String() || res.Commit != lt.tip().String() {
		t.Fatalf("repair = %+v", res)
	}
	envs := lt.tree(lt.tip()).Files("environments/qa/")
	if len(envs) == 0 {
		t.Error("the repair did not put qa back")
	}
	if _, err := a.open().Pull(lt.ctx, scopes.PullOptions{}); err != nil {
		t.Errorf("pull after the repair: %v", err)
	}
}

// Refusals of repair that have nothing to do change nothing.
func TestRepairNothingToDo(t *testing.T) {
	t.Parallel()
	lt := newLabTeam(t)
	tip := lt.tip()
	if _, err := lt.alice.open().Repair(lt.ctx); !errors.Is(err, scopes.ErrNothingToRepair) {
		t.Errorf("repair of an accepted tip: %v", err)
	}
	if _, err := lt.alice.open().RepairFollow(lt.ctx); !errors.Is(err, scopes.ErrNothingToRepair) {
		t.Errorf("repair --follow of an accepted tip: %v", err)
	}
	lt.unchanged(tip)
	// A remote whose tip no pinned admin signed is not followed.
	data := lt.file(tip, "team/members.toml")
	bad := lt.attack(gitstore.Change{Path: "team/members.toml", Data: append(data, "\n# edited\n"...)})
	var te *scopes.TrustError
	if _, err := lt.alice.open().RepairFollow(lt.ctx); !errors.As(err, &te) || te.Commit != bad.String() {
		t.Errorf("repair --follow of a forged tip: %v, want a TrustError naming %s", err, bad)
	}
	lt.unchanged(bad)
	// A remote with no branch has nothing to follow.
	cmd := exec.Command("git", "--git-dir", lt.remote, "update-ref", "-d", "refs/heads/"+labBranch)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if _, err := lt.alice.open().RepairFollow(lt.ctx); !errors.Is(err, scopes.ErrNothingToRepair) || !strings.Contains(err.Error(), "the remote has no") {
		t.Errorf("repair --follow of a remote with no branch: %v", err)
	}
	// A machine with no store, and one that accepted nothing yet.
	none := lt.host("none", labKey(t, testkeys.Carol()))
	if _, err := none.open().Repair(lt.ctx); !errors.Is(err, scopes.ErrNoStore) {
		t.Errorf("repair with no store: %v", err)
	}
	if _, err := none.open().RepairFollow(lt.ctx); !errors.Is(err, scopes.ErrNoStore) {
		t.Errorf("repair --follow with no store: %v", err)
	}
	local := newLab(t).host("local", labKey(t, testkeys.Alice()))
	local.ok(local.open().Init(lt.ctx, scopes.InitOptions{}))
	if _, err := local.open().RepairFollow(lt.ctx); !errors.Is(err, scopes.ErrNothingToRepair) {
		t.Errorf("repair --follow of a local store: %v", err)
	}
}

// A remote moved back past a rotation cannot be sealed forward: the
// dropped key generation takes a repair, which puts it back.
func TestTrustRewindPastRotation(t *testing.T) {
	t.Parallel()
	lt := newLabTeam(t)
	a := lt.alice
	back := lt.tip()
	a.ok(a.open().RotateEnvironment(lt.ctx, "development"))
	rotated := lt.tip()
	lt.moveBack(back)
	if _, err := a.open().RepairFollow(lt.ctx); err == nil || !strings.Contains(err.Error(), `the remote dropped key generation 2 of "development"`) {
		t.Fatalf("repair --follow past a rotation: %v", err)
	}
	lt.unchanged(back)
	local := lt.store(a.opts.Home + "/store.git")
	if tip, err := local.Tip(lt.ctx); err != nil || tip != rotated {
		t.Errorf("local tip %s (%v), want it left at %s", tip, err, rotated)
	}
	var rw *scopes.RewoundError
	if _, err := a.open().Pull(lt.ctx, scopes.PullOptions{}); !errors.As(err, &rw) {
		t.Errorf("the refused follow forgot the move back: %v", err)
	}
	res, err := a.open().Repair(lt.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if res.Accepted != rotated.String() || len(res.Skipped) != 0 {
		t.Errorf("repair = %+v", res)
	}
	if _, err := a.open().Pull(lt.ctx, scopes.PullOptions{}); err != nil {
		t.Errorf("pull after the repair: %v", err)
	}
}

// A store read from a repository for one command (--repo) is verified
// from its root against the pins, and a refused tip is reported as a
// problem; a key that is no member has every environment skipped.
func TestTrustVerifyRepo(t *testing.T) {
	t.Parallel()
	lt := newLabTeam(t)
	bad := lt.attack(gitstore.Change{Path: "environments/development/items/myapp/.evil.pgp", Data: []byte("x")})
	h := lt.host("reader", labKey(t, testkeys.Carol()))
	h.opts.Repo = lt.remote
	v := h.open()
	if err := v.TrustAdmins([]string{testkeys.AliceFingerprint}); err != nil {
		t.Fatal(err)
	}
	rep, err := v.Verify(lt.ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Problems) != 1 || rep.Problems[0].Commit != bad.String() || !strings.Contains(rep.Problems[0].String(), "adds environments/development/items/myapp/.evil.pgp") {
		t.Errorf("verify --repo of a refused tip: %v", rep.Problems)
	}
	// Pinned to a key that is no admin, the tip's manifest is refused.
	lt.moveBack(lt.commitNamed("push development"))
	v = h.open()
	if err := v.TrustAdmins([]string{testkeys.BobFingerprint}); err != nil {
		t.Fatal(err)
	}
	rep, err = v.Verify(lt.ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Problems) != 1 || !strings.Contains(rep.Problems[0].Reason, "who is not an admin this machine trusts") {
		t.Errorf("verify --repo pinned to a key that is no admin: %v", rep.Problems)
	}
	v = h.open()
	if err := v.TrustAdmins([]string{testkeys.AliceFingerprint}); err != nil {
		t.Fatal(err)
	}
	rep, err = v.Verify(lt.ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Problems) != 0 || !slices.Equal(rep.Skipped, []string{"development", "staging"}) || rep.Items != 0 {
		t.Errorf("verify --repo by a key that is no member: %+v", rep)
	}
}

// labSignIndex rewrites an environment's index as a member holding its
// tier may (serial +1, chained to the one before) with the digests of
// files, and signs it with signer's key: what a member can do with
// plain git.
func (l *lab) signIndex(env string, files map[string][]byte, signer *keyring.PrivateKey) []gitstore.Change {
	l.t.Helper()
	path := "environments/" + env + "/index.toml"
	old := l.file(l.tip(), path)
	text := string(old)
	serial := regexp.MustCompile(`(?m)^serial = (\d+)$`).FindStringSubmatch(text)
	if serial == nil {
		l.t.Fatalf("no serial in %s", text)
	}
	n, _ := strconv.Atoi(serial[1])
	text = strings.Replace(text, serial[0], "serial = "+strconv.Itoa(n+1), 1)
	sum := sha256.Sum256(old)
	prev := regexp.MustCompile(`(?m)^previous = ".*"$`)
	if prev.MatchString(text) {
		text = prev.ReplaceAllString(text, `previous = "`+hex.EncodeToString(sum[:])+`"`)
	} else {
		text = strings.Replace(text, "serial = "+strconv.Itoa(n+1), "serial = "+strconv.Itoa(n+1)+"\nprevious = \""+hex.EncodeToString(sum[:])+"\"", 1)
	}
	var changes []gitstore.Change
	for name, data := range files {
		d := sha256.Sum256(data)
		line := regexp.MustCompile(`(?m)^("?` + regexp.QuoteMeta(name) + `"? = ")[0-9a-f]+"$`)
		if !line.MatchString(text) {
			l.t.Fatalf("%s is not in the index:\n%s", name, text)
		}
		text = line.ReplaceAllString(text, "${1}"+hex.EncodeToString(d[:])+`"`)
		changes = append(changes, gitstore.Change{Path: "environments/" + env + "/items/" + name, Data: data})
	}
	sig, err := keyring.SignDetached([]byte(text), signer, testkeys.Now())
	if err != nil {
		l.t.Fatal(err)
	}
	return append(changes, gitstore.Change{Path: path, Data: []byte(text)}, gitstore.Change{Path: path + ".sig", Data: sig})
}

// Bob holds development and may sign its index: he swaps two items and
// lists them. The index is his to sign, but the items' own signatures
// say where they belong: pull refuses them and verify names them.
func TestTrustMemberSwapsItems(t *testing.T) {
	t.Parallel()
	lt := newLabTeam(t)
	a := lt.alice
	a.write("myapp", ".env.local", "LOCAL_ONLY=1\n")
	a.ok(a.open().Push(lt.ctx, scopes.PushOptions{}))
	lt.addBob(scopes.TierDev)
	tip := lt.tip()
	env, local := lt.file(tip, "environments/development/items/myapp/.env.pgp"), lt.file(tip, "environments/development/items/myapp/.env.local.pgp")
	bad := lt.attack(lt.signIndex("development", map[string][]byte{"myapp/.env.pgp": local, "myapp/.env.local.pgp": env}, lt.bobID)...)

	_, err := a.open().Pull(lt.ctx, scopes.PullOptions{})
	var signer *scopes.SignerError
	if !errors.As(err, &signer) || !strings.Contains(signer.Reason, "it was copied or moved") {
		t.Fatalf("pull of swapped items: %v, want a SignerError", err)
	}
	if got := a.read("myapp", ".env"); got != labDevEnv {
		t.Errorf("the refused pull wrote %q", got)
	}
	rep, err := a.open().Verify(lt.ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Problems) != 2 || rep.Problems[0].Commit != bad.String() || !strings.Contains(rep.Problems[0].Reason, "was signed for") {
		t.Errorf("verify of swapped items: %v", rep.Problems)
	}
}
