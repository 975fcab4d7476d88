package gitstore

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// TestGitDirFS: files opened to be read come through rofile, named as
// given; files opened to write, and names outside the directory, go to
// osfs as before; a read-only file refuses a lock.
func TestGitDirFS(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "HEAD"), []byte("ref: refs/heads/main\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	fsys := newGitDirFS(dir)

	f, err := fsys.Open("HEAD")
	if err != nil {
		t.Fatal(err)
	}
	ro, ok := f.(readOnlyFile)
	if !ok {
		t.Fatalf("Open gave a %T, want a readOnlyFile", f)
	}
	if data, err := io.ReadAll(f); err != nil || string(data) != "ref: refs/heads/main\n" {
		t.Errorf("read %q, %v", data, err)
	}
	if f.Name() != "HEAD" {
		t.Errorf("Name() = %q, want HEAD", f.Name())
	}
	if err := ro.Lock(); !errors.Is(err, errLockReadOnly) {
		t.Errorf("Lock: %v, want errLockReadOnly", err)
	}
	f.Close()

	if _, err := fsys.Open("missing"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Open of a missing file: %v, want os.ErrNotExist", err)
	}

	w, err := fsys.OpenFile("refs", os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := w.(readOnlyFile); ok {
		t.Error("a file opened to write came through rofile")
	}
	if err := w.Lock(); err != nil {
		t.Errorf("Lock of a file opened to write: %v", err)
	}
	w.Close()

	if f, err := fsys.Open("../outside"); err == nil {
		if _, ok := f.(readOnlyFile); ok {
			t.Error("a name outside the directory came through rofile")
		}
		f.Close()
	}
}
