package gitstore

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestOwnPackIndexIsGits: a commit of many objects writes its pack and
// index itself (not through go-git's PackfileWriter): both read-only as
// before, the index byte for byte the one git index-pack makes of that
// pack, no temp file left, and git and a fresh Store read the store.
func TestOwnPackIndexIsGits(t *testing.T) {
	s, dir := newBare(t)
	changes := make([]Change, 3*packThreshold)
	for i := range changes {
		changes[i] = Change{Path: itemPath(i), Data: randomBytes(t, 100+i)}
	}
	tip := mustCommit(t, s, Hash{}, "many", changes...)
	packs, err := filepath.Glob(filepath.Join(dir, "objects", "pack", "pack-*.pack"))
	if err != nil || len(packs) != 1 {
		t.Fatalf("packs %v, %v", packs, err)
	}
	left, _ := filepath.Glob(filepath.Join(dir, "objects", "pack", "tmp_*"))
	if len(left) != 0 {
		t.Fatalf("temp files left: %v", left)
	}
	for _, f := range []string{packs[0], strings.TrimSuffix(packs[0], ".pack") + ".idx"} {
		if fi, err := os.Stat(f); err != nil || fi.Mode().Perm() != 0o444 {
			t.Fatalf("%s: mode %v, %v; want 0444 as git leaves it", filepath.Base(f), fi.Mode(), err)
		}
	}
	ours, err := os.ReadFile(strings.TrimSuffix(packs[0], ".pack") + ".idx")
	if err != nil {
		t.Fatal(err)
	}
	theirs := filepath.Join(t.TempDir(), "git.idx")
	runGit(t, dir, "index-pack", "-o", theirs, packs[0])
	want, err := os.ReadFile(theirs)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(ours, want) {
		t.Fatalf("our index (%d bytes) differs from git index-pack's (%d bytes)", len(ours), len(want))
	}
	runGit(t, dir, "fsck", "--strict")
	if got := runGit(t, dir, "rev-parse", DefaultBranch); got != tip.String() {
		t.Fatalf("git sees the branch at %s, want %s", got, tip)
	}
	// And this store reads it back, through a fresh open.
	_, tree := reopenTree(t, dir, tip)
	for _, i := range []int{0, len(changes) - 1} {
		if got, err := tree.Read(changes[i].Path); err != nil || !bytes.Equal(got, changes[i].Data) {
			t.Fatalf("%s reads back wrong: %v", changes[i].Path, err)
		}
	}
}
