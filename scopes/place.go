package scopes

import (
	"os"
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
// the home-relative directory it was pushed from when that exists here.
// ok is false when the project has no place here.
func (v *Vault) placeProject(project, recorded string) (place, bool) {
	if d := v.projectDirOf(project); d != "" {
		return place{Dir: d}, true
	}
	if v.opts.UserHome == "" || (recorded != "~" && !strings.HasPrefix(recorded, "~/")) {
		return place{}, false
	}
	abs := expandHome(v.opts.UserHome, recorded)
	if st, err := os.Stat(abs); err != nil || !st.IsDir() {
		return place{}, false
	}
	return place{Dir: abs, Recorded: true}, true
}

// placeable adds, for each stored item of a project that is not tracked
// here but has its recorded directory, the item as pull would track it,
// so status compares it like a tracked one.
func (v *Vault) placeable(tracked []TrackedItem, stored []storedItem) []TrackedItem {
	out := tracked
	for _, s := range stored {
		p, ok := v.placeProject(s.Project, s.Dir)
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
func (v *Vault) trackRestored(places map[string]place, restored []storedItem) error {
	changed := false
	add := func(t config.Track) {
		if !slices.Contains(v.cfg.Track, t) {
			v.cfg.Track = append(v.cfg.Track, t)
			changed = true
		}
	}
	for _, s := range restored {
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
	return v.SaveConfig()
}
