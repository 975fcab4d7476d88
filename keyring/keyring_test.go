package keyring

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp/packet"
	openpgp "github.com/ProtonMail/go-crypto/openpgp/v2"

	"github.com/configsync/configsync/internal/testkeys"
)

// secret is the plaintext of most tests; no error may ever contain it.
const secret = "STRIPE_SECRET_KEY=sk_live_51HdontLeakMe\nDB_PASSWORD=hunter2-very-secret\n"

type fixtures struct {
	alice, bob, carol, ci, env, gus *PrivateKey
}

var loadOnce = sync.OnceValues(func() (*fixtures, error) {
	read := func(data []byte) (*PrivateKey, error) { return ReadPrivateKey(data, nil) }
	var f fixtures
	var err error
	for _, x := range []struct {
		dst  **PrivateKey
		data []byte
	}{
		{&f.alice, testkeys.Alice()}, {&f.bob, testkeys.Bob()}, {&f.carol, testkeys.Carol()},
		{&f.ci, testkeys.CI()}, {&f.env, testkeys.Env()}, {&f.gus, testkeys.GPGv4()},
	} {
		if *x.dst, err = read(x.data); err != nil {
			return nil, err
		}
	}
	return &f, nil
})

func load(t testing.TB) *fixtures {
	t.Helper()
	f, err := loadOnce()
	if err != nil {
		t.Fatalf("loading fixture keys: %v", err)
	}
	return f
}

func pubs(keys ...*PrivateKey) []*PublicKey {
	out := make([]*PublicKey, len(keys))
	for i, k := range keys {
		out[i] = k.Public()
	}
	return out
}

// noSecret fails if err's message contains any line of the plaintext.
func noSecret(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	for _, part := range []string{secret, "sk_live_51HdontLeakMe", "hunter2-very-secret"} {
		if strings.Contains(err.Error(), part) {
			t.Fatalf("error leaks plaintext: %q", err.Error())
		}
	}
}

// pkt is one packet as seen by an independent, minimal header parser.
type pkt struct {
	tag  int
	body []byte // the first bytes of the body (all of it unless partial)
	off  int    // offset of the header
}

// packetsOf parses new-format packet headers (what go-crypto writes), up to
// and including the first packet with a partial length.
func packetsOf(t *testing.T, b []byte) []pkt {
	t.Helper()
	var out []pkt
	for off := 0; off < len(b); {
		if b[off]&0xc0 != 0xc0 {
			t.Fatalf("offset %d: not a new-format packet header: %#x", off, b[off])
		}
		tag := int(b[off] & 0x3f)
		l := int(b[off+1])
		var hdr, n int
		partial := false
		switch {
		case l < 192:
			hdr, n = 2, l
		case l < 224:
			hdr, n = 3, (l-192)<<8+int(b[off+2])+192
		case l == 255:
			hdr, n = 6, int(b[off+2])<<24|int(b[off+3])<<16|int(b[off+4])<<8|int(b[off+5])
		default:
			hdr, n, partial = 2, 1<<(l&0x1f), true
		}
		end := min(off+hdr+n, len(b))
		out = append(out, pkt{tag: tag, body: b[off+hdr : end], off: off})
		if partial {
			break
		}
		off += hdr + n
	}
	return out
}

func TestFixtures(t *testing.T) {
	tests := []struct {
		name, fpr, uname, email string
		data                    []byte
		secret                  bool
		version                 int
		aead                    bool
	}{
		{"alice", testkeys.AliceFingerprint, "Alice", "alice@example.com", testkeys.Alice(), true, 6, true},
		{"bob", testkeys.BobFingerprint, "Bob", "bob@example.com", testkeys.Bob(), true, 6, true},
		{"carol", testkeys.CarolFingerprint, "Carol", "carol@example.com", testkeys.Carol(), true, 6, true},
		{"ci", testkeys.CIFingerprint, "CI", "ci@example.com", testkeys.CI(), true, 6, true},
		{"env", testkeys.EnvFingerprint, "configsync environment development", "", testkeys.Env(), true, 6, true},
		{"gpgv4", testkeys.GPGv4Fingerprint, "Gus", "gus@example.com", testkeys.GPGv4(), true, 4, false},
		{"gpgv4 public", testkeys.GPGv4Fingerprint, "Gus", "gus@example.com", testkeys.GPGv4Public(), false, 4, false},
		{"rsa3072 public", testkeys.RSA3072Fingerprint, "Rita", "rita@example.com", testkeys.RSA3072Public(), false, 4, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.secret {
				k, err := ReadPrivateKey(tt.data, nil)
				if err != nil {
					t.Fatalf("ReadPrivateKey: %v", err)
				}
				if k.Fingerprint() != tt.fpr {
					t.Errorf("private fingerprint = %s, want %s", k.Fingerprint(), tt.fpr)
				}
			}
			p, err := ReadPublicKey(tt.data)
			if err != nil {
				t.Fatalf("ReadPublicKey: %v", err)
			}
			if p.Fingerprint() != tt.fpr || p.Name() != tt.uname || p.Email() != tt.email ||
				p.Version() != tt.version || p.SupportsAEAD() != tt.aead {
				t.Errorf("got %s %q %q v%d aead=%v, want %s %q %q v%d aead=%v",
					p.Fingerprint(), p.Name(), p.Email(), p.Version(), p.SupportsAEAD(),
					tt.fpr, tt.uname, tt.email, tt.version, tt.aead)
			}
			armored, err := p.Armor()
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Contains(armored, []byte("PRIVATE")) {
				t.Errorf("public armor contains a private key block")
			}
			again, err := ReadPublicKey(armored)
			if err != nil || again.Fingerprint() != tt.fpr {
				t.Errorf("re-read public armor: %v, %v", again, err)
			}
		})
	}
}

func TestGenerate(t *testing.T) {
	now := testkeys.Now()
	k, err := Generate("Dana", "dana@example.com", now)
	if err != nil {
		t.Fatal(err)
	}
	p := k.Public()
	if p.Version() != 6 || !p.SupportsAEAD() || p.Name() != "Dana" || p.Email() != "dana@example.com" || len(p.Fingerprint()) != 64 {
		t.Errorf("generated key: v%d aead=%v %q %q %s", p.Version(), p.SupportsAEAD(), p.Name(), p.Email(), p.Fingerprint())
	}
	// Trap 1: the preferences are in the self-signature itself.
	sig, err := p.entity.PrimarySelfSignature(time.Time{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !sig.SEIPDv2 || len(sig.PreferredCipherSuites) == 0 ||
		sig.PreferredCipherSuites[0] != [2]uint8{uint8(packet.CipherAES256), uint8(packet.AEADModeGCM)} ||
		len(sig.PreferredSymmetric) == 0 || sig.PreferredSymmetric[0] != uint8(packet.CipherAES256) {
		t.Errorf("self-signature preferences: seipdv2=%v suites=%v symmetric=%v", sig.SEIPDv2, sig.PreferredCipherSuites, sig.PreferredSymmetric)
	}
	if a := k.entity.PrimaryKey.PubKeyAlgo; a != packet.PubKeyAlgoEd25519 {
		t.Errorf("primary algorithm %v, want Ed25519", a)
	}
	enc, ok := k.entity.EncryptionKey(now, nil)
	if !ok || enc.PublicKey.PubKeyAlgo != packet.PubKeyAlgoX25519 || enc.PublicKey == k.entity.PrimaryKey {
		t.Errorf("encryption subkey missing or not X25519")
	}

	env, err := GenerateEnvironmentKey("staging", now)
	if err != nil {
		t.Fatal(err)
	}
	if env.Public().Name() != "configsync environment staging" || env.Public().Email() != "" || !env.Public().SupportsAEAD() {
		t.Errorf("environment key uid %q/%q aead=%v", env.Public().Name(), env.Public().Email(), env.Public().SupportsAEAD())
	}

	for _, bad := range []struct {
		name, email string
		now         time.Time
	}{
		{"", "x@example.com", now}, {"X", "", now}, {"X", "x@example.com", time.Time{}}, {"X <y>", "x@example.com", now},
	} {
		if _, err := Generate(bad.name, bad.email, bad.now); err == nil {
			t.Errorf("Generate(%q, %q, %v) succeeded", bad.name, bad.email, bad.now)
		}
	}
}

func TestEncryptSEIPDv2(t *testing.T) {
	f := load(t)
	ct, mode, err := EncryptBound([]byte(secret), pubs(f.alice, f.bob), f.alice, testkeys.Now(), "")
	if err != nil {
		t.Fatal(err)
	}
	if mode != ModeAES256GCM {
		t.Errorf("mode %q, want %q", mode, ModeAES256GCM)
	}
	ps := packetsOf(t, ct)
	if len(ps) != 3 {
		t.Fatalf("got %d packets, want 2 PKESK + SEIPD", len(ps))
	}
	for _, p := range ps[:2] {
		if p.tag != 1 || p.body[0] != 6 {
			t.Errorf("packet tag %d version %d, want PKESK v6", p.tag, p.body[0])
		}
	}
	seipd := ps[2]
	if seipd.tag != 18 || seipd.body[0] != 2 || seipd.body[1] != 9 || seipd.body[2] != 3 {
		t.Errorf("data packet tag %d, version %d, cipher %d, aead %d; want 18, 2, 9 (AES-256), 3 (GCM)",
			seipd.tag, seipd.body[0], seipd.body[1], seipd.body[2])
	}
	if bytes.Contains(ct, []byte("sk_live")) {
		t.Fatal("ciphertext contains plaintext")
	}
	for _, k := range []*PrivateKey{f.alice, f.bob} {
		pt, signer, err := Decrypt(ct, []*PrivateKey{k}, pubs(f.alice), testkeys.Now())
		if err != nil {
			t.Fatalf("Decrypt with %s: %v", k.Public().Name(), err)
		}
		if string(pt) != secret || signer.Fingerprint() != testkeys.AliceFingerprint {
			t.Errorf("got %q signed by %v", pt, signer)
		}
	}
	// Trap 3: no intended-recipient fingerprints bound into the signature,
	// and no file name in the literal data.
	md, err := openpgp.ReadMessage(bytes.NewReader(ct), openpgp.EntityList{f.bob.entity, f.alice.public.entity}, nil, newConfig(testkeys.Now()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadAll(md.UnverifiedBody); err != nil {
		t.Fatal(err)
	}
	if md.Signature == nil || len(md.Signature.IntendedRecipients) != 0 {
		t.Errorf("signature %v binds intended recipients", md.Signature)
	}
	if md.LiteralData.FileName != "" {
		t.Errorf("literal data file name %q", md.LiteralData.FileName)
	}
}

func TestEncryptV4RecipientUsesSEIPDv1(t *testing.T) {
	f := load(t)
	ct, mode, err := EncryptBound([]byte(secret), pubs(f.alice, f.gus), f.alice, testkeys.Now(), "")
	if err != nil {
		t.Fatal(err)
	}
	if mode != ModeSEIPDv1 {
		t.Errorf("mode %q, want %q", mode, ModeSEIPDv1)
	}
	ps := packetsOf(t, ct)
	if len(ps) != 3 || ps[0].body[0] != 3 || ps[1].body[0] != 3 || ps[2].tag != 18 || ps[2].body[0] != 1 {
		t.Errorf("packets %+v: want two PKESK v3 and a SEIPDv1", ps)
	}
	for _, k := range []*PrivateKey{f.alice, f.gus} {
		pt, _, err := Decrypt(ct, []*PrivateKey{k}, pubs(f.alice), testkeys.Now())
		if err != nil || string(pt) != secret {
			t.Errorf("Decrypt with %s: %q, %v", k.Public().Name(), pt, err)
		}
	}
	// The v4 key also works as a signer.
	ct, _, err = EncryptBound([]byte(secret), pubs(f.alice), f.gus, testkeys.Now(), "")
	if err != nil {
		t.Fatal(err)
	}
	if _, signer, err := Decrypt(ct, []*PrivateKey{f.alice}, pubs(f.gus), testkeys.Now()); err != nil || signer.Fingerprint() != testkeys.GPGv4Fingerprint {
		t.Errorf("v4 signer: %v, %v", signer, err)
	}
}

func TestEncryptErrors(t *testing.T) {
	f := load(t)
	if _, _, err := EncryptBound([]byte(secret), nil, f.alice, testkeys.Now(), ""); !errors.Is(err, ErrNoRecipients) {
		t.Errorf("no recipients: %v", err)
	}
	if _, _, err := EncryptBound([]byte(secret), pubs(f.bob), nil, testkeys.Now(), ""); err == nil {
		t.Errorf("nil signer accepted")
	}
	if _, _, err := EncryptBound([]byte(secret), pubs(f.bob), f.alice, time.Time{}, ""); err == nil {
		t.Errorf("zero time accepted")
	}
	ct, _, err := EncryptBound([]byte(secret), pubs(f.bob, f.bob, f.bob), f.alice, testkeys.Now(), "")
	if err != nil {
		t.Fatal(err)
	}
	if ids, _ := RecipientKeyIDs(ct); len(ids) != 1 {
		t.Errorf("duplicate recipients not removed: %v", ids)
	}
}

// unsigned returns a message to bob with no signature.
func unsigned(t *testing.T, f *fixtures) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := openpgp.EncryptWithParams(&buf, []*openpgp.Entity{f.bob.public.entity}, nil, &openpgp.EncryptParams{Config: newConfig(testkeys.Now())})
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte(secret))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// badlySigned returns a message to bob carrying alice's signature over other
// data.
func badlySigned(t *testing.T, f *fixtures) []byte {
	t.Helper()
	cfg := newConfig(testkeys.Now())
	var sig bytes.Buffer
	if err := openpgp.DetachSign(&sig, []*openpgp.Entity{f.alice.entity}, strings.NewReader("something else"), cfg); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	w, err := openpgp.EncryptWithParams(&buf, []*openpgp.Entity{f.bob.public.entity}, nil, &openpgp.EncryptParams{Config: cfg, OutsideSig: sig.Bytes()})
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte(secret))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func flip(b []byte, i int) []byte {
	c := bytes.Clone(b)
	c[i] ^= 0x40
	return c
}

func TestDecryptRefuses(t *testing.T) {
	f := load(t)
	now := testkeys.Now()
	good, _, err := EncryptBound([]byte(secret), pubs(f.bob), f.alice, now, "")
	if err != nil {
		t.Fatal(err)
	}
	byCarol, _, err := EncryptBound([]byte(secret), pubs(f.bob), f.carol, now, "")
	if err != nil {
		t.Fatal(err)
	}
	byBob, _, err := EncryptBound([]byte(secret), pubs(f.bob), f.bob, now, "")
	if err != nil {
		t.Fatal(err)
	}
	v1, _, err := EncryptBound([]byte(secret), pubs(f.bob, f.gus), f.alice, now, "")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		ct      []byte
		keys    []*PrivateKey
		signers []*PublicKey
		want    error
		signer  string // for ErrUnknownSigner
	}{
		{"unsigned", unsigned(t, f), []*PrivateKey{f.bob}, pubs(f.alice, f.bob), ErrUnsigned, ""},
		{"signer not allowed", byCarol, []*PrivateKey{f.bob}, pubs(f.alice, f.bob), ErrUnknownSigner, testkeys.CarolFingerprint},
		{"no allowed signers", good, []*PrivateKey{f.bob}, nil, ErrUnknownSigner, testkeys.AliceFingerprint},
		{"signer is my own key, not allowed", byBob, []*PrivateKey{f.bob}, pubs(f.alice), ErrUnknownSigner, testkeys.BobFingerprint},
		{"bad signature", badlySigned(t, f), []*PrivateKey{f.bob}, pubs(f.alice), ErrBadSignature, ""},
		{"tampered middle", flip(good, len(good)/2), []*PrivateKey{f.bob}, pubs(f.alice), ErrIntegrity, ""},
		{"tampered near end", flip(good, len(good)-3), []*PrivateKey{f.bob}, pubs(f.alice), ErrIntegrity, ""},
		{"tampered last byte", flip(good, len(good)-1), []*PrivateKey{f.bob}, pubs(f.alice), ErrIntegrity, ""},
		{"truncated", good[:len(good)-20], []*PrivateKey{f.bob}, pubs(f.alice), ErrIntegrity, ""},
		{"SEIPDv1 tampered middle", flip(v1, len(v1)-len(secret)/2-40), []*PrivateKey{f.bob}, pubs(f.alice), ErrIntegrity, ""},
		{"SEIPDv1 tampered near end", flip(v1, len(v1)-3), []*PrivateKey{f.bob}, pubs(f.alice), ErrIntegrity, ""},
		{"wrong key", good, []*PrivateKey{f.carol, f.alice}, pubs(f.alice), ErrNoKey, ""},
		{"no key", good, nil, pubs(f.alice), ErrNoKey, ""},
		{"garbage", []byte("not a message"), []*PrivateKey{f.bob}, pubs(f.alice), ErrMalformed, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pt, signer, err := Decrypt(tt.ct, tt.keys, tt.signers, now)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if pt != nil || signer != nil {
				t.Errorf("returned plaintext %q / signer %v with an error", pt, signer)
			}
			noSecret(t, err)
			if tt.signer != "" {
				var use *UnknownSignerError
				if !errors.As(err, &use) || use.KeyID != tt.signer {
					t.Errorf("UnknownSignerError = %v, want key id %s", use, tt.signer)
				}
			}
		})
	}
}

func TestRewrap(t *testing.T) {
	f := load(t)
	now := testkeys.Now()
	orig, _, err := EncryptBound([]byte(secret), pubs(f.alice, f.bob), f.alice, now, "")
	if err != nil {
		t.Fatal(err)
	}
	data := func(b []byte) []byte {
		ps := packetsOf(t, b)
		last := ps[len(ps)-1]
		if last.tag != 18 {
			t.Fatalf("last packet tag %d", last.tag)
		}
		return b[last.off:]
	}

	// Add carol, re-wrapping with bob's key.
	added, err := Rewrap(orig, f.bob, pubs(f.alice, f.bob, f.carol))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(data(added), data(orig)) {
		t.Error("encrypted data packet changed")
	}
	ids, err := RecipientKeyIDs(added)
	if err != nil || len(ids) != 3 {
		t.Fatalf("RecipientKeyIDs = %v, %v", ids, err)
	}
	// A RecipientReader gives the same, parsing the packets kept by the
	// re-wrap once.
	var rr RecipientReader
	for _, ct := range [][]byte{orig, added, orig, []byte("not a message")} {
		want, wantErr := RecipientKeyIDs(ct)
		got, err := rr.KeyIDs(ct)
		if !slices.Equal(got, want) || (err == nil) != (wantErr == nil) {
			t.Errorf("RecipientReader.KeyIDs = %v, %v; RecipientKeyIDs = %v, %v", got, err, want, wantErr)
		}
	}
	if len(rr.ids) != 3 {
		t.Errorf("RecipientReader parsed %d packets of 2 + 3 sharing 2, want 3", len(rr.ids))
	}
	for i, k := range []*PrivateKey{f.alice, f.bob, f.carol} {
		if !k.Public().Matches(ids[i]) {
			t.Errorf("recipient %d = %s, want %s", i, ids[i], k.Public().Name())
		}
		pt, signer, err := Decrypt(added, []*PrivateKey{k}, pubs(f.alice), now)
		if err != nil || string(pt) != secret || signer.Fingerprint() != testkeys.AliceFingerprint {
			t.Errorf("%s after rewrap: %v, %v", k.Public().Name(), signer, err)
		}
	}
	if mode, err := MessageMode(added); err != nil || mode != ModeAES256GCM {
		t.Errorf("mode after rewrap %q, %v", mode, err)
	}
	// The recipients that stay keep their packets byte for byte: adding
	// one member to a team of n writes one packet, not n.
	before, after := packetsOf(t, orig), packetsOf(t, added)
	for i := range 2 {
		if !bytes.Equal(orig[before[i].off:before[i+1].off], added[after[i].off:after[i+1].off]) {
			t.Errorf("session key packet %d was rewritten", i)
		}
	}

	// Remove bob.
	removed, err := Rewrap(added, f.carol, pubs(f.alice, f.carol))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := Decrypt(removed, []*PrivateKey{f.bob}, pubs(f.alice), now); !errors.Is(err, ErrNoKey) {
		t.Errorf("removed recipient: err = %v, want ErrNoKey", err)
	}
	if pt, _, err := Decrypt(removed, []*PrivateKey{f.alice}, pubs(f.alice), now); err != nil || string(pt) != secret {
		t.Errorf("remaining recipient: %v", err)
	}

	// Errors.
	if _, err := Rewrap(orig, f.carol, pubs(f.carol)); !errors.Is(err, ErrNoKey) {
		t.Errorf("rewrap by a non-recipient: %v, want ErrNoKey", err)
	}
	if _, err := Rewrap(orig, f.bob, nil); !errors.Is(err, ErrNoRecipients) {
		t.Errorf("rewrap to nobody: %v", err)
	}
	if _, err := Rewrap(orig, f.bob, pubs(f.gus)); !errors.Is(err, ErrAEADUnsupported) {
		t.Errorf("rewrap SEIPDv2 to a v4 key: %v, want ErrAEADUnsupported", err)
	}
	if _, err := Rewrap([]byte("garbage"), f.bob, pubs(f.bob)); !errors.Is(err, ErrMalformed) {
		t.Errorf("rewrap garbage: %v", err)
	}

	// SEIPDv1 messages re-wrap too (v3 PKESKs), to v4 and v6 keys.
	v1, _, err := EncryptBound([]byte(secret), pubs(f.alice, f.gus), f.alice, now, "")
	if err != nil {
		t.Fatal(err)
	}
	v1added, err := Rewrap(v1, f.gus, pubs(f.gus, f.carol))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(data(v1added), data(v1)) {
		t.Error("SEIPDv1 data packet changed")
	}
	for _, k := range []*PrivateKey{f.gus, f.carol} {
		if pt, _, err := Decrypt(v1added, []*PrivateKey{k}, pubs(f.alice), now); err != nil || string(pt) != secret {
			t.Errorf("%s after SEIPDv1 rewrap: %v", k.Public().Name(), err)
		}
	}
	if _, _, err := Decrypt(v1added, []*PrivateKey{f.alice}, pubs(f.alice), now); !errors.Is(err, ErrNoKey) {
		t.Errorf("alice dropped from SEIPDv1 message: %v", err)
	}
}

func TestPassphrase(t *testing.T) {
	f := load(t)
	armored, err := f.alice.Armor([]byte("s3cret pass"))
	if err != nil {
		t.Fatal(err)
	}
	// f.alice is still unlocked and usable after Armor.
	if _, _, err := EncryptBound([]byte(secret), pubs(f.bob), f.alice, testkeys.Now(), ""); err != nil {
		t.Fatalf("key unusable after Armor: %v", err)
	}
	pass := func(p string) func() ([]byte, error) { return func() ([]byte, error) { return []byte(p), nil } }
	promptErr := errors.New("no terminal")
	tests := []struct {
		name string
		data []byte
		pass func() ([]byte, error)
		want error
		fpr  string
	}{
		{"wrong", armored, pass("wrong"), ErrWrongPassphrase, ""},
		{"nil func", armored, nil, ErrPassphraseRequired, ""},
		{"prompt fails", armored, func() ([]byte, error) { return nil, promptErr }, promptErr, ""},
		{"right", armored, pass("s3cret pass"), nil, testkeys.AliceFingerprint},
		{"fixture right", testkeys.Protected(), pass(testkeys.Passphrase), nil, testkeys.ProtectedFingerprint},
		{"fixture nil func", testkeys.Protected(), nil, ErrPassphraseRequired, ""},
		{"unprotected ignores func", testkeys.Bob(), func() ([]byte, error) { panic("called") }, nil, testkeys.BobFingerprint},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := ReadPrivateKey(tt.data, tt.pass)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if err == nil && k.Fingerprint() != tt.fpr {
				t.Errorf("fingerprint %s, want %s", k.Fingerprint(), tt.fpr)
			}
			if err != nil && strings.Contains(err.Error(), "s3cret") {
				t.Errorf("error leaks the passphrase: %v", err)
			}
		})
	}
	// The public part of a protected key reads without a passphrase.
	if p, err := ReadPublicKey(armored); err != nil || p.Fingerprint() != testkeys.AliceFingerprint {
		t.Errorf("ReadPublicKey(protected) = %v, %v", p, err)
	}
	// v6 protection is Argon2 + AEAD (S2K specifier 4, usage 253).
	e, err := openpgp.ReadArmoredKeyRing(bytes.NewReader(armored))
	if err != nil {
		t.Fatal(err)
	}
	var raw bytes.Buffer
	if err := e[0].PrivateKey.Serialize(&raw); err != nil {
		t.Fatal(err)
	}
	if !aeadArgon2(raw.Bytes()) {
		t.Errorf("secret key packet is not AEAD (AES-256, GCM) protected")
	}
}

func TestReadKeyRefuses(t *testing.T) {
	f := load(t)
	two := append(append([]byte{}, testkeys.Alice()...), testkeys.Bob()...)
	aliceBin, err := f.alice.Serialize()
	if err != nil {
		t.Fatal(err)
	}
	bobBin, _ := f.bob.Serialize()
	var unsupported *UnsupportedKeyError
	tests := []struct {
		name    string
		data    []byte
		private bool
		want    error
		asType  bool
	}{
		{"rsa2048 secret", testkeys.RSA2048(), true, nil, true},
		{"rsa2048 public", testkeys.RSA2048(), false, nil, true},
		{"public as secret", testkeys.GPGv4Public(), true, ErrNoSecretKey, false},
		{"two keys", two, false, ErrMalformed, false},
		{"two binary keys", append(bytes.Clone(aliceBin), bobBin...), true, ErrMalformed, false},
		{"garbage", []byte("hello"), false, ErrMalformed, false},
		{"empty", nil, true, ErrMalformed, false},
		{"signature block", []byte("-----BEGIN PGP SIGNATURE-----\n\nwA==\n-----END PGP SIGNATURE-----\n"), false, ErrMalformed, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			if tt.private {
				_, err = ReadPrivateKey(tt.data, nil)
			} else {
				_, err = ReadPublicKey(tt.data)
			}
			if tt.asType {
				if !errors.As(err, &unsupported) || !strings.Contains(unsupported.Reason, "RSA 2048-bit") || unsupported.Fingerprint != testkeys.RSA2048Fingerprint {
					t.Fatalf("err = %v, want UnsupportedKeyError about RSA 2048", err)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestSerializeRoundTrip(t *testing.T) {
	f := load(t)
	for _, k := range []*PrivateKey{f.env, f.gus} {
		raw, err := k.Serialize()
		if err != nil {
			t.Fatal(err)
		}
		if bytes.HasPrefix(raw, []byte("-----")) {
			t.Fatal("Serialize returned armor")
		}
		again, err := ReadPrivateKey(raw, nil)
		if err != nil {
			t.Fatal(err)
		}
		if again.Fingerprint() != k.Fingerprint() {
			t.Errorf("fingerprint changed: %s", again.Fingerprint())
		}
		raw2, _ := again.Serialize()
		if !bytes.Equal(raw, raw2) {
			t.Errorf("Serialize is not stable")
		}
		// Wrapped inside a message, as the environment key is.
		ct, _, err := EncryptBound(raw, pubs(f.alice), f.alice, testkeys.Now(), "")
		if err != nil {
			t.Fatal(err)
		}
		pt, _, err := Decrypt(ct, []*PrivateKey{f.alice}, pubs(f.alice), testkeys.Now())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ReadPrivateKey(pt, nil); err != nil {
			t.Fatal(err)
		}
	}
	s := fmt.Sprintf("%v %s %+v", f.alice, f.alice, f.alice)
	if !strings.Contains(s, testkeys.AliceFingerprint) || strings.Contains(s, "PRIVATE") || strings.Contains(s, "0x") {
		t.Errorf("PrivateKey prints as %q", s)
	}
}

func TestDetached(t *testing.T) {
	f := load(t)
	now := testkeys.Now()
	manifest := []byte("[[member]]\nfingerprint = \"" + testkeys.AliceFingerprint + "\"\nadmin = true\n")
	sig, err := SignDetached(manifest, f.alice, now)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(sig, []byte("-----BEGIN PGP SIGNATURE-----")) {
		t.Errorf("signature is not armored: %q", sig[:20])
	}
	gusSig, err := SignDetached(manifest, f.gus, now)
	if err != nil {
		t.Fatal(err)
	}
	modified := append(bytes.Clone(manifest), "[[member]]\n"...)
	tests := []struct {
		name    string
		data    []byte
		sig     []byte
		signers []*PublicKey
		want    error
		signer  string
	}{
		{"valid", manifest, sig, pubs(f.bob, f.alice), nil, testkeys.AliceFingerprint},
		{"valid v4", manifest, gusSig, pubs(f.gus), nil, testkeys.GPGv4Fingerprint},
		{"modified data", modified, sig, pubs(f.alice), ErrBadSignature, ""},
		{"unknown signer", manifest, sig, pubs(f.bob), ErrUnknownSigner, ""},
		{"no signers", manifest, sig, nil, ErrUnknownSigner, ""},
		{"garbage", manifest, []byte("garbage"), pubs(f.alice), ErrUnsigned, ""},
		{"empty", manifest, nil, pubs(f.alice), ErrUnsigned, ""},
		{"a key instead of a signature", manifest, testkeys.GPGv4Public(), pubs(f.alice), ErrUnsigned, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			signer, err := VerifyDetached(tt.data, tt.sig, tt.signers, now)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if tt.want == nil && signer.Fingerprint() != tt.signer {
				t.Errorf("signer %s, want %s", signer.Fingerprint(), tt.signer)
			}
			if tt.want != nil && signer != nil {
				t.Errorf("signer %v returned with error", signer)
			}
		})
	}
}

// TestReadAcceptedPublicKey: bytes read before are parsed to the same
// key, unchecked; and a key whose self-signature is broken, which
// ReadPublicKey refuses, is read, but go-crypto still refuses to use it.
func TestReadAcceptedPublicKey(t *testing.T) {
	f := load(t)
	armored, err := f.bob.Public().Armor()
	if err != nil {
		t.Fatal(err)
	}
	want, err := ReadPublicKey(armored)
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{"public": armored, "secret": testkeys.Bob()} {
		got, err := ReadAcceptedPublicKey(data)
		if err != nil || got.Fingerprint() != want.Fingerprint() || !slices.Equal(got.IDs(), want.IDs()) || hasSecret(got.entity) {
			t.Errorf("%s: ReadAcceptedPublicKey = %v, %v; want %v, public only", name, got, err, want)
		}
	}
	if _, err := ReadAcceptedPublicKey([]byte("not a key")); !errors.Is(err, ErrMalformed) {
		t.Errorf("garbage: err = %v, want ErrMalformed", err)
	}

	// The last packet is the encryption subkey's binding signature.
	binary, err := dearmor(armored, publicKeyBlock)
	if err != nil {
		t.Fatal(err)
	}
	broken := flip(binary, len(binary)-1)
	if _, err := ReadPublicKey(broken); err == nil {
		t.Fatal("ReadPublicKey accepted a key with a broken binding signature")
	}
	k, err := ReadAcceptedPublicKey(broken)
	if err != nil {
		t.Fatalf("ReadAcceptedPublicKey: %v", err)
	}
	if _, _, err := EncryptBound([]byte(secret), []*PublicKey{k}, f.alice, testkeys.Now(), ""); err == nil {
		t.Error("encrypted to a subkey whose binding signature is broken")
	}
}

// TestKeySet: a KeySet finds what Matches matches, for every id form
// (v6 fingerprint, v4 key id, primary or subkey, any case), and nothing
// else.
func TestKeySet(t *testing.T) {
	f := load(t)
	set := NewKeySet(f.carol.Public(), nil, f.gus.Public())
	for _, k := range []*PublicKey{f.carol.Public(), f.gus.Public()} {
		for _, id := range k.IDs() {
			for _, form := range []string{id, strings.ToLower(id)} {
				if got := set.Find(form); got != k {
					t.Errorf("Find(%s) = %v, want %s", form, got, k.Name())
				}
			}
		}
	}
	ct, _, err := EncryptBound([]byte(secret), pubs(f.carol, f.gus, f.alice), f.alice, testkeys.Now(), "")
	if err != nil {
		t.Fatal(err)
	}
	ids, err := RecipientKeyIDs(ct)
	if err != nil || len(ids) != 3 {
		t.Fatalf("RecipientKeyIDs = %v, %v", ids, err)
	}
	if set.Find(ids[0]) != f.carol.Public() || set.Find(ids[1]) != f.gus.Public() {
		t.Errorf("recipients %v not found as carol and gus", ids[:2])
	}
	for _, id := range append(f.alice.Public().IDs(), ids[2], "", "0000000000000000") {
		if got := set.Find(id); got != nil {
			t.Errorf("Find(%q) = %s, want nil", id, got.Name())
		}
	}
	if got := (KeySet{}).Find(ids[0]); got != nil {
		t.Errorf("empty KeySet found %s", got.Name())
	}
}

func TestMessageModeAndRecipients(t *testing.T) {
	f := load(t)
	ct, _, err := EncryptBound([]byte(secret), pubs(f.carol, f.gus), f.alice, testkeys.Now(), "")
	if err != nil {
		t.Fatal(err)
	}
	ids, err := RecipientKeyIDs(ct)
	if err != nil || len(ids) != 2 || !f.carol.Public().Matches(ids[0]) || !f.gus.Public().Matches(ids[1]) ||
		f.alice.Public().Matches(ids[0]) || len(ids[1]) != 16 {
		t.Errorf("RecipientKeyIDs = %v, %v", ids, err)
	}
	for _, bad := range [][]byte{nil, []byte("x"), {0xc1, 0x05, 1}, testkeys.Alice()} {
		if _, err := MessageMode(bad); !errors.Is(err, ErrMalformed) {
			t.Errorf("MessageMode(%q) err = %v", bad, err)
		}
		if _, err := RecipientKeyIDs(bad); !errors.Is(err, ErrMalformed) {
			t.Errorf("RecipientKeyIDs(%q) err = %v", bad, err)
		}
	}
}

// aeadArgon2 reports whether a v6 secret key packet body holds S2K usage 253
// (AEAD), AES-256, GCM and an Argon2 S2K specifier.
func aeadArgon2(b []byte) bool {
	for i := 0; i+5 < len(b); i++ {
		if b[i] == 253 && b[i+2] == 9 && b[i+3] == 3 && b[i+5] == 4 {
			return true
		}
	}
	return false
}

// TestConcurrentUse shares keys between goroutines, as a push of many items
// does; run with -race.
func TestConcurrentUse(t *testing.T) {
	f, err := loadFresh()
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			ct, _, err := EncryptBound([]byte(secret), pubs(f.alice, f.bob), f.alice, testkeys.Now(), "")
			if err == nil {
				_, _, err = Decrypt(ct, []*PrivateKey{f.bob}, pubs(f.alice), testkeys.Now())
			}
			if err == nil {
				_, err = Rewrap(ct, f.bob, pubs(f.alice, f.bob))
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

func loadFresh() (*fixtures, error) {
	var f fixtures
	var err error
	if f.alice, err = ReadPrivateKey(testkeys.Alice(), nil); err != nil {
		return nil, err
	}
	f.bob, err = ReadPrivateKey(testkeys.Bob(), nil)
	return &f, err
}

// TestEncryptChunkFitsPlaintext: a message's AEAD chunk is the smallest
// power of two from 1 KiB to 16 KiB that holds its plaintext and
// signature packets (what each side allocates per message), and every
// size round-trips.
func TestEncryptChunkFitsPlaintext(t *testing.T) {
	f := load(t)
	tests := []struct {
		size  int
		chunk int
	}{
		{0, 1 << 10},
		{200, 1 << 10},
		{600, 2 << 10},
		{3000, 4 << 10},
		{20000, 16 << 10},
		{1 << 20, 16 << 10},
	}
	for _, tt := range tests {
		plain := bytes.Repeat([]byte("k"), tt.size)
		ct, _, err := EncryptBound(plain, pubs(f.bob), f.alice, testkeys.Now(), "")
		if err != nil {
			t.Fatal(err)
		}
		seipd := packetsOf(t, ct)[1]
		if got := 1 << (seipd.body[3] + 6); got != tt.chunk {
			t.Errorf("%d bytes: chunk %d, want %d", tt.size, got, tt.chunk)
		}
		pt, _, err := Decrypt(ct, []*PrivateKey{f.bob}, pubs(f.alice), testkeys.Now())
		if err != nil || !bytes.Equal(pt, plain) {
			t.Errorf("%d bytes: round trip gave %d bytes, %v", tt.size, len(pt), err)
		}
	}
}
