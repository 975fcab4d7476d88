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

// syncedTeam is a team whose two machines both hold .env as pushed by
// Alice and pulled by Bob: the last sync of both is "A=1\nB=2\n".
func syncedTeam(t *testing.T) *syncTeam {
	t.Helper()
	st := syncTeamFrom(t, "synced", func(t *testing.T, root string) {
		ctx := context.Background()
		done := syncDone(t)
		buildSyncTeam(t, root)
		st := openSyncTeam(t, root)
		st.alice.write(".env", "A=1\nB=2\n")
		done(st.alice.open().Push(ctx, scopes.PushOptions{}))
		done(st.bob.open().Pull(ctx, scopes.PullOptions{}))
	})
	if got := st.bob.read(".env"); got != "A=1\nB=2\n" {
		t.Fatalf("bob's .env after the first pull = %q", got)
	}
	return st
}

// alicePushes changes .env on Alice's machine and pushes it.
func (st *syncTeam) alicePushes(t *testing.T, body string) {
	t.Helper()
	st.alice.write(".env", body)
	syncDone(t)(st.alice.open().Push(context.Background(), scopes.PushOptions{}))
}

func TestPullMergesDisjointEdits(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := syncedTeam(t)
	st.alicePushes(t, "A=10\nB=2\n")
	st.bob.write(".env", "A=1\nB=20\n")

	res, err := st.bob.open().Pull(ctx, scopes.PullOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := st.bob.read(".env"); got != "A=10\nB=20\n" {
		t.Fatalf("merged .env = %q", got)
	}
	if len(res.Items) != 1 || !res.Items[0].Merged || res.Items[0].Vars != 2 {
		t.Fatalf("pull items = %+v", res.Items)
	}
	if len(res.Backups) != 1 || !strings.Contains(res.Backups[0].Reason, "merged") {
		t.Fatalf("backups = %+v", res.Backups)
	}
	syncMode0600(t, filepath.Join(st.bob.dir, ".env"))

	// The merge is Bob's to push: status says so, and push sends it.
	rep, err := st.bob.open().Status(ctx, "", "")
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Items) != 1 || rep.Items[0].State != scopes.StateModified {
		t.Fatalf("status after the merge = %+v", rep.Items)
	}
	pres, err := st.bob.open().Push(ctx, scopes.PushOptions{})
	if err != nil || pres.Commit == "" {
		t.Fatalf("push of the merge = %+v, %v", pres, err)
	}
	if _, err := st.alice.open().Pull(ctx, scopes.PullOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := st.alice.read(".env"); got != "A=10\nB=20\n" {
		t.Fatalf("alice's .env after pulling the merge = %q", got)
	}
}

// TestPullSettles covers what pull does with a file changed on both
// sides, or only here, for each way of settling it.
func TestPullSettles(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cases := []struct {
		name    string
		store   string // what Alice pushes ("" for nothing)
		local   string // Bob's edit
		opts    scopes.PullOptions
		want    string // Bob's .env afterwards
		kept    int    // results in Kept
		backups int
	}{
		{"theirs", "A=10\nB=2\n", "A=11\nB=2\n", scopes.PullOptions{Theirs: true}, "A=10\nB=2\n", 0, 1},
		{"force", "A=10\nB=2\n", "A=11\nB=2\n", scopes.PullOptions{Force: true}, "A=10\nB=2\n", 0, 1},
		{"ours, same key", "A=10\nB=2\n", "A=11\nB=2\n", scopes.PullOptions{Ours: true}, "A=11\nB=2\n", 1, 0},
		{"ours, merged keys", "A=10\nB=2\n", "A=11\nB=20\n", scopes.PullOptions{Ours: true}, "A=11\nB=20\n", 1, 0},
		{"ours, only here", "", "A=11\nB=2\n", scopes.PullOptions{Ours: true}, "A=11\nB=2\n", 1, 0},
		{"force, only here", "", "A=11\nB=2\n", scopes.PullOptions{Force: true}, "A=1\nB=2\n", 0, 1},
		{"choose theirs", "A=10\nB=2\n", "A=11\nB=2\n", scopes.PullOptions{Choose: func(string, []scopes.KeyConflict) map[string]scopes.Side {
			return map[string]scopes.Side{"A": scopes.SideTheirs}
		}}, "A=10\nB=2\n", 0, 1},
		{"choose ours", "A=10\nB=2\n", "A=11\nB=2\nC=3\n", scopes.PullOptions{Choose: func(string, []scopes.KeyConflict) map[string]scopes.Side {
			return map[string]scopes.Side{"A": scopes.SideOurs}
		}}, "A=11\nB=2\nC=3\n", 1, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			st := syncedTeam(t)
			if c.store != "" {
				st.alicePushes(t, c.store)
			}
			st.bob.write(".env", c.local)
			res, err := st.bob.open().Pull(ctx, c.opts)
			if err != nil {
				t.Fatal(err)
			}
			if got := st.bob.read(".env"); got != c.want {
				t.Fatalf(".env = %q, want %q", got, c.want)
			}
			if len(res.Kept) != c.kept || len(res.Backups) != c.backups {
				t.Fatalf("kept %d, backups %d: %+v", len(res.Kept), len(res.Backups), res)
			}
			bs, err := st.bob.open().Backups()
			if err != nil || len(bs) != c.backups {
				t.Fatalf("backups listed = %+v, %v", bs, err)
			}
			for _, b := range bs {
				syncMode0600(t, b.Path)
			}
		})
	}
}

// TestPullRefusals: each refusal names what is wrong, holds no value,
// and leaves every file as it was.
func TestPullRefusals(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	noChoice := func(string, []scopes.KeyConflict) map[string]scopes.Side { return nil }
	cases := []struct {
		name  string
		store string // what Alice pushes ("" for nothing)
		local string // Bob's edit ("" for none)
		opts  scopes.PullOptions
		check func(t *testing.T, err error)
	}{
		{"same key both sides", "A=10\nB=2\n", "A=secret-11\nB=2\n", scopes.PullOptions{}, func(t *testing.T, err error) {
			var ce *scopes.PullConflictError
			if !errors.As(err, &ce) || len(ce.Files) != 1 || !slices.Equal(ce.Files[0].Keys, []string{"A"}) {
				t.Fatalf("err = %v, want a conflict on A", err)
			}
		}},
		{"choose leaves it", "A=10\nB=2\n", "A=secret-11\nB=2\n", scopes.PullOptions{Choose: noChoice}, func(t *testing.T, err error) {
			var ce *scopes.PullConflictError
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v, want a conflict", err)
			}
		}},
		{"edited here only", "", "A=secret-11\nB=2\n", scopes.PullOptions{}, func(t *testing.T, err error) {
			var le *scopes.LocalChangesError
			if !errors.As(err, &le) || len(le.Files) != 1 || !slices.Equal(le.Files[0].Keys, []string{"A"}) {
				t.Fatalf("err = %v, want local changes of A", err)
			}
		}},
		{"unknown project", "", "", scopes.PullOptions{Project: "nope"}, func(t *testing.T, err error) {
			var ue *scopes.UnknownProjectError
			if !errors.As(err, &ue) || ue.Name != "nope" {
				t.Fatalf("err = %v, want an unknown project", err)
			}
		}},
		{"unknown environment", "", "", scopes.PullOptions{Env: "nope"}, func(t *testing.T, err error) {
			var ue *scopes.UnknownEnvironmentError
			if !errors.As(err, &ue) {
				t.Fatalf("err = %v, want an unknown environment", err)
			}
		}},
		{"bad filter", "", "", scopes.PullOptions{Filter: "secrets"}, func(t *testing.T, err error) {
			if err == nil || !strings.Contains(err.Error(), "secrets") {
				t.Fatalf("err = %v, want the filter refused", err)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			st := syncedTeam(t)
			if c.store != "" {
				st.alicePushes(t, c.store)
			}
			if c.local != "" {
				st.bob.write(".env", c.local)
			}
			before := syncSnapshot(t, st.bob.opts.UserHome)
			_, err := st.bob.open().Pull(ctx, c.opts)
			c.check(t, err)
			syncNoSecret(t, err, "secret-11")
			syncSameTree(t, before, syncSnapshot(t, st.bob.opts.UserHome))
			if bs, _ := st.bob.open().Backups(); len(bs) != 0 {
				t.Fatalf("a refused pull kept backups: %+v", bs)
			}
		})
	}
}

// TestPullDeletedInStore: a tracked file whose item Alice deleted is
// removed on Bob's machine when he did not edit it; an edit needs Ours
// (kept, push puts it back) or Theirs (removed, backed up).
func TestPullDeletedInStore(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cases := []struct {
		name    string
		edit    bool
		opts    scopes.PullOptions
		refused bool
		exists  bool
		backups int
	}{
		{"unchanged", false, scopes.PullOptions{}, false, false, 1},
		{"edited", true, scopes.PullOptions{}, true, true, 0},
		{"edited, ours", true, scopes.PullOptions{Ours: true}, false, true, 0},
		{"edited, theirs", true, scopes.PullOptions{Theirs: true}, false, false, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			st := newSyncTeam(t)
			st.alice.write(".env", "A=1\n")
			st.alice.write(".env.local", "L=1\n")
			syncDone(t)(st.alice.open().Push(ctx, scopes.PushOptions{}))
			syncDone(t)(st.bob.open().Pull(ctx, scopes.PullOptions{}))
			if err := os.Remove(filepath.Join(st.alice.dir, ".env.local")); err != nil {
				t.Fatal(err)
			}
			res, err := st.alice.open().Push(ctx, scopes.PushOptions{})
			if err != nil || len(res.Items) != 1 || !res.Items[0].Deleted {
				t.Fatalf("push of the deletion = %+v, %v", res, err)
			}
			if c.edit {
				st.bob.write(".env.local", "L=2\n")
			}
			before := syncSnapshot(t, st.bob.opts.UserHome)
			tip := st.tip(t)

			// Push refuses to put it back unasked, changing nothing.
			_, err = st.bob.open().Push(ctx, scopes.PushOptions{})
			var de *scopes.DeletedInStoreError
			if !errors.As(err, &de) || len(de.Files) != 1 || !strings.HasSuffix(de.Files[0], ".env.local") {
				t.Fatalf("push = %v, want the deletion refused", err)
			}
			syncNoSecret(t, err, "L=2")
			if st.tip(t) != tip {
				t.Fatal("a refused push moved the remote")
			}

			// Status (after push's fetch) predicts what pull does.
			rep, err := st.bob.open().Status(ctx, "", "")
			if err != nil {
				t.Fatal(err)
			}
			want := scopes.StateDeleted
			if c.edit {
				want = scopes.StateDeletedEdit
			}
			if got := syncState(rep, ".env.local"); got != want {
				t.Fatalf("status of .env.local = %q, want %q", got, want)
			}

			pres, err := st.bob.open().Pull(ctx, c.opts)
			var ce *scopes.PullConflictError
			if c.refused {
				if !errors.As(err, &ce) || len(ce.Files) != 1 || !ce.Files[0].Deleted {
					t.Fatalf("err = %v, want a deleted-and-edited conflict", err)
				}
				syncSameTree(t, before, syncSnapshot(t, st.bob.opts.UserHome))
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			_, statErr := os.Stat(filepath.Join(st.bob.dir, ".env.local"))
			if exists := statErr == nil; exists != c.exists {
				t.Fatalf(".env.local exists = %v, want %v", exists, c.exists)
			}
			if len(pres.Backups) != c.backups {
				t.Fatalf("backups = %+v", pres.Backups)
			}
			if !c.exists && (len(pres.Removed) != 1 || !pres.Removed[0].Deleted) {
				t.Fatalf("removed = %+v", pres.Removed)
			}
			if c.exists {
				// Kept with Ours: push adds it back without --re-add.
				res, err := st.bob.open().Push(ctx, scopes.PushOptions{})
				if err != nil || len(res.Items) != 1 {
					t.Fatalf("push after ours = %+v, %v", res, err)
				}
			}
		})
	}
}

// syncState is the state status reports for the item at path.
func syncState(rep *scopes.StatusReport, path string) scopes.ItemState {
	for _, is := range rep.Items {
		if is.Path == path {
			return is.State
		}
	}
	return ""
}
