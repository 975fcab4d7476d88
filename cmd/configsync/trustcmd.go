package main

import (
	"context"

	"github.com/spf13/pflag"
)

func upgradeCmd() *command {
	return &command{
		name: "upgrade", args: "",
		summary: "move a format 1 store to format 2 (admins; once per store)",
		setup: func(fs *pflag.FlagSet) func(context.Context, *app, []string) error {
			return func(ctx context.Context, a *app, args []string) error {
				v, err := a.openVault(ctx, "", "")
				if err != nil {
					return err
				}
				res, err := v.Upgrade(ctx)
				if err != nil {
					return err
				}
				if res.From == res.To {
					a.out("The store is already format %d.", res.To)
					return nil
				}
				a.out("Upgraded the store from format %d to format %d: %d %s indexed, %d %s signed again.", res.From, res.To,
					len(res.Envs), plural(len(res.Envs), "environment", "environments"), res.Resigned, plural(res.Resigned, "item", "items"))
				return nil
			}
		},
	}
}

func repairCmd() *command {
	return &command{
		name: "repair", args: "[--follow]",
		summary: "put back the last state this machine accepted over refused commits, or --follow a remote moved back (admins)",
		setup: func(fs *pflag.FlagSet) func(context.Context, *app, []string) error {
			follow := fs.Bool("follow", false, "accept the remote as it is after it was moved back: seal its state forward past this machine's serials")
			return func(ctx context.Context, a *app, args []string) error {
				v, err := a.openVault(ctx, "", "")
				if err != nil {
					return err
				}
				if *follow {
					res, err := v.RepairFollow(ctx)
					if err != nil {
						return err
					}
					a.out("Followed the remote at %.12s, sealed forward in %d commit(s) (team manifest serial %d).", res.Remote, len(res.Commits), res.Serial)
					if res.Dropped != "" {
						a.out("  dropped: %s", res.Dropped)
					}
					return nil
				}
				res, err := v.Repair(ctx)
				if err != nil {
					return err
				}
				a.out("Put back the state of commit %.12s in commit %.12s.", res.Accepted, res.Commit)
				for _, s := range res.Skipped {
					a.out("  refused %.12s: %s", s.Commit, s.Reason)
				}
				return nil
			}
		},
	}
}
