package scopes

import (
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/configsync/configsync/config"
)

// processStart is when this configsync started. A temp file last
// modified before it was not written by this process; one pull holds the
// machine lock and writes each temp file within moments, so such a file
// is a leftover of a configsync that was killed.
var processStart = time.Now()

// stalePackAge: a store's temp pack older than this is a killed fetch's
// (a fetch writing one holds the machine lock, as pull does now).
const stalePackAge = time.Hour

// staleTarget reports whether name, in a directory where pull writes the
// item files bases, is a temp file a killed configsync left there: ours
// (NAME.tmp-configsync-*) or an older version's (.NAME.tmp-*).
func staleTarget(name string, bases map[string]bool) bool {
	if base, _, ok := strings.Cut(name, config.TempMarker); ok && base != "" {
		return true
	}
	rest, ok := strings.CutPrefix(name, ".")
	if !ok {
		return false
	}
	i := strings.LastIndex(rest, ".tmp-")
	return i > 0 && bases[rest[:i]]
}

// removeStaleTemps removes, best effort, what killed configsync runs left
// where this pull is about to write: plaintext temp files beside the
// items, temp files in $CONFIGSYNC_HOME and the store's temp packs. Only
// files older than this process go.
func (ma *machine) removeStaleTemps(plan []*restore, dirs map[string]place) {
	config.RemoveStaleTemps(ma.opts.Home, processStart)
	if ma.store != nil && !ma.ephemeral && ma.cfg.Store.Repo == "" {
		ma.store.RemoveStaleTempPacks(ma.opts.Now().Add(-stalePackAge))
	}
	bases := map[[2]string]map[string]bool{} // project dir, parent -> item names
	for _, r := range plan {
		rel := filepath.FromSlash(r.it.Path)
		key := [2]string{dirs[r.it.Project].Dir, filepath.Dir(rel)}
		if bases[key] == nil {
			bases[key] = map[string]bool{}
		}
		bases[key][filepath.Base(rel)] = true
	}
	for key, names := range bases {
		removeStaleIn(key[0], key[1], names)
	}
}

// removeStaleIn removes stale temp files from parent inside dir, through
// os.Root like every write of pull.
func removeStaleIn(dir, parent string, bases map[string]bool) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return
	}
	defer root.Close()
	d, err := root.Open(parent)
	if err != nil {
		return
	}
	entries, err := d.ReadDir(-1)
	d.Close()
	if err != nil {
		return
	}
	for _, e := range entries {
		if !e.Type().IsRegular() || !staleTarget(e.Name(), bases) {
			continue
		}
		if fi, err := e.Info(); err == nil && fi.ModTime().Before(processStart) {
			root.Remove(filepath.Join(parent, e.Name()))
		}
	}
}
