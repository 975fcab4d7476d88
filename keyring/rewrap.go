package keyring

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp/packet"
)

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
