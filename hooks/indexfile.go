package hooks

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
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

func (ix *Index) decode(data []byte) error {
	if len(data) < len(indexMagic)+sha256.Size || !bytes.Equal(data[:len(indexMagic)], indexMagic) {
		return ErrIndexCorrupt
	}
	body, sum := data[:len(data)-sha256.Size], data[len(data)-sha256.Size:]
	m := hmac.New(sha256.New, ix.fileKey)
	m.Write(body)
	if !hmac.Equal(m.Sum(nil), sum) {
		return ErrIndexCorrupt
	}
	r := body[len(indexMagic):]
	bad := false
	u32 := func() uint32 {
		if len(r) < 4 {
			bad = true
			return 0
		}
		v := binary.LittleEndian.Uint32(r)
		r = r[4:]
		return v
	}
	str := func() string {
		n := u32()
		if bad || uint64(n) > uint64(len(r)) {
			bad = true
			return ""
		}
		s := string(r[:n])
		r = r[n:]
		return s
	}
	nsrc := u32()
	for i := uint32(0); i < nsrc && !bad; i++ {
		src := str()
		if bad || len(r) < sha256.Size {
			return ErrIndexCorrupt
		}
		var d sourceDigest
		copy(d.sum[:], r)
		r = r[sha256.Size:]
		d.n = u32()
		n := u32()
		if bad || uint64(n) > uint64(len(r)) {
			return ErrIndexCorrupt
		}
		es := make([]entry, 0, n)
		for j := uint32(0); j < n && !bad; j++ {
			e := entry{key: ix.intern(str()), length: u32(), tag: u32()}
			if bad || len(r) < sha256.Size || e.length < window {
				return ErrIndexCorrupt
			}
			copy(e.mac[:], r)
			r = r[sha256.Size:]
			es = append(es, e)
		}
		ix.sources[src] = es
		ix.digests[src] = d
	}
	if bad || len(r) != 0 {
		return ErrIndexCorrupt
	}
	return nil
}
