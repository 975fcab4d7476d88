package gitstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
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
	return s.LogUnder(ctx, from, n, nil)
}

// LogUnder is Log with Changed (and Blobs) limited to the paths under
// one of dirs or equal to one of them; nil dirs: every path. Trees
// outside them are not read: a walk that needs only some directories
// does not pay for a large one changed at every commit.
func (s *Store) LogUnder(ctx context.Context, from Hash, n int, dirs []string) ([]LogEntry, error) {
	var out []LogEntry
	d := &logDiff{s: s, cur: map[plumbing.Hash][]treeEntry{}, dirs: dirs}
	for h := from; !h.IsZero() && (n <= 0 || len(out) < n); {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		c, err := s.commit(h)
		if err != nil {
			return nil, err
		}
		msg, err := c.message(s.st)
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
		d.prev, d.cur, d.out = d.cur, map[plumbing.Hash][]treeEntry{}, nil
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
	prev, cur map[plumbing.Hash][]treeEntry
	out       []changedFile
	dirs      []string // nil: every path
}

// wanted reports whether path (a directory when dir) is, or may hold, a
// path under one of d.dirs.
func (d *logDiff) wanted(path string, dir bool) bool {
	if d.dirs == nil {
		return true
	}
	for _, w := range d.dirs {
		if path == w || strings.HasPrefix(path, w+"/") || dir && strings.HasPrefix(w, path+"/") {
			return true
		}
	}
	return false
}

// changedFile is one path a commit changed and its blob there (zero:
// deleted).
type changedFile struct {
	path string
	blob plumbing.Hash
}

// treeEntry is one entry of a tree, its name a slice of the tree's text:
// a directory of n files changed at each of n commits is n² entries, and
// a string and a map slot for each was most of a walk's cost.
type treeEntry struct {
	name []byte
	mode filemode.FileMode
	hash plumbing.Hash
}

// diffTrees appends to d.out the file paths that differ between trees a
// and b (either may be zero: empty), skipping identical subtrees. Both
// entry lists are sorted by name, each name once, so one merge pass
// pairs them.
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
	for len(ea) > 0 || len(eb) > 0 {
		var x, y treeEntry
		switch {
		case len(eb) == 0 || len(ea) > 0 && bytes.Compare(ea[0].name, eb[0].name) < 0:
			x, ea = ea[0], ea[1:]
		case len(ea) == 0 || bytes.Compare(ea[0].name, eb[0].name) > 0:
			y, eb = eb[0], eb[1:]
		default:
			x, y, ea, eb = ea[0], eb[0], ea[1:], eb[1:]
		}
		if x.mode == y.mode && x.hash == y.hash {
			continue
		}
		name := x.name
		if name == nil {
			name = y.name
		}
		if err := d.diffEntry(ctx, x, y, prefix+string(name)); err != nil {
			return err
		}
	}
	return nil
}

// diffEntry compares one name on both sides; a zero entry is absent.
func (d *logDiff) diffEntry(ctx context.Context, x, y treeEntry, path string) error {
	xDir, yDir := x.mode == filemode.Dir, y.mode == filemode.Dir
	if !d.wanted(path, true) {
		return nil // nothing wanted at or under path
	}
	if !d.wanted(path, false) { // a directory on the way to one wanted
		if !xDir {
			x = treeEntry{}
		}
		if !yDir {
			y = treeEntry{}
		}
	}
	var ta, tb plumbing.Hash
	if xDir {
		ta = x.hash
	}
	if yDir {
		tb = y.hash
	}
	if xDir || yDir {
		if err := d.diffTrees(ctx, ta, tb, path+"/"); err != nil {
			return err
		}
	}
	if (!xDir && !x.hash.IsZero()) || (!yDir && !y.hash.IsZero()) {
		var blob plumbing.Hash // a file at this commit, as Tree lists files
		if y.mode == filemode.Regular || y.mode == filemode.Executable || y.mode == filemode.Deprecated {
			blob = y.hash
		}
		d.out = append(d.out, changedFile{path, blob})
	}
	return nil
}

// treeEntries is tree h's entries sorted by name, each name once (the
// last of a repeated name, as a map of them kept).
func (d *logDiff) treeEntries(h plumbing.Hash) ([]treeEntry, error) {
	if m, ok := d.prev[h]; ok {
		d.cur[h] = m
		return m, nil
	}
	if m, ok := d.cur[h]; ok {
		return m, nil
	}
	if h.IsZero() {
		return nil, nil
	}
	entries, err := d.readTree(h)
	if err != nil {
		return nil, err
	}
	d.cur[h] = entries
	return entries, nil
}

// readTree reads tree h's entries, from its text when the tree is written
// as git writes trees, else as go-git decodes it, sorted.
func (d *logDiff) readTree(h plumbing.Hash) ([]treeEntry, error) {
	obj, err := d.s.st.EncodedObject(plumbing.TreeObject, h)
	if err != nil {
		return nil, notFound("tree", fromPlumbing(h), err)
	}
	if m, ok := obj.(*memObject); ok {
		if entries, ok := parseTree(m.data); ok {
			return entries, nil
		}
	}
	t, err := d.s.tree(h)
	if err != nil {
		return nil, err
	}
	entries := make([]treeEntry, len(t.Entries))
	for i, e := range t.Entries {
		entries[i] = treeEntry{name: []byte(e.Name), mode: e.Mode, hash: e.Hash}
	}
	slices.SortStableFunc(entries, func(a, b treeEntry) int { return bytes.Compare(a.name, b.name) })
	// A repeated name: the last one stands.
	out := entries[:0]
	for i, e := range entries {
		if i+1 < len(entries) && bytes.Equal(e.name, entries[i+1].name) {
			continue
		}
		out = append(out, e)
	}
	return out, nil
}

// parseTree reads a tree's text ("<mode> <name>\x00<20-byte hash>" per
// entry), names slices of data, which must stay unchanged. ok is false
// unless every mode is one git writes and the names are strictly
// increasing bytewise (git's order, which puts a directory as if its name
// ended in "/", differs only when a name is a prefix of another).
func parseTree(data []byte) ([]treeEntry, bool) {
	entries := make([]treeEntry, 0, bytes.Count(data, []byte{0}))
	for len(data) > 0 {
		sp := bytes.IndexByte(data, ' ')
		if sp < 0 {
			return nil, false
		}
		mode, ok := gitModes[string(data[:sp])]
		data = data[sp+1:]
		nul := bytes.IndexByte(data, 0)
		if !ok || nul <= 0 || len(data) < nul+1+len(plumbing.Hash{}) {
			return nil, false
		}
		e := treeEntry{name: data[:nul:nul], mode: mode}
		copy(e.hash[:], data[nul+1:])
		data = data[nul+1+len(e.hash):]
		if n := len(entries); n > 0 && bytes.Compare(entries[n-1].name, e.name) >= 0 {
			return nil, false
		}
		entries = append(entries, e)
	}
	return entries, true
}

// gitModes are the modes git writes in trees, and what go-git reads them
// as.
var gitModes = map[string]filemode.FileMode{
	"40000":  filemode.Dir,
	"100644": filemode.Regular,
	"100755": filemode.Executable,
	"120000": filemode.Symlink,
	"160000": filemode.Submodule,
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
		msg, err := c.message(s.st)
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
