package keyring

import (
	"bytes"
	"crypto/rand"
	"io"
	"testing"

	"github.com/ProtonMail/go-crypto/openpgp/packet"

	"github.com/configsync/configsync/internal/testkeys"
)

func TestEncryptBound(t *testing.T) {
	f := load(t)
	now := testkeys.Now()
	const place = `configsync item "production" "myapp" ".env"`
	for _, tc := range []struct {
		name   string
		to     []*PublicKey
		signer *PrivateKey
		key    *PrivateKey
		mode   Mode
	}{
		{"v6", pubs(f.bob), f.alice, f.bob, ModeAES256GCM},
		{"v4 recipient", pubs(f.gus), f.alice, f.gus, ModeSEIPDv1},
		{"v4 signer", pubs(f.bob), f.gus, f.bob, ModeAES256GCM},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ct, mode, err := EncryptBound([]byte(secret), tc.to, tc.signer, now, place)
			if err != nil || mode != tc.mode {
				t.Fatalf("EncryptBound: %q, %v", mode, err)
			}
			pt, signer, binding, err := DecryptBound(ct, []*PrivateKey{tc.key}, pubs(tc.signer), now)
			if err != nil || string(pt) != secret || signer.Fingerprint() != tc.signer.Fingerprint() || binding != place {
				t.Fatalf("DecryptBound = %q, %v, %q, %v", pt, signer, binding, err)
			}
			// Decrypt still reads it; the plaintext is not altered.
			if pt, _, err := Decrypt(ct, []*PrivateKey{tc.key}, pubs(tc.signer), now); err != nil || string(pt) != secret {
				t.Fatalf("Decrypt = %q, %v", pt, err)
			}
		})
	}

	// An empty binding binds nothing.
	ct, _, err := EncryptBound([]byte(secret), pubs(f.bob), f.alice, now, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, binding, err := DecryptBound(ct, []*PrivateKey{f.bob}, pubs(f.alice), now); err != nil || binding != "" {
		t.Fatalf("unbound message: binding %q, %v", binding, err)
	}
}

func TestBindingSurvivesRewrap(t *testing.T) {
	f := load(t)
	now := testkeys.Now()
	ct, _, err := EncryptBound([]byte(secret), pubs(f.alice), f.alice, now, "place")
	if err != nil {
		t.Fatal(err)
	}
	re, err := Rewrap(ct, f.alice, pubs(f.alice, f.carol))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, binding, err := DecryptBound(re, []*PrivateKey{f.carol}, pubs(f.alice), now); err != nil || binding != "place" {
		t.Fatalf("after rewrap: %q, %v", binding, err)
	}
}

// TestBindingSurvivesResealing is the attack bindings exist for: a reader
// takes the signed message out of an item and encrypts it, signature
// untouched, to another key. The signature still verifies — it binds no
// recipient — but it still names the place it was made for.
func TestBindingSurvivesResealing(t *testing.T) {
	f := load(t)
	now := testkeys.Now()
	ct, _, err := EncryptBound([]byte(secret), pubs(f.bob), f.alice, now, "development")
	if err != nil {
		t.Fatal(err)
	}
	msg, err := splitMessage(ct)
	if err != nil {
		t.Fatal(err)
	}
	cfg := newConfig(now)
	sk, _, err := decryptSessionKey(msg.pkesks, f.bob, cfg)
	if err != nil {
		t.Fatal(err)
	}
	p, err := packet.Read(bytes.NewReader(msg.data))
	if err != nil {
		t.Fatal(err)
	}
	rc, err := p.(*packet.SymmetricallyEncrypted).Decrypt(packet.CipherAES256, sk)
	if err != nil {
		t.Fatal(err)
	}
	inner, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}

	// Sealed again for carol ("production").
	key := make([]byte, 32)
	rand.Read(key)
	enc, _ := f.carol.Public().entity.EncryptionKey(now, cfg)
	var out bytes.Buffer
	if err := packet.SerializeEncryptedKeyAEAD(&out, enc.PublicKey, packet.CipherAES256, true, key, cfg); err != nil {
		t.Fatal(err)
	}
	w, err := packet.SerializeSymmetricallyEncrypted(&out, packet.CipherAES256, true, packet.CipherSuite{Cipher: packet.CipherAES256, Mode: packet.AEADModeGCM}, key, cfg)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(inner)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}

	pt, signer, binding, err := DecryptBound(out.Bytes(), []*PrivateKey{f.carol}, pubs(f.alice), now)
	if err != nil || string(pt) != secret || signer.Fingerprint() != testkeys.AliceFingerprint {
		t.Fatalf("resealed message: %v, %v", signer, err)
	}
	if binding != "development" {
		t.Fatalf("binding %q, want the original place", binding)
	}
}
