package scopes_test

import (
	"errors"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/configsync/configsync/internal/testkeys"
	"github.com/configsync/configsync/scopes"
)

// A member's life: added (the environment keys re-wrapped, no item
// touched), granted a tier, revoked from it (rotated), removed (rotated,
// with the exposure report of what they could read).
func TestTeamLifecycle(t *testing.T) {
	t.Parallel()
	lt := newLabTeam(t)
	a, b := lt.alice, lt.bob
	ctx := lt.ctx

	me, err := a.open().Me(ctx)
	if err != nil || !me.Admin || me.Fingerprint != testkeys.AliceFingerprint || len(me.Tiers) != len(scopes.Tiers) {
		t.Fatalf("Me = %+v, %v; want Alice, admin of every tier", me, err)
	}
	itemsBefore := lt.tree(lt.tip()).Files("environments/development/items/")

	added, err := a.open().TeamAdd(ctx, lt.bobID.Public(), []scopes.Tier{scopes.TierDev}, false, false)
	if err != nil {
		t.Fatal(err)
	}
	if added.Fingerprint != testkeys.BobFingerprint || added.Label() != "Bob <bob@example.com>" || !slices.Equal(added.Tiers, []scopes.Tier{scopes.TierDev}) || added.Admin {
		t.Fatalf("TeamAdd = %+v", added)
	}
	if after := lt.tree(lt.tip()).Files("environments/development/items/"); !slices.Equal(after, itemsBefore) {
		t.Errorf("team add re-encrypted items:\n%v\n%v", itemsBefore, after)
	}
	members, err := a.open().Members(ctx)
	if err != nil || len(members) != 2 {
		t.Fatalf("Members = %+v, %v", members, err)
	}

	// Bob's machine joins, pinned to Alice, and reads development.
	res := b.join()
	if res.Member == nil || res.Member.Fingerprint != testkeys.BobFingerprint || res.Environment != "development" || res.Created {
		t.Fatalf("Bob's init = %+v", res)
	}
	if err := os.MkdirAll(b.project("myapp"), 0o700); err != nil {
		t.Fatal(err)
	}
	if _, err := b.open().Pull(ctx, scopes.PullOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := b.read("myapp", ".env"); got != labDevEnv {
		t.Fatalf("Bob pulled %q", got)
	}
	var access *scopes.AccessError
	if _, err := b.open().Pull(ctx, scopes.PullOptions{Env: "staging"}); !errors.As(err, &access) || access.Env != "staging" {
		t.Fatalf("Bob's pull of staging: %v, want an AccessError", err)
	}

	// Grant staging by email; Bob reads it.
	granted, err := a.open().TeamGrant(ctx, "BOB@example.com", []scopes.Tier{scopes.TierStaging})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(granted.Tiers, []scopes.Tier{scopes.TierDev, scopes.TierStaging}) {
		t.Fatalf("TeamGrant tiers = %v", granted.Tiers)
	}
	if _, err := b.open().Pull(ctx, scopes.PullOptions{Env: "staging"}); err != nil {
		t.Fatalf("Bob's pull of staging after the grant: %v", err)
	}

	// Revoke staging: staging alone rotates; nothing was in it.
	rep, err := a.open().TeamRevoke(ctx, testkeys.BobFingerprint, []scopes.Tier{scopes.TierStaging})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Member.Fingerprint != testkeys.BobFingerprint || len(rep.Rotated) != 1 || rep.Rotated[0].Name != "staging" || rep.Rotated[0].KeyGeneration != 2 {
		t.Fatalf("TeamRevoke report = %+v", rep)
	}
	if !slices.Equal(rep.Readers, []string{"Bob <bob@example.com>"}) || len(rep.Exposed) != 0 {
		t.Errorf("TeamRevoke readers %v, exposed %+v", rep.Readers, rep.Exposed)
	}
	if _, err := b.open().Pull(ctx, scopes.PullOptions{Env: "staging"}); !errors.As(err, &access) {
		t.Errorf("Bob's pull of staging after the revoke: %v, want an AccessError", err)
	}

	// Remove Bob: development rotates, and the report names what he
	// could read, by key name only.
	rep, err = a.open().TeamRemove(ctx, "bob@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Rotated) != 1 || rep.Rotated[0].Name != "development" || rep.Rotated[0].KeyGeneration != 2 {
		t.Fatalf("TeamRemove rotated %+v", rep.Rotated)
	}
	want := []scopes.Exposure{{Env: "development", Item: "myapp/.env", Keys: []string{"DATABASE_URL", "API_TOKEN"}}}
	if !exposuresEqual(rep.Exposed, want) || len(rep.Unchecked) != 0 {
		t.Errorf("TeamRemove exposed %+v (unchecked %v), want %+v", rep.Exposed, rep.Unchecked, want)
	}
	if after := lt.tree(lt.tip()).Files("environments/development/items/myapp/.env.pgp"); slices.Equal(after, itemsBefore[:1]) {
		t.Error("team remove left development's item as it was")
	}
	var notMember *scopes.NotMemberError
	if _, err := b.open().Pull(ctx, scopes.PullOptions{}); !errors.As(err, &notMember) || notMember.Fingerprint != testkeys.BobFingerprint {
		t.Errorf("Bob's pull after his removal: %v, want a NotMemberError", err)
	}
	// Alice still reads what she wrote, under the new key.
	a.write("myapp", ".env", "")
	if _, err := a.open().Pull(ctx, scopes.PullOptions{Force: true}); err != nil {
		t.Fatal(err)
	}
	if got := a.read("myapp", ".env"); got != labDevEnv {
		t.Errorf("Alice pulled %q after the rotation", got)
	}
}

func exposuresEqual(got, want []scopes.Exposure) bool {
	return slices.EqualFunc(got, want, func(g, w scopes.Exposure) bool {
		return g.Env == w.Env && g.Item == w.Item && g.File == w.File && slices.Equal(g.Keys, w.Keys)
	})
}

// env rotate makes a new generation and re-encrypts every item; its
// report names what former readers of the old keys could read.
func TestRotateEnvironment(t *testing.T) {
	t.Parallel()
	lt := newLabTeam(t)
	a := lt.alice
	a.write("myapp", "service.json", `{"k":1}`)
	a.ok(a.open().AddFile(a.project("myapp")+"/service.json", ""))
	a.ok(a.open().Push(lt.ctx, scopes.PushOptions{}))
	before := lt.tip()

	rep, err := a.open().RotateEnvironment(lt.ctx, "development")
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Rotated) != 1 || rep.Rotated[0].KeyGeneration != 2 || len(rep.Exposed) != 0 {
		t.Fatalf("rotate with no former reader: %+v", rep)
	}
	for _, f := range lt.tree(before).Files("environments/development/items/") {
		if b, ok := lt.tree(lt.tip()).Blob(f.Path); ok && b == f.Blob && f.Path[len(f.Path)-4:] == ".pgp" {
			t.Errorf("%s was not re-encrypted", f.Path)
		}
	}

	// Bob held development once; after his removal a rotation names him
	// as a former reader, with both items.
	lt.addBob(scopes.TierDev)
	a.ok(a.open().TeamRevoke(lt.ctx, "bob@example.com", []scopes.Tier{scopes.TierDev}))
	rep, err = a.open().RotateEnvironment(lt.ctx, "development")
	if err != nil {
		t.Fatal(err)
	}
	if rep.Rotated[0].KeyGeneration != 4 {
		t.Errorf("generation %d after two more rotations, want 4", rep.Rotated[0].KeyGeneration)
	}
	want := []scopes.Exposure{
		{Env: "development", Item: "myapp/.env", Keys: []string{"DATABASE_URL", "API_TOKEN"}},
		{Env: "development", Item: "myapp/service.json", File: true},
	}
	if !exposuresEqual(rep.Exposed, want) {
		t.Errorf("exposed %+v, want %+v", rep.Exposed, want)
	}

	// Only an admin rotates, and only a known environment.
	tip := lt.tip()
	var notAdmin *scopes.NotAdminError
	if _, err := lt.bob.open().RotateEnvironment(lt.ctx, "development"); !errors.As(err, &notAdmin) && !errors.As(err, new(*scopes.AccessError)) {
		t.Errorf("Bob's rotate: %v", err)
	}
	var unknown *scopes.UnknownEnvironmentError
	if _, err := a.open().RotateEnvironment(lt.ctx, "nope"); !errors.As(err, &unknown) {
		t.Errorf("rotate of an unknown environment: %v", err)
	}
	lt.unchanged(tip)
}

// Every refused team change names why, and leaves the store and the
// remote as they were.
func TestTeamRefusals(t *testing.T) {
	t.Parallel()
	lt := newLabTeam(t)
	lt.addBob(scopes.TierDev)
	carolID := labKey(t, testkeys.Carol())
	// Carol: an admin of development only.
	lt.alice.ok(lt.alice.open().TeamAdd(lt.ctx, carolID.Public(), []scopes.Tier{scopes.TierDev}, true, false))
	carol := lt.host("carol", carolID)
	carol.join()
	ci := labKey(t, testkeys.CI())

	var member *scopes.MemberError
	var notAdmin *scopes.NotAdminError
	var access *scopes.AccessError
	tests := []struct {
		name   string
		run    func() error
		target any
		reason string
	}{
		{"add a member twice", func() error {
			_, err := lt.alice.open().TeamAdd(lt.ctx, lt.bobID.Public(), []scopes.Tier{scopes.TierDev}, false, false)
			return err
		}, &member, "already a member (change tiers with configsync team grant)"},
		{"grant to nobody", func() error {
			_, err := lt.alice.open().TeamGrant(lt.ctx, "nobody@example.com", []scopes.Tier{scopes.TierDev})
			return err
		}, &member, "no such member (see configsync team list)"},
		{"grant by a short fingerprint", func() error {
			_, err := lt.alice.open().TeamGrant(lt.ctx, testkeys.BobFingerprint[:8], []scopes.Tier{scopes.TierDev})
			return err
		}, &member, "no such member (see configsync team list)"},
		{"revoke a tier not held", func() error {
			_, err := lt.alice.open().TeamRevoke(lt.ctx, "bob@example.com", []scopes.Tier{scopes.TierProduction})
			return err
		}, &member, "does not hold tier production (tiers: dev)"},
		{"remove yourself", func() error {
			_, err := lt.alice.open().TeamRemove(lt.ctx, "alice@example.com")
			return err
		}, &member, "you cannot remove yourself: ask another admin"},
		{"remove nobody", func() error {
			_, err := lt.alice.open().TeamRemove(lt.ctx, "0000000000000000")
			return err
		}, &member, "no such member (see configsync team list)"},
		{"add by a member who is not an admin", func() error {
			_, err := lt.bob.open().TeamAdd(lt.ctx, ci.Public(), []scopes.Tier{scopes.TierDev}, false, true)
			return err
		}, &notAdmin, ""},
		{"remove by a member who is not an admin", func() error {
			_, err := lt.bob.open().TeamRemove(lt.ctx, "carol@example.com")
			return err
		}, &notAdmin, ""},
		{"grant a tier the admin does not hold", func() error {
			_, err := carol.open().TeamGrant(lt.ctx, "bob@example.com", []scopes.Tier{scopes.TierStaging})
			return err
		}, &access, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tip := lt.tip()
			members, err := lt.alice.open().Members(lt.ctx)
			if err != nil {
				t.Fatal(err)
			}
			err = tt.run()
			if err == nil || !errors.As(err, tt.target) {
				t.Fatalf("got %v, want a %T", err, tt.target)
			}
			if tt.reason != "" && member.Reason != tt.reason {
				t.Errorf("reason %q, want %q", member.Reason, tt.reason)
			}
			lt.unchanged(tip)
			after, err := lt.alice.open().Members(lt.ctx)
			if err != nil || !slices.EqualFunc(members, after, func(a, b scopes.Member) bool {
				return a.Fingerprint == b.Fingerprint && slices.Equal(a.Tiers, b.Tiers) && a.Admin == b.Admin
			}) {
				t.Errorf("members changed: %+v -> %+v (%v)", members, after, err)
			}
		})
	}
	if len(notAdmin.Admins) != 2 || notAdmin.Admins[0] != "Alice <alice@example.com>" {
		t.Errorf("NotAdminError names admins %v", notAdmin.Admins)
	}
	if access.Env != "staging" || access.Tier != scopes.TierStaging {
		t.Errorf("AccessError = %+v", access)
	}
}

// A second key with a member's email is another device of the same
// person: an email names every key of them, a fingerprint one.
func TestTeamDevices(t *testing.T) {
	t.Parallel()
	lt := newLabTeam(t)
	a := lt.alice
	lt.addBob(scopes.TierDev)
	// A second key for "Bob": Carol's key cannot carry Bob's email, so
	// the two devices here are Bob's key and a CI key that share tiers;
	// by email only Bob's is named.
	ci := labKey(t, testkeys.CI())
	a.ok(a.open().TeamAdd(lt.ctx, ci.Public(), []scopes.Tier{scopes.TierDev}, false, true))
	members, err := a.open().Members(lt.ctx)
	if err != nil {
		t.Fatal(err)
	}
	var ciMember scopes.Member
	for _, m := range members {
		if m.Fingerprint == testkeys.CIFingerprint {
			ciMember = m
		}
	}
	if !ciMember.CI || ciMember.Admin {
		t.Fatalf("CI member = %+v", ciMember)
	}
	// A unique suffix of 16 digits names one key.
	rep, err := a.open().TeamRemove(lt.ctx, testkeys.CIFingerprint[len(testkeys.CIFingerprint)-16:])
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Keys) != 1 || rep.Keys[0].Fingerprint != testkeys.CIFingerprint {
		t.Errorf("removed keys %+v", rep.Keys)
	}
	if me, err := lt.bob.open().Me(lt.ctx); err != nil || me.Fingerprint != testkeys.BobFingerprint {
		t.Errorf("Bob after CI's removal: %+v, %v", me, err)
	}
}

// Pinned admin fingerprints are checked for shape.
func TestTrustAdmins(t *testing.T) {
	t.Parallel()
	v := newLab(t).host("pins", nil).open()
	for _, bad := range []string{"ABC", testkeys.AliceFingerprint + "00", "Z" + testkeys.AliceFingerprint[1:]} {
		if err := v.TrustAdmins([]string{bad}); err == nil {
			t.Errorf("TrustAdmins(%q) accepted", bad)
		}
	}
	if err := v.TrustAdmins([]string{" " + testkeys.BobFingerprint + " ", ""}); err != nil {
		t.Errorf("TrustAdmins of a good fingerprint: %v", err)
	}
}

// An admin who joined after a rotation cannot open the generations
// before it: a removal's exposure report names them as unchecked
// rather than leaving them out.
func TestTeamRemoveUnchecked(t *testing.T) {
	t.Parallel()
	lt := newLabTeam(t)
	a := lt.alice
	lt.addBob(scopes.TierDev)
	a.ok(a.open().RotateEnvironment(lt.ctx, "development"))
	carolID := labKey(t, testkeys.Carol())
	a.ok(a.open().TeamAdd(lt.ctx, carolID.Public(), []scopes.Tier{scopes.TierDev}, true, false))
	carol := lt.host("carol", carolID)
	carol.join()
	rep, err := carol.open().TeamRemove(lt.ctx, testkeys.BobFingerprint)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Unchecked) == 0 || !strings.HasPrefix(rep.Unchecked[0], "development (the key written at commit ") {
		t.Errorf("unchecked %v, want development's first generation", rep.Unchecked)
	}
	want := []scopes.Exposure{{Env: "development", Item: "myapp/.env", Keys: []string{"DATABASE_URL", "API_TOKEN"}}}
	if !exposuresEqual(rep.Exposed, want) {
		t.Errorf("exposed %+v, want %+v", rep.Exposed, want)
	}
}

// TestTeamRemoveFormerSigner: the report reads a version written by a
// member removed since (Bob) as it reads the others. The scan checks
// signatures against the current team first and reads the past teams
// only for a version that fails: Bob's must still count, and a removal
// where every version is signed by a current member reads no past team.
// Not parallel: it counts the history walks of the package.
func TestTeamRemoveFormerSigner(t *testing.T) {
	lt := newLabTeam(t)
	a, b := lt.alice, lt.bob
	lt.addBob(scopes.TierDev)
	carolID := labKey(t, testkeys.Carol())
	a.ok(a.open().TeamAdd(lt.ctx, carolID.Public(), []scopes.Tier{scopes.TierDev}, false, false))
	if err := os.MkdirAll(b.project("myapp"), 0o700); err != nil {
		t.Fatal(err)
	}
	b.ok(b.open().Pull(lt.ctx, scopes.PullOptions{}))
	b.write("myapp", ".env", labDevEnv+"BOB_ONLY=from-bob\n")
	b.ok(b.open().Push(lt.ctx, scopes.PushOptions{}))
	a.ok(a.open().Pull(lt.ctx, scopes.PullOptions{Force: true}))
	a.write("myapp", ".env", labDevEnv) // BOB_ONLY is left in history alone
	a.ok(a.open().Push(lt.ctx, scopes.PushOptions{}))
	loads := scopes.HistoryLoads()
	a.ok(a.open().TeamRemove(lt.ctx, testkeys.BobFingerprint))
	if n := scopes.HistoryLoads() - loads; n != 0 {
		t.Errorf("removing Bob, every version signed by a member, read the past teams %d times", n)
	}
	loads = scopes.HistoryLoads()
	rep, err := a.open().TeamRemove(lt.ctx, carolID.Fingerprint())
	if err != nil {
		t.Fatal(err)
	}
	if n := scopes.HistoryLoads() - loads; n != 1 {
		t.Errorf("removing Carol, a version signed by Bob (removed), read the past teams %d times, want once", n)
	}
	want := []scopes.Exposure{{Env: "development", Item: "myapp/.env", Keys: []string{"DATABASE_URL", "API_TOKEN", "BOB_ONLY"}}}
	if !exposuresEqual(rep.Exposed, want) || len(rep.Unchecked) != 0 {
		t.Errorf("exposed %+v (unchecked %v), want %+v", rep.Exposed, rep.Unchecked, want)
	}
}
