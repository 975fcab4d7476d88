package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"

	"github.com/spf13/pflag"

	"github.com/configsync/configsync/hooks"
	"github.com/configsync/configsync/internal/rofile"
	"github.com/configsync/configsync/scopes"
)

// errDoctor is doctor's exit status once the failed checks were printed.
var errDoctor = errors.New("doctor found problems")

func doctorFlags(fs *pflag.FlagSet) runFunc {
	fix := fs.Bool("fix", false, "repair what can be: fetch a damaged store again from the remote, finish a half-done init, tighten the home's permissions")
	return func(ctx context.Context, a *app, args []string) error {
		return runDoctor(ctx, a, args, fix)
	}
}

func runDoctor(ctx context.Context, a *app, args []string, fix *bool) error {
	failed := false
	report := func(c scopes.Check) {
		if c.OK {
			a.out("✓ %s: %s", c.Name, c.Detail)
			return
		}
		failed = true
		a.out("✗ %s: %s: %s", c.Name, c.Detail, c.Fix)
	}
	res, err := scopes.Doctor(ctx, a.sessionOptions("", "", nil), *fix, report)
	if err != nil {
		return err
	}
	if res != nil {
		for _, m := range res.Trusted {
			a.out("Trusting admin %s (fingerprint %s): compare it with %s.", m.Label(), m.Fingerprint, m.Name)
		}
	}
	a.checkHooks(report)
	if failed {
		return silentError{errDoctor}
	}
	return nil
}

// checkHooks reports, for each git repository a tracked project lives
// in, whether configsync's pre-commit guard is installed there.
func (a *app) checkHooks(report func(scopes.Check)) {
	cfg, err := scopes.LoadSettings(a.home)
	if err != nil {
		return // reported by the config check
	}
	var dirs []string
	for _, t := range cfg.Track {
		if !slices.Contains(dirs, t.Dir) {
			dirs = append(dirs, t.Dir)
		}
	}
	missing, repos := 0, 0
	opts := a.hookOptions()
	for _, dir := range dirs {
		hdir, err := hooks.HooksDir(dir, opts)
		if err != nil {
			continue // not in a git repository: nothing to guard
		}
		repos++
		data, _ := rofile.ReadFile(filepath.Join(hdir, hooks.HookName))
		if !bytes.Contains(data, []byte("configsync-hook")) {
			missing++
			report(scopes.Check{Name: "hooks", Detail: "no pre-commit guard in the repository of " + dir, Fix: "run configsync hooks install --repo " + dir})
		}
	}
	if missing == 0 {
		detail := "no tracked project is in a git repository"
		if repos > 0 {
			detail = fmt.Sprintf("the pre-commit guard is installed in the %d git repositories of tracked projects", repos)
		}
		report(scopes.Check{Name: "hooks", OK: true, Detail: detail})
	}
}
