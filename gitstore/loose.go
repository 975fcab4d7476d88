package gitstore

import (
	"bufio"
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"sync"

	"github.com/go-git/go-git/v5/plumbing"
)

// go-git reads a loose object through its billy file system, which
// resolves every path component for symlinks (an lstat each) to look it
// up, and then again to open it: on a store of small commits, where the
// objects inject reads are loose, that was a third of the command's own
// work (docs/perf.md). readLoose opens objects/xx/yyyy in the git
// directory directly and inflates it, as git does.

// maxLooseHeader bounds the "<type> <size>\x00" header of a loose object.
const maxLooseHeader = 32

// looseReader is what reading a loose object needs besides the object:
// buffered input (zlib reads byte by byte) and the inflater. Both are
// reused from one object to the next: fresh ones cost ~45 KB of new
// memory per object, and in a short-lived process new memory (a page
// fault per page) costs more than inflating a small object.
type looseReader struct {
	in *bufio.Reader
	zr io.ReadCloser
}

// looseReaders keeps the idle looseReaders. Not a sync.Pool: its pools
// are per processor, and a goroutine that reads on another one than the
// last reader was put back on makes a new one, where a command of a few
// dozen reads wants one or two for its whole life.
var looseReaders struct {
	sync.Mutex
	idle []*looseReader
}

func getLooseReader() *looseReader {
	looseReaders.Lock()
	defer looseReaders.Unlock()
	if n := len(looseReaders.idle); n > 0 {
		lr := looseReaders.idle[n-1]
		looseReaders.idle = looseReaders.idle[:n-1]
		return lr
	}
	return new(looseReader)
}

func putLooseReader(lr *looseReader) {
	looseReaders.Lock()
	defer looseReaders.Unlock()
	looseReaders.idle = append(looseReaders.idle, lr)
}

// readLoose reads the loose object h; ok is false when there is none.
func (r *renameRefs) readLoose(h plumbing.Hash) (packed, bool, error) {
	hex := h.String()
	f, err := os.Open(filepath.Join(r.gitDir, "objects", hex[:2], hex[2:]))
	if errors.Is(err, fs.ErrNotExist) {
		return packed{}, false, nil
	}
	if err != nil {
		return packed{}, false, err
	}
	defer f.Close()
	o, err := inflateLoose(f)
	if err != nil {
		return packed{}, false, fmt.Errorf("gitstore: loose object %s: %w", hex, err)
	}
	return o, true, nil
}

// inflateLoose decodes a loose object file: zlib of "<type> <size>\x00"
// and the content, which must be exactly size bytes.
func inflateLoose(src io.Reader) (packed, error) {
	lr := getLooseReader()
	defer putLooseReader(lr)
	if lr.in == nil {
		lr.in = bufio.NewReaderSize(src, 4<<10)
	} else {
		lr.in.Reset(src)
	}
	defer lr.in.Reset(nil) // the pool must not keep the file
	if lr.zr == nil {
		zr, err := zlib.NewReader(lr.in)
		if err != nil {
			return packed{}, err
		}
		lr.zr = zr
	} else if err := lr.zr.(zlib.Resetter).Reset(lr.in, nil); err != nil {
		return packed{}, err
	}
	var head [maxLooseHeader + 1]byte
	n, err := io.ReadAtLeast(lr.zr, head[:], len("blob 0\x00"))
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		return packed{}, err
	}
	nul := bytes.IndexByte(head[:n], 0)
	if nul < 0 {
		return packed{}, errors.New("bad header")
	}
	kind, sizeText, found := bytes.Cut(head[:nul], []byte{' '})
	typ, terr := plumbing.ParseObjectType(string(kind))
	size, serr := strconv.ParseInt(string(sizeText), 10, 64)
	if !found || terr != nil || serr != nil || size < 0 || !typ.Valid() {
		return packed{}, errors.New("bad header")
	}
	// One byte more than the header announces: reading it shows content
	// that runs on.
	data := make([]byte, size+1)
	got := copy(data, head[nul+1:n])
	m, err := io.ReadFull(lr.zr, data[got:])
	got += m
	switch {
	case int64(got) > size:
		return packed{}, fmt.Errorf("content longer than its header's %d bytes", size)
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		if int64(got) < size {
			return packed{}, fmt.Errorf("content shorter than its header's %d bytes: %w", size, io.ErrUnexpectedEOF)
		}
	case err != nil:
		return packed{}, err
	}
	return packed{typ: typ, data: data[:size:size]}, nil
}

// loose reads the loose object h through the cache of objects read: a
// walk reads a tree unchanged between commits again and again.
func (p *packReader) loose(r *renameRefs, h plumbing.Hash) (plumbing.EncodedObject, bool, error) {
	p.mu.Lock()
	o, ok := p.cache.m[h]
	p.mu.Unlock()
	if ok {
		return &memObject{h, o}, true, nil
	}
	o, ok, err := r.readLoose(h)
	if !ok || err != nil {
		return nil, false, err
	}
	p.mu.Lock()
	p.cache.put(h, o)
	p.mu.Unlock()
	return &memObject{h, o}, true, nil
}
