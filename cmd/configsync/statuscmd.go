package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/sergi/go-diff/diffmatchpatch"
	"github.com/spf13/pflag"

	"github.com/configsync/configsync/envfile"
	"github.com/configsync/configsync/scopes"
)

func statusFlags(fs *pflag.FlagSet) runFunc {
	var env string
	fs.StringVar(&env, "env", "", "environment (default: the active one)")
	asJSON := jsonFlag(fs)
	return func(ctx context.Context, a *app, args []string) error {
		return runStatus(ctx, a, args, env, asJSON)
	}
}

func runStatus(ctx context.Context, a *app, args []string, env string, asJSON *bool) error {
	v, err := a.openVault(ctx, "", "")
	if err != nil {
		return err
	}
	if !v.HasStore() {
		return scopes.ErrNoStore
	}
	rep, err := v.Status(ctx, env, "")
	if *asJSON && (err == nil || errors.Is(err, scopes.ErrNoEnvironment)) {
		return a.printJSON(statusToJSON(rep, v.StoreLocation(), v.Remote(), false))
	}
	if errors.Is(err, scopes.ErrNoEnvironment) {
		if errors.Is(a.noEnvironmentYet(ctx, err), scopes.ErrNoEnvironmentYet) {
			a.out("Active environment: none (create one with %s)", createFirstEnv)
		} else {
			a.out("Active environment: none (choose one with configsync env use NAME)")
		}
	} else if err != nil {
		return err
	}
	a.out("Store: %s", v.StoreLocation())
	if r := v.Remote(); r != "" {
		a.out("Remote: %s", r)
	}
	switch name, err := v.ProviderName(); {
	case err != nil:
		a.out("Contents: %s (%s)", v.Config().Provider(), oneLine(err.Error()))
	case name != "":
		a.out("Contents: %s", name)
	}
	if rep == nil {
		return nil
	}
	a.out("Environment: %s (%s)", rep.Env.Name, rep.Env.Describe())
	a.showInjectMode(v.Config().InjectAsEnv, rep.InjectOnly)
	if len(rep.Items) == 0 {
		a.out("Nothing tracked: run configsync add env DIR")
		return nil
	}
	push, pull, skip, remove := 0, 0, 0, 0
	width := 0
	for _, it := range rep.Items {
		width = max(width, len(it.Display))
	}
	for _, it := range rep.Items {
		note := ""
		switch {
		case it.State == scopes.StateModified || it.State == scopes.StateNew:
			push++
		case it.State == scopes.StateInjectOnly:
			skip++
		case it.State == scopes.StateStoreNewer && it.InjectOnly:
			skip++
			note = " (inject_as_env: pull skips it)"
		case it.State == scopes.StateStoreNewer || it.State == scopes.StateMissingLocal || it.State == scopes.StateMerges:
			pull++
		case it.State == scopes.StateDeleted:
			remove++
		}
		a.out("  %-*s  %s%s%s", width, it.Display, it.State, keySummary(it.Keys), note)
	}
	skipped := ""
	if remove > 0 {
		skipped = fmt.Sprintf(" and remove %d", remove)
	}
	if skip > 0 {
		skipped += fmt.Sprintf(" and skip %d (inject_as_env: use configsync inject)", skip)
	}
	a.out("Push would send %d %s; pull would restore %d%s.", push, plural(push, "item", "items"), pull, skipped)
	for _, m := range rep.InjectOnly {
		for _, p := range m.Plaintext {
			a.out("Plaintext %s in inject_as_env project %s: delete it once configsync inject works", p, m.Project)
		}
	}
	return nil
}

// showInjectMode prints which projects are in inject_as_env mode here.
func (a *app) showInjectMode(machine bool, projects []scopes.InjectOnly) {
	if machine {
		a.out("Mode: inject_as_env (set on this machine): env items are never written here; run commands with configsync inject")
		return
	}
	for _, m := range projects {
		a.out("Mode: inject_as_env for %s (%s): its env items are never written here", m.Project, m.Source())
	}
}

func keySummary(cs []envfile.Change) string {
	if len(cs) == 0 {
		return ""
	}
	names := make([]string, len(cs))
	for i, c := range cs {
		names[i] = c.Key
	}
	return " (" + strings.Join(names, ", ") + ")"
}

func diffFlags(fs *pflag.FlagSet) runFunc {
	var env, project string
	var show bool
	fs.StringVar(&env, "env", "", "environment (default: the active one)")
	fs.StringVar(&project, "project", "", "only this project")
	fs.BoolVar(&show, "show-values", false, "print the values that differ (they are secrets)")
	asJSON := jsonFlag(fs)
	return func(ctx context.Context, a *app, args []string) error {
		return runDiff(ctx, a, args, env, project, show, asJSON)
	}
}

func runDiff(ctx context.Context, a *app, args []string, env, project string, show bool, asJSON *bool) error {
	if *asJSON && show {
		return usagef(a.cmd, "--json never holds values: drop --show-values")
	}
	v, err := a.openVault(ctx, "", "")
	if err != nil {
		return err
	}
	rep, err := v.Status(ctx, env, project)
	if err != nil {
		return err
	}
	if *asJSON {
		return a.printJSON(statusToJSON(rep, v.StoreLocation(), v.Remote(), true))
	}
	same := true
	for _, it := range rep.Items {
		if unchanged(it.State) {
			continue
		}
		same = false
		a.out("--- %s (store, %s)", it.Display, rep.Env.Name)
		a.out("+++ %s (local)", it.Display)
		if it.Type != scopes.TypeEnv {
			a.outLines(fileDiff(it, show))
			continue
		}
		for _, c := range it.Keys {
			a.outLines(keyDiff(c, show))
		}
	}
	if same {
		a.out("No differences with %q.", rep.Env.Name)
	}
	return nil
}

// keyDiff renders one key change; values only with --show-values.
func keyDiff(c envfile.Change, show bool) string {
	switch c.Kind {
	case envfile.Added:
		if show {
			return fmt.Sprintf("+ %s=%s", c.Key, c.New.Reveal())
		}
		return fmt.Sprintf("+ %s=********", c.Key)
	case envfile.Removed:
		if show {
			return fmt.Sprintf("- %s=%s", c.Key, c.Old.Reveal())
		}
		return fmt.Sprintf("- %s=********", c.Key)
	}
	if !show {
		return fmt.Sprintf("~ %s=******** (changed)", c.Key)
	}
	return fmt.Sprintf("- %s=%s\n+ %s=%s", c.Key, c.Old.Reveal(), c.Key, c.New.Reveal())
}

// fileDiff renders a file item: a line diff with --show-values, else
// only the count of changed lines.
func fileDiff(it scopes.ItemStatus, show bool) string {
	dmp := diffmatchpatch.New()
	a, b, lines := dmp.DiffLinesToChars(string(it.Stored), string(it.Local))
	diffs := dmp.DiffCharsToLines(dmp.DiffMain(a, b, false), lines)
	var out []string
	added, removed := 0, 0
	for _, d := range diffs {
		for _, line := range strings.SplitAfter(d.Text, "\n") {
			if line == "" {
				continue
			}
			line = strings.TrimSuffix(line, "\n")
			switch d.Type {
			case diffmatchpatch.DiffInsert:
				added++
				out = append(out, "+ "+line)
			case diffmatchpatch.DiffDelete:
				removed++
				out = append(out, "- "+line)
			}
		}
	}
	if !show {
		return fmt.Sprintf("~ %d %s added, %d removed (use --show-values to see them)", added, plural(added, "line", "lines"), removed)
	}
	return strings.Join(out, "\n")
}

// unchanged are the states diff has nothing to show for.
func unchanged(s scopes.ItemState) bool {
	return s == scopes.StateUpToDate || s == scopes.StateNotPlaceable || s == scopes.StateInjectOnly
}
