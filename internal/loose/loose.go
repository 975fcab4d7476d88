// Package loose decodes git's loose object files: zlib of
// "<type> <size>\x00" and the content. gitstore reads the store's objects
// with it and hooks the staged blobs of the user's repository; neither
// may import the other (DESIGN.md §9), so the one decoder is a leaf
// below both.
package loose

import (
	"bufio"
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync"
)

// MaxSize bounds the content size a header may announce: the buffer is
// allocated from it before any content is read.
const MaxSize = 1 << 30

// maxHeader bounds the "<type> <size>\x00" header.
const maxHeader = 32

// Read decodes the loose object file r holds: its type ("blob", "tree",
// "commit", "tag" or whatever the header says; the caller checks it) and
// its content, which must be exactly the header's size.
func Read(r io.Reader) (typ string, data []byte, err error) {
	d := getDecoder()
	defer putDecoder(d)
	return d.read(r)
}

// decoder is what reading a loose object needs besides the object:
// buffered input (zlib reads byte by byte) and the inflater. Both are
// reused from one object to the next: fresh ones cost ~40 KB of new
// memory per object, and in a short-lived process new memory (a page
// fault per page) costs more than inflating a small object.
type decoder struct {
	in *bufio.Reader
	zr io.ReadCloser
}

// inBuffer is the input buffer: a small object is one read.
const inBuffer = 8 << 10

// decoders keeps the idle decoders. Not a sync.Pool: its pools are per
// processor, and a read on another one than the last decoder was put
// back on makes a new one, where a command of a few dozen reads wants
// one or two for its whole life.
var decoders struct {
	sync.Mutex
	idle []*decoder
}

func getDecoder() *decoder {
	decoders.Lock()
	defer decoders.Unlock()
	if n := len(decoders.idle); n > 0 {
		d := decoders.idle[n-1]
		decoders.idle = decoders.idle[:n-1]
		return d
	}
	return new(decoder)
}

func putDecoder(d *decoder) {
	decoders.Lock()
	defer decoders.Unlock()
	decoders.idle = append(decoders.idle, d)
}

func (d *decoder) read(r io.Reader) (string, []byte, error) {
	if d.in == nil {
		d.in = bufio.NewReaderSize(r, inBuffer)
	} else {
		d.in.Reset(r)
	}
	defer d.in.Reset(nil) // an idle decoder keeps no file
	if d.zr == nil {
		zr, err := zlib.NewReader(d.in)
		if err != nil {
			return "", nil, err
		}
		d.zr = zr
	} else if err := d.zr.(zlib.Resetter).Reset(d.in, nil); err != nil {
		return "", nil, err
	}
	var head [maxHeader + 1]byte
	n, err := io.ReadAtLeast(d.zr, head[:], len("blob 0\x00"))
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		return "", nil, err
	}
	nul := bytes.IndexByte(head[:n], 0)
	if nul < 0 {
		return "", nil, errors.New("bad header")
	}
	typ, sizeText, found := bytes.Cut(head[:nul], []byte{' '})
	size, err := strconv.ParseInt(string(sizeText), 10, 64)
	if !found || len(typ) == 0 || err != nil || size < 0 || size > MaxSize {
		return "", nil, errors.New("bad header")
	}
	// One byte more than the header announces: reading it shows content
	// that runs on.
	data := make([]byte, size+1)
	got := copy(data, head[nul+1:n])
	m, err := io.ReadFull(d.zr, data[got:])
	got += m
	switch {
	case int64(got) > size:
		return "", nil, fmt.Errorf("content longer than its header's %d bytes", size)
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		if int64(got) < size {
			return "", nil, fmt.Errorf("content shorter than its header's %d bytes: %w", size, io.ErrUnexpectedEOF)
		}
	case err != nil:
		return "", nil, err
	}
	return string(typ), data[:size:size], nil
}
