package scopes

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/configsync/configsync/config"
	"github.com/configsync/configsync/envfile"
)

// StateInjectOnly is an env item that pull never writes here: its project
// is in inject_as_env mode (DESIGN.md §5b).
const StateInjectOnly ItemState = "inject only: pull skips it"

// InjectOnly is a project whose env items are never written to disk on
// this machine (inject_as_env mode): pull skips them, export --output
// refuses them, configsync inject reads them.
type InjectOnly struct {
	Project string
	// File is the configsync.toml that turns the mode on, as shown
	// (~/git/myapp/configsync.toml); "" when this machine's config does.
	File string
	// Items counts the env items pull skipped (PullResult only).
	Items int
	// Plaintext lists dotenv files still present in the project's
	// directory, as shown (StatusReport only).
	Plaintext []string
}

// Source says where the mode was turned on: "set on this machine" or
// "set in ~/git/myapp/configsync.toml".
func (m InjectOnly) Source() string { return modeSource(m.File) }

// InjectOnlyError refuses to write a file of an inject_as_env project.
type InjectOnlyError struct {
	Project string
	File    string // as in InjectOnly
}

func (e *InjectOnlyError) Error() string {
	return fmt.Sprintf("project %q is in inject_as_env mode (%s): its secrets are never written to a file on this machine", e.Project, modeSource(e.File))
}

// modeSource says where the mode was turned on, for messages.
func modeSource(file string) string {
	if file == "" {
		return "set on this machine"
	}
	return "set in " + file
}

// injectOnly reports whether project is in inject_as_env mode here:
// this machine's config says so, or the configsync.toml of one of its
// directories (the tracked one, else the one it was pushed from if it
// exists here, and --dest). file is the configsync.toml, as shown, or ""
// for the machine's config.
func (lc *local) injectOnly(project, recDir, dest string) (on bool, file string, err error) {
	if lc.cfg.InjectAsEnv {
		return true, "", nil
	}
	for _, dir := range lc.injectModeDirs(project, recDir, dest) {
		p, err := config.LoadProject(dir)
		if err != nil {
			return false, "", err
		}
		if p.InjectAsEnv {
			return true, homeRelative(lc.opts.UserHome, filepath.Join(dir, config.ProjectFile)), nil
		}
	}
	return false, "", nil
}

// injectModeDirs are the directories whose configsync.toml can put a
// project in inject_as_env mode: its directory on this machine, as pull
// places it, and --dest.
func (lc *local) injectModeDirs(project, recDir, dest string) []string {
	var dirs []string
	if dest != "" {
		if abs, err := filepath.Abs(dest); err == nil {
			dirs = append(dirs, abs)
		}
	}
	if d := lc.localProjectDir(project, recDir); d != "" && !slices.Contains(dirs, d) {
		dirs = append(dirs, d)
	}
	return dirs
}

// localProjectDir is the project's directory on this machine: the tracked
// one, else the home-relative one it was pushed from if it exists here.
func (lc *local) localProjectDir(project, recDir string) string {
	if d := lc.projectDirOf(project); d != "" {
		return d
	}
	if recDir == "" || lc.opts.UserHome == "" || (recDir != "~" && (len(recDir) < 2 || recDir[:2] != "~/")) {
		return ""
	}
	abs := expandHome(lc.opts.UserHome, recDir)
	if st, err := os.Stat(abs); err == nil && st.IsDir() {
		return abs
	}
	return ""
}

// skipInjectOnly drops the env items of projects in inject_as_env mode
// from what pull restores, and reports them: nothing of theirs is read,
// decrypted or written. File items are not affected.
func (lc *local) skipInjectOnly(stored []storedItem, dest string) ([]storedItem, []InjectOnly, error) {
	var kept []storedItem
	var skipped []InjectOnly
	mode := map[string]int{} // project -> index in skipped, -1: not in the mode
	for _, s := range stored {
		if s.Type != TypeEnv {
			kept = append(kept, s)
			continue
		}
		i, seen := mode[s.Project]
		if !seen {
			on, file, err := lc.injectOnly(s.Project, s.Dir, dest)
			if err != nil {
				return nil, nil, err
			}
			i = -1
			if on {
				i = len(skipped)
				skipped = append(skipped, InjectOnly{Project: s.Project, File: file})
			}
			mode[s.Project] = i
		}
		if i < 0 {
			kept = append(kept, s)
			continue
		}
		skipped[i].Items++
	}
	return kept, skipped, nil
}

// absentByMode reports whether a missing local copy of s is the
// inject_as_env mode at work rather than a deletion for push to send:
// the mode keeps env items off this disk, and status tells the user to
// delete leftover plaintext. A configsync.toml that cannot be read
// counts as the mode, so that an error never deletes anything.
func (lc *local) absentByMode(s storedItem) bool {
	if s.Type != TypeEnv {
		return false
	}
	on, _, err := lc.injectOnly(s.Project, s.Dir, "")
	return on || err != nil
}

// markInjectOnly adds the inject_as_env mode to a status report: which
// projects are in it, what pull skips, and the plaintext dotenv files
// still on disk there (which the mode is meant to do away with).
func (lc *local) markInjectOnly(rep *StatusReport, stored []storedItem) error {
	recDir := map[string]string{}
	for _, s := range stored {
		recDir[s.Project] = s.Dir
	}
	decided := map[string]bool{}
	for i := range rep.Items {
		it := &rep.Items[i]
		on, seen := decided[it.Project]
		if !seen {
			var file string
			var err error
			if on, file, err = lc.injectOnly(it.Project, recDir[it.Project], ""); err != nil {
				return err
			}
			decided[it.Project] = on
			if on {
				m := InjectOnly{Project: it.Project, File: file}
				if m.Plaintext, err = lc.plaintextOf(it.Project, recDir[it.Project]); err != nil {
					return err
				}
				rep.InjectOnly = append(rep.InjectOnly, m)
			}
		}
		if !on || it.Type != TypeEnv {
			continue
		}
		it.InjectOnly = true
		if it.State == StateMissingLocal || it.State == StateNotPlaceable {
			it.State = StateInjectOnly
		}
	}
	return nil
}

// plaintextOf lists the dotenv files (templates aside) present in the
// project's directory on this machine, as shown.
func (lc *local) plaintextOf(project, recDir string) ([]string, error) {
	dir := lc.localProjectDir(project, recDir)
	if dir == "" || dir == lc.opts.UserHome {
		return nil, nil // the home directory itself is no project to walk
	}
	paths, err := envfile.Discover(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil // the tracked directory is gone
	}
	if err != nil {
		return nil, err
	}
	var out []string
	for _, p := range paths {
		out = append(out, lc.display(dir, p))
	}
	return out, nil
}

// refuseInjectOnly refuses to write the variables of project to a file
// when it is in inject_as_env mode here, before anything is decrypted.
func (lc *local) refuseInjectOnly(project string, items map[string]storedItem) error {
	recDir := ""
	for _, s := range items {
		recDir = s.Dir
	}
	on, file, err := lc.injectOnly(project, recDir, "")
	if err != nil || !on {
		return err
	}
	return &InjectOnlyError{Project: project, File: file}
}
