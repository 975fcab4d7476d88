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
