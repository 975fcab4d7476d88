package config

import (
	"os"
	"path/filepath"
)

// PendingFile is a file that replaces another atomically, written as a
// stream rather than built in memory first (the leak index is 25 MB at
// 10,000 items): a temp file beside it (named with TempMarker, mode
// 0600), which Commit fsyncs and renames into place, then syncs the
// directory, as WriteFileAtomic does; Abort removes it. It is open for
// reading too, so that its writer can go back over what it wrote.
type PendingFile struct {
	*os.File
	root      *os.Root
	name, tmp string
}

// CreatePending starts the replacement of path, whose directory must
// exist; every step goes through that directory's os.Root.
func CreatePending(path string) (*PendingFile, error) {
	root, err := os.OpenRoot(filepath.Dir(path))
	if err != nil {
		return nil, err
	}
	name := filepath.Base(path)
	tmp := tempName(name)
	f, err := root.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err == nil {
		if err = f.Chmod(0o600); err != nil { // whatever the umask
			f.Close()
			root.Remove(tmp)
		}
	}
	if err != nil {
		root.Close()
		return nil, err
	}
	return &PendingFile{File: f, root: root, name: name, tmp: tmp}, nil
}

// Commit fsyncs the file and renames it into place. On error the temp
// file is removed and the old file left as it was.
func (p *PendingFile) Commit() error {
	defer p.root.Close()
	err := p.File.Sync()
	if cerr := p.File.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = p.root.Rename(p.tmp, p.name)
	}
	if err != nil {
		p.root.Remove(p.tmp)
		return err
	}
	if d, err := p.root.Open("."); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// Abort removes the temp file: the old file stays as it was.
func (p *PendingFile) Abort() {
	p.File.Close()
	p.root.Remove(p.tmp)
	p.root.Close()
}
