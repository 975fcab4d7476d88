package main

import (
	"context"

	"github.com/configsync/configsync/scopes"
)

// The config commands read and write the local configuration alone, never
// the store: they work whatever state the store or a setting is in.

func runConfigSet(ctx context.Context, a *app, args []string) error {
	return a.changeSetting(args[0], args[1], func() { a.out("%s = %s", args[0], args[1]) })
}

// changeSetting sets key to value ("" unsets it) once the store can
// follow the change, and saves it.
func (a *app) changeSetting(key, value string, done func()) error {
	cfg, err := scopes.LoadSettings(a.home)
	if err != nil {
		return err
	}
	if err := scopes.CheckSetting(a.home, cfg, key, value); err != nil {
		return err
	}
	if value == "" {
		err = cfg.Unset(key)
	} else {
		err = cfg.Set(key, value)
	}
	if err != nil {
		return err
	}
	if err := scopes.SaveSettings(a.home, cfg); err != nil {
		return err
	}
	done()
	return nil
}

func runConfigGet(ctx context.Context, a *app, args []string) error {
	cfg, err := scopes.LoadSettings(a.home)
	if err != nil {
		return err
	}
	val, err := cfg.Get(args[0])
	if err != nil {
		return err
	}
	a.out("%s", val)
	return nil
}

func runConfigList(ctx context.Context, a *app, args []string) error {
	cfg, err := scopes.LoadSettings(a.home)
	if err != nil {
		return err
	}
	for _, kv := range cfg.List() {
		mark := ""
		if kv.Default {
			mark = "  (default)"
		}
		a.out("%s = %s%s", kv.Key, kv.Value, mark)
	}
	return nil
}

func runConfigUnset(ctx context.Context, a *app, args []string) error {
	return a.changeSetting(args[0], "", func() { a.out("Unset %s", args[0]) })
}
