package keyring

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/configsync/configsync/internal/testkeys"
)

// gnupg runs the real gpg in a throw-away home directory, as of
// testkeys.Now(). The test is skipped when gpg is not installed.
type gnupg struct {
	t    *testing.T
	home string
}

func newGnuPG(t *testing.T) *gnupg {
	t.Helper()
	if _, err := exec.LookPath("gpg"); err != nil {
		t.Skip("gpg not on PATH")
	}
	// A short path: gpg-agent's socket path is length-limited.
	home, err := os.MkdirTemp("", "gpg")
	if err != nil {
		t.Fatal(err)
	}
	// Skip gpg-agent's S2K calibration and its slow re-protection of
	// imported keys: this home is thrown away.
	if err := os.WriteFile(filepath.Join(home, "gpg-agent.conf"), []byte("s2k-count 65536\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := exec.LookPath("gpgconf"); err == nil {
			exec.Command("gpgconf", "--homedir", home, "--kill", "all").Run()
		}
		os.RemoveAll(home)
	})
	return &gnupg{t: t, home: home}
}

// run runs gpg with args and stdin; it returns stdout and stderr.
func (g *gnupg) run(stdin []byte, args ...string) ([]byte, string, error) {
	g.t.Helper()
	base := []string{"--batch", "--no-tty", "--homedir", g.home, "--pinentry-mode", "loopback",
		"--trust-model", "always", "--faked-system-time", fmt.Sprintf("%d!", testkeys.Now().Unix())}
	if !hasPassphrase(args) {
		base = append(base, "--passphrase", "")
	}
	cmd := exec.Command("gpg", append(base, args...)...)
	cmd.Stdin = bytes.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	return stdout.Bytes(), stderr.String(), err
}

func hasPassphrase(args []string) bool {
	for _, a := range args {
		if a == "--passphrase" {
			return true
		}
	}
	return false
}

func (g *gnupg) mustRun(stdin []byte, args ...string) []byte {
	g.t.Helper()
	out, stderr, err := g.run(stdin, args...)
	if err != nil {
		g.t.Fatalf("gpg %v: %v\n%s", args, err, stderr)
	}
	return out
}

func (g *gnupg) importKey(armored []byte) {
	g.t.Helper()
	path := filepath.Join(g.home, "import.asc")
	if err := os.WriteFile(path, armored, 0o600); err != nil {
		g.t.Fatal(err)
	}
	g.mustRun(nil, "--import", path)
}

// (a) The GnuPG v4 key as identity and as recipient: encrypted by us, read
// by gpg.
func TestGnuPGDecryptsOurMessage(t *testing.T) {
	f := load(t)
	g := newGnuPG(t)
	g.importKey(testkeys.GPGv4())

	tests := []struct {
		name    string
		to      []*PublicKey
		signer  *PrivateKey
		goodSig bool
	}{
		{"signed by the v4 key", pubs(f.gus), f.gus, true},
		{"v4 and v6 recipients", pubs(f.alice, f.gus), f.gus, true},
		// Not tested: GnuPG 2.2 cannot read a message signed by a v6 key
		// at all ("onepass_sig with unknown version 6"), even though it
		// can decrypt it.
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ct, mode, err := EncryptBound([]byte(secret), tt.to, tt.signer, testkeys.Now(), "")
			if err != nil {
				t.Fatal(err)
			}
			if mode != ModeSEIPDv1 {
				t.Errorf("mode %q, want SEIPDv1 for a v4 recipient", mode)
			}
			out, stderr, err := g.run(ct, "--status-fd", "2", "--decrypt")
			if string(out) != secret {
				t.Fatalf("gpg --decrypt = %q (%v)\n%s", out, err, stderr)
			}
			if good := strings.Contains(stderr, "[GNUPG:] GOODSIG"); good != tt.goodSig {
				t.Errorf("GOODSIG = %v, want %v\n%s", good, tt.goodSig, stderr)
			}
			if tt.goodSig && err != nil {
				t.Errorf("gpg exit: %v\n%s", err, stderr)
			}
		})
	}
}

// (b) gpg signs and encrypts to the v4 key without compression; we
// decrypt and verify. gpg's default, compressed, is refused: configsync
// never decompresses (a few MB can expand to gigabytes).
func TestWeDecryptGnuPGMessage(t *testing.T) {
	f := load(t)
	g := newGnuPG(t)
	g.importKey(testkeys.GPGv4())
	ct := g.mustRun([]byte(secret), "--compress-algo", "none", "--sign", "--encrypt", "-r", "gus@example.com", "-u", "gus@example.com")

	gusPublic, err := ReadPublicKey(testkeys.GPGv4Public())
	if err != nil {
		t.Fatal(err)
	}
	pt, signer, err := Decrypt(ct, []*PrivateKey{f.gus}, []*PublicKey{gusPublic}, testkeys.Now())
	if err != nil {
		t.Fatal(err)
	}
	if string(pt) != secret || signer != gusPublic {
		t.Errorf("got %q from %v", pt, signer)
	}
	// Only signer allow-list membership makes it valid.
	if _, _, err := Decrypt(ct, []*PrivateKey{f.gus}, pubs(f.alice), testkeys.Now()); err == nil {
		t.Error("gpg message accepted without its signer in the allow-list")
	}
	for _, algo := range []string{"", "zip", "zlib", "bzip2"} {
		args := []string{"--sign", "--encrypt", "-r", "gus@example.com", "-u", "gus@example.com"}
		if algo != "" {
			args = append([]string{"--compress-algo", algo}, args...)
		}
		compressed := g.mustRun([]byte(secret), args...)
		if _, _, err := Decrypt(compressed, []*PrivateKey{f.gus}, []*PublicKey{gusPublic}, testkeys.Now()); !errors.Is(err, ErrCompressed) {
			t.Errorf("gpg message compressed with %q: Decrypt = %v, want ErrCompressed", algo, err)
		}
	}
	// A gpg detached signature verifies too.
	sig := g.mustRun([]byte("manifest"), "--detach-sign", "--armor", "-u", "gus@example.com")
	if s, err := VerifyDetached([]byte("manifest"), sig, []*PublicKey{gusPublic}, testkeys.Now()); err != nil || s != gusPublic {
		t.Errorf("VerifyDetached(gpg signature) = %v, %v", s, err)
	}
}

// (c) Public keys exported by gpg, armored and binary, are accepted; a
// secret-subkeys-only export (primary key as a GnuPG stub) is refused.
func TestReadGnuPGExports(t *testing.T) {
	g := newGnuPG(t)
	g.importKey(testkeys.GPGv4())
	for _, args := range [][]string{{"--export", "--armor"}, {"--export"}} {
		out := g.mustRun(nil, append(args, "gus@example.com")...)
		p, err := ReadPublicKey(out)
		if err != nil {
			t.Fatalf("gpg %v: %v", args, err)
		}
		if p.Fingerprint() != testkeys.GPGv4Fingerprint || p.Version() != 4 || p.Email() != "gus@example.com" {
			t.Errorf("gpg %v: got %s v%d %s", args, p.Fingerprint(), p.Version(), p.Email())
		}
	}
	stub := g.mustRun(nil, "--export-secret-subkeys", "--armor", "gus@example.com")
	var unsupported *UnsupportedKeyError
	if _, err := ReadPrivateKey(stub, nil); !errors.As(err, &unsupported) || !strings.Contains(unsupported.Reason, "stub") {
		t.Errorf("ReadPrivateKey(stub) = %v, want UnsupportedKeyError about a stub", err)
	}
	if p, err := ReadPublicKey(stub); err != nil || p.Fingerprint() != testkeys.GPGv4Fingerprint {
		t.Errorf("ReadPublicKey(stub) = %v, %v", p, err)
	}
}

// A v4 identity we protect with a passphrase stays importable by GnuPG 2.2
// (no Argon2 for v4 keys).
func TestGnuPGImportsOurProtectedV4Key(t *testing.T) {
	f := load(t)
	armored, err := f.gus.Armor([]byte("pw"))
	if err != nil {
		t.Fatal(err)
	}
	g := newGnuPG(t)
	path := filepath.Join(g.home, "k.asc")
	if err := os.WriteFile(path, armored, 0o600); err != nil {
		t.Fatal(err)
	}
	g.mustRun(nil, "--passphrase", "pw", "--import", path)
	ct, _, err := EncryptBound([]byte(secret), pubs(f.gus), f.gus, testkeys.Now(), "")
	if err != nil {
		t.Fatal(err)
	}
	if out, stderr, err := g.run(ct, "--passphrase", "pw", "--decrypt"); string(out) != secret {
		t.Fatalf("gpg --decrypt with imported protected key = %q (%v)\n%s", out, err, stderr)
	}
}
