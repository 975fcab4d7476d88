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
