package main

import (
	"errors"
	"os"

	"github.com/configsync/configsync/config"
	"github.com/configsync/configsync/hooks"
	"github.com/configsync/configsync/scopes"
)

// refreshLeakIndex records the values of items just pushed or pulled, as
// keyed hashes, for the pre-commit guard (scopes.Options.Leaks: the use
// cases call it). A failure here only warns: the push or pull itself
// succeeded.
func (a *app) refreshLeakIndex(env string, items []scopes.ItemResult) {
	home := config.Home(a.home)
	indexPath := home.LeakIndex()
	ix, err := hooks.OpenIndex(indexPath, home.LeakKey())
	if errors.Is(err, hooks.ErrIndexCorrupt) {
		// Damaged, or written by another version: start afresh; every
		// push and pull adds its items back.
		a.info("warning: the leak index %s was unreadable and is rebuilt from this %s on", indexPath, a.cmd.name)
		if err = os.Remove(indexPath); err == nil {
			ix, err = hooks.OpenIndex(indexPath, home.LeakKey())
		}
	}
	if err != nil {
		a.info("warning: leak index not updated: %v", err)
		return
	}
	minLen := a.minLength()
	for _, it := range items {
		source := env + "/" + it.Project + "/" + it.Path
		var secrets []hooks.Secret // nil removes a deleted item's values
		if it.File != nil {
			secrets = hooks.EnvSecrets(it.File)
		}
		ix.Replace(source, secrets, minLen)
	}
	if err := ix.Save(); err != nil {
		a.info("warning: leak index not saved: %v", err)
	}
}
