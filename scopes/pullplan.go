package scopes

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"slices"

	"github.com/configsync/configsync/envfile"
)

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

// write keeps backups of what it replaces, then writes the files in one
// batch (pullwrite.go): each atomic and fsynced, several at once so that
// the fsyncs overlap, each directory synced once.
func (p *pullPlan) write() error {
	if err := p.keepBackups(p.plan, p.removals, p.res); err != nil {
		return err
	}
	p.removeStaleTemps(p.plan, p.dirs)
	return writeRestored(p.plan, p.dirs)
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
				item.Vars = f.Len()
				item = item.withEnv(r.data)
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
// storage is not safe for concurrent readers), each decrypted on a free
// core while the next is read (readThenOpen).
func (p *pullPlan) openPlaced(ctx context.Context, stored []storedItem) ([]storedItem, [][]byte, []*docState, error) {
	var placed []storedItem
	for _, s := range stored {
		if _, ok := p.dirs[s.Project]; ok {
			placed = append(placed, s)
		}
	}
	plains := make([][]byte, len(placed))
	docs := make([]*docState, len(placed))
	read := func(i int) (ct []byte, err error) { return p.store.ReadBlob(ctx, placed[i].Blob) }
	open := func(i int, ct []byte) (err error) {
		if plains[i], err = p.openItem(placed[i], ct); err != nil {
			return err
		}
		if isPointer(plains[i]) {
			if pt, err := decodePointer(plains[i]); err == nil {
				docs[i] = pt.state()
			}
		}
		plains[i], err = p.providers.resolve(ctx, p.env.Name, placed[i], plains[i])
		return err
	}
	if err := readThenOpen(len(placed), read, open); err != nil {
		return nil, nil, nil, err
	}
	for _, d := range docs {
		if d != nil {
			p.res.Provider = p.providers.providerVault(d)
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
