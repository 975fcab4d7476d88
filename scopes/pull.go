package scopes

import (
	"bytes"
	"context"
	"fmt"
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
	Force   bool   // overwrite local edits
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
}

type restore struct {
	it      storedItem
	abs     string
	display string
	data    []byte
	write   bool
	doc     *docState // the provider document data came from
}

// Pull fetches, verifies and decrypts the environment's items and
// restores them as files (mode 0600, atomically). Local edits that were
// never pushed are not overwritten without Force: nothing is written then.
func (v *Vault) Pull(ctx context.Context, o PullOptions) (*PullResult, error) {
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
	id, _, env, err := v.access(snap, envName)
	if err != nil {
		return nil, err
	}
	stored, err := snap.storedItems(env.Name, o.Project, o.Filter)
	if err != nil {
		return nil, err
	}
	res := &PullResult{Env: env, Stale: stale}
	if len(stored) == 0 && o.Project != "" {
		all, err := snap.storedItems(env.Name, "", "")
		if err != nil {
			return nil, err
		}
		if !slices.ContainsFunc(all, func(s storedItem) bool { return s.Project == o.Project }) {
			return nil, &UnknownProjectError{Name: o.Project, Env: env.Name, Available: projectsOf(all)}
		}
	}
	if stored, res.InjectOnly, err = v.skipInjectOnly(stored, o.Dest); err != nil {
		return nil, err
	}
	if len(stored) == 0 {
		return res, nil
	}
	dirs, skipped, err := v.placeProjects(env.Name, stored, o.Dest)
	if err != nil {
		return nil, err
	}
	res.Skipped = skipped
	key, err := v.envKey(snap, env, id)
	if err != nil {
		return nil, err
	}
	st, err := v.loadState()
	if err != nil {
		return nil, err
	}

	// Decrypt and compare everything first; write only if nothing refuses.
	// Blobs are read one at a time (go-git's storage is not safe for
	// concurrent readers), then decrypted on every core.
	var placed []storedItem
	var cts [][]byte
	for _, s := range stored {
		if _, ok := dirs[s.Project]; !ok {
			continue
		}
		ct, err := v.store.ReadBlob(ctx, s.Blob)
		if err != nil {
			return nil, err
		}
		placed, cts = append(placed, s), append(cts, ct)
	}
	plains := make([][]byte, len(placed))
	docs := make([]*docState, len(placed)) // where provider items came from
	if err := onCores(len(placed), func(i int) (err error) {
		if plains[i], err = v.openItem(snap, env, key, placed[i], cts[i]); err != nil {
			return err
		}
		if isPointer(plains[i]) {
			if p, err := decodePointer(plains[i]); err == nil {
				docs[i] = p.state()
			}
		}
		plains[i], err = v.resolve(ctx, env.Name, placed[i], plains[i])
		return err
	}); err != nil {
		return nil, err
	}
	for _, d := range docs {
		if d != nil {
			res.Provider = v.vaultName(d)
		}
	}
	var plan, fresh []*restore
	var edits []KeyChange
	for i, s := range placed {
		dir := dirs[s.Project].Dir
		abs := filepath.Join(dir, filepath.FromSlash(s.Path))
		display := v.display(dir, s.Path)
		data := plains[i]
		r := &restore{it: s, abs: abs, display: display, data: data, write: true, doc: docs[i]}
		if v.landing(st, dir, s, true) == landHidden {
			res.Hidden = append(res.Hidden, display)
			continue
		}
		current, err := readTarget(dir, s.Path, display, homeRelative(v.opts.UserHome, dir))
		if err != nil {
			return nil, err
		}
		if v.landing(st, dir, s, current != nil) == landNewFile {
			fresh = append(fresh, r)
			continue
		}
		plan = append(plan, r)
		if current == nil {
			continue
		}
		if bytes.Equal(current, data) {
			r.write = false
			continue
		}
		rec := st.Files[abs]
		if o.Force || (rec != nil && rec.HMAC == st.mac(current)) {
			continue // not edited since configsync last wrote or pushed it
		}
		edits = append(edits, KeyChange{Path: display, Keys: keyNames(changedKeys(s.Type, data, current))})
	}
	if len(edits) > 0 {
		return nil, &LocalChangesError{Files: edits}
	}
	plan = append(plan, confirmNew(o, fresh, res)...)
	v.removeStaleTemps(plan, dirs)
	// Each write is atomic and fsynced (temp file, fsync, rename); several
	// run at once so that the fsyncs overlap.
	if err := parallel(len(plan), writeWorkers, func(i int) error {
		r := plan[i]
		if !r.write {
			return nil
		}
		if err := writeTarget(dirs[r.it.Project].Dir, r.it.Path, r.data); err != nil {
			return &ItemError{Path: r.display, Err: err}
		}
		return nil
	}); err != nil {
		return nil, err
	}
	for _, r := range plan {
		mac := st.mac(r.data)
		st.record(r.abs, env.Name, r.it.Blob.String(), mac, r.doc)
		item := ItemResult{Project: r.it.Project, Path: r.it.Path, Display: r.display, Type: r.it.Type, Size: len(r.data)}
		if r.it.Type == TypeEnv {
			if f, err := envfile.Parse(r.display, r.data); err == nil {
				item.Vars, item.File = f.Len(), f
			}
		}
		if r.write {
			res.Items = append(res.Items, item)
		} else {
			res.Unchanged = append(res.Unchanged, item)
		}
	}
	if err := v.trackRestored(dirs, plan); err != nil {
		return nil, err
	}
	return res, v.saveState(st)
}

// placeProjects decides where each project's items go on this machine:
// --dest, else the tracked directory, else the directory it was pushed
// from if it exists here; other projects are skipped. A recorded
// directory is checked before use.
func (v *Vault) placeProjects(env string, stored []storedItem, dest string) (map[string]place, []SkippedProject, error) {
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
		if v.projectDirOf(p) == "" {
			if err := ValidateProjectDir(recDir[p]); err != nil {
				return nil, nil, &StoreEntryError{Entry: projectDir(env, p) + "/" + projectFile, Project: p, Field: "dir", Err: err}
			}
		}
		pl, refused, ok := v.placeProject(p, recDir[p])
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
