package hooks

import (
	"crypto/hmac"
	"crypto/sha256"
	"hash"
	"slices"
)

func (ix *Index) build() {
	if ix.built {
		return
	}
	ix.filter = make([]uint64, (1<<filterBits)/64)
	ix.byTag = map[uint32][]match{}
	for _, src := range ix.Sources() {
		for _, e := range ix.sources[src] {
			f := e.tag >> (tagBits - filterBits)
			ix.filter[f/64] |= 1 << (f % 64)
			ix.byTag[e.tag] = append(ix.byTag[e.tag], match{source: src, entry: e})
		}
	}
	for _, ms := range ix.byTag {
		// by length, so find computes one HMAC per distinct length
		slices.SortStableFunc(ms, func(a, b match) int { return int(a.length) - int(b.length) })
	}
	ix.built = true
}

// hit is one occurrence of an indexed form in scanned data.
type hit struct {
	offset int
	source string
	key    string
}

// find calls fn for every occurrence in data of an indexed form, in order
// of offset. It is the hot path of the guard: one multiply-add and one
// bitset probe per byte, and HMACs only for windows that pass the filter
// and whose full tag matches.
func (ix *Index) find(data []byte, fn func(hit)) {
	if len(ix.sources) == 0 || len(data) < window {
		return
	}
	ix.build()
	var m hash.Hash
	var sum [sha256.Size]byte
	base, top := ix.base, ix.powTop
	filter := ix.filter
	var h uint64
	for _, c := range data[:window] {
		h = h*base + uint64(c)
	}
	for i := 0; ; i++ {
		t := ix.finish(h)
		f := t >> (tagBits - filterBits)
		if filter[f/64]&(1<<(f%64)) != 0 {
			if cands := ix.byTag[t]; cands != nil {
				if m == nil {
					m = hmac.New(sha256.New, ix.macKey)
				}
				lastLen := -1
				for _, c := range cands {
					n := int(c.length)
					if i+n > len(data) {
						continue
					}
					if n != lastLen {
						m.Reset()
						m.Write(data[i : i+n])
						m.Sum(sum[:0])
						lastLen = n
					}
					if hmac.Equal(sum[:], c.mac[:]) {
						fn(hit{offset: i, source: c.source, key: c.key})
					}
				}
			}
		}
		if i+window >= len(data) {
			return
		}
		h = (h-uint64(data[i])*top)*base + uint64(data[i+window])
	}
}
