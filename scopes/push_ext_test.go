package scopes_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/configsync/configsync/scopes"
)

// TestPushMergesStoreChange: Bob pushes without pulling Alice's change
// to another key; push merges both, writes the merge to his file too,
// and Alice's next pull brings his key.
func TestPushMergesStoreChange(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := syncedTeam(t)
	st.alicePushes(t, "A=10\nB=2\n")
	st.bob.write(".env", "A=1\nB=20\n")
	res, err := st.bob.open().Push(ctx, scopes.PushOptions{Message: "rotate B"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Commit == "" || len(res.Items) != 1 || !res.Items[0].Merged {
		t.Fatalf("push = %+v", res)
	}
	if got := st.bob.read(".env"); got != "A=10\nB=20\n" {
		t.Fatalf("bob's .env after the merging push = %q", got)
	}
	syncMode0600(t, filepath.Join(st.bob.dir, ".env"))
	syncDone(t)(st.alice.open().Pull(ctx, scopes.PullOptions{}))
	if got := st.alice.read(".env"); got != "A=10\nB=20\n" {
		t.Fatalf("alice's .env = %q", got)
	}
}

// TestPushLeavesNewerStore: an item only the store changed is left for
// pull; an item whose local copy already equals the store's is taken as
// synced.
func TestPushLeavesNewerStore(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := syncedTeam(t)
	st.alicePushes(t, "A=10\nB=2\n")
	tip := st.tip(t)
	res, err := st.bob.open().Push(ctx, scopes.PushOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Commit != "" || !slices.Equal(res.Upstream, []string{"~/git/myapp/.env"}) {
		t.Fatalf("push = %+v", res)
	}
	// Bob copies the new version by hand: push records it as synced.
	st.bob.write(".env", "A=10\nB=2\n")
	if res, err := st.bob.open().Push(ctx, scopes.PushOptions{}); err != nil || res.Commit != "" || len(res.Upstream) != 0 {
		t.Fatalf("push of the store's own content = %+v, %v", res, err)
	}
	if st.tip(t) != tip {
		t.Fatal("a push with nothing to send moved the remote")
	}
	rep, err := st.bob.open().Status(ctx, "", "")
	if err != nil || syncState(rep, ".env") != scopes.StateUpToDate {
		t.Fatalf("status = %+v, %v", rep, err)
	}
}

// TestPushRefusals: each refused push leaves the remote and the files as
// they were and names no value.
func TestPushRefusals(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cases := []struct {
		name  string
		fresh bool   // Bob never synced .env
		store string // what Alice pushes first ("" for nothing)
		local string // Bob's .env
		opts  scopes.PushOptions
		check func(t *testing.T, err error)
	}{
		{"same key both sides", false, "A=10\nB=2\n", "A=secret-11\nB=2\n", scopes.PushOptions{}, func(t *testing.T, err error) {
			var ce *scopes.ConflictError
			if !errors.As(err, &ce) || len(ce.Files) != 1 || !slices.Equal(ce.Files[0].Keys, []string{"A"}) {
				t.Fatalf("err = %v, want a conflict on A", err)
			}
		}},
		{"never synced, differs", true, "A=10\nB=2\n", "A=secret-11\nB=2\n", scopes.PushOptions{}, func(t *testing.T, err error) {
			var ce *scopes.ConflictError
			if !errors.As(err, &ce) || len(ce.Files) != 1 {
				t.Fatalf("err = %v, want a conflict", err)
			}
		}},
		{"unknown project", false, "", "A=secret-11\n", scopes.PushOptions{Project: "other"}, func(t *testing.T, err error) {
			if err == nil || !strings.Contains(err.Error(), `nothing tracked for project "other"`) {
				t.Fatalf("err = %v", err)
			}
		}},
		{"no file tracked", false, "", "A=secret-11\n", scopes.PushOptions{Filter: scopes.TypeFile}, func(t *testing.T, err error) {
			if err == nil || !strings.Contains(err.Error(), "nothing tracked on this machine") {
				t.Fatalf("err = %v", err)
			}
		}},
		{"bad filter", false, "", "A=secret-11\n", scopes.PushOptions{Filter: "all"}, func(t *testing.T, err error) {
			if err == nil {
				t.Fatal("a bad filter was accepted")
			}
		}},
		{"unknown environment", false, "", "A=secret-11\n", scopes.PushOptions{Env: "staging"}, func(t *testing.T, err error) {
			var ue *scopes.UnknownEnvironmentError
			if !errors.As(err, &ue) {
				t.Fatalf("err = %v, want an unknown environment", err)
			}
		}},
		{"bad dotenv", false, "", "A=1\nB='secret-11\n", scopes.PushOptions{}, func(t *testing.T, err error) {
			var ie *scopes.ItemError
			if !errors.As(err, &ie) || !strings.HasSuffix(ie.Path, ".env") {
				t.Fatalf("err = %v, want the item refused", err)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			st := syncedTeam(t)
			if c.fresh {
				st = newSyncTeam(t)
				st.alice.write(".env", "A=1\nB=2\n")
				syncDone(t)(st.alice.open().Push(ctx, scopes.PushOptions{}))
			}
			if c.store != "" {
				st.alicePushes(t, c.store)
			}
			st.bob.write(".env", c.local)
			before, tip := syncSnapshot(t, st.bob.opts.UserHome), st.tip(t)
			_, err := st.bob.open().Push(ctx, c.opts)
			c.check(t, err)
			syncNoSecret(t, err, "secret-11")
			syncSameTree(t, before, syncSnapshot(t, st.bob.opts.UserHome))
			if st.tip(t) != tip {
				t.Fatal("a refused push moved the remote")
			}
		})
	}
}

// TestPushProtected: a protected environment changes only with consent,
// asked with the keys that change.
func TestPushProtected(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := newSyncTeam(t)
	a := st.alice
	syncDone(t)(a.open().CreateEnvironment(ctx, "staging", scopes.TierStaging, true))
	a.write(".env", "A=1\nB=2\n")
	a.write(".env.local", "L=1\n")
	var asked []scopes.ItemChange
	for _, answer := range []*bool{nil, new(bool)} {
		o := scopes.PushOptions{Env: "staging"}
		if answer != nil {
			o.Confirm = func(env scopes.Environment, changes []scopes.ItemChange) bool {
				asked = changes
				return *answer
			}
		}
		tip := st.tip(t)
		_, err := a.open().Push(ctx, o)
		var pe *scopes.ProtectedError
		if !errors.As(err, &pe) || pe.Env != "staging" || pe.Keys != 3 {
			t.Fatalf("push = %v, want a protected refusal of 3 keys", err)
		}
		if st.tip(t) != tip {
			t.Fatal("a refused push moved the remote")
		}
	}
	if len(asked) != 2 || !asked[0].New || len(asked[0].Keys) != 2 {
		t.Fatalf("confirm was asked %+v", asked)
	}
	res, err := a.open().Push(ctx, scopes.PushOptions{Env: "staging", Confirm: func(scopes.Environment, []scopes.ItemChange) bool { return true }})
	if err != nil || res.Commit == "" || res.Env.Name != "staging" {
		t.Fatalf("confirmed push = %+v, %v", res, err)
	}

	// A deletion is one change to confirm.
	if err := os.Remove(filepath.Join(a.dir, ".env.local")); err != nil {
		t.Fatal(err)
	}
	_, err = a.open().Push(ctx, scopes.PushOptions{Env: "staging"})
	var pe *scopes.ProtectedError
	if !errors.As(err, &pe) || pe.Keys != 1 {
		t.Fatalf("push of a deletion = %v, want a protected refusal of 1", err)
	}
}

// TestPushReAdd: an item another member deleted goes back only with
// ReAdd.
func TestPushReAdd(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := syncedTeam(t)
	st.alice.write(".env.local", "L=1\n")
	syncDone(t)(st.alice.open().Push(ctx, scopes.PushOptions{}))
	syncDone(t)(st.bob.open().Pull(ctx, scopes.PullOptions{}))
	if err := os.Remove(filepath.Join(st.alice.dir, ".env.local")); err != nil {
		t.Fatal(err)
	}
	syncDone(t)(st.alice.open().Push(ctx, scopes.PushOptions{}))
	var de *scopes.DeletedInStoreError
	if _, err := st.bob.open().Push(ctx, scopes.PushOptions{}); !errors.As(err, &de) {
		t.Fatalf("push = %v, want the deletion refused", err)
	}
	res, err := st.bob.open().Push(ctx, scopes.PushOptions{ReAdd: true})
	if err != nil || len(res.Items) != 1 || res.Commit == "" {
		t.Fatalf("push --re-add = %+v, %v", res, err)
	}
	syncDone(t)(st.alice.open().Pull(ctx, scopes.PullOptions{}))
	if got := st.alice.read(".env.local"); got != "L=1\n" {
		t.Fatalf("alice's .env.local after the re-add = %q", got)
	}
}

func TestPushWarns(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := newSyncTeam(t)
	st.alice.write(".env", "A=1\nA=2\n")
	res, err := st.alice.open().Push(ctx, scopes.PushOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Warnings) == 0 {
		t.Fatalf("push of a duplicate key warned nothing: %+v", res)
	}
}

// TestPushConcurrent: two members push at once; the one that loses the
// race fetches, merges and retries, and both changes land.
func TestPushConcurrent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := syncedTeam(t)
	st.alice.write(".env", "A=10\nB=2\n")
	st.bob.write(".env", "A=1\nB=20\n")
	errs := make(chan error, 2)
	for _, m := range []*syncMachine{st.alice, st.bob} {
		v := m.open()
		go func() {
			_, err := v.Push(ctx, scopes.PushOptions{})
			errs <- err
		}()
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	for _, m := range []*syncMachine{st.alice, st.bob} {
		syncDone(t)(m.open().Pull(ctx, scopes.PullOptions{}))
		if got := m.read(".env"); got != "A=10\nB=20\n" {
			t.Fatalf(".env = %q after both pushes", got)
		}
	}
}
