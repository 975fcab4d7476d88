package importers

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/configsync/configsync/envfile"
)

// The fixture was written by the real dotenvx 2.38.2 (dotenvx encrypt -f
// .env.staging -k HELLO -k EXP -k Q -k NL); want is its own
// `dotenvx get -f .env.staging` without the public key.
var wantStaging = map[string]string{"HELLO": "hello world", "EXP": "hello world!", "Q": "it$s", "NL": "a\nb", "PLAIN_LEFT": "kept"}

const wantStagingFile = `# .env.staging
# fixture
HELLO="hello world"
EXP="${HELLO}!"
Q='it$s'
NL="a\nb"
PLAIN_LEFT=kept
`

func readFixture(t *testing.T) (data, keys []byte) {
	t.Helper()
	data, err := os.ReadFile("testdata/dotenvx.env.staging")
	if err != nil {
		t.Fatal(err)
	}
	keys, err = os.ReadFile("testdata/dotenvx.env.keys")
	if err != nil {
		t.Fatal(err)
	}
	return data, keys
}

func TestImportDotenvxFixture(t *testing.T) {
	data, keys := readFixture(t)
	got, err := ImportDotenvx(Dotenvx{Name: ".env.staging", Data: data, Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != wantStagingFile {
		t.Fatalf("got\n%s\nwant\n%s", got, wantStagingFile)
	}
	f, err := envfile.Parse(".env.staging", got)
	if err != nil {
		t.Fatal(err)
	}
	vars := envfile.Resolve([]*envfile.File{f}, true, nil)
	if len(vars) != len(wantStaging) {
		t.Fatalf("got %d variables, want %d", len(vars), len(wantStaging))
	}
	for _, v := range vars {
		if w := wantStaging[v.Key]; v.Value.Reveal() != w {
			t.Errorf("%s = %q, want %q", v.Key, v.Value.Reveal(), w)
		}
	}
}

func TestImportDotenvxRefusals(t *testing.T) {
	data, keys := readFixture(t)
	const otherKey = "1111111111111111111111111111111111111111111111111111111111111111"
	corrupt := strings.Replace(string(data), `HELLO="encrypted:BIwh`, `HELLO="encrypted:AAAABIwh`, 1)
	tampered := []byte(strings.Replace(string(data), "encrypted:BKuGj7Ghh6NoCk2MlazX", "encrypted:BKuGj7Ghh6NoCk2MlazY", 1))
	tests := []struct {
		name    string
		in      Dotenvx
		missing bool   // a *KeyError with Missing
		wrong   bool   // a *KeyError without
		value   string // a *ValueError for this key
	}{
		{"no key anywhere", Dotenvx{Name: ".env.staging", Data: data}, true, false, ""},
		{"keys file without this key", Dotenvx{Name: ".env.staging", Data: data, Keys: []byte("DOTENV_PRIVATE_KEY=" + otherKey + "\n")}, true, false, ""},
		{"wrong key in the environment", Dotenvx{Name: ".env.staging", Data: data, Keys: keys, Getenv: func(k string) string {
			if k == "DOTENV_PRIVATE_KEY_STAGING" {
				return otherKey
			}
			return ""
		}}, false, true, ""},
		{"key not hex", Dotenvx{Name: ".env.staging", Data: data, Keys: []byte("DOTENV_PRIVATE_KEY_STAGING=zz\n")}, false, true, ""},
		{"value not a ciphertext", Dotenvx{Name: ".env.staging", Data: []byte(corrupt), Keys: keys}, false, false, "HELLO"},
		{"value modified", Dotenvx{Name: ".env.staging", Data: tampered, Keys: keys}, false, false, "EXP"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := ImportDotenvx(tt.in)
			if out != nil {
				t.Errorf("returned %d bytes with an error", len(out))
			}
			var ke *KeyError
			var ve *ValueError
			switch {
			case tt.missing || tt.wrong:
				if !errors.As(err, &ke) || ke.Missing != tt.missing || ke.Key != "DOTENV_PRIVATE_KEY_STAGING" || ke.File != ".env.staging" {
					t.Fatalf("err = %v, want a KeyError (missing %v) for DOTENV_PRIVATE_KEY_STAGING", err, tt.missing)
				}
			default:
				if !errors.As(err, &ve) || ve.Key != tt.value || ve.File != ".env.staging" {
					t.Fatalf("err = %v, want a ValueError for %s", err, tt.value)
				}
			}
			if strings.Contains(err.Error(), "hello world") || strings.Contains(err.Error(), otherKey) {
				t.Errorf("error shows a value or key: %v", err)
			}
		})
	}
}

// The key from the environment wins over .env.keys, as in dotenvx.
func TestImportDotenvxEnvironmentKey(t *testing.T) {
	data, keys := readFixture(t)
	f, err := envfile.Parse("", keys)
	if err != nil {
		t.Fatal(err)
	}
	key := f.Entries[0].Value().Reveal()
	bad := []byte("DOTENV_PRIVATE_KEY_STAGING=1111111111111111111111111111111111111111111111111111111111111111\n")
	got, err := ImportDotenvx(Dotenvx{Name: "dir/.env.staging", Data: data, Keys: bad, Getenv: func(k string) string {
		if k == "DOTENV_PRIVATE_KEY_STAGING" {
			return key
		}
		return ""
	}})
	if err != nil || string(got) != wantStagingFile {
		t.Fatalf("got %q, %v", got, err)
	}
}

func TestDotenvxKeyName(t *testing.T) {
	for in, want := range map[string]string{
		".env":               "DOTENV_PRIVATE_KEY",
		"app/.env":           "DOTENV_PRIVATE_KEY",
		".env.production":    "DOTENV_PRIVATE_KEY_PRODUCTION",
		".env.ci.local":      "DOTENV_PRIVATE_KEY_CI_LOCAL",
		".env.qa-eu":         "DOTENV_PRIVATE_KEY_QA_EU",
		"config/.env.review": "DOTENV_PRIVATE_KEY_REVIEW",
	} {
		if got := DotenvxKeyName(in); got != want {
			t.Errorf("DotenvxKeyName(%q) = %q, want %q", in, got, want)
		}
	}
}

// quoteValue's output reads back, through configsync's grammar, as the
// value itself (expansion on for double quotes: nothing to expand here
// but what dotenvx would expand too).
func TestQuoteValueRoundTrip(t *testing.T) {
	values := []string{"", "plain", "with space", `quote "double"`, "single ' quote", "back\\slash", "new\nline", "cr\rlf", "tab\tx", "hash #x", "héllo ✓", `\n literal`, "trailing  "}
	for _, expand := range []bool{true, false} {
		for _, v := range values {
			q, err := quoteValue("K", v, expand)
			if err != nil {
				t.Fatal(err)
			}
			f, err := envfile.Parse("", []byte("K="+q+"\n"))
			if err != nil {
				t.Fatalf("%q (expand %v) -> %s: %v", v, expand, q, err)
			}
			got := envfile.Resolve([]*envfile.File{f}, true, nil)
			if len(got) != 1 || got[0].Value.Reveal() != v {
				t.Errorf("%q (expand %v) -> %s -> %v", v, expand, q, got)
			}
		}
	}
}
