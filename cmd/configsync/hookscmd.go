package main

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/spf13/pflag"

	"github.com/configsync/configsync/config"
	"github.com/configsync/configsync/hooks"
)

// errBlocked is the guard's refusal after its findings were printed.
var errBlocked = errors.New("commit blocked")

func hooksInstallFlags(fs *pflag.FlagSet) runFunc {
	var repo string
	fs.StringVar(&repo, "repo", ".", "the git repository")
	return func(ctx context.Context, a *app, args []string) error {
		return runHooksInstall(ctx, a, args, repo)
	}
}

func runHooksInstall(ctx context.Context, a *app, args []string, repo string) error {
	info, err := hooks.Install(repo, a.hookOptions())
	if err != nil {
		return err
	}
	switch {
	case info.Unchanged:
		a.out("The pre-commit guard is already installed in %s", info.Hook)
	case info.Chained != "":
		a.out("Installed the pre-commit guard in %s (your previous hook still runs, from %s)", info.Hook, info.Chained)
	default:
		a.out("Installed the pre-commit guard in %s", info.Hook)
	}
	return nil
}

func hooksUninstallFlags(fs *pflag.FlagSet) runFunc {
	var repo string
	fs.StringVar(&repo, "repo", ".", "the git repository")
	return func(ctx context.Context, a *app, args []string) error {
		return runHooksUninstall(ctx, a, args, repo)
	}
}

func runHooksUninstall(ctx context.Context, a *app, args []string, repo string) error {
	info, err := hooks.Uninstall(repo, a.hookOptions())
	if err != nil {
		return err
	}
	if info.Chained != "" {
		a.out("Removed the pre-commit guard; restored your previous hook in %s", info.Hook)
	} else {
		a.out("Removed the pre-commit guard from %s", info.Hook)
	}
	return nil
}

func runHooksPreCommit(ctx context.Context, a *app, args []string) error {
	opts, err := a.guardOptions(ctx)
	if err != nil {
		return err
	}
	opts.IndexFile = a.env.Getenv("GIT_INDEX_FILE")
	findings, err := hooks.CheckStaged(ctx, ".", opts)
	if err != nil {
		return err
	}
	return a.report(findings)
}

func hooksScanFlags(fs *pflag.FlagSet) runFunc {
	var dir string
	fs.StringVar(&dir, "project-dir", "", "project directory whose configsync.toml allow-list applies (default: current directory)")
	return func(ctx context.Context, a *app, args []string) error {
		return runHooksScan(ctx, a, args, dir)
	}
}

func runHooksScan(ctx context.Context, a *app, args []string, dir string) error {
	if len(args) == 0 {
		return usagef(a.cmd, "missing PATH (a file or directory to scan)")
	}
	opts, err := a.guardOptions(ctx)
	if err != nil {
		return err
	}
	if dir == "" {
		dir = "."
	}
	opts.Dir = dir
	findings, err := hooks.Scan(ctx, args, opts)
	if err != nil {
		return err
	}
	return a.report(findings)
}

// report prints the findings on stderr; any finding blocks.
func (a *app) report(findings []hooks.Finding) error {
	if len(findings) == 0 {
		return nil
	}
	// One value pushed to several environments is one finding to fix.
	seen := map[hooks.Finding]bool{}
	for _, f := range findings {
		key := hooks.Finding{File: f.File, Line: f.Line, Rule: f.Rule, Key: f.Key}
		if seen[key] {
			continue
		}
		seen[key] = true
		printLine(a.env.Stderr, "configsync: %s", f.Message())
	}
	printLine(a.env.Stderr, "configsync: %s", hooks.BypassHint())
	return silentError{errBlocked}
}

// silentError fails with exit 1 after the reason was already printed.
type silentError struct{ error }

// guardOptions loads the leak index and the tracked paths.
func (a *app) guardOptions(ctx context.Context) (hooks.Options, error) {
	var opts hooks.Options
	home := config.Home(a.home)
	ix, err := hooks.OpenIndex(home.LeakIndex(), home.LeakKey())
	if err != nil {
		return opts, err
	}
	opts.Index = ix
	v, err := a.openSession(ctx, "", "")
	if err != nil {
		return opts, err
	}
	items, err := v.Tracked("", "")
	if err != nil {
		return opts, err
	}
	for _, it := range items {
		opts.Tracked = append(opts.Tracked, it.Abs())
	}
	return opts, nil
}

// minLength is hooks.min_length from the local config the command's
// vault read (config.toml is read once).
func (a *app) minLength() int {
	if a.session == nil {
		return config.DefaultMinLength
	}
	return a.session.Config().MinLength()
}

// hookOptions says what the hook runs: "configsync" when PATH finds this
// very binary, else its absolute path.
func (a *app) hookOptions() hooks.InstallOptions {
	command := "configsync"
	self, err := os.Executable()
	if err == nil {
		self, _ = filepath.EvalSymlinks(self)
		found, lerr := exec.LookPath("configsync")
		if lerr == nil {
			found, _ = filepath.EvalSymlinks(found)
		}
		if lerr != nil || !sameFile(found, self) {
			command = self
		}
	}
	home := a.env.Getenv("HOME")
	var global []string
	if x := a.env.Getenv("XDG_CONFIG_HOME"); x != "" {
		global = append(global, filepath.Join(x, "git", "config"))
	} else if home != "" {
		global = append(global, filepath.Join(home, ".config", "git", "config"))
	}
	if home != "" {
		global = append(global, filepath.Join(home, ".gitconfig"))
	}
	return hooks.InstallOptions{Command: command, GlobalConfig: global, Home: home}
}

func sameFile(a, b string) bool {
	sa, err1 := os.Stat(a)
	sb, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(sa, sb)
}
