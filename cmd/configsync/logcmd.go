package main

import (
	"context"
	"fmt"

	"github.com/spf13/pflag"
)

func logFlags(fs *pflag.FlagSet) runFunc {
	var env string
	var n int
	fs.StringVar(&env, "env", "", "only changes to this environment")
	fs.IntVarP(&n, "max-count", "n", 0, "show at most N changes")
	asJSON := jsonFlag(fs)
	return func(ctx context.Context, a *app, args []string) error {
		return runLog(ctx, a, args, env, n, asJSON)
	}
}

func runLog(ctx context.Context, a *app, args []string, env string, n int, asJSON *bool) error {
	v, err := a.openSession(ctx, "", "")
	if err != nil {
		return err
	}
	entries, err := v.Log(ctx, env, n)
	if err != nil {
		return err
	}
	if *asJSON {
		return a.printJSON(logToJSON(entries))
	}
	for _, e := range entries {
		who := e.Author
		switch {
		case e.Refused:
			who = fmt.Sprintf("%s <%s> (refused here: not a member's)", e.Author, e.Email)
		case e.Format1:
			who = fmt.Sprintf("%s <%s> (format 1: signer not checked)", e.Author, e.Email)
		case !e.Member:
			who = fmt.Sprintf("%s <%s> (not a member)", e.Author, e.Email)
		}
		a.out("%s  %s  %s  %s", e.Commit[:12], e.When.UTC().Format("2006-01-02 15:04:05Z"), who, e.Summary)
		for _, d := range e.Details {
			a.out("    %s", d)
		}
		// A commit that changed items without saying which
		// (made with plain git): name them, so nothing goes
		// unseen.
		if len(e.Details) == 0 {
			for _, it := range e.Items {
				a.out("    %s: changed (not described by the commit)", it)
			}
		}
	}
	return nil
}
