package importers

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"sync"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"

	"github.com/configsync/configsync/envfile"
)

// Dotenvx is one dotenvx-encrypted file to import.
type Dotenvx struct {
	Name string // the file's name as the user gave it, for errors
	Data []byte // its bytes, values "encrypted:BASE64"
	// Keys is the .env.keys file beside it (nil if there is none).
	Keys []byte
	// Getenv looks up DOTENV_PRIVATE_KEY[_NAME] in the process
	// environment; nil for none. It wins over .env.keys, as in dotenvx.
	Getenv func(string) string
}

// KeyError is a private key that is missing or does not open the file.
type KeyError struct {
	File    string // the file being imported
	Key     string // DOTENV_PRIVATE_KEY_PRODUCTION, a sops or gpg key
	Missing bool   // no such key was found; else it is the wrong one
	Detail  string // what else to say (never a value)
}

func (e *KeyError) Error() string {
	if e.Missing {
		return fmt.Sprintf("%s: missing key %s%s", e.File, e.Key, e.Detail)
	}
	return fmt.Sprintf("%s: wrong key %s%s", e.File, e.Key, e.Detail)
}

// ValueError is a value that did not decrypt: the file was modified, or
// encrypted to another key than the one it names.
type ValueError struct {
	File string
	Line int    // 0 when the whole file failed
	Key  string // the variable, "" for a whole file
	Err  error
}

func (e *ValueError) Error() string {
	switch {
	case e.Key != "":
		return fmt.Sprintf("%s:%d: value of %s does not decrypt (%v)", e.File, e.Line, e.Key, e.Err)
	case e.Line > 0:
		return fmt.Sprintf("%s:%d: value does not decrypt (%v)", e.File, e.Line, e.Err)
	}
	return fmt.Sprintf("%s: does not decrypt (%v)", e.File, e.Err)
}

func (e *ValueError) Unwrap() error { return e.Err }

// DotenvxKeyName is the private key variable dotenvx uses for a file:
// .env -> DOTENV_PRIVATE_KEY, .env.production -> DOTENV_PRIVATE_KEY_PRODUCTION.
func DotenvxKeyName(file string) string {
	return "DOTENV_PRIVATE_KEY" + dotenvxSuffix(file)
}

// dotenvxSuffix is "" for .env, "_PRODUCTION" for .env.production,
// "_CI_LOCAL" for .env.ci.local (dotenvx's own naming).
func dotenvxSuffix(file string) string {
	base := filepath.Base(file)
	rest, ok := strings.CutPrefix(base, ".env")
	if !ok || rest == "" {
		return ""
	}
	rest = strings.TrimPrefix(rest, ".")
	return "_" + strings.ToUpper(strings.NewReplacer(".", "_", "-", "_").Replace(rest))
}

// encryptedLine is an assignment whose whole value is a dotenvx
// ciphertext: prefix (export, key, '='), quote, base64, the same quote,
// then whatever follows (blanks, a comment).
var encryptedLine = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^(\s*(?:export\s+)?([A-Za-z0-9_.-]+)\s*=\s*)(['"` + "`" + `]?)encrypted:([A-Za-z0-9+/=_-]+)(['"` + "`" + `]?)(.*)$`)
})

// publicKeyLine is dotenvx's DOTENV_PUBLIC_KEY[_NAME]= line.
var publicKeyLine = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^\s*(?:export\s+)?(DOTENV_PUBLIC_KEY[A-Za-z0-9_]*)\s*=\s*['"]?([0-9a-fA-F]*)['"]?\s*$`)
})

// ImportDotenvx decrypts every encrypted value of f in memory and returns
// the file as the user wrote it: comments, order and plain values kept,
// each encrypted value replaced by its plaintext, quoted so that
// configsync's grammar reads it back as dotenvx loads it (quoteValue),
// and the DOTENV_PUBLIC_KEY lines with dotenvx's banner above them
// dropped. Any
// value that does not decrypt fails the whole file.
func ImportDotenvx(f Dotenvx) ([]byte, error) {
	lines := strings.SplitAfter(string(f.Data), "\n")
	var key *secp256k1.PrivateKey
	keyName := DotenvxKeyName(f.Name)
	loadKey := func() error {
		if key != nil {
			return nil
		}
		k, err := dotenvxKey(f, keyName)
		if err != nil {
			return err
		}
		key = k
		return checkPublicKey(f, keyName, lines, k)
	}
	var out strings.Builder
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		body := strings.TrimRight(line, "\r\n")
		eol := line[len(body):]
		if publicKeyLine().MatchString(body) {
			dropBanner(&out)
			if i+1 < len(lines) && strings.TrimSpace(lines[i+1]) == "" {
				i++ // the blank line dotenvx puts after it
			}
			continue
		}
		m := encryptedLine().FindStringSubmatch(body)
		if m == nil || m[3] != m[5] {
			out.WriteString(line)
			continue
		}
		if err := loadKey(); err != nil {
			return nil, err
		}
		plain, err := DecryptDotenvxValue(key, m[4])
		if err != nil {
			return nil, &ValueError{File: f.Name, Line: i + 1, Key: m[2], Err: err}
		}
		quoted, err := quoteValue(m[2], plain, m[3] != "'")
		if err != nil {
			return nil, &ValueError{File: f.Name, Line: i + 1, Key: m[2], Err: err}
		}
		rest := m[6]
		if rest != "" && rest[0] != ' ' && rest[0] != '\t' {
			rest = " " + rest // dotenvx read "#..." right after the value as a comment
		}
		out.WriteString(m[1] + quoted + rest + eol)
	}
	return []byte(out.String()), nil
}

// dropBanner removes dotenvx's "#/----[DOTENV_PUBLIC_KEY]----/" comment
// block just written before a public key line.
func dropBanner(out *strings.Builder) {
	lines := strings.SplitAfter(out.String(), "\n")
	if len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	n := len(lines)
	for n > 0 && strings.HasPrefix(lines[n-1], "#/") {
		n--
	}
	if n == len(lines) || !strings.Contains(strings.Join(lines[n:], ""), "DOTENV_PUBLIC_KEY") {
		return
	}
	out.Reset()
	out.WriteString(strings.Join(lines[:n], ""))
}

// dotenvxKey finds the file's private key: the environment first, then
// .env.keys, as dotenvx does.
func dotenvxKey(f Dotenvx, name string) (*secp256k1.PrivateKey, error) {
	val := ""
	if f.Getenv != nil {
		val = f.Getenv(name)
	}
	from := "the environment"
	if val == "" && f.Keys != nil {
		keys, err := envfile.Parse(".env.keys", f.Keys)
		if err != nil {
			return nil, fmt.Errorf(".env.keys beside %s: %w", f.Name, err)
		}
		for _, e := range keys.Entries {
			if e.Key == name {
				val = e.Value().Reveal()
			}
		}
		from = ".env.keys"
	}
	if val == "" {
		return nil, &KeyError{File: f.Name, Key: name, Missing: true, Detail: " (in .env.keys beside it or the environment)"}
	}
	// dotenvx accepts several comma-separated keys; the first that opens
	// the file is dotenvx's choice too, but one is what it writes.
	first, _, _ := strings.Cut(val, ",")
	raw, err := hex.DecodeString(strings.TrimSpace(first))
	if err != nil || len(raw) != 32 {
		return nil, &KeyError{File: f.Name, Key: name, Detail: " (from " + from + "): not 64 hex digits"}
	}
	return secp256k1.PrivKeyFromBytes(raw), nil
}

// checkPublicKey compares the key with the file's DOTENV_PUBLIC_KEY, so
// that a wrong key is named as such rather than as undecryptable values.
func checkPublicKey(f Dotenvx, keyName string, lines []string, k *secp256k1.PrivateKey) error {
	want := "DOTENV_PUBLIC_KEY" + dotenvxSuffix(f.Name)
	for _, l := range lines {
		m := publicKeyLine().FindStringSubmatch(strings.TrimRight(l, "\r\n"))
		if m == nil || m[1] != want {
			continue
		}
		pub, err := hex.DecodeString(m[2])
		if err != nil {
			return nil // not ours to judge; the values will tell
		}
		if !bytes.Equal(pub, k.PubKey().SerializeCompressed()) && !bytes.Equal(pub, k.PubKey().SerializeUncompressed()) {
			return &KeyError{File: f.Name, Key: keyName, Detail: " (it does not match the file's " + want + ")"}
		}
		return nil
	}
	return nil
}

// quoteValue writes plaintext so that configsync's grammar reads back
// exactly it. dotenvx encrypts a value after unquoting and escapes but
// before expansion, and expands it again when it loads: an unquoted or
// double-quoted value is written double-quoted with '$' left as it is,
// so expansion happens as in dotenvx; a single-quoted one is written the
// way envfile's dotenv export writes it, every '$' literal.
func quoteValue(key, plain string, expand bool) (string, error) {
	if expand {
		r := strings.NewReplacer("\\", "\\\\", "\"", "\\\"", "\n", "\\n", "\r", "\\r")
		return "\"" + r.Replace(plain) + "\"", nil
	}
	var b bytes.Buffer
	if err := envfile.Encode(&b, []envfile.Var{{Key: key, Value: envfile.NewValue(plain)}}, envfile.FormatDotenv); err != nil {
		return "", err
	}
	return strings.TrimSuffix(strings.TrimPrefix(b.String(), key+"="), "\n"), nil
}

// ErrCiphertext is a dotenvx value that is not an ECIES message.
var ErrCiphertext = errors.New("not a dotenvx ciphertext")

// DecryptDotenvxValue opens one "encrypted:" value (without the prefix)
// the way eciesjs writes it with its defaults (dotenvx's): the sender's
// ephemeral uncompressed secp256k1 public key (65 bytes), a 16-byte
// nonce, the 16-byte GCM tag, then the ciphertext; the AES-256-GCM key is
// HKDF-SHA256 (no salt, no info) over the ephemeral key followed by the
// uncompressed shared point.
func DecryptDotenvxValue(key *secp256k1.PrivateKey, b64 string) (string, error) {
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return "", fmt.Errorf("%w: bad base64", ErrCiphertext)
	}
	const pubLen, nonceLen, tagLen = 65, 16, 16
	if len(raw) < pubLen+nonceLen+tagLen {
		return "", fmt.Errorf("%w: too short", ErrCiphertext)
	}
	eph, err := secp256k1.ParsePubKey(raw[:pubLen])
	if err != nil {
		return "", fmt.Errorf("%w: bad ephemeral key", ErrCiphertext)
	}
	var point, ephJ secp256k1.JacobianPoint
	eph.AsJacobian(&ephJ)
	secp256k1.ScalarMultNonConst(&key.Key, &ephJ, &point)
	point.ToAffine()
	shared := secp256k1.NewPublicKey(&point.X, &point.Y).SerializeUncompressed()
	ikm := append(append([]byte{}, raw[:pubLen]...), shared...)
	aesKey, err := hkdf.Key(sha256.New, ikm, nil, "", 32)
	if err != nil {
		return "", err
	}
	block, err := aes.NewCipher(aesKey)
	if err != nil {
		return "", err
	}
	gcm, err := cipher.NewGCMWithNonceSize(block, nonceLen)
	if err != nil {
		return "", err
	}
	nonce := raw[pubLen : pubLen+nonceLen]
	tag := raw[pubLen+nonceLen : pubLen+nonceLen+tagLen]
	ct := append(append([]byte{}, raw[pubLen+nonceLen+tagLen:]...), tag...)
	plain, err := gcm.Open(nil, nonce, ct, nil)
	if err != nil {
		return "", errors.New("authentication failed: wrong key or modified value")
	}
	return string(plain), nil
}
