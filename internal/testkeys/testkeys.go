// Package testkeys holds OpenPGP test fixtures for configsync's tests:
// armored keys generated once by gen/main.go, committed as *.asc files and
// embedded here, so no test has to generate a key (slow, and flaky under
// load). It owns nothing else and must only be imported by tests.
//
// Every accessor returns a fresh copy (the embedded text is a string), so a
// test cannot alter another's fixture. All keys were created at 2026-01-01T00:00:00Z; use [Now] as the
// signing and verification time in tests.
package testkeys

import (
	_ "embed"
	"time"
)

// Passphrase unlocks [Protected].
const Passphrase = "correct horse"

var (
	//go:embed alice.asc
	alice string
	//go:embed bob.asc
	bob string
	//go:embed carol.asc
	carol string
	//go:embed ci.asc
	ci string
	//go:embed env.asc
	env string
	//go:embed protected.asc
	protected string
	//go:embed gpgv4.asc
	gpgv4 string
	//go:embed gpgv4.pub.asc
	gpgv4Public string
	//go:embed rsa2048.asc
	rsa2048 string
	//go:embed rsa3072.pub.asc
	rsa3072Public string
)

// Now returns a fixed time after every fixture key's creation, to sign and
// verify with in tests.
func Now() time.Time { return time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC) }

func clone(s string) []byte { return []byte(s) }

// Alice returns Alice <alice@example.com>'s armored v6 secret key, no
// passphrase ([AliceFingerprint]).
func Alice() []byte { return clone(alice) }

// Bob returns Bob <bob@example.com>'s armored v6 secret key, no passphrase
// ([BobFingerprint]).
func Bob() []byte { return clone(bob) }

// Carol returns Carol <carol@example.com>'s armored v6 secret key, no
// passphrase ([CarolFingerprint]).
func Carol() []byte { return clone(carol) }

// CI returns CI <ci@example.com>'s armored v6 secret key, no passphrase
// ([CIFingerprint]).
func CI() []byte { return clone(ci) }

// Env returns the armored v6 secret key of environment "development" (user
// id "configsync environment development"), no passphrase
// ([EnvFingerprint]).
func Env() []byte { return clone(env) }

// Protected returns Pat <pat@example.com>'s armored v6 secret key, locked
// with [Passphrase] (Argon2 S2K) ([ProtectedFingerprint]).
func Protected() []byte { return clone(protected) }

// GPGv4 returns Gus <gus@example.com>'s armored GnuPG v4 secret key
// (ed25519 cert/sign primary, cv25519 encryption subkey), made by GnuPG 2.2,
// no passphrase ([GPGv4Fingerprint]).
func GPGv4() []byte { return clone(gpgv4) }

// GPGv4Public returns the armored public key of [GPGv4], as exported by
// GnuPG.
func GPGv4Public() []byte { return clone(gpgv4Public) }

// RSA2048 returns Weak <weak@example.com>'s armored GnuPG v4 RSA 2048-bit
// secret key, no passphrase: too weak, configsync must refuse it
// ([RSA2048Fingerprint]).
func RSA2048() []byte { return clone(rsa2048) }

// RSA3072Public returns Rita <rita@example.com>'s armored GnuPG v4 RSA
// 3072-bit public key, which configsync accepts ([RSA3072Fingerprint]).
func RSA3072Public() []byte { return clone(rsa3072Public) }
