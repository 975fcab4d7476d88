package scopes

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"

	"github.com/configsync/configsync/config"
	"github.com/configsync/configsync/envfile"
	"github.com/configsync/configsync/gitstore"
)

// ImportItem is one item configsync import pushes: plaintext that came
// from another tool, in memory only.
type ImportItem struct {
	Path string   // slash-separated, relative to the project directory
	Type ItemType // TypeEnv or TypeFile
	Data []byte
}

// ImportOptions say where imported items go.
type ImportOptions struct {
	Env     string // "" for the active environment
	Project string // "" for the directory's configsync.toml or base name
	Dir     string // the project directory the items came from (absolute)
	Items   []ImportItem
	Message string // added to the commit message (never values)
	// Confirm is push's: asked before a protected environment changes.
	Confirm func(env Environment, changes []ItemChange) bool
}

// ImportProject is the project name import uses for dir: given, else
// dir's configsync.toml, else its base name; checked like add's.
func ImportProject(dir, given string) (string, error) { return projectName(dir, given) }

// PlanImport checks the items and lists them (the env items parsed, for
// key names), without reading the store: import's --dry-run.
func PlanImport(o ImportOptions) ([]ItemResult, error) {
	project, err := projectName(o.Dir, o.Project)
	if err != nil {
		return nil, err
	}
	var out []ItemResult
	seen := map[string]bool{}
	for _, it := range o.Items {
		r, _, err := checkImportItem(project, o.Dir, it, seen)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// checkImportItem validates one item's path and, for an env item, its
// grammar, as push would refuse a bad file.
func checkImportItem(project, dir string, it ImportItem, seen map[string]bool) (ItemResult, *envfile.File, error) {
	if err := ValidateItemPath(it.Path); err != nil {
		return ItemResult{}, nil, err
	}
	if seen[it.Path] {
		return ItemResult{}, nil, fmt.Errorf("two files import as %s: import them one at a time", it.Path)
	}
	seen[it.Path] = true
	r := ItemResult{Project: project, Path: it.Path, Display: filepath.Join(dir, filepath.FromSlash(it.Path)), Type: it.Type, Size: len(it.Data)}
	if it.Type != TypeEnv {
		return r, nil, nil
	}
	f, err := envfile.Parse(it.Path, it.Data)
	if err != nil {
		return ItemResult{}, nil, &ItemError{Path: it.Path, Err: err}
	}
	r.Vars = f.Len()
	return r.withEnv(it.Data), f, nil
}

// Import pushes items given in memory to one environment, in one commit,
// the way Push pushes tracked files: protected environments ask Confirm,
// unchanged items are left alone, a lost race is retried on the new
// tip. It tracks nothing and records no sync state: the files on disk
// are still the other tool's (encrypted), and a later push or pull must
// not take them for local edits of these items.
func (v *Session) Import(ctx context.Context, o ImportOptions) (*PushResult, error) {
	envName, err := v.activeEnv(o.Env)
	if err != nil {
		return nil, err
	}
	project, err := projectName(o.Dir, o.Project)
	if err != nil {
		return nil, err
	}
	unlock, err := v.lock(ctx)
	if err != nil {
		return nil, err
	}
	defer unlock()
	for attempt := 1; ; attempt++ {
		res, err := v.importOnce(ctx, o, envName, project)
		if !errors.Is(err, gitstore.ErrNonFastForward) || attempt == maxPushAttempts {
			if err == nil && len(res.Items) > 0 {
				v.recordLeaks(res.Env.Name, res.Items)
			}
			return res, err
		}
		if err := backoff(ctx, attempt); err != nil {
			return nil, err
		}
	}
}

// importOnce is pushOnce for items in memory: the same plan, encryption,
// provider hand-off and commit, against the current tip.
func (sa *storeAccess) importOnce(ctx context.Context, o ImportOptions, envName, project string) (*PushResult, error) {
	ea, err := sa.syncedAccess(ctx, envName)
	if err != nil {
		return nil, err
	}
	snap, m, env := ea.snap, ea.me, ea.env
	stored, err := snap.storedItems(env.Name, project, "")
	if err != nil {
		return nil, err
	}
	a := &pushAttempt{envAccess: ea, res: &PushResult{Env: env}, stored: map[string]storedItem{}}
	for _, s := range stored {
		a.stored[s.Project+"\x00"+s.Path] = s
	}
	seen := map[string]bool{}
	for _, it := range o.Items {
		_, f, err := checkImportItem(project, o.Dir, it, seen)
		if err != nil {
			return nil, err
		}
		p := &pending{
			it:      TrackedItem{Project: project, Dir: o.Dir, Path: it.Path, Type: it.Type},
			display: sa.display(o.Dir, it.Path), data: it.Data, file: f,
		}
		if err := a.planImport(ctx, p); err != nil {
			return nil, err
		}
	}
	res := a.res
	if len(a.todo) == 0 {
		return res, nil
	}
	undo, err := a.seal(ctx, o.Confirm, nil)
	defer func() {
		if res.Commit == "" {
			undo()
		}
	}()
	if err != nil {
		return nil, err
	}
	msg := "configsync import"
	if o.Message != "" {
		msg += ": " + o.Message
	}
	changes, text, err := a.commitContent(msg)
	if err != nil {
		return nil, err
	}
	if err := sa.importRecord(snap, env.Name, project, o.Dir, a.todo, changes); err != nil {
		return nil, err
	}
	h, err := sa.commit(ctx, snap, changes, m, text)
	if err != nil {
		return nil, err
	}
	res.Commit = h.String()
	for _, p := range a.todo {
		r := ItemResult{Project: project, Path: p.it.Path, Display: p.display, Type: p.it.Type, Size: len(p.data), Mode: p.mode}
		if p.file != nil {
			r.Vars = p.file.Len()
		}
		res.Items = append(res.Items, r.withEnv(p.data))
	}
	return res, nil
}

// planImport adds p to the items to write unless the store already
// holds exactly its content; the keys it changes are named for a
// protected environment's confirmation and the commit message.
func (a *pushAttempt) planImport(ctx context.Context, p *pending) error {
	s, inStore := a.stored[p.it.Project+"\x00"+p.it.Path]
	if !inStore {
		p.isNew, p.keys = true, changedKeys(p.it.Type, nil, p.data)
		a.todo = append(a.todo, p)
		return nil
	}
	old, err := a.storeContent(ctx, s)
	if err != nil {
		return err
	}
	if slices.Equal(old, p.data) {
		return nil
	}
	p.keys, p.old = changedKeys(p.it.Type, old, p.data), old
	a.todo = append(a.todo, p)
	return nil
}

// importRecord sets the project record's directory to where the items
// came from when the project is not tracked on this machine (push's
// record takes the tracked directory), so that pull elsewhere finds it.
func (lc *local) importRecord(snap *snapshot, env, project, dir string, todo []*pending, changes []gitstore.Change) error {
	if lc.projectDirOf(project) != "" {
		return nil
	}
	rec, err := snap.projectRecord(env, project)
	if err != nil {
		return err
	}
	rec.Project = project
	rec.Dir = homeRelative(lc.opts.UserHome, dir)
	for _, p := range todo {
		rec.Items[p.it.Path] = p.it.Type
	}
	data, err := config.Marshal(rec)
	if err != nil {
		return err
	}
	path := projectDir(env, project) + "/" + projectFile
	for i := range changes {
		if changes[i].Path == path {
			changes[i].Data = data
		}
	}
	return nil
}
