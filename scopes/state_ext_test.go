package scopes_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/configsync/configsync/scopes"
)

// TestDamagedSyncState: a damaged state key or state file refuses push
// and pull with where it is and what to do, changing nothing; removed,
// configsync starts over treating every file as not yet synced.
func TestDamagedSyncState(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cases := []struct {
		file, content, want string
	}{
		{"state.key", "short", "state.key is damaged: remove it"},
		{"state.json", "{not json", "state.json is damaged ("},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			t.Parallel()
			st := syncedTeam(t)
			b := st.bob
			path := filepath.Join(b.opts.Home, c.file)
			if err := os.WriteFile(path, []byte(c.content), 0o600); err != nil {
				t.Fatal(err)
			}
			b.write(".env", "A=1\nB=hunter2-secret\n")
			before, tip := syncSnapshot(t, b.opts.UserHome), st.tip(t)
			_, perr := b.open().Push(ctx, scopes.PushOptions{})
			_, lerr := b.open().Pull(ctx, scopes.PullOptions{})
			for _, err := range []error{perr, lerr} {
				if err == nil || !strings.Contains(err.Error(), c.want) {
					t.Fatalf("err = %v, want %q", err, c.want)
				}
				syncNoSecret(t, err, "hunter2")
			}
			syncSameTree(t, before, syncSnapshot(t, b.opts.UserHome))
			if st.tip(t) != tip {
				t.Fatal("a refused push moved the remote")
			}
			if got, _ := os.ReadFile(path); string(got) != c.content {
				t.Fatalf("%s was rewritten: %q", c.file, got)
			}
			// Removed as told. A new key: the blob last synced still says
			// the store did not change, so push sends the edit. No state:
			// nothing says which side changed, so push asks.
			if err := os.Remove(path); err != nil {
				t.Fatal(err)
			}
			res, err := b.open().Push(ctx, scopes.PushOptions{})
			if c.file == "state.json" {
				var ce *scopes.ConflictError
				if !errors.As(err, &ce) {
					t.Fatalf("push with no state = %+v, %v", res, err)
				}
				return
			}
			if err != nil || res.Commit == "" {
				t.Fatalf("push with a new key = %+v, %v", res, err)
			}
			syncMode0600(t, path)
		})
	}
}
