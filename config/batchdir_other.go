//go:build !linux

package config

import (
	"os"
	"path/filepath"
)

// batchDir is a directory files are written into: here every step goes
// through the root by path (os.Root), the directory itself open only to
// be synced.
type batchDir struct {
	name string // inside root
	root *os.Root
	f    *os.File
	err  error // why it could not be opened
}

func openBatchDir(root *os.Root, dir string) *batchDir {
	d := &batchDir{name: dir, root: root}
	d.f, d.err = root.Open(dir)
	return d
}

func (d *batchDir) create(name string) (*os.File, error) {
	f, err := d.root.OpenFile(filepath.Join(d.name, name), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if pe, ok := err.(*os.PathError); ok {
		return nil, pe.Err // writeTemp names the file
	}
	return f, err
}

func (d *batchDir) rename(from, to string) error {
	err := d.root.Rename(filepath.Join(d.name, from), filepath.Join(d.name, to))
	if le, ok := err.(*os.LinkError); ok {
		return le.Err // writeBatch names the files
	}
	return err
}

func (d *batchDir) remove(name string) { d.root.Remove(filepath.Join(d.name, name)) }

func (d *batchDir) sync() { d.f.Sync() }

func (d *batchDir) close() {
	if d.f != nil {
		d.f.Close()
	}
}
