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
	"github.com/go-git/go-git/v5/plumbing/format/idxfile"
	"github.com/go-git/go-git/v5/plumbing/format/packfile"
	"github.com/go-git/go-git/v5/storage/filesystem"
)

// go-git's filesystem storage decodes every pack's whole .idx and builds
// a map of every object's offset on a process's first object read: ~20 ms
// of CPU at 10,000 commits (90,000 objects), paid by every command, which
// made reads grow with history (docs/perf.md). packReader reads objects
// from packs as git does instead: it searches each .idx in place and
// finds a delta's base offset by scanning only when a delta needs it.
// Loose objects, and anything it cannot read, are left to go-git.

// packReader reads objects from the packs of objects/pack.
type packReader struct {
	st    *filesystem.Storage // its Filesystem is the git directory
	mu    sync.Mutex
	names []string // the .pack files the packs were loaded from
	packs []*lazyPack
}

// lazyPack is one pack: its index searched in place, the pack opened on
// first use.
type lazyPack struct {
	path string
	idx  *lazyIndex
	pf   *packfile.Packfile
}

// get reads object h from a pack; ok is false when no pack holds it.
func (r *packReader) get(h plumbing.Hash) (plumbing.EncodedObject, bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for attempt := 0; attempt < 2; attempt++ {
		if r.packs == nil || attempt == 1 {
			if changed, err := r.reload(); err != nil || (attempt == 1 && !changed) {
				return nil, false, err
			}
		}
		for _, p := range r.packs {
			if _, err := p.idx.FindOffset(h); err != nil {
				continue
			}
			obj, err := p.get(r.st, h)
			if err != nil {
				return nil, false, err
			}
			return obj, true, nil
		}
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
	r.close()
	r.packs, r.names = []*lazyPack{}, names
	for _, n := range names {
		base := path.Join("objects/pack", strings.TrimSuffix(n, ".pack"))
		idx, err := readIndex(r.st, base+".idx")
		if err != nil {
			continue // being written; go-git reads it, or the next reload
		}
		r.packs = append(r.packs, &lazyPack{path: base + ".pack", idx: idx})
	}
	return true, nil
}

// close releases the open packs.
func (r *packReader) close() {
	for _, p := range r.packs {
		if p.pf != nil {
			p.pf.Close()
		}
	}
	r.packs = nil
}

func (p *lazyPack) get(st *filesystem.Storage, h plumbing.Hash) (plumbing.EncodedObject, error) {
	if p.pf == nil {
		f, err := st.Filesystem().Open(p.path)
		if err != nil {
			return nil, err
		}
		p.pf = packfile.NewPackfile(p.idx, st.Filesystem(), f, 0)
	}
	return p.pf.Get(h)
}

// lazyIndex is a version 2 pack index searched in place (gitformat-pack).
type lazyIndex struct {
	data   []byte
	count  int
	names  int // offsets of the tables in data
	crcs   int
	offs   int
	large  int
	byOffs map[int64]int // FindHash results, as deltas ask for them
}

var idxMagic = []byte{0xff, 't', 'O', 'c', 0, 0, 0, 2}

func readIndex(st *filesystem.Storage, name string) (*lazyIndex, error) {
	f, err := st.Filesystem().Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		return nil, err
	}
	if len(data) < 8+256*4+40 || !bytes.Equal(data[:8], idxMagic) {
		return nil, fmt.Errorf("gitstore: %s is not a version 2 pack index", name)
	}
	n := int(binary.BigEndian.Uint32(data[8+255*4:]))
	ix := &lazyIndex{data: data, count: n, names: 8 + 256*4}
	ix.crcs = ix.names + 20*n
	ix.offs = ix.crcs + 4*n
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

// Contains implements idxfile.Index.
func (ix *lazyIndex) Contains(h plumbing.Hash) (bool, error) { return ix.find(h) >= 0, nil }

// FindOffset implements idxfile.Index.
func (ix *lazyIndex) FindOffset(h plumbing.Hash) (int64, error) {
	i := ix.find(h)
	if i < 0 {
		return 0, plumbing.ErrObjectNotFound
	}
	return ix.offset(i), nil
}

// FindCRC32 implements idxfile.Index.
func (ix *lazyIndex) FindCRC32(h plumbing.Hash) (uint32, error) {
	i := ix.find(h)
	if i < 0 {
		return 0, plumbing.ErrObjectNotFound
	}
	return binary.BigEndian.Uint32(ix.data[ix.crcs+4*i:]), nil
}

// FindHash implements idxfile.Index. Only an offset delta asks for it
// (its base is named by offset): a scan of the offset table, remembered.
func (ix *lazyIndex) FindHash(o int64) (plumbing.Hash, error) {
	i, ok := ix.byOffs[o]
	if !ok {
		i = -1
		for j := 0; j < ix.count; j++ {
			if ix.offset(j) == o {
				i = j
				break
			}
		}
		if ix.byOffs == nil {
			ix.byOffs = map[int64]int{}
		}
		ix.byOffs[o] = i
	}
	if i < 0 {
		return plumbing.ZeroHash, plumbing.ErrObjectNotFound
	}
	var h plumbing.Hash
	copy(h[:], ix.name(i))
	return h, nil
}

// Count implements idxfile.Index.
func (ix *lazyIndex) Count() (int64, error) { return int64(ix.count), nil }

// Entries implements idxfile.Index (in hash order).
func (ix *lazyIndex) Entries() (idxfile.EntryIter, error) {
	entries := make([]*idxfile.Entry, ix.count)
	for i := range entries {
		e := &idxfile.Entry{CRC32: binary.BigEndian.Uint32(ix.data[ix.crcs+4*i:]), Offset: uint64(ix.offset(i))}
		copy(e.Hash[:], ix.name(i))
		entries[i] = e
	}
	return &entryIter{entries: entries}, nil
}

// EntriesByOffset implements idxfile.Index.
func (ix *lazyIndex) EntriesByOffset() (idxfile.EntryIter, error) {
	it, _ := ix.Entries()
	entries := it.(*entryIter).entries
	sort.Slice(entries, func(a, b int) bool { return entries[a].Offset < entries[b].Offset })
	return &entryIter{entries: entries}, nil
}

type entryIter struct {
	entries []*idxfile.Entry
	pos     int
}

func (it *entryIter) Next() (*idxfile.Entry, error) {
	if it.pos >= len(it.entries) {
		return nil, io.EOF
	}
	it.pos++
	return it.entries[it.pos-1], nil
}

func (it *entryIter) Close() error { return nil }
