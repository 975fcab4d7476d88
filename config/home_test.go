package config

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

func TestHomePaths(t *testing.T) {
	h := Home("/home/ada/.config/configsync")
	tests := []struct {
		got, want string
	}{
		{h.Config(), "config.toml"},
		{h.Identity(), "identity.asc"},
		{h.Store(), "store.git"},
		{h.State(), "state.json"},
		{h.Path(StateKeyFile), "state.key"},
		{h.Marks(), "trust.json"},
		{h.Lock(), "lock"},
		{h.Backups(), "backups"},
		{h.LeakIndex(), "leak.idx"},
		{h.LeakKey(), "leak.key"},
	}
	for _, tt := range tests {
		if want := filepath.Join(string(h), tt.want); tt.got != want {
			t.Errorf("got %s, want %s", tt.got, want)
		}
	}
}

func TestHomeMake(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix modes")
	}
	tests := []struct {
		name     string
		existing fs.FileMode // 0: the home does not exist yet
	}{
		{"created", 0},
		{"0755 tightened", 0o755},
		{"0750 tightened", 0o750},
		{"0711 tightened", 0o711},
		{"0700 kept", 0o700},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "a", "home")
			if tt.existing != 0 {
				if err := os.MkdirAll(dir, 0o700); err != nil {
					t.Fatal(err)
				}
				if err := os.Chmod(dir, tt.existing); err != nil {
					t.Fatal(err)
				}
			}
			if err := Home(dir).Make(); err != nil {
				t.Fatal(err)
			}
			st, err := os.Stat(dir)
			if err != nil {
				t.Fatal(err)
			}
			if perm := st.Mode().Perm(); perm != 0o700 {
				t.Errorf("mode %04o, want 0700", perm)
			}
		})
	}
}

func TestHomeKeyCreatesOnce(t *testing.T) {
	h := Home(filepath.Join(t.TempDir(), "home"))
	key, err := h.Key(StateKeyFile, 32)
	if err != nil {
		t.Fatal(err)
	}
	if len(key) != 32 || bytes.Equal(key, make([]byte, 32)) {
		t.Fatalf("key %x: want 32 random bytes", key)
	}
	st, err := os.Stat(h.Path(StateKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" && st.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %04o, want 0600", st.Mode().Perm())
	}
	again, err := h.Key(StateKeyFile, 32)
	if err != nil || !bytes.Equal(again, key) {
		t.Errorf("second Key = %x, %v; want the first key", again, err)
	}
	onlyFiles(t, string(h), StateKeyFile)
}

// Processes that create the key at once all end up with the same one.
func TestHomeKeyConcurrent(t *testing.T) {
	h := Home(t.TempDir())
	keys := make([][]byte, 8)
	var wg sync.WaitGroup
	for i := range keys {
		wg.Go(func() {
			k, err := h.Key(LeakKeyFile, 32)
			if err != nil {
				t.Error(err)
			}
			keys[i] = k
		})
	}
	wg.Wait()
	for _, k := range keys[1:] {
		if !bytes.Equal(k, keys[0]) {
			t.Fatalf("two keys: %x and %x", keys[0], k)
		}
	}
	onlyFiles(t, string(h), LeakKeyFile)
}

func TestHomeKeyRefuses(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix modes or symlinks")
	}
	good := bytes.Repeat([]byte{7}, 32)
	tests := []struct {
		name  string
		setup func(t *testing.T, path string)
		want  error
		says  string // in the message
	}{
		{"group-readable", writeKey(good, 0o640), ErrInsecureKey, "has mode 0640, want 0600"},
		{"other-readable", writeKey(good, 0o604), ErrInsecureKey, "has mode 0604"},
		{"group-writable", writeKey(good, 0o620), ErrInsecureKey, "has mode 0620"},
		{"symlink", func(t *testing.T, path string) {
			target := filepath.Join(t.TempDir(), "elsewhere")
			writeKey(good, 0o600)(t, target)
			if err := os.Symlink(target, path); err != nil {
				t.Fatal(err)
			}
		}, ErrInsecureKey, "is a symlink"},
		{"directory", func(t *testing.T, path string) {
			if err := os.Mkdir(path, 0o700); err != nil {
				t.Fatal(err)
			}
		}, ErrInsecureKey, "not a regular file"},
		{"short", writeKey(good[:31], 0o600), ErrDamagedKey, "is not 32 bytes"},
		{"long", writeKey(append(good, 1), 0o600), ErrDamagedKey, "is not 32 bytes"},
		{"empty", writeKey(nil, 0o600), ErrDamagedKey, "is not 32 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := Home(t.TempDir())
			path := h.Path(StateKeyFile)
			tt.setup(t, path)
			before := snapshot(t, path)
			key, err := h.Key(StateKeyFile, 32)
			if !errors.Is(err, tt.want) || key != nil {
				t.Fatalf("Key = %x, %v; want %v", key, err, tt.want)
			}
			if !strings.HasPrefix(err.Error(), path+" ") || !strings.Contains(err.Error(), tt.says) {
				t.Errorf("message %q: want the path, then %q", err, tt.says)
			}
			if after := snapshot(t, path); after != before {
				t.Errorf("the refused key file changed: %s, was %s", after, before)
			}
		})
	}
}

func TestWriteFileAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state.json")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteFileAtomic(path, []byte("new")); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(path); string(data) != "new" {
		t.Errorf("content %q, want %q", data, "new")
	}
	if st, _ := os.Stat(path); runtime.GOOS != "windows" && st.Mode().Perm() != 0o600 {
		t.Errorf("mode %04o, want 0600 (the old file was 0644)", st.Mode().Perm())
	}
	hook := filepath.Join(dir, "pre-commit")
	if err := WriteFileAtomicMode(hook, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(hook); runtime.GOOS != "windows" && st.Mode().Perm() != 0o755 {
		t.Errorf("hook mode %04o, want 0755", st.Mode().Perm())
	}
	onlyFiles(t, dir, "pre-commit", "state.json")
}

// A write that fails leaves the old file and no temp file behind.
func TestWriteFileAtomicFailure(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "busy")
	if err := os.MkdirAll(filepath.Join(target, "inside"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := WriteFileAtomic(target, []byte("secret")); err == nil {
		t.Fatal("writing over a non-empty directory succeeded")
	}
	onlyFiles(t, dir, "busy")
	if err := WriteFileAtomic(filepath.Join(dir, "missing", "f"), []byte("x")); err == nil {
		t.Error("writing into a missing directory succeeded")
	}
	onlyFiles(t, dir, "busy")
}

func writeKey(data []byte, perm fs.FileMode) func(t *testing.T, path string) {
	return func(t *testing.T, path string) {
		t.Helper()
		if err := os.WriteFile(path, data, perm); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(path, perm); err != nil { // whatever the umask
			t.Fatal(err)
		}
	}
}

// snapshot describes the file at path (not following a symlink) and
// its content.
func snapshot(t *testing.T, path string) string {
	t.Helper()
	fi, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	return fi.Mode().String() + " " + string(data)
}

// onlyFiles fails unless dir holds exactly names: no temp file is left.
func onlyFiles(t *testing.T, dir string, names ...string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	if len(got) != len(names) {
		t.Fatalf("%s holds %q, want %q", dir, got, names)
	}
	for i := range got {
		if got[i] != names[i] {
			t.Fatalf("%s holds %q, want %q", dir, got, names)
		}
	}
}
