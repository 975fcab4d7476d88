package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/pflag"
)

func runHelp(ctx context.Context, a *app, args []string) error {
	if len(args) == 0 {
		a.printOverview(a.env.Stdout)
		return nil
	}
	name := strings.Join(args, " ")
	c := lookup(commands(), name)
	if c == nil {
		if group := subcommands(commands(), name); len(group) > 0 {
			fmt.Fprintf(a.env.Stdout, "configsync %s: %s\n", name, strings.Join(group, ", "))
			for _, sub := range group {
				cc := lookup(commands(), name+" "+sub)
				fmt.Fprintf(a.env.Stdout, "  %-24s %s\n", cc.name, cc.summary)
			}
			return nil
		}
		return usagef(a.cmd, "unknown command %q", name)
	}
	a.printHelp(a.env.Stdout, c)
	return nil
}

// printOverview lists every command with its summary.
func (a *app) printOverview(w io.Writer) {
	fmt.Fprintln(w, "configsync keeps a team's secrets OpenPGP-encrypted in git, one scope per environment.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Usage: configsync [--home DIR] [-q] COMMAND [ARGS]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Commands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-18s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run configsync help COMMAND for a command's flags.")
	fmt.Fprintln(w, "Exit status: 0 done, 1 refused or failed, 2 usage error.")
}

// printHelp shows one command's usage and flags.
func (a *app) printHelp(w io.Writer, c *command) {
	fmt.Fprintf(w, "Usage: configsync %s %s\n\n%s.\n", c.name, c.args, capitalize(c.summary))
	fs := pflag.NewFlagSet(c.name, pflag.ContinueOnError)
	fs.SortFlags = false
	c.flags(fs)
	if usage := fs.FlagUsages(); usage != "" {
		fmt.Fprintf(w, "\nFlags:\n%s", usage)
	}
	fmt.Fprintf(w, "\nGlobal flags:\n      --home DIR   configsync's home (env CONFIGSYNC_HOME)\n  -q, --quiet      print only errors\n")
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
