package scopes

import (
	"os"
	"path"
	"path/filepath"

	"github.com/configsync/configsync/config"
)

// writeRestored writes the files pull restores in one batch
// (config.WriteFilesIn): every temp file written and fsynced first, then
// the renames, then each directory synced once rather than once per file;
// a file that cannot be written leaves every file as it was. Every step
// goes through an os.Root of the project's directory: nothing lands
// outside it even if a symlink appeared since readTarget looked.
func writeRestored(plan []*restore, dirs map[string]place) error {
	// One root for each directory written into, opened through the
	// project's: each file is then one name in it, not a path that every
	// step walks again.
	roots := map[string]*os.Root{}
	defer func() {
		for _, r := range roots {
			r.Close()
		}
	}()
	var files []config.AtomicFile
	var written []*restore
	for _, r := range plan {
		if !r.write {
			continue
		}
		root, err := restoreRoot(roots, dirs[r.it.Project].Dir, filepath.Dir(filepath.FromSlash(r.it.Path)))
		if err != nil {
			return &ItemError{Path: r.display, Err: err}
		}
		files = append(files, config.AtomicFile{Root: root, Rel: path.Base(r.it.Path), Data: r.data})
		written = append(written, r)
	}
	if i, err := config.WriteFilesIn(files, writeWorkers); err != nil {
		return &ItemError{Path: written[i].display, Err: err}
	}
	return nil
}

// restoreRoot is the root of sub inside the project directory dir, made
// (0700) if missing, opened once.
func restoreRoot(roots map[string]*os.Root, dir, sub string) (*os.Root, error) {
	key := filepath.Join(dir, sub)
	if r := roots[key]; r != nil {
		return r, nil
	}
	top := roots[dir]
	if top == nil {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, err
		}
		var err error
		if top, err = os.OpenRoot(dir); err != nil {
			return nil, err
		}
		roots[dir] = top
	}
	if sub == "." {
		return top, nil
	}
	if err := top.MkdirAll(sub, 0o700); err != nil {
		return nil, err
	}
	r, err := top.OpenRoot(sub)
	if err != nil {
		return nil, err
	}
	roots[key] = r
	return r, nil
}
