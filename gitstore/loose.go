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

// zlibReaders are reused across reads: a new inflater allocates ~40 KB.
var zlibReaders sync.Pool

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
	var zr io.ReadCloser
	var err error
	if p, _ := zlibReaders.Get().(io.ReadCloser); p != nil {
		zr = p
		err = p.(zlib.Resetter).Reset(src, nil)
	} else {
		zr, err = zlib.NewReader(src)
	}
	if err != nil {
		return packed{}, err
	}
	defer zlibReaders.Put(zr)
	br := bufio.NewReaderSize(zr, 512)
	hdr, err := br.ReadSlice(0)
	if err != nil || len(hdr) > maxLooseHeader {
		return packed{}, errors.New("bad header")
	}
	kind, sizeText, found := bytes.Cut(hdr[:len(hdr)-1], []byte{' '})
	typ, terr := plumbing.ParseObjectType(string(kind))
	size, serr := strconv.ParseInt(string(sizeText), 10, 64)
	if !found || terr != nil || serr != nil || size < 0 || !typ.Valid() {
		return packed{}, errors.New("bad header")
	}
	data := make([]byte, size)
	if _, err := io.ReadFull(br, data); err != nil {
		return packed{}, fmt.Errorf("content shorter than its header's %d bytes: %w", size, err)
	}
	if n, _ := br.Read(make([]byte, 1)); n != 0 {
		return packed{}, fmt.Errorf("content longer than its header's %d bytes", size)
	}
	return packed{typ: typ, data: data}, nil
}

// loose reads the loose object h through the cache of objects read: a
// walk reads a tree unchanged between commits again and again.
func (p *packReader) loose(r *renameRefs, h plumbing.Hash) (plumbing.EncodedObject, bool, error) {
	p.mu.Lock()
	o, ok := p.cache.m[h]
	p.mu.Unlock()
	if ok {
		return &packedObject{h, o}, true, nil
	}
	o, ok, err := r.readLoose(h)
	if !ok || err != nil {
		return nil, false, err
	}
	p.mu.Lock()
	p.cache.put(h, o)
	p.mu.Unlock()
	return &packedObject{h, o}, true, nil
}
