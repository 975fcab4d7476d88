package config

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// TempMarker is in the name of every temp file configsync writes: the
// file's own name, TempMarker, then random characters (".env" ->
// ".env.tmp-configsync-1x2y3z"). Beginning with the file's own name, a
// temp file matches the same ignore patterns (.env*) and pre-commit guard
// as the file, and a stale one left by a killed configsync is recognised.
// envfile.TempMarker is the same string (config cannot import envfile).
const TempMarker = ".tmp-configsync-"

// IsTempName reports whether a file name is a configsync temp file, of
// this version or an older one ("." NAME ".tmp-" random).
func IsTempName(name string) bool {
	if strings.Contains(name, TempMarker) {
		return true
	}
	return strings.HasPrefix(name, ".") && strings.Contains(name[1:], ".tmp-")
}

// RemoveStaleTemps removes from dir, best effort, the temp files that a
// configsync killed mid-write left there: regular files named as
// IsTempName says, last modified before before (the start of this
// process, so that no live configsync is writing them). It returns how
// many it removed.
func RemoveStaleTemps(dir string, before time.Time) int {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0
	}
	n := 0
	for _, e := range entries {
		if !e.Type().IsRegular() || !IsTempName(e.Name()) {
			continue
		}
		if fi, err := e.Info(); err != nil || !fi.ModTime().Before(before) {
			continue
		}
		if err := os.Remove(filepath.Join(dir, e.Name())); err == nil || errors.Is(err, fs.ErrNotExist) {
			n++
		}
	}
	return n
}
