package scopes

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"

	"github.com/configsync/configsync/internal/rofile"
)

// PullOptions select what pull restores and where.
type PullOptions struct {
	Env     string
	Project string
	Filter  ItemType
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

// Pull fetches, verifies and decrypts the environment's items and
// restores them as files (mode 0600, atomically). A local edit is merged
// with the store's change, key by key, from the version last synced;
// what both sides changed needs Ours, Theirs, Force or Choose, else
// nothing is written. A tracked file whose item another member deleted
// is removed. Whatever local edit pull overwrites is kept in a backup.
func (v *Session) Pull(ctx context.Context, o PullOptions) (*PullResult, error) {
	envName, unlock, err := v.lockForItems(ctx, o.Filter, o.Env)
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

// readFile is the content of path, nil if there is none.
func readFile(path string) ([]byte, error) {
	data, err := rofile.ReadFile(path)
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
