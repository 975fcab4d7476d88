package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/configsync/configsync/hooks"
	"github.com/configsync/configsync/scopes"
)

func pushCmd() *command {
	return &command{
		name: "push", args: "[--filter env|file] [--env E] [--project P] [-m MSG] [--yes] [--re-add]",
		summary: "encrypt and commit tracked items to the active (or given) environment",
		setup: func(fs *pflag.FlagSet) func(context.Context, *app, []string) error {
			var o scopes.PushOptions
			var yes bool
			fs.StringVar(&o.Filter, "filter", "", "only items of this type: env or file")
			fs.StringVar(&o.Env, "env", "", "environment (default: the active one)")
			fs.StringVar(&o.Project, "project", "", "only this project")
			fs.StringVarP(&o.Message, "message", "m", "", "add a note to the commit message (never put values here)")
			fs.BoolVar(&yes, "yes", false, "confirm changes to a protected environment without a prompt")
			fs.BoolVar(&o.ReAdd, "re-add", false, "put back items another member deleted from the store")
			return func(ctx context.Context, a *app, args []string) error {
				if err := scopes.ValidateFilter(o.Filter); err != nil {
					return usagef(a.cmd, "%v", err)
				}
				v, err := a.openVault(ctx, "", "")
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
				if len(res.Items) == 0 {
					a.out("Everything up to date in %q scope.", res.Env.Name)
					return nil
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
				return nil
			}
		},
	}
}

func pullCmd() *command {
	return &command{
		name: "pull", args: "[--filter env|file] [--env E] [--project P] [--ours|--theirs|--force] [--yes] [--dest DIR] [--remote URL|--repo DIR]",
		summary: "restore items of the active (or given) environment as files",
		setup: func(fs *pflag.FlagSet) func(context.Context, *app, []string) error {
			var o scopes.PullOptions
			var remote, repo string
			fs.StringVar(&o.Filter, "filter", "", "only items of this type: env or file")
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
				if err := scopes.ValidateFilter(o.Filter); err != nil {
					return usagef(a.cmd, "%v", err)
				}
				if remote != "" && repo != "" {
					return usagef(a.cmd, "--remote and --repo exclude each other")
				}
				if o.Ours && (o.Theirs || o.Force) {
					return usagef(a.cmd, "--ours excludes --theirs and --force")
				}
				v, err := a.openVault(ctx, a.readRemote(remote, repo), repo)
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
		},
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

// confirmProtected is push's and import's question before a protected
// environment changes: yes (--yes) answers it, else the terminal does,
// after the changes are shown; without a terminal the answer is no.
func (a *app) confirmProtected(yes bool) func(scopes.Environment, []scopes.ItemChange) bool {
	return func(env scopes.Environment, changes []scopes.ItemChange) bool {
		if yes {
			return true
		}
		if !a.env.IsTerminal() {
			return false
		}
		a.showProtectedChanges(env, changes)
		return a.confirm(fmt.Sprintf("Overwrite these keys in protected %q?", env.Name))
	}
}

// showProtectedChanges prints what a push would change, values masked.
func (a *app) showProtectedChanges(env scopes.Environment, changes []scopes.ItemChange) {
	printLine(a.env.Stderr, "%q is protected. This push changes:", env.Name)
	for _, c := range changes {
		switch {
		case c.Deleted:
			printLine(a.env.Stderr, "  %s: deleted", c.Display)
		case len(c.Keys) == 0:
			printLine(a.env.Stderr, "  %s: contents changed", c.Display)
		default:
			for _, k := range c.Keys {
				printLine(a.env.Stderr, "  %s: %s %s = ********", c.Display, k.Kind, k.Key)
			}
		}
	}
}

// kindsPhrase is ".env files", "files" or ".env files and files".
func kindsPhrase(items []scopes.ItemResult) string {
	env, file := 0, 0
	for _, it := range items {
		if it.Type == scopes.TypeEnv {
			env++
		} else {
			file++
		}
	}
	switch {
	case file == 0:
		return ".env files"
	case env == 0:
		return "files"
	}
	return ".env files and files"
}

// countPhrase is "1 env file", "2 env files", "1 file", or both.
func countPhrase(items []scopes.ItemResult) string {
	env, file := 0, 0
	for _, it := range items {
		if it.Type == scopes.TypeEnv {
			env++
		} else {
			file++
		}
	}
	var parts []string
	if env > 0 || file == 0 {
		parts = append(parts, fmt.Sprintf("%d env %s", env, plural(env, "file", "files")))
	}
	if file > 0 {
		parts = append(parts, fmt.Sprintf("%d %s", file, plural(file, "file", "files")))
	}
	return strings.Join(parts, " and ")
}

func sizeOf(n int) string {
	switch {
	case n < 1024:
		return fmt.Sprintf("%d %s", n, plural(n, "byte", "bytes"))
	case n < 1024*1024:
		return fmt.Sprintf("%.1f KB", float64(n)/1024)
	}
	return fmt.Sprintf("%.1f MB", float64(n)/(1024*1024))
}

// Leak index files under $CONFIGSYNC_HOME.
const (
	leakIndexFile = "leak.idx"
	leakKeyFile   = "leak.key"
)

// refreshLeakIndex records the values of items just pushed or pulled, as
// keyed hashes, for the pre-commit guard (scopes.Options.Leaks: the use
// cases call it). A failure here only warns: the push or pull itself
// succeeded.
func (a *app) refreshLeakIndex(env string, items []scopes.ItemResult) {
	indexPath := filepath.Join(a.home, leakIndexFile)
	ix, err := hooks.OpenIndex(indexPath, filepath.Join(a.home, leakKeyFile))
	if errors.Is(err, hooks.ErrIndexCorrupt) {
		// Damaged, or written by another version: start afresh; every
		// push and pull adds its items back.
		a.info("warning: the leak index %s was unreadable and is rebuilt from this %s on", indexPath, a.cmd.name)
		if err = os.Remove(indexPath); err == nil {
			ix, err = hooks.OpenIndex(indexPath, filepath.Join(a.home, leakKeyFile))
		}
	}
	if err != nil {
		a.info("warning: leak index not updated: %v", err)
		return
	}
	minLen := a.minLength()
	for _, it := range items {
		source := env + "/" + it.Project + "/" + it.Path
		var secrets []hooks.Secret // nil removes a deleted item's values
		if it.File != nil {
			secrets = hooks.EnvSecrets(it.File)
		}
		ix.Replace(source, secrets, minLen)
	}
	if err := ix.Save(); err != nil {
		a.info("warning: leak index not saved: %v", err)
	}
}

// age says how long ago t was, for people.
func age(now, t time.Time) string {
	if t.IsZero() {
		return "an unknown time"
	}
	d := now.Sub(t)
	switch {
	case d < time.Minute:
		return "less than a minute ago"
	case d < time.Hour:
		return fmt.Sprintf("%d %s ago", int(d.Minutes()), plural(int(d.Minutes()), "minute", "minutes"))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d %s ago", int(d.Hours()), plural(int(d.Hours()), "hour", "hours"))
	}
	days := int(d.Hours() / 24)
	return fmt.Sprintf("%d days ago (%s)", days, t.UTC().Format("2006-01-02 15:04Z"))
}
