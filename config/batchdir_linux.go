package config

import (
	"os"
	"syscall"
)

// batchDir is a directory files are written into, open: on Linux each
// temp file is created, renamed and removed with one system call
// relative to it (openat, renameat, unlinkat on its descriptor), where
// os.Root resolves the name again and os.OpenFile registers the file
// with the poller (five calls more per file).
type batchDir struct {
	name string   // as given, for errors
	f    *os.File // the directory, opened through the root
	fd   int
	err  error // why it could not be opened
}

func openBatchDir(root *os.Root, dir string) *batchDir {
	d := &batchDir{name: dir}
	if d.f, d.err = root.Open(dir); d.err == nil {
		d.fd = int(d.f.Fd())
	}
	return d
}

// create makes the new file name in d, 0600 (before the umask), never
// through a symlink.
func (d *batchDir) create(name string) (*os.File, error) {
	fd, err := syscall.Openat(d.fd, name, syscall.O_WRONLY|syscall.O_CREAT|syscall.O_EXCL|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, 0o600)
	if err != nil {
		return nil, err
	}
	return os.NewFile(uintptr(fd), name), nil
}

func (d *batchDir) rename(from, to string) error { return syscall.Renameat(d.fd, from, d.fd, to) }

func (d *batchDir) remove(name string) { syscall.Unlinkat(d.fd, name) }

func (d *batchDir) sync() { d.f.Sync() }

func (d *batchDir) close() {
	if d.f != nil {
		d.f.Close()
	}
}
