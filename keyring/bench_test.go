package keyring

import (
	"bytes"
	"testing"

	"github.com/configsync/configsync/internal/testkeys"
)

func BenchmarkEncrypt(b *testing.B) {
	f := load(b)
	plaintext := bytes.Repeat([]byte("x"), 1024)
	to := pubs(f.bob)
	b.SetBytes(int64(len(plaintext)))
	for b.Loop() {
		if _, _, err := EncryptBound(plaintext, to, f.alice, testkeys.Now(), ""); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecrypt(b *testing.B) {
	f := load(b)
	plaintext := bytes.Repeat([]byte("x"), 1024)
	ct, _, err := EncryptBound(plaintext, pubs(f.bob), f.alice, testkeys.Now(), "")
	if err != nil {
		b.Fatal(err)
	}
	keys, signers := []*PrivateKey{f.bob}, pubs(f.alice)
	b.SetBytes(int64(len(plaintext)))
	for b.Loop() {
		if _, _, err := Decrypt(ct, keys, signers, testkeys.Now()); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRewrap(b *testing.B) {
	f := load(b)
	ct, _, err := EncryptBound(bytes.Repeat([]byte("x"), 1024), pubs(f.alice, f.bob, f.carol), f.alice, testkeys.Now(), "")
	if err != nil {
		b.Fatal(err)
	}
	to := pubs(f.alice, f.bob, f.carol, f.ci)
	for b.Loop() {
		if _, err := Rewrap(ct, f.bob, to); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkReadPrivateKeyProtected(b *testing.B) {
	data := testkeys.Protected()
	pass := func() ([]byte, error) { return []byte(testkeys.Passphrase), nil }
	for b.Loop() {
		if _, err := ReadPrivateKey(data, pass); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkArmorProtectedV4(b *testing.B) {
	f := load(b)
	for b.Loop() {
		if _, err := f.gus.Armor([]byte("pw")); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReadPrivateKey is the identity's and an environment key's cost
// on every command: parse, check the self-signatures, split off the
// public part.
func BenchmarkReadPrivateKey(b *testing.B) {
	data := testkeys.Alice()
	for b.Loop() {
		if _, err := ReadPrivateKey(data, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReadPublicKey is a member key's cost: every command reads the
// keys of the team's members.
func BenchmarkReadPublicKey(b *testing.B) {
	data, err := load(b).alice.Public().Armor()
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := ReadPublicKey(data); err != nil {
			b.Fatal(err)
		}
	}
}
