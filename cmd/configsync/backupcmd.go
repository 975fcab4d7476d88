package main

import (
	"context"
	"fmt"

	"github.com/spf13/pflag"

	"github.com/configsync/configsync/scopes"
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
	v, err := a.openVault(ctx, "", "")
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

// chooseKeys asks, on a terminal, which side wins each key both sides
// changed; values are masked. An answer other than ours or theirs stops
// asking, and the keys left refuse the pull.
func (a *app) chooseKeys(display string, cs []scopes.KeyConflict) map[string]scopes.Side {
	printLine(a.env.Stderr, "%s: %d %s changed here and in the store:", display, len(cs), plural(len(cs), "key", "keys"))
	choice := map[string]scopes.Side{}
	for _, c := range cs {
		printLine(a.env.Stderr, "  %s: yours %s, the store's %s", c.Key, masked(c.InOurs), masked(c.InTheirs))
		fmt.Fprintf(a.env.Stderr, "%s: keep [o]urs or [t]heirs? ", printable(c.Key))
		var answer string
		fmt.Fscanln(a.env.Stdin, &answer)
		switch answer {
		case "o", "ours":
			choice[c.Key] = scopes.SideOurs
		case "t", "theirs":
			choice[c.Key] = scopes.SideTheirs
		default:
			return choice
		}
	}
	return choice
}

// masked shows a conflicting value without showing it.
func masked(present bool) string {
	if !present {
		return "(removed)"
	}
	return "********"
}
