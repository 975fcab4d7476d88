package scopes_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/configsync/configsync/config"
	"github.com/configsync/configsync/gitstore"
	"github.com/configsync/configsync/internal/testkeys"
	"github.com/configsync/configsync/scopes"
)

// syncOneShot is a session that reads the remote for one command
// (inject/pull --remote) on machine m.
func (st *syncTeam) syncOneShot(t *testing.T, m *syncMachine) syncSession {
	t.Helper()
	opts := m.opts
	opts.Remote = st.remote
	v, err := scopes.Open(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestOneShotReads: a store read straight from the remote is checked
// against the admins this machine pinned; with none pinned, nothing it
// holds is trusted.
func TestOneShotReads(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := syncedTeam(t)
	_, vars, err := st.syncOneShot(t, st.bob).Variables(ctx, scopes.VariablesOptions{Project: "myapp"})
	if err != nil || len(vars) != 2 {
		t.Fatalf("variables --remote = %v, %v", vars, err)
	}
	dest := filepath.Join(t.TempDir(), "out")
	res, err := st.syncOneShot(t, st.bob).Pull(ctx, scopes.PullOptions{Project: "myapp", Dest: dest})
	if err != nil || len(res.Items) != 1 {
		t.Fatalf("pull --remote = %+v, %v", res, err)
	}
	if b, err := os.ReadFile(filepath.Join(dest, ".env")); err != nil || string(b) != "A=1\nB=2\n" {
		t.Fatalf("pulled .env = %q, %v", b, err)
	}
	syncMode0600(t, filepath.Join(dest, ".env"))

	// A CI machine with no configuration pins no admin.
	ci := newSyncMachine(t, t.TempDir(), "ci", testkeys.Bob())
	_, _, err = st.syncOneShot(t, ci).Variables(ctx, scopes.VariablesOptions{Env: "development", Project: "myapp"})
	var ue *scopes.UnpinnedError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "no admin of the store is pinned") {
		t.Fatalf("variables --remote with no pins = %v", err)
	}
}

// TestTamperedItemRefused: an item copied to another place, or an older
// version put back, with plain git is not what the environment's signed
// index lists: a read for one command refuses it, Bob's own store
// refuses the commit, and nothing is written.
func TestTamperedItemRefused(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cases := []struct {
		name   string
		change func(item string, old, now []byte) gitstore.Change
		want   string
	}{
		{"copied", func(item string, old, now []byte) gitstore.Change {
			return gitstore.Change{Path: strings.TrimSuffix(item, ".env.pgp") + ".env.local.pgp", Data: now}
		}, `which the index of "development" does not list`},
		{"rolled back", func(item string, old, now []byte) gitstore.Change {
			return gitstore.Change{Path: item, Data: old}
		}, "index"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			st := syncedTeam(t)
			item, old := syncStoreItem(t, st.remote)
			st.alicePushes(t, "A=10\nB=2\n")
			syncDone(t)(st.bob.open().Pull(ctx, scopes.PullOptions{}))
			_, now := syncStoreItem(t, st.remote)
			remote, err := gitstore.Open(st.remote, config.DefaultBranch)
			if err != nil {
				t.Fatal(err)
			}
			tip, err := remote.Tip(ctx)
			if err != nil {
				t.Fatal(err)
			}
			// Commit moves the branch, as a git push of it would.
			_, err = remote.Commit(ctx, tip, []gitstore.Change{c.change(item, old, now)},
				gitstore.Signature{Name: "Mallory", Email: "m@example.com", When: testkeys.Now()}, "tamper")
			if err != nil {
				t.Fatal(err)
			}
			dest := filepath.Join(t.TempDir(), "out")
			_, err = st.syncOneShot(t, st.bob).Pull(ctx, scopes.PullOptions{Project: "myapp", Dest: dest})
			var te *scopes.TrustError
			if !errors.As(err, &te) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("pull --remote = %v (%T), want %q", err, err, c.want)
			}
			if _, err := os.Stat(dest); !errors.Is(err, os.ErrNotExist) {
				t.Fatalf("a refused pull made %s: %v", dest, err)
			}
			before := syncSnapshot(t, st.bob.opts.UserHome)
			if _, err := st.bob.open().Pull(ctx, scopes.PullOptions{}); err == nil {
				t.Fatal("pull accepted a tampered commit")
			}
			syncSameTree(t, before, syncSnapshot(t, st.bob.opts.UserHome))
		})
	}
}

// syncStoreItem is the store path and ciphertext of myapp/.env at the
// remote's tip.
func syncStoreItem(t *testing.T, path string) (string, []byte) {
	t.Helper()
	ctx := context.Background()
	remote, err := gitstore.Open(path, config.DefaultBranch)
	if err != nil {
		t.Fatal(err)
	}
	tip, err := remote.Tip(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tree, err := remote.Tree(ctx, tip)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range tree.Files("") {
		if strings.HasSuffix(f.Path, "/myapp/.env.pgp") {
			data, err := tree.Read(f.Path)
			if err != nil {
				t.Fatal(err)
			}
			return f.Path, data
		}
	}
	t.Fatal("no item myapp/.env in the store")
	return "", nil
}
