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

func pushFlags(fs *pflag.FlagSet) runFunc {
	var o scopes.PushOptions
	var yes bool
	fs.StringVar((*string)(&o.Filter), "filter", "", "only items of this type: env or file")
	fs.StringVar(&o.Env, "env", "", "environment (default: the active one)")
	fs.StringVar(&o.Project, "project", "", "only this project")
	fs.StringVarP(&o.Message, "message", "m", "", "add a note to the commit message (never put values here)")
	fs.BoolVar(&yes, "yes", false, "confirm changes to a protected environment without a prompt")
	fs.BoolVar(&o.ReAdd, "re-add", false, "put back items another member deleted from the store")
	return func(ctx context.Context, a *app, args []string) error {
		return runPush(ctx, a, args, o, yes)
	}
}

func runPush(ctx context.Context, a *app, args []string, o scopes.PushOptions, yes bool) error {
	if err := scopes.ValidateFilter(o.Filter); err != nil {
		return usagef(a.cmd, "%v", err)
	}
	v, err := a.openSession(ctx, "", "")
	if err != nil {
		return err
	}
	o.Confirm = a.confirmProtected(yes)
	res, err := v.Push(ctx, o)
	if err != nil {
		return err
	}
	for _, w := range res.Warnings {
		a.info("warning: %s", w)
	}
	for _, u := range res.Upstream {
		a.info("%s is newer in the store: run configsync pull", u)
	}
	for _, r := range res.Replaced {
		a.info("%s: the store's copy was refused (%s); replaced with yours", r.Display, r.Reason)
	}
	a.printPushed(res)
	return nil
}

// printPushed prints the items a push or an import sent, one line each.
func (a *app) printPushed(res *scopes.PushResult) {
	if len(res.Items) == 0 {
		a.out("Everything up to date in %q scope.", res.Env.Name)
		return
	}
	// Contents in a provider travel as they are; the store gets
	// an encrypted pointer, whose mode says nothing of them.
	mode := func(it scopes.ItemResult) string { return ", " + string(it.Mode) }
	if res.Provider != "" {
		a.out("Sending %s to %s (environment: %s)...", kindsPhrase(res.Items), res.Provider, res.Env.Name)
		mode = func(scopes.ItemResult) string { return "" }
	} else {
		a.out("Encrypting %s (environment: %s)...", kindsPhrase(res.Items), res.Env.Name)
	}
	for _, it := range res.Items {
		switch {
		case it.Deleted:
			a.out("✗ %s (deleted from the store)", it.Display)
		case it.Type == scopes.TypeEnv && it.Merged:
			a.out("✓ %s (%d %s%s, merged with changes from the store)", it.Display, it.Vars, plural(it.Vars, "variable", "variables"), mode(it))
		case it.Type == scopes.TypeEnv:
			a.out("✓ %s (%d %s%s)", it.Display, it.Vars, plural(it.Vars, "variable", "variables"), mode(it))
		default:
			a.out("✓ %s (%s%s)", it.Display, sizeOf(it.Size), mode(it))
		}
	}
	if res.Provider != "" {
		a.out("Pushed %s to %s.", countPhrase(res.Items), res.Provider)
	} else {
		a.out("Pushed %s to %q scope.", countPhrase(res.Items), res.Env.Name)
	}
}

func pullFlags(fs *pflag.FlagSet) runFunc {
	var o scopes.PullOptions
	var remote, repo string
	fs.StringVar((*string)(&o.Filter), "filter", "", "only items of this type: env or file")
	fs.StringVar(&o.Env, "env", "", "environment (default: the active one)")
	fs.StringVar(&o.Project, "project", "", "only this project")
	fs.BoolVar(&o.Force, "force", false, "take the store's version of everything; local edits go to a backup (configsync restore-backup)")
	fs.BoolVar(&o.Ours, "ours", false, "where both sides changed a key (or a file), keep yours; push then sends it")
	fs.BoolVar(&o.Theirs, "theirs", false, "where both sides changed a key (or a file), take the store's; yours goes to a backup")
	fs.BoolVar(&o.Yes, "yes", false, "restore file items this machine never had without a prompt (a file can be code)")
	fs.StringVar(&o.Dest, "dest", "", "restore into this directory instead of the project's")
	fs.StringVar(&remote, "remote", "", "read the store straight from this remote (env CONFIGSYNC_REMOTE)")
	fs.StringVar(&repo, "repo", "", "read the store from the configsync branch of this repository")
	return func(ctx context.Context, a *app, args []string) error {
		return runPull(ctx, a, args, o, remote, repo)
	}
}

func runPull(ctx context.Context, a *app, args []string, o scopes.PullOptions, remote, repo string) error {
	if err := scopes.ValidateFilter(o.Filter); err != nil {
		return usagef(a.cmd, "%v", err)
	}
	if remote != "" && repo != "" {
		return usagef(a.cmd, "--remote and --repo exclude each other")
	}
	if o.Ours && (o.Theirs || o.Force) {
		return usagef(a.cmd, "--ours excludes --theirs and --force")
	}
	v, err := a.openSession(ctx, a.readRemote(remote, repo), repo)
	if err != nil {
		return err
	}
	if a.env.IsTerminal() {
		o.Confirm = a.confirmNewFiles
		o.Choose = a.chooseKeys
	}
	res, err := v.Pull(ctx, o)
	if err != nil {
		return err
	}
	if st := res.Stale; st != nil {
		a.info("warning: %s is unreachable (%s): using the local copy from %s", st.Remote, oneLine(st.Err.Error()), age(a.env.Now(), st.Since))
	}
	for _, it := range res.Items {
		switch {
		case it.Type == scopes.TypeEnv && it.Merged:
			a.out("✓ %s (%d %s, merged with your changes)", it.Display, it.Vars, plural(it.Vars, "variable", "variables"))
		case it.Type == scopes.TypeEnv:
			a.out("✓ %s (%d %s)", it.Display, it.Vars, plural(it.Vars, "variable", "variables"))
		default:
			a.out("✓ %s (%s)", it.Display, sizeOf(it.Size))
		}
	}
	for _, it := range res.Kept {
		a.out("= %s (yours kept)", it.Display)
	}
	for _, it := range res.Removed {
		a.out("✗ %s (deleted in the store)", it.Display)
	}
	for _, b := range res.Backups {
		a.info("Your version of %s is in backup %s: configsync restore-backup %s brings it back", b.Display, b.ID, b.ID)
	}
	a.printPullSkipped(res)
	unchanged := ""
	if n := len(res.Unchanged); n > 0 {
		unchanged = fmt.Sprintf(" (%d already up to date)", n)
	}
	if n := len(res.Removed); n > 0 {
		unchanged += fmt.Sprintf("; removed %d deleted in the store", n)
	}
	if res.Provider != "" {
		a.out("Pulled %s from %s%s.", countPhrase(res.Items), res.Provider, unchanged)
	} else {
		a.out("Restored %s from %q scope%s.", countPhrase(res.Items), res.Env.Name, unchanged)
	}
	if n := len(res.Kept) + countMerged(res.Items); n > 0 {
		a.out("Your changes to %d %s are not in the store yet: run configsync push to send them.", n, plural(n, "file", "files"))
	}
	return nil
}

// printPullSkipped says what pull left alone, and why.
func (a *app) printPullSkipped(res *scopes.PullResult) {
	for _, s := range res.Skipped {
		switch {
		case s.Refused != "":
			a.info("Skipped project %s (pushed from %s, %s): pull never writes there: track a directory with configsync add env DIR --project %s, or use --dest DIR", s.Project, s.Dir, s.Refused, s.Project)
		case s.Dir != "":
			a.info("Skipped project %s (pushed from %s, not on this machine): track it with configsync add env DIR --project %s, or use --dest DIR", s.Project, s.Dir, s.Project)
		default:
			a.info("Skipped project %s: track it with configsync add env DIR --project %s, or use --dest DIR", s.Project, s.Project)
		}
	}
	for _, h := range res.Hidden {
		a.info("Skipped %s: pull never writes into a hidden directory: restore it elsewhere with --dest DIR", h)
	}
	for _, f := range res.NewFiles {
		a.info("Skipped new file %s: a file can be code: check where it goes, then re-run with --yes", f)
	}
	for _, m := range res.InjectOnly {
		a.out("Skipped %d env %s of %s (inject_as_env, %s): run configsync inject --project %s -- CMD instead",
			m.Items, plural(m.Items, "file", "files"), m.Project, m.Source(), m.Project)
	}
}

func countMerged(items []scopes.ItemResult) int {
	n := 0
	for _, it := range items {
		if it.Merged {
			n++
		}
	}
	return n
}

func statusFlags(fs *pflag.FlagSet) runFunc {
	var env string
	fs.StringVar(&env, "env", "", "environment (default: the active one)")
	asJSON := jsonFlag(fs)
	return func(ctx context.Context, a *app, args []string) error {
		return runStatus(ctx, a, args, env, asJSON)
	}
}

func runStatus(ctx context.Context, a *app, args []string, env string, asJSON *bool) error {
	v, err := a.openSession(ctx, "", "")
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
	v, err := a.openSession(ctx, "", "")
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
