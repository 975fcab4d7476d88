package main

import (
	"context"
	"errors"
	"os/exec"
	"strings"

	"github.com/spf13/pflag"

	"github.com/configsync/configsync/scopes"
)

func initFlags(fs *pflag.FlagSet) runFunc {
	var o scopes.InitOptions
	fs.StringVar(&o.Remote, "remote", "", "URL or path of the shared store (any git remote)")
	fs.StringVar(&o.Repo, "repo", "", "keep the store on a branch of this git repository")
	fs.StringVar(&o.Branch, "branch", "", "the store's branch (default configsync)")
	fs.StringVar(&o.Name, "name", "", "your name, for a new identity (default: git config user.name)")
	fs.StringVar(&o.Email, "email", "", "your email, for a new identity (default: git config user.email)")
	fs.StringSliceVar(&o.Trust, "trust", nil, "check a joined store against this admin fingerprint (repeat, or comma-separate; default CONFIGSYNC_ADMINS, else trust on first use)")
	return func(ctx context.Context, a *app, args []string) error {
		return runInit(ctx, a, args, o)
	}
}

func runInit(ctx context.Context, a *app, args []string, o scopes.InitOptions) error {
	if o.Branch != "" && o.Repo == "" && o.Remote == "" {
		return usagef(a.cmd, "--branch needs --repo or --remote")
	}
	if o.Name == "" {
		o.Name = gitConfig(ctx, "user.name")
	}
	if o.Email == "" {
		o.Email = gitConfig(ctx, "user.email")
	}
	if len(o.Trust) == 0 && a.env.Getenv("CONFIGSYNC_ADMINS") != "" {
		o.Trust = strings.Split(a.env.Getenv("CONFIGSYNC_ADMINS"), ",")
	}
	if a.env.IsTerminal() {
		o.ConfirmAdmins = func(admins []scopes.Member) bool {
			for _, m := range admins {
				a.info("The store's admin: %s (fingerprint %s)", m.Label(), m.Fingerprint)
			}
			return a.confirm("Compare each fingerprint with that admin (in person, or a channel you trust). Trust them?")
		}
	}
	v, err := a.openSession(ctx, "", "")
	if err != nil {
		return err
	}
	res, err := v.Init(ctx, o)
	if err != nil {
		return err
	}
	if res.NewIdentity != nil {
		a.out("Created identity %s <%s> (fingerprint %s)", res.NewIdentity.Name(), res.NewIdentity.Email(), res.Fingerprint)
	}
	for _, m := range res.Trusted {
		a.out("Trusting admin %s (fingerprint %s): compare it with %s.", m.Label(), m.Fingerprint, m.Name)
	}
	if res.Created {
		a.out("Created store at %s", res.Location)
	} else {
		a.out("Cloned store into %s", res.Location)
	}
	switch {
	case res.Member == nil:
		a.out("You are not a member yet: send your public key (configsync keys export) to an admin.")
	case res.Environment != "":
		a.out("Active environment: %s", res.Environment)
	}
	return nil
}

// gitConfig reads one git setting, "" when git or the setting is absent.
func gitConfig(ctx context.Context, key string) string {
	out, err := exec.CommandContext(ctx, "git", "config", "--get", key).Output()
	if err != nil {
		var ee *exec.ExitError
		_ = errors.As(err, &ee)
		return ""
	}
	return strings.TrimSpace(string(out))
}
