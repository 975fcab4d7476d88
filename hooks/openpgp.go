package hooks

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"path"
	"strings"
)

// OpenPGP packet tags (RFC 9580 §5) that may make up an encrypted message.
const (
	tagPKESK  = 1  // public-key encrypted session key
	tagSKESK  = 3  // symmetric-key encrypted session key
	tagSED    = 9  // symmetrically encrypted data (legacy, no integrity)
	tagMarker = 10 // "PGP", ignored by readers
	tagSEIPD  = 18 // symmetrically encrypted and integrity protected data
	tagAEAD   = 20 // OCB encrypted data (LibrePGP)
)

// isEncrypted reports whether a file is OpenPGP ciphertext, such as
// configsync's own items (environments/…/*.pgp): a .pgp, .gpg or .asc file
// that parses as an encrypted message, binary or armored. Only such a file
// is spared the rules by name: a file that merely starts like OpenPGP (a
// byte ≥ 0x80, a UTF-8 BOM, an armor line over plaintext) is checked like
// any other, and so is a signed or compressed message, which holds its
// plaintext readable by anyone.
func isEncrypted(name string, data []byte) bool {
	switch strings.ToLower(path.Ext(name)) {
	case ".pgp", ".gpg", ".asc":
	default:
		return false
	}
	if len(data) > 0 && data[0]&0x80 != 0 {
		return encryptedMessage(data)
	}
	body, ok := dearmorMessage(data)
	return ok && encryptedMessage(body)
}

// encryptedMessage reports whether data is exactly one OpenPGP encrypted
// message (RFC 9580 §10.3): session key packets, then one encrypted data
// packet that ends at the end of data. Packet lengths must add up to the
// size of data, so a stray first byte does not pass.
func encryptedMessage(data []byte) bool {
	for len(data) > 0 {
		tag, head, rest, ok := nextPacket(data)
		if !ok || len(head) == 0 {
			return false
		}
		version := head[0]
		switch tag {
		case tagMarker:
			if string(head) != "PGP" {
				return false
			}
		case tagPKESK:
			if version != 3 && version != 6 {
				return false
			}
		case tagSKESK:
			if version < 4 || version > 6 {
				return false
			}
		case tagSEIPD, tagAEAD, tagSED:
			switch {
			case tag == tagSEIPD && version != 1 && version != 2,
				tag == tagAEAD && version != 1:
				return false
			}
			return len(rest) == 0 // nothing may follow the encrypted data
		default:
			return false
		}
		data = rest
	}
	return false // no encrypted data packet
}

// nextPacket splits the first packet off data: its tag, the first chunk
// of its body (the whole body unless it uses partial lengths) and what
// follows it. ok is false when the header is not a packet header or the
// lengths run past the end of data.
func nextPacket(data []byte) (tag int, head, rest []byte, ok bool) {
	if len(data) < 2 || data[0]&0x80 == 0 {
		return 0, nil, nil, false
	}
	if data[0]&0x40 == 0 {
		return nextOldPacket(data)
	}
	tag = int(data[0] & 0x3f)
	data = data[1:]
	for first := true; ; first = false {
		n, hdr, partial, ok := newLength(data)
		if !ok || uint64(hdr)+n > uint64(len(data)) {
			return 0, nil, nil, false
		}
		if partial && (!streamable(tag) || first && n < 512) {
			return 0, nil, nil, false // RFC 9580 §4.2.1.4
		}
		body := data[hdr : hdr+int(n)]
		if first {
			head = body
		}
		data = data[hdr+int(n):]
		if !partial {
			return tag, head, data, true
		}
	}
}

// newLength decodes a new-format body length: its value, the size of the
// length field, and whether it is a partial length.
func newLength(data []byte) (n uint64, hdr int, partial, ok bool) {
	if len(data) == 0 {
		return 0, 0, false, false
	}
	switch l := data[0]; {
	case l < 192:
		return uint64(l), 1, false, true
	case l < 224:
		if len(data) < 2 {
			return 0, 0, false, false
		}
		return uint64(l-192)<<8 + uint64(data[1]) + 192, 2, false, true
	case l == 255:
		if len(data) < 5 {
			return 0, 0, false, false
		}
		return uint64(binary.BigEndian.Uint32(data[1:5])), 5, false, true
	default:
		return 1 << (l & 0x1f), 1, true, true
	}
}

// nextOldPacket is nextPacket for a legacy-format header: a 4-bit tag and a
// length of 1, 2 or 4 bytes, or "until the end of data".
func nextOldPacket(data []byte) (tag int, head, rest []byte, ok bool) {
	tag = int(data[0]>>2) & 0x0f
	var n uint64
	hdr := 1 << (data[0] & 3) // 1, 2 or 4 length bytes; 8 means none
	switch hdr {
	case 1:
		n = uint64(data[1])
	case 2:
		if len(data) < 3 {
			return 0, nil, nil, false
		}
		n = uint64(binary.BigEndian.Uint16(data[1:3]))
	case 4:
		if len(data) < 5 {
			return 0, nil, nil, false
		}
		n = uint64(binary.BigEndian.Uint32(data[1:5]))
	default: // indeterminate: the rest of data
		if !streamable(tag) {
			return 0, nil, nil, false
		}
		return tag, data[1:], nil, true
	}
	if 1+uint64(hdr)+n > uint64(len(data)) {
		return 0, nil, nil, false
	}
	end := 1 + hdr + int(n)
	return tag, data[1+hdr : end], data[end:], true
}

// streamable reports whether a packet may use partial or indeterminate
// lengths: only the data packets can.
func streamable(tag int) bool {
	switch tag {
	case 8, tagSED, 11, tagSEIPD, tagAEAD: // compressed, encrypted, literal
		return true
	}
	return false
}

// dearmorMessage decodes an ASCII-armored OpenPGP message (RFC 9580 §6.2):
// optional leading whitespace, "-----BEGIN PGP MESSAGE-----", optional
// headers, a blank line, the base64 body with an optional "=" checksum
// line, and the matching END line with nothing but whitespace after it.
func dearmorMessage(data []byte) ([]byte, bool) {
	const begin, end = "-----BEGIN PGP MESSAGE-----", "-----END PGP MESSAGE-----"
	text := string(bytes.TrimSpace(data))
	rest, ok := strings.CutPrefix(text, begin)
	if !ok {
		return nil, false
	}
	rest, ok = strings.CutSuffix(rest, end)
	if !ok {
		return nil, false
	}
	lines := strings.Split(rest, "\n")
	if strings.TrimSpace(lines[0]) != "" {
		return nil, false // the BEGIN line must end its line
	}
	// Skip the headers ("Key: value"): base64 has no colon.
	i := 1
	for i < len(lines) && strings.Contains(lines[i], ":") {
		i++
	}
	var b64 strings.Builder
	for _, l := range lines[i:] {
		l = strings.TrimSpace(l)
		if strings.HasPrefix(l, "=") && len(l) == 5 {
			continue // CRC-24 checksum, optional
		}
		b64.WriteString(l)
	}
	body, err := base64.StdEncoding.DecodeString(b64.String())
	if err != nil || len(body) == 0 {
		return nil, false
	}
	return body, true
}
