package gitstore

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing/object"
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

// TestCommitCacheDropsLargeMessage: the cache keeps no large message
// (a push of 10,000 items writes 4 MB of one), yet Log and Since still
// give it whole.
func TestCommitCacheDropsLargeMessage(t *testing.T) {
	s, _ := newBare(t)
	large := strings.Repeat("p00/.env.0: SERVICE_00_SECRET changed\n", 2*maxCachedMessage/38)
	first := mustCommit(t, s, Hash{}, "small", Change{Path: "f", Data: []byte("1")})
	tip := mustCommit(t, s, first, large, Change{Path: "f", Data: []byte("2")})
	for range 2 {
		if c, err := s.commit(tip); err != nil || c.TreeHash.IsZero() || len(c.ParentHashes) != 1 {
			t.Fatalf("commit: %+v, %v", c, err)
		}
	}
	if c := s.commits.m[tip]; c == nil || c.Message != "" || !c.dropped {
		t.Fatalf("the cache keeps a message of %d bytes", len(c.Message))
	}
	if c := s.commits.m[first]; c == nil || c.Message != "small\n" {
		t.Fatal("the cache dropped a small message")
	}
	log, err := s.Log(context.Background(), tip, 0)
	if err != nil || len(log) != 2 || log[0].Message != large || log[1].Message != "small\n" {
		t.Fatalf("Log: %d entries, %v", len(log), err)
	}
	since, found, err := s.Since(context.Background(), tip, first)
	if err != nil || !found || len(since) != 1 || since[0].Message != large {
		t.Fatalf("Since: %d entries, %v, %v", len(since), found, err)
	}
}

// TestCommitCachesItsOwn: the commit just written is in the cache, with
// what decoding it gives: reading it next (its tree, the walk that
// accepts it) decodes nothing.
func TestCommitCachesItsOwn(t *testing.T) {
	s, _ := newBare(t)
	first := mustCommit(t, s, Hash{}, "first", put("f", "1"))
	tip := mustCommit(t, s, first, "second\n\nbody", put("f", "2"))
	c, ok := s.commits.get(tip)
	if !ok {
		t.Fatal("the commit just written is not cached")
	}
	oc, err := object.GetCommit(s.st, toPlumbing(tip))
	if err != nil {
		t.Fatal(err)
	}
	if want := infoOf(oc); !reflect.DeepEqual(c, want) {
		t.Fatalf("cached %+v, decoded %+v", c, want)
	}
}
