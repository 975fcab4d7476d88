package config

import (
	"fmt"
	"os"
	"path"
	"path/filepath"

	"github.com/configsync/configsync/internal/names"
)

// ProjectFile is the name of the project file at a project's root.
const ProjectFile = "configsync.toml"

// Project is a project's configsync.toml.
type Project struct {
	Name string `toml:"project"` // overrides the directory name
	// InjectAsEnv: on every machine, the project's env items are never
	// written to disk (DESIGN.md §5b, inject_as_env mode).
	InjectAsEnv bool         `toml:"inject_as_env"`
	Hooks       ProjectHooks `toml:"hooks"`
	Store       ProjectStore `toml:"store"`
}

// ProjectStore pins the store's admins for reads that have no local
// configuration (CI): the application repository, which CI already
// trusts to run its code, carries the pins (DESIGN.md §2a).
type ProjectStore struct {
	Admins []string `toml:"admins"` // fingerprints, as configsync team list shows them
}

// FindProject reads the configsync.toml of dir or of its nearest parent
// that has one, stopping at the root of a git working tree. It returns
// the zero Project when there is none.
func FindProject(dir string) (*Project, error) {
	for d := filepath.Clean(dir); ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, ProjectFile)); err == nil {
			return LoadProject(d)
		}
		if _, err := os.Stat(filepath.Join(d, ".git")); err == nil || filepath.Dir(d) == d {
			return &Project{}, nil
		}
	}
}

// ProjectHooks configures the pre-commit guard for one project.
type ProjectHooks struct {
	// Allow lists dotenv file names or globs (path.Match syntax, slash
	// paths relative to the project root) that may be committed, beyond
	// templates such as .env.example.
	Allow []string `toml:"allow"`
}

// LoadProject reads dir/configsync.toml. A missing file gives the zero
// Project and no error. Decoding is strict like [LoadLocal]; errors are
// [*FileError]s.
func LoadProject(dir string) (*Project, error) {
	p := &Project{}
	if err := loadFile(filepath.Join(dir, ProjectFile), p, p.validate); err != nil {
		return nil, err
	}
	return p, nil
}

// ProjectName returns the project's name: p.Name if set, else the base name
// of dir.
func (p *Project) ProjectName(dir string) string {
	if p.Name != "" {
		return p.Name
	}
	return filepath.Base(filepath.Clean(dir))
}

func (p *Project) validate() (string, error) {
	if p.Name != "" {
		if err := checkName(p.Name); err != nil {
			return "project", err
		}
	}
	for i, f := range p.Store.Admins {
		if err := checkAdmins(f); err != nil {
			return fmt.Sprintf("store.admins[%d]", i), err
		}
	}
	for i, pattern := range p.Hooks.Allow {
		if err := names.RelPath(pattern); err != nil {
			return fmt.Sprintf("hooks.allow[%d]", i), invalid(err.Error())
		}
		if _, err := path.Match(pattern, ""); err != nil {
			return fmt.Sprintf("hooks.allow[%d]", i), invalid("malformed glob")
		}
	}
	return "", nil
}
