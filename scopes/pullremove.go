package scopes

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// keepBackups saves every local edit pull is about to overwrite or
// remove, before anything is written.
func (lc *local) keepBackups(plan []*restore, removals []*removal, res *PullResult) error {
	for _, r := range plan {
		if r.backup == nil || !r.write {
			continue
		}
		reason := "pull: the store's version taken"
		if r.merged {
			reason = "pull: merged with the store's changes"
		}
		b, err := lc.backup(r.abs, r.display, reason, r.backup)
		if err != nil {
			return fmt.Errorf("keep a backup of %s: %w", r.display, err)
		}
		res.Backups = append(res.Backups, b)
	}
	for _, d := range removals {
		if !d.remove {
			continue
		}
		b, err := lc.backup(d.abs, d.display, "pull: deleted in the store", d.data)
		if err != nil {
			return fmt.Errorf("keep a backup of %s: %w", d.display, err)
		}
		res.Backups = append(res.Backups, b)
	}
	return nil
}

// removal is a tracked file whose item was deleted in the store since
// this machine last synced it.
type removal struct {
	abs, display string
	it           TrackedItem
	data         []byte // its content; nil if already gone here
	remove       bool   // else it stays (Ours, or gone): push adds it back
}

// planRemovals finds the tracked files whose item another member
// deleted: removed when unchanged since the last sync (or with Force or
// Theirs), kept with Ours; edited ones are returned as conflicts.
func (lc *local) planRemovals(st *syncState, env Environment, all []storedItem, o PullOptions) ([]*removal, []KeyChange, error) {
	if o.Dest != "" {
		return nil, nil, nil // the tracked files are not where pull writes
	}
	items, err := lc.tracked(o.Filter, o.Project)
	if err != nil {
		return nil, nil, err
	}
	inStore := map[string]bool{}
	for _, s := range all {
		inStore[s.Project+"\x00"+s.Path] = true
	}
	var out []*removal
	var conflicts []KeyChange
	for _, it := range items {
		last, synced := st.Files[it.Abs()].deletedSync(env, it.Project, it.Path)
		if inStore[it.Project+"\x00"+it.Path] || !synced {
			continue
		}
		if it.Type == TypeEnv {
			if on, _, err := lc.injectOnly(it.Project, "", ""); on || err != nil {
				continue // pull never writes nor removes them
			}
		}
		d := &removal{abs: it.Abs(), display: lc.display(it.Dir, it.Path), it: it}
		if d.data, err = readFile(d.abs); err != nil {
			return nil, nil, &ItemError{Path: d.display, Err: err}
		}
		switch {
		case d.data == nil:
		case st.mac(d.data) == last.HMAC || o.Force || o.Theirs:
			d.remove = true
		case !o.Ours:
			conflicts = append(conflicts, KeyChange{Path: d.display, Deleted: true})
			continue
		}
		out = append(out, d)
	}
	return out, conflicts, nil
}

// removeDeleted removes the files planRemovals chose and forgets their
// last sync: push then neither deletes again nor refuses what was kept.
func (lc *local) removeDeleted(st *syncState, env string, removals []*removal, res *PullResult) error {
	for _, d := range removals {
		if d.remove {
			if err := os.Remove(d.abs); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return &ItemError{Path: d.display, Err: err}
			}
			res.Removed = append(res.Removed, ItemResult{Project: d.it.Project, Path: d.it.Path, Display: d.display, Type: d.it.Type, Deleted: true})
		}
		clear(d.data)
		if rec := st.Files[d.abs]; rec != nil {
			delete(rec.Envs, env)
			if len(rec.Envs) == 0 {
				delete(st.Files, d.abs)
			}
		}
	}
	return nil
}
