package keyring

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
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
	cfg.AEADConfig.ChunkSize = aeadChunk(len(plaintext))
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

	// Sized once for the message (headers, signature, a tag and length
	// per 16 KiB chunk): grown by doubling, a 2 KB ciphertext kept a
	// 4 KB array, for every item of a push that holds them all.
	var buf bytes.Buffer
	buf.Grow(len(plaintext) + len(plaintext)/512 + 1024)
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
	if cap(out)-len(out) > len(out)/8 {
		out = bytes.Clone(out) // kept by the caller: not the headroom too
	}
	mode, err := MessageMode(out)
	if err != nil {
		return nil, "", err
	}
	return out, mode, nil
}

// aeadChunk is the AEAD chunk size for a plaintext of n bytes: the
// smallest power of two that holds it with its signature packets, from
// 1 KiB up to newConfig's 16 KiB. go-crypto allocates and zeroes a whole
// chunk for each message it encrypts or decrypts, so a 200-byte secret
// in 16 KiB chunks cost 16 KiB of new memory at every read. The chunk
// size tells no more than the ciphertext's length already does.
func aeadChunk(n int) uint64 {
	const smallest, signatures = 1 << 10, 512
	c := uint64(smallest)
	for c < maxChunk && c < uint64(n)+signatures {
		c <<= 1
	}
	return c
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
	md, err := openpgp.ReadMessage(bytes.NewReader(ciphertext), newMessageRing(signers, keys), nil, cfg)
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
	body, err := readPlaintext(md.UnverifiedBody, len(ciphertext), limit)
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

// readPlaintext reads at most limit+1 bytes of r, a message's plaintext,
// into one buffer sized from the ciphertext, which is never shorter (no
// compression): io.ReadAll's doubling would leave stray partial copies of
// the secret behind in freed memory, and cost new memory a short-lived
// process pays a page fault for.
func readPlaintext(r io.Reader, ciphertextLen, limit int) ([]byte, error) {
	buf := bytes.NewBuffer(make([]byte, 0, min(ciphertextLen, limit+1)+bytes.MinRead))
	_, err := buf.ReadFrom(io.LimitReader(r, int64(limit)+1))
	return buf.Bytes(), err
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
