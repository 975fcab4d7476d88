package main

import (
	"context"

	"github.com/spf13/pflag"
)

func addEnvCmd() *command {
	return &command{
		name: "add env", args: "DIR [--project P]",
		params:  []string{"DIR"},
		summary: "track the .env files of a project directory on this machine",
		setup: func(fs *pflag.FlagSet) func(context.Context, *app, []string) error {
			var project string
			fs.StringVar(&project, "project", "", "project name (default: configsync.toml's project, else the directory's name)")
			return func(ctx context.Context, a *app, args []string) error {
				v, err := a.openVault(ctx, "", "")
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
		},
	}
}

func addFileCmd() *command {
	return &command{
		name: "add file", args: "PATH [--project P]",
		params:  []string{"PATH"},
		summary: "track one secret file (service-account.json, ~/.npmrc…) on this machine",
		setup: func(fs *pflag.FlagSet) func(context.Context, *app, []string) error {
			var project string
			fs.StringVar(&project, "project", "", "project name (default: the tracked project containing it, else its directory's name)")
			return func(ctx context.Context, a *app, args []string) error {
				v, err := a.openVault(ctx, "", "")
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
		},
	}
}

func untrackCmd() *command {
	return &command{
		name: "untrack", args: "PATH",
		params:  []string{"PATH"},
		summary: "stop tracking a directory or file on this machine (the store keeps its items)",
		setup: func(fs *pflag.FlagSet) func(context.Context, *app, []string) error {
			return func(ctx context.Context, a *app, args []string) error {
				v, err := a.openVault(ctx, "", "")
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
		},
	}
}
