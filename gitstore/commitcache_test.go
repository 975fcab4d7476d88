package gitstore

import (
	"fmt"
	"testing"
)

// TestCommitDecodedOnce: the tip's commit, read again, is not decoded
// again; a walk through more commits than the cache holds keeps it
// bounded and every commit correct.
func TestCommitDecodedOnce(t *testing.T) {
	s, _ := newBare(t)
	var tips []Hash
	tip := Hash{}
	for i := range commitCacheSize + 3 {
		tip = mustCommit(t, s, tip, fmt.Sprintf("commit %d", i), Change{Path: "f", Data: []byte(fmt.Sprint(i))})
		tips = append(tips, tip)
	}
	a, err := s.commit(tip)
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.commit(tip)
	if err != nil {
		t.Fatal(err)
	}
	if a != b {
		t.Fatal("the same commit was decoded twice")
	}
	for i, h := range tips {
		c, err := s.commit(h)
		if err != nil || c.Message != fmt.Sprintf("commit %d\n", i) {
			t.Fatalf("commit %d: %v, %v", i, c, err)
		}
	}
	if n := len(s.commits.m); n != commitCacheSize || len(s.commits.order) != n {
		t.Fatalf("cache holds %d commits (%d in order), want %d", n, len(s.commits.order), commitCacheSize)
	}
}
