package keyring

import (
	"errors"
	"testing"

	"github.com/configsync/configsync/internal/testkeys"
)

// git-secret's files as gpg writes them: unsigned, compressed by default.
// DecryptForeign opens them with the member's key, and refuses a
// modified one or one for another key, with no plaintext returned.
func TestDecryptForeignGnuPGMessage(t *testing.T) {
	f := load(t)
	g := newGnuPG(t)
	g.importKey(testkeys.GPGv4())
	const secret = "DB_PASSWORD=hunter2\n"
	for _, compress := range []string{"zlib", "zip", "none"} {
		t.Run(compress, func(t *testing.T) {
			ct := g.mustRun([]byte(secret), "--compress-algo", compress, "--encrypt", "-r", "gus@example.com")
			pt, err := DecryptForeign(ct, []*PrivateKey{f.alice, f.gus}, testkeys.Now())
			if err != nil || string(pt) != secret {
				t.Fatalf("DecryptForeign = %q, %v", pt, err)
			}
			if _, err := DecryptForeign(ct, []*PrivateKey{f.alice}, testkeys.Now()); !errors.Is(err, ErrNoKey) {
				t.Fatalf("with another key: err = %v, want ErrNoKey", err)
			}
			bad := append([]byte{}, ct...)
			bad[len(bad)-3] ^= 0x01
			if pt, err := DecryptForeign(bad, []*PrivateKey{f.gus}, testkeys.Now()); !errors.Is(err, ErrIntegrity) || pt != nil {
				t.Fatalf("modified: %q, %v, want ErrIntegrity and no plaintext", pt, err)
			}
		})
	}
}
