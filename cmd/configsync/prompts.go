package main

import (
	"fmt"
	"strings"

	"github.com/configsync/configsync/scopes"
)

// confirmNewFiles lists the file items this machine never had and asks
// before pull writes them (a file can be code: a Makefile, a git hook).
func (a *app) confirmNewFiles(files []string) bool {
	fmt.Fprintln(a.env.Stderr, "These files are new on this machine:")
	for _, f := range files {
		fmt.Fprintf(a.env.Stderr, "  %s\n", f)
	}
	return a.confirm("Restore them?")
}

// confirm asks a yes/no question on the terminal.
func (a *app) confirm(question string) bool {
	if !a.env.IsTerminal() {
		return false
	}
	fmt.Fprintf(a.env.Stderr, "%s [y/N] ", printable(question))
	var answer string
	fmt.Fscanln(a.env.Stdin, &answer)
	answer = strings.ToLower(strings.TrimSpace(answer))
	return answer == "y" || answer == "yes"
}

// confirmProtected is push's and import's question before a protected
// environment changes: yes (--yes) answers it, else the terminal does,
// after the changes are shown; without a terminal the answer is no.
func (a *app) confirmProtected(yes bool) func(scopes.Environment, []scopes.ItemChange) bool {
	return func(env scopes.Environment, changes []scopes.ItemChange) bool {
		if yes {
			return true
		}
		if !a.env.IsTerminal() {
			return false
		}
		a.showProtectedChanges(env, changes)
		return a.confirm(fmt.Sprintf("Overwrite these keys in protected %q?", env.Name))
	}
}

// showProtectedChanges prints what a push would change, values masked.
func (a *app) showProtectedChanges(env scopes.Environment, changes []scopes.ItemChange) {
	printLine(a.env.Stderr, "%q is protected. This push changes:", env.Name)
	for _, c := range changes {
		switch {
		case c.Deleted:
			printLine(a.env.Stderr, "  %s: deleted", c.Display)
		case len(c.Keys) == 0:
			printLine(a.env.Stderr, "  %s: contents changed", c.Display)
		default:
			for _, k := range c.Keys {
				printLine(a.env.Stderr, "  %s: %s %s = ********", c.Display, k.Kind, k.Key)
			}
		}
	}
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
