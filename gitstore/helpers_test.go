package gitstore

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestMain makes every git process (the CLI run by tests and the
// git-upload-pack / git-receive-pack run by go-git's file transport)
// hermetic: no system or user config.
func TestMain(m *testing.M) {
	home, err := os.MkdirTemp("", "gitstore-home")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Setenv("HOME", home)
	os.Setenv("XDG_CONFIG_HOME", filepath.Join(home, ".config"))
	os.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	code := m.Run()
	os.RemoveAll(home)
	os.Exit(code)
}

var when = time.Date(2025, 3, 1, 12, 0, 0, 0, time.FixedZone("", 3600))

func ada() Signature { return Signature{Name: "Ada Lovelace", Email: "ada@example.com", When: when} }

// git runs the git CLI in dir and returns its trimmed stdout.
func runGit(tb testing.TB, dir string, args ...string) string {
	tb.Helper()
	out, err := gitErr(dir, args...)
	if err != nil {
		tb.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

func gitErr(dir string, args ...string) (string, error) {
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"GIT_AUTHOR_NAME=Test", "GIT_AUTHOR_EMAIL=test@example.com",
		"GIT_COMMITTER_NAME=Test", "GIT_COMMITTER_EMAIL=test@example.com",
		"GIT_AUTHOR_DATE=2025-01-01T00:00:00Z", "GIT_COMMITTER_DATE=2025-01-01T00:00:00Z",
	)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return string(out) + stderr.String(), err
	}
	return strings.TrimSpace(string(out)), nil
}

func newBare(tb testing.TB) (*Store, string) {
	tb.Helper()
	dir := filepath.Join(tb.TempDir(), "store.git")
	s, err := InitBare(dir, DefaultBranch)
	if err != nil {
		tb.Fatal(err)
	}
	return s, dir
}

func mustCommit(tb testing.TB, s *Store, parent Hash, msg string, changes ...Change) Hash {
	tb.Helper()
	h, err := s.Commit(context.Background(), parent, changes, ada(), msg)
	if err != nil {
		tb.Fatalf("commit %q: %v", msg, err)
	}
	return h
}

func put(path, data string) Change { return Change{Path: path, Data: []byte(data)} }
func del(path string) Change       { return Change{Path: path, Delete: true} }

func mustTip(tb testing.TB, s *Store) Hash {
	tb.Helper()
	h, err := s.Tip(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	return h
}

func paths(files []File) []string {
	var out []string
	for _, f := range files {
		out = append(out, f.Path)
	}
	return out
}

func fsck(tb testing.TB, dir string) {
	tb.Helper()
	runGit(tb, dir, "fsck", "--strict", "--no-dangling")
}

// reopenTree opens the store at dir afresh, so that nothing read before
// is cached, and reads the tree of tip. The store closes with the test.
func reopenTree(t *testing.T, dir string, tip Hash) (*Store, *Tree) {
	t.Helper()
	s, err := Open(dir, DefaultBranch)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	tree, err := s.Tree(context.Background(), tip)
	if err != nil {
		t.Fatal(err)
	}
	return s, tree
}
