package hooks

import (
	"bufio"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/configsync/configsync/config"
	"github.com/configsync/configsync/internal/rofile"
)

// A push or pull refreshes the index for every item it handled. Decoding
// the whole index (400,000 entries at 10,000 items) beside the new
// entries, and encoding the result in one buffer, was most of a pull's
// peak memory: Refresh merges the file, sorted by source, with the
// updates, sorted too, one source at a time.

// Update is one item's values for Refresh.
type Update struct {
	// Source is the item's name, as for Replace.
	Source string
	// Secrets gives the item's values; nil, or a nil func, means it is
	// gone. Refresh calls it in its turn, a batch of updates at a time
	// in the order of Source, those of a batch concurrently, maybe more
	// than once: the values of every item are never all in memory.
	Secrets func() []Secret
}

// refreshBatch is how many updates Refresh prepares at once, on every
// core: their values read and hashed.
var refreshBatch = 256

// Refresh is OpenIndex, then Replace for each update (a later update of a
// source wins) with minLength, then Save, streamed: the file is read and
// written one source at a time. It returns OpenIndex's errors, leaving a
// file that does not verify as it is; when every update leaves its
// source as it was, nothing is written.
func Refresh(indexPath, keyPath string, updates []Update, minLength int) error {
	key, err := loadOrCreateKey(keyPath)
	if err != nil {
		return err
	}
	ix := newIndex(indexPath, key)
	r := &refresher{ix: ix, minLength: minLength}
	for range runtime.GOMAXPROCS(0) {
		r.hashers = append(r.hashers, newIndex(indexPath, key)) // one HMAC each
	}
	ups := lastOfEach(updates)
	f, err := rofile.Open(indexPath)
	if errors.Is(err, fs.ErrNotExist) {
		return r.writeMerged(nil, ups)
	}
	if err != nil {
		return fmt.Errorf("read leak index: %w", err)
	}
	defer f.Close()
	// A first pass that writes nothing, and stops at the first change: a
	// pull that restores the values the index holds reads it only once.
	old, err := ix.readStream(f)
	if err == nil {
		var changed bool
		if changed, err = r.merge(old, ups, nil); err == nil && !changed {
			return nil
		}
	}
	if err == nil {
		if _, err = f.Seek(0, io.SeekStart); err == nil {
			old, err = ix.readStream(f)
		}
	}
	if err == nil {
		err = r.writeMerged(old, ups)
	}
	if err != nil && errors.Is(err, ErrIndexCorrupt) {
		return fmt.Errorf("read leak index %s: %w", indexPath, err)
	}
	return err
}

// SaveError is Refresh failing to write the index file: the file is left
// as it was.
type SaveError struct{ Err error }

func (e *SaveError) Error() string { return "save leak index: " + e.Err.Error() }
func (e *SaveError) Unwrap() error { return e.Err }

// lastOfEach sorts updates by source, keeping the last of each.
func lastOfEach(updates []Update) []Update {
	ups := slices.Clone(updates)
	slices.SortStableFunc(ups, func(a, b Update) int { return strings.Compare(a.Source, b.Source) })
	out := ups[:0]
	for i, u := range ups {
		if i+1 < len(ups) && ups[i+1].Source == u.Source {
			continue
		}
		out = append(out, u)
	}
	return out
}

// writeMerged writes the merge of old (nil: none) and ups to the index
// file, through a temp file renamed into place once old is verified.
func (r *refresher) writeMerged(old *indexStream, ups []Update) error {
	ix := r.ix
	if err := os.MkdirAll(filepath.Dir(ix.path), 0o700); err != nil {
		return &SaveError{err}
	}
	pf, err := config.CreatePending(ix.path)
	if err != nil {
		return &SaveError{err}
	}
	out := &indexOut{w: bufio.NewWriterSize(pf, 64<<10)}
	out.write(indexMagic)
	out.write(make([]byte, 4)) // the count, written by finish
	if _, err = r.merge(old, ups, out); err == nil {
		err = out.finish(pf, ix.fileKey)
	}
	if err != nil {
		pf.Abort()
		if errors.Is(err, ErrIndexCorrupt) {
			return err
		}
		return &SaveError{err}
	}
	if err := pf.Commit(); err != nil {
		return &SaveError{err}
	}
	return nil
}

// refresher is one Refresh: the index (its keys) and a hasher per core.
type refresher struct {
	ix        *Index
	hashers   []*Index
	minLength int
}

// prepared is one update's values, their digest and, once hashed, their
// entries.
type prepared struct {
	secrets []Secret
	d       sourceDigest
	es      []entry
	n       int
	hashed  bool
}

// prepare reads and digests the values of batch on every core, and
// hashes their entries too when hash is set.
func (r *refresher) prepare(batch []Update, hash bool) []prepared {
	out := make([]prepared, len(batch))
	workers := min(len(r.hashers), len(batch))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func(h *Index, lo, hi int) {
			defer wg.Done()
			for i := lo; i < hi; i++ {
				p := &out[i]
				if batch[i].Secrets != nil {
					p.secrets = batch[i].Secrets()
				}
				p.d = h.digestOf(p.secrets, r.minLength)
				if hash {
					p.es, p.n = h.entriesOf(p.secrets, r.minLength)
					p.hashed = true
				}
			}
		}(r.hashers[w], w*len(batch)/workers, (w+1)*len(batch)/workers)
	}
	wg.Wait()
	return out
}

// merge walks old's sources (nil: none) and ups together, both sorted,
// writing the result to out. With out nil it writes nothing and returns
// at the first change. It reports whether anything changed; old is
// verified whenever it is read to its end. A batch's entries are hashed
// on every core ahead of the walk when most of the batch before needed
// them (all of a push's items, mostly), else one at a time as the walk
// finds them needed (a pull that changed a few).
func (r *refresher) merge(old *indexStream, ups []Update, out *indexOut) (changed bool, err error) {
	cur, err := old.read()
	next := func(keep bool) error {
		if keep {
			out.copy(cur)
		}
		cur, err = old.read()
		return err
	}
	ahead := out != nil // the write pass starts at a change
	for start := 0; start < len(ups); start += refreshBatch {
		batch := ups[start:min(start+refreshBatch, len(ups))]
		preps := r.prepare(batch, ahead)
		needed := 0
		for i, u := range batch {
			for cur != nil && cur.src < u.Source {
				if err := next(true); err != nil {
					return changed, err
				}
			}
			if err != nil {
				return changed, err
			}
			had := cur != nil && cur.src == u.Source
			p := &preps[i]
			if had && cur.d.sum == p.d.sum {
				if err := next(true); err != nil {
					return changed, err
				}
				continue // already indexed from these very values
			}
			needed++
			if !p.hashed {
				p.es, p.n = r.ix.entriesOf(p.secrets, r.minLength)
			}
			if !had && len(p.es) == 0 {
				continue // nothing to index, nothing to remove
			}
			changed = true
			if out == nil {
				return true, nil
			}
			if had {
				if err := next(false); err != nil {
					return changed, err
				}
			}
			if len(p.es) > 0 {
				d := p.d
				d.n = uint32(p.n)
				out.source(u.Source, d, p.es)
			}
		}
		ahead = out != nil && 2*needed > len(batch)
	}
	for cur != nil {
		if err := next(true); err != nil {
			return changed, err
		}
	}
	return changed, err
}

// indexOut writes an index file as its sources come: the count, at the
// start of the file, and the HMAC over the whole are written last.
type indexOut struct {
	w   *bufio.Writer
	n   uint32
	buf []byte
	err error
}

func (o *indexOut) write(b []byte) {
	if o.err == nil {
		_, o.err = o.w.Write(b)
	}
}

// copy writes an old source as it was.
func (o *indexOut) copy(s *oldSource) {
	if o == nil {
		return
	}
	o.n++
	o.write(s.raw)
}

// source writes a new source.
func (o *indexOut) source(src string, d sourceDigest, es []entry) {
	o.n++
	o.buf = appendSource(o.buf[:0], src, d, es)
	o.write(o.buf)
}

// finish writes the count, then the HMAC of everything before it, read
// back from f.
func (o *indexOut) finish(f *config.PendingFile, fileKey []byte) error {
	if err := o.w.Flush(); o.err == nil {
		o.err = err
	}
	if o.err != nil {
		return o.err
	}
	var count [4]byte
	binary.LittleEndian.PutUint32(count[:], o.n)
	if _, err := f.WriteAt(count[:], int64(len(indexMagic))); err != nil {
		return err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	m := hmac.New(sha256.New, fileKey)
	if _, err := io.Copy(m, f); err != nil {
		return err
	}
	_, err := f.Write(m.Sum(nil))
	return err
}
