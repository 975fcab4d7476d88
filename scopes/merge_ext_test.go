package scopes_test

import (
	"context"
	"slices"
	"testing"

	"github.com/configsync/configsync/scopes"
)

// syncFetch brings the remote's tip into Bob's local store without
// changing anything else: a push with nothing of its filter tracked
// fetches, then refuses.
func (st *syncTeam) syncFetch(t *testing.T, m *syncMachine) {
	t.Helper()
	if _, err := m.open().Push(context.Background(), scopes.PushOptions{Filter: scopes.TypeFile}); err == nil {
		t.Fatal("the fetching push did not refuse")
	}
}

// TestStatusPredictsMerge: for an env item changed on both sides, status
// says whether pull merges it, else names only the keys in conflict.
func TestStatusPredictsMerge(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cases := []struct {
		name, local string
		want        scopes.ItemState
		keys        []string
	}{
		{"other keys", "A=1\nB=20\n", scopes.StateMerges, []string{"A", "B"}},
		{"same key", "A=11\nB=20\n", scopes.StateConflict, []string{"A"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			st := syncedTeam(t)
			st.alicePushes(t, "A=10\nB=2\n")
			st.bob.write(".env", c.local)
			st.syncFetch(t, st.bob)
			rep, err := st.bob.open().Status(ctx, "", "")
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Items) != 1 || rep.Items[0].State != c.want {
				t.Fatalf("status = %+v, want %q", rep.Items, c.want)
			}
			var keys []string
			for _, k := range rep.Items[0].Keys {
				keys = append(keys, k.Key)
			}
			if !slices.Equal(keys, c.keys) {
				t.Fatalf("keys = %v, want %v", keys, c.keys)
			}
		})
	}
}

// TestMergeAcrossRotation: the version both sides started from was
// encrypted under an older key generation; push and pull still merge
// from it.
func TestMergeAcrossRotation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("push", func(t *testing.T) {
		t.Parallel()
		st := syncedTeam(t)
		st.bob.write(".env", "A=1\nB=20\n")
		if _, err := st.alice.open().RotateEnvironment(ctx, "development"); err != nil {
			t.Fatal(err)
		}
		res, err := st.bob.open().Push(ctx, scopes.PushOptions{})
		if err != nil || res.Commit == "" || len(res.Items) != 1 {
			t.Fatalf("push after a rotation = %+v, %v", res, err)
		}
		syncDone(t)(st.alice.open().Pull(ctx, scopes.PullOptions{}))
		if got := st.alice.read(".env"); got != "A=1\nB=20\n" {
			t.Fatalf("alice's .env = %q", got)
		}
	})
	t.Run("pull", func(t *testing.T) {
		t.Parallel()
		st := syncedTeam(t)
		st.alicePushes(t, "A=10\nB=2\n")
		if _, err := st.alice.open().RotateEnvironment(ctx, "development"); err != nil {
			t.Fatal(err)
		}
		st.bob.write(".env", "A=1\nB=20\n")
		res, err := st.bob.open().Pull(ctx, scopes.PullOptions{})
		if err != nil || len(res.Items) != 1 || !res.Items[0].Merged {
			t.Fatalf("pull after a rotation = %+v, %v", res, err)
		}
		if got := st.bob.read(".env"); got != "A=10\nB=20\n" {
			t.Fatalf("bob's .env = %q", got)
		}
	})
}
