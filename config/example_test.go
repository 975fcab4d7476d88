package config_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/configsync/configsync/config"
)

func ExampleLoadLocal() {
	dir, err := os.MkdirTemp("", "configsync-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "config.toml")

	os.WriteFile(path, []byte("environment = \"staging\"\n[store]\nremote = \"/srv/secrets.git\"\n"), 0o600)
	l, err := config.LoadLocal(path)
	if err != nil {
		panic(err)
	}
	fmt.Println(l.Environment, l.Store.Remote, l.Branch(), l.Provider())

	os.WriteFile(path, []byte("environment = \"staging\"\n\n[store]\nurl = \"/srv/secrets.git\"\n"), 0o600)
	_, err = config.LoadLocal(path)
	fmt.Println(filepath.Base(err.Error()))
	// Output:
	// staging /srv/secrets.git configsync git
	// config.toml:4: unknown key "store.url"
}

func ExampleLocal_Set() {
	var l config.Local
	fmt.Println(l.Set("hooks.min_length", "2"))
	fmt.Println(l.Set("environment", "qa-eu"), l.Environment)
	for _, kv := range l.List()[:4] {
		fmt.Printf("%s = %q (default: %t)\n", kv.Key, kv.Value, kv.Default)
	}
	// Output:
	// config key "hooks.min_length": invalid value: must be an integer of at least 4
	// <nil> qa-eu
	// environment = "qa-eu" (default: false)
	// store.remote = "" (default: true)
	// store.repo = "" (default: true)
	// store.branch = "configsync" (default: true)
}
