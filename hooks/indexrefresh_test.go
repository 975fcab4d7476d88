package hooks

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// refreshBase is the index every TestRefresh case starts from.
var refreshBase = map[string][]Secret{
	"development/b/.env": {{Key: "B1", Value: "bravo-secret-0001"}, {Key: "B2", Value: "bravo-secret-0002"}},
	"development/d/.env": {{Key: "D1", Value: "delta-secret-0001"}},
	"development/f/.env": {{Key: "F1", Value: "https://user:foxtrot-pass-1@example.com/x"}},
}

func secretsOf(vals ...string) []Secret {
	var out []Secret
	for i, v := range vals {
		out = append(out, Secret{Key: fmt.Sprintf("K%d", i), Value: v})
	}
	return out
}

// TestRefresh: Refresh writes the very bytes that OpenIndex, Replace of
// each update in order and Save write, and writes nothing when they
// would not, whatever the size of its batches.
// saveBase writes refreshBase as the index at path.
func saveBase(t *testing.T, path, keyPath string) {
	t.Helper()
	ix, err := OpenIndex(path, keyPath)
	if err != nil {
		t.Fatal(err)
	}
	for src, s := range refreshBase {
		ix.Replace(src, s, 8)
	}
	if err := ix.Save(); err != nil {
		t.Fatal(err)
	}
}

func TestRefresh(t *testing.T) {
	defer func(n int) { refreshBatch = n }(refreshBatch)
	for _, n := range []int{1, 2, refreshBatch} {
		refreshBatch = n
		t.Run(fmt.Sprintf("batch %d", n), testRefresh)
	}
}

func testRefresh(t *testing.T) {
	type up struct {
		src     string
		secrets []Secret
	}
	tests := []struct {
		name    string
		noFile  bool
		ups     []up
		written bool
	}{
		{"no updates", false, nil, false},
		{"the same values", false, []up{{"development/b/.env", refreshBase["development/b/.env"]}, {"development/f/.env", refreshBase["development/f/.env"]}}, false},
		{"an absent source removed", false, []up{{"development/c/.env", nil}}, false},
		{"an absent source of trivial values", false, []up{{"development/c/.env", secretsOf("true", "12345678901")}}, false},
		{"a value changed", false, []up{{"development/d/.env", secretsOf("delta-secret-0002")}}, true},
		{"a source removed", false, []up{{"development/d/.env", nil}}, true},
		{"a source emptied", false, []up{{"development/b/.env", secretsOf("short")}}, true},
		{"sources added first, between and last", false, []up{
			{"development/z/.env", secretsOf("zulu-secret-0001")},
			{"development/a/.env", secretsOf("alpha-secret-0001", "alpha-secret-0002")},
			{"development/c/.env", secretsOf("charlie-secret-01")},
		}, true},
		{"every source changed", false, []up{
			{"development/f/.env", secretsOf("foxtrot-secret-02")},
			{"development/b/.env", secretsOf("bravo-secret-0003")},
			{"development/d/.env", secretsOf("delta-secret-0003")},
		}, true},
		{"the last update of a source wins", false, []up{
			{"development/b/.env", secretsOf("bravo-secret-0009")},
			{"development/b/.env", refreshBase["development/b/.env"]},
		}, false},
		{"no file yet", true, []up{{"development/a/.env", secretsOf("alpha-secret-0001")}}, true},
		{"no file and nothing to index", true, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			keyPath := filepath.Join(dir, "leak.key")
			want, got := filepath.Join(dir, "want.idx"), filepath.Join(dir, "home", "got.idx")
			if !tt.noFile {
				saveBase(t, want, keyPath)
				saveBase(t, got, keyPath)
			}
			before, _ := os.Stat(got)
			ix, err := OpenIndex(want, keyPath)
			if err != nil {
				t.Fatal(err)
			}
			var updates []Update
			for _, u := range tt.ups {
				ix.Replace(u.src, u.secrets, 8)
				updates = append(updates, Update{Source: u.src, Secrets: func() []Secret { return u.secrets }})
			}
			if err := ix.Save(); err != nil {
				t.Fatal(err)
			}
			if err := Refresh(got, keyPath, updates, 8); err != nil {
				t.Fatal(err)
			}
			w, _ := os.ReadFile(want)
			g, err := os.ReadFile(got)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(g, w) {
				t.Fatalf("Refresh wrote %d bytes, unlike OpenIndex, Replace and Save (%d bytes)", len(g), len(w))
			}
			after, _ := os.Stat(got)
			if written := before == nil || !os.SameFile(before, after); written != tt.written {
				t.Errorf("file rewritten %v, want %v", written, tt.written)
			}
			if after.Mode().Perm() != 0o600 {
				t.Errorf("mode %v, want 0600", after.Mode().Perm())
			}
			if entries, _ := os.ReadDir(filepath.Dir(got)); len(entries) != 1 {
				t.Errorf("%d files beside the index, want none", len(entries)-1)
			}
		})
	}
}

// TestRefreshCorrupt: a file that does not verify, or is cut short, is
// ErrIndexCorrupt whether or not the updates change anything, and is left
// as it was.
func TestRefreshCorrupt(t *testing.T) {
	dir := t.TempDir()
	path, keyPath := filepath.Join(dir, "leak.idx"), filepath.Join(dir, "leak.key")
	saveBase(t, path, keyPath)
	good, _ := os.ReadFile(path)
	flipped := bytes.Clone(good)
	flipped[len(flipped)/2] ^= 1
	extra := append(bytes.Clone(good[:len(good)-32]), 0)
	damages := map[string][]byte{
		"a flipped bit":   flipped,
		"cut short":       good[:len(good)-40],
		"a trailing byte": append(extra, good[len(good)-32:]...),
		"empty":           {},
	}
	for name, data := range damages {
		for _, change := range []bool{false, true} {
			if err := os.WriteFile(path, data, 0o600); err != nil {
				t.Fatal(err)
			}
			ups := []Update{{Source: "development/d/.env", Secrets: func() []Secret { return refreshBase["development/d/.env"] }}}
			if change {
				ups[0].Secrets = func() []Secret { return secretsOf("delta-secret-0009") }
			}
			err := Refresh(path, keyPath, ups, 8)
			if !errors.Is(err, ErrIndexCorrupt) {
				t.Errorf("%s, change %v: %v, want ErrIndexCorrupt", name, change, err)
			}
			if now, _ := os.ReadFile(path); !bytes.Equal(now, data) {
				t.Errorf("%s, change %v: the file was changed", name, change)
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 2 {
				t.Errorf("%s, change %v: %d files left, want the index and its key", name, change, len(entries))
			}
		}
	}
}

// TestRefreshMany: batches hashed on every core, some ahead and some one
// at a time (a few changes among many, then many), give the bytes that
// OpenIndex, Replace and Save give.
func TestRefreshMany(t *testing.T) {
	dir := t.TempDir()
	keyPath := filepath.Join(dir, "leak.key")
	want, got := filepath.Join(dir, "want.idx"), filepath.Join(dir, "got.idx")
	src := func(i int) string { return fmt.Sprintf("development/p%04d/.env", i) }
	for _, p := range []string{want, got} {
		ix, err := OpenIndex(p, keyPath)
		if err != nil {
			t.Fatal(err)
		}
		for i := range 900 {
			ix.Replace(src(i), secretsOf(fmt.Sprintf("value-%04d-aaaaaaaa", i), fmt.Sprintf("other-%04d-bbbbbbbb", i)), 8)
		}
		if err := ix.Save(); err != nil {
			t.Fatal(err)
		}
	}
	ix, err := OpenIndex(want, keyPath)
	if err != nil {
		t.Fatal(err)
	}
	var updates []Update
	for i := range 1000 {
		var s []Secret
		switch {
		case i < 300 && i%50 != 7: // a few changes among many
			s = secretsOf(fmt.Sprintf("value-%04d-aaaaaaaa", i), fmt.Sprintf("other-%04d-bbbbbbbb", i))
		case i%13 == 0: // removed
		default: // changed, or new past 900
			s = secretsOf(fmt.Sprintf("value-%04d-cccccccc", i))
		}
		ix.Replace(src(i), s, 8)
		updates = append(updates, Update{Source: src(i), Secrets: func() []Secret { return s }})
	}
	if err := ix.Save(); err != nil {
		t.Fatal(err)
	}
	if err := Refresh(got, keyPath, updates, 8); err != nil {
		t.Fatal(err)
	}
	w, _ := os.ReadFile(want)
	g, _ := os.ReadFile(got)
	if !bytes.Equal(g, w) {
		t.Fatalf("Refresh wrote %d bytes, unlike OpenIndex, Replace and Save (%d bytes)", len(g), len(w))
	}
}
