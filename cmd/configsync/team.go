package main

import (
	"context"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/spf13/pflag"

	"github.com/configsync/configsync/keyring"
	"github.com/configsync/configsync/scopes"
)

func teamAddCmd() *command {
	return &command{
		name: "team add", args: "KEYFILE --tier dev[,staging,production] [--admin] [--ci]",
		summary: "add a member's public key (admins only); re-wraps the tiers' environment keys",
		setup: func(fs *pflag.FlagSet) func(context.Context, *app, []string) error {
			var tiers string
			var admin, ci bool
			fs.StringVar(&tiers, "tier", "", "tiers the member may read and write, comma-separated")
			fs.BoolVar(&admin, "admin", false, "the member may change the team")
			fs.BoolVar(&ci, "ci", false, "a machine key (CI job, server)")
			return func(ctx context.Context, a *app, args []string) error {
				if err := exactArgs(a, args, "KEYFILE"); err != nil {
					return err
				}
				if tiers == "" {
					return usagef(a.cmd, "--tier is required (dev, staging, production)")
				}
				ts, err := scopes.ParseTiers(tiers)
				if err != nil {
					return err
				}
				data, err := os.ReadFile(args[0])
				if err != nil {
					return err
				}
				pub, err := keyring.ReadPublicKey(data)
				if err != nil {
					return err
				}
				v, err := a.openVault(ctx, "", "")
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
		},
	}
}

func teamGrantCmd() *command {
	return &command{
		name: "team grant", args: "FPR|EMAIL --tier …",
		summary: "give a member more tiers (admins only)",
		setup: func(fs *pflag.FlagSet) func(context.Context, *app, []string) error {
			var tiers string
			fs.StringVar(&tiers, "tier", "", "tiers to grant, comma-separated")
			return func(ctx context.Context, a *app, args []string) error {
				if err := exactArgs(a, args, "FPR|EMAIL"); err != nil {
					return err
				}
				ts, err := scopes.ParseTiers(tiers)
				if err != nil {
					return err
				}
				v, err := a.openVault(ctx, "", "")
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
		},
	}
}

func teamRevokeCmd() *command {
	return &command{
		name: "team revoke", args: "FPR|EMAIL --tier …",
		summary: "take tiers from a member and rotate those environments (admins only)",
		setup: func(fs *pflag.FlagSet) func(context.Context, *app, []string) error {
			var tiers string
			fs.StringVar(&tiers, "tier", "", "tiers to revoke, comma-separated")
			return func(ctx context.Context, a *app, args []string) error {
				if err := exactArgs(a, args, "FPR|EMAIL"); err != nil {
					return err
				}
				ts, err := scopes.ParseTiers(tiers)
				if err != nil {
					return err
				}
				v, err := a.openVault(ctx, "", "")
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
		},
	}
}

func teamRemoveCmd() *command {
	return &command{
		name: "team remove", args: "FPR|EMAIL",
		summary: "remove a member and rotate every environment it could read (admins only)",
		setup: func(fs *pflag.FlagSet) func(context.Context, *app, []string) error {
			return func(ctx context.Context, a *app, args []string) error {
				if err := exactArgs(a, args, "FPR|EMAIL"); err != nil {
					return err
				}
				v, err := a.openVault(ctx, "", "")
				if err != nil {
					return err
				}
				rep, err := v.TeamRemove(ctx, args[0])
				if err != nil {
					return err
				}
				a.out("Removed %s.", rep.Member.Label())
				a.printRotation(rep)
				return nil
			}
		},
	}
}

// printRotation prints the rotation report: new generations and the key
// names (never values) the member could read.
func (a *app) printRotation(rep *scopes.RotationReport) {
	if len(rep.Rotated) > 0 {
		var parts []string
		for _, e := range rep.Rotated {
			parts = append(parts, e.Name+" (generation "+itoa(e.KeyGeneration)+")")
		}
		a.out("Rotated environment keys: %s.", strings.Join(parts, ", "))
	}
	if len(rep.Exposed) == 0 {
		return
	}
	who := rep.Member.Name
	if who == "" {
		who = "They"
	}
	a.out("%s could read these keys; rotate them at their providers:", who)
	width := 0
	for _, e := range rep.Exposed {
		width = max(width, len(e.Env))
	}
	for _, e := range rep.Exposed {
		a.out("  %-*s  %s: %s", width, e.Env, e.Item, strings.Join(e.Keys, ", "))
	}
}

func teamListCmd() *command {
	return &command{
		name: "team list", args: "",
		summary: "list members: name, email, fingerprint, tiers, admin, ci (grouped by email)",
		setup: func(fs *pflag.FlagSet) func(context.Context, *app, []string) error {
			return func(ctx context.Context, a *app, args []string) error {
				if err := noArgs(a, args); err != nil {
					return err
				}
				v, err := a.openVault(ctx, "", "")
				if err != nil {
					return err
				}
				members, err := v.Members(ctx)
				if err != nil {
					return err
				}
				byEmail := map[string][]scopes.Member{}
				var emails []string
				for _, m := range members {
					if _, ok := byEmail[m.Email]; !ok {
						emails = append(emails, m.Email)
					}
					byEmail[m.Email] = append(byEmail[m.Email], m)
				}
				sort.Strings(emails)
				for _, e := range emails {
					ms := byEmail[e]
					a.out("%s <%s>", ms[0].Name, e)
					for _, m := range ms {
						a.out("  %s  tiers: %s%s", m.Fingerprint, tierList(m.Tiers), flagsOf(m))
					}
				}
				return nil
			}
		},
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
