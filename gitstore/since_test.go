package gitstore

import (
	"context"
	"testing"
)

// TestSince: the commits after stop up to from, newest first; the whole
// history for a zero stop; not found when stop is not on the path.
func TestSince(t *testing.T) {
	ctx := context.Background()
	s, _ := newBare(t)
	c1 := mustCommit(t, s, Hash{}, "one", put("a", "1"))
	c2 := mustCommit(t, s, c1, "two", put("a", "2"))
	c3 := mustCommit(t, s, c2, "three", put("a", "3"))

	hashes := func(es []LogEntry) []Hash {
		var out []Hash
		for _, e := range es {
			out = append(out, e.Hash)
		}
		return out
	}
	for _, c := range []struct {
		name       string
		from, stop Hash
		want       []Hash
		found      bool
	}{
		{"after the first", c3, c1, []Hash{c3, c2}, true},
		{"nothing new", c3, c3, nil, true},
		{"the whole history", c3, Hash{}, []Hash{c3, c2, c1}, true},
		{"stop ahead of from", c1, c3, nil, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			es, found, err := s.Since(ctx, c.from, c.stop)
			if err != nil || found != c.found || len(es) != len(c.want) {
				t.Fatalf("Since = %v, %v, %v; want %v, %v", hashes(es), found, err, c.want, c.found)
			}
			for i, h := range hashes(es) {
				if h != c.want[i] {
					t.Fatalf("entry %d = %s, want %s", i, h, c.want[i])
				}
			}
			if len(es) > 0 && (es[0].Author.Name != "Ada Lovelace" || es[0].Changed != nil) {
				t.Fatalf("entry = %+v: want the author and no changed paths", es[0])
			}
		})
	}
}
