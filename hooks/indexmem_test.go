package hooks

import (
	"fmt"
	"path/filepath"
	"testing"
	"unsafe"
)

// TestIndexKeysShared: every entry of a key name shares one string, not
// a slice of the item's text (which it would keep alive), after Replace
// and after a reload; and the file is encoded into one array of its
// exact size.
func TestIndexKeysShared(t *testing.T) {
	dir := t.TempDir()
	path, keyPath := filepath.Join(dir, "leak.idx"), filepath.Join(dir, "leak.key")
	ix, err := OpenIndex(path, keyPath)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		text := fmt.Sprintf("API_TOKEN=token-value-%04d-abcdef", i) // as an env file's text
		ix.Replace(fmt.Sprintf("development/p%d/.env", i), []Secret{{Key: text[:9], Value: text[10:]}}, 8)
	}
	check := func(ix *Index, when string) {
		var first *byte
		for src, es := range ix.sources {
			for _, e := range es {
				p := unsafe.StringData(e.key)
				if first == nil {
					first = p
				}
				if p != first || e.key != "API_TOKEN" {
					t.Fatalf("%s: %s entry key %q is not the shared name", when, src, e.key)
				}
			}
		}
	}
	check(ix, "after Replace")
	if b := ix.encode(); cap(b) != len(b) {
		t.Fatalf("encode: %d bytes in an array of %d", len(b), cap(b))
	}
	if err := ix.Save(); err != nil {
		t.Fatal(err)
	}
	again, err := OpenIndex(path, keyPath)
	if err != nil {
		t.Fatal(err)
	}
	check(again, "after reload")
}
