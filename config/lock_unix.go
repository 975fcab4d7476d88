//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package config

import (
	"errors"
	"syscall"

	"github.com/configsync/configsync/internal/rofile"
)

// processAlive reports whether pid may be a running process: kill(pid, 0)
// fails with ESRCH only when there is none.
func processAlive(pid int) bool {
	return !errors.Is(syscall.Kill(pid, 0), syscall.ESRCH)
}

// withGuard runs fn holding an exclusive flock on dir. The kernel drops it
// if the process dies, so the guard itself cannot go stale. If another
// process holds it, fn is not run and the caller looks again later.
func withGuard(dir string, fn func() error) error {
	d, err := rofile.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	fd := int(d.Fd())
	if err := syscall.Flock(fd, syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil
		}
		return err
	}
	defer syscall.Flock(fd, syscall.LOCK_UN)
	return fn()
}
