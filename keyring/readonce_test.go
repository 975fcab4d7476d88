package keyring

import (
	"testing"

	"github.com/configsync/configsync/internal/testkeys"
)

// TestReadPublicKeyOnce: a public key is checked once and kept as
// parsed, with its self-signatures verified (so that keys shared between
// goroutines never verify lazily); a secret key given to ReadPublicKey is
// still reduced to a copy without secret material.
func TestReadPublicKeyOnce(t *testing.T) {
	secret := testkeys.Alice()
	fromSecret, err := ReadPublicKey(secret)
	if err != nil {
		t.Fatal(err)
	}
	if hasSecret(fromSecret.entity) {
		t.Fatal("ReadPublicKey of a secret key kept secret material")
	}
	public, err := fromSecret.Armor()
	if err != nil {
		t.Fatal(err)
	}
	p, err := ReadPublicKey(public)
	if err != nil {
		t.Fatal(err)
	}
	for _, sig := range p.entity.DirectSignatures {
		if sig.Valid == nil || !*sig.Valid {
			t.Fatal("a direct-key signature of the key returned was not verified")
		}
	}
	for _, sk := range p.entity.Subkeys {
		for _, sig := range sk.Bindings {
			if sig.Valid == nil || !*sig.Valid {
				t.Fatal("a subkey binding of the key returned was not verified")
			}
		}
	}
	// Copying the key (serialize, parse, check again) doubles the work:
	// ~385 allocations against ~192 read once (go-crypto v1.5.2).
	allocs := testing.AllocsPerRun(20, func() {
		if _, err := ReadPublicKey(public); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 290 {
		t.Errorf("ReadPublicKey of a public key: %.0f allocations, want < 290 (is it copied and checked twice again?)", allocs)
	}
}

// TestReadPublicKeyCached: the same bytes give the same key, read and
// checked once per process; other bytes of the same key, a secret key's
// file and a refusal are never served from the cache.
func TestReadPublicKeyCached(t *testing.T) {
	secret := testkeys.Bob()
	fromSecret, err := ReadPublicKey(secret)
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := ReadPublicKey(secret); again == fromSecret {
		t.Error("a key read from a secret key's file was kept")
	}
	armored, err := fromSecret.Armor()
	if err != nil {
		t.Fatal(err)
	}
	first, err := ReadPublicKey(armored)
	if err != nil {
		t.Fatal(err)
	}
	if again, err := ReadPublicKey(append([]byte(nil), armored...)); err != nil || again != first {
		t.Errorf("the same bytes read again: %p, %v; want the key read first, %p", again, err, first)
	}
	changed := append(append([]byte(nil), armored...), '\n')
	other, err := ReadPublicKey(changed)
	if err != nil || other == first || other.Fingerprint() != first.Fingerprint() {
		t.Errorf("other bytes of the same key: %p, %v; want a key of its own", other, err)
	}
	bad := []byte("-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nnot a key\n-----END PGP PUBLIC KEY BLOCK-----\n")
	for range 2 {
		if _, err := ReadPublicKey(bad); err == nil {
			t.Fatal("a damaged key was accepted")
		}
	}
	c := keyCache{max: 2}
	c.put([]byte("a"), first)
	c.put([]byte("b"), other)
	c.put([]byte("c"), first)
	if c.get([]byte("a")) != nil || c.get([]byte("c")) != first || len(c.m) != 1 {
		t.Errorf("a full cache did not start over: %d entries", len(c.m))
	}
}

// TestPrivateKeyPublicPart: a private key's public part holds copies of
// its key packets, none of its secret ones, and reuses the signatures
// checked on the private key instead of verifying them again.
func TestPrivateKeyPublicPart(t *testing.T) {
	for _, data := range [][]byte{testkeys.Alice(), testkeys.GPGv4()} {
		k, err := ReadPrivateKey(data, nil)
		if err != nil {
			t.Fatal(err)
		}
		pe := k.public.entity
		if hasSecret(pe) || pe.PrimaryKey == k.entity.PrimaryKey {
			t.Fatal("the public part shares the secret key's packets")
		}
		for i, sk := range pe.Subkeys {
			if sk.PublicKey == k.entity.Subkeys[i].PublicKey || sk.Primary != pe {
				t.Fatal("a public subkey shares the secret subkey's packet, or names another primary")
			}
		}
		for _, id := range pe.Identities {
			if id.Primary != pe {
				t.Fatal("a public identity names another primary")
			}
		}
		armored, err := k.Public().Armor()
		if err != nil {
			t.Fatal(err)
		}
		again, err := ReadPublicKey(armored)
		if err != nil || again.Fingerprint() != k.Fingerprint() || hasSecret(again.entity) {
			t.Fatalf("the public part read back: %v, %v", again, err)
		}
	}
	// Checking the copy again from scratch doubles the work: ~396
	// allocations against ~213 (go-crypto v1.5.2).
	data := testkeys.Alice()
	allocs := testing.AllocsPerRun(20, func() {
		if _, err := ReadPrivateKey(data, nil); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 300 {
		t.Errorf("ReadPrivateKey: %.0f allocations, want < 300 (is the public part verified from scratch again?)", allocs)
	}
}
