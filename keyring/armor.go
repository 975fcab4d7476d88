package keyring

import (
	"bytes"
	"crypto"
	"fmt"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
	"github.com/ProtonMail/go-crypto/openpgp/s2k"
	openpgp "github.com/ProtonMail/go-crypto/openpgp/v2"
)

// Armor returns the armored secret key. With a non-empty passphrase the
// returned copy is protected (Argon2 S2K with AEAD for v6 keys; iterated and
// salted S2K for v4 keys, so GnuPG can still import them); k itself stays
// unlocked. With an empty passphrase the key is written unprotected.
func (k *PrivateKey) Armor(passphrase []byte) ([]byte, error) {
	raw, err := k.Serialize()
	if err != nil {
		return nil, err
	}
	if len(passphrase) > 0 {
		// Lock a copy: go-crypto's SerializePrivate panics on a locked key,
		// and k must stay usable.
		e, err := openpgp.ReadEntity(packet.NewReader(bytes.NewReader(raw)))
		if err != nil {
			return nil, fmt.Errorf("keyring: copy secret key: %w", err)
		}
		cfg := newConfig(time.Time{})
		if e.PrimaryKey.Version == 6 {
			cfg.S2KConfig = &s2k.Config{S2KMode: s2k.Argon2S2K}
		} else {
			cfg.AEADConfig = nil
			cfg.S2KConfig = &s2k.Config{S2KMode: s2k.IteratedSaltedS2K, Hash: crypto.SHA256}
		}
		if err := e.EncryptPrivateKeys(passphrase, cfg); err != nil {
			return nil, fmt.Errorf("keyring: protect secret key: %w", err)
		}
		var buf bytes.Buffer
		if err := e.SerializePrivateWithoutSigning(&buf, nil); err != nil {
			return nil, fmt.Errorf("keyring: serialize secret key: %w", err)
		}
		raw = buf.Bytes()
	}
	return armorBytes(raw, privateKeyBlock)
}

// Serialize returns the binary, unprotected secret key, for wrapping an
// environment private key inside an encrypted message. [ReadPrivateKey]
// reads it back.
func (k *PrivateKey) Serialize() ([]byte, error) {
	var buf bytes.Buffer
	// WithoutSigning: self-signatures are kept as they are (re-signing would
	// change them at every call and needs a clock).
	if err := k.entity.SerializePrivateWithoutSigning(&buf, nil); err != nil {
		return nil, fmt.Errorf("keyring: serialize secret key: %w", err)
	}
	return buf.Bytes(), nil
}

// Armor returns the armored public key.
func (p *PublicKey) Armor() ([]byte, error) {
	var buf bytes.Buffer
	if err := p.entity.Serialize(&buf); err != nil {
		return nil, fmt.Errorf("keyring: serialize public key: %w", err)
	}
	return armorBytes(buf.Bytes(), publicKeyBlock)
}

func armorBytes(raw []byte, blockType string) ([]byte, error) {
	var buf bytes.Buffer
	w, err := armor.Encode(&buf, blockType, nil)
	if err != nil {
		return nil, fmt.Errorf("keyring: armor: %w", err)
	}
	if _, err := w.Write(raw); err != nil {
		return nil, fmt.Errorf("keyring: armor: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("keyring: armor: %w", err)
	}
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}
