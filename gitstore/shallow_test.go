package gitstore

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
)

// shallowPair is a remote with a history of n commits of one file
// ("v1" … "vn"), the writer that made it, and a new store that joined it
// with depth commits of history.
func shallowPair(t *testing.T, n, depth int) (writer, joined *Store, joinedDir, remote string) {
	t.Helper()
	ctx := context.Background()
	remote = newRemote(t)
	url := "file://" + filepath.ToSlash(remote)
	writer, _ = newBare(t)
	if err := writer.SetRemote(url); err != nil {
		t.Fatal(err)
	}
	var tip Hash
	for i := 1; i <= n; i++ {
		tip = mustCommit(t, writer, tip, fmt.Sprint("c", i), put("environments/dev/items/app/.env.pgp", fmt.Sprint("v", i)))
	}
	if err := writer.Push(ctx, nil); err != nil {
		t.Fatal(err)
	}
	joined, joinedDir = newBare(t)
	if err := joined.SetRemote(url); err != nil {
		t.Fatal(err)
	}
	got, err := joined.FetchDepth(ctx, nil, depth)
	if err != nil || got != tip {
		t.Fatalf("FetchDepth = %s, %v; want %s", got, err, tip)
	}
	if err := joined.SetTip(ctx, Hash{}, got); err != nil {
		t.Fatal(err)
	}
	return writer, joined, joinedDir, remote
}

func logLen(t *testing.T, s *Store) int {
	t.Helper()
	entries, err := s.Log(context.Background(), mustTip(t, s), 0)
	if err != nil {
		t.Fatal(err)
	}
	return len(entries)
}

func TestFetchDepth(t *testing.T) {
	ctx := context.Background()
	writer, joined, dir, _ := shallowPair(t, 5, 2)
	if sh, err := joined.Shallow(); err != nil || !sh {
		t.Fatalf("Shallow = %v, %v; want true", sh, err)
	}
	if n := logLen(t, joined); n != 2 {
		t.Fatalf("log of a depth-2 join has %d commits", n)
	}
	runGit(t, dir, "fsck", "--no-progress") // git reads the same shallow file
	if got := runGit(t, dir, "rev-parse", "--is-shallow-repository"); got != "true" {
		t.Fatalf("git says shallow = %s after a depth-2 fetch", got)
	}

	// An ordinary new commit: only it travels, and the store stays shallow.
	tip := mustCommit(t, writer, mustTip(t, writer), "c6", put("environments/dev/items/app/.env.pgp", "v6"))
	if err := writer.Push(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if got, err := joined.Fetch(ctx, nil); err != nil || got != tip {
		t.Fatalf("Fetch = %s, %v; want %s", got, err, tip)
	}
	if err := joined.SetTip(ctx, mustTip(t, joined), tip); err != nil {
		t.Fatal(err)
	}
	if sh, _ := joined.Shallow(); !sh {
		t.Fatal("an incremental fetch fetched the whole history")
	}
	if n := logLen(t, joined); n != 3 {
		t.Fatalf("log after one more commit has %d commits, want 3", n)
	}

	if err := joined.Unshallow(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if sh, _ := joined.Shallow(); sh {
		t.Fatal("still shallow after Unshallow")
	}
	if got := runGit(t, dir, "rev-parse", "--is-shallow-repository"); got != "false" {
		t.Fatalf("git says shallow = %s after Unshallow", got)
	}
	if n := logLen(t, joined); n != 6 {
		t.Fatalf("log after Unshallow has %d commits, want 6", n)
	}
	runGit(t, dir, "fsck", "--no-progress")
	if err := joined.Unshallow(ctx, nil); err != nil {
		t.Fatalf("Unshallow of a complete store: %v", err)
	}
}

// TestFetchFillsHoles puts a file back to a version from before the
// boundary. A remote that knows exactly what the store has (git with
// reachability bitmaps, as big hosts run it) does not send that blob: it
// assumes the store has all history behind the commits it announced. So
// Fetch must notice the hole and fetch the history.
func TestFetchFillsHoles(t *testing.T) {
	ctx := context.Background()
	writer, joined, dir, remote := shallowPair(t, 5, 2)
	tip := mustCommit(t, writer, mustTip(t, writer), "put back", put("environments/dev/items/app/.env.pgp", "v1"))
	if err := writer.Push(ctx, nil); err != nil {
		t.Fatal(err)
	}
	runGit(t, remote, "repack", "-a", "-d", "-b", "-q")
	got, err := joined.Fetch(ctx, nil)
	if err != nil || got != tip {
		t.Fatalf("Fetch = %s, %v; want %s", got, err, tip)
	}
	tree, err := joined.Tree(ctx, got)
	if err != nil {
		t.Fatal(err)
	}
	if data, err := tree.Read("environments/dev/items/app/.env.pgp"); err != nil || string(data) != "v1" {
		t.Fatalf("the put-back file reads %q, %v", data, err)
	}
	if sh, _ := joined.Shallow(); sh {
		t.Fatal("still shallow: the hole was filled some other way?")
	}
	runGit(t, dir, "fsck", "--no-progress")
}
