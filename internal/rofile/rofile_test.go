package rofile

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

func TestReadFile(t *testing.T) {
	dir := t.TempDir()
	for _, size := range []int{0, 1, 511, 512, 513, 100 << 10} {
		want := bytes.Repeat([]byte{'x'}, size)
		path := filepath.Join(dir, "f")
		if err := os.WriteFile(path, want, 0o600); err != nil {
			t.Fatal(err)
		}
		got, err := ReadFile(path)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("size %d: read %d bytes, %v", size, len(got), err)
		}
	}
}

// A file whose size stat does not know (/proc) is read whole anyway.
func TestReadFileUnknownSize(t *testing.T) {
	want, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		t.Skip("no /proc here")
	}
	got, err := ReadFile("/proc/self/maps")
	if err != nil || len(got) < len(want)/2 {
		t.Fatalf("read %d bytes of /proc/self/maps (os.ReadFile: %d), %v", len(got), len(want), err)
	}
}

func TestReadFileErrors(t *testing.T) {
	dir := t.TempDir()
	_, err := ReadFile(filepath.Join(dir, "missing"))
	var pe *fs.PathError
	if !errors.Is(err, fs.ErrNotExist) || !errors.As(err, &pe) || pe.Op != "open" {
		t.Errorf("missing file: %v, want an open *fs.PathError for fs.ErrNotExist", err)
	}
	if _, err := ReadFile(dir); err == nil {
		t.Error("reading a directory: no error")
	}
}
