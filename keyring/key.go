package keyring

import (
	"bytes"
	"crypto"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp/armor"
	pgperrors "github.com/ProtonMail/go-crypto/openpgp/errors"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
	openpgp "github.com/ProtonMail/go-crypto/openpgp/v2"
)

const (
	publicKeyBlock  = "PGP PUBLIC KEY BLOCK"
	privateKeyBlock = "PGP PRIVATE KEY BLOCK"
	signatureBlock  = "PGP SIGNATURE"

	// minRSABits is the smallest RSA modulus accepted, for keys and for use.
	minRSABits = 3072
)

// PrivateKey is an OpenPGP secret key: a person's or CI job's identity, or
// an environment key. Its secret material is always unlocked in memory.
// Its String method never prints secret material. A PrivateKey may be used
// by several goroutines at once.
type PrivateKey struct {
	entity *openpgp.Entity
	public *PublicKey
}

// PublicKey is an OpenPGP public key (certificate): a member's key or an
// environment's public key. A PublicKey may be used by several goroutines at
// once.
type PublicKey struct {
	entity *openpgp.Entity
	// ids are the fingerprints and key ids of the primary key and its
	// subkeys as RecipientKeyIDs reports them, worked out once: checking
	// a message's recipients against a team is then a set lookup.
	ids []string
}

// maxChunk is the largest AEAD chunk configsync writes (aeadChunk).
const maxChunk = 1 << 14

// newConfig is the single go-crypto configuration of this package. now is
// the time of signatures and of key generation; it is never read from the
// clock here.
func newConfig(now time.Time) *packet.Config {
	return &packet.Config{
		DefaultHash:   crypto.SHA256,
		DefaultCipher: packet.CipherAES256,
		// 16 KiB chunks: go-crypto allocates (and zeroes) one chunk per
		// message on each side, and items are small — the default 256 KiB
		// made a pull of 1000 items allocate 256 MiB. A 16-byte tag per
		// chunk costs 0.1% on large files.
		AEADConfig: &packet.AEADConfig{DefaultMode: packet.AEADModeGCM, ChunkSize: maxChunk},
		Time:       func() time.Time { return now },
		MinRSABits: minRSABits,
		// Intended-recipient fingerprints bound into the signature would
		// break Rewrap; recipients are configsync's business (the
		// environment's member list), not the signature's.
		CheckIntendedRecipients: packet.BoolPointer(false),
		V6Keys:                  true,
		Algorithm:               packet.PubKeyAlgoEd25519,
		// Never compress (the zero value, said out loud): Decrypt
		// refuses compressed messages, and ciphertext of a secret must
		// not leak its compressibility.
		DefaultCompressionAlgo: packet.CompressionNone,
	}
}

// Generate makes an RFC 9580 v6 key: an Ed25519 primary key (certify, sign)
// and an X25519 encryption subkey, user id "name <email>", created at now.
// Its self-signature advertises SEIPDv2 with AES-256-GCM and AES-256: these
// preferences only exist if set at generation (go-crypto ignores the
// encryption config for them later).
func Generate(name, email string, now time.Time) (*PrivateKey, error) {
	if name == "" || email == "" {
		return nil, fmt.Errorf("keyring: generate key: name and email are required")
	}
	return generate(name, email, now)
}

// GenerateEnvironmentKey makes an environment key with the same algorithms
// and preferences as [Generate]; its user id is "configsync environment
// <env>" (no email).
func GenerateEnvironmentKey(env string, now time.Time) (*PrivateKey, error) {
	if env == "" {
		return nil, fmt.Errorf("keyring: generate environment key: empty environment name")
	}
	return generate("configsync environment "+env, "", now)
}

func generate(name, email string, now time.Time) (*PrivateKey, error) {
	if now.IsZero() {
		return nil, fmt.Errorf("keyring: generate key: zero creation time")
	}
	e, err := openpgp.NewEntity(name, "", email, newConfig(now))
	if err != nil {
		return nil, fmt.Errorf("keyring: generate key for %q: %w", name, err)
	}
	return newPrivateKey(e)
}

// ReadPrivateKey reads one armored or binary secret key: a v6 key, or a
// GnuPG v4 key (Ed25519/Cv25519, or RSA of at least 3072 bits). When the key
// is passphrase-protected it calls passphrase once: a nil function gives
// [ErrPassphraseRequired], a passphrase that does not unlock it
// [ErrWrongPassphrase]. A key that is weak, revoked, of an unsupported
// algorithm, or lacks a signing or encryption key gives an
// [*UnsupportedKeyError]; a public key gives [ErrNoSecretKey].
func ReadPrivateKey(data []byte, passphrase func() ([]byte, error)) (*PrivateKey, error) {
	e, err := readEntity(data)
	if err != nil {
		return nil, err
	}
	if e.PrivateKey == nil {
		return nil, ErrNoSecretKey
	}
	if locked(e) {
		if passphrase == nil {
			return nil, ErrPassphraseRequired
		}
		pass, err := passphrase()
		if err != nil {
			return nil, fmt.Errorf("keyring: reading passphrase: %w", err)
		}
		if err := e.DecryptPrivateKeys(pass); err != nil {
			var dummy pgperrors.ErrDummyPrivateKey
			if errors.As(err, &dummy) {
				return nil, &UnsupportedKeyError{Fingerprint: fingerprint(e), Reason: "secret key material is not in this file (GnuPG stub or smartcard)"}
			}
			return nil, ErrWrongPassphrase
		}
	}
	return newPrivateKey(e)
}

// locked reports whether any secret (sub)key of e is passphrase-protected.
func locked(e *openpgp.Entity) bool {
	if e.PrivateKey != nil && e.PrivateKey.Encrypted {
		return true
	}
	for _, sk := range e.Subkeys {
		if sk.PrivateKey != nil && sk.PrivateKey.Encrypted {
			return true
		}
	}
	return false
}

func newPrivateKey(e *openpgp.Entity) (*PrivateKey, error) {
	if err := checkEntity(e); err != nil {
		return nil, err
	}
	cfg := newConfig(time.Time{})
	sign, _ := e.SigningKey(time.Time{}, cfg)
	enc, _ := e.EncryptionKey(time.Time{}, cfg)
	for _, k := range []openpgp.Key{sign, enc} {
		if k.PrivateKey == nil || k.PrivateKey.Dummy() || k.PrivateKey.Encrypted {
			return nil, &UnsupportedKeyError{Fingerprint: fingerprint(e), Reason: "secret key material is not in this file (GnuPG stub or smartcard)"}
		}
	}
	pub, err := publicOf(e)
	if err != nil {
		return nil, err
	}
	return &PrivateKey{entity: e, public: pub}, nil
}

// publicOf returns e's public part as a separate entity, so a PublicKey
// never carries secret material: copies of the public key packets, with
// e's own signatures. Those are shared, so that the ones checkEntity
// verified on e are not verified again on the copy (it was half the cost
// of reading a private key); the copy is checked all the same.
func publicOf(e *openpgp.Entity) (*PublicKey, error) {
	pe := &openpgp.Entity{
		PrimaryKey:       publicPacket(e.PrimaryKey),
		Identities:       make(map[string]*openpgp.Identity, len(e.Identities)),
		Revocations:      e.Revocations,
		DirectSignatures: e.DirectSignatures,
	}
	for name, id := range e.Identities {
		c := *id
		c.Primary = pe
		pe.Identities[name] = &c
	}
	for _, sk := range e.Subkeys {
		pe.Subkeys = append(pe.Subkeys, openpgp.Subkey{Primary: pe, PublicKey: publicPacket(sk.PublicKey),
			Bindings: sk.Bindings, Revocations: sk.Revocations})
	}
	if err := checkEntity(pe); err != nil {
		return nil, err
	}
	return &PublicKey{entity: pe, ids: keyIDs(pe)}, nil
}

// publicPacket copies a public key packet: a secret key's points into
// the secret packet, which the copy must not keep alive.
func publicPacket(pk *packet.PublicKey) *packet.PublicKey {
	c := *pk
	return &c
}

func keyIDs(e *openpgp.Entity) []string {
	keys := []*packet.PublicKey{e.PrimaryKey}
	for _, sk := range e.Subkeys {
		keys = append(keys, sk.PublicKey)
	}
	var ids []string
	for _, k := range keys {
		ids = append(ids, strings.ToUpper(hex.EncodeToString(k.Fingerprint)), fmt.Sprintf("%016X", k.KeyId))
	}
	return ids
}

// ReadPublicKey reads one armored or binary public key. A secret key is
// accepted and reduced to its public part (it is never unlocked). The
// acceptance rules are those of [ReadPrivateKey]. The same bytes of a
// public key read again give the same key, checked once (keycache.go).
func ReadPublicKey(data []byte) (*PublicKey, error) {
	if p := readKeys.get(data); p != nil {
		return p, nil
	}
	e, err := readEntity(data)
	if err != nil {
		return nil, err
	}
	if err := checkEntity(e); err != nil {
		return nil, err
	}
	if !hasSecret(e) {
		// Already the public part: a copy would verify every
		// self-signature again (half the cost of reading a member key).
		p := &PublicKey{entity: e, ids: keyIDs(e)}
		readKeys.put(data, p)
		return p, nil
	}
	return publicOf(e)
}

// hasSecret reports whether e carries any secret (sub)key packet.
func hasSecret(e *openpgp.Entity) bool {
	if e.PrivateKey != nil {
		return true
	}
	for _, sk := range e.Subkeys {
		if sk.PrivateKey != nil {
			return true
		}
	}
	return false
}

// readEntity decodes armor if present and reads exactly one key.
func readEntity(data []byte) (*openpgp.Entity, error) {
	body, err := dearmor(data, publicKeyBlock, privateKeyBlock)
	if err != nil {
		return nil, err
	}
	packets := packet.NewReader(bytes.NewReader(body))
	e, err := openpgp.ReadEntity(packets)
	if err != nil {
		var unsupported pgperrors.UnsupportedError
		if errors.As(err, &unsupported) {
			return nil, &UnsupportedKeyError{Reason: unsupported.Error()}
		}
		return nil, fmt.Errorf("%w: reading key: %v", ErrMalformed, err)
	}
	if _, err := openpgp.ReadEntity(packets); err != io.EOF {
		return nil, fmt.Errorf("%w: expected exactly one key", ErrMalformed)
	}
	return e, nil
}

// dearmor returns the binary body of data: data itself if it is not
// armored, else the body of an armor block of one of the given types.
func dearmor(data []byte, types ...string) ([]byte, error) {
	trimmed := bytes.TrimSpace(data)
	if !bytes.HasPrefix(trimmed, []byte("-----BEGIN PGP ")) {
		if len(trimmed) == 0 {
			return nil, fmt.Errorf("%w: empty input", ErrMalformed)
		}
		return data, nil
	}
	if bytes.Count(trimmed, []byte("-----BEGIN PGP ")) > 1 {
		return nil, fmt.Errorf("%w: more than one armored block", ErrMalformed)
	}
	block, err := armor.Decode(bytes.NewReader(trimmed))
	if err != nil {
		return nil, fmt.Errorf("%w: bad armor: %v", ErrMalformed, err)
	}
	ok := false
	for _, t := range types {
		ok = ok || block.Type == t
	}
	if !ok {
		return nil, fmt.Errorf("%w: unexpected armor block %q", ErrMalformed, block.Type)
	}
	body, err := io.ReadAll(block.Body)
	if err != nil {
		return nil, fmt.Errorf("%w: bad armor: %v", ErrMalformed, err)
	}
	return body, nil
}

// checkEntity applies the acceptance policy to e, ignoring expiry (that is
// checked when a key is used, at the time given then).
func checkEntity(e *openpgp.Entity) error {
	fpr := fingerprint(e)
	refuse := func(format string, args ...any) error {
		return &UnsupportedKeyError{Fingerprint: fpr, Reason: fmt.Sprintf(format, args...)}
	}
	if v := e.PrimaryKey.Version; v != 4 && v != 6 {
		return refuse("OpenPGP v%d keys are not supported (v6, or GnuPG v4)", v)
	}
	if err := checkAlgorithm(e.PrimaryKey); err != nil {
		return refuse("primary key: %s", err)
	}
	cfg := newConfig(time.Time{})
	if _, err := e.VerifyPrimaryKey(time.Time{}, cfg); err != nil {
		if errors.Is(err, pgperrors.ErrKeyRevoked) {
			return refuse("key is revoked")
		}
		return refuse("no valid self-signature")
	}
	sign, ok := e.SigningKey(time.Time{}, cfg)
	if !ok {
		return refuse("no usable signing key")
	}
	if err := checkAlgorithm(sign.PublicKey); err != nil {
		return refuse("signing key: %s", err)
	}
	enc, err := e.EncryptionKeyWithError(time.Time{}, cfg)
	if err != nil {
		return refuse("no usable encryption key (need Cv25519/X25519 or RSA ≥ %d)", minRSABits)
	}
	if err := checkAlgorithm(enc.PublicKey); err != nil {
		return refuse("encryption key: %s", err)
	}
	return nil
}

// checkAlgorithm is the algorithm allow-list.
func checkAlgorithm(pk *packet.PublicKey) error {
	switch pk.PubKeyAlgo {
	case packet.PubKeyAlgoEd25519, packet.PubKeyAlgoX25519, packet.PubKeyAlgoEd448, packet.PubKeyAlgoX448:
		return nil
	case packet.PubKeyAlgoEdDSA, packet.PubKeyAlgoECDH:
		curve, err := pk.Curve()
		if err != nil || curve != packet.Curve25519 {
			return fmt.Errorf("elliptic curve %s is not supported (Curve25519 only)", curve)
		}
		return nil
	case packet.PubKeyAlgoRSA, packet.PubKeyAlgoRSAEncryptOnly, packet.PubKeyAlgoRSASignOnly:
		bits, err := pk.BitLength()
		if err != nil || bits < minRSABits {
			return fmt.Errorf("RSA %d-bit key is too weak (need at least %d bits)", bits, minRSABits)
		}
		return nil
	default:
		return fmt.Errorf("public-key algorithm %d is not supported", pk.PubKeyAlgo)
	}
}

func fingerprint(e *openpgp.Entity) string {
	return strings.ToUpper(hex.EncodeToString(e.PrimaryKey.Fingerprint))
}

// Public returns the public part of k.
func (k *PrivateKey) Public() *PublicKey { return k.public }

// Fingerprint returns the primary key fingerprint, upper-case hex without
// spaces (64 digits for v6, 40 for v4).
func (k *PrivateKey) Fingerprint() string { return k.public.Fingerprint() }

// String describes the key without any secret material.
func (k *PrivateKey) String() string { return "secret key " + k.public.String() }

// Fingerprint returns the primary key fingerprint, upper-case hex without
// spaces (64 digits for v6, 40 for v4).
func (p *PublicKey) Fingerprint() string { return fingerprint(p.entity) }

// userID returns the primary user id of p, if any.
func (p *PublicKey) userID() *packet.UserId {
	_, id := p.entity.PrimaryIdentity(time.Time{}, newConfig(time.Time{}))
	if id == nil {
		for _, other := range p.entity.Identities {
			if id == nil || other.Name < id.Name {
				id = other
			}
		}
	}
	if id == nil || id.UserId == nil {
		return nil
	}
	return id.UserId
}

// Name returns the name of the primary user id ("" if none).
func (p *PublicKey) Name() string {
	if uid := p.userID(); uid != nil {
		return uid.Name
	}
	return ""
}

// Email returns the email of the primary user id ("" if none).
func (p *PublicKey) Email() string {
	if uid := p.userID(); uid != nil {
		return uid.Email
	}
	return ""
}

// Version returns the OpenPGP key version, 4 or 6.
func (p *PublicKey) Version() int { return p.entity.PrimaryKey.Version }

// SupportsAEAD reports whether the key advertises SEIPDv2 (AEAD) in its
// self-signature, so messages to it can use AES-256-GCM.
func (p *PublicKey) SupportsAEAD() bool {
	sig, err := p.entity.PrimarySelfSignature(time.Time{}, newConfig(time.Time{}))
	return err == nil && sig.SEIPDv2
}

// String returns "FINGERPRINT Name <email>".
func (p *PublicKey) String() string {
	s := p.Fingerprint()
	if uid := p.userID(); uid != nil {
		s += " " + uid.Id
	}
	return s
}
