package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPullRollsUpPacks: a machine that pulls after every commit does not
// pile up one packfile per fetch (each one slows every later read): past
// 16, pull rolls them up, and the store stays whole.
func TestPullRollsUpPacks(t *testing.T) {
	if testing.Short() {
		t.Skip("20 pushes and pulls")
	}
	root := t.TempDir()
	remote := filepath.Join(root, "secrets.git")
	gitOut(t, "init", "-q", "--bare", remote)
	alice, bob := team(t, root, remote)
	alice.write("git/app/.env", "A=0\n")
	alice.must("add", "env", filepath.Join(alice.home, "git/app"))
	alice.must("push")
	if err := os.MkdirAll(filepath.Join(bob.home, "git/app"), 0o700); err != nil {
		t.Fatal(err)
	}
	bob.must("pull")
	packs := func() []string {
		names, err := filepath.Glob(filepath.Join(bob.cshome, "store.git", "objects", "pack", "pack-*.pack"))
		if err != nil {
			t.Fatal(err)
		}
		return names
	}
	const pulls = 20
	for i := 1; i <= pulls; i++ {
		alice.write("git/app/.env", fmt.Sprintf("A=%d\n", i))
		alice.must("push")
		bob.must("pull")
	}
	if n := len(packs()); n > 16 {
		t.Fatalf("%d packs after %d pulls of one commit each, want at most 16", n, pulls)
	}
	if got, err := os.ReadFile(filepath.Join(bob.home, "git/app/.env")); err != nil || string(got) != fmt.Sprintf("A=%d\n", pulls) {
		t.Fatalf("bob's .env = %q, %v", got, err)
	}
	fsckStrict(t, filepath.Join(bob.cshome, "store.git"))
	if out := bob.must("verify", "--full"); !strings.HasPrefix(out, "Verified ") {
		t.Fatalf("verify --full: %q", out)
	}
}
