package scopes

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/configsync/configsync/config"
)

// Where pull writes on this machine (DESIGN §5a). Pull and status both
// decide through these functions, so status predicts exactly what pull
// then does.

// place is where one project's items land on this machine.
type place struct {
	Dir string // absolute project directory
	// Recorded: Dir is the directory the project was pushed from, not
	// tracked here yet; a pull that restores into it tracks it.
	Recorded bool
}

// placeProject is the project's tracked directory on this machine, else
// the home-relative directory it was pushed from when that exists here
// and is a place pull may write to. ok is false when the project has no
// place here; refused then says why its recorded directory is not one
// ("" when it is only missing).
func (lc *local) placeProject(project, recorded string) (p place, refused string, ok bool) {
	if d := lc.projectDirOf(project); d != "" {
		return place{Dir: d}, "", true
	}
	if lc.opts.UserHome == "" || (recorded != "~" && !strings.HasPrefix(recorded, "~/")) {
		return place{}, "", false
	}
	if why := refusedDir(recorded); why != "" {
		return place{}, why, false
	}
	abs := expandHome(lc.opts.UserHome, recorded)
	if st, err := os.Stat(abs); err != nil || !st.IsDir() {
		return place{}, "", false
	}
	if other := lc.projectAt(abs); other != "" {
		return place{}, fmt.Sprintf("tracked here as project %s", other), false
	}
	return place{Dir: abs, Recorded: true}, "", true
}

// refusedDir says why pull never writes into a recorded (home-relative)
// directory on its own: the home directory itself, where dotfiles run
// code at login, or a hidden directory (~/.ssh, ~/.config) or one under
// it. "" when it may.
func refusedDir(recorded string) string {
	if recorded == "~" {
		return "the home directory"
	}
	if h := hiddenPart(strings.TrimPrefix(recorded, "~/")); h != "" {
		return "a hidden directory"
	}
	return ""
}

// hiddenPart is the first component of a slash path that starts with a
// dot (".ssh", ".git"), "" if none.
func hiddenPart(p string) string {
	for part := range strings.SplitSeq(p, "/") {
		if strings.HasPrefix(part, ".") && part != "." {
			return part
		}
	}
	return ""
}

// hiddenParent is the hidden directory an item path lies under
// (".git" for ".git/hooks/pre-commit"), "" if none; the file itself may
// be a dotfile (.env, .npmrc).
func hiddenParent(itemPath string) string {
	dir := path.Dir(itemPath)
	if dir == "." {
		return ""
	}
	return hiddenPart(dir)
}

// trackedFile: this machine tracks exactly this file of the project
// (add file), so the user expects pull to write it wherever it is.
func (lc *local) trackedFile(project, dir, itemPath string) bool {
	return slices.Contains(lc.cfg.Track, config.Track{Project: project, Dir: dir, Type: TypeFile, Path: itemPath})
}

// outcome says whether pull writes one stored item, or why not.
type outcome int

// The outcomes for one item.
const (
	landWrite   outcome = iota // pull writes it
	landHidden                 // under a hidden directory: never written
	landNewFile                // a file item this machine never had: needs --yes
)

// landing decides for one item placed in dir whose local copy exists or
// not. A file item counts as had when this machine wrote or pushed it
// before, or tracks it by name.
func (lc *local) landing(st *syncState, dir string, s storedItem, exists bool) outcome {
	if lc.trackedFile(s.Project, dir, s.Path) {
		return landWrite
	}
	if hiddenParent(s.Path) != "" {
		return landHidden
	}
	abs := filepath.Join(dir, filepath.FromSlash(s.Path))
	if s.Type == TypeFile && !exists && st.Files[abs] == nil {
		return landNewFile
	}
	return landWrite
}

// EscapeError is an item whose way into the project directory goes
// through a symlink that leaves it (or dangles): pull never follows it.
type EscapeError struct {
	Path string // the item, as shown
	Link string // the symlink, relative to the project directory
	Dir  string // the project directory, as shown
}

func (e *EscapeError) Error() string {
	return fmt.Sprintf("%s: %s is a symlink that leaves the project directory %s", e.Path, e.Link, e.Dir)
}

// readTarget reads the file pull would replace at rel inside dir, nil if
// there is none. Every existing parent is looked at through os.Root, so
// a symlink that leaves dir is refused before anything is written.
func readTarget(dir, rel, display, shownDir string) ([]byte, error) {
	root, err := os.OpenRoot(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, &ItemError{Path: display, Err: err}
	}
	defer root.Close()
	rel = filepath.FromSlash(rel)
	parts := strings.Split(filepath.Dir(rel), string(filepath.Separator))
	for i := range parts {
		if parts[0] == "." {
			break
		}
		prefix := filepath.Join(parts[:i+1]...)
		fi, err := root.Lstat(prefix)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil // pull makes the rest
		}
		if err != nil {
			return nil, &ItemError{Path: display, Err: err}
		}
		if fi.Mode()&fs.ModeSymlink != 0 {
			if fi, err = root.Stat(prefix); err != nil {
				return nil, &EscapeError{Path: display, Link: filepath.ToSlash(prefix), Dir: shownDir}
			}
		}
		if !fi.IsDir() {
			return nil, &ItemError{Path: display, Err: fmt.Errorf("%s is not a directory: move it aside first", filepath.ToSlash(prefix))}
		}
	}
	fi, err := root.Lstat(rel)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, &ItemError{Path: display, Err: err}
	}
	if !fi.Mode().IsRegular() {
		return nil, &ItemError{Path: display, Err: errors.New("it is not a regular file: move it aside first")}
	}
	return root.ReadFile(rel)
}

// placeable adds, for each stored item of a project that is not tracked
// here but has its recorded directory, the item as pull would track it,
// so status compares it like a tracked one.
func (lc *local) placeable(tracked []TrackedItem, stored []storedItem) []TrackedItem {
	out := tracked
	for _, s := range stored {
		p, _, ok := lc.placeProject(s.Project, s.Dir)
		if !ok || !p.Recorded {
			continue
		}
		if slices.ContainsFunc(out, func(t TrackedItem) bool { return t.Project == s.Project && t.Path == s.Path }) {
			continue
		}
		out = append(out, TrackedItem{Project: s.Project, Dir: p.Dir, Path: s.Path, Type: s.Type})
	}
	return out
}

// trackRestored tracks the projects that pull restored into the
// directory they were pushed from, so status, diff and push work on this
// machine at once: the directory's env files, and each file item.
func (lc *local) trackRestored(places map[string]place, restored []*restore) error {
	changed := false
	add := func(t config.Track) {
		if !slices.Contains(lc.cfg.Track, t) {
			lc.cfg.Track = append(lc.cfg.Track, t)
			changed = true
		}
	}
	for _, r := range restored {
		s := r.it
		p := places[s.Project]
		if !p.Recorded {
			continue
		}
		if s.Type == TypeEnv {
			add(config.Track{Project: s.Project, Dir: p.Dir, Type: TypeEnv})
		} else {
			add(config.Track{Project: s.Project, Dir: p.Dir, Type: TypeFile, Path: s.Path})
		}
	}
	if !changed {
		return nil
	}
	return lc.saveConfig()
}

// confirmNew is the file items this machine never had that pull may
// restore: all with --yes or a yes on the terminal, else none, listed in
// res.NewFiles.
func confirmNew(o PullOptions, fresh []*restore, res *PullResult) []*restore {
	if len(fresh) == 0 {
		return nil
	}
	shown := make([]string, len(fresh))
	for i, r := range fresh {
		shown[i] = r.display
	}
	if o.Yes || (o.Confirm != nil && o.Confirm(shown)) {
		return fresh
	}
	res.NewFiles = shown
	return nil
}
