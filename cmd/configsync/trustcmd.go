package main

import (
	"context"

	"github.com/spf13/pflag"
)

func runUpgrade(ctx context.Context, a *app, args []string) error {
	v, err := a.openSession(ctx, "", "")
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

func repairFlags(fs *pflag.FlagSet) runFunc {
	follow := fs.Bool("follow", false, "accept the remote as it is after it was moved back: seal its state forward past this machine's serials")
	return func(ctx context.Context, a *app, args []string) error {
		return runRepair(ctx, a, args, follow)
	}
}

func runRepair(ctx context.Context, a *app, args []string, follow *bool) error {
	v, err := a.openSession(ctx, "", "")
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
