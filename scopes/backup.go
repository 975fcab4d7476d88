package scopes

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/configsync/configsync/config"
	"github.com/configsync/configsync/internal/rofile"
)

// Backup is a copy of a local file kept before configsync replaced it.
type Backup struct {
	ID      string    `json:"id"` // "20261201T175826Z-1": when, never what
	Path    string    `json:"path"`
	Display string    `json:"display"`
	Time    time.Time `json:"time"`
	Reason  string    `json:"reason"` // "pull --force", "pull: merged", ...
	Size    int       `json:"size"`
}

// NoBackupError is restore-backup of an ID or path with no backup.
type NoBackupError struct{ Which string }

func (e *NoBackupError) Error() string {
	if e.Which == "" {
		return "no backup kept yet"
	}
	return fmt.Sprintf("no backup %s", e.Which)
}

// backup keeps data, the local content of abs, before pull replaces it.
// The ID says only when: names of files and logs never hold values.
func (lc *local) backup(abs, display, reason string, data []byte) (Backup, error) {
	dir := lc.home().Backups()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return Backup{}, err
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return Backup{}, err
	}
	now := lc.opts.Now().UTC()
	b := Backup{Path: abs, Display: display, Time: now, Reason: reason, Size: len(data)}
	for n := 1; ; n++ {
		b.ID = now.Format("20060102T150405Z") + "-" + strconv.Itoa(n)
		if _, err := os.Lstat(filepath.Join(dir, b.ID+".json")); errors.Is(err, fs.ErrNotExist) {
			break
		}
	}
	meta, err := json.MarshalIndent(b, "", " ")
	if err != nil {
		return Backup{}, err
	}
	// The content first: metadata names only a backup that exists.
	if err := config.WriteFileAtomic(filepath.Join(dir, b.ID), data); err != nil {
		return Backup{}, err
	}
	return b, config.WriteFileAtomic(filepath.Join(dir, b.ID+".json"), meta)
}

// Backups lists the backups kept, oldest first.
func (v *Session) Backups() ([]Backup, error) {
	dir := v.home().Backups()
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []Backup
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".json") || strings.Contains(e.Name(), config.TempMarker) {
			continue
		}
		data, err := rofile.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		var b Backup
		if err := json.Unmarshal(data, &b); err != nil || b.ID+".json" != e.Name() {
			continue // not one of ours
		}
		out = append(out, b)
	}
	slices.SortFunc(out, func(a, b Backup) int {
		if c := a.Time.Compare(b.Time); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, nil
}

// RestoreBackup writes a backup back where it was (atomically, 0600):
// which is its ID, or a file's path for that file's latest backup, or ""
// for the latest of all. What the file holds then, if different, is kept
// in a backup first (returned as saved).
func (v *Session) RestoreBackup(ctx context.Context, which string) (restored Backup, saved *Backup, err error) {
	unlock, err := v.lock(ctx)
	if err != nil {
		return Backup{}, nil, err
	}
	defer unlock()
	all, err := v.Backups()
	if err != nil {
		return Backup{}, nil, err
	}
	b, ok := pickBackup(all, which)
	if !ok {
		return Backup{}, nil, &NoBackupError{Which: which}
	}
	data, err := rofile.ReadFile(filepath.Join(v.home().Backups(), b.ID))
	if err != nil {
		return Backup{}, nil, err
	}
	defer clear(data)
	current, err := rofile.ReadFile(b.Path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return Backup{}, nil, err
	}
	if err == nil && !bytes.Equal(current, data) {
		s, err := v.backup(b.Path, b.Display, "restore-backup "+b.ID, current)
		if err != nil {
			return Backup{}, nil, err
		}
		saved = &s
	}
	clear(current)
	if err := os.MkdirAll(filepath.Dir(b.Path), 0o700); err != nil {
		return Backup{}, nil, err
	}
	if err := config.WriteFileAtomic(b.Path, data); err != nil {
		return Backup{}, nil, &ItemError{Path: b.Display, Err: err}
	}
	return b, saved, nil
}

// pickBackup finds which among all (oldest first): an ID, else the
// latest backup of a path, else with "" the latest of all.
func pickBackup(all []Backup, which string) (Backup, bool) {
	if len(all) == 0 {
		return Backup{}, false
	}
	if which == "" {
		return all[len(all)-1], true
	}
	for _, b := range all {
		if b.ID == which {
			return b, true
		}
	}
	abs, err := filepath.Abs(which)
	if err != nil {
		return Backup{}, false
	}
	for i := len(all) - 1; i >= 0; i-- {
		if all[i].Path == abs {
			return all[i], true
		}
	}
	return Backup{}, false
}
