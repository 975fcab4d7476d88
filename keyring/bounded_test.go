package keyring

import (
	"bytes"
	"crypto/rand"
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/ProtonMail/go-crypto/openpgp/packet"
	openpgp "github.com/ProtonMail/go-crypto/openpgp/v2"

	"github.com/configsync/configsync/internal/testkeys"
)

// bombSize is how much the hostile messages below expand to: more than
// MaxPlaintext, so that a plaintext cap alone would not pass the memory
// check (it would read up to the cap).
const bombSize = 96 << 20

// compressedMessage builds what a hostile member can push: n zero bytes,
// signed by signer, compressed with algo, encrypted to `to` (SEIPDv2 when
// aead), with the packet API, which does not ask the recipient's
// preferences as EncryptBound does.
func compressedMessage(t testing.TB, to *PublicKey, signer *PrivateKey, algo packet.CompressionAlgo, aead bool, n int) []byte {
	t.Helper()
	now := testkeys.Now()
	cfg := newConfig(now)
	enc, ok := to.entity.EncryptionKey(now, cfg)
	if !ok {
		t.Fatal("no encryption key")
	}
	sessionKey := make([]byte, 32)
	if _, err := rand.Read(sessionKey); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := packet.SerializeEncryptedKeyAEAD(&out, enc.PublicKey, packet.CipherAES256, aead, sessionKey, cfg); err != nil {
		t.Fatal(err)
	}
	suite := packet.CipherSuite{Cipher: packet.CipherAES256, Mode: packet.AEADModeGCM}
	encrypted, err := packet.SerializeSymmetricallyEncrypted(&out, packet.CipherAES256, aead, suite, sessionKey, cfg)
	if err != nil {
		t.Fatal(err)
	}
	compressed, err := packet.SerializeCompressed(encrypted, algo, &packet.CompressionConfig{Level: packet.BestSpeed})
	if err != nil {
		t.Fatal(err)
	}
	// The signer advertises no compression, so Sign adds none itself.
	signed, err := openpgp.SignWithParams(compressed, []*openpgp.Entity{signer.entity}, &openpgp.SignParams{Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	zeros := make([]byte, 1<<20)
	for written := 0; written < n; written += len(zeros) {
		if _, err := signed.Write(zeros[:min(len(zeros), n-written)]); err != nil {
			t.Fatal(err)
		}
	}
	// Closing the compressed packet closes the encrypted one too.
	for _, c := range []io.Closer{signed, compressed} {
		if err := c.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return out.Bytes()
}

// allocated is the number of bytes f allocates.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// A compressed message is refused before anything is decompressed: a
// 96 MiB bomb costs what a small message costs. (The 3 MB item
// took pull to 6.8 GB.)
func TestDecryptRefusesCompressed(t *testing.T) {
	f := load(t)
	tests := []struct {
		name string
		to   *PrivateKey
		algo packet.CompressionAlgo
		aead bool
	}{
		{"zlib, SEIPDv2 to the environment key", f.env, packet.CompressionZLIB, true},
		{"zip, SEIPDv2 to the environment key", f.env, packet.CompressionZIP, true},
		{"zlib, SEIPDv1 to a GnuPG v4 key", f.gus, packet.CompressionZLIB, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// A small one is a valid, signed message to go-crypto: it is
			// refused for its compression alone.
			small := compressedMessage(t, tt.to.Public(), f.alice, tt.algo, tt.aead, 1024)
			md, err := openpgp.ReadMessage(bytes.NewReader(small), openpgp.EntityList{f.alice.entity, tt.to.entity}, nil, newConfig(testkeys.Now()))
			if err != nil {
				t.Fatal(err)
			}
			if body, err := io.ReadAll(md.UnverifiedBody); err != nil || len(body) != 1024 || md.SignatureError != nil || md.SignedBy == nil {
				t.Fatalf("go-crypto reads %d bytes, %v, signature %v", len(body), err, md.SignatureError)
			}
			if _, _, err := Decrypt(small, []*PrivateKey{tt.to}, pubs(f.alice), testkeys.Now()); !errors.Is(err, ErrCompressed) {
				t.Errorf("Decrypt(1 KiB compressed) = %v, want ErrCompressed", err)
			}

			ct := compressedMessage(t, tt.to.Public(), f.alice, tt.algo, tt.aead, bombSize)
			if len(ct) > 1<<20 {
				t.Fatalf("the bomb is %d bytes of ciphertext; want a small one", len(ct))
			}
			n := allocated(func() {
				_, _, err = Decrypt(ct, []*PrivateKey{tt.to}, pubs(f.alice), testkeys.Now())
			})
			if !errors.Is(err, ErrCompressed) {
				t.Errorf("Decrypt = %v, want ErrCompressed", err)
			}
			if n > 8<<20 {
				t.Errorf("Decrypt allocated %d MiB for a %d KiB message; want it refused before decompressing", n>>20, len(ct)>>10)
			}
		})
	}

	// Compressed but not encrypted: refused as compressed too.
	var plain bytes.Buffer
	w, err := packet.SerializeCompressed(nopCloser{&plain}, packet.CompressionZLIB, nil)
	if err != nil {
		t.Fatal(err)
	}
	lit, err := packet.SerializeLiteral(w, true, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	lit.Write([]byte(secret))
	lit.Close() // closes w too
	if _, _, err := Decrypt(plain.Bytes(), []*PrivateKey{f.env}, pubs(f.alice), testkeys.Now()); !errors.Is(err, ErrCompressed) {
		t.Errorf("Decrypt(compressed, not encrypted) = %v, want ErrCompressed", err)
	}
}

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }

// What EncryptBound writes carries no compressed packet: it decrypts with
// compression refused (every round trip in this package shows the same),
// and its plaintext length shows through its size.
func TestEncryptDoesNotCompress(t *testing.T) {
	f := load(t)
	plain := bytes.Repeat([]byte("A=1\n"), 1<<14) // compresses to almost nothing
	for _, to := range []*PrivateKey{f.env, f.gus} {
		ct, _, err := EncryptBound(plain, pubs(to), f.alice, testkeys.Now(), "")
		if err != nil {
			t.Fatal(err)
		}
		if len(ct) < len(plain) {
			t.Errorf("to %s: %d bytes of ciphertext for %d of plaintext: compressed", to.Fingerprint(), len(ct), len(plain))
		}
		if _, _, err := Decrypt(ct, []*PrivateKey{to}, pubs(f.alice), testkeys.Now()); err != nil {
			t.Errorf("to %s: Decrypt = %v", to.Fingerprint(), err)
		}
	}
}

// Messages over the limit are refused before decrypting, and a plaintext
// over it (possible only by compression, which is refused first) is
// refused at the limit.
func TestDecryptSizeLimit(t *testing.T) {
	f := load(t)
	now := testkeys.Now()

	huge := make([]byte, maxCiphertext(MaxPlaintext)+1)
	if _, _, err := Decrypt(huge, []*PrivateKey{f.env}, pubs(f.alice), now); !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "over the limit of 65 MiB") {
		t.Errorf("Decrypt(%d bytes) = %v, want ErrTooLarge naming the limit", len(huge), err)
	}
	if _, _, err := EncryptBound(huge[:MaxPlaintext+1], pubs(f.env), f.alice, now, ""); !errors.Is(err, ErrTooLarge) {
		t.Errorf("EncryptBound(MaxPlaintext+1 bytes) = %v, want ErrTooLarge", err)
	}

	plain := []byte(secret)
	ct, _, err := EncryptBound(plain, pubs(f.env), f.alice, now, "")
	if err != nil {
		t.Fatal(err)
	}
	if got, _, _, err := decryptBound(ct, []*PrivateKey{f.env}, pubs(f.alice), now, len(plain)); err != nil || string(got) != secret {
		t.Errorf("plaintext at the limit: %v", err)
	}
	got, _, _, err := decryptBound(ct, []*PrivateKey{f.env}, pubs(f.alice), now, len(plain)-1)
	if !errors.Is(err, ErrTooLarge) || got != nil {
		t.Errorf("plaintext over the limit: got %d bytes, %v; want nil, ErrTooLarge", len(got), err)
	}
	noSecret(t, err)
}
