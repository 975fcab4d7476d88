package gitstore

import (
	"context"
	"crypto/rand"
	"runtime"
	"testing"
)

// TestCommitDoesNotCopyBlobs: a commit that writes a pack holds its
// blobs' bytes as the caller gave them, not a second copy of each (push
// of 10,000 items held every ciphertext twice). Loose objects are
// checked for content only: go-git's zlib writer allocates per object.
func TestCommitDoesNotCopyBlobs(t *testing.T) {
	for _, tc := range []struct {
		name     string
		blobs    int
		maxAlloc float64 // of the blobs' total size
	}{
		{"loose", packThreshold / 2, 0},
		{"pack", 4 * packThreshold, 0.5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, dir := newBare(t)
			const size = 64 << 10
			changes := make([]Change, tc.blobs)
			for i := range changes {
				data := make([]byte, size)
				rand.Read(data)
				changes[i] = Change{Path: itemPath(i), Data: data}
			}
			total := uint64(tc.blobs * size)
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			h, err := s.Commit(context.Background(), Hash{}, changes, ada(), "no copies")
			runtime.ReadMemStats(&after)
			if err != nil {
				t.Fatal(err)
			}
			if got := after.TotalAlloc - before.TotalAlloc; tc.maxAlloc > 0 && float64(got) > tc.maxAlloc*float64(total) {
				t.Errorf("Commit of %d bytes of blobs allocated %d bytes: it copies them", total, got)
			}
			// What was written is what was given.
			runGit(t, dir, "fsck", "--strict")
			tree, err := s.Tree(context.Background(), h)
			if err != nil {
				t.Fatal(err)
			}
			for _, i := range []int{0, tc.blobs - 1} {
				got, err := tree.Read(itemPath(i))
				if err != nil || string(got) != string(changes[i].Data) {
					t.Fatalf("blob %d reads back wrong (err %v)", i, err)
				}
			}
		})
	}
}
