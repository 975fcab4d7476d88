package gitstore

import (
	"errors"
	"os"
	"path/filepath"

	"github.com/go-git/go-billy/v5"
	"github.com/go-git/go-billy/v5/osfs"

	"github.com/configsync/configsync/internal/rofile"
)

// gitDirFS is the git directory as go-git reads it: osfs, except that
// files opened only to be read are opened through rofile, outside the
// runtime's poller (HEAD, config, refs, packs). Writes go to osfs.
type gitDirFS struct {
	billy.Filesystem
	dir string
}

func newGitDirFS(dir string) gitDirFS { return gitDirFS{osfs.New(dir), dir} }

func (fsys gitDirFS) Open(name string) (billy.File, error) {
	return fsys.OpenFile(name, os.O_RDONLY, 0)
}

func (fsys gitDirFS) OpenFile(name string, flag int, perm os.FileMode) (billy.File, error) {
	if flag != os.O_RDONLY || !filepath.IsLocal(name) {
		return fsys.Filesystem.OpenFile(name, flag, perm)
	}
	f, err := rofile.Open(filepath.Join(fsys.dir, name))
	if err != nil {
		return nil, err
	}
	return readOnlyFile{f, name}, nil
}

// readOnlyFile is a billy.File opened to be read. go-git locks only the
// files it opens to write (refs, packed-refs), so a lock asked of one of
// these is refused rather than pretended.
type readOnlyFile struct {
	*os.File
	name string // as given to Open, as billy's files report it
}

var errLockReadOnly = errors.New("gitstore: a file opened to be read cannot be locked")

func (f readOnlyFile) Name() string { return f.name }
func (readOnlyFile) Lock() error    { return errLockReadOnly }
func (readOnlyFile) Unlock() error  { return errLockReadOnly }
