package keyring

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	pgperrors "github.com/ProtonMail/go-crypto/openpgp/errors"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
	openpgp "github.com/ProtonMail/go-crypto/openpgp/v2"
)

// Mode is the symmetric mode a message actually uses, read from its packets.
type Mode string

// Modes written by [EncryptBound].
const (
	// ModeAES256GCM is SEIPDv2 (AEAD) with AES-256 in GCM mode.
	ModeAES256GCM Mode = "AES-256-GCM"
	// ModeSEIPDv1 is SEIPDv1: AES-256 (CFB) with a modification detection
	// code, used when a recipient does not support SEIPDv2.
	ModeSEIPDv1 Mode = "AES-256 (SEIPDv1)"
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

// MaxPlaintext is the largest plaintext [EncryptBound] takes and [Decrypt]
// returns: 64 MiB. Items are dotenv and configuration files; the cap
// keeps one hostile message from taking every reader's memory.
const MaxPlaintext = 64 << 20

// maxCiphertext is the largest message Decrypt reads for a plaintext
// limit: room for packet headers, session keys, AEAD tags (16 bytes per
// 16 KiB chunk) and the signature.
func maxCiphertext(plainLimit int) int { return plainLimit + 1<<20 }

// BindingNotation is the name of the signature notation that carries a
// message's binding (see [EncryptBound]).
const BindingNotation = "binding@configsync"

// EncryptBound signs plaintext with signer, then encrypts it to every
// recipient in to (duplicates are ignored). It uses SEIPDv2 with
// AES-256-GCM when all recipients advertise AEAD, else SEIPDv1 with
// AES-256 for the whole message, and returns the mode read back from the
// output's packets. The output is binary. now is the signature time and
// the time at which the keys must be valid. Intended-recipient
// fingerprints are not bound into the signature (so [Rewrap] keeps it
// valid) and the literal data packet carries no file name.
//
// binding is a short text that says where the message belongs (for
// configsync, the environment, project and path of an item). It is stored
// as a notation in the hashed area of the signature, so it cannot be
// changed without breaking the signature, and it survives [Rewrap];
// [DecryptBound] returns it. The plaintext is not altered. An empty
// binding writes no notation: the message a format-1 store holds.
func EncryptBound(plaintext []byte, to []*PublicKey, signer *PrivateKey, now time.Time, binding string) ([]byte, Mode, error) {
	if signer == nil {
		return nil, "", fmt.Errorf("keyring: encrypt: no signing key")
	}
	if now.IsZero() {
		return nil, "", fmt.Errorf("keyring: encrypt: zero signature time")
	}
	if len(plaintext) > MaxPlaintext {
		return nil, "", fmt.Errorf("%w: %d bytes, over the limit of %s", ErrTooLarge, len(plaintext), mib(MaxPlaintext))
	}
	recipients := dedupe(to)
	if len(recipients) == 0 {
		return nil, "", ErrNoRecipients
	}
	cfg := newConfig(now)
	if binding != "" {
		cfg.SignatureNotations = []*packet.Notation{{Name: BindingNotation, Value: []byte(binding), IsHumanReadable: true}}
	}
	entities := make([]*openpgp.Entity, 0, len(recipients))
	allAEAD := true
	for _, r := range recipients {
		if _, err := r.entity.EncryptionKeyWithError(now, cfg); err != nil {
			return nil, "", &UnsupportedKeyError{Fingerprint: r.Fingerprint(), Reason: "no encryption key valid at " + now.UTC().Format(time.RFC3339) + " (expired or revoked)"}
		}
		allAEAD = allAEAD && r.SupportsAEAD()
		entities = append(entities, r.entity)
	}
	if !allAEAD {
		// go-crypto picks the cipher from the recipients' preferences and
		// falls back to AES-128; refuse rather than silently downgrade.
		for _, r := range recipients {
			if !r.acceptsAES256(now) {
				return nil, "", &UnsupportedKeyError{Fingerprint: r.Fingerprint(), Reason: "key does not accept AES-256"}
			}
		}
	}
	if _, ok := signer.entity.SigningKey(now, cfg); !ok {
		return nil, "", &UnsupportedKeyError{Fingerprint: signer.Fingerprint(), Reason: "no signing key valid at " + now.UTC().Format(time.RFC3339) + " (expired or revoked)"}
	}

	var buf bytes.Buffer
	w, err := openpgp.EncryptWithParams(&buf, entities, nil, &openpgp.EncryptParams{
		Signers: []*openpgp.Entity{signer.entity},
		Config:  cfg,
	})
	if err != nil {
		return nil, "", fmt.Errorf("keyring: encrypt: %w", err)
	}
	if _, err := w.Write(plaintext); err != nil {
		return nil, "", fmt.Errorf("keyring: encrypt: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, "", fmt.Errorf("keyring: encrypt: %w", err)
	}
	out := buf.Bytes()
	mode, err := MessageMode(out)
	if err != nil {
		return nil, "", err
	}
	return out, mode, nil
}

func (p *PublicKey) acceptsAES256(now time.Time) bool {
	sig, err := p.entity.PrimarySelfSignature(now, newConfig(now))
	if err != nil {
		return false
	}
	for _, c := range sig.PreferredSymmetric {
		if packet.CipherFunction(c) == packet.CipherAES256 {
			return true
		}
	}
	return false
}

func dedupe(keys []*PublicKey) []*PublicKey {
	seen := make(map[string]bool, len(keys))
	out := make([]*PublicKey, 0, len(keys))
	for _, k := range keys {
		if k == nil || seen[k.Fingerprint()] {
			continue
		}
		seen[k.Fingerprint()] = true
		out = append(out, k)
	}
	return out
}

// Decrypt decrypts ciphertext with one of keys and requires a valid
// signature by one of signers, the caller's allow-list; it returns the
// plaintext and that signer. The whole message is read and authenticated
// before any plaintext is returned: on error the plaintext is nil.
//
// Errors (errors.Is): [ErrNoKey] (not encrypted to any of keys),
// [ErrIntegrity] (modified or corrupted), [ErrUnsigned], [ErrUnknownSigner]
// (as [*UnknownSignerError]; a signature whose issuer is unknown is never
// taken as valid), [ErrBadSignature], [ErrCompressed] (refused before
// anything is decompressed), [ErrTooLarge] (ciphertext or plaintext over
// [MaxPlaintext]), [ErrMalformed].
func Decrypt(ciphertext []byte, keys []*PrivateKey, signers []*PublicKey, now time.Time) ([]byte, *PublicKey, error) {
	plain, signer, _, err := DecryptBound(ciphertext, keys, signers, now)
	return plain, signer, err
}

// DecryptBound is [Decrypt] that also returns the binding the verified
// signature carries ("" when it carries none: a message written with an
// empty binding). Comparing it with where the message was found is the
// caller's business. A signature with more than one binding is
// [ErrBadSignature].
func DecryptBound(ciphertext []byte, keys []*PrivateKey, signers []*PublicKey, now time.Time) ([]byte, *PublicKey, string, error) {
	return decryptBound(ciphertext, keys, signers, now, MaxPlaintext)
}

// decryptBound is DecryptBound with a plaintext limit, so that tests can
// exceed it cheaply.
func decryptBound(ciphertext []byte, keys []*PrivateKey, signers []*PublicKey, now time.Time, limit int) ([]byte, *PublicKey, string, error) {
	if len(ciphertext) > maxCiphertext(limit) {
		return nil, nil, "", fmt.Errorf("%w: %d bytes, over the limit of %s", ErrTooLarge, len(ciphertext), mib(maxCiphertext(limit)))
	}
	cfg := newConfig(now)
	// A decompression limit of zero: go-crypto reads nothing from a
	// compressed packet and fails with ErrMessageTooLarge (classify).
	cfg.MaxDecompressedMessageSize = new(int64)
	// Signers first: a signature is attributed to the first entity with the
	// issuer's key id, and it must be checked against the allow-list.
	var ring openpgp.EntityList
	for _, s := range signers {
		if s != nil {
			ring = append(ring, s.entity)
		}
	}
	for _, k := range keys {
		if k != nil {
			ring = append(ring, k.entity)
		}
	}
	md, err := openpgp.ReadMessage(bytes.NewReader(ciphertext), ring, nil, cfg)
	if err != nil {
		// go-crypto hides why decrypted data did not parse (against
		// oracles); a compressed packet is one reason, named here.
		if errors.Is(err, pgperrors.ErrDecryptSessionKeyParsing) && compressedInside(ciphertext, keys) {
			return nil, nil, "", ErrCompressed
		}
		return nil, nil, "", classify(err)
	}
	if !md.IsEncrypted {
		return nil, nil, "", fmt.Errorf("%w: message is not encrypted", ErrMalformed)
	}
	// Trap: go-crypto streams plaintext before the final AEAD tag or MDC is
	// checked, and only verifies the signature at EOF. Read everything,
	// then look at the errors, then use the data.
	body, err := io.ReadAll(io.LimitReader(md.UnverifiedBody, int64(limit)+1))
	switch {
	case errors.Is(err, pgperrors.ErrMessageTooLarge):
		clear(body)
		return nil, nil, "", ErrCompressed
	case err != nil:
		clear(body)
		return nil, nil, "", fmt.Errorf("%w (%v)", ErrIntegrity, err)
	case len(body) > limit:
		clear(body)
		return nil, nil, "", fmt.Errorf("%w: its plaintext is over the limit of %s", ErrTooLarge, mib(limit))
	}
	signer, err := checkSignature(md, signers)
	if err != nil {
		clear(body)
		return nil, nil, "", err
	}
	binding, err := bindingOf(md.Signature)
	if err != nil {
		clear(body)
		return nil, nil, "", err
	}
	return body, signer, binding, nil
}

// compressedInside reports whether the decrypted data of ciphertext holds
// a compressed packet before its literal data. It decrypts with the first
// of keys that opens it and reads only packet headers (and one-pass
// signatures), never the compressed body.
func compressedInside(ciphertext []byte, keys []*PrivateKey) bool {
	msg, err := splitMessage(ciphertext)
	if err != nil {
		return false
	}
	cfg := newConfig(time.Time{})
	for _, k := range keys {
		if k == nil {
			continue
		}
		sessionKey, cipherFunc, err := decryptSessionKey(msg.pkesks, k, cfg)
		if err != nil {
			continue
		}
		defer clear(sessionKey)
		p, err := packet.Read(bytes.NewReader(msg.data))
		se, ok := p.(*packet.SymmetricallyEncrypted)
		if err != nil || !ok {
			return false
		}
		r, err := se.Decrypt(cipherFunc, sessionKey)
		if err != nil {
			return false
		}
		defer r.Close()
		// A signed message may put its one-pass signatures first.
		for range 16 {
			switch p, err := packet.Read(r); p.(type) {
			case *packet.Compressed:
				return err == nil
			case *packet.OnePassSignature, *packet.Signature:
				if err != nil {
					return false
				}
			default:
				return false
			}
		}
		return false
	}
	return false
}

// bindingOf reads the binding notation of a verified signature. go-crypto
// only parses notations from the hashed area, which the signature covers.
func bindingOf(sig *packet.Signature) (string, error) {
	var out []string
	for _, n := range sig.Notations {
		if n.Name == BindingNotation {
			out = append(out, string(n.Value))
		}
	}
	switch len(out) {
	case 0:
		return "", nil
	case 1:
		return out[0], nil
	}
	return "", fmt.Errorf("%w: %d bindings in one signature", ErrBadSignature, len(out))
}

// checkSignature enforces: signed, verified, and by an allowed signer.
func checkSignature(md *openpgp.MessageDetails, signers []*PublicKey) (*PublicKey, error) {
	if !md.IsSigned || len(md.SignatureCandidates) == 0 {
		return nil, ErrUnsigned
	}
	if md.SignedBy == nil || md.SignatureError != nil || md.Signature == nil {
		c := md.SelectedCandidate
		if c == nil {
			c = md.SignatureCandidates[0]
		}
		if c.SignedBy == nil || errors.Is(md.SignatureError, pgperrors.ErrUnknownIssuer) {
			return nil, &UnknownSignerError{KeyID: issuerID(c.IssuerFingerprint, c.IssuerKeyId)}
		}
		if md.SignatureError != nil {
			return nil, fmt.Errorf("%w: %v", ErrBadSignature, md.SignatureError)
		}
		return nil, ErrBadSignature
	}
	fpr := fingerprint(md.SignedBy.Entity)
	for _, s := range signers {
		if s != nil && s.Fingerprint() == fpr {
			return s, nil
		}
	}
	return nil, &UnknownSignerError{KeyID: fpr}
}

// mib shows a size limit in MiB, rounded up.
func mib(n int) string { return fmt.Sprintf("%d MiB", (n+1<<20-1)>>20) }

func issuerID(fpr []byte, keyID uint64) string {
	if len(fpr) > 0 {
		return strings.ToUpper(hex.EncodeToString(fpr))
	}
	return fmt.Sprintf("%016X", keyID)
}

// classify maps go-crypto's errors from reading a message to ours.
func classify(err error) error {
	var decErr pgperrors.DecryptWithSessionKeyError
	var decErrPtr *pgperrors.DecryptWithSessionKeyError
	var aeadErr pgperrors.AEADError
	switch {
	case errors.Is(err, pgperrors.ErrKeyIncorrect):
		return ErrNoKey
	case errors.Is(err, pgperrors.ErrMessageTooLarge):
		// Only a compressed packet reads through the zero limit.
		return ErrCompressed
	case errors.As(err, &decErr), errors.As(err, &decErrPtr), errors.As(err, &aeadErr),
		errors.Is(err, pgperrors.ErrMDCHashMismatch), errors.Is(err, pgperrors.ErrMDCMissing):
		return fmt.Errorf("%w (%v)", ErrIntegrity, err)
	default:
		return fmt.Errorf("%w: %v", ErrMalformed, err)
	}
}

// Rewrap gives ciphertext's session key, decrypted with key, to exactly the
// recipients in to: it keeps the session key packets of the recipients
// that stay (adding a member to a team of n costs one new packet, not
// n), writes new ones for the others, drops the rest, and copies the
// encrypted data packet byte for byte. No plaintext is
// produced and the signature inside stays valid. A recipient not in to
// cannot decrypt the result (though it could decrypt older copies: removing
// a member needs a new key and re-encryption).
//
// A SEIPDv2 message can only be re-wrapped to recipients that support AEAD
// ([ErrAEADUnsupported] otherwise: re-encrypt). Recipient encryption
// subkeys are chosen without an expiry check (Rewrap takes no time).
func Rewrap(ciphertext []byte, key *PrivateKey, to []*PublicKey) ([]byte, error) {
	if key == nil {
		return nil, fmt.Errorf("keyring: rewrap: no decryption key")
	}
	recipients := dedupe(to)
	if len(recipients) == 0 {
		return nil, ErrNoRecipients
	}
	msg, err := splitMessage(ciphertext)
	if err != nil {
		return nil, err
	}
	aead := msg.version == 2
	if aead {
		for _, r := range recipients {
			if !r.SupportsAEAD() {
				return nil, fmt.Errorf("rewrap to %s: %w", r.Fingerprint(), ErrAEADUnsupported)
			}
		}
	}
	cfg := newConfig(time.Time{})
	sessionKey, cipherFunc, err := decryptSessionKey(msg.pkesks, key, cfg)
	if err != nil {
		return nil, err
	}
	defer clear(sessionKey)

	kept := map[string][]byte{} // a recipient key id: its packet as it is
	for _, raw := range msg.pkesks {
		if id := pkeskRecipient(raw); id != "" {
			kept[id] = raw
		}
	}
	var out bytes.Buffer
	for _, r := range recipients {
		enc, err := r.entity.EncryptionKeyWithError(time.Time{}, cfg)
		if err == nil {
			if raw, ok := kept[strings.ToUpper(hex.EncodeToString(enc.PublicKey.Fingerprint))]; ok {
				out.Write(raw)
				continue
			}
			if raw, ok := kept[fmt.Sprintf("%016X", enc.PublicKey.KeyId)]; ok {
				out.Write(raw)
				continue
			}
		}
		if err != nil {
			return nil, &UnsupportedKeyError{Fingerprint: r.Fingerprint(), Reason: "no usable encryption key"}
		}
		if err := packet.SerializeEncryptedKeyAEAD(&out, enc.PublicKey, cipherFunc, aead, sessionKey, cfg); err != nil {
			return nil, fmt.Errorf("keyring: rewrap to %s: %w", r.Fingerprint(), err)
		}
	}
	out.Write(msg.data)
	return out.Bytes(), nil
}

// decryptSessionKey finds a PKESK that key can open and returns the session
// key and, for v3 PKESKs, its cipher.
func decryptSessionKey(pkesks [][]byte, key *PrivateKey, cfg *packet.Config) ([]byte, packet.CipherFunction, error) {
	for _, raw := range pkesks {
		p, err := packet.Read(bytes.NewReader(raw))
		if err != nil {
			continue
		}
		ek, ok := p.(*packet.EncryptedKey)
		if !ok {
			continue
		}
		for _, k := range key.entity.DecryptionKeys(ek.KeyId, time.Time{}, cfg) {
			if k.PrivateKey == nil || k.PrivateKey.Encrypted || k.PrivateKey.Dummy() {
				continue
			}
			if err := ek.Decrypt(k.PrivateKey, cfg); err != nil || len(ek.Key) == 0 {
				continue
			}
			return bytes.Clone(ek.Key), ek.CipherFunc, nil
		}
	}
	return nil, 0, ErrNoKey
}

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

// readHeader parses one OpenPGP packet header (RFC 9580 section 4.2).
func readHeader(b []byte) (header, error) {
	short := fmt.Errorf("%w: truncated packet header", ErrMalformed)
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
