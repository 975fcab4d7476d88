package hooks

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/configsync/configsync/envfile"
)

func TestIndexable(t *testing.T) {
	tests := []struct {
		value string
		want  bool
	}{
		{"short", false},
		{"1234567890", false},
		{"TRUE", false},
		{"localhost", false},
		{"127.0.0.1", false},
		{"0.0.0.0", false},
		{"xxxxxxxxxxxx", false},
		{"https://api.example.com/v1", false},
		{"http://localhost:3000", false},
		{"https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXXXXXXXXXX", true},
		{"https://api.example.com/v1?token=abcdef", true},
		{"https://user:pass1234@example.com", true},
		{"postgres://db:5432/app", true},
		{"correct-horse", true},
	}
	for _, tt := range tests {
		if got := Indexable(tt.value, 8); got != tt.want {
			t.Errorf("Indexable(%q) = %v, want %v", tt.value, got, tt.want)
		}
	}
	if Indexable("abcdefghij", 12) {
		t.Error("minLength ignored")
	}
	if Indexable("abcdefg", 2) {
		t.Error("values under 8 bytes must never be indexed")
	}
}

func TestIndexForms(t *testing.T) {
	forms := indexForms("https://admin:s%2Fecret-pw@example.com/x", 8)
	for _, want := range []string{"https://admin:s%2Fecret-pw@example.com/x", "s/ecret-pw", "s%2Fecret-pw",
		base64.RawStdEncoding.EncodeToString([]byte("s/ecret-pw"))} {
		if !slices.Contains(forms, want) {
			t.Errorf("forms lack %q", want)
		}
	}
	// A short password of a URL is not indexed on its own.
	if forms := indexForms("https://u:pw@example.com", 8); slices.Contains(forms, "pw") || len(forms) == 0 {
		t.Errorf("forms = %d, want the URL only", len(forms))
	}
	if forms := indexForms("true", 8); len(forms) != 0 {
		t.Errorf("trivial value has %d forms", len(forms))
	}
	// A multi-line value (a PEM key) is indexed line by line too, armor
	// lines excepted.
	pem := "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nBKcwggSjAgEAAoIBAQC7\n-----END PRIVATE KEY-----"
	forms = indexForms(pem, 8)
	if !slices.Contains(forms, "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC") || slices.Contains(forms, "-----END PRIVATE KEY-----") {
		t.Errorf("multi-line forms wrong")
	}
}

func TestSecretRedacted(t *testing.T) {
	s := Secret{Key: "API_KEY", Value: "hunter2-hunter2"}
	for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
		out := fmt.Sprintf(format, s)
		if strings.Contains(out, "hunter2") || !strings.Contains(out, "API_KEY") {
			t.Errorf("Sprintf(%s) = %q", format, out)
		}
	}
	if out := fmt.Sprintf("%v", []Secret{s}); strings.Contains(out, "hunter2") {
		t.Errorf("slice shows the value: %q", out)
	}
}

func TestIndexFileHasNoPlaintext(t *testing.T) {
	dir := t.TempDir()
	idxPath, keyPath := filepath.Join(dir, "home", "leak.idx"), filepath.Join(dir, "home", "leak.key")
	ix, err := OpenIndex(idxPath, keyPath)
	if err != nil {
		t.Fatal(err)
	}
	values := []string{stripeKey, dbURL, quoted, "correct-horse-battery"}
	var secrets []Secret
	for i, v := range values {
		secrets = append(secrets, Secret{Key: fmt.Sprintf("K%d", i), Value: v})
	}
	if n := ix.Replace("development/myapp/.env", secrets, 8); n != len(values) {
		t.Fatalf("Replace indexed %d values, want %d", n, len(values))
	}
	if err := ix.Save(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(idxPath)
	if err != nil {
		t.Fatal(err)
	}
	var forms []string
	for _, v := range values {
		forms = append(forms, indexForms(v, 8)...)
	}
	if len(forms) < 3*len(values) {
		t.Fatalf("only %d forms", len(forms))
	}
	for _, f := range append(forms, dbPass) {
		sum := sha256.Sum256([]byte(f))
		for _, needle := range [][]byte{[]byte(f), []byte(f[:8]), sum[:], sum[:8], []byte(hex.EncodeToString(sum[:])), []byte(base64.StdEncoding.EncodeToString(sum[:]))} {
			if bytes.Contains(data, needle) {
				t.Errorf("index file contains %q (plaintext or unkeyed hash of a value)", needle)
			}
		}
	}
	for _, p := range []string{idxPath, keyPath} {
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("%s mode %04o, want 0600", p, st.Mode().Perm())
		}
	}
	if st, _ := os.Stat(filepath.Dir(idxPath)); st.Mode().Perm() != 0o700 {
		t.Errorf("directory mode %04o, want 0700", st.Mode().Perm())
	}
	if entries, _ := os.ReadDir(filepath.Dir(idxPath)); len(entries) != 2 {
		t.Errorf("temp files left behind: %v", entries)
	}

	// Reopened, it still finds the values.
	ix2, err := OpenIndex(idxPath, keyPath)
	if err != nil {
		t.Fatal(err)
	}
	if ix2.Len() != ix.Len() || !slices.Equal(ix2.Sources(), []string{"development/myapp/.env"}) {
		t.Fatalf("reopened index: %d forms, sources %v", ix2.Len(), ix2.Sources())
	}
	var keys []string
	ix2.find([]byte("a "+dbPass+" b "+stripeKey), func(h hit) { keys = append(keys, h.key) })
	if !slices.Equal(keys, []string{"K1", "K0"}) {
		t.Errorf("reopened index found %v", keys)
	}

	// With another key it refuses to load.
	if err := os.Remove(keyPath); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenIndex(idxPath, keyPath); !errors.Is(err, ErrIndexCorrupt) {
		t.Errorf("new key: err = %v, want ErrIndexCorrupt", err)
	}
}

func TestIndexCorruptAndInsecure(t *testing.T) {
	dir := t.TempDir()
	idxPath, keyPath := filepath.Join(dir, "leak.idx"), filepath.Join(dir, "leak.key")
	ix, err := OpenIndex(idxPath, keyPath)
	if err != nil {
		t.Fatal(err)
	}
	ix.Replace("s", []Secret{{Key: "K", Value: stripeKey}}, 8)
	if err := ix.Save(); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(idxPath)
	for _, bad := range [][]byte{data[:len(data)-1], append([]byte{}, data[:20]...), {}} {
		if err := os.WriteFile(idxPath, bad, 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := OpenIndex(idxPath, keyPath); !errors.Is(err, ErrIndexCorrupt) {
			t.Errorf("truncated to %d: err = %v, want ErrIndexCorrupt", len(bad), err)
		}
	}
	flipped := bytes.Clone(data)
	flipped[12] ^= 1
	os.WriteFile(idxPath, flipped, 0o600)
	if _, err := OpenIndex(idxPath, keyPath); !errors.Is(err, ErrIndexCorrupt) {
		t.Errorf("flipped bit: err = %v, want ErrIndexCorrupt", err)
	}
	if err := os.Chmod(keyPath, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenIndex(idxPath, keyPath); !errors.Is(err, ErrInsecureKeyFile) {
		t.Errorf("0644 key: err = %v, want ErrInsecureKeyFile", err)
	}
	if err := os.WriteFile(keyPath, make([]byte, KeySize-1), 0o600); err != nil {
		t.Fatal(err)
	}
	os.Chmod(keyPath, 0o600)
	if _, err := OpenIndex(filepath.Join(dir, "other.idx"), keyPath); !errors.Is(err, ErrIndexCorrupt) {
		t.Errorf("short key: err = %v, want ErrIndexCorrupt", err)
	}
}

func TestIndexReplaceAndRemove(t *testing.T) {
	ix := testIndex(t, Secret{Key: "A", Value: stripeKey})
	ix.Replace("staging/myapp/.env", []Secret{{Key: "B", Value: "other-secret-123"}}, 8)
	found := func(s string) []string {
		var out []string
		ix.find([]byte(s), func(h hit) { out = append(out, h.source+":"+h.key) })
		return out
	}
	if got := found(stripeKey + " other-secret-123"); !slices.Equal(got, []string{"development/myapp/.env:A", "staging/myapp/.env:B"}) {
		t.Fatalf("found %v", got)
	}
	ix.Replace("development/myapp/.env", []Secret{{Key: "A2", Value: "rotated-value-9"}}, 8)
	if got := found(stripeKey + " rotated-value-9"); !slices.Equal(got, []string{"development/myapp/.env:A2"}) {
		t.Fatalf("after replace found %v", got)
	}
	ix.Replace("staging/myapp/.env", nil, 8)
	if !slices.Equal(ix.Sources(), []string{"development/myapp/.env"}) {
		t.Fatalf("sources %v", ix.Sources())
	}
}

func TestFindBoundaries(t *testing.T) {
	ix := testIndex(t, Secret{Key: "EIGHT", Value: "8charsXY"}, Secret{Key: "LONG", Value: strings.Repeat("ab1", 40)})
	tests := []struct {
		text string
		want int
	}{
		{"8charsXY", 1},
		{"8charsX", 0},
		{"..8charsXY", 1},
		{"8charsXY8charsXY", 2},
		{"8charsXZ", 0},
		{strings.Repeat("ab1", 40), 1},
		{strings.Repeat("ab1", 39) + "ab", 0},
		{"", 0},
	}
	for _, tt := range tests {
		n := 0
		ix.find([]byte(tt.text), func(hit) { n++ })
		if n != tt.want {
			t.Errorf("find(%q) = %d hits, want %d", tt.text, n, tt.want)
		}
	}
}

func FuzzFind(f *testing.F) {
	f.Add([]byte("xx sk_live_51HxQeR2aBcDeFgHiJkLmNoP yy"), 3)
	ix := testIndex(f, Secret{Key: "K", Value: stripeKey})
	ix.build()
	f.Fuzz(func(t *testing.T, data []byte, at int) {
		if at < 0 || at > len(data) {
			at = 0
		}
		text := append(append(append([]byte{}, data[:at]...), stripeKey...), data[at:]...)
		n := 0
		ix.find(text, func(h hit) {
			if string(text[h.offset:h.offset+len(stripeKey)]) == stripeKey {
				n++
			}
		})
		if n < 1 {
			t.Fatalf("value inserted at %d not found", at)
		}
	})
}

// BenchmarkScanLine measures the hot path on one typical source line with
// an index of 1000 values.
func BenchmarkScanLine(b *testing.B) {
	ix := benchIndex(b)
	line := []byte(`	client := api.NewClient(api.WithEndpoint("https://api.example.com/v1"), api.WithTimeout(30*time.Second))` + "\n")
	b.SetBytes(int64(len(line)))
	for b.Loop() {
		ix.find(line, func(hit) { b.Fatal("false positive") })
	}
}

func benchIndex(b testing.TB) *Index {
	var secrets []Secret
	for i := range 1000 {
		secrets = append(secrets, Secret{Key: fmt.Sprintf("KEY_%d", i), Value: fmt.Sprintf("secret-%08x-%d-value", i*2654435761, i)})
	}
	ix := testIndex(b, secrets...)
	ix.build()
	return ix
}

func TestEnvSecrets(t *testing.T) {
	f, err := envfile.Parse(".env", []byte("HOST=db.internal\nPASS='s3cr3t-$HOST'\nURL=\"postgres://u:${PASS}@${HOST}/x\"\nPORT=5432\n"))
	if err != nil {
		t.Fatal(err)
	}
	got := EnvSecrets(f)
	var keys []string
	var vals []string
	for _, s := range got {
		keys = append(keys, s.Key)
		vals = append(vals, s.Value)
	}
	if !slices.Equal(keys, []string{"HOST", "PASS", "URL", "URL", "PORT"}) {
		t.Fatalf("keys %v", keys)
	}
	if vals[3] != "postgres://u:s3cr3t-$HOST@db.internal/x" || vals[1] != "s3cr3t-$HOST" {
		t.Errorf("values wrong")
	}
	ix := testIndex(t, got...)
	var found []string
	ix.find([]byte("dsn: postgres://u:s3cr3t-$HOST@db.internal/x"), func(h hit) { found = append(found, h.key) })
	if !slices.Contains(found, "URL") || !slices.Contains(found, "PASS") {
		t.Errorf("found %v, want URL and PASS", found)
	}
}

// TestReplaceUnchangedSourceIsKept: replacing a source with the values it
// was built from keeps it as is (the digest survives a save and reopen),
// while a changed value or minimum length rebuilds it.
func TestReplaceUnchangedSourceIsKept(t *testing.T) {
	dir := t.TempDir()
	indexPath, keyPath := filepath.Join(dir, "leak.idx"), filepath.Join(dir, "leak.key")
	ix, err := OpenIndex(indexPath, keyPath)
	if err != nil {
		t.Fatal(err)
	}
	secrets := []Secret{{Key: "A", Value: "first-secret-123"}, {Key: "B", Value: "second-secret-456"}}
	if n := ix.Replace("development/app/.env", secrets, 8); n != 2 {
		t.Fatalf("indexed %d values, want 2", n)
	}
	if err := ix.Save(); err != nil {
		t.Fatal(err)
	}
	ix, err = OpenIndex(indexPath, keyPath)
	if err != nil {
		t.Fatal(err)
	}
	before := ix.sources["development/app/.env"]
	if n := ix.Replace("development/app/.env", secrets, 8); n != 2 {
		t.Fatalf("unchanged replace reported %d values, want 2", n)
	}
	if after := ix.sources["development/app/.env"]; &after[0] != &before[0] {
		t.Fatal("an unchanged source was rebuilt")
	}
	changed := []Secret{{Key: "A", Value: "first-secret-123"}, {Key: "B", Value: "rotated-secret-789"}}
	ix.Replace("development/app/.env", changed, 8)
	if &ix.sources["development/app/.env"][0] == &before[0] {
		t.Fatal("a changed source was not rebuilt")
	}
	if n := ix.Replace("development/app/.env", changed, 20); n != 0 {
		t.Fatalf("with min length 20, %d values indexed, want 0", n)
	}
	if _, ok := ix.digests["development/app/.env"]; ok {
		t.Fatal("an emptied source kept its digest")
	}
}

// TestSaveUnchangedWritesNothing: an index saved with nothing replaced
// since it was read, or with the values it already held, leaves its file
// as it is (a pull of files deleted and restored rewrote megabytes); a
// changed or removed source is written.
func TestSaveUnchangedWritesNothing(t *testing.T) {
	dir := t.TempDir()
	indexPath, keyPath := filepath.Join(dir, "leak.idx"), filepath.Join(dir, "leak.key")
	secrets := []Secret{{Key: "A", Value: "first-secret-123"}}
	stat := func() os.FileInfo {
		t.Helper()
		fi, err := os.Stat(indexPath)
		if err != nil {
			t.Fatal(err)
		}
		return fi
	}
	save := func(replace func(ix *Index)) {
		t.Helper()
		ix, err := OpenIndex(indexPath, keyPath)
		if err != nil {
			t.Fatal(err)
		}
		replace(ix)
		if err := ix.Save(); err != nil {
			t.Fatal(err)
		}
	}
	save(func(ix *Index) { ix.Replace("development/app/.env", secrets, 8) })
	tests := []struct {
		name    string
		replace func(ix *Index)
		written bool
	}{
		{"nothing replaced", func(ix *Index) {}, false},
		{"the same values", func(ix *Index) { ix.Replace("development/app/.env", secrets, 8) }, false},
		{"an absent source removed", func(ix *Index) { ix.Replace("development/other/.env", nil, 8) }, false},
		{"a value changed", func(ix *Index) {
			ix.Replace("development/app/.env", []Secret{{Key: "A", Value: "rotated-secret-456"}}, 8)
		}, true},
		{"a source removed", func(ix *Index) { ix.Replace("development/app/.env", nil, 8) }, true},
	}
	for _, tt := range tests {
		before := stat()
		save(tt.replace)
		if written := !os.SameFile(before, stat()); written != tt.written {
			t.Errorf("%s: file rewritten %v, want %v", tt.name, written, tt.written)
		}
	}
}

// TestEnvSecretsResolvedOnceWithoutDollar: EnvSecrets, which skips the
// expansion when no value holds a '$', gives what resolving twice gives.
func TestEnvSecretsResolvedOnceWithoutDollar(t *testing.T) {
	reference := func(f *envfile.File) []Secret {
		var out []Secret
		raw := envfile.Resolve([]*envfile.File{f}, false, nil)
		expanded := envfile.Resolve([]*envfile.File{f}, true, nil)
		for i, v := range raw {
			out = append(out, Secret{Key: v.Key, Value: v.Value.Reveal()})
			if e := expanded[i].Value.Reveal(); e != v.Value.Reveal() {
				out = append(out, Secret{Key: v.Key, Value: e})
			}
		}
		return out
	}
	for _, src := range []string{
		"A=plain-value-1\nB=plain-value-2\nA=again-value-3\n",
		"HOST=db.internal\nURL=postgres://u@$HOST/x\n",
		"HOST=db.internal\nURL=\"postgres://u@${HOST}/x\"\n",
		"PRICE=\"costs \\$5 a month\"\n",
		"EMPTY=\n",
	} {
		f, err := envfile.Parse(".env", []byte(src))
		if err != nil {
			t.Fatal(err)
		}
		if got, want := EnvSecrets(f), reference(f); !slices.Equal(got, want) {
			t.Errorf("%q: got %v, want %v", src, got, want)
		}
	}
}
