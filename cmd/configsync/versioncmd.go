package main

import (
	"context"
	"runtime/debug"

	"github.com/spf13/pflag"

	"github.com/configsync/configsync/scopes"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func versionCmd() *command {
	return &command{
		name: "version", args: "", summary: "print the version",
		setup: func(fs *pflag.FlagSet) func(context.Context, *app, []string) error {
			return func(ctx context.Context, a *app, args []string) error {
				v := version
				if info, ok := debug.ReadBuildInfo(); ok && v == "dev" && info.Main.Version != "" && info.Main.Version != "(devel)" {
					v = info.Main.Version
				}
				a.out("configsync %s (store format %d)", v, scopes.StoreFormat)
				return nil
			}
		},
	}
}
