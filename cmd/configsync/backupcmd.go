package main

import (
	"context"

	"github.com/spf13/pflag"
)

func restoreBackupFlags(fs *pflag.FlagSet) runFunc {
	var list bool
	fs.BoolVar(&list, "list", false, "list the backups kept, oldest first")
	return func(ctx context.Context, a *app, args []string) error {
		return runRestoreBackup(ctx, a, args, list)
	}
}

func runRestoreBackup(ctx context.Context, a *app, args []string, list bool) error {
	if len(args) > 1 {
		return usagef(a.cmd, "unexpected argument %q", args[1])
	}
	if list && len(args) > 0 {
		return usagef(a.cmd, "--list takes no ID or PATH")
	}
	v, err := a.openSession(ctx, "", "")
	if err != nil {
		return err
	}
	if list {
		all, err := v.Backups()
		if err != nil {
			return err
		}
		if len(all) == 0 {
			a.out("No backups kept.")
			return nil
		}
		for _, b := range all {
			a.out("%s  %s  %s  (%s, %s)", b.ID, b.Time.Format("2006-01-02 15:04:05Z"), b.Display, b.Reason, sizeOf(b.Size))
		}
		return nil
	}
	which := ""
	if len(args) == 1 {
		which = args[0]
	}
	b, saved, err := v.RestoreBackup(ctx, which)
	if err != nil {
		return err
	}
	a.out("Restored %s from backup %s.", b.Display, b.ID)
	if saved != nil {
		a.out("What it held is in backup %s (configsync restore-backup %s brings it back).", saved.ID, saved.ID)
	}
	a.out("Run configsync status to see what push would send.")
	return nil
}
