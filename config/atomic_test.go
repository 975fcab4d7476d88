package config

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// batchTree makes dirs directories d0… under a temp dir, each with an
// old version of files files, and returns the root and the batch that
// replaces (and, for f = files, adds) them.
func batchTree(t testing.TB, dirs, files int) (string, *os.Root, []AtomicFile) {
	t.Helper()
	dir := t.TempDir()
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { root.Close() })
	var batch []AtomicFile
	for d := range dirs {
		if err := os.Mkdir(filepath.Join(dir, fmt.Sprint("d", d)), 0o700); err != nil {
			t.Fatal(err)
		}
		for f := range files + 1 {
			rel := filepath.Join(fmt.Sprint("d", d), fmt.Sprint(".env.", f))
			if f < files {
				if err := os.WriteFile(filepath.Join(dir, rel), []byte("old"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			batch = append(batch, AtomicFile{Root: root, Rel: rel, Data: []byte("new " + rel)})
		}
	}
	return dir, root, batch
}

// countSyncs counts the directory syncs while the test runs.
func countSyncs(t *testing.T) map[string]int {
	synced := map[string]int{}
	var mu sync.Mutex
	old := syncDir
	syncDir = func(d *batchDir) {
		mu.Lock()
		synced[d.name]++
		mu.Unlock()
		old(d)
	}
	t.Cleanup(func() { syncDir = old })
	return synced
}

// noTemps fails if a temp file is left anywhere under dir.
func noTemps(t *testing.T, dir string) {
	t.Helper()
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && IsTempName(d.Name()) {
			t.Errorf("temp file left: %s", p)
		}
		return nil
	})
}

// TestWriteFilesIn: every file is replaced or created with mode 0600,
// no temp file is left, and each directory is synced once, not once per
// file.
func TestWriteFilesIn(t *testing.T) {
	dir, _, batch := batchTree(t, 3, 4)
	synced := countSyncs(t)
	if i, err := WriteFilesIn(batch, 4); err != nil {
		t.Fatalf("file %d: %v", i, err)
	}
	for _, f := range batch {
		data, err := os.ReadFile(filepath.Join(dir, f.Rel))
		if err != nil || string(data) != string(f.Data) {
			t.Fatalf("%s: %q, %v", f.Rel, data, err)
		}
		if fi, _ := os.Stat(filepath.Join(dir, f.Rel)); fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, want 0600", f.Rel, fi.Mode().Perm())
		}
	}
	noTemps(t, dir)
	if len(synced) != 3 {
		t.Errorf("synced %v, want each of the 3 directories", synced)
	}
	for d, n := range synced {
		if n != 1 {
			t.Errorf("directory %s synced %d times, want once", d, n)
		}
	}
}

// TestWriteFilesInRefused: a file that cannot be written (its directory
// is missing, it is a directory, it is outside the root) leaves every
// file as it was and no temp file, and is named by its index.
func TestWriteFilesInRefused(t *testing.T) {
	tests := []struct {
		name string
		bad  func(dir string, f *AtomicFile)
	}{
		{"directory missing", func(dir string, f *AtomicFile) { f.Rel = filepath.Join("gone", ".env") }},
		{"outside the root", func(dir string, f *AtomicFile) { f.Rel = filepath.Join("..", "escape") }},
		{"through a symlink out", func(dir string, f *AtomicFile) {
			if err := os.Symlink(t.TempDir(), filepath.Join(dir, "link")); err != nil {
				t.Fatal(err)
			}
			f.Rel = filepath.Join("link", ".env")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir, _, batch := batchTree(t, 2, 3)
			const bad = 5
			tt.bad(dir, &batch[bad])
			i, err := WriteFilesIn(batch, 4)
			if err == nil || i != bad {
				t.Fatalf("got file %d, %v; want file %d refused", i, err, bad)
			}
			for j, f := range batch {
				if j == bad {
					continue
				}
				data, err := os.ReadFile(filepath.Join(dir, f.Rel))
				if strings.HasSuffix(f.Rel, ".3") {
					if err == nil {
						t.Errorf("%s was created", f.Rel)
					}
					continue
				}
				if string(data) != "old" {
					t.Errorf("%s: %q, want it left as it was", f.Rel, data)
				}
			}
			noTemps(t, dir)
		})
	}
}

// BenchmarkWriteFiles1000 writes pull's 1,000 files in 50 directories:
// each with WriteFileIn (32 at a time, as pull did) against one
// WriteFilesIn, which syncs each directory once.
func BenchmarkWriteFiles1000(b *testing.B) {
	_, _, batch := batchTree(b, 50, 19) // 50 × 20 files
	b.Run("each", func(b *testing.B) {
		for b.Loop() {
			work := make(chan AtomicFile)
			var wg sync.WaitGroup
			for range 32 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for f := range work {
						if err := WriteFileIn(f.Root, f.Rel, f.Data); err != nil {
							b.Error(err)
						}
					}
				}()
			}
			for _, f := range batch {
				work <- f
			}
			close(work)
			wg.Wait()
		}
	})
	b.Run("batch", func(b *testing.B) {
		for b.Loop() {
			if i, err := WriteFilesIn(batch, 32); err != nil {
				b.Fatal(i, err)
			}
		}
	})
}

// TestWriteFilesInRenameFails: a rename that fails (the name is a
// directory that is not empty) is reported by its index, and no temp file
// is left, of that file or of any after it.
func TestWriteFilesInRenameFails(t *testing.T) {
	dir, _, batch := batchTree(t, 2, 3)
	const bad = 5 // d1/.env.1
	if err := os.Remove(filepath.Join(dir, batch[bad].Rel)); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, batch[bad].Rel, "inside"), 0o700); err != nil {
		t.Fatal(err)
	}
	i, err := WriteFilesIn(batch, 4)
	if err == nil || i != bad {
		t.Fatalf("got file %d, %v; want file %d refused", i, err, bad)
	}
	noTemps(t, dir)
	for j, f := range batch[bad+1:] {
		data, _ := os.ReadFile(filepath.Join(dir, f.Rel))
		if string(data) == string(f.Data) {
			t.Errorf("file %d (%s) renamed after the failure", bad+1+j, f.Rel)
		}
	}
}

// TestWriteFilesInNotFollowed: a symlink at a file's name is replaced, not
// written through, and a file named as a directory of the batch refuses
// its files; the mode is 0600 whatever the umask.
func TestWriteFilesInNotFollowed(t *testing.T) {
	dir, _, batch := batchTree(t, 2, 3)
	outside := filepath.Join(t.TempDir(), "outside")
	if err := os.WriteFile(outside, []byte("outside"), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, batch[1].Rel)
	os.Remove(link)
	if err := os.Symlink(outside, link); err != nil {
		t.Fatal(err)
	}
	old := syscallUmask(0o277) // would give 0400 without the chmod
	i, err := WriteFilesIn(batch, 4)
	syscallUmask(old)
	if err != nil {
		t.Fatalf("file %d: %v", i, err)
	}
	if data, _ := os.ReadFile(outside); string(data) != "outside" {
		t.Errorf("written through the symlink: %q", data)
	}
	for _, f := range batch {
		fi, err := os.Lstat(filepath.Join(dir, f.Rel))
		if err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v, %v; want a regular file, mode 0600", f.Rel, fi.Mode(), err)
		}
	}

	// A directory of the batch that is a file.
	if err := os.WriteFile(filepath.Join(dir, "plain"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	root := batch[0].Root
	batch = []AtomicFile{{root, "d0/.env.0", []byte("x")}, {root, "plain/.env", []byte("x")}}
	if i, err := WriteFilesIn(batch, 4); err == nil || i != 1 {
		t.Fatalf("got file %d, %v; want file 1 refused", i, err)
	}
	noTemps(t, dir)
}

// TestAcrossDirs: temps are written a file of each directory at a time,
// every file once.
func TestAcrossDirs(t *testing.T) {
	tests := []struct {
		of    []int
		ndirs int
		want  []int
	}{
		{nil, 0, []int{}},
		{[]int{0, 0, 0}, 1, []int{0, 1, 2}},
		{[]int{0, 0, 0, 1, 1, 2}, 3, []int{0, 3, 5, 1, 4, 2}},
		{[]int{1, 0, 1, 0}, 2, []int{1, 0, 3, 2}},
	}
	for _, tt := range tests {
		if got := acrossDirs(tt.of, tt.ndirs); fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("acrossDirs(%v) = %v, want %v", tt.of, got, tt.want)
		}
	}
}
