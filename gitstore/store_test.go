package gitstore

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

func TestParseHash(t *testing.T) {
	const hex = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
	h, err := ParseHash(hex)
	if err != nil {
		t.Fatal(err)
	}
	if h.String() != hex || h.IsZero() {
		t.Fatalf("got %s zero=%v", h, h.IsZero())
	}
	if !(Hash{}).IsZero() {
		t.Fatal("zero hash not zero")
	}
	for _, bad := range []string{"", "4b82", hex + "00", strings.Replace(hex, "4", "x", 1)} {
		if _, err := ParseHash(bad); err == nil {
			t.Errorf("ParseHash(%q): no error", bad)
		}
	}
}

func TestInvalidBranch(t *testing.T) {
	for _, b := range []string{"", "a..b", "refs/heads/x", "x.lock", "a b"} {
		if _, err := InitBare(filepath.Join(t.TempDir(), "r"), b); !errors.Is(err, ErrInvalidBranch) {
			t.Errorf("InitBare branch %q: %v, want ErrInvalidBranch", b, err)
		}
	}
}

func TestCommitReadAndFsck(t *testing.T) {
	ctx := context.Background()
	s, dir := newBare(t)
	if tip := mustTip(t, s); !tip.IsZero() {
		t.Fatalf("new store tip = %s", tip)
	}
	if s.Branch() != "configsync" {
		t.Fatalf("Branch() = %q", s.Branch())
	}
	c1 := mustCommit(t, s, Hash{}, "first push",
		put("configsync-store.toml", "format = 1\n"),
		put("environments/dev/items/myapp/.env.pgp", "cipher-1"),
		put("environments/dev/items/myapp/.env.local.pgp", "cipher-2"),
		put("environments/prod/items/myapp/.env.pgp", "cipher-3"),
	)
	c2 := mustCommit(t, s, c1, "second push\n\nitems: myapp/.env",
		put("environments/dev/items/myapp/.env.pgp", "cipher-1b"),
		del("environments/prod/items/myapp/.env.pgp"),
	)
	if got := mustTip(t, s); got != c2 {
		t.Fatalf("tip = %s, want %s", got, c2)
	}
	fsck(t, dir)

	if got := runGit(t, dir, "log", "--format=%an <%ae> %ad|%s", "--date=iso-strict", "configsync"); got !=
		"Ada Lovelace <ada@example.com> 2025-03-01T12:00:00+01:00|second push\n"+
			"Ada Lovelace <ada@example.com> 2025-03-01T12:00:00+01:00|first push" {
		t.Fatalf("git log:\n%s", got)
	}
	if got := runGit(t, dir, "show", "configsync:environments/dev/items/myapp/.env.pgp"); got != "cipher-1b" {
		t.Fatalf("git show = %q", got)
	}
	if got := runGit(t, dir, "rev-parse", "configsync"); got != c2.String() {
		t.Fatalf("git rev-parse = %s, want %s", got, c2)
	}

	tree, err := s.Tree(ctx, c2)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"configsync-store.toml",
		"environments/dev/items/myapp/.env.local.pgp",
		"environments/dev/items/myapp/.env.pgp",
	}
	if got := paths(tree.Files("")); !reflect.DeepEqual(got, want) {
		t.Fatalf("Files(\"\") = %q", got)
	}
	if got := paths(tree.Files("environments/dev/")); !reflect.DeepEqual(got, want[1:]) {
		t.Fatalf("Files(dev/) = %q", got)
	}
	if got := tree.Files("environments/de"); len(got) != 0 {
		t.Fatalf("Files is a directory prefix, got %q", paths(got))
	}
	if got := paths(tree.Files("configsync-store.toml")); !reflect.DeepEqual(got, want[:1]) {
		t.Fatalf("Files(file) = %q", got)
	}
	data, err := tree.Read("environments/dev/items/myapp/.env.pgp")
	if err != nil || string(data) != "cipher-1b" {
		t.Fatalf("Read = %q, %v", data, err)
	}
	if _, err := tree.Read("environments/prod/items/myapp/.env.pgp"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Read deleted: %v, want ErrNotFound", err)
	}
	blob, ok := tree.Blob("configsync-store.toml")
	if !ok || blob.String() != runGit(t, dir, "rev-parse", "configsync:configsync-store.toml") {
		t.Fatalf("Blob = %s %v", blob, ok)
	}
	if data, err := s.ReadBlob(ctx, blob); err != nil || string(data) != "format = 1\n" {
		t.Fatalf("ReadBlob = %q, %v", data, err)
	}
	if _, err := s.ReadBlob(ctx, Hash{1}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("ReadBlob missing: %v", err)
	}
	empty, err := s.Tree(ctx, Hash{})
	if err != nil || len(empty.Files("")) != 0 {
		t.Fatalf("zero tree: %v %v", empty, err)
	}

	// Reopening finds the same branch.
	s2, err := InitBare(dir, "configsync")
	if err != nil {
		t.Fatal(err)
	}
	if got := mustTip(t, s2); got != c2 {
		t.Fatalf("reopened tip = %s", got)
	}
}

func TestOpenLeavesWorkTreeAlone(t *testing.T) {
	repo := t.TempDir()
	runGit(t, repo, "init", "-q", "-b", "main")
	os.WriteFile(filepath.Join(repo, "app.go"), []byte("package app\n"), 0o644)
	os.WriteFile(filepath.Join(repo, "README"), []byte("readme\n"), 0o644)
	runGit(t, repo, "add", ".")
	runGit(t, repo, "commit", "-q", "-m", "init")
	// Dirty: one staged change, one unstaged change, one untracked file.
	os.WriteFile(filepath.Join(repo, "app.go"), []byte("package app // staged\n"), 0o644)
	runGit(t, repo, "add", "app.go")
	os.WriteFile(filepath.Join(repo, "README"), []byte("edited\n"), 0o644)
	os.WriteFile(filepath.Join(repo, ".env"), []byte("SECRET=1\n"), 0o644)

	status := runGit(t, repo, "status", "--porcelain")
	head := runGit(t, repo, "rev-parse", "HEAD")
	headFile, _ := os.ReadFile(filepath.Join(repo, ".git", "HEAD"))
	index, _ := os.ReadFile(filepath.Join(repo, ".git", "index"))

	sub := filepath.Join(repo, "sub", "dir")
	os.MkdirAll(sub, 0o755)
	s, err := Open(sub, "configsync") // found from a subdirectory
	if err != nil {
		t.Fatal(err)
	}
	c1 := mustCommit(t, s, Hash{}, "store", put("environments/dev/items/app/.env.pgp", "cipher"))
	mustCommit(t, s, c1, "store 2", put("environments/dev/items/app/.env.pgp", "cipher 2"))

	if got := runGit(t, repo, "status", "--porcelain"); got != status {
		t.Errorf("status changed:\n%s\nwas:\n%s", got, status)
	}
	if got := runGit(t, repo, "rev-parse", "HEAD"); got != head {
		t.Errorf("HEAD moved to %s", got)
	}
	if got, _ := os.ReadFile(filepath.Join(repo, ".git", "HEAD")); !bytes.Equal(got, headFile) {
		t.Errorf(".git/HEAD changed: %q", got)
	}
	if got, _ := os.ReadFile(filepath.Join(repo, ".git", "index")); !bytes.Equal(got, index) {
		t.Error(".git/index changed")
	}
	if got := runGit(t, repo, "show", "configsync:environments/dev/items/app/.env.pgp"); got != "cipher 2" {
		t.Errorf("branch content = %q", got)
	}
	fsck(t, repo)

	if _, err := Open(t.TempDir(), "configsync"); !errors.Is(err, ErrNoRepository) {
		t.Errorf("Open non-repo: %v", err)
	}
}

func TestOpenLinkedWorktree(t *testing.T) {
	repo := t.TempDir()
	runGit(t, repo, "init", "-q", "-b", "main")
	runGit(t, repo, "commit", "-q", "--allow-empty", "-m", "init")
	wt := filepath.Join(t.TempDir(), "wt")
	runGit(t, repo, "worktree", "add", "-q", wt)
	s, err := Open(wt, "configsync")
	if err != nil {
		t.Fatal(err)
	}
	c := mustCommit(t, s, Hash{}, "m", put("a", "1"))
	// The branch lives in the shared refs, visible from the main repo.
	if got := runGit(t, repo, "rev-parse", "configsync"); got != c.String() {
		t.Fatalf("main repo sees %s, want %s", got, c)
	}
}

func TestCommitStaleParentConflicts(t *testing.T) {
	s, dir := newBare(t)
	a := mustCommit(t, s, Hash{}, "a", put("x", "1"))
	b := mustCommit(t, s, a, "b", put("x", "2"))
	_, err := s.Commit(context.Background(), a, []Change{put("x", "3")}, ada(), "stale")
	if !errors.Is(err, ErrConflict) {
		t.Fatalf("stale commit: %v, want ErrConflict", err)
	}
	if got := mustTip(t, s); got != b {
		t.Fatalf("tip = %s, want %s", got, b)
	}
	// A stale no-op is a conflict too, not a silent success.
	if _, err := s.Commit(context.Background(), a, []Change{put("x", "1")}, ada(), "stale no-op"); !errors.Is(err, ErrConflict) {
		t.Fatalf("stale no-op: %v", err)
	}
	if err := s.SetTip(context.Background(), a, b); !errors.Is(err, ErrConflict) {
		t.Fatalf("SetTip stale: %v", err)
	}
	fsck(t, dir)
}

// go-git issue 2399, first half: CheckAndSetReference with no old value
// overwrites unchecked. A zero parent must mean "branch must not exist".
func TestCommitZeroParentOnExistingBranchConflicts(t *testing.T) {
	s, _ := newBare(t)
	a := mustCommit(t, s, Hash{}, "a", put("x", "1"))
	if _, err := s.Commit(context.Background(), Hash{}, []Change{put("y", "2")}, ada(), "root again"); !errors.Is(err, ErrConflict) {
		t.Fatalf("zero parent on existing branch: %v, want ErrConflict", err)
	}
	if err := s.SetTip(context.Background(), Hash{}, a); !errors.Is(err, ErrConflict) {
		t.Fatalf("SetTip(zero, …) on existing branch: %v, want ErrConflict", err)
	}
	if got := mustTip(t, s); got != a {
		t.Fatalf("tip = %s, want %s", got, a)
	}
}

// go-git issue 2399, second half: a failed CAS on a packed ref must not
// leave an empty loose ref file (which git reads as a broken ref).
func TestCASOnPackedRef(t *testing.T) {
	ctx := context.Background()
	s, dir := newBare(t)
	a := mustCommit(t, s, Hash{}, "a", put("x", "1"))
	b := mustCommit(t, s, a, "b", put("x", "2"))
	runGit(t, dir, "pack-refs", "--all")
	loose := filepath.Join(dir, "refs", "heads", "configsync")
	if _, err := os.Stat(loose); !os.IsNotExist(err) {
		t.Fatalf("pack-refs left a loose ref: %v", err)
	}
	if got := mustTip(t, s); got != b {
		t.Fatalf("packed tip = %s, want %s", got, b)
	}

	if _, err := s.Commit(ctx, a, []Change{put("x", "3")}, ada(), "stale"); !errors.Is(err, ErrConflict) {
		t.Fatalf("stale commit on packed ref: %v", err)
	}
	if err := s.SetTip(ctx, a, b); !errors.Is(err, ErrConflict) {
		t.Fatalf("stale SetTip on packed ref: %v", err)
	}
	if _, err := os.Stat(loose); !os.IsNotExist(err) {
		t.Fatalf("failed CAS left a loose ref file: %v", err)
	}
	if _, err := os.Stat(loose + ".lock"); !os.IsNotExist(err) {
		t.Fatalf("failed CAS left a lock file: %v", err)
	}
	if got := runGit(t, dir, "rev-parse", "configsync"); got != b.String() {
		t.Fatalf("git sees %s, want %s", got, b)
	}
	fsck(t, dir)

	// The right parent moves a packed ref.
	c := mustCommit(t, s, b, "c", put("x", "3"))
	if got := runGit(t, dir, "rev-parse", "configsync"); got != c.String() {
		t.Fatalf("git sees %s, want %s", got, c)
	}
	fsck(t, dir)
}

func TestCASOnMissingRef(t *testing.T) {
	s, dir := newBare(t)
	a := mustCommit(t, s, Hash{}, "a", put("x", "1"))
	other, err := Open(dir, "other")
	if err != nil {
		t.Fatal(err)
	}
	if err := other.SetTip(context.Background(), a, a); !errors.Is(err, ErrConflict) {
		t.Fatalf("SetTip(old≠zero) on missing branch: %v, want ErrConflict", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "refs", "heads", "other")); !os.IsNotExist(err) {
		t.Fatalf("failed CAS on a missing ref left a file: %v", err)
	}
	if got := mustTip(t, other); !got.IsZero() {
		t.Fatalf("missing branch tip = %s", got)
	}
	if err := other.SetTip(context.Background(), Hash{}, Hash{}); err == nil {
		t.Fatal("SetTip to zero accepted")
	}
	if err := other.SetTip(context.Background(), Hash{}, a); err != nil {
		t.Fatal(err)
	}
	if got := runGit(t, dir, "rev-parse", "other"); got != a.String() {
		t.Fatalf("git sees %s", got)
	}
}

func TestCASLocked(t *testing.T) {
	s, dir := newBare(t)
	a := mustCommit(t, s, Hash{}, "a", put("x", "1"))
	lock := filepath.Join(dir, "refs", "heads", "configsync.lock")
	if err := os.WriteFile(lock, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Commit(context.Background(), a, []Change{put("x", "2")}, ada(), "b"); !errors.Is(err, ErrLocked) {
		t.Fatalf("commit with lock held: %v, want ErrLocked", err)
	}
	if _, err := os.Stat(lock); err != nil {
		t.Fatalf("someone else's lock was removed: %v", err)
	}
	if got := mustTip(t, s); got != a {
		t.Fatalf("tip moved to %s", got)
	}
}

func TestDeleteSubtree(t *testing.T) {
	ctx := context.Background()
	s, dir := newBare(t)
	a := mustCommit(t, s, Hash{}, "a",
		put("top.toml", "t"),
		put("environments/dev/items/app/a.pgp", "1"),
		put("environments/dev/items/app/sub/b.pgp", "2"),
		put("environments/dev/key.pgp", "k"),
		put("environments/prod/items/app/c.pgp", "3"),
	)
	b := mustCommit(t, s, a, "drop dev items", del("environments/dev/items"))
	if got := runGit(t, dir, "ls-tree", "-r", "--name-only", "configsync"); got !=
		"environments/dev/key.pgp\nenvironments/prod/items/app/c.pgp\ntop.toml" {
		t.Fatalf("after subtree delete:\n%s", got)
	}
	// Deleting the last file of a directory removes the now empty parents.
	c := mustCommit(t, s, b, "drop prod", del("environments/prod/items/app/c.pgp"))
	if got := runGit(t, dir, "ls-tree", "-r", "-t", "--name-only", "configsync"); got !=
		"environments\nenvironments/dev\nenvironments/dev/key.pgp\ntop.toml" {
		t.Fatalf("after last-file delete:\n%s", got)
	}
	// Deleting everything leaves a commit with the empty tree.
	d := mustCommit(t, s, c, "drop all", del("environments"), del("top.toml"))
	tree, err := s.Tree(ctx, d)
	if err != nil || len(tree.Files("")) != 0 {
		t.Fatalf("empty tree: %v %v", paths(tree.Files("")), err)
	}
	if got := runGit(t, dir, "rev-parse", "configsync^{tree}"); got != "4b825dc642cb6eb9a060e54bf8d69288fbee4904" {
		t.Fatalf("tree = %s, want the empty tree", got)
	}
	fsck(t, dir)
}

func TestCommitWithoutChangeIsNoOp(t *testing.T) {
	s, dir := newBare(t)
	if h := mustCommit(t, s, Hash{}, "nothing"); !h.IsZero() {
		t.Fatalf("empty first commit made %s", h)
	}
	if h := mustCommit(t, s, Hash{}, "nothing", del("missing")); !h.IsZero() {
		t.Fatalf("no-op first commit made %s", h)
	}
	a := mustCommit(t, s, Hash{}, "a", put("dir/x", "1"), put("y", "2"))
	for name, changes := range map[string][]Change{
		"same bytes":        {put("dir/x", "1")},
		"delete missing":    {del("nope/x"), del("dir/x/deeper")},
		"delete and re-add": {del("dir"), put("dir/x", "1")},
		"none":              nil,
	} {
		if h := mustCommit(t, s, a, name, changes...); h != a {
			t.Errorf("%s: returned %s, want parent %s", name, h, a)
		}
	}
	if got := runGit(t, dir, "rev-list", "--count", "configsync"); got != "1" {
		t.Fatalf("commits = %s, want 1", got)
	}
}

func TestInvalidChanges(t *testing.T) {
	ctx := context.Background()
	s, _ := newBare(t)
	a := mustCommit(t, s, Hash{}, "a", put("dir/file", "1"))
	for _, p := range []string{"", "/abs", "a//b", "a/", "../x", "a/../b", "./x", ".git/config", "a/.GIT/x", "nul\x00"} {
		if _, err := s.Commit(ctx, a, []Change{put(p, "x")}, ada(), "m"); !errors.Is(err, ErrInvalidPath) {
			t.Errorf("path %q: %v, want ErrInvalidPath", p, err)
		}
	}
	if _, err := s.Commit(ctx, a, []Change{put("dir/file/under", "x")}, ada(), "m"); !errors.Is(err, ErrInvalidPath) {
		t.Errorf("write under a file: %v", err)
	}
	if _, err := s.Commit(ctx, a, []Change{put("dir", "x")}, ada(), "m"); !errors.Is(err, ErrInvalidPath) {
		t.Errorf("write onto a directory: %v", err)
	}
	for _, sig := range []Signature{
		{Name: "A", Email: "a@example.com"},
		{Name: "A <x>", Email: "a@example.com", When: when},
		{Name: "A", Email: "", When: when},
		{Name: "A", Email: "a@example.com\n", When: when},
	} {
		if _, err := s.Commit(ctx, a, []Change{put("z", "1")}, sig, "m"); !errors.Is(err, ErrInvalidSignature) {
			t.Errorf("signature %+v accepted", sig)
		}
	}
	if got := mustTip(t, s); got != a {
		t.Fatalf("tip moved")
	}
}

func TestManyObjectsArePacked(t *testing.T) {
	s, dir := newBare(t)
	var changes []Change
	for i := range 150 {
		changes = append(changes, put("environments/dev/items/p/"+strconv.Itoa(i)+".pgp", "cipher "+strconv.Itoa(i)))
	}
	big := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB: a multi-byte size header
	changes = append(changes, Change{Path: "big.pgp", Data: big}, put("empty.pgp", ""))
	h := mustCommit(t, s, Hash{}, "many", changes...)
	counts := runGit(t, dir, "count-objects", "-v")
	if !strings.Contains(counts, "count: 0\n") || !strings.Contains(counts, "packs: 1\n") {
		t.Fatalf("want one pack and no loose objects:\n%s", counts)
	}
	fsck(t, dir)
	// go-git reads back what it packed, in this and a fresh Store.
	s2, err := Open(dir, DefaultBranch)
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range []*Store{s, s2} {
		tree, err := st.Tree(context.Background(), h)
		if err != nil {
			t.Fatal(err)
		}
		if data, err := tree.Read("environments/dev/items/p/149.pgp"); err != nil || string(data) != "cipher 149" {
			t.Fatalf("read back: %q %v", data, err)
		}
		if data, err := tree.Read("big.pgp"); err != nil || !bytes.Equal(data, big) {
			t.Fatalf("read back big: %d bytes, %v", len(data), err)
		}
		if data, err := tree.Read("empty.pgp"); err != nil || len(data) != 0 {
			t.Fatalf("read back empty: %q, %v", data, err)
		}
	}
	// A small follow-up commit is loose.
	mustCommit(t, s2, h, "one", put("environments/dev/items/p/1.pgp", "new"))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if counts := runGit(t, dir, "count-objects", "-v"); !strings.Contains(counts, "packs: 1\n") || strings.Contains(counts, "count: 0\n") {
		t.Fatalf("small commit should be loose:\n%s", counts)
	}
}

func TestLog(t *testing.T) {
	ctx := context.Background()
	s, _ := newBare(t)
	a := mustCommit(t, s, Hash{}, "a", put("env/dev/x.pgp", "1"), put("env/dev/y.pgp", "2"))
	b := mustCommit(t, s, a, "b", put("env/dev/x.pgp", "1b"), put("env/prod/z.pgp", "3"))
	c := mustCommit(t, s, b, "c", del("env/dev"))

	all, err := s.Log(ctx, c, 0)
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		h       Hash
		parents []Hash
		msg     string
		changed []string
		blobs   []Hash // zero: deleted
	}
	blob := func(s string) Hash { return BlobHash([]byte(s)) }
	want := []row{
		{c, []Hash{b}, "c\n", []string{"env/dev/x.pgp", "env/dev/y.pgp"}, []Hash{{}, {}}},
		{b, []Hash{a}, "b\n", []string{"env/dev/x.pgp", "env/prod/z.pgp"}, []Hash{blob("1b"), blob("3")}},
		{a, nil, "a\n", []string{"env/dev/x.pgp", "env/dev/y.pgp"}, []Hash{blob("1"), blob("2")}},
	}
	if len(all) != len(want) {
		t.Fatalf("got %d entries", len(all))
	}
	for i, w := range want {
		e := all[i]
		if e.Hash != w.h || !reflect.DeepEqual(e.Parents, w.parents) || e.Message != w.msg || !reflect.DeepEqual(e.Changed, w.changed) || !reflect.DeepEqual(e.Blobs, w.blobs) {
			t.Errorf("entry %d = %+v, want %+v", i, e, w)
		}
		if e.Author.Name != "Ada Lovelace" || e.Author.Email != "ada@example.com" || !e.Author.When.Equal(when) {
			t.Errorf("entry %d author = %+v", i, e.Author)
		}
	}
	two, err := s.Log(ctx, c, 2)
	if err != nil || len(two) != 2 || two[1].Hash != b {
		t.Fatalf("Log n=2: %v %v", len(two), err)
	}
	if none, err := s.Log(ctx, Hash{}, 0); err != nil || len(none) != 0 {
		t.Fatalf("Log zero: %v %v", none, err)
	}

	for _, tc := range []struct {
		anc, desc Hash
		want      bool
	}{{a, c, true}, {c, c, true}, {c, a, false}, {Hash{}, a, true}, {a, Hash{}, false}} {
		got, err := s.IsAncestor(ctx, tc.anc, tc.desc)
		if err != nil || got != tc.want {
			t.Errorf("IsAncestor(%s, %s) = %v, %v", short(tc.anc), short(tc.desc), got, err)
		}
	}
}

func TestCanceledContext(t *testing.T) {
	s, _ := newBare(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Commit(ctx, Hash{}, []Change{put("x", "1")}, ada(), "m"); !errors.Is(err, context.Canceled) {
		t.Fatalf("Commit: %v", err)
	}
	if _, err := s.Tip(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Tip: %v", err)
	}
}

// TestLargeObjectPacked: a commit with one large blob writes a packfile
// (blobs stored as they are), not a loose object deflated at zlib's
// default level; git reads the result.
func TestLargeObjectPacked(t *testing.T) {
	s, dir := newBare(t)
	big := strings.Repeat("0123456789abcdef", largeObject/16+1)
	tip := mustCommit(t, s, Hash{}, "big", put("environments/dev/items/app/big.pgp", big), put("environments/dev/items/app/small.pgp", "x"))
	if n := runGit(t, dir, "count-objects", "-v"); !strings.Contains(n, "count: 0\n") || !strings.Contains(n, "packs: 1\n") {
		t.Fatalf("want no loose object and one pack:\n%s", n)
	}
	runGit(t, dir, "fsck", "--no-progress")
	tree, err := s.Tree(context.Background(), tip)
	if err != nil {
		t.Fatal(err)
	}
	if data, err := tree.Read("environments/dev/items/app/big.pgp"); err != nil || string(data) != big {
		t.Fatalf("read back %d bytes, %v", len(data), err)
	}
	// A small commit stays loose, as git's unpack limit would have it.
	mustCommit(t, s, tip, "small", put("environments/dev/items/app/small.pgp", "y"))
	if n := runGit(t, dir, "count-objects", "-v"); strings.Contains(n, "count: 0\n") {
		t.Fatalf("a small commit wrote a pack:\n%s", n)
	}
}
