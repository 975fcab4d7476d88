package keyring

import (
	"slices"
	"testing"

	openpgp "github.com/ProtonMail/go-crypto/openpgp/v2"
)

// TestMessageRing: signers are found by the ids of their keys that may
// sign, private keys by all theirs, signers first, and id 0 finds all;
// a signer's encryption subkey finds nothing, so go-crypto never checks
// a public key as a way to decrypt.
func TestMessageRing(t *testing.T) {
	f := load(t)
	alice, bob := f.alice.Public(), f.bob.Public()
	r := newMessageRing([]*PublicKey{alice, nil, bob}, []*PrivateKey{nil, f.carol, f.alice})
	ae, be, ce, ape := alice.entity, bob.entity, f.carol.entity, f.alice.entity
	if len(be.Subkeys) == 0 {
		t.Fatal("fixture key without subkeys")
	}
	cases := []struct {
		name string
		id   uint64
		want []*openpgp.Entity
	}{
		{"signer's primary", be.PrimaryKey.KeyId, []*openpgp.Entity{be}},
		{"signer's encryption subkey", be.Subkeys[0].PublicKey.KeyId, nil},
		{"private key's subkey", ce.Subkeys[0].PublicKey.KeyId, []*openpgp.Entity{ce}},
		{"signer that is also a private key", ae.PrimaryKey.KeyId, []*openpgp.Entity{ae, ape}},
		{"its encryption subkey", ae.Subkeys[0].PublicKey.KeyId, []*openpgp.Entity{ape}},
		{"nobody's", 0x0123456789abcdef, nil},
		{"every key", 0, []*openpgp.Entity{ae, be, ce, ape}},
	}
	for _, c := range cases {
		if got := r.EntitiesById(c.id); !slices.Equal(got, c.want) {
			t.Errorf("%s: EntitiesById = %d entities, want %d", c.name, len(got), len(c.want))
		}
	}
	keys := r.KeysById(ce.Subkeys[0].PublicKey.KeyId)
	if len(keys) != 1 || keys[0].PublicKey != ce.Subkeys[0].PublicKey || keys[0].PrivateKey != ce.Subkeys[0].PrivateKey {
		t.Errorf("KeysById(carol's subkey) = %v", keys)
	}
	if n := len(r.KeysById(0)); n != 8 {
		t.Errorf("KeysById(0) = %d keys, want the 8 of 4 entities", n)
	}
}
