package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/pflag"

	"github.com/configsync/configsync/scopes"
)

func envCreateFlags(fs *pflag.FlagSet) runFunc {
	var tier onceFlag
	var protect bool
	fs.Var(&tier, "tier", "the tier that may read and write it: dev, staging or production")
	fs.BoolVar(&protect, "protect", false, "ask before any push changes it (--yes without a terminal)")
	return func(ctx context.Context, a *app, args []string) error {
		return runEnvCreate(ctx, a, args, tier, protect)
	}
}

func runEnvCreate(ctx context.Context, a *app, args []string, tier onceFlag, protect bool) error {
	if tier.val == "" {
		return usagef(a.cmd, "--tier is required (dev, staging or production)")
	}
	t, err := scopes.ParseTier(tier.val)
	if err != nil {
		return err
	}
	if err := scopes.ValidateName("environment", args[0]); err != nil {
		return err
	}
	v, err := a.openSession(ctx, "", "")
	if err != nil {
		return err
	}
	env, err := v.CreateEnvironment(ctx, args[0], t, protect)
	var exists *scopes.EnvironmentExistsError
	switch {
	case errors.As(err, &exists) && exists.Env.Tier == t && exists.Env.Protected == protect:
		// Same settings: a setup script can be re-run.
		env = exists.Env
		a.out("Environment %q already exists (%s)", env.Name, env.Describe())
	case err != nil:
		return err
	default:
		a.out("Created environment %q (%s)", env.Name, env.Describe())
	}
	// The first environment on a machine becomes the active one,
	// so the next push works; env use picks another.
	if v.Config().Environment == "" {
		if _, err := v.UseEnvironment(ctx, env.Name); err != nil {
			return err
		}
	}
	return nil
}

func runEnvUse(ctx context.Context, a *app, args []string) error {
	v, err := a.openSession(ctx, "", "")
	if err != nil {
		return err
	}
	env, err := v.UseEnvironment(ctx, args[0])
	if err != nil {
		return err
	}
	a.out("Active environment: %s", env.Name)
	return nil
}

func envStatusFlags(fs *pflag.FlagSet) runFunc {
	asJSON := jsonFlag(fs)
	return func(ctx context.Context, a *app, args []string) error {
		return runEnvStatus(ctx, a, args, asJSON)
	}
}

func runEnvStatus(ctx context.Context, a *app, args []string, asJSON *bool) error {
	envs, active, err := a.environments(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		return a.printJSON(environmentsJSON(envs, active))
	}
	line := "Active: none (choose one with configsync env use NAME)"
	var names []string
	for _, e := range envs {
		names = append(names, e.Name)
		if e.Name == active {
			line = fmt.Sprintf("Active: %s (tier: %s)", e.Name, e.Tier)
		}
	}
	a.out("%s", line)
	a.out("Available: %s", strings.Join(names, ", "))
	return nil
}

func envListFlags(fs *pflag.FlagSet) runFunc {
	asJSON := jsonFlag(fs)
	return func(ctx context.Context, a *app, args []string) error {
		return runEnvList(ctx, a, args, asJSON)
	}
}

func runEnvList(ctx context.Context, a *app, args []string, asJSON *bool) error {
	envs, active, err := a.environments(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		return a.printJSON(environmentsJSON(envs, active))
	}
	width := 0
	for _, e := range envs {
		width = max(width, len(e.Name))
	}
	for _, e := range envs {
		mark := " "
		if e.Name == active {
			mark = "*"
		}
		a.out("%s %-*s  %s, key generation %d", mark, width, e.Name, e.Describe(), e.KeyGeneration)
	}
	return nil
}

func envDeleteFlags(fs *pflag.FlagSet) runFunc {
	var yes bool
	fs.BoolVar(&yes, "yes", false, "confirm deleting a protected environment")
	return func(ctx context.Context, a *app, args []string) error {
		return runEnvDelete(ctx, a, args, yes)
	}
}

func runEnvDelete(ctx context.Context, a *app, args []string, yes bool) error {
	v, err := a.openSession(ctx, "", "")
	if err != nil {
		return err
	}
	err = v.DeleteEnvironment(ctx, args[0], func(env scopes.Environment, items int) bool {
		return yes || a.confirm(fmt.Sprintf("Delete protected environment %q and its %d items?", env.Name, items))
	})
	var pe *scopes.ProtectedError
	if errors.As(err, &pe) {
		return fmt.Errorf("%q is protected: re-run with --yes to delete it and its %d %s", pe.Env, pe.Keys, plural(pe.Keys, "item", "items"))
	}
	if err != nil {
		return err
	}
	a.out("Deleted environment %q", args[0])
	return nil
}

func runEnvRotate(ctx context.Context, a *app, args []string) error {
	v, err := a.openSession(ctx, "", "")
	if err != nil {
		return err
	}
	rep, err := v.RotateEnvironment(ctx, args[0])
	if err != nil {
		return err
	}
	a.printRotation(rep)
	return nil
}

// environments lists the store's environments and names the active one.
func (a *app) environments(ctx context.Context) ([]scopes.Environment, string, error) {
	v, err := a.openSession(ctx, "", "")
	if err != nil {
		return nil, "", err
	}
	envs, err := v.Environments(ctx)
	if err != nil {
		return nil, "", err
	}
	return envs, v.Config().Environment, nil
}
