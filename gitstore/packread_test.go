package gitstore

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
)

// TestPackReader: every object of a repository that git itself packed
// with deltas (offset and ref deltas, a chain of versions of one file)
// reads through packReader exactly as git cat-file shows it, and an
// object in no pack is not found there.
func TestPackReader(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "work")
	runGit(t, "", "init", "-q", dir)
	body := strings.Repeat("line of a file that changes a little each time\n", 200)
	for i := range 30 {
		body += fmt.Sprintf("change %d\n", i)
		if err := os.WriteFile(filepath.Join(dir, "f.txt"), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("small%d", i%3)), []byte(fmt.Sprint(i)), 0o600); err != nil {
			t.Fatal(err)
		}
		runGit(t, dir, "add", "-A")
		runGit(t, dir, "commit", "-qm", fmt.Sprintf("c%d", i))
	}
	runGit(t, dir, "gc", "-q", "--aggressive")
	if n := runGit(t, dir, "count-objects", "-v"); !strings.Contains(n, "count: 0") {
		t.Fatalf("objects left loose after gc:\n%s", n)
	}
	s, err := Open(dir, DefaultBranch)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	r := s.st.(*renameRefs).packs
	deltas := 0
	for _, line := range strings.Split(runGit(t, dir, "cat-file", "--batch-all-objects", "--batch-check=%(objectname) %(objecttype) %(deltabase)"), "\n") {
		f := strings.Fields(line)
		h := plumbing.NewHash(f[0])
		if f[2] != strings.Repeat("0", 40) {
			deltas++
		}
		obj, ok, err := r.get(h)
		if err != nil || !ok {
			t.Fatalf("%s: not read from the pack (%v, %v)", f[0], ok, err)
		}
		if obj.Type().String() != f[1] {
			t.Fatalf("%s: type %s, git says %s", f[0], obj.Type(), f[1])
		}
		rd, err := obj.Reader()
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(rd)
		if err != nil {
			t.Fatal(err)
		}
		want, err := gitErr(dir, "cat-file", f[1], f[0])
		if err != nil {
			t.Fatal(err)
		}
		if strings.TrimSpace(string(got)) != want {
			t.Fatalf("%s (%s): content differs from git cat-file", f[0], f[1])
		}
		if obj.Hash() != h {
			t.Fatalf("%s: read back as %s", f[0], obj.Hash())
		}
	}
	if deltas == 0 {
		t.Fatal("git packed no deltas: the test reads nothing it claims to")
	}
	if _, ok, err := r.get(plumbing.NewHash(strings.Repeat("ab", 20))); ok || err != nil {
		t.Fatalf("a missing object: %v, %v", ok, err)
	}
	// Through the storer: a typed read of the wrong type is not found.
	head := plumbing.NewHash(runGit(t, dir, "rev-parse", "HEAD"))
	if _, err := s.st.EncodedObject(plumbing.BlobObject, head); err != plumbing.ErrObjectNotFound {
		t.Fatalf("a commit read as a blob: %v", err)
	}
}

// TestPackReaderKeepsNoWholeBlobs: whole blobs read from a pack (item
// ciphertext, read once) stay out of both caches; trees stay in.
func TestPackReaderKeepsNoWholeBlobs(t *testing.T) {
	s, dir := newBare(t)
	changes := make([]Change, 2*packThreshold)
	for i := range changes {
		changes[i] = Change{Path: itemPath(i), Data: []byte(fmt.Sprintf("ciphertext %d", i))}
	}
	tip := mustCommit(t, s, Hash{}, "items", changes...)
	s, tree := reopenTree(t, dir, tip)
	for _, c := range changes {
		if got, err := tree.Read(c.Path); err != nil || string(got) != string(c.Data) {
			t.Fatalf("%s: %q, %v", c.Path, got, err)
		}
	}
	r := s.st.(*renameRefs).packs
	trees := 0
	for _, o := range r.cache.m {
		if o.typ == plumbing.BlobObject {
			t.Fatal("a whole blob is in the cache by hash")
		}
		trees++
	}
	for _, p := range r.packs {
		for _, o := range p.bases.m {
			if o.typ == plumbing.BlobObject {
				t.Fatal("a whole blob is in the cache by offset")
			}
		}
	}
	if trees == 0 {
		t.Fatal("no tree was cached: the test reads nothing through the packs")
	}
}
