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
	_, err := writeBatch([]AtomicFile{{Root: root, Rel: rel, Data: data}}, perm, 1)
	return err
}

// AtomicFile is one file of WriteFilesIn: Rel inside Root.
type AtomicFile struct {
	Root *os.Root
	Rel  string
	Data []byte
}

// WriteFilesIn writes files as WriteFileIn writes each (a temp file
// beside it, mode 0600, fsynced, renamed into place, nothing outside its
// Root), but syncs each directory once, after every rename into it, not
// once per file: a pull of 1,000 items into 50 directories syncs 50
// directories, not 1,000 (docs/perf.md). Temp files are written workers
// at a time, so that their fsyncs overlap, and nothing is renamed until
// all of them are written: a file that cannot be written leaves every
// file as it was. On error it returns the index of the file that failed.
// Each Rel's directory must exist.
func WriteFilesIn(files []AtomicFile, workers int) (failed int, err error) {
	return writeBatch(files, 0o600, workers)
}

// writeBatch is WriteFilesIn with a mode. Each directory is opened once,
// through its Root (no symlink leads out of it), and every file in it is
// then one name created, renamed and synced relative to that open
// directory (batchdir_*.go): no path is walked again per file, and a
// directory swapped for a symlink meanwhile is not followed.
func writeBatch(files []AtomicFile, perm fs.FileMode, workers int) (failed int, err error) {
	dirs, of := openDirs(files)
	defer func() {
		for _, d := range dirs {
			d.close()
		}
	}()
	temps := make([]string, len(files))
	errs := make([]error, len(files))
	var g errgroup.Group
	g.SetLimit(max(workers, 1))
	for _, i := range acrossDirs(of, len(dirs)) {
		f, d := files[i], dirs[of[i]]
		if d.err != nil {
			errs[i] = d.err
			continue
		}
		g.Go(func() error {
			temps[i], errs[i] = writeTemp(d, filepath.Base(f.Rel), f.Data, perm)
			return nil
		})
	}
	_ = g.Wait() // never fails: errors go to errs, so the lowest index wins
	removeTemps := func(from int) {
		for i := from; i < len(files); i++ {
			if temps[i] != "" {
				dirs[of[i]].remove(temps[i])
			}
		}
	}
	for i, err := range errs {
		if err != nil {
			removeTemps(0)
			return i, err
		}
	}
	renamed := make([]bool, len(dirs))
	for i, f := range files {
		d := dirs[of[i]]
		if err := d.rename(temps[i], filepath.Base(f.Rel)); err != nil {
			removeTemps(i)
			syncDirs(dirs, renamed, workers) // the renames done so far
			return i, &os.LinkError{Op: "renameat", Old: filepath.Join(d.name, temps[i]), New: f.Rel, Err: err}
		}
		temps[i] = ""
		renamed[of[i]] = true
	}
	syncDirs(dirs, renamed, workers)
	return -1, nil
}

// openDirs opens the directory of each file once, through the file's
// Root: dirs in order of first use, and of[i] the index in dirs of file
// i's. A directory that cannot be opened keeps its error, for each file
// in it.
func openDirs(files []AtomicFile) (dirs []*batchDir, of []int) {
	type key struct {
		root *os.Root
		dir  string
	}
	index := map[key]int{}
	of = make([]int, len(files))
	for i, f := range files {
		k := key{f.Root, filepath.Dir(f.Rel)}
		j, ok := index[k]
		if !ok {
			j = len(dirs)
			index[k] = j
			dirs = append(dirs, openBatchDir(f.Root, k.dir))
		}
		of[i] = j
	}
	return dirs, of
}

// acrossDirs is the order to write the temps in: the first file of
// each directory, then the second of each, and so on, so that the files
// written at once are mostly in different directories (creating a file
// locks its directory: 32 workers in two directories mostly wait).
func acrossDirs(of []int, ndirs int) []int {
	byDir := make([][]int, ndirs)
	for i, j := range of {
		byDir[j] = append(byDir[j], i)
	}
	order := make([]int, 0, len(of))
	for k := 0; len(order) < len(of); k++ {
		for _, in := range byDir {
			if k < len(in) {
				order = append(order, in[k])
			}
		}
	}
	return order
}

// syncDirs syncs the directories files were renamed into, workers at a
// time so that their flushes overlap, best effort: it makes the renames
// durable.
func syncDirs(dirs []*batchDir, renamed []bool, workers int) {
	var g errgroup.Group
	g.SetLimit(max(workers, 1))
	for j, d := range dirs {
		if renamed[j] {
			g.Go(func() error {
				syncDir(d)
				return nil
			})
		}
	}
	_ = g.Wait()
}

// syncDir syncs an open directory, best effort; a variable so that a
// test counts the syncs.
var syncDir = func(d *batchDir) { d.sync() }

// tempName is a fresh temp file's name beside name, marked with
// TempMarker so that what a crash left can be found and removed.
func tempName(name string) string {
	return name + TempMarker + strconv.FormatUint(rand.Uint64(), 36)
}

// writeTemp writes data to a new temp file in d, beside name (named with
// TempMarker), mode perm whatever the umask, and fsyncs it; it returns
// the temp's name in d. A temp that could not be written whole is
// removed.
func writeTemp(d *batchDir, name string, data []byte, perm os.FileMode) (tmp string, err error) {
	tmp = tempName(name)
	f, err := d.create(tmp)
	if err != nil {
		return "", &os.PathError{Op: "openat", Path: filepath.Join(d.name, tmp), Err: err}
	}
	defer func() {
		if err != nil {
			f.Close()
			d.remove(tmp)
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
