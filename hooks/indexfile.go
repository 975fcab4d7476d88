package hooks

import (
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
