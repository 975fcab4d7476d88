package hooks

import (
	"context"
	"encoding/binary"
	"slices"
	"testing"
	"unicode/utf16"
)

// nonASCII is a value only a real UTF-16 decoder finds in UTF-16 text
// (dropping the NUL bytes is not enough).
const nonASCII = "pässwörd-Ωmega-4711"

func utf16Bytes(s string, order binary.AppendByteOrder, bom bool) string {
	var b []byte
	if bom {
		b = order.AppendUint16(b, 0xfeff)
	}
	for _, u := range utf16.Encode([]rune(s)) {
		b = order.AppendUint16(b, u)
	}
	return string(b)
}

func utf32Bytes(s string, order binary.AppendByteOrder, bom bool) string {
	var b []byte
	if bom {
		b = order.AppendUint32(b, 0xfeff)
	}
	for _, r := range s {
		b = order.AppendUint32(b, uint32(r))
	}
	return string(b)
}

// TestCheckStagedBypasses: each way a plaintext secret used to slip past
// the guard (issue 9, item 8) is blocked, by name and by value; genuine
// ciphertext still passes.
func TestCheckStagedBypasses(t *testing.T) {
	ix := testIndex(t,
		Secret{Key: "STRIPE_SECRET_KEY", Value: stripeKey},
		Secret{Key: "DB_PASSWORD", Value: nonASCII},
	)
	env := "# app\nSTRIPE_SECRET_KEY=" + stripeKey + "\n"
	crlf := "# app\r\nSTRIPE_SECRET_KEY=" + stripeKey + "\r\nDB_PASSWORD=" + nonASCII + "\r\n"
	le, be := binary.LittleEndian, binary.BigEndian
	dotenvAndValue := func(f string) []string {
		return []string{f + ":0:dotenv-file:", f + ":2:secret-value:STRIPE_SECRET_KEY"}
	}
	wide := func(f string) []string {
		return []string{f + ":2:secret-value:STRIPE_SECRET_KEY", f + ":3:secret-value:DB_PASSWORD"}
	}
	tests := []struct {
		name, file, content string
		want                []string
	}{
		// Not OpenPGP though named so: every rule applies.
		{"UTF-8 BOM as .env.gpg", ".env.gpg", "\ufeff" + env, dotenvAndValue(".env.gpg")},
		{"high first byte as .env.asc", ".env.asc", "\xff" + env, dotenvAndValue(".env.asc")},
		{"packet tag over plaintext as .env.pgp", ".env.pgp", "\xc1\x5e\x06\x21" + env, dotenvAndValue(".env.pgp")},
		{"fake armor as .env.asc", ".env.asc", "-----BEGIN PGP MESSAGE-----\n" + env[len("# app\n"):] + "-----END PGP MESSAGE-----\n", []string{".env.asc:0:dotenv-file:", ".env.asc:2:secret-value:STRIPE_SECRET_KEY"}},
		{"signed, not encrypted, as .env.gpg", ".env.gpg", string(fixture(t, "signed.gpg")), []string{".env.gpg:0:dotenv-file:", ".env.gpg:1:secret-value:STRIPE_SECRET_KEY"}},

		// Wide and NUL-containing text: the value scan decodes it.
		{"UTF-16LE with BOM", "secrets.txt", utf16Bytes(crlf, le, true), wide("secrets.txt")},
		{"UTF-16LE without BOM", "secrets.txt", utf16Bytes(crlf, le, false), wide("secrets.txt")},
		{"UTF-16BE with BOM", "secrets.txt", utf16Bytes(crlf, be, true), wide("secrets.txt")},
		{"UTF-16BE without BOM", "secrets.txt", utf16Bytes(crlf, be, false), wide("secrets.txt")},
		{"UTF-32LE with BOM", "secrets.txt", utf32Bytes(crlf, le, true), wide("secrets.txt")},
		{"UTF-32BE without BOM", "secrets.txt", utf32Bytes(crlf, be, false), wide("secrets.txt")},
		{"UTF-16LE .env copy", "backup/.env.old", utf16Bytes(crlf, le, true), append([]string{"backup/.env.old:0:dotenv-file:"}, wide("backup/.env.old")...)},
		{"UTF-16LE as .env.gpg", ".env.gpg", utf16Bytes(crlf, le, true), append([]string{".env.gpg:0:dotenv-file:"}, wide(".env.gpg")...)},
		{"NUL-separated text", "environ.dump", "PATH=/bin\x00STRIPE_SECRET_KEY=" + stripeKey + "\x00HOME=/root\n", []string{"environ.dump:1:secret-value:STRIPE_SECRET_KEY"}},
		{"NUL at the start", "notes.txt", "\x00\n" + env, []string{"notes.txt:3:secret-value:STRIPE_SECRET_KEY"}},
		{"value stored raw in a binary", "db.sqlite", "SQLite format 3\x00\x10\x00\x01\x01" + string(make([]byte, 100)) + "\x81\x05" + stripeKey + "\x00\x00", []string{"db.sqlite:1:secret-value:STRIPE_SECRET_KEY"}},

		// Genuine ciphertext passes, whatever its name.
		{"configsync item", ".env.pgp", string(v6Message(t, env)), nil},
		{"configsync item armored", ".env.asc", armor(v6Message(t, env)), nil},
		{"gpg encrypted", ".env.gpg", string(fixture(t, "to-gus.gpg")), nil},
		{"gpg armored", ".env.production.asc", string(fixture(t, "to-gus.asc")), nil},
		{"gpg symmetric", ".env.gpg", string(fixture(t, "symmetric.gpg")), nil},
		{"gpg partial lengths", ".env.gpg", string(fixture(t, "partial.gpg")), nil},

		// Binary without a value: no finding.
		{"binary", "logo.png", "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + string(make([]byte, 3000)), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := newRepo(t)
			writeFile(t, dir, tt.file, tt.content)
			git(t, dir, "add", ".")
			got, err := CheckStaged(context.Background(), dir, Options{Index: ix})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(rules(got), tt.want) {
				t.Errorf("findings = %q, want %q", rules(got), tt.want)
			}
			noValues(t, got)
		})
	}
}

func TestDecodeWide(t *testing.T) {
	text := "A=1\nB=" + nonASCII + " 😀\n"
	le, be := binary.LittleEndian, binary.BigEndian
	for _, tt := range []struct {
		name string
		data string
		ok   bool
	}{
		{"UTF-16LE BOM", utf16Bytes(text, le, true), true},
		{"UTF-16LE", utf16Bytes(text, le, false), true},
		{"UTF-16BE BOM", utf16Bytes(text, be, true), true},
		{"UTF-16BE", utf16Bytes(text, be, false), true},
		{"UTF-32LE BOM", utf32Bytes(text, le, true), true},
		{"UTF-32LE", utf32Bytes(text, le, false), true},
		{"UTF-32BE BOM", utf32Bytes(text, be, true), true},
		{"UTF-32BE", utf32Bytes(text, be, false), true},
		{"UTF-8", text, false},
		{"UTF-8 with a NUL", text + "\x00" + text, false},
		{"short", "A\x00", false},
		{"zeros", string(make([]byte, 4096)), false},
	} {
		got, ok := decodeWide([]byte(tt.data))
		if ok != tt.ok || ok && string(got) != text {
			t.Errorf("%s: decodeWide = %q, %v; want %q, %v", tt.name, got, ok, text, tt.ok)
		}
	}
	// A broken surrogate pair decodes to U+FFFD, not to nothing.
	if got, _ := decodeWide([]byte("\xff\xfe\x00\xd8A\x00")); string(got) != "\ufffdA" {
		t.Errorf("lone surrogate: %q", got)
	}
}
