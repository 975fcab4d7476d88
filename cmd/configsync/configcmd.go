package main

import (
	"context"

	"github.com/spf13/pflag"
)

func configSetCmd() *command {
	return &command{
		name: "config set", args: "KEY VALUE",
		params:  []string{"KEY", "VALUE"},
		summary: "set a local setting (see configsync config list for the keys)",
		setup: func(fs *pflag.FlagSet) func(context.Context, *app, []string) error {
			return func(ctx context.Context, a *app, args []string) error {
				v, err := a.openVault(ctx, "", "")
				if err != nil {
					return err
				}
				if err := v.Config().Set(args[0], args[1]); err != nil {
					return err
				}
				if err := v.SaveConfig(); err != nil {
					return err
				}
				a.out("%s = %s", args[0], args[1])
				return nil
			}
		},
	}
}

func configGetCmd() *command {
	return &command{
		name: "config get", args: "KEY",
		params:  []string{"KEY"},
		summary: "print a local setting",
		setup: func(fs *pflag.FlagSet) func(context.Context, *app, []string) error {
			return func(ctx context.Context, a *app, args []string) error {
				v, err := a.openVault(ctx, "", "")
				if err != nil {
					return err
				}
				val, err := v.Config().Get(args[0])
				if err != nil {
					return err
				}
				a.out("%s", val)
				return nil
			}
		},
	}
}

func configListCmd() *command {
	return &command{
		name: "config list", args: "",
		summary: "list every local setting with its value (defaults marked)",
		setup: func(fs *pflag.FlagSet) func(context.Context, *app, []string) error {
			return func(ctx context.Context, a *app, args []string) error {
				v, err := a.openVault(ctx, "", "")
				if err != nil {
					return err
				}
				for _, kv := range v.Config().List() {
					mark := ""
					if kv.Default {
						mark = "  (default)"
					}
					a.out("%s = %s%s", kv.Key, kv.Value, mark)
				}
				return nil
			}
		},
	}
}

func configUnsetCmd() *command {
	return &command{
		name: "config unset", args: "KEY",
		params:  []string{"KEY"},
		summary: "remove a local setting (back to its default)",
		setup: func(fs *pflag.FlagSet) func(context.Context, *app, []string) error {
			return func(ctx context.Context, a *app, args []string) error {
				v, err := a.openVault(ctx, "", "")
				if err != nil {
					return err
				}
				if err := v.Config().Unset(args[0]); err != nil {
					return err
				}
				if err := v.SaveConfig(); err != nil {
					return err
				}
				a.out("Unset %s", args[0])
				return nil
			}
		},
	}
}
