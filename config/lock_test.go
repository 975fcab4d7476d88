package config

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

func deadPID(t *testing.T) int {
	t.Helper()
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Skipf("cannot run true: %v", err)
	}
	return cmd.Process.Pid
}

func readPID(t *testing.T, path string) int {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	first, _, _ := strings.Cut(string(data), "\n")
	pid, err := strconv.Atoi(first)
	if err != nil {
		t.Fatalf("lock file holds %q", data)
	}
	return pid
}

func TestLockUnlock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "home", "lock")
	unlock, err := Lock(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode() != 0o600 {
		t.Errorf("lock file mode %v, want 0600", fi.Mode())
	}
	if pid := readPID(t, path); pid != os.Getpid() {
		t.Errorf("lock file holds pid %d, want %d", pid, os.Getpid())
	}
	if err := unlock(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("unlock left the lock file (stat: %v)", err)
	}
	if err := unlock(); err != nil {
		t.Errorf("second unlock: %v", err)
	}
}

func TestLockHeldWaitsForContext(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lock")
	unlock, err := Lock(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()

	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err = Lock(ctx, path)
	var le *LockedError
	if !errors.Is(err, ErrLocked) || !errors.As(err, &le) || le.PID != os.Getpid() || le.Path != path {
		t.Fatalf("second Lock = %v, want *LockedError{PID: %d}", err, os.Getpid())
	}
	if ctx.Err() == nil {
		t.Error("second Lock returned before its context was done")
	}
}

func TestLockWaitsForRelease(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lock")
	unlock, err := Lock(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan error, 1)
	go func() {
		unlock2, err := Lock(context.Background(), path)
		if err == nil {
			err = unlock2()
		}
		got <- err
	}()
	if err := unlock(); err != nil {
		t.Fatal(err)
	}
	if err := <-got; err != nil {
		t.Fatalf("waiting Lock: %v", err)
	}
}

func TestLockTakesOverStale(t *testing.T) {
	tests := []struct {
		name    string
		content string
	}{
		{"dead pid", strconv.Itoa(deadPID(t)) + "\n"},
		{"empty", ""},
		{"garbage", "not a pid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "lock")
			if err := os.WriteFile(path, []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			unlock, err := lock(ctx, path, time.Millisecond, nil)
			if err != nil {
				t.Fatalf("Lock over a stale lock: %v", err)
			}
			defer unlock()
			if pid := readPID(t, path); pid != os.Getpid() {
				t.Errorf("lock file holds pid %d, want ours", pid)
			}
		})
	}
}

func TestLockGarbageWithinGraceIsHeld(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lock")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := lock(ctx, path, time.Hour, nil)
	var le *LockedError
	if !errors.As(err, &le) || le.PID != 0 {
		t.Fatalf("Lock over a fresh pid-less lock = %v, want *LockedError{PID: 0}", err)
	}
}

func TestLockStaleTakeoverHasOneWinner(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lock")
	if err := os.WriteFile(path, []byte(strconv.Itoa(deadPID(t))), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		winners int
	)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := Lock(ctx, path) // the winner keeps the lock until the test ends
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				winners++
			case !errors.Is(err, ErrLocked):
				t.Errorf("Lock: %v", err)
			}
		}()
	}
	wg.Wait()
	if winners != 1 {
		t.Errorf("%d takers won the stale lock, want 1", winners)
	}
}

// A lock naming a live pid that another process now has (its start time
// differs from the one recorded, or it started after the lock was
// written) is stale; the process that wrote it is live only if both match.
func TestLockPIDReused(t *testing.T) {
	start, ok := processStart(os.Getpid())
	if !ok {
		t.Skip("no process start times on this system")
	}
	pid := strconv.Itoa(os.Getpid())
	host := hostname()
	old := time.Now().Add(-time.Hour)
	tests := []struct {
		name    string
		content string
		mtime   time.Time
		stale   bool
	}{
		{"same start", pid + "\nstart " + start + "\nhost " + host + "\n", time.Time{}, false},
		{"other start", pid + "\nstart 1\nhost " + host + "\n", time.Time{}, true},
		{"other host", pid + "\nstart 1\nhost not-" + host + "\n", time.Time{}, false},
		{"pid only, written after start", pid + "\n", time.Time{}, false},
		{"pid only, written before start", pid + "\n", old.Add(-240 * time.Hour), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "lock")
			if err := os.WriteFile(path, []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			if !tt.mtime.IsZero() {
				if err := os.Chtimes(path, tt.mtime, tt.mtime); err != nil {
					t.Fatal(err)
				}
			}
			var waited []Holder
			ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			defer cancel()
			unlock, err := lock(ctx, path, time.Hour, func(h Holder) { waited = append(waited, h) })
			if tt.stale {
				if err != nil {
					t.Fatalf("lock over a reused pid: %v", err)
				}
				unlock()
				if len(waited) != 0 {
					t.Errorf("waited for %v", waited)
				}
				return
			}
			var le *LockedError
			if !errors.As(err, &le) || le.PID != os.Getpid() {
				t.Fatalf("lock = %v, want held by us", err)
			}
			if len(waited) != 1 || waited[0].PID != os.Getpid() {
				t.Errorf("waiting called with %v, want once with our pid", waited)
			}
		})
	}
}
