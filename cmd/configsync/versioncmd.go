package main

import (
	"context"
	"runtime/debug"

	"github.com/configsync/configsync/scopes"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func runVersion(ctx context.Context, a *app, args []string) error {
	v := version
	if info, ok := debug.ReadBuildInfo(); ok && v == "dev" && info.Main.Version != "" && info.Main.Version != "(devel)" {
		v = info.Main.Version
	}
	a.out("configsync %s (store format %d)", v, scopes.StoreFormat)
	return nil
}
