package keyring

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"

	"github.com/ProtonMail/go-crypto/openpgp/packet"
)

// OpenPGP packet tags used here.
const (
	tagPKESK  = 1
	tagSKESK  = 3
	tagSED    = 9
	tagMarker = 10
	tagSEIPD  = 18
	tagAEAD   = 20
)

// message is an encrypted message split at packet boundaries.
type message struct {
	pkesks  [][]byte // whole PKESK packets, header included
	data    []byte   // the SEIPD packet, header included, to the end
	version int      // SEIPD version, 1 or 2
	cipher  packet.CipherFunction
	aead    packet.AEADMode
}

// splitMessage walks the packet headers of an encrypted message without
// decrypting anything.
func splitMessage(b []byte) (*message, error) {
	msg := &message{}
	for off := 0; off < len(b); {
		h, err := readHeader(b[off:])
		if err != nil {
			return nil, err
		}
		switch h.tag {
		case tagPKESK, tagSKESK, tagMarker:
			if h.partial {
				return nil, fmt.Errorf("%w: partial length on a key packet", ErrMalformed)
			}
			if h.tag == tagPKESK {
				msg.pkesks = append(msg.pkesks, b[off:off+h.hdrLen+h.bodyLen])
			}
			off += h.hdrLen + h.bodyLen
		case tagSEIPD:
			body := b[off+h.hdrLen:]
			if len(body) < 1 {
				return nil, fmt.Errorf("%w: truncated encrypted data", ErrMalformed)
			}
			msg.version = int(body[0])
			switch msg.version {
			case 1:
			case 2:
				if len(body) < 4 {
					return nil, fmt.Errorf("%w: truncated encrypted data", ErrMalformed)
				}
				msg.cipher = packet.CipherFunction(body[1])
				msg.aead = packet.AEADMode(body[2])
			default:
				return nil, fmt.Errorf("%w: unknown encrypted data version %d", ErrMalformed, msg.version)
			}
			msg.data = b[off:]
			return msg, nil
		case tagSED, tagAEAD:
			return nil, fmt.Errorf("%w: encrypted data without supported integrity protection", ErrMalformed)
		default:
			return nil, fmt.Errorf("%w: not an encrypted message (packet %d)", ErrMalformed, h.tag)
		}
	}
	return nil, fmt.Errorf("%w: no encrypted data packet", ErrMalformed)
}

type header struct {
	tag     int
	hdrLen  int
	bodyLen int  // first (partial) body length
	partial bool // partial or indeterminate length: body runs on
}

// errShortHeader is made once: readHeader runs for every packet of every
// version of a wrapped key a history walk reads (n² at n members).
var errShortHeader = fmt.Errorf("%w: truncated packet header", ErrMalformed)

// readHeader parses one OpenPGP packet header (RFC 9580 section 4.2).
func readHeader(b []byte) (header, error) {
	short := errShortHeader
	if len(b) < 2 || b[0]&0x80 == 0 {
		return header{}, fmt.Errorf("%w: not an OpenPGP packet", ErrMalformed)
	}
	var h header
	if b[0]&0x40 != 0 { // new format
		h.tag = int(b[0] & 0x3f)
		switch l := int(b[1]); {
		case l < 192:
			h.hdrLen, h.bodyLen = 2, l
		case l < 224:
			if len(b) < 3 {
				return header{}, short
			}
			h.hdrLen, h.bodyLen = 3, (l-192)<<8+int(b[2])+192
		case l == 255:
			if len(b) < 6 {
				return header{}, short
			}
			h.hdrLen, h.bodyLen = 6, int(binary.BigEndian.Uint32(b[2:6]))
		default:
			h.hdrLen, h.bodyLen, h.partial = 2, 1<<(l&0x1f), true
		}
	} else { // legacy format
		h.tag = int(b[0]>>2) & 0xf
		switch b[0] & 3 {
		case 0:
			h.hdrLen, h.bodyLen = 2, int(b[1])
		case 1:
			if len(b) < 3 {
				return header{}, short
			}
			h.hdrLen, h.bodyLen = 3, int(binary.BigEndian.Uint16(b[1:3]))
		case 2:
			if len(b) < 5 {
				return header{}, short
			}
			h.hdrLen, h.bodyLen = 5, int(binary.BigEndian.Uint32(b[1:5]))
		default:
			h.hdrLen, h.bodyLen, h.partial = 1, len(b)-1, true
		}
	}
	if !h.partial && h.hdrLen+h.bodyLen > len(b) {
		return header{}, fmt.Errorf("%w: truncated packet", ErrMalformed)
	}
	return h, nil
}

// MessageMode reads the packet headers of ciphertext and returns the
// symmetric mode its encrypted data uses. A SEIPDv1 message does not name
// its cipher in clear; MessageMode reports [ModeSEIPDv1] for it unless a
// session key packet names another cipher ([EncryptBound] only writes AES-256).
func MessageMode(ciphertext []byte) (Mode, error) {
	msg, err := splitMessage(ciphertext)
	if err != nil {
		return "", err
	}
	if msg.version == 2 {
		if msg.cipher == packet.CipherAES256 && msg.aead == packet.AEADModeGCM {
			return ModeAES256GCM, nil
		}
		return Mode(cipherName(msg.cipher) + "-" + aeadName(msg.aead)), nil
	}
	for _, raw := range msg.pkesks {
		p, err := packet.Read(bytes.NewReader(raw))
		if err != nil {
			continue
		}
		if ek, ok := p.(*packet.EncryptedKey); ok && ek.CipherFunc != 0 && ek.CipherFunc != packet.CipherAES256 {
			return Mode(cipherName(ek.CipherFunc) + " (SEIPDv1)"), nil
		}
	}
	return ModeSEIPDv1, nil
}

func cipherName(c packet.CipherFunction) string {
	switch c {
	case packet.CipherAES128:
		return "AES-128"
	case packet.CipherAES192:
		return "AES-192"
	case packet.CipherAES256:
		return "AES-256"
	default:
		return fmt.Sprintf("cipher-%d", c)
	}
}

func aeadName(m packet.AEADMode) string {
	switch m {
	case packet.AEADModeGCM:
		return "GCM"
	case packet.AEADModeOCB:
		return "OCB"
	case packet.AEADModeEAX:
		return "EAX"
	default:
		return fmt.Sprintf("aead-%d", m)
	}
}

// RecipientKeyIDs lists the recipients named by ciphertext's public-key
// encrypted session key packets, in order: the encryption (sub)key's
// fingerprint for v6 packets, its 16-digit key id for v3 packets, upper-case
// hex; "" for an anonymous recipient. Use [PublicKey.Matches] to map them to
// keys.
func RecipientKeyIDs(ciphertext []byte) ([]string, error) {
	msg, err := splitMessage(ciphertext)
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(msg.pkesks))
	for _, raw := range msg.pkesks {
		ek, err := readPKESK(raw)
		if err != nil {
			return nil, err
		}
		ids = append(ids, recipientOf(ek))
	}
	return ids, nil
}

// RecipientReader is [RecipientKeyIDs] for many messages that share
// session key packets, as the versions of one wrapped key do (Rewrap
// keeps the packets of the recipients that stay): each distinct packet
// is parsed once. Not safe for concurrent use.
type RecipientReader struct {
	ids map[string]string // recipientOf by the packet's bytes
}

// KeyIDs is RecipientKeyIDs(ciphertext).
func (r *RecipientReader) KeyIDs(ciphertext []byte) ([]string, error) {
	msg, err := splitMessage(ciphertext)
	if err != nil {
		return nil, err
	}
	if r.ids == nil {
		r.ids = map[string]string{}
	}
	ids := make([]string, 0, len(msg.pkesks))
	for _, raw := range msg.pkesks {
		id, ok := r.ids[string(raw)]
		if !ok {
			ek, err := readPKESK(raw)
			if err != nil {
				return nil, err
			}
			id = recipientOf(ek)
			r.ids[string(raw)] = id
		}
		ids = append(ids, id)
	}
	return ids, nil
}

func readPKESK(raw []byte) (*packet.EncryptedKey, error) {
	p, err := packet.Read(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("%w: session key packet: %v", ErrMalformed, err)
	}
	ek, ok := p.(*packet.EncryptedKey)
	if !ok {
		return nil, fmt.Errorf("%w: unexpected session key packet", ErrMalformed)
	}
	return ek, nil
}

// recipientOf is the key a session key packet names: its fingerprint
// (v6), else its key id, upper-case hex; "" for an anonymous one.
func recipientOf(ek *packet.EncryptedKey) string {
	switch {
	case len(ek.KeyFingerprint) > 0:
		return strings.ToUpper(hex.EncodeToString(ek.KeyFingerprint))
	case ek.KeyId != 0:
		return fmt.Sprintf("%016X", ek.KeyId)
	}
	return ""
}

// pkeskRecipient is recipientOf a raw packet, "" when it cannot tell.
func pkeskRecipient(raw []byte) string {
	ek, err := readPKESK(raw)
	if err != nil {
		return ""
	}
	return recipientOf(ek)
}

// Matches reports whether id, a fingerprint or 16-digit key id as
// [RecipientKeyIDs] reports them (any case), names p's primary key or one of
// its subkeys.
func (p *PublicKey) Matches(id string) bool {
	return id != "" && slices.Contains(p.ids, strings.ToUpper(id))
}

// IDs lists the fingerprints and 16-digit key ids of p's primary key and
// subkeys, upper-case, as [RecipientKeyIDs] reports them.
func (p *PublicKey) IDs() []string { return slices.Clone(p.ids) }

// KeySet finds which of some keys an id names, as [PublicKey.Matches]
// would, in one lookup: a team's environment key is wrapped for every
// member holding its tier, and matching each recipient against each
// member's key in turn is quadratic in the team's size.
type KeySet struct {
	byID map[string]*PublicKey
}

// NewKeySet indexes keys; nil keys are skipped. An id two keys share
// finds the first.
func NewKeySet(keys ...*PublicKey) KeySet {
	s := KeySet{byID: make(map[string]*PublicKey, 4*len(keys))}
	for _, k := range keys {
		if k == nil {
			continue
		}
		for _, id := range k.ids {
			if _, taken := s.byID[id]; !taken {
				s.byID[id] = k
			}
		}
	}
	return s
}

// Find returns the key id names (a fingerprint or 16-digit key id, any
// case, of a primary key or subkey), or nil.
func (s KeySet) Find(id string) *PublicKey {
	if id == "" {
		return nil
	}
	return s.byID[strings.ToUpper(id)]
}
