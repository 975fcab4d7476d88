package gitstore

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// LogEntry is one commit of the history.
type LogEntry struct {
	Hash    Hash
	Parents []Hash
	Author  Signature
	Message string
	// Changed lists the paths added, modified or deleted relative to the
	// first parent, sorted. For a root commit, or the boundary commit of a
	// shallow fetch whose parent is absent, it lists every file.
	Changed []string
	// Blobs[i] is the content of Changed[i] at this commit (zero: deleted),
	// so that a walk of history needs no whole tree per commit.
	Blobs []Hash
}

// Log walks first-parent history from `from`, newest first, returning at
// most n entries (n <= 0: all). A zero from gives no entries. The walk stops
// quietly at the boundary of a shallow history.
func (s *Store) Log(ctx context.Context, from Hash, n int) ([]LogEntry, error) {
	var out []LogEntry
	d := &logDiff{s: s, cur: map[plumbing.Hash]map[string]object.TreeEntry{}}
	for h := from; !h.IsZero() && (n <= 0 || len(out) < n); {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		c, err := s.commit(h)
		if err != nil {
			return nil, err
		}
		msg, err := s.message(c)
		if err != nil {
			return nil, err
		}
		e := LogEntry{
			Hash:    h,
			Author:  Signature{Name: c.Author.Name, Email: c.Author.Email, When: c.Author.When},
			Message: msg,
		}
		for _, p := range c.ParentHashes {
			e.Parents = append(e.Parents, fromPlumbing(p))
		}
		var parentTree plumbing.Hash
		h = Hash{}
		if len(c.ParentHashes) > 0 {
			pc, err := s.commit(fromPlumbing(c.ParentHashes[0]))
			switch {
			case err == nil:
				parentTree = pc.TreeHash
				h = fromPlumbing(pc.Hash)
			case !errors.Is(err, ErrNotFound): // absent: shallow boundary
				return nil, err
			}
		}
		d.prev, d.cur, d.out = d.cur, map[plumbing.Hash]map[string]object.TreeEntry{}, nil
		if err := d.diffTrees(ctx, parentTree, c.TreeHash, ""); err != nil {
			return nil, fmt.Errorf("gitstore: log %s: %w", e.Hash, err)
		}
		sort.Slice(d.out, func(i, j int) bool { return d.out[i].path < d.out[j].path })
		for _, c := range d.out {
			e.Changed = append(e.Changed, c.path)
			e.Blobs = append(e.Blobs, fromPlumbing(c.blob))
		}
		out = append(out, e)
	}
	return out, nil
}

// logDiff finds what each commit of a Log changed. The trees of a
// commit's parent are the trees of the next commit of the walk: each is
// decoded once, kept for one step (prev, cur).
type logDiff struct {
	s         *Store
	prev, cur map[plumbing.Hash]map[string]object.TreeEntry
	out       []changedFile
}

// changedFile is one path a commit changed and its blob there (zero:
// deleted).
type changedFile struct {
	path string
	blob plumbing.Hash
}

// diffTrees appends to d.out the file paths that differ between trees a
// and b (either may be zero: empty), skipping identical subtrees.
func (d *logDiff) diffTrees(ctx context.Context, a, b plumbing.Hash, prefix string) error {
	if a == b {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	ea, err := d.treeEntries(a)
	if err != nil {
		return err
	}
	eb, err := d.treeEntries(b)
	if err != nil {
		return err
	}
	for name, x := range ea {
		y, ok := eb[name]
		if !ok {
			y = object.TreeEntry{}
		}
		if err := d.diffEntry(ctx, x, y, prefix+name); err != nil {
			return err
		}
	}
	for name, y := range eb {
		if _, ok := ea[name]; !ok {
			if err := d.diffEntry(ctx, object.TreeEntry{}, y, prefix+name); err != nil {
				return err
			}
		}
	}
	return nil
}

// diffEntry compares one name on both sides; a zero entry is absent.
func (d *logDiff) diffEntry(ctx context.Context, x, y object.TreeEntry, path string) error {
	if x.Mode == y.Mode && x.Hash == y.Hash {
		return nil
	}
	xDir, yDir := x.Mode == filemode.Dir, y.Mode == filemode.Dir
	var ta, tb plumbing.Hash
	if xDir {
		ta = x.Hash
	}
	if yDir {
		tb = y.Hash
	}
	if xDir || yDir {
		if err := d.diffTrees(ctx, ta, tb, path+"/"); err != nil {
			return err
		}
	}
	if (!xDir && !x.Hash.IsZero()) || (!yDir && !y.Hash.IsZero()) {
		var blob plumbing.Hash // a file at this commit, as Tree lists files
		if y.Mode == filemode.Regular || y.Mode == filemode.Executable || y.Mode == filemode.Deprecated {
			blob = y.Hash
		}
		d.out = append(d.out, changedFile{path, blob})
	}
	return nil
}

func (d *logDiff) treeEntries(h plumbing.Hash) (map[string]object.TreeEntry, error) {
	if m, ok := d.prev[h]; ok {
		d.cur[h] = m
		return m, nil
	}
	if m, ok := d.cur[h]; ok {
		return m, nil
	}
	m := make(map[string]object.TreeEntry)
	if h.IsZero() {
		return m, nil
	}
	t, err := d.s.tree(h)
	if err != nil {
		return nil, err
	}
	for _, e := range t.Entries {
		m[e.Name] = e
	}
	d.cur[h] = m
	return m, nil
}

// IsAncestor reports whether ancestor is reachable from descendant
// (a commit is its own ancestor). The zero Hash is an ancestor of every
// commit; nothing but zero is an ancestor of zero. Commits beyond a shallow
// boundary are treated as unreachable.
func (s *Store) IsAncestor(ctx context.Context, ancestor, descendant Hash) (bool, error) {
	if ancestor.IsZero() {
		return true, nil
	}
	if descendant.IsZero() {
		return false, nil
	}
	seen := map[Hash]bool{descendant: true}
	queue := []Hash{descendant}
	for len(queue) > 0 {
		if err := ctx.Err(); err != nil {
			return false, err
		}
		h := queue[0]
		queue = queue[1:]
		if h == ancestor {
			return true, nil
		}
		c, err := s.commit(h)
		if errors.Is(err, ErrNotFound) && h != descendant {
			continue // shallow boundary
		}
		if err != nil {
			return false, err
		}
		for _, p := range c.ParentHashes {
			if ph := fromPlumbing(p); !seen[ph] {
				seen[ph] = true
				queue = append(queue, ph)
			}
		}
	}
	return false, nil
}

// Since walks first-parent history from `from` back to stop (excluded;
// zero for the whole history), newest first, without computing what each
// commit changed. found is false when stop is not on that path (history was rewritten, or stop
// lies beyond a shallow boundary); entries are then nil.
func (s *Store) Since(ctx context.Context, from, stop Hash) (entries []LogEntry, found bool, err error) {
	for h := from; !h.IsZero(); {
		if h == stop {
			return entries, true, nil
		}
		if err := ctx.Err(); err != nil {
			return nil, false, err
		}
		c, err := s.commit(h)
		if errors.Is(err, ErrNotFound) && h != from {
			return nil, false, nil // shallow boundary
		}
		if err != nil {
			return nil, false, err
		}
		msg, err := s.message(c)
		if err != nil {
			return nil, false, err
		}
		e := LogEntry{Hash: h, Author: Signature{Name: c.Author.Name, Email: c.Author.Email, When: c.Author.When}, Message: msg}
		for _, p := range c.ParentHashes {
			e.Parents = append(e.Parents, fromPlumbing(p))
		}
		entries = append(entries, e)
		h = Hash{}
		if len(c.ParentHashes) > 0 {
			h = fromPlumbing(c.ParentHashes[0])
		}
	}
	if stop.IsZero() {
		return entries, true, nil // the whole history
	}
	return nil, false, nil
}
