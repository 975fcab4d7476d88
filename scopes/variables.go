package scopes

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/configsync/configsync/config"
	"github.com/configsync/configsync/envfile"
)

// VariablesOptions select what inject and export read.
type VariablesOptions struct {
	Env     string
	Project string
	Expand  bool
	// Lookup resolves names no item assigns (the process environment).
	Lookup func(string) (string, bool)
	// ToFile: the variables are for a file (export --output), refused
	// with an *InjectOnlyError for a project in inject_as_env mode.
	ToFile bool
}

// Variables decrypts a project's env items of one environment, merges
// them in dotenv order (.env, .env.<env>, .env.local, .env.<env>.local;
// later wins) and expands them. Nothing is written anywhere.
func (v *Session) Variables(ctx context.Context, o VariablesOptions) (Environment, []envfile.Var, error) {
	envName, err := v.activeEnv(o.Env)
	if err != nil {
		return Environment{}, nil, err
	}
	snap, err := v.load(ctx)
	if err != nil {
		return Environment{}, nil, err
	}
	ea, err := v.access(snap, envName)
	if err != nil {
		return Environment{}, nil, err
	}
	env := ea.env
	// With --project, only that project's record is decoded (inject runs
	// often, in stores of many projects); all of them only to name the
	// projects there are when it has no env items.
	stored, err := snap.storedItems(env.Name, o.Project, TypeEnv)
	if err == nil && o.Project != "" && len(stored) == 0 {
		stored, err = snap.storedItems(env.Name, "", TypeEnv)
	}
	if err != nil {
		return Environment{}, nil, err
	}
	project, err := chooseProject(stored, o.Project, v.cfg.Track)
	var unknown *UnknownProjectError
	if errors.As(err, &unknown) {
		unknown.Env = env.Name
	}
	if err != nil {
		return Environment{}, nil, err
	}
	byPath := map[string]storedItem{}
	var paths []string
	for _, s := range stored {
		if s.Project == project {
			byPath[s.Path] = s
			paths = append(paths, s.Path)
		}
	}
	if o.ToFile {
		if err := v.refuseInjectOnly(project, byPath); err != nil {
			return Environment{}, nil, err
		}
	}
	if len(paths) == 0 {
		return env, nil, fmt.Errorf("project %q has no env items in %q: push them with configsync push --env %s", project, env.Name, env.Name)
	}
	if _, err := ea.unwrap(); err != nil {
		return Environment{}, nil, err
	}
	var files []*envfile.File
	for _, p := range envfile.LoadOrder(paths, env.Name) {
		data, err := ea.decryptItem(ctx, byPath[p])
		if err != nil {
			return Environment{}, nil, err
		}
		f, err := envfile.Parse(project+"/"+p, data)
		clear(data)
		if err != nil {
			return Environment{}, nil, err
		}
		files = append(files, f)
	}
	return env, envfile.Resolve(files, o.Expand, o.Lookup), nil
}

// chooseProject is the given project, else the only project of the
// environment, else the only project tracked here.
func chooseProject(stored []storedItem, given string, tracked []config.Track) (string, error) {
	projects := projectsOf(stored)
	if given != "" {
		if !slices.Contains(projects, given) {
			return "", &UnknownProjectError{Name: given, Available: projects}
		}
		return given, nil
	}
	if len(projects) == 1 {
		return projects[0], nil
	}
	var here []string
	for _, t := range tracked {
		if slices.Contains(projects, t.Project) && !slices.Contains(here, t.Project) {
			here = append(here, t.Project)
		}
	}
	if len(here) == 1 {
		return here[0], nil
	}
	return "", fmt.Errorf("name a project with --project (projects: %s)", listOrNone(projects))
}

func listOrNone(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}

// projectsOf lists the distinct projects of items, in order.
func projectsOf(items []storedItem) []string {
	var out []string
	for _, s := range items {
		if !slices.Contains(out, s.Project) {
			out = append(out, s.Project)
		}
	}
	return out
}
