package scopes

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/configsync/configsync/envfile"
)

// PullOptions select what pull restores and where.
type PullOptions struct {
	Env     string
	Project string
	Filter  string
	Dest    string // restore into this directory instead of the project's
	Force   bool   // take the store's version of everything (edits backed up)
	// Ours and Theirs settle what both sides changed since the last sync:
	// per key in env items, the whole file otherwise, and a tracked file
	// deleted in the store (Ours keeps it for push to put back).
	Ours, Theirs bool
	// Choose, on a terminal, settles the keys of one file both sides
	// changed; keys it leaves out refuse the pull. Nil without one.
	Choose func(display string, conflicts []KeyConflict) map[string]Side
	// Yes restores file items this machine never had; without it Confirm
	// (a terminal prompt, nil without one) is asked with their paths.
	Yes     bool
	Confirm func(files []string) bool
}

// SkippedProject is a project pull could not place on this machine.
type SkippedProject struct {
	Project string
	Dir     string // the home-relative directory it was pushed from
	Items   int
	// Refused says why pull never writes to Dir ("the home directory", "a
	// hidden directory"); "" when Dir is only missing here.
	Refused string
}

// PullResult reports a pull.
type PullResult struct {
	Env   Environment
	Items []ItemResult // written: restored or updated
	// Unchanged are the items whose file already held exactly the
	// store's contents: not rewritten, not counted as restored.
	Unchanged []ItemResult
	Skipped   []SkippedProject
	// Hidden are items under a hidden directory (.git, .ssh), never
	// written; NewFiles are file items this machine never had, not
	// restored without Yes or a confirmation. Both as shown.
	Hidden   []string
	NewFiles []string
	Stale    *Stale // set when the remote was unreachable
	// Provider names the vault that held the items' contents (`1Password
	// vault "Engineering"`); "" when they were all in the store.
	Provider string
	// InjectOnly are the projects whose env items were not written: they
	// are in inject_as_env mode here (DESIGN.md §5b).
	InjectOnly []InjectOnly
	// Kept are local files kept as they are, with changes push sends
	// (merged with the store's, or chosen with Ours).
	Kept []ItemResult
	// Removed are tracked files whose item was deleted in the store.
	Removed []ItemResult
	// Backups are the local versions kept before pull replaced them.
	Backups []Backup
}

type restore struct {
	it      storedItem
	abs     string
	display string
	data    []byte // what the file holds after pull
	write   bool
	doc     *docState // the provider document data came from
	// stored is the store's content when data is not (a merge, or the
	// local file kept): what the sync state records as last synced.
	stored []byte
	merged bool   // data merges the local edit with the store's change
	kept   bool   // the local file is kept as it is (push sends it)
	backup []byte // the local edit overwritten: kept in a backup first
}

// Pull fetches, verifies and decrypts the environment's items and
// restores them as files (mode 0600, atomically). A local edit is merged
// with the store's change, key by key, from the version last synced;
// what both sides changed needs Ours, Theirs, Force or Choose, else
// nothing is written. A tracked file whose item another member deleted
// is removed. Whatever local edit pull overwrites is kept in a backup.
func (v *Session) Pull(ctx context.Context, o PullOptions) (*PullResult, error) {
	if err := ValidateFilter(o.Filter); err != nil {
		return nil, err
	}
	envName, err := v.activeEnv(o.Env)
	if err != nil {
		return nil, err
	}
	unlock, err := v.lock(ctx)
	if err != nil {
		return nil, err
	}
	defer unlock()
	snap, stale, err := v.loadSyncedOrLocal(ctx)
	if err != nil {
		return nil, err
	}
	ea, err := v.access(snap, envName)
	if err != nil {
		return nil, err
	}
	p := &pullPlan{envAccess: ea, o: o, res: &PullResult{Env: ea.env, Stale: stale}}
	if err := p.make(ctx); err != nil {
		return nil, err
	}
	if err := p.write(); err != nil {
		return nil, err
	}
	if err := p.record(); err != nil {
		return nil, err
	}
	res := p.res
	v.recordLeaks(ea.env.Name, append(append(res.Items, res.Unchanged...), res.Removed...))
	return res, nil
}

// pullPlan is one pull against one snapshot, the way pushAttempt is one
// push: make decides everything and refuses before anything is written,
// write writes the files, record notes what was synced.
type pullPlan struct {
	*envAccess
	st  *syncState
	o   PullOptions
	res *PullResult

	dirs      map[string]place
	plan      []*restore  // items to restore, with the confirmed new files
	fresh     []*restore  // file items never on this machine
	edits     []KeyChange // local edits, the store unchanged: push sends them
	conflicts []KeyChange // changed on both sides, unresolved
	removals  []*removal  // tracked files whose item was deleted
}

// make plans the pull: the removals, then each item restored, merged,
// kept or refused. A conflict or an unsent local edit refuses the whole
// pull here.
func (p *pullPlan) make(ctx context.Context) error {
	env, o := p.env, p.o
	all, err := p.snap.storedItems(env.Name, "", "")
	if err != nil {
		return err
	}
	stored, err := p.snap.storedItems(env.Name, o.Project, o.Filter)
	if err != nil {
		return err
	}
	if len(stored) == 0 && o.Project != "" && !slices.ContainsFunc(all, func(s storedItem) bool { return s.Project == o.Project }) {
		if p.projectDirOf(o.Project) == "" {
			return &UnknownProjectError{Name: o.Project, Env: env.Name, Available: projectsOf(all)}
		}
	}
	if p.st, err = p.loadState(); err != nil {
		return err
	}
	removals, gone, err := p.planRemovals(p.st, env, all, o)
	if err != nil {
		return err
	}
	p.removals = removals
	if stored, p.res.InjectOnly, err = p.skipInjectOnly(stored, o.Dest); err != nil {
		return err
	}
	if len(stored) > 0 {
		if err := p.restores(ctx, stored); err != nil {
			return err
		}
	}
	if conflicts := append(p.conflicts, gone...); len(conflicts) > 0 {
		return &PullConflictError{Files: conflicts}
	}
	if len(p.edits) > 0 {
		return &LocalChangesError{Files: p.edits}
	}
	p.plan = append(p.plan, confirmNew(o, p.fresh, p.res)...)
	return nil
}

// write keeps backups of what it replaces, then writes the files. Each
// write is atomic and fsynced (temp file, fsync, rename); several run at
// once so that the fsyncs overlap.
func (p *pullPlan) write() error {
	if err := p.keepBackups(p.plan, p.removals, p.res); err != nil {
		return err
	}
	p.removeStaleTemps(p.plan, p.dirs)
	return parallel(len(p.plan), writeWorkers, func(i int) error {
		r := p.plan[i]
		if !r.write {
			return nil
		}
		if err := writeTarget(p.dirs[r.it.Project].Dir, r.it.Path, r.data); err != nil {
			return &ItemError{Path: r.display, Err: err}
		}
		return nil
	})
}

// record notes what this machine now holds in the sync state and the
// result, removes the files deleted in the store, and tracks the
// projects restored.
func (p *pullPlan) record() error {
	env, st, res := p.env, p.st, p.res
	for _, r := range p.plan {
		stored := r.data
		if r.stored != nil {
			stored = r.stored
		}
		st.record(r.abs, env, r.it.Project, r.it.Path, r.it.Blob.String(), st.mac(stored), r.doc)
		item := ItemResult{Project: r.it.Project, Path: r.it.Path, Display: r.display, Type: r.it.Type, Size: len(r.data), Merged: r.merged}
		if r.it.Type == TypeEnv {
			if f, err := envfile.Parse(r.display, r.data); err == nil {
				item.Vars, item.File = f.Len(), f
			}
		}
		switch {
		case r.kept:
			res.Kept = append(res.Kept, item)
		case r.write:
			res.Items = append(res.Items, item)
		default:
			res.Unchanged = append(res.Unchanged, item)
		}
	}
	if err := p.removeDeleted(st, env.Name, p.removals, res); err != nil {
		return err
	}
	if err := p.trackRestored(p.dirs, p.plan); err != nil {
		return err
	}
	return p.saveState(st)
}

// restores decrypts the items and decides, for each, what pull writes,
// merges, keeps, or refuses. Nothing is written here.
func (p *pullPlan) restores(ctx context.Context, stored []storedItem) error {
	dirs, skipped, err := p.placeProjects(p.env.Name, stored, p.o.Dest)
	if err != nil {
		return err
	}
	p.dirs, p.res.Skipped = dirs, skipped
	if _, err := p.unwrap(); err != nil {
		return err
	}
	placed, plains, docs, err := p.openPlaced(ctx, stored)
	if err != nil {
		return err
	}
	for i, s := range placed {
		dir := dirs[s.Project].Dir
		abs := filepath.Join(dir, filepath.FromSlash(s.Path))
		display := p.display(dir, s.Path)
		r := &restore{it: s, abs: abs, display: display, data: plains[i], write: true, doc: docs[i]}
		if p.landing(p.st, dir, s, true) == landHidden {
			p.res.Hidden = append(p.res.Hidden, display)
			continue
		}
		current, err := readTarget(dir, s.Path, display, homeRelative(p.opts.UserHome, dir))
		if err != nil {
			return err
		}
		if p.landing(p.st, dir, s, current != nil) == landNewFile {
			p.fresh = append(p.fresh, r)
			continue
		}
		p.plan = append(p.plan, r)
		if current == nil {
			continue
		}
		if bytes.Equal(current, r.data) {
			r.write = false
			continue
		}
		if rec := p.st.Files[abs]; rec != nil && rec.HMAC == p.st.mac(current) {
			continue // not edited since configsync last wrote or pushed it
		}
		if err := p.settle(ctx, r, current); err != nil {
			return err
		}
	}
	return nil
}

// openPlaced decrypts the items of the projects that have a place here,
// and reads provider items from their provider: their contents, and
// where provider items came from. Decrypt and compare everything first;
// write only if nothing refuses. Blobs are read one at a time (go-git's
// storage is not safe for concurrent readers), then decrypted on every
// core.
func (p *pullPlan) openPlaced(ctx context.Context, stored []storedItem) ([]storedItem, [][]byte, []*docState, error) {
	var placed []storedItem
	var cts [][]byte
	for _, s := range stored {
		if _, ok := p.dirs[s.Project]; !ok {
			continue
		}
		ct, err := p.store.ReadBlob(ctx, s.Blob)
		if err != nil {
			return nil, nil, nil, err
		}
		placed, cts = append(placed, s), append(cts, ct)
	}
	plains := make([][]byte, len(placed))
	docs := make([]*docState, len(placed))
	if err := onCores(len(placed), func(i int) (err error) {
		if plains[i], err = p.openItem(placed[i], cts[i]); err != nil {
			return err
		}
		if isPointer(plains[i]) {
			if pt, err := decodePointer(plains[i]); err == nil {
				docs[i] = pt.state()
			}
		}
		plains[i], err = p.providers.resolve(ctx, p.env.Name, placed[i], plains[i])
		return err
	}); err != nil {
		return nil, nil, nil, err
	}
	for _, d := range docs {
		if d != nil {
			p.res.Provider = p.providers.vaultName(d)
		}
	}
	return placed, plains, docs, nil
}

// settle decides what pull does with a file edited here since the last
// sync that the store's version would replace: take the store's (the
// edit backed up), keep it, merge it, or refuse (added to p).
func (p *pullPlan) settle(ctx context.Context, r *restore, current []byte) error {
	o := p.o
	last, synced := p.st.Files[r.abs].lastSync(p.env.Name)
	theirs := r.data
	switch {
	case o.Force || o.Theirs:
		r.backup = current
		return nil
	case synced && last.Blob == r.it.Blob.String():
		// Only this side changed: push sends it.
		if o.Ours {
			r.write, r.kept, r.stored = false, true, theirs
			r.data = current
			return nil
		}
		p.edits = append(p.edits, KeyChange{Path: r.display, Keys: keyNames(changedKeys(r.it.Type, theirs, current))})
		return nil
	}
	conflict := KeyChange{Path: r.display, Keys: keyNames(changedKeys(r.it.Type, theirs, current))}
	if r.it.Type == TypeEnv && synced {
		base, err := p.readBase(ctx, last.Blob)
		if err != nil {
			return &ItemError{Path: r.display, Err: err}
		}
		if base != nil {
			defer clear(base)
			merged, unresolved, err := mergeEnv(base, current, theirs, o.chooser(r.display))
			switch {
			case errors.Is(err, envfile.ErrUnmergeable):
			case err != nil:
				return &ItemError{Path: r.display, Err: err}
			case unresolved != nil:
				conflict.Keys = unresolved
			default:
				r.data, r.stored, r.merged = merged, theirs, !bytes.Equal(merged, theirs)
				r.write = !bytes.Equal(merged, current)
				r.kept = !r.write
				if r.write {
					r.backup = current
				}
				return nil
			}
		}
	}
	// A file item, or no version to merge from: the whole file is one
	// side's or the other's.
	if o.Ours {
		r.write, r.kept, r.stored, r.data = false, true, theirs, current
		return nil
	}
	p.conflicts = append(p.conflicts, conflict)
	return nil
}

// chooser settles the keys both sides changed: all ours with Ours, else
// as Choose answers (a terminal), else none.
func (o PullOptions) chooser(display string) func([]KeyConflict) map[string]Side {
	switch {
	case o.Ours:
		return func(cs []KeyConflict) map[string]Side {
			m := map[string]Side{}
			for _, c := range cs {
				m[c.Key] = SideOurs
			}
			return m
		}
	case o.Choose != nil:
		return func(cs []KeyConflict) map[string]Side { return o.Choose(display, cs) }
	}
	return nil
}

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

// readFile is the content of path, nil if there is none.
func readFile(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	return data, err
}

// placeProjects decides where each project's items go on this machine:
// --dest, else the tracked directory, else the directory it was pushed
// from if it exists here; other projects are skipped. A recorded
// directory is checked before use.
func (lc *local) placeProjects(env string, stored []storedItem, dest string) (map[string]place, []SkippedProject, error) {
	var projects []string
	recDir := map[string]string{}
	count := map[string]int{}
	for _, s := range stored {
		if !slices.Contains(projects, s.Project) {
			projects = append(projects, s.Project)
		}
		recDir[s.Project] = s.Dir
		count[s.Project]++
	}
	dirs := map[string]place{}
	if dest != "" {
		if len(projects) > 1 {
			return nil, nil, fmt.Errorf("--dest needs --project: the environment holds %d projects", len(projects))
		}
		abs, err := filepath.Abs(dest)
		if err != nil {
			return nil, nil, err
		}
		dirs[projects[0]] = place{Dir: abs}
		return dirs, nil, nil
	}
	var skipped []SkippedProject
	for _, p := range projects {
		if lc.projectDirOf(p) == "" {
			if err := ValidateProjectDir(recDir[p]); err != nil {
				return nil, nil, &StoreEntryError{Entry: projectDir(env, p) + "/" + projectFile, Project: p, Field: "dir", Err: err}
			}
		}
		pl, refused, ok := lc.placeProject(p, recDir[p])
		if ok {
			dirs[p] = pl
			continue
		}
		skipped = append(skipped, SkippedProject{Project: p, Dir: recDir[p], Items: count[p], Refused: refused})
	}
	return dirs, skipped, nil
}

// writeWorkers is how many files pull writes at once: the work is mostly
// waiting for fsync, so more than the number of cores.
const writeWorkers = 32
