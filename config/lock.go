package config

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/configsync/configsync/internal/rofile"
)

// ErrLocked is matched (errors.Is) by a [*LockedError].
var ErrLocked = errors.New("locked by another configsync")

// LockedError is returned by [Lock] when another live process holds the
// lock until the context is done.
type LockedError struct {
	Path string // the lock file
	PID  int    // the holder's pid; 0 when the lock file does not hold one yet
	// Holder describes the holder ("pid 12, started 17:58:02 on host h").
	Holder Holder
}

// Error implements error.
func (e *LockedError) Error() string {
	if e.PID == 0 {
		return fmt.Sprintf("%s is held by another configsync", e.Path)
	}
	return fmt.Sprintf("%s is held by another configsync (%s)", e.Path, e.Holder)
}

// Holder is what a lock file says about the process that holds it: its
// pid, its start time as the system counts it (on Linux, field 22 of
// /proc/PID/stat), so that a pid reused by another process is told apart,
// and the host it runs on.
type Holder struct {
	PID     int
	Start   string    // "" when unknown (an older configsync, or no /proc)
	Host    string    // "" when unknown
	Started time.Time // when it started, for messages; zero when unknown
	written time.Time // the lock file's modification time
}

// String describes the holder for messages.
func (h Holder) String() string {
	s := fmt.Sprintf("pid %d", h.PID)
	if !h.Started.IsZero() {
		s += ", started " + h.Started.Local().Format("2006-01-02 15:04:05")
	}
	if h.Host != "" && h.Host != hostname() {
		s += " on host " + h.Host
	}
	return s
}

// reused reports whether h's pid now belongs to another process than the
// one that wrote the lock: its start time differs from the one recorded,
// or (a lock with none recorded) it started after the lock was written.
// A holder on another host cannot be checked and is never judged reused.
func (h Holder) reused() bool {
	if h.Host != "" && h.Host != hostname() {
		return false
	}
	now, ok := processStart(h.PID)
	if !ok {
		return false
	}
	if h.Start != "" {
		return now != h.Start
	}
	started, ok := startTime(now)
	return ok && started.After(h.written.Add(2*time.Second))
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
	return lock(ctx, path, garbageGrace, nil)
}

// LockNotify is [Lock] that calls waiting once, with the holder, when it
// finds the lock held by a live process and starts to wait for it.
func LockNotify(ctx context.Context, path string, waiting func(Holder)) (unlock func() error, err error) {
	return lock(ctx, path, garbageGrace, waiting)
}

func lock(ctx context.Context, path string, grace time.Duration, waiting func(Holder)) (func() error, error) {
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
		fi, h, err := inspect(path)
		if errors.Is(err, fs.ErrNotExist) {
			continue // released meanwhile
		}
		if err != nil {
			return nil, fmt.Errorf("lock: %w", err)
		}
		holder := h.PID
		stale := holder > 0 && (!processAlive(holder) || h.reused())
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
			return nil, &LockedError{Path: path, PID: holder, Holder: h}
		}
		if waiting != nil && holder > 0 && !stale {
			waiting(h)
			waiting = nil // once
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, &LockedError{Path: path, PID: holder, Holder: h}
		case <-t.C:
		}
		waited += delay
		delay = min(2*delay, pollMax)
	}
}

// create makes the lock file holding pid, the process's start time and
// the host (one "key value" line each after the pid); false if it exists.
func create(path string, pid int) (bool, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	content := fmt.Sprintf("%d\n", pid)
	if start, ok := processStart(pid); ok {
		content += "start " + start + "\n"
	}
	if host := hostname(); host != "" {
		content += "host " + host + "\n"
	}
	_, err = f.WriteString(content)
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

// inspect returns the lock file's info and holder (pid 0 if it names
// none). The first line is the pid (all an older configsync wrote).
func inspect(path string) (os.FileInfo, Holder, error) {
	f, err := rofile.Open(path)
	if err != nil {
		return nil, Holder{}, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, Holder{}, err
	}
	buf := make([]byte, 512)
	n, _ := io.ReadFull(f, buf)
	lines := strings.Split(string(buf[:n]), "\n")
	h := Holder{written: fi.ModTime()}
	if pid, err := strconv.Atoi(strings.TrimSpace(lines[0])); err == nil && pid > 0 {
		h.PID = pid
	}
	for _, l := range lines[1:] {
		k, val, _ := strings.Cut(strings.TrimSpace(l), " ")
		switch k {
		case "start":
			h.Start = val
		case "host":
			h.Host = val
		}
	}
	if h.PID > 0 && (h.Host == "" || h.Host == hostname()) {
		if now, ok := processStart(h.PID); ok && (h.Start == "" || h.Start == now) {
			h.Started, _ = startTime(now)
		}
	}
	return fi, h, nil
}

// hostname is this machine's name, "" if unknown.
func hostname() string {
	h, err := os.Hostname()
	if err != nil {
		return ""
	}
	return h
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
		now, h, err := inspect(path)
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		if !sameFile(fi, now) || h.PID > 0 && processAlive(h.PID) && !h.reused() {
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
		_, h, err := inspect(path)
		if errors.Is(err, fs.ErrNotExist) || err == nil && h.PID != pid {
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
