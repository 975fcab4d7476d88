package scopes

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/configsync/configsync/config"
	"github.com/configsync/configsync/envfile"
)

// ItemType is a dotenv item (TypeEnv) or a whole file (TypeFile).
type ItemType = config.ItemType

// Item types.
const (
	TypeEnv  = config.TypeEnv
	TypeFile = config.TypeFile
)

// TrackedItem is one file tracked on this machine.
type TrackedItem struct {
	Project string
	Dir     string   // absolute project directory
	Path    string   // slash-separated, relative to Dir
	Type    ItemType // TypeEnv or TypeFile
}

// Abs is the item's absolute path.
func (t TrackedItem) Abs() string { return filepath.Join(t.Dir, filepath.FromSlash(t.Path)) }

// TypeOf is the type of an item by its file name.
func TypeOf(path string) ItemType {
	if envfile.IsEnvFile(filepath.Base(path)) {
		return TypeEnv
	}
	return TypeFile
}

// ValidateFilter checks --filter.
func ValidateFilter(f ItemType) error {
	if f == "" || f == TypeEnv || f == TypeFile {
		return nil
	}
	return fmt.Errorf("unknown filter %q (valid: env, file)", f)
}

// TrackResult reports what add env / add file tracked.
type TrackResult struct {
	Project string
	Dir     string // as shown: "~/git/myapp"
	Items   []string
	Already bool
}

// projectName is --project, else configsync.toml's project, else the
// directory's base name.
func projectName(dir, given string) (string, error) {
	name := given
	if name == "" {
		p, err := config.LoadProject(dir)
		if err != nil {
			return "", err
		}
		name = p.Name
	}
	if name == "" {
		name = filepath.Base(dir)
	}
	return name, ValidateName("project", name)
}

// AddEnv tracks every dotenv file of dir (now and later ones).
func (v *Session) AddEnv(dir, project string) (*TrackResult, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	st, err := os.Stat(abs)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("%s is not a directory: use configsync add file for a single file", dir)
	}
	name, err := projectName(abs, project)
	if err != nil {
		return nil, err
	}
	if err := v.checkProjectDir(name, abs); err != nil {
		return nil, err
	}
	if err := v.checkDirProject(name, abs, ""); err != nil {
		return nil, err
	}
	items, err := envfile.Discover(abs)
	if err != nil {
		return nil, err
	}
	res := &TrackResult{Project: name, Dir: homeRelative(v.opts.UserHome, abs), Items: items}
	t := config.Track{Project: name, Dir: abs, Type: TypeEnv}
	if slices.Contains(v.cfg.Track, t) {
		res.Already = true
		return res, nil
	}
	v.cfg.Track = append(v.cfg.Track, t)
	return res, v.SaveConfig()
}

// AddFile tracks one secret file.
func (v *Session) AddFile(path, project string) (*TrackResult, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	st, err := os.Lstat(abs)
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		return nil, fmt.Errorf("%s is a directory: use configsync add env DIR", path)
	}
	dir := ""
	for _, t := range v.cfg.Track {
		if (project == "" || t.Project == project) && within(t.Dir, abs) {
			dir, project = t.Dir, t.Project
			break
		}
	}
	if dir == "" {
		if project != "" && v.projectDirOf(project) != "" {
			return nil, fmt.Errorf("%s is outside the directory of project %q (%s)", path, project, homeRelative(v.opts.UserHome, v.projectDirOf(project)))
		}
		dir = filepath.Dir(abs)
		if project, err = projectName(dir, project); err != nil {
			return nil, err
		}
	}
	if st.Mode()&fs.ModeSymlink != 0 {
		if err := insideDir(dir, abs); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	} else if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", path)
	}
	rel, err := filepath.Rel(dir, abs)
	if err != nil {
		return nil, err
	}
	rel = filepath.ToSlash(rel)
	if err := ValidateItemPath(rel); err != nil {
		return nil, err
	}
	if err := v.checkDirProject(project, dir, abs); err != nil {
		return nil, err
	}
	res := &TrackResult{Project: project, Dir: homeRelative(v.opts.UserHome, dir), Items: []string{rel}}
	t := config.Track{Project: project, Dir: dir, Type: TypeFile, Path: rel}
	if slices.Contains(v.cfg.Track, t) {
		res.Already = true
		return res, nil
	}
	v.cfg.Track = append(v.cfg.Track, t)
	return res, v.SaveConfig()
}

// Untrack stops tracking a directory or a file on this machine. The store
// keeps its items.
func (v *Session) Untrack(path string) (*TrackResult, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	for i, t := range v.cfg.Track {
		p := t.Dir
		if t.Type == TypeFile {
			p = filepath.Join(t.Dir, filepath.FromSlash(t.Path))
		}
		if p == abs {
			v.cfg.Track = slices.Delete(v.cfg.Track, i, i+1)
			return &TrackResult{Project: t.Project, Dir: homeRelative(v.opts.UserHome, p)}, v.SaveConfig()
		}
	}
	for _, t := range v.cfg.Track {
		if t.Type == TypeEnv && within(t.Dir, abs) {
			return nil, fmt.Errorf("%s is tracked as part of %s: untrack the directory, or add the file to its .gitignore-style allow-list", homeRelative(v.opts.UserHome, abs), homeRelative(v.opts.UserHome, t.Dir))
		}
	}
	return nil, &NotTrackedError{Path: homeRelative(v.opts.UserHome, abs)}
}

// checkProjectDir refuses one project name for two directories.
func (lc *local) checkProjectDir(project, dir string) error {
	if d := lc.projectDirOf(project); d != "" && d != dir {
		return fmt.Errorf("project %q is already tracked at %s: untrack it first, or pick another name with --project", project, homeRelative(lc.opts.UserHome, d))
	}
	return nil
}

// checkDirProject refuses a second project for one directory: pull of
// one project would then revert the other's edits without --force. For
// add env (file == ""), a directory inside or around another project's
// env directory counts too, since both discover the same env files; for
// add file, an env file that another project's directory discovers.
func (lc *local) checkDirProject(project, dir, file string) error {
	for _, t := range lc.cfg.Track {
		if t.Project == project {
			continue
		}
		shown := homeRelative(lc.opts.UserHome, t.Dir)
		switch {
		case t.Dir == dir:
			return fmt.Errorf("%s is already tracked as project %q: use --project %s, or untrack it first", shown, t.Project, t.Project)
		case t.Type != TypeEnv:
		case file == "" && (within(t.Dir, dir) || within(dir, t.Dir)),
			file != "" && TypeOf(file) == TypeEnv && within(t.Dir, file):
			return fmt.Errorf("%s overlaps %s, already tracked as project %q: use --project %s, or untrack it first", homeRelative(lc.opts.UserHome, cmp.Or(file, dir)), shown, t.Project, t.Project)
		}
	}
	return nil
}

// projectAt is the project tracked at dir on this machine, "" if none.
func (lc *local) projectAt(dir string) string {
	for _, t := range lc.cfg.Track {
		if t.Dir == dir {
			return t.Project
		}
	}
	return ""
}

// projectDirOf is the tracked directory of project on this machine.
func (lc *local) projectDirOf(project string) string {
	for _, t := range lc.cfg.Track {
		if t.Project == project {
			return t.Dir
		}
	}
	return ""
}

// Tracked lists the tracked items, discovering env files now.
func (v *Session) Tracked(filter ItemType, project string) ([]TrackedItem, error) {
	return v.tracked(filter, project)
}

func (lc *local) tracked(filter ItemType, project string) ([]TrackedItem, error) {
	var out []TrackedItem
	seen := map[string]bool{}
	add := func(it TrackedItem) {
		key := it.Project + "\x00" + it.Path
		if !seen[key] {
			seen[key] = true
			out = append(out, it)
		}
	}
	for _, t := range lc.cfg.Track {
		if project != "" && t.Project != project {
			continue
		}
		switch t.Type {
		case TypeEnv:
			if filter == TypeFile {
				continue
			}
			paths, err := envfile.Discover(t.Dir)
			if errors.Is(err, fs.ErrNotExist) {
				continue // the directory is gone; status reports it
			}
			if err != nil {
				return nil, err
			}
			for _, p := range paths {
				add(TrackedItem{Project: t.Project, Dir: t.Dir, Path: p, Type: TypeEnv})
			}
		case TypeFile:
			typ := TypeOf(t.Path)
			if filter != "" && filter != typ {
				continue
			}
			add(TrackedItem{Project: t.Project, Dir: t.Dir, Path: t.Path, Type: typ})
		}
	}
	slices.SortFunc(out, func(a, b TrackedItem) int {
		if c := strings.Compare(a.Project, b.Project); c != 0 {
			return c
		}
		return strings.Compare(a.Path, b.Path)
	})
	return out, nil
}

// TrackedProjects lists the distinct tracked projects and their dirs.
func (v *Session) TrackedProjects() []config.Track { return v.cfg.Track }

func within(dir, p string) bool {
	rel, err := filepath.Rel(dir, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, "../") && rel != "."
}
