package main

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/spf13/pflag"
)

func verifyFlags(fs *pflag.FlagSet) runFunc {
	full := fs.Bool("full", false, "check every commit from the first, not only those this machine has not verified yet")
	asJSON := jsonFlag(fs)
	return func(ctx context.Context, a *app, args []string) error {
		return runVerify(ctx, a, args, full, asJSON)
	}
}

func runVerify(ctx context.Context, a *app, args []string, full *bool, asJSON *bool) error {
	v, err := a.openSession(ctx, "", "")
	if err != nil {
		return err
	}
	rep, err := v.Verify(ctx, *full)
	if err != nil {
		return err
	}
	if *asJSON {
		if err := a.printJSON(verifyToJSON(rep)); err != nil {
			return err
		}
		if len(rep.Problems) > 0 {
			return verifyFailed(len(rep.Problems))
		}
		return nil
	}
	for _, p := range rep.Problems {
		printLine(a.env.Stderr, "configsync: %s", p)
	}
	for _, w := range rep.Warnings {
		a.info("warning: %s", w)
	}
	if len(rep.Skipped) > 0 {
		a.info("Not checked (your key cannot read them): %s", strings.Join(rep.Skipped, ", "))
	}
	if len(rep.Problems) > 0 {
		return verifyFailed(len(rep.Problems))
	}
	a.out("Verified %d %s, %d manifest %s, %d environment key %s and %d item %s.", rep.Commits, plural(rep.Commits, "commit", "commits"),
		rep.Manifests, plural(rep.Manifests, "version", "versions"), rep.Keys, plural(rep.Keys, "version", "versions"),
		rep.Items, plural(rep.Items, "signature", "signatures"))
	for _, vault := range slices.Sorted(maps.Keys(rep.Documents)) {
		n := rep.Documents[vault]
		a.out("Checked %d %s in %s against the signed digests.", n, plural(n, "document", "documents"), vault)
	}
	return nil
}

// verifyFailed is verify's refusal when it found n problems.
func verifyFailed(n int) error {
	return fmt.Errorf("verify found %d %s: the store may have been tampered with; compare with an admin", n, plural(n, "problem", "problems"))
}
