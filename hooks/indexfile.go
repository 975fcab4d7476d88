package hooks

import (
	"bufio"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"hash"
	"io"
	"os"
	"slices"
)

// encode is the index file: sized first, so that the file of a large
// index (25 MB at 10,000 items) is one array, not a doubling series.
func (ix *Index) encode() []byte {
	b := make([]byte, 0, ix.encodedSize())
	b = append(b, indexMagic...)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(ix.sources)))
	for _, src := range ix.Sources() {
		b = appendSource(b, src, ix.digests[src], ix.sources[src])
	}
	m := hmac.New(sha256.New, ix.fileKey)
	m.Write(b)
	return m.Sum(b)
}

// appendSource appends one source's record of the index file: its name,
// digest and value count, then its entries.
func appendSource(b []byte, src string, d sourceDigest, es []entry) []byte {
	putStr := func(s string) {
		b = binary.LittleEndian.AppendUint32(b, uint32(len(s)))
		b = append(b, s...)
	}
	putStr(src)
	b = append(b, d.sum[:]...)
	b = binary.LittleEndian.AppendUint32(b, d.n)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(es)))
	for _, e := range es {
		putStr(e.key)
		b = binary.LittleEndian.AppendUint32(b, e.length)
		b = binary.LittleEndian.AppendUint32(b, e.tag)
		b = append(b, e.mac[:]...)
	}
	return b
}

// encodedSize is the length of encode's result.
func (ix *Index) encodedSize() int {
	n := len(indexMagic) + 4 + sha256.Size
	for src, es := range ix.sources {
		n += 4 + len(src) + sha256.Size + 4 + 4
		for _, e := range es {
			n += 4 + len(e.key) + 4 + 4 + sha256.Size
		}
	}
	return n
}

// indexStream reads an index file one source at a time, verifying its
// HMAC once read to the end.
type indexStream struct {
	r     *bufio.Reader // the body, fed to mac as it is read
	f     io.Reader     // the file, at the sum once r is read
	mac   hash.Hash
	left  uint32 // sources not read yet
	size  int64  // of the body, a bound for every length in it
	last  string // the last source read: sources are strictly sorted
	read1 bool   // last is set
	src   oldSource
	ended bool
}

// oldSource is one source as its file holds it; raw is its whole record,
// valid until the next read.
type oldSource struct {
	src string
	d   sourceDigest
	raw []byte
}

func (ix *Index) readStream(f *os.File) (*indexStream, error) {
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("read leak index: %w", err)
	}
	size := fi.Size() - sha256.Size
	if size < int64(len(indexMagic))+4 {
		return nil, ErrIndexCorrupt
	}
	mac := hmac.New(sha256.New, ix.fileKey)
	s := &indexStream{f: f, mac: mac, size: size}
	s.r = bufio.NewReaderSize(io.TeeReader(io.LimitReader(f, size), mac), 64<<10)
	var hdr [8 + 4]byte
	if _, err := io.ReadFull(s.r, hdr[:]); err != nil || string(hdr[:8]) != string(indexMagic) {
		return nil, ErrIndexCorrupt
	}
	s.left = binary.LittleEndian.Uint32(hdr[8:])
	return s, nil
}

// read is the next source, nil after the last one, whose reading checks
// that nothing follows it and that the file's HMAC verifies.
func (s *indexStream) read() (*oldSource, error) {
	if s == nil || s.ended {
		return nil, nil
	}
	if s.left == 0 {
		s.ended = true
		return nil, s.verify()
	}
	s.left--
	o := &s.src
	o.raw = o.raw[:0]
	src, err := s.str()
	if err != nil {
		return nil, err
	}
	if s.read1 && src <= s.last {
		return nil, ErrIndexCorrupt // the merge needs them sorted
	}
	fixed, err := s.take(sha256.Size + 8)
	if err != nil {
		return nil, err
	}
	copy(o.d.sum[:], fixed)
	o.d.n = binary.LittleEndian.Uint32(fixed[sha256.Size:])
	n := binary.LittleEndian.Uint32(fixed[sha256.Size+4:])
	for range n {
		if _, err := s.str(); err != nil {
			return nil, err
		}
		e, err := s.take(8 + sha256.Size)
		if err != nil {
			return nil, err
		}
		if binary.LittleEndian.Uint32(e) < window {
			return nil, ErrIndexCorrupt
		}
	}
	o.src, s.last, s.read1 = src, src, true
	return o, nil
}

// entries decodes the source's entries from its record, which read has
// checked; intern gives each key name's one copy.
func (o *oldSource) entries(intern func(string) string) []entry {
	u32 := func(b []byte) uint32 { return binary.LittleEndian.Uint32(b) }
	r := o.raw[4+len(o.src)+sha256.Size+4:]
	es := make([]entry, u32(r))
	r = r[4:]
	for i := range es {
		n := u32(r)
		e := &es[i]
		e.key = intern(string(r[4 : 4+n]))
		r = r[4+n:]
		e.length, e.tag = u32(r), u32(r[4:])
		copy(e.mac[:], r[8:8+sha256.Size])
		r = r[8+sha256.Size:]
	}
	return es
}

// take reads n bytes into the current record, returning them.
func (s *indexStream) take(n int) ([]byte, error) {
	if int64(n) > s.size {
		return nil, ErrIndexCorrupt
	}
	o := &s.src
	at := len(o.raw)
	o.raw = slices.Grow(o.raw, n)[:at+n]
	if _, err := io.ReadFull(s.r, o.raw[at:]); err != nil {
		return nil, ErrIndexCorrupt
	}
	return o.raw[at:], nil
}

// str reads a length-prefixed string into the current record.
func (s *indexStream) str() (string, error) {
	l, err := s.take(4)
	if err != nil {
		return "", err
	}
	b, err := s.take(int(binary.LittleEndian.Uint32(l)))
	return string(b), err
}

// verify checks that the body is read to its end and the file's HMAC.
func (s *indexStream) verify() error {
	if _, err := s.r.ReadByte(); err != io.EOF {
		return ErrIndexCorrupt
	}
	var sum [sha256.Size]byte
	if _, err := io.ReadFull(s.f, sum[:]); err != nil || !hmac.Equal(s.mac.Sum(nil), sum[:]) {
		return ErrIndexCorrupt
	}
	return nil
}
