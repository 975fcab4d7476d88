package hooks

import (
	"bytes"
	"encoding/binary"
	"unicode/utf16"
	"unicode/utf8"
)

// decodeWide decodes UTF-16 or UTF-32 text to UTF-8, so that the value
// scan sees a copy saved by an editor or a shell that writes wide text
// (PowerShell's ">" writes UTF-16LE with a byte order mark). The encoding
// is told by its byte order mark, or, without one, by the NUL bytes that
// mostly-ASCII text has in every second (UTF-16) or in three of four
// (UTF-32) bytes of its first 8000. ok is false for anything else.
func decodeWide(data []byte) (text []byte, ok bool) {
	switch {
	case bytes.HasPrefix(data, []byte{0xff, 0xfe, 0, 0}):
		return decode32(data[4:], binary.LittleEndian), true
	case bytes.HasPrefix(data, []byte{0, 0, 0xfe, 0xff}):
		return decode32(data[4:], binary.BigEndian), true
	case bytes.HasPrefix(data, []byte{0xff, 0xfe}):
		return decode16(data[2:], binary.LittleEndian), true
	case bytes.HasPrefix(data, []byte{0xfe, 0xff}):
		return decode16(data[2:], binary.BigEndian), true
	}
	sample := data[:min(len(data), 8000)&^3]
	if len(sample) < 2*window || bytes.IndexByte(sample, 0) < 0 {
		return nil, false // too short to hold a value, or no NUL at all
	}
	var zeros [4]int // NUL bytes at each offset modulo 4
	for i, b := range sample {
		if b == 0 {
			zeros[i%4]++
		}
	}
	quads := len(sample) / 4
	hi := func(k int) bool { return zeros[k]*2 >= quads } // NUL in half or more
	lo := func(k int) bool { return zeros[k]*8 <= quads } // NUL in an eighth or less
	switch {
	case lo(0) && hi(1) && hi(2) && hi(3):
		return decode32(data, binary.LittleEndian), true
	case hi(0) && hi(1) && hi(2) && lo(3):
		return decode32(data, binary.BigEndian), true
	case lo(0) && hi(1) && lo(2) && hi(3):
		return decode16(data, binary.LittleEndian), true
	case hi(0) && lo(1) && hi(2) && lo(3):
		return decode16(data, binary.BigEndian), true
	}
	return nil, false
}

// decode16 decodes UTF-16 to UTF-8; a broken surrogate pair gives U+FFFD.
func decode16(b []byte, order binary.ByteOrder) []byte {
	out := make([]byte, 0, len(b)/2)
	for i := 0; i+1 < len(b); i += 2 {
		r := rune(order.Uint16(b[i:]))
		if utf16.IsSurrogate(r) {
			r2 := utf8.RuneError
			if i+3 < len(b) {
				r2 = rune(order.Uint16(b[i+2:]))
			}
			if r = utf16.DecodeRune(r, r2); r != utf8.RuneError {
				i += 2
			}
		}
		out = utf8.AppendRune(out, r)
	}
	return out
}

// decode32 decodes UTF-32 to UTF-8; an invalid code point gives U+FFFD.
func decode32(b []byte, order binary.ByteOrder) []byte {
	out := make([]byte, 0, len(b)/4)
	for i := 0; i+3 < len(b); i += 4 {
		out = utf8.AppendRune(out, rune(order.Uint32(b[i:])))
	}
	return out
}
