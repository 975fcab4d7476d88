package gitstore

import (
	"bufio"
	"compress/zlib"
	"context"
	"crypto/sha1"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/storer"
)

// packThreshold is the number of new objects from which a commit writes
// one packfile instead of loose objects (git's own transfer.unpackLimit).
const packThreshold = 100

// largeObject is the size from which one object alone makes a commit
// write a packfile: a loose object is deflated at zlib's default level
// (go-git offers no other), which costs ~0.3 s for 10 MB of ciphertext
// that does not compress; the packfile stores blobs as they are.
const largeObject = 1 << 20

// Change is one path to write or delete.
type Change struct {
	// Path is slash-separated, relative to the tree root.
	Path string
	// Data is the new content (opaque bytes) when Delete is false.
	Data []byte
	// Delete removes the path; a path that names a directory removes the
	// whole subtree. Deleting a missing path is not an error.
	Delete bool
}

// Signature is a commit's author (also used as its committer).
type Signature struct {
	Name, Email string
	// When is required: the package never reads the clock.
	When time.Time
}

// Commit builds a tree from parent's tree plus changes (applied in order),
// writes the new objects (as one packfile, without delta search, when there
// are many), creates a commit (a root commit if parent is zero) and moves the
// branch from parent to it with compare-and-set.
//
// It returns ErrConflict if the branch is not at parent, including when
// the branch exists and parent is zero. If the changes leave the tree
// identical, nothing is written and parent is returned.
func (s *Store) Commit(ctx context.Context, parent Hash, changes []Change, author Signature, message string) (Hash, error) {
	if err := checkSignature(author); err != nil {
		return Hash{}, err
	}
	// Early check; SetTip below is the authoritative one.
	tip, err := s.Tip(ctx)
	if err != nil {
		return Hash{}, err
	}
	if tip != parent {
		return Hash{}, fmt.Errorf("%w: %s is at %s, expected %s", ErrConflict, s.ref, short(tip), short(parent))
	}

	b := &builder{s: s, root: &dirNode{}}
	if !parent.IsZero() {
		c, err := s.commit(parent)
		if err != nil {
			return Hash{}, err
		}
		b.root.tree = c.TreeHash
	}
	oldRoot := b.root.tree
	for _, ch := range changes {
		if err := ctx.Err(); err != nil {
			return Hash{}, err
		}
		if err := b.apply(ch); err != nil {
			return Hash{}, err
		}
	}
	newRoot, err := b.write(b.root)
	if err != nil {
		return Hash{}, err
	}
	if newRoot == oldRoot || (parent.IsZero() && len(b.root.entries) == 0) {
		return parent, nil
	}

	c := &object.Commit{
		Author:    object.Signature{Name: author.Name, Email: author.Email, When: author.When},
		Committer: object.Signature{Name: author.Name, Email: author.Email, When: author.When},
		Message:   message,
		TreeHash:  newRoot,
	}
	if !strings.HasSuffix(c.Message, "\n") {
		c.Message += "\n"
	}
	if !parent.IsZero() {
		c.ParentHashes = []plumbing.Hash{toPlumbing(parent)}
	}
	obj := &plumbing.MemoryObject{}
	if err := c.Encode(obj); err != nil {
		return Hash{}, fmt.Errorf("gitstore: encode commit: %w", err)
	}
	b.objs = append(b.objs, obj)
	if err := s.writeObjects(ctx, b.objs); err != nil {
		return Hash{}, err
	}
	h := fromPlumbing(obj.Hash())
	if err := s.SetTip(ctx, parent, h); err != nil {
		return Hash{}, err
	}
	// The commit is read next (its tree, the walk that accepts it): from
	// what was just encoded, not decoded back (4 MB of message, at
	// 10,000 items).
	s.commits.put(h, (&commitInfo{Hash: obj.Hash(), TreeHash: c.TreeHash, ParentHashes: c.ParentHashes, Author: c.Author, Message: c.Message}).cachedCopy())
	return h, nil
}

func checkSignature(sig Signature) error {
	if sig.When.IsZero() {
		return fmt.Errorf("%w: time is not set", ErrInvalidSignature)
	}
	for _, v := range []string{sig.Name, sig.Email} {
		if strings.ContainsAny(v, "<>\n\x00") {
			return fmt.Errorf("%w: %q <%q> has a forbidden character", ErrInvalidSignature, sig.Name, sig.Email)
		}
	}
	if sig.Email == "" {
		return fmt.Errorf("%w: email is empty", ErrInvalidSignature)
	}
	return nil
}

// checkPath refuses paths git (fsck --strict) or a checkout would reject.
func checkPath(p string) ([]string, error) {
	if p == "" || strings.ContainsRune(p, 0) {
		return nil, fmt.Errorf("%w: %q", ErrInvalidPath, p)
	}
	parts := strings.Split(p, "/")
	for _, part := range parts {
		if part == "" || part == "." || part == ".." || strings.EqualFold(part, ".git") {
			return nil, fmt.Errorf("%w: %q", ErrInvalidPath, p)
		}
	}
	return parts, nil
}

// dirNode is one directory of the tree being built. Only directories on a
// changed path are loaded; the rest keep their stored tree id.
type dirNode struct {
	tree    plumbing.Hash // stored tree this node started from; zero if new
	entries map[string]*entry
	dirty   bool
}

type entry struct {
	mode filemode.FileMode
	hash plumbing.Hash
	dir  *dirNode // loaded subdirectory, nil until descended into
}

type builder struct {
	s    *Store
	root *dirNode
	objs []plumbing.EncodedObject
	seen map[plumbing.Hash]bool
}

func (b *builder) load(n *dirNode) error {
	if n.entries != nil {
		return nil
	}
	n.entries = make(map[string]*entry)
	if n.tree.IsZero() {
		return nil
	}
	t, err := b.s.tree(n.tree)
	if err != nil {
		return err
	}
	for _, e := range t.Entries {
		n.entries[e.Name] = &entry{mode: e.Mode, hash: e.Hash}
	}
	return nil
}

func (b *builder) apply(ch Change) error {
	parts, err := checkPath(ch.Path)
	if err != nil {
		return err
	}
	// Walk down to the parent directory, creating it unless deleting.
	path := []*dirNode{b.root}
	n := b.root
	for i, name := range parts[:len(parts)-1] {
		if err := b.load(n); err != nil {
			return err
		}
		e := n.entries[name]
		switch {
		case e == nil:
			if ch.Delete {
				return nil
			}
			e = &entry{mode: filemode.Dir, dir: &dirNode{entries: map[string]*entry{}}}
			n.entries[name] = e
		case e.mode != filemode.Dir:
			if ch.Delete {
				return nil
			}
			return fmt.Errorf("%w: %q: %q is a file", ErrInvalidPath, ch.Path, strings.Join(parts[:i+1], "/"))
		case e.dir == nil:
			e.dir = &dirNode{tree: e.hash}
		}
		n = e.dir
		path = append(path, n)
	}
	if err := b.load(n); err != nil {
		return err
	}

	name := parts[len(parts)-1]
	e := n.entries[name]
	if ch.Delete {
		if e == nil {
			return nil
		}
		delete(n.entries, name)
	} else {
		if e != nil && e.mode == filemode.Dir {
			return fmt.Errorf("%w: %q is a directory", ErrInvalidPath, ch.Path)
		}
		obj := newObject(plumbing.BlobObject, ch.Data)
		if e != nil && e.mode == filemode.Regular && e.hash == obj.Hash() {
			return nil
		}
		n.entries[name] = &entry{mode: filemode.Regular, hash: obj.Hash()}
		b.add(obj)
	}
	for _, d := range path {
		d.dirty = true
	}
	return nil
}

func (b *builder) add(obj plumbing.EncodedObject) {
	if b.seen == nil {
		b.seen = make(map[plumbing.Hash]bool)
	}
	if !b.seen[obj.Hash()] {
		b.seen[obj.Hash()] = true
		b.objs = append(b.objs, obj)
	}
}

// write encodes the dirty directories under n, bottom up, and returns n's
// tree id. Directories left empty are dropped by their parent.
func (b *builder) write(n *dirNode) (plumbing.Hash, error) {
	if !n.dirty && !n.tree.IsZero() {
		return n.tree, nil
	}
	if err := b.load(n); err != nil {
		return plumbing.ZeroHash, err
	}
	t := &object.Tree{}
	for name, e := range n.entries {
		if e.dir != nil && e.dir.dirty {
			h, err := b.write(e.dir)
			if err != nil {
				return plumbing.ZeroHash, err
			}
			if len(e.dir.entries) == 0 {
				delete(n.entries, name)
				continue
			}
			e.hash = h
		}
		t.Entries = append(t.Entries, object.TreeEntry{Name: name, Mode: e.mode, Hash: e.hash})
	}
	if len(t.Entries) == 0 && n != b.root {
		n.dirty = false
		return plumbing.ZeroHash, nil // dropped by the parent
	}
	sort.Slice(t.Entries, func(i, j int) bool {
		return treeKey(t.Entries[i]) < treeKey(t.Entries[j])
	})
	obj := &plumbing.MemoryObject{}
	if err := t.Encode(obj); err != nil {
		return plumbing.ZeroHash, fmt.Errorf("gitstore: encode tree: %w", err)
	}
	b.add(obj)
	n.tree, n.dirty = obj.Hash(), false
	return n.tree, nil
}

// treeKey is git's tree entry order: names compared as bytes, with a
// directory's name followed by '/'.
func treeKey(e object.TreeEntry) string {
	if e.Mode == filemode.Dir {
		return e.Name + "/"
	}
	return e.Name
}

// newObject is an object over the caller's bytes, not a copy of them
// (a plumbing.MemoryObject copies): a commit of 10,000 items would hold
// every ciphertext twice. The bytes must not change until the commit is
// written.
func newObject(t plumbing.ObjectType, data []byte) *memObject {
	return &memObject{plumbing.ComputeHash(t, data), packed{typ: t, data: data}}
}

// writeObjects stores objs: loose when there are few, else as one packfile
// (see writePack).
func (s *Store) writeObjects(ctx context.Context, objs []plumbing.EncodedObject) error {
	pw, canPack := s.st.(storer.PackfileWriter)
	large := slices.ContainsFunc(objs, func(o plumbing.EncodedObject) bool { return o.Size() >= largeObject })
	if !canPack || (len(objs) < packThreshold && !large) {
		for _, o := range objs {
			if err := ctx.Err(); err != nil {
				return err
			}
			if _, err := s.st.SetEncodedObject(o); err != nil {
				return fmt.Errorf("gitstore: write object %s: %w", o.Hash(), err)
			}
		}
		return nil
	}
	if s.gitDir != "" {
		return s.writeOwnPack(ctx, objs)
	}
	return writePackfile(ctx, pw, objs)
}

// writePack writes objs as a version 2 packfile of whole objects: no delta
// search (ciphertext does not delta), blobs stored without compression
// (ciphertext does not compress either) and trees and commits at zlib's
// fastest level. go-git's own encoder, at the default level, spends most of
// a 1000-blob commit compressing ciphertext.
func writePack[O plumbing.EncodedObject](ctx context.Context, w io.Writer, objs []O) error {
	_, err := writePackIndexed(ctx, w, objs, nil)
	return err
}

// writePackIndexed is writePack, also returning the pack's checksum and,
// if entries is not nil, appending each object's offset and CRC-32 to it
// (for its index, packwrite.go).
func writePackIndexed[O plumbing.EncodedObject](ctx context.Context, w io.Writer, objs []O, entries *[]packEntry) ([sha1.Size]byte, error) {
	var sumOut [sha1.Size]byte
	bw := bufio.NewWriterSize(w, 64*1024)
	sum := sha1.New()
	pos := &countWriter{w: io.MultiWriter(bw, sum)}
	crc := crc32.NewIEEE()
	out := io.MultiWriter(pos, crc)
	hdr := []byte{'P', 'A', 'C', 'K', 0, 0, 0, 2, 0, 0, 0, 0}
	binary.BigEndian.PutUint32(hdr[8:], uint32(len(objs)))
	if _, err := out.Write(hdr); err != nil {
		return sumOut, err
	}
	stored, err := zlib.NewWriterLevel(out, zlib.NoCompression)
	if err != nil {
		return sumOut, err
	}
	fast, err := zlib.NewWriterLevel(out, zlib.BestSpeed)
	if err != nil {
		return sumOut, err
	}
	for _, o := range objs {
		if err := ctx.Err(); err != nil {
			return sumOut, err
		}
		off := pos.n
		crc.Reset()
		if _, err := out.Write(packObjectHeader(o.Type(), o.Size())); err != nil {
			return sumOut, err
		}
		zw := fast
		if o.Type() == plumbing.BlobObject {
			zw = stored
		}
		zw.Reset(out)
		r, err := o.Reader()
		if err != nil {
			return sumOut, err
		}
		_, err = io.Copy(zw, r)
		if cerr := r.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return sumOut, err
		}
		if err := zw.Close(); err != nil {
			return sumOut, err
		}
		if entries != nil {
			*entries = append(*entries, packEntry{h: o.Hash(), off: off, crc: crc.Sum32()})
		}
	}
	sum.Sum(sumOut[:0])
	if _, err := bw.Write(sumOut[:]); err != nil {
		return sumOut, err
	}
	return sumOut, bw.Flush()
}

// packObjectHeader is a pack entry's type and size: 3 type bits and 4 size
// bits, then 7 size bits per byte, little end first, high bit = more.
func packObjectHeader(t plumbing.ObjectType, size int64) []byte {
	b := []byte{byte(t)<<4 | byte(size&0x0f)}
	for size >>= 4; size > 0; size >>= 7 {
		b[len(b)-1] |= 0x80
		b = append(b, byte(size&0x7f))
	}
	return b
}
