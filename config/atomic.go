package config

import (
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"

	"golang.org/x/sync/errgroup"
)

// WriteFileAtomic writes data to path with mode 0600: a temp file in the
// same directory (named with TempMarker), fsynced, renamed into place,
// then the directory synced, so a reader sees the old file or the new
// one, never a torn one, and a crash keeps one of them. The directory
// must exist.
func WriteFileAtomic(path string, data []byte) error {
	root, err := os.OpenRoot(filepath.Dir(path))
	if err != nil {
		return err
	}
	defer root.Close()
	return WriteFileIn(root, filepath.Base(path), data)
}

// WriteFileAtomicMode is WriteFileAtomic for a file that is no secret
// and needs another mode (a git hook, 0755).
func WriteFileAtomicMode(path string, data []byte, perm fs.FileMode) error {
	root, err := os.OpenRoot(filepath.Dir(path))
	if err != nil {
		return err
	}
	defer root.Close()
	return writeFileIn(root, filepath.Base(path), data, perm)
}

// WriteFileIn is WriteFileAtomic for rel inside root, every step through
// root: nothing lands outside it, even through a symlink that appeared
// meanwhile. rel's directory must exist.
func WriteFileIn(root *os.Root, rel string, data []byte) error {
	return writeFileIn(root, rel, data, 0o600)
}

func writeFileIn(root *os.Root, rel string, data []byte, perm fs.FileMode) error {
	tmp, err := writeTemp(root, rel, data, perm)
	if err != nil {
		return err
	}
	if err := root.Rename(tmp, rel); err != nil {
		root.Remove(tmp)
		return err
	}
	syncDir(root, filepath.Dir(rel)) // make the rename durable
	return nil
}

// AtomicFile is one file of WriteFilesIn: Rel inside Root.
type AtomicFile struct {
	Root *os.Root
	Rel  string
	Data []byte
}

// WriteFilesIn writes files as WriteFileIn writes each (a temp file
// beside it, mode 0600, fsynced, renamed into place, every step through
// its Root), but syncs each directory once, after every rename into it,
// not once per file: a pull of 1,000 items into 50 directories syncs 50
// directories, not 1,000 (docs/perf.md). Temp files are written workers
// at a time, so that their fsyncs overlap, and nothing is renamed until
// all of them are written: a file that cannot be written leaves every
// file as it was. On error it returns the index of the file that failed.
// Each Rel's directory must exist.
func WriteFilesIn(files []AtomicFile, workers int) (failed int, err error) {
	temps := make([]string, len(files))
	errs := make([]error, len(files))
	var g errgroup.Group
	g.SetLimit(max(workers, 1))
	for i, f := range files {
		g.Go(func() error {
			temps[i], errs[i] = writeTemp(f.Root, f.Rel, f.Data, 0o600)
			return nil
		})
	}
	_ = g.Wait() // never fails: errors go to errs, so the lowest index wins
	removeTemps := func(from int) {
		for i := from; i < len(files); i++ {
			if temps[i] != "" {
				files[i].Root.Remove(temps[i])
			}
		}
	}
	for i, err := range errs {
		if err != nil {
			removeTemps(0)
			return i, err
		}
	}
	var dirs []dirOf
	seen := map[dirOf]bool{}
	for i, f := range files {
		if err := f.Root.Rename(temps[i], f.Rel); err != nil {
			removeTemps(i)
			syncDirs(dirs) // the renames done so far
			return i, err
		}
		temps[i] = ""
		if k := (dirOf{f.Root, filepath.Dir(f.Rel)}); !seen[k] {
			seen[k] = true
			dirs = append(dirs, k)
		}
	}
	syncDirs(dirs)
	return -1, nil
}

// dirOf is a directory files were renamed into: rel's directory in root.
type dirOf struct {
	root *os.Root
	dir  string
}

// syncDirs syncs directories, best effort: it makes the renames into
// them durable.
func syncDirs(dirs []dirOf) {
	for _, d := range dirs {
		syncDir(d.root, d.dir)
	}
}

// syncDir syncs dir inside root, best effort; a variable so that a test
// counts the syncs.
var syncDir = func(root *os.Root, dir string) {
	if d, err := root.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

// writeTemp writes data to a new temp file beside rel (named with
// TempMarker), mode perm whatever the umask, and fsyncs it; it returns the temp's name
// inside root. A temp that could not be written whole is removed.
func writeTemp(root *os.Root, rel string, data []byte, perm os.FileMode) (tmp string, err error) {
	tmp = filepath.Join(filepath.Dir(rel), filepath.Base(rel)+TempMarker+strconv.FormatUint(rand.Uint64(), 36))
	f, err := root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", err
	}
	defer func() {
		if err != nil {
			f.Close()
			root.Remove(tmp)
			tmp = ""
		}
	}()
	if err := f.Chmod(perm); err != nil {
		return tmp, err
	}
	if _, err := f.Write(data); err != nil {
		return tmp, err
	}
	if err := f.Sync(); err != nil {
		return tmp, err
	}
	return tmp, f.Close()
}
