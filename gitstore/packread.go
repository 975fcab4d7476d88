package gitstore

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/format/packfile"
	"github.com/go-git/go-git/v5/storage/filesystem"
)

// go-git's filesystem storage decodes every pack's whole .idx, and then
// maps every object's offset to its hash, on a process's first object
// read: ~20 ms of CPU at 10,000 commits (90,000 objects), paid by every
// command, which made reads grow with history (docs/perf.md). packReader
// reads objects from packs as git does instead: it searches each .idx in
// place, and resolves a delta from its base's offset, never asking which
// hash sits at an offset. Loose objects, a base in another pack, and
// anything else it cannot read, are left to go-git.

// packReader reads objects from the packs of objects/pack.
type packReader struct {
	// objects read, by hash: a tree unchanged between commits is the
	// same object, read again by every walk.
	cache cached[plumbing.Hash]
	st    *filesystem.Storage // its Filesystem is the git directory
	mu    sync.Mutex
	names []string // the .pack files the packs were loaded from
	packs []*lazyPack
}

// lazyPack is one pack: its index searched in place, the pack opened on
// first use.
type lazyPack struct {
	path  string
	idx   *lazyIndex
	file  io.Closer
	scan  *packfile.Scanner
	bases cached[int64] // objects read, by offset: delta bases recur
}

// packed is one object read from a pack, deltas applied.
type packed struct {
	typ  plumbing.ObjectType
	data []byte
}

// errElsewhere is a delta whose base this pack does not hold.
var errElsewhere = errors.New("gitstore: delta base in another pack")

// find reads object h from the packs listed so far (listed on first
// use, never again here); ok is false when none of them holds it. It is
// tried before a loose object: an index search costs no system call, a
// loose object that is not there a failed open (one per item of a pull
// from a fetched store).
func (r *packReader) find(h plumbing.Hash) (plumbing.EncodedObject, bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.packs == nil {
		if _, err := r.reload(); err != nil {
			return nil, false, err
		}
	}
	return r.search(h)
}

// get reads object h from a pack, listing the packs again if none of
// those listed holds it; ok is false when no pack holds it.
func (r *packReader) get(h plumbing.Hash) (plumbing.EncodedObject, bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for attempt := 0; attempt < 2; attempt++ {
		if r.packs == nil || attempt == 1 {
			if changed, err := r.reload(); err != nil || (attempt == 1 && !changed) {
				return nil, false, err
			}
		}
		if o, ok, err := r.search(h); ok || err != nil {
			return o, ok, err
		}
	}
	return nil, false, nil
}

// search looks h up in the cache and the packs listed. A delta whose
// base is in another pack is errElsewhere: go-git resolves those. The
// caller holds r.mu.
func (r *packReader) search(h plumbing.Hash) (plumbing.EncodedObject, bool, error) {
	if o, ok := r.cache.m[h]; ok {
		return &memObject{h, o}, true, nil
	}
	for _, p := range r.packs {
		off, err := p.idx.FindOffset(h)
		if err != nil {
			continue
		}
		o, err := p.get(r.st, off)
		if err != nil {
			return nil, false, err
		}
		if o.typ != plumbing.BlobObject {
			r.cache.put(h, o) // see cached
		}
		return &memObject{h, o}, true, nil
	}
	return nil, false, nil
}

// reload lists objects/pack again; it reports whether the list changed
// (a fetch, a commit or a roll-up wrote packs since).
func (r *packReader) reload() (bool, error) {
	entries, err := r.st.Filesystem().ReadDir("objects/pack")
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return false, err
	}
	var names []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".pack") {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	if r.packs != nil && slices.Equal(names, r.names) {
		return false, nil
	}
	// Keep the packs still there (a fetch adds one; a roll-up replaces
	// small ones), read only the new indexes.
	old := map[string]*lazyPack{}
	for _, p := range r.packs {
		old[p.path] = p
	}
	r.packs, r.names = []*lazyPack{}, names
	for _, n := range names {
		base := path.Join("objects/pack", strings.TrimSuffix(n, ".pack"))
		if p, ok := old[base+".pack"]; ok {
			r.packs = append(r.packs, p)
			delete(old, base+".pack")
			continue
		}
		idx, err := readIndex(r.st, base+".idx")
		if err != nil {
			continue // being written; go-git reads it, or the next reload
		}
		r.packs = append(r.packs, &lazyPack{path: base + ".pack", idx: idx})
	}
	for _, p := range old { // gone
		if p.file != nil {
			p.file.Close()
		}
	}
	return true, nil
}

// close releases the open packs.
func (r *packReader) close() {
	for _, p := range r.packs {
		if p.file != nil {
			p.file.Close()
		}
	}
	r.packs = nil
}

// get reads the object at offset off.
func (p *lazyPack) get(st *filesystem.Storage, off int64) (packed, error) {
	if p.scan == nil {
		f, err := st.Filesystem().Open(p.path)
		if err != nil {
			return packed{}, err
		}
		p.file, p.scan = f, packfile.NewScanner(f)
	}
	return p.readAt(off, 0)
}

// memObject is an object held in memory, read-only: one read (its hash
// the one the index or the path gave, as go-git does: a
// plumbing.MemoryObject would hash it again; its bytes may be shared with
// the cache), or one being committed (newObject).
type memObject struct {
	h plumbing.Hash
	packed
}

func (o *memObject) Hash() plumbing.Hash         { return o.h }
func (o *memObject) Type() plumbing.ObjectType   { return o.typ }
func (o *memObject) SetType(plumbing.ObjectType) {}
func (o *memObject) Size() int64                 { return int64(len(o.data)) }
func (o *memObject) SetSize(int64)               {}
func (o *memObject) Reader() (io.ReadCloser, error) {
	return io.NopCloser(bytes.NewReader(o.data)), nil
}
func (o *memObject) Writer() (io.WriteCloser, error) {
	return nil, errors.New("gitstore: an object held in memory is read-only")
}

// maxDeltaDepth bounds a chain of deltas (git's default is 50).
const maxDeltaDepth = 1000

// readAt reads the object at offset, applying its chain of deltas.
func (p *lazyPack) readAt(off int64, depth int) (packed, error) {
	if o, ok := p.bases.m[off]; ok {
		return o, nil
	}
	if depth > maxDeltaDepth {
		return packed{}, fmt.Errorf("gitstore: %s: a delta chain deeper than %d", p.path, maxDeltaDepth)
	}
	hdr, err := p.scan.SeekObjectHeader(off)
	if err != nil {
		return packed{}, err
	}
	var buf bytes.Buffer
	// One array, not a doubling series (a push's 4 MB commit): the size
	// the header gives, within what an item may be.
	buf.Grow(int(min(max(hdr.Length, 0), maxSizedObject)))
	if _, _, err := p.scan.NextObject(&buf); err != nil {
		return packed{}, err
	}
	o := packed{typ: hdr.Type, data: buf.Bytes()}
	baseAt := int64(-1)
	switch hdr.Type {
	case plumbing.OFSDeltaObject:
		baseAt = hdr.OffsetReference
	case plumbing.REFDeltaObject:
		if baseAt, err = p.idx.FindOffset(hdr.Reference); err != nil {
			return packed{}, errElsewhere
		}
	}
	if baseAt >= 0 {
		base, err := p.readAt(baseAt, depth+1)
		if err != nil {
			return packed{}, err
		}
		if o.data, err = packfile.PatchDelta(base.data, o.data); err != nil {
			return packed{}, fmt.Errorf("gitstore: %s at %d: %w", p.path, off, err)
		}
		o.typ = base.typ
	}
	if depth > 0 || baseAt >= 0 || o.typ != plumbing.BlobObject {
		p.bases.put(off, o) // see cached
	}
	return o, nil
}

// cached keeps small objects read, up to a budget of bytes, then starts
// over: trees and their delta bases are small and read again and again
// by a walk; item ciphertext is neither. So a blob is kept only by
// offset, and only when it is, or was made from, a delta: a whole blob
// is read once (push and pull of 10,000 items kept every ciphertext
// twice, in both caches, 2 x 32 MB).
type cached[K comparable] struct {
	m     map[K]packed
	bytes int
}

const (
	maxSizedObject  = 64 << 20 // keyring's bound on an item
	maxCachedObject = 64 << 10
	cacheBudget     = 32 << 20
)

func (c *cached[K]) put(k K, o packed) {
	if len(o.data) > maxCachedObject {
		return
	}
	if c.m == nil || c.bytes+len(o.data) > cacheBudget {
		c.m, c.bytes = map[K]packed{}, 0
	}
	c.m[k] = o
	c.bytes += len(o.data)
}

// lazyIndex is a version 2 pack index searched in place (gitformat-pack).
type lazyIndex struct {
	data  []byte
	names int // offsets of the tables in data
	offs  int
	large int
}

var idxMagic = []byte{0xff, 't', 'O', 'c', 0, 0, 0, 2}

func readIndex(st *filesystem.Storage, name string) (*lazyIndex, error) {
	f, err := st.Filesystem().Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := st.Filesystem().Stat(name)
	if err != nil {
		return nil, err
	}
	// One read of the known size: io.ReadAll's growing buffer cost more
	// than the search it serves.
	data := make([]byte, fi.Size())
	if _, err := io.ReadFull(f, data); err != nil {
		return nil, err
	}
	if len(data) < 8+256*4+40 || !bytes.Equal(data[:8], idxMagic) {
		return nil, fmt.Errorf("gitstore: %s is not a version 2 pack index", name)
	}
	n := int(binary.BigEndian.Uint32(data[8+255*4:]))
	ix := &lazyIndex{data: data, names: 8 + 256*4}
	ix.offs = ix.names + 24*n // after the names and their CRC-32s
	ix.large = ix.offs + 4*n
	if len(data) < ix.large+40 {
		return nil, fmt.Errorf("gitstore: %s is truncated", name)
	}
	return ix, nil
}

// find is the position of h in the index, or -1.
func (ix *lazyIndex) find(h plumbing.Hash) int {
	lo := 0
	if h[0] > 0 {
		lo = int(binary.BigEndian.Uint32(ix.data[8+(int(h[0])-1)*4:]))
	}
	hi := int(binary.BigEndian.Uint32(ix.data[8+int(h[0])*4:]))
	i := lo + sort.Search(hi-lo, func(i int) bool {
		return bytes.Compare(ix.name(lo+i), h[:]) >= 0
	})
	if i < hi && bytes.Equal(ix.name(i), h[:]) {
		return i
	}
	return -1
}

func (ix *lazyIndex) name(i int) []byte { return ix.data[ix.names+20*i : ix.names+20*i+20] }

func (ix *lazyIndex) offset(i int) int64 {
	o := binary.BigEndian.Uint32(ix.data[ix.offs+4*i:])
	if o&0x80000000 == 0 {
		return int64(o)
	}
	at := ix.large + 8*int(o&0x7fffffff)
	if at+8 > len(ix.data)-40 {
		return -1
	}
	return int64(binary.BigEndian.Uint64(ix.data[at:]))
}

// FindOffset is where object h starts in the pack.
func (ix *lazyIndex) FindOffset(h plumbing.Hash) (int64, error) {
	i := ix.find(h)
	if i < 0 {
		return 0, plumbing.ErrObjectNotFound
	}
	return ix.offset(i), nil
}
