package scopes_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/configsync/configsync/scopes"
)

// TestPushReadsAheadAcrossBatches: push reads and decrypts ahead in
// batches of 256 items (pushahead.go); its decisions stay per item and
// in order across them. Bob holds 300 items; Alice changes items on
// both sides of the batch boundary. Bob's push then refuses exactly the
// items in conflict, in order, and once they are settled sends his
// changes, merges the item both changed on different keys and leaves
// the item only the store changed.
func TestPushReadsAheadAcrossBatches(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := syncedTeam(t)
	const n = 300
	name := func(i int) string { return fmt.Sprintf(".env.%03d", i) }
	body := func(i int, a, b string) string { return fmt.Sprintf("A=%s-%d\nB=%s-%d\n", a, i, b, i) }
	for i := range n {
		st.bob.write(name(i), body(i, "a0", "b0"))
	}
	syncDone(t)(st.bob.open().Push(ctx, scopes.PushOptions{}))
	syncDone(t)(st.alice.open().Pull(ctx, scopes.PullOptions{}))
	// Alice: A of 10 and 280 (Bob changes A too: conflicts), A of 270
	// (Bob changes B: a merge), B of 290 (Bob leaves it: upstream).
	for _, i := range []int{10, 280, 270} {
		st.alice.write(name(i), body(i, "alice", "b0"))
	}
	st.alice.write(name(290), body(290, "a0", "alice"))
	syncDone(t)(st.alice.open().Push(ctx, scopes.PushOptions{}))

	for i := range n {
		switch i {
		case 10, 280:
			st.bob.write(name(i), body(i, "bob", "b0"))
		case 270:
			st.bob.write(name(i), body(i, "a0", "bob"))
		case 290:
		default:
			st.bob.write(name(i), body(i, "a0", "bob"))
		}
	}
	tip := st.tip(t)
	_, err := st.bob.open().Push(ctx, scopes.PushOptions{})
	var ce *scopes.ConflictError
	if !errors.As(err, &ce) || len(ce.Files) != 2 || ce.Files[0].Path != "~/git/myapp/"+name(10) || ce.Files[1].Path != "~/git/myapp/"+name(280) ||
		!slices.Equal(ce.Files[1].Keys, []string{"A"}) {
		t.Fatalf("push = %v, want conflicts on A of %s and %s", err, name(10), name(280))
	}
	if st.tip(t) != tip {
		t.Fatal("a refused push moved the remote")
	}

	for _, i := range []int{10, 280} {
		st.bob.write(name(i), body(i, "alice", "b0"))
	}
	res, err := st.bob.open().Push(ctx, scopes.PushOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Items) != n-3 {
		t.Fatalf("push wrote %d items, want %d", len(res.Items), n-3)
	}
	for _, it := range res.Items {
		if it.Merged != (it.Path == name(270)) {
			t.Fatalf("item %s merged = %v", it.Path, it.Merged)
		}
	}
	if !slices.Equal(res.Upstream, []string{"~/git/myapp/" + name(290)}) {
		t.Fatalf("upstream = %v", res.Upstream)
	}
	if got := st.bob.read(name(270)); got != body(270, "alice", "bob") {
		t.Fatalf("%s after the merge = %q", name(270), got)
	}
}

// TestPullOfManyItems: pull reads each blob while earlier ones are
// decrypted (openPlaced, readThenOpen); each of 300 items, more than a
// push reads ahead at once, lands in its own file.
func TestPullOfManyItems(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := syncedTeam(t)
	const n = 300
	for i := range n {
		st.bob.write(fmt.Sprintf(".env.%03d", i), fmt.Sprintf("A=value-%d\n", i))
	}
	syncDone(t)(st.bob.open().Push(ctx, scopes.PushOptions{}))
	syncDone(t)(st.alice.open().Pull(ctx, scopes.PullOptions{}))
	for i := range n {
		if got, want := st.alice.read(fmt.Sprintf(".env.%03d", i)), fmt.Sprintf("A=value-%d\n", i); got != want {
			t.Fatalf(".env.%03d = %q, want %q", i, got, want)
		}
	}
}
