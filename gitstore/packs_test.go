package gitstore

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
)

func packCount(tb testing.TB, dir string) int {
	tb.Helper()
	names, err := filepath.Glob(filepath.Join(dir, "objects", "pack", "pack-*.pack"))
	if err != nil {
		tb.Fatal(err)
	}
	return len(names)
}

// fetchEach makes n commits on the remote through writer and fetches each
// into reader on its own, as a machine that pulls after every commit
// does: one pack per fetch.
func fetchEach(tb testing.TB, writer, reader *Store, n int) Hash {
	tb.Helper()
	ctx := context.Background()
	tip := mustTip(tb, writer)
	for i := range n {
		tip = mustCommit(tb, writer, tip, fmt.Sprint("c", i), put(fmt.Sprintf("environments/dev/items/app/.env.%d.pgp", i%3), fmt.Sprint("cipher-", i)))
		if err := writer.Push(ctx, nil); err != nil {
			tb.Fatal(err)
		}
		got, err := reader.Fetch(ctx, nil)
		if err != nil || got != tip {
			tb.Fatalf("fetch %d = %s, %v; want %s", i, got, err, tip)
		}
	}
	return tip
}

func TestCompactPacks(t *testing.T) {
	ctx := context.Background()
	remote := newRemote(t)
	writer, _ := newBare(t)
	reader, readerDir := newBare(t)
	for _, s := range []*Store{writer, reader} {
		if err := s.SetRemote(remote); err != nil {
			t.Fatal(err)
		}
	}
	const fetches = maxOpenPacks + 4
	tip := fetchEach(t, writer, reader, fetches)
	if n := packCount(t, readerDir); n != fetches {
		t.Fatalf("%d packs after %d fetches, want %[2]d", n, fetches)
	}
	if err := reader.SetTip(ctx, Hash{}, tip); err != nil {
		t.Fatal(err)
	}
	// A reader that loaded the pack list before the roll-up.
	early, err := Open(readerDir, DefaultBranch)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := early.Log(ctx, tip, 1); err != nil {
		t.Fatal(err)
	}

	if err := reader.CompactPacks(ctx); err != nil {
		t.Fatal(err)
	}
	// Fetches alike in size roll up into one pack, and nothing else is
	// left behind.
	if n := packCount(t, readerDir); n != 1 {
		t.Fatalf("%d packs after CompactPacks, want 1", n)
	}
	files, err := os.ReadDir(filepath.Join(readerDir, "objects", "pack"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if ext := filepath.Ext(f.Name()); !strings.HasPrefix(f.Name(), "pack-") || (ext != ".pack" && ext != ".idx") {
			t.Errorf("left in objects/pack: %s", f.Name())
		}
	}
	fsck(t, readerDir)
	for name, s := range map[string]*Store{"compacting store": reader, "store opened before": early} {
		entries, err := s.Log(ctx, tip, 0)
		if err != nil || len(entries) != fetches {
			t.Fatalf("%s: log after CompactPacks: %d entries, %v; want %d", name, len(entries), err, fetches)
		}
	}
	// Few packs: nothing to do.
	before := packCount(t, readerDir)
	if err := reader.CompactPacks(ctx); err != nil || packCount(t, readerDir) != before {
		t.Fatalf("second CompactPacks: %v, %d packs, want %d", err, packCount(t, readerDir), before)
	}
	// Memory stores have no packs to roll up.
	mem, err := Memory(ctx, remote, DefaultBranch, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := mem.CompactPacks(ctx); err != nil {
		t.Fatal(err)
	}
}

// powers are 1, base, base², … (n of them): each more than twice all
// smaller ones together when base is 3.
func powers(base int64, n int) []int64 {
	out := []int64{1}
	for len(out) < n {
		out = append(out, out[len(out)-1]*base)
	}
	return out
}

func TestRollUp(t *testing.T) {
	many := func(n int, count int64) []int64 {
		out := make([]int64, n)
		for i := range out {
			out[i] = count
		}
		return out
	}
	tests := []struct {
		name   string
		counts []int64
		want   int // packs rolled up, the smallest
	}{
		{"a big clone and small fetches: only the small ones", append(many(17, 7), 90000), 17},
		{"geometric already: the fewest that leave maxOpenPacks", powers(3, 17), 2},
		{"geometric and few: the two smallest", powers(3, 5), 2},
		{"a mid pack too small beside the fetches joins them", append(append(many(16, 7), 119), 90000), 17},
		{"a mid pack twice the fetches stays", append(append(many(16, 7), 231), 90000), 16},
		{"all alike: all", many(20, 9), 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			packs := make([]packInfo, len(tt.counts))
			for i, c := range tt.counts {
				// hashes in reverse, so that the order given is not the sorted one
				packs[i] = packInfo{hash: plumbing.NewHash(strings.Repeat(fmt.Sprintf("%02x", 99-i), 20)), count: c}
			}
			if got := rollUp(packs); got != tt.want {
				t.Fatalf("rollUp = %d, want %d", got, tt.want)
			}
		})
	}
}
