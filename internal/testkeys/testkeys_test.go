package testkeys_test

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/configsync/configsync/internal/testkeys"
	"github.com/configsync/configsync/keyring"
)

func TestFingerprintsMatchFiles(t *testing.T) {
	tests := []struct {
		name    string
		data    []byte
		fpr     string
		secret  bool
		version int
	}{
		{"Alice", testkeys.Alice(), testkeys.AliceFingerprint, true, 6},
		{"Bob", testkeys.Bob(), testkeys.BobFingerprint, true, 6},
		{"Carol", testkeys.Carol(), testkeys.CarolFingerprint, true, 6},
		{"CI", testkeys.CI(), testkeys.CIFingerprint, true, 6},
		{"Env", testkeys.Env(), testkeys.EnvFingerprint, true, 6},
		{"GPGv4", testkeys.GPGv4(), testkeys.GPGv4Fingerprint, true, 4},
		{"GPGv4Public", testkeys.GPGv4Public(), testkeys.GPGv4Fingerprint, false, 4},
		{"RSA3072Public", testkeys.RSA3072Public(), testkeys.RSA3072Fingerprint, false, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := keyring.ReadPublicKey(tt.data)
			if err != nil {
				t.Fatal(err)
			}
			if p.Fingerprint() != tt.fpr || p.Version() != tt.version {
				t.Errorf("got %s v%d, want %s v%d", p.Fingerprint(), p.Version(), tt.fpr, tt.version)
			}
			_, err = keyring.ReadPrivateKey(tt.data, nil)
			if tt.secret && err != nil {
				t.Errorf("ReadPrivateKey: %v", err)
			}
			if !tt.secret && !errors.Is(err, keyring.ErrNoSecretKey) {
				t.Errorf("public fixture read as secret: %v", err)
			}
		})
	}
}

func TestProtectedNeedsPassphrase(t *testing.T) {
	if _, err := keyring.ReadPrivateKey(testkeys.Protected(), nil); !errors.Is(err, keyring.ErrPassphraseRequired) {
		t.Fatalf("err = %v, want ErrPassphraseRequired", err)
	}
	k, err := keyring.ReadPrivateKey(testkeys.Protected(), func() ([]byte, error) { return []byte(testkeys.Passphrase), nil })
	if err != nil || k.Fingerprint() != testkeys.ProtectedFingerprint {
		t.Fatalf("unlock: %v", err)
	}
}

func TestRSA2048IsRefused(t *testing.T) {
	var unsupported *keyring.UnsupportedKeyError
	if _, err := keyring.ReadPrivateKey(testkeys.RSA2048(), nil); !errors.As(err, &unsupported) || unsupported.Fingerprint != testkeys.RSA2048Fingerprint {
		t.Fatalf("err = %v, want UnsupportedKeyError", err)
	}
}

func TestAccessorsReturnCopies(t *testing.T) {
	a := testkeys.Alice()
	a[0] = 'X'
	if b := testkeys.Alice(); bytes.Equal(a, b) || b[0] != '-' {
		t.Fatal("Alice() shares its backing array")
	}
	if created := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC); !testkeys.Now().After(created) {
		t.Fatalf("Now() = %v is not after the keys' creation", testkeys.Now())
	}
}
