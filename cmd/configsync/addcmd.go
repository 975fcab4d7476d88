package main

import (
	"context"

	"github.com/spf13/pflag"
)

func addEnvFlags(fs *pflag.FlagSet) runFunc {
	var project string
	fs.StringVar(&project, "project", "", "project name (default: configsync.toml's project, else the directory's name)")
	return func(ctx context.Context, a *app, args []string) error {
		return runAddEnv(ctx, a, args, project)
	}
}

func runAddEnv(ctx context.Context, a *app, args []string, project string) error {
	v, err := a.openSession(ctx, "", "")
	if err != nil {
		return err
	}
	res, err := v.AddEnv(args[0], project)
	if err != nil {
		return err
	}
	verb := "Tracking"
	if res.Already {
		verb = "Already tracking"
	}
	a.out("%s %s (project %s): %d env %s", verb, res.Dir, res.Project, len(res.Items), plural(len(res.Items), "file", "files"))
	for _, it := range res.Items {
		a.out("  %s", it)
	}
	return nil
}

func addFileFlags(fs *pflag.FlagSet) runFunc {
	var project string
	fs.StringVar(&project, "project", "", "project name (default: the tracked project containing it, else its directory's name)")
	return func(ctx context.Context, a *app, args []string) error {
		return runAddFile(ctx, a, args, project)
	}
}

func runAddFile(ctx context.Context, a *app, args []string, project string) error {
	v, err := a.openSession(ctx, "", "")
	if err != nil {
		return err
	}
	res, err := v.AddFile(args[0], project)
	if err != nil {
		return err
	}
	verb := "Tracking"
	if res.Already {
		verb = "Already tracking"
	}
	a.out("%s %s/%s (project %s)", verb, res.Dir, res.Items[0], res.Project)
	return nil
}

func runUntrack(ctx context.Context, a *app, args []string) error {
	v, err := a.openSession(ctx, "", "")
	if err != nil {
		return err
	}
	res, err := v.Untrack(args[0])
	if err != nil {
		return err
	}
	a.out("Untracked %s (project %s)", res.Dir, res.Project)
	return nil
}
