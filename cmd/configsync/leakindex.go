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
	// One item parsed at a time, as the index is merged: not every item
	// of a push or pull of 10,000 parsed at once.
	updates := make([]hooks.Update, len(items))
	for i, it := range items {
		updates[i] = hooks.Update{Source: env + "/" + it.Project + "/" + it.Path, Secrets: func() []hooks.Secret {
			if f := it.EnvFile(); f != nil {
				return hooks.EnvSecrets(f)
			}
			return nil // removes a deleted item's values
		}}
	}
	minLen := a.minLength()
	err := hooks.Refresh(indexPath, home.LeakKey(), updates, minLen)
	if errors.Is(err, hooks.ErrIndexCorrupt) {
		// Damaged, or written by another version: start afresh; every
		// push and pull adds its items back.
		a.info("warning: the leak index %s was unreadable and is rebuilt from this %s on", indexPath, a.cmd.name)
		if err = os.Remove(indexPath); err == nil {
			err = hooks.Refresh(indexPath, home.LeakKey(), updates, minLen)
		}
	}
	var saving *hooks.SaveError
	switch {
	case errors.As(err, &saving):
		a.info("warning: leak index not saved: %v", err)
	case err != nil:
		a.info("warning: leak index not updated: %v", err)
	}
}
