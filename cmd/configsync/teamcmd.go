package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/pflag"

	"github.com/configsync/configsync/internal/rofile"
	"github.com/configsync/configsync/keyring"
	"github.com/configsync/configsync/scopes"
)

func teamAddFlags(fs *pflag.FlagSet) runFunc {
	var tiers listFlag
	var admin, ci bool
	fs.Var(&tiers, "tier", "tiers the member may read and write, comma-separated or repeated")
	fs.BoolVar(&admin, "admin", false, "the member may change the team")
	fs.BoolVar(&ci, "ci", false, "a machine key (CI job, server)")
	return func(ctx context.Context, a *app, args []string) error {
		return runTeamAdd(ctx, a, args, tiers, admin, ci)
	}
}

func runTeamAdd(ctx context.Context, a *app, args []string, tiers listFlag, admin, ci bool) error {
	if tiers.String() == "" {
		return usagef(a.cmd, "--tier is required (dev, staging, production)")
	}
	ts, err := scopes.ParseTiers(tiers.String())
	if err != nil {
		return err
	}
	data, err := rofile.ReadFile(args[0])
	if err != nil {
		return err
	}
	pub, err := keyring.ReadPublicKey(data)
	if errors.Is(err, keyring.ErrMalformed) {
		return &keyFileError{msg: fmt.Sprintf("%s is not an OpenPGP public key (%v)", args[0], err), fix: "ask the member for the output of configsync keys export", err: err}
	}
	if err != nil {
		return err
	}
	v, err := a.openSession(ctx, "", "")
	if err != nil {
		return err
	}
	m, err := v.TeamAdd(ctx, pub, ts, admin, ci)
	if err != nil {
		return err
	}
	a.out("Added %s (fingerprint %s) with tiers %s%s.", m.Label(), m.Fingerprint, tierList(m.Tiers), flagsOf(m))
	return nil
}

func teamGrantFlags(fs *pflag.FlagSet) runFunc {
	var tiers listFlag
	fs.Var(&tiers, "tier", "tiers to grant, comma-separated or repeated")
	return func(ctx context.Context, a *app, args []string) error {
		return runTeamGrant(ctx, a, args, tiers)
	}
}

func runTeamGrant(ctx context.Context, a *app, args []string, tiers listFlag) error {
	v, ts, err := a.openForTiers(ctx, tiers)
	if err != nil {
		return err
	}
	m, err := v.TeamGrant(ctx, args[0], ts)
	if err != nil {
		return err
	}
	a.out("%s now has tiers %s.", m.Label(), tierList(m.Tiers))
	return nil
}

func teamRevokeFlags(fs *pflag.FlagSet) runFunc {
	var tiers listFlag
	fs.Var(&tiers, "tier", "tiers to revoke, comma-separated or repeated")
	return func(ctx context.Context, a *app, args []string) error {
		return runTeamRevoke(ctx, a, args, tiers)
	}
}

func runTeamRevoke(ctx context.Context, a *app, args []string, tiers listFlag) error {
	v, ts, err := a.openForTiers(ctx, tiers)
	if err != nil {
		return err
	}
	rep, err := v.TeamRevoke(ctx, args[0], ts)
	if err != nil {
		return err
	}
	a.out("Revoked %s from %s.", tierList(ts), rep.Member.Label())
	a.printRotation(rep)
	return nil
}

// openForTiers parses --tier, then opens the store: grant and revoke.
func (a *app) openForTiers(ctx context.Context, tiers listFlag) (*scopes.Session, []scopes.Tier, error) {
	ts, err := scopes.ParseTiers(tiers.String())
	if err != nil {
		return nil, nil, err
	}
	v, err := a.openSession(ctx, "", "")
	return v, ts, err
}

func runTeamRemove(ctx context.Context, a *app, args []string) error {
	v, err := a.openSession(ctx, "", "")
	if err != nil {
		return err
	}
	rep, err := v.TeamRemove(ctx, args[0])
	if err != nil {
		return err
	}
	if len(rep.Keys) > 1 {
		a.out("Removed %s (%d keys).", rep.Member.Label(), len(rep.Keys))
	} else {
		a.out("Removed %s.", rep.Member.Label())
	}
	a.printRotation(rep)
	return nil
}

// printRotation prints the rotation report of DESIGN.md §5a: the new
// generations and the key names (never values) that whoever lost access
// could read, per environment and item.
func (a *app) printRotation(rep *scopes.RotationReport) {
	if len(rep.Rotated) > 0 {
		var parts []string
		for _, e := range rep.Rotated {
			parts = append(parts, e.Name+" (generation "+itoa(e.KeyGeneration)+")")
		}
		a.out("Rotated environment keys: %s.", strings.Join(parts, ", "))
	}
	for _, u := range rep.Unchecked {
		a.info("Could not list what %s exposed: your key cannot open it.", u)
	}
	if len(rep.Readers) == 0 {
		return
	}
	who := rep.Member.Name
	if who == "" || len(rep.Keys) == 0 {
		who = strings.Join(rep.Readers, ", ")
	}
	if len(rep.Exposed) == 0 {
		if len(rep.Rotated) > 0 {
			a.out("%s could read no keys.", who)
		}
		return
	}
	a.out("%s could read these keys; rotate them at their providers:", who)
	width := 0
	for _, e := range rep.Exposed {
		width = max(width, len(e.Env))
	}
	for _, e := range rep.Exposed {
		switch {
		case len(e.Keys) > 0:
			a.out("  %-*s  %s: %s", width, e.Env, e.Item, strings.Join(e.Keys, ", "))
		case e.File:
			a.out("  %-*s  %s (the whole file)", width, e.Env, e.Item)
		default:
			a.out("  %-*s  %s (no keys)", width, e.Env, e.Item)
		}
	}
}

func teamListFlags(fs *pflag.FlagSet) runFunc {
	asJSON := jsonFlag(fs)
	return func(ctx context.Context, a *app, args []string) error {
		return runTeamList(ctx, a, args, asJSON)
	}
}

func runTeamList(ctx context.Context, a *app, args []string, asJSON *bool) error {
	v, err := a.openSession(ctx, "", "")
	if err != nil {
		return err
	}
	members, err := v.Members(ctx)
	if err != nil {
		return err
	}
	mine := ""
	if me, err := v.Me(ctx); err == nil {
		mine = me.Fingerprint
	}
	if *asJSON {
		doc := teamJSON{Members: []memberJSON{}}
		for _, m := range members {
			doc.Members = append(doc.Members, memberToJSON(m, mine))
		}
		return a.printJSON(doc)
	}
	for _, group := range groupByEmail(members) {
		head := group[0].Label()
		if len(group) > 1 {
			head += fmt.Sprintf(" (%d keys)", len(group))
		}
		a.out("%s", head)
		for _, m := range group {
			line := fmt.Sprintf("  %s  tiers: %s", m.Fingerprint, strings.ReplaceAll(tierList(m.Tiers), ",", ", "))
			if m.Admin {
				line += "  admin"
			}
			if m.CI {
				line += "  ci"
			}
			if m.Name != group[0].Name {
				line += "  (" + m.Name + ")"
			}
			if m.Fingerprint == mine {
				line += "  (this key)"
			}
			a.out("%s", line)
		}
	}
	return nil
}

// groupByEmail groups a person's keys (devices) under one email, in
// manifest order; keys without an email stand alone.
func groupByEmail(members []scopes.Member) [][]scopes.Member {
	var out [][]scopes.Member
	at := map[string]int{}
	for _, m := range members {
		if i, ok := at[strings.ToLower(m.Email)]; ok && m.Email != "" {
			out[i] = append(out[i], m)
			continue
		}
		at[strings.ToLower(m.Email)] = len(out)
		out = append(out, []scopes.Member{m})
	}
	return out
}

func itoa(n int) string { return strconv.Itoa(n) }
