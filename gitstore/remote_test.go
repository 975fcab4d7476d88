package gitstore

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	gogit "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
)

// newRemote makes an empty bare repository with the git CLI.
func newRemote(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "remote.git")
	runGit(t, t.TempDir(), "init", "-q", "--bare", dir)
	return dir
}

func TestPushFetch(t *testing.T) {
	for _, kind := range []string{"path", "file-url"} {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			remote := newRemote(t)
			url := remote
			if kind == "file-url" {
				url = "file://" + filepath.ToSlash(remote)
			}

			alice, aliceDir := newBare(t)
			if alice.RemoteURL() != "" {
				t.Fatalf("RemoteURL before SetRemote = %q", alice.RemoteURL())
			}
			if err := alice.SetRemote(url); err != nil {
				t.Fatal(err)
			}
			if got := alice.RemoteURL(); got != url {
				t.Fatalf("RemoteURL = %q", got)
			}
			if tip, err := alice.Fetch(ctx, nil); err != nil || !tip.IsZero() {
				t.Fatalf("Fetch from empty remote = %s, %v; want zero", tip, err)
			}

			a := mustCommit(t, alice, Hash{}, "a", put("environments/dev/items/app/.env.pgp", "cipher-a"))
			if err := alice.Push(ctx, nil); err != nil {
				t.Fatal(err)
			}
			if err := alice.Push(ctx, nil); err != nil {
				t.Fatalf("up-to-date push: %v", err)
			}
			if got := runGit(t, remote, "rev-parse", "configsync"); got != a.String() {
				t.Fatalf("remote at %s, want %s", got, a)
			}
			// The pack window stays out of the user's config.
			if out, err := gitErr(aliceDir, "config", "pack.window"); err == nil {
				t.Fatalf("pack.window written to config: %s", out)
			}
			clone := filepath.Join(t.TempDir(), "clone")
			runGit(t, t.TempDir(), "clone", "-q", "-b", "configsync", remote, clone)
			if b, err := os.ReadFile(filepath.Join(clone, "environments/dev/items/app/.env.pgp")); err != nil || string(b) != "cipher-a" {
				t.Fatalf("cloned file = %q, %v", b, err)
			}
			fsck(t, remote)

			// Bob starts from the remote and pushes b on top of a.
			bob, _ := newBare(t)
			if err := bob.SetRemote(url); err != nil {
				t.Fatal(err)
			}
			tip, err := bob.Fetch(ctx, nil)
			if err != nil || tip != a {
				t.Fatalf("bob Fetch = %s, %v", tip, err)
			}
			if err := bob.SetTip(ctx, Hash{}, tip); err != nil {
				t.Fatal(err)
			}
			b := mustCommit(t, bob, a, "b", put("environments/dev/items/app/.env.pgp", "cipher-b"))
			if err := bob.Push(ctx, nil); err != nil {
				t.Fatal(err)
			}

			// Alice's c on top of a is now rejected; the remote keeps b.
			c := mustCommit(t, alice, a, "c", put("environments/dev/items/app/other.pgp", "cipher-c"))
			if err := alice.Push(ctx, nil); !errors.Is(err, ErrNonFastForward) {
				t.Fatalf("push behind: %v, want ErrNonFastForward", err)
			}
			if got := runGit(t, remote, "rev-parse", "configsync"); got != b.String() {
				t.Fatalf("remote moved to %s after rejected push", got)
			}

			// Fetch brings b; a fast-forward is detectable and possible.
			tip, err = alice.Fetch(ctx, nil)
			if err != nil || tip != b {
				t.Fatalf("alice Fetch = %s, %v; want %s", tip, err, b)
			}
			if ok, _ := alice.IsAncestor(ctx, c, tip); ok {
				t.Fatal("c reported as ancestor of b")
			}
			if ok, _ := alice.IsAncestor(ctx, a, tip); !ok {
				t.Fatal("a not reported as ancestor of b")
			}
			tree, err := alice.Tree(ctx, tip)
			if err != nil {
				t.Fatal(err)
			}
			if data, _ := tree.Read("environments/dev/items/app/.env.pgp"); string(data) != "cipher-b" {
				t.Fatalf("fetched content %q", data)
			}
			if got := runGit(t, aliceDir, "rev-parse", "refs/remotes/origin/configsync"); got != b.String() {
				t.Fatalf("tracking ref = %s", got)
			}
			fsck(t, aliceDir)
		})
	}
}

func TestFetchMissingBranch(t *testing.T) {
	ctx := context.Background()
	remote := newRemote(t)
	other, err := InitBare(remote, "other")
	if err != nil {
		t.Fatal(err)
	}
	mustCommit(t, other, Hash{}, "x", put("x", "1"))
	s, _ := newBare(t)
	if err := s.SetRemote(remote); err != nil {
		t.Fatal(err)
	}
	if tip, err := s.Fetch(ctx, nil); err != nil || !tip.IsZero() {
		t.Fatalf("Fetch of a branch the remote lacks = %s, %v", tip, err)
	}
}

func TestNoRemote(t *testing.T) {
	ctx := context.Background()
	s, _ := newBare(t)
	mustCommit(t, s, Hash{}, "x", put("x", "1"))
	if _, err := s.Fetch(ctx, nil); !errors.Is(err, ErrNoRemote) {
		t.Fatalf("Fetch: %v", err)
	}
	if err := s.Push(ctx, nil); !errors.Is(err, ErrNoRemote) {
		t.Fatalf("Push: %v", err)
	}
	if err := s.SetRemote(""); err == nil {
		t.Fatal("empty URL accepted")
	}
}

func TestPushEmptyBranch(t *testing.T) {
	s, _ := newBare(t)
	if err := s.SetRemote(newRemote(t)); err != nil {
		t.Fatal(err)
	}
	if err := s.Push(context.Background(), nil); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Push with no commits: %v", err)
	}
}

func TestSetRemoteKeepsProjectOrigin(t *testing.T) {
	repo := t.TempDir()
	runGit(t, repo, "init", "-q", "-b", "main")
	runGit(t, repo, "remote", "add", "origin", "https://example.com/old.git")
	runGit(t, repo, "config", "remote.origin.fetch", "+refs/heads/main:refs/remotes/origin/main")
	runGit(t, repo, "config", "core.hooksPath", ".githooks")
	runGit(t, repo, "config", "branch.main.remote", "origin")
	s, err := Open(repo, DefaultBranch)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetRemote("https://example.com/new.git"); err != nil {
		t.Fatal(err)
	}
	if got := runGit(t, repo, "config", "remote.origin.url"); got != "https://example.com/new.git" {
		t.Fatalf("url = %s", got)
	}
	if got := runGit(t, repo, "config", "remote.origin.fetch"); got != "+refs/heads/main:refs/remotes/origin/main" {
		t.Fatalf("fetch refspec changed to %s", got)
	}
	if got := runGit(t, repo, "config", "core.hooksPath"); got != ".githooks" {
		t.Fatalf("core.hooksPath = %q", got)
	}
	if got := runGit(t, repo, "config", "branch.main.remote"); got != "origin" {
		t.Fatalf("branch.main.remote = %q", got)
	}
}

func TestMemory(t *testing.T) {
	ctx := context.Background()
	remote := newRemote(t)
	url := "file://" + filepath.ToSlash(remote)
	if _, err := Memory(ctx, url, DefaultBranch, nil, nil); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Memory of empty remote: %v, want ErrNotFound", err)
	}

	s, _ := newBare(t)
	a := mustCommit(t, s, Hash{}, "a", put("environments/staging/items/app/.env.pgp", "v1"))
	b := mustCommit(t, s, a, "b", put("environments/staging/items/app/.env.pgp", "v2"))
	if err := s.SetRemote(url); err != nil {
		t.Fatal(err)
	}
	if err := s.Push(ctx, nil); err != nil {
		t.Fatal(err)
	}

	m, err := Memory(ctx, url, DefaultBranch, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	tip := mustTip(t, m)
	if tip != b {
		t.Fatalf("memory tip = %s, want %s", tip, b)
	}
	tree, err := m.Tree(ctx, tip)
	if err != nil {
		t.Fatal(err)
	}
	if data, err := tree.Read("environments/staging/items/app/.env.pgp"); err != nil || string(data) != "v2" {
		t.Fatalf("Read = %q, %v", data, err)
	}
	// Depth 1: the walk stops at the shallow boundary.
	log, err := m.Log(ctx, tip, 0)
	if err != nil || len(log) != 1 || log[0].Hash != b {
		t.Fatalf("Log = %+v, %v", log, err)
	}
	// The boundary commit's parent ids are known, nothing beyond them.
	if ok, err := m.IsAncestor(ctx, a, b); err != nil || !ok {
		t.Fatalf("IsAncestor(parent of boundary) = %v, %v", ok, err)
	}
	if ok, err := m.IsAncestor(ctx, Hash{1}, b); err != nil || ok {
		t.Fatalf("IsAncestor(unknown) = %v, %v", ok, err)
	}
	if _, err := Memory(ctx, url, "nope", nil, nil); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Memory of missing branch: %v", err)
	}

	// Compare-and-set holds in memory too (go-git's memory storage does not
	// check a missing ref nor a nil old value).
	if err := m.SetTip(ctx, Hash{}, a); !errors.Is(err, ErrConflict) {
		t.Fatalf("memory SetTip(zero) on existing branch: %v", err)
	}
	c := mustCommit(t, m, b, "c", put("x", "1"))
	if _, err := m.Commit(ctx, b, []Change{put("x", "2")}, ada(), "stale"); !errors.Is(err, ErrConflict) {
		t.Fatalf("memory stale commit: %v", err)
	}
	if mustTip(t, m) != c {
		t.Fatal("memory tip moved")
	}
}

// TestIsNonFastForward holds the one place that reads go-git's untyped
// push error text, against the errors go-git really returns.
func TestIsNonFastForward(t *testing.T) {
	// go-git's own check, from a real push.
	remote := newRemote(t)
	s, _ := newBare(t)
	mustCommit(t, s, Hash{}, "a", put("x", "1"))
	if err := s.SetRemote(remote); err != nil {
		t.Fatal(err)
	}
	if err := s.Push(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	s2, _ := newBare(t)
	mustCommit(t, s2, Hash{}, "other root", put("y", "1"))
	rc := &config.RemoteConfig{Name: "origin", URLs: []string{remote}}
	raw := gogit.NewRemote(s2.st, rc).Push(&gogit.PushOptions{
		RemoteName: "origin",
		RefSpecs:   []config.RefSpec{"refs/heads/configsync:refs/heads/configsync"},
	})
	if raw == nil || !isNonFastForward(raw) {
		t.Fatalf("go-git's push error %v not recognised", raw)
	}

	for _, tc := range []struct {
		err  error
		want bool
	}{
		{fmt.Errorf("non-fast-forward update: %s", plumbing.NewBranchReferenceName("configsync")), true},
		{errors.New("command error on refs/heads/configsync: non-fast-forward"), true},
		{errors.New("command error on refs/heads/configsync: fetch first"), true},
		{errors.New("command error on refs/heads/configsync: cannot lock ref 'refs/heads/configsync': is at 1 but expected 2"), true},
		{errors.New("command error on refs/heads/configsync: failed to update ref (remote: error: cannot lock ref 'refs/heads/configsync': is at 53a4da79 but expected ff4700d4)"), true},
		{errors.New("command error on refs/heads/configsync: failed to update ref (remote: error: cannot lock ref 'refs/heads/configsync': Unable to create '/srv/x.git/refs/heads/configsync.lock': File exists.)"), false},
		{errors.New("authentication required"), false},
		{errors.New("unpack error: index-pack abnormal exit"), false},
	} {
		if got := isNonFastForward(tc.err); got != tc.want {
			t.Errorf("isNonFastForward(%q) = %v", tc.err, got)
		}
	}
}

func TestNoDeltaStorerConfig(t *testing.T) {
	s, _ := newBare(t)
	cfg, err := noDeltaStorer{s.st}.Config()
	if err != nil || cfg.Pack.Window != 0 {
		t.Fatalf("window = %d, %v", cfg.Pack.Window, err)
	}
	orig, _ := s.st.Config()
	if orig.Pack.Window == 0 {
		t.Fatal("the store's own config was changed")
	}
}

// TestPushSendsOnlyNewObjects: a push of one changed item to a remote
// holding many sends the commit, the trees on the item's path and its
// blob, nothing else: the remote unpacks exactly those as loose objects.
func TestPushSendsOnlyNewObjects(t *testing.T) {
	ctx := context.Background()
	remote := newRemote(t)
	s, _ := newBare(t)
	var changes []Change
	for i := range 300 {
		changes = append(changes, put(fmt.Sprintf("environments/e%d/items/p%d/%03d.pgp", i%3, i%10, i), fmt.Sprintf("cipher-%d", i)))
	}
	a := mustCommit(t, s, Hash{}, "seed", changes...)
	if err := s.SetRemote(remote); err != nil {
		t.Fatal(err)
	}
	if err := s.Push(ctx, nil); err != nil {
		t.Fatal(err)
	}
	loose := func() string {
		for _, line := range strings.Split(runGit(t, remote, "count-objects", "-v"), "\n") {
			if n, ok := strings.CutPrefix(line, "count: "); ok {
				return n
			}
		}
		t.Fatal("no count in git count-objects")
		return ""
	}
	if n := loose(); n != "0" {
		t.Fatalf("the seed push left %s loose objects; want one pack", n)
	}

	// One item: blob + 5 trees (p4, items, e1, environments, root) + commit.
	b := mustCommit(t, s, a, "one", put("environments/e1/items/p4/004.pgp", "changed"))
	if err := s.Push(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if n := loose(); n != "7" {
		t.Fatalf("pushing one changed item sent %s objects, want 7", n)
	}

	// Two commits at once, the second undoing part of the first, and a
	// deletion: each new object travels once.
	c := mustCommit(t, s, b, "two", put("environments/e2/items/p5/005.pgp", "x"), put("environments/e2/items/p9/new.pgp", "y"))
	mustCommit(t, s, c, "three", put("environments/e2/items/p5/005.pgp", "cipher-5"), del("environments/e0/items/p0/000.pgp"))
	if err := s.Push(ctx, nil); err != nil {
		t.Fatal(err)
	}
	// two: 2 blobs + p5, p9, items, e2, environments, root + commit = 9;
	// three: p5 (back to its seed tree, which the remote keeps, not new),
	// items, e2, p0, items, e0, environments, root + commit = 8.
	if n := loose(); n != "24" {
		t.Fatalf("after two more commits the remote has %s loose objects, want 7+9+8 = 24", n)
	}
	if got := runGit(t, remote, "rev-parse", "configsync"); got != mustTip(t, s).String() {
		t.Fatalf("remote at %s", got)
	}
	if rt, _ := s.RemoteTip(ctx); rt != mustTip(t, s) {
		t.Fatalf("tracking ref at %s after push", rt)
	}
	fsck(t, remote)
}

// TestPushRemoteRefLocked: a remote whose branch ref is locked (a lock
// file left by a git killed there; receive-pack reports only "failed to
// update ref", the reason comes on the side band) is a *RemoteLockError
// naming the file, not a race to retry.
func TestPushRemoteRefLocked(t *testing.T) {
	ctx := context.Background()
	remote := newRemote(t)
	s, _ := newBare(t)
	a := mustCommit(t, s, Hash{}, "a", put("x", "1"))
	if err := s.SetRemote(remote); err != nil {
		t.Fatal(err)
	}
	if err := s.Push(ctx, nil); err != nil {
		t.Fatal(err)
	}
	mustCommit(t, s, a, "b", put("x", "2"))
	lock := filepath.Join(remote, "refs", "heads", "configsync.lock")
	if err := os.WriteFile(lock, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	err := s.Push(ctx, nil)
	var rl *RemoteLockError
	if !errors.As(err, &rl) || errors.Is(err, ErrNonFastForward) || !strings.HasSuffix(rl.Path, "refs/heads/configsync.lock") {
		t.Fatalf("push to a remote with its branch locked: %v", err)
	}
	os.Remove(lock)
	if err := s.Push(ctx, nil); err != nil {
		t.Fatal(err)
	}
	fsck(t, remote)
}

// TestPushFallsBack: a history the tree diff does not walk (a merge, made
// with git on a --repo branch) is pushed by go-git's own push.
func TestPushFallsBack(t *testing.T) {
	ctx := context.Background()
	remote := newRemote(t)
	s, dir := newBare(t)
	a := mustCommit(t, s, Hash{}, "a", put("x", "1"))
	b := mustCommit(t, s, a, "b", put("y", "2"))
	merge := runGit(t, dir, "commit-tree", "-p", a.String(), "-p", b.String(), "-m", "merge", b.String()+"^{tree}")
	runGit(t, dir, "update-ref", "refs/heads/configsync", merge)
	if _, err := s.newObjects(ctx, Hash{}, mustTip(t, s)); !errors.Is(err, errNoShortcut) {
		t.Fatalf("newObjects over a merge: %v, want errNoShortcut", err)
	}
	if err := s.SetRemote(remote); err != nil {
		t.Fatal(err)
	}
	if err := s.Push(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if got := runGit(t, remote, "rev-parse", "configsync"); got != merge {
		t.Fatalf("remote at %s, want %s", got, merge)
	}
	fsck(t, remote)
}

// A remote-tracking ref is replaced by a rename, never rewritten in place:
// a process killed mid-write must not leave an empty ref (go-git issue
// 2399), which git fsck reports as a broken 0000000 pointer.
func TestTrackingRefReplacedByRename(t *testing.T) {
	ctx := context.Background()
	remote := newRemote(t)
	alice, aliceDir := newBare(t)
	if err := alice.SetRemote(remote); err != nil {
		t.Fatal(err)
	}
	tracking := filepath.Join(aliceDir, "refs", "remotes", "origin", "configsync")
	inode := func() uint64 {
		t.Helper()
		fi, err := os.Stat(tracking)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Sys().(*syscall.Stat_t).Ino
	}

	a := mustCommit(t, alice, Hash{}, "a", put("x", "1"))
	if err := alice.Push(ctx, nil); err != nil { // sets the tracking ref
		t.Fatal(err)
	}
	before := inode()
	// bob moves the remote on; alice's fetch must rename a new file over
	// her tracking ref.
	bob, _ := newBare(t)
	if err := bob.SetRemote(remote); err != nil {
		t.Fatal(err)
	}
	if _, err := bob.Fetch(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if err := bob.SetTip(ctx, Hash{}, a); err != nil {
		t.Fatal(err)
	}
	b := mustCommit(t, bob, a, "b", put("x", "2"))
	if err := bob.Push(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if tip, err := alice.Fetch(ctx, nil); err != nil || tip != b {
		t.Fatalf("Fetch = %s, %v; want %s", tip, err, b)
	}
	if got := runGit(t, aliceDir, "rev-parse", "refs/remotes/origin/configsync"); got != b.String() {
		t.Fatalf("tracking ref at %s, want %s", got, b)
	}
	if inode() == before {
		t.Fatal("fetch rewrote the tracking ref in place")
	}
	left, err := filepath.Glob(filepath.Join(aliceDir, "configsync-ref-*"))
	if err != nil || len(left) != 0 {
		t.Fatalf("temporary ref files left: %v, %v", left, err)
	}
	fsck(t, aliceDir)
}
