package config

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// ErrLocked is matched (errors.Is) by a [*LockedError].
var ErrLocked = errors.New("locked by another configsync")

// LockedError is returned by [Lock] when another live process holds the
// lock until the context is done.
type LockedError struct {
	Path string // the lock file
	PID  int    // the holder's pid; 0 when the lock file does not hold one yet
}

// Error implements error.
func (e *LockedError) Error() string {
	if e.PID == 0 {
		return fmt.Sprintf("%s is held by another configsync", e.Path)
	}
	return fmt.Sprintf("%s is held by another configsync (pid %d)", e.Path, e.PID)
}

// Is reports whether target is ErrLocked.
func (e *LockedError) Is(target error) bool { return target == ErrLocked }

const (
	pollMin = 10 * time.Millisecond
	pollMax = 200 * time.Millisecond
	// garbageGrace is how long a lock file without a pid must stay
	// unchanged before it is taken for the leftover of a crash.
	garbageGrace = 3 * time.Second
)

// Lock takes the exclusive lock file at path (created with O_EXCL, mode
// 0600, in a directory created 0700 if missing) and writes this process's
// pid in it. A held lock is polled until ctx is done, then Lock returns a
// [*LockedError]. A stale lock is taken over: one whose pid is not a running
// process, or one without a pid that has not changed for a few seconds.
// Takeovers are serialised, so two processes never both win.
//
// unlock removes the lock file if it still holds this process's pid; calling
// it again does nothing. The lock is not reentrant: a second Lock in the same
// process waits like any other.
func Lock(ctx context.Context, path string) (unlock func() error, err error) {
	return lock(ctx, path, garbageGrace)
}

func lock(ctx context.Context, path string, grace time.Duration) (func() error, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("lock: %w", err)
	}
	pid := os.Getpid()
	delay := pollMin
	var (
		seen   os.FileInfo   // the pid-less lock file being watched
		waited time.Duration // how long seen has stayed unchanged
	)
	for {
		ok, err := create(path, pid)
		if err != nil {
			return nil, fmt.Errorf("lock: %w", err)
		}
		if ok {
			return unlocker(path, pid), nil
		}
		fi, holder, err := inspect(path)
		if errors.Is(err, fs.ErrNotExist) {
			continue // released meanwhile
		}
		if err != nil {
			return nil, fmt.Errorf("lock: %w", err)
		}
		stale := holder > 0 && !processAlive(holder)
		if holder == 0 {
			if seen == nil || !sameFile(seen, fi) {
				seen, waited = fi, 0
			}
			stale = waited >= grace
		}
		if stale {
			removed, err := takeOver(path, fi)
			if err != nil {
				return nil, fmt.Errorf("lock: taking over the stale lock %s (remove it if no configsync is running): %w", path, err)
			}
			if removed {
				seen = nil
				continue
			}
		}
		if ctx.Err() != nil {
			return nil, &LockedError{Path: path, PID: holder}
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, &LockedError{Path: path, PID: holder}
		case <-t.C:
		}
		waited += delay
		delay = min(2*delay, pollMax)
	}
}

// create makes the lock file holding pid; false if it exists.
func create(path string, pid int) (bool, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	_, err = fmt.Fprintf(f, "%d\n", pid)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return false, err
	}
	return true, nil
}

// inspect returns the lock file's info and pid (0 if it holds none).
func inspect(path string) (os.FileInfo, int, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, 0, err
	}
	buf := make([]byte, 32)
	n, _ := f.Read(buf)
	pid, err := strconv.Atoi(strings.TrimSpace(string(buf[:n])))
	if err != nil || pid <= 0 {
		pid = 0
	}
	return fi, pid, nil
}

// sameFile reports whether a and b are the same unchanged file.
func sameFile(a, b os.FileInfo) bool {
	return os.SameFile(a, b) && a.Size() == b.Size() && a.ModTime().Equal(b.ModTime())
}

// takeOver removes the stale lock file judged from fi, under a guard that
// serialises takers, after checking that the file is still that stale one.
// It reports whether it removed it.
func takeOver(path string, fi os.FileInfo) (removed bool, err error) {
	err = withGuard(filepath.Dir(path), func() error {
		now, holder, err := inspect(path)
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		if !sameFile(fi, now) || holder > 0 && processAlive(holder) {
			return nil // replaced meanwhile: look again
		}
		if err := os.Remove(path); err != nil {
			return err
		}
		removed = true
		return nil
	})
	return removed, err
}

func unlocker(path string, pid int) func() error {
	done := false
	return func() error {
		if done {
			return nil
		}
		done = true
		_, holder, err := inspect(path)
		if errors.Is(err, fs.ErrNotExist) || err == nil && holder != pid {
			return nil // taken over: not ours to remove
		}
		if err != nil {
			return fmt.Errorf("unlock: %w", err)
		}
		if err := os.Remove(path); err != nil {
			return fmt.Errorf("unlock: %w", err)
		}
		return nil
	}
}
