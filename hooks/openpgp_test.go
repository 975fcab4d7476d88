package hooks

import (
	"bytes"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/configsync/configsync/internal/testkeys"
	"github.com/configsync/configsync/keyring"
)

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// v6Message returns plaintext as configsync stores an item: signed by
// Alice, encrypted to her v6 key (PKESK v6, SEIPD v2), binary.
func v6Message(t testing.TB, plaintext string) []byte {
	t.Helper()
	alice, err := keyring.ReadPrivateKey(testkeys.Alice(), nil)
	if err != nil {
		t.Fatal(err)
	}
	msg, _, err := keyring.EncryptBound([]byte(plaintext), []*keyring.PublicKey{alice.Public()}, alice, testkeys.Now(), "")
	if err != nil {
		t.Fatal(err)
	}
	return msg
}

// armor wraps data as an armored PGP MESSAGE with the given header lines.
func armor(data []byte, headers ...string) string {
	var b strings.Builder
	b.WriteString("-----BEGIN PGP MESSAGE-----\n")
	for _, h := range headers {
		b.WriteString(h + "\n")
	}
	b.WriteString("\n")
	enc := base64.StdEncoding.EncodeToString(data)
	for len(enc) > 64 {
		b.WriteString(enc[:64] + "\n")
		enc = enc[64:]
	}
	b.WriteString(enc + "\n=AbCd\n-----END PGP MESSAGE-----\n")
	return b.String()
}

func TestIsEncrypted(t *testing.T) {
	plain := "STRIPE_SECRET_KEY=" + stripeKey + "\n"
	v6 := v6Message(t, plain)
	toGus := fixture(t, "to-gus.gpg")
	tests := []struct {
		name, file string
		data       []byte
		want       bool
	}{
		{"configsync item, v6", ".env.pgp", v6, true},
		{"configsync item armored", ".env.asc", []byte(armor(v6)), true},
		{"armor with headers", ".env.asc", []byte(armor(v6, "Version: x", "Comment: y")), true},
		{"armor after blank lines, CRLF", ".env.asc", []byte("\r\n  " + strings.ReplaceAll(armor(v6), "\n", "\r\n")), true},
		{"gpg to a v4 key", ".env.gpg", toGus, true},
		{"gpg armored", ".env.asc", fixture(t, "to-gus.asc"), true},
		{"gpg symmetric", ".env.gpg", fixture(t, "symmetric.gpg"), true},
		{"gpg partial lengths", "big.env.gpg", fixture(t, "partial.gpg"), true},
		{"extension in capitals", ".env.GPG", toGus, true},
		{"ciphertext with another extension", ".env", toGus, false},

		{"UTF-8 BOM", ".env.gpg", []byte("\ufeff" + plain), false},
		{"first byte 0xff", ".env.pgp", []byte("\xff" + plain), false},
		{"PKESK tag, wrong length", ".env.pgp", []byte("\xc1\x5e\x06\x21" + plain), false},
		{"PKESK tag, exact length, nothing after", ".env.pgp", append([]byte{0xc1, byte(len(plain))}, plain...), false},
		{"truncated", ".env.gpg", toGus[:len(toGus)-1], false},
		{"trailing bytes", ".env.gpg", append(bytes.Clone(toGus), '\n'), false},
		{"two messages", ".env.gpg", append(bytes.Clone(toGus), toGus...), false},
		{"bad PKESK version", ".env.gpg", append([]byte{toGus[0], toGus[1], 9}, toGus[3:]...), false},
		{"signed, not encrypted", ".env.gpg", fixture(t, "signed.gpg"), false},
		{"clear-signed", ".env.asc", fixture(t, "clearsigned.asc"), false},
		{"armor over plaintext", ".env.asc", []byte("-----BEGIN PGP MESSAGE-----\n\n" + plain + "-----END PGP MESSAGE-----\n"), false},
		{"armor of base64 plaintext", ".env.asc", []byte(armor([]byte(plain))), false},
		{"armor without END", ".env.asc", []byte(strings.TrimSuffix(armor(v6), "-----END PGP MESSAGE-----\n")), false},
		{"armor, text after END", ".env.asc", []byte(armor(v6) + plain), false},
		{"armor, text before BEGIN", ".env.asc", []byte(plain + armor(v6)), false},
		{"public key block", "key.asc", testkeys.GPGv4Public(), false},
		{"empty", ".env.gpg", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := isEncrypted(tt.file, tt.data); got != tt.want {
				t.Errorf("isEncrypted(%q) = %v, want %v", tt.file, got, tt.want)
			}
		})
	}
}

// FuzzIsEncrypted: the parser never panics nor loops on hostile input.
func FuzzIsEncrypted(f *testing.F) {
	f.Add(fixture(f, "to-gus.gpg"))
	f.Add(fixture(f, "partial.gpg"))
	f.Add(fixture(f, "to-gus.asc"))
	f.Add([]byte{0xd2, 0xff, 0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, data []byte) {
		isEncrypted("x.gpg", data)
	})
}
