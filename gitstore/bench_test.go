package gitstore

import (
	"context"
	"crypto/rand"
	"fmt"
	"testing"
)

func randomBytes(b testing.TB, n int) []byte {
	buf := make([]byte, n)
	if _, err := rand.Read(buf); err != nil {
		b.Fatal(err)
	}
	return buf
}

// itemPath spreads n items over nested directories like a real store.
func itemPath(i int) string {
	return fmt.Sprintf("environments/e%d/items/p%d/%04d.pgp", i%4, (i/4)%25, i)
}

func bigStore(b *testing.B, n int) (*Store, string, Hash) {
	s, dir := newBare(b)
	changes := make([]Change, n)
	for i := range changes {
		changes[i] = Change{Path: itemPath(i), Data: randomBytes(b, 2048)}
	}
	return s, dir, mustCommit(b, s, Hash{}, "seed", changes...)
}

// BenchmarkCommit1000 commits 1000 new 2 KB random blobs in one commit.
func BenchmarkCommit1000(b *testing.B) {
	ctx := context.Background()
	s, _ := newBare(b)
	tip := Hash{}
	for n := 0; b.Loop(); n++ {
		b.StopTimer()
		changes := make([]Change, 1000)
		for i := range changes {
			changes[i] = Change{Path: fmt.Sprintf("r%d/%s", n, itemPath(i)), Data: randomBytes(b, 2048)}
		}
		b.StartTimer()
		h, err := s.Commit(ctx, tip, changes, ada(), "bench")
		if err != nil {
			b.Fatal(err)
		}
		tip = h
	}
}

// BenchmarkCommitOneOf10000 changes one path in a tree of 10,000 items.
func BenchmarkCommitOneOf10000(b *testing.B) {
	ctx := context.Background()
	s, _, tip := bigStore(b, 10000)
	data := randomBytes(b, 2048)
	for n := 0; b.Loop(); n++ {
		data[0], data[1] = byte(n), byte(n>>8)
		h, err := s.Commit(ctx, tip, []Change{{Path: itemPath(n % 10000), Data: data}}, ada(), "bench")
		if err != nil {
			b.Fatal(err)
		}
		tip = h
	}
}

// BenchmarkTreeRead1000 reads the tree and all 1000 blobs of a commit,
// from a freshly opened Store each time (cold object cache, as in a CLI run).
func BenchmarkTreeRead1000(b *testing.B) {
	ctx := context.Background()
	_, dir, tip := bigStore(b, 1000)
	for b.Loop() {
		s, err := Open(dir, DefaultBranch)
		if err != nil {
			b.Fatal(err)
		}
		tree, err := s.Tree(ctx, tip)
		if err != nil {
			b.Fatal(err)
		}
		files := tree.Files("")
		if len(files) != 1000 {
			b.Fatalf("%d files", len(files))
		}
		for _, f := range files {
			if _, err := tree.Read(f.Path); err != nil {
				b.Fatal(err)
			}
		}
		s.Close()
	}
}

// BenchmarkPushOneOf10000 pushes one new commit changing one item to a bare
// remote that already has 10,000 items.
func BenchmarkPushOneOf10000(b *testing.B) {
	ctx := context.Background()
	s, _, tip := bigStore(b, 10000)
	remote := b.TempDir() + "/remote.git"
	runGit(b, b.TempDir(), "init", "-q", "--bare", remote)
	if err := s.SetRemote(remote); err != nil {
		b.Fatal(err)
	}
	if err := s.Push(ctx, nil); err != nil {
		b.Fatal(err)
	}
	data := randomBytes(b, 2048)
	for n := 0; b.Loop(); n++ {
		b.StopTimer()
		data[0], data[1] = byte(n), byte(n>>8)
		h, err := s.Commit(ctx, tip, []Change{{Path: itemPath(n % 10000), Data: data}}, ada(), "bench")
		if err != nil {
			b.Fatal(err)
		}
		tip = h
		b.StartTimer()
		if err := s.Push(ctx, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTreeReadLoose reads the tree and blobs of a small store whose
// objects are loose (commits of fewer than packThreshold objects, as
// inject reads after a few pushes), from a freshly opened Store each time.
func BenchmarkTreeReadLoose(b *testing.B) {
	ctx := context.Background()
	s, dir := newBare(b)
	var tip Hash
	for i := range 10 {
		tip = mustCommit(b, s, tip, "one", Change{Path: itemPath(i), Data: randomBytes(b, 2048)})
	}
	for b.Loop() {
		s, err := Open(dir, DefaultBranch)
		if err != nil {
			b.Fatal(err)
		}
		tree, err := s.Tree(ctx, tip)
		if err != nil {
			b.Fatal(err)
		}
		for _, f := range tree.Files("") {
			if _, err := tree.Read(f.Path); err != nil {
				b.Fatal(err)
			}
		}
		s.Close()
	}
}
