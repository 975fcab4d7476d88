package main

// Script commands for the team and trust scripts: they play the part of
// someone who edits the store with plain git and tools of their own.

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/ProtonMail/go-crypto/openpgp/packet"
	openpgp "github.com/ProtonMail/go-crypto/openpgp/v2"
	"github.com/rogpeppe/go-internal/testscript"

	"github.com/configsync/configsync/keyring"
)

func readSecret(ts *testscript.TestScript, file string) *keyring.PrivateKey {
	k, err := keyring.ReadPrivateKey([]byte(ts.ReadFile(file)), nil)
	ts.Check(err)
	return k
}

func readPublic(ts *testscript.TestScript, file string) *keyring.PublicKey {
	data, err := os.ReadFile(ts.MkAbs(file))
	ts.Check(err)
	k, err := keyring.ReadPublicKey(data)
	ts.Check(err)
	return k
}

// cmdSigndetached: signdetached SECRETKEY FILE OUT — an armored detached
// signature over FILE, as an admin's manifest signature is made, but by
// any key (a member signing a manifest with its own key).
func cmdSigndetached(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: signdetached SECRETKEY FILE OUT")
	}
	data, err := os.ReadFile(ts.MkAbs(args[1]))
	ts.Check(err)
	sig, err := keyring.SignDetached(data, readSecret(ts, args[0]), time.Now())
	ts.Check(err)
	ts.Check(os.WriteFile(ts.MkAbs(args[2]), sig, 0o644))
}

// cmdSeal: seal SECRETKEY PUBKEY IN OUT [BINDING] — IN signed by
// SECRETKEY and encrypted to PUBKEY (an environment's key.pub.asc), with
// no binding unless BINDING is given: an item written outside configsync
// (with a binding, by a member who knows where it goes).
func cmdSeal(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 4 && len(args) != 5 {
		ts.Fatalf("usage: seal SECRETKEY PUBKEY IN OUT [BINDING]")
	}
	in, err := os.ReadFile(ts.MkAbs(args[2]))
	ts.Check(err)
	binding := ""
	if len(args) == 5 {
		binding = args[4]
	}
	ct, _, err := keyring.EncryptBound(in, []*keyring.PublicKey{readPublic(ts, args[1])}, readSecret(ts, args[0]), time.Now(), binding)
	ts.Check(err)
	ts.Check(os.WriteFile(ts.MkAbs(args[3]), ct, 0o644))
}

// cmdCanopen: [!] canopen SECRETKEY FILE — whether SECRETKEY can decrypt
// FILE (an item or a key.pgp), signature aside.
func cmdCanopen(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: canopen SECRETKEY FILE")
	}
	ct, err := os.ReadFile(ts.MkAbs(args[1]))
	ts.Check(err)
	_, _, err = keyring.Decrypt(ct, []*keyring.PrivateKey{readSecret(ts, args[0])}, nil, time.Now())
	opened := !errors.Is(err, keyring.ErrNoKey)
	if errors.Is(err, keyring.ErrMalformed) || errors.Is(err, keyring.ErrIntegrity) {
		ts.Fatalf("%s: %v", args[1], err)
	}
	if opened == neg {
		ts.Fatalf("%s can open %s: %v (err %v)", args[0], args[1], opened, err)
	}
}

// cmdReseal: reseal SECRETKEY KEYPGP ITEM PUBKEY OUT — what a reader of one
// environment can do without configsync: open its key (KEYPGP, wrapped
// for SECRETKEY), decrypt ITEM's session key, and encrypt the signed
// message inside — signature untouched — to another environment's public
// key. Without a binding in the signature, the copy would verify.
func cmdReseal(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 5 {
		ts.Fatalf("usage: reseal SECRETKEY KEYPGP ITEM PUBKEY OUT")
	}
	read := func(f string) []byte {
		b, err := os.ReadFile(ts.MkAbs(f))
		ts.Check(err)
		return b
	}
	out, err := reseal(read(args[0]), read(args[1]), read(args[2]), read(args[3]))
	ts.Check(err)
	ts.Check(os.WriteFile(ts.MkAbs(args[4]), out, 0o644))
}

func reseal(identity, keyPGP, item, pubkey []byte) ([]byte, error) {
	cfg := &packet.Config{}
	ids, err := openpgp.ReadArmoredKeyRing(bytes.NewReader(identity))
	if err != nil {
		return nil, err
	}
	md, err := openpgp.ReadMessage(bytes.NewReader(keyPGP), ids, nil, cfg)
	if err != nil {
		return nil, fmt.Errorf("open the environment key: %w", err)
	}
	envKeyData, err := io.ReadAll(md.UnverifiedBody)
	if err != nil {
		return nil, err
	}
	envKeys, err := openpgp.ReadKeyRing(bytes.NewReader(envKeyData))
	if err != nil {
		return nil, err
	}
	// The item's session key, then the signed message inside, as bytes.
	var sessionKey []byte
	var inner []byte
	r := packet.NewReader(bytes.NewReader(item))
	for inner == nil {
		p, err := r.Next()
		if err != nil {
			return nil, fmt.Errorf("read item: %w", err)
		}
		switch p := p.(type) {
		case *packet.EncryptedKey:
			for _, sub := range envKeys[0].Subkeys {
				if sub.PrivateKey != nil && p.Decrypt(sub.PrivateKey, cfg) == nil {
					sessionKey = bytes.Clone(p.Key)
				}
			}
		case *packet.SymmetricallyEncrypted:
			if sessionKey == nil {
				return nil, errors.New("no session key")
			}
			rc, err := p.Decrypt(packet.CipherAES256, sessionKey)
			if err != nil {
				return nil, err
			}
			if inner, err = io.ReadAll(rc); err != nil {
				return nil, err
			}
			if err := rc.Close(); err != nil {
				return nil, err
			}
		}
	}
	to, err := openpgp.ReadArmoredKeyRing(bytes.NewReader(pubkey))
	if err != nil {
		return nil, err
	}
	enc, ok := to[0].EncryptionKey(time.Now(), cfg)
	if !ok {
		return nil, errors.New("no encryption key")
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := packet.SerializeEncryptedKeyAEAD(&buf, enc.PublicKey, packet.CipherAES256, true, key, cfg); err != nil {
		return nil, err
	}
	w, err := packet.SerializeSymmetricallyEncrypted(&buf, packet.CipherAES256, true, packet.CipherSuite{Cipher: packet.CipherAES256, Mode: packet.AEADModeGCM}, key, cfg)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(inner); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// cmdUnwrapkey: unwrapkey SECRETKEY KEYPGP OUT — what a reader can keep:
// the environment's private key from a key.pgp wrapped for SECRETKEY,
// written to OUT (binary), signature aside.
func cmdUnwrapkey(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: unwrapkey SECRETKEY KEYPGP OUT")
	}
	ids, err := openpgp.ReadArmoredKeyRing(bytes.NewReader([]byte(ts.ReadFile(args[0]))))
	ts.Check(err)
	data, err := os.ReadFile(ts.MkAbs(args[1]))
	ts.Check(err)
	md, err := openpgp.ReadMessage(bytes.NewReader(data), ids, nil, &packet.Config{})
	ts.Check(err)
	key, err := io.ReadAll(md.UnverifiedBody)
	ts.Check(err)
	ts.Check(os.WriteFile(ts.MkAbs(args[2]), key, 0o600))
}

// cmdPgpmode: pgpmode FILE MODE — the encryption mode FILE's packets
// declare ("AES-256-GCM", "AES-256 (SEIPDv1)").
func cmdPgpmode(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: pgpmode FILE MODE")
	}
	data, err := os.ReadFile(ts.MkAbs(args[0]))
	ts.Check(err)
	mode, err := keyring.MessageMode(data)
	ts.Check(err)
	if (string(mode) == args[1]) == neg {
		ts.Fatalf("%s: mode %q, want %s%q", args[0], mode, map[bool]string{true: "not ", false: ""}[neg], args[1])
	}
}

// cmdBomb: bomb SECRETKEY PUBKEY MIB OUT BINDING — a decompression bomb a
// member could push: MIB mebibytes of zeros, signed by SECRETKEY for
// BINDING, zlib-compressed (to a few KiB per MiB) and encrypted to PUBKEY
// with go-crypto's packet API, which does not ask the recipient's
// preferences (configsync's keys say "no compression").
func cmdBomb(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 5 {
		ts.Fatalf("usage: bomb SECRETKEY PUBKEY MIB OUT BINDING")
	}
	signers, err := openpgp.ReadArmoredKeyRing(bytes.NewReader([]byte(ts.ReadFile(args[0]))))
	ts.Check(err)
	to, err := openpgp.ReadArmoredKeyRing(bytes.NewReader([]byte(ts.ReadFile(args[1]))))
	ts.Check(err)
	mib, err := strconv.Atoi(args[2])
	ts.Check(err)
	cfg := &packet.Config{SignatureNotations: []*packet.Notation{{Name: keyring.BindingNotation, Value: []byte(args[4]), IsHumanReadable: true}}}
	enc, ok := to[0].EncryptionKey(time.Now(), cfg)
	if !ok {
		ts.Fatalf("%s: no encryption key", args[1])
	}
	key := make([]byte, 32)
	_, err = rand.Read(key)
	ts.Check(err)
	var buf bytes.Buffer
	ts.Check(packet.SerializeEncryptedKeyAEAD(&buf, enc.PublicKey, packet.CipherAES256, true, key, cfg))
	encrypted, err := packet.SerializeSymmetricallyEncrypted(&buf, packet.CipherAES256, true, packet.CipherSuite{Cipher: packet.CipherAES256, Mode: packet.AEADModeGCM}, key, cfg)
	ts.Check(err)
	compressed, err := packet.SerializeCompressed(encrypted, packet.CompressionZLIB, &packet.CompressionConfig{Level: packet.BestSpeed})
	ts.Check(err)
	signed, err := openpgp.SignWithParams(compressed, signers[:1], &openpgp.SignParams{Config: cfg})
	ts.Check(err)
	zeros := make([]byte, 1<<20)
	for range mib {
		_, err := signed.Write(zeros)
		ts.Check(err)
	}
	// Closing the compressed packet closes the encrypted one too.
	for _, c := range []io.Closer{signed, compressed} {
		ts.Check(c.Close())
	}
	ts.Check(os.WriteFile(ts.MkAbs(args[3]), buf.Bytes(), 0o644))
}

// cmdReindex: reindex CHECKOUT ENV SECRETKEY — writes the next index of
// ENV in a checkout of the store (serial +1, chained to the one there,
// every file under items/ listed with its SHA-256) and signs it with
// SECRETKEY: what a member with a client of their own can do.
func cmdReindex(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: reindex CHECKOUT ENV SECRETKEY")
	}
	dir := filepath.Join(ts.MkAbs(args[0]), "environments", args[1])
	old, err := os.ReadFile(filepath.Join(dir, "index.toml"))
	ts.Check(err)
	var ix map[string]any
	_, err = toml.Decode(string(old), &ix)
	ts.Check(err)
	sum := sha256.Sum256(old)
	ix["serial"] = ix["serial"].(int64) + 1
	ix["previous"] = hex.EncodeToString(sum[:])
	items := map[string]string{}
	root := filepath.Join(dir, "items")
	ts.Check(filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		s := sha256.Sum256(data)
		items[filepath.ToSlash(rel)] = hex.EncodeToString(s[:])
		return nil
	}))
	ix["items"] = items
	var buf bytes.Buffer
	ts.Check(toml.NewEncoder(&buf).Encode(ix))
	ts.Check(os.WriteFile(filepath.Join(dir, "index.toml"), buf.Bytes(), 0o644))
	sig, err := keyring.SignDetached(buf.Bytes(), readSecret(ts, args[2]), time.Now())
	ts.Check(err)
	ts.Check(os.WriteFile(filepath.Join(dir, "index.toml.sig"), sig, 0o644))
}
