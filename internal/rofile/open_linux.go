package rofile

import (
	"io/fs"
	"os"
	"syscall"
)

// Open opens the named file for reading, as os.Open does. os.NewFile
// leaves a blocking descriptor out of the poller.
func Open(name string) (*os.File, error) {
	for {
		fd, err := syscall.Open(name, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return nil, &fs.PathError{Op: "open", Path: name, Err: err}
		}
		return os.NewFile(uintptr(fd), name), nil
	}
}
