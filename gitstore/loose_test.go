package gitstore

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
)

// TestLooseReader: every object git itself wrote loose reads through the
// store's direct loose reader (not go-git's) exactly as git cat-file
// shows it; a typed read of the wrong type is not found.
func TestLooseReader(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "work")
	runGit(t, "", "init", "-q", dir)
	for i := range 3 {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%d", i)), []byte(strings.Repeat("x", i*1000)), 0o600); err != nil {
			t.Fatal(err)
		}
		runGit(t, dir, "add", "-A")
		runGit(t, dir, "commit", "-qm", fmt.Sprintf("c%d", i))
	}
	s, err := Open(dir, DefaultBranch)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	r := s.st.(*renameRefs)
	lines := strings.Split(runGit(t, dir, "cat-file", "--batch-all-objects", "--batch-check=%(objectname) %(objecttype)"), "\n")
	if len(lines) < 9 {
		t.Fatalf("git wrote %d objects, want 3 commits, trees and blobs", len(lines))
	}
	for _, line := range lines {
		f := strings.Fields(line)
		h := plumbing.NewHash(f[0])
		obj, err := r.EncodedObject(plumbing.AnyObject, h)
		if err != nil {
			t.Fatalf("%s: %v", f[0], err)
		}
		if _, direct := obj.(*memObject); !direct {
			t.Fatalf("%s: read through go-git (%T), not the direct loose reader", f[0], obj)
		}
		if obj.Type().String() != f[1] || obj.Hash() != h {
			t.Fatalf("%s: read as %s %s, git says %s", f[0], obj.Type(), obj.Hash(), f[1])
		}
		rd, _ := obj.Reader()
		got, _ := io.ReadAll(rd)
		want, err := gitErr(dir, "cat-file", f[1], f[0])
		if err != nil {
			t.Fatal(err)
		}
		if strings.TrimSpace(string(got)) != want {
			t.Fatalf("%s (%s): content differs from git cat-file", f[0], f[1])
		}
	}
	head := plumbing.NewHash(runGit(t, dir, "rev-parse", "HEAD"))
	if _, err := s.st.EncodedObject(plumbing.BlobObject, head); err != plumbing.ErrObjectNotFound {
		t.Fatalf("a commit read as a blob: %v", err)
	}
	if _, err := s.st.EncodedObject(plumbing.AnyObject, plumbing.NewHash(strings.Repeat("ab", 20))); err != plumbing.ErrObjectNotFound {
		t.Fatalf("a missing object: %v", err)
	}
}

// TestLooseDamaged: a loose object whose header or length is wrong is an
// error, never content cut short or run on.
func TestLooseDamaged(t *testing.T) {
	deflate := func(s string) []byte {
		var b bytes.Buffer
		w := zlib.NewWriter(&b)
		w.Write([]byte(s))
		w.Close()
		return b.Bytes()
	}
	tests := []struct {
		name string
		file []byte
		want string // "" when it reads
	}{
		{"good", deflate("blob 5\x00hello"), ""},
		{"empty blob", deflate("blob 0\x00"), ""},
		{"shorter than its size", deflate("blob 6\x00hello"), "shorter"},
		{"longer than its size", deflate("blob 4\x00hello"), "longer"},
		{"unknown type", deflate("blub 5\x00hello"), "bad header"},
		{"negative size", deflate("blob -1\x00"), "bad header"},
		{"size past the bound", deflate("blob 2000000000\x00"), "bad header"},
		{"no NUL", deflate("blob 5 hello"), "bad header"},
		{"header too long", deflate("blob " + strings.Repeat("0", 40) + "5\x00hello"), "bad header"},
		{"not zlib", []byte("blob 5\x00hello"), "zlib"},
		{"zlib cut short", deflate("blob 5\x00hello")[:12], "EOF"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := inflateLoose(bytes.NewReader(tt.file))
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tt.want == "":
				if o.typ != plumbing.BlobObject || !strings.HasPrefix("hello", string(o.data)) {
					t.Fatalf("read %s %q", o.typ, o.data)
				}
			case err == nil || !strings.Contains(err.Error(), tt.want):
				t.Fatalf("got %v, want an error with %q", err, tt.want)
			}
		})
	}
}

// TestLooseDamagedInStore: a damaged loose object is reported, not
// passed over to another copy or read as empty.
func TestLooseDamagedInStore(t *testing.T) {
	s, dir := newBare(t)
	tip := mustCommit(t, s, Hash{}, "one", put("a.txt", "hello"))
	blob := BlobHash([]byte("hello")).String()
	plantLoose(t, dir, blob, "not an object")
	if data, err := reopenRead(t, dir, tip, "a.txt"); err == nil || !strings.Contains(err.Error(), blob) {
		t.Fatalf("a damaged object read as %q, %v", data, err)
	}
}

// TestPackedBeforeLoose: an object in a pack is read from the pack, as
// git does, without trying a loose copy first: the damaged loose copy
// planted here is never opened.
func TestPackedBeforeLoose(t *testing.T) {
	s, dir := newBare(t)
	tip := mustCommit(t, s, Hash{}, "one", put("a.txt", "hello"))
	runGit(t, dir, "repack", "-a", "-d", "-q")
	plantLoose(t, dir, BlobHash([]byte("hello")).String(), "not an object")
	if data, err := reopenRead(t, dir, tip, "a.txt"); err != nil || string(data) != "hello" {
		t.Fatalf("read %q, %v; want the packed copy", data, err)
	}
}

// plantLoose writes content as the loose object file of hex, replacing
// any there (git writes them read-only).
func plantLoose(t *testing.T, dir, hex, content string) {
	t.Helper()
	path := filepath.Join(dir, "objects", hex[:2], hex[2:])
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(path); err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// reopenRead reads path at commit tip through a Store opened afresh.
func reopenRead(t *testing.T, dir string, tip Hash, path string) ([]byte, error) {
	t.Helper()
	_, tree := reopenTree(t, dir, tip)
	return tree.Read(path)
}
