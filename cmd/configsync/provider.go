package main

import (
	"fmt"

	"github.com/configsync/configsync/config"
	"github.com/configsync/configsync/providers"
	"github.com/configsync/configsync/scopes"
)

// openProvider opens the 1Password or Bitwarden vault that holds item
// contents (DESIGN.md §8): the op or bw CLI runs with this process's
// environment minus configsync's own credentials (withoutCredentials),
// which it has no use for.
// ownServer is this machine's secrets.bitwarden.server.
func (a *app) openProvider(kind, location, ownServer string) (scopes.Backend, error) {
	env := withoutCredentials(a.env.Environ())
	// Each case returns its own nil on error: a nil *OnePassword in a
	// Backend would not be a nil Backend.
	switch kind {
	case config.Provider1Password:
		b, err := providers.NewOnePassword(location, env)
		if err != nil {
			return nil, err
		}
		return b, nil
	case config.ProviderBitwarden:
		b, err := providers.NewBitwarden(location, env)
		if err != nil {
			return nil, err
		}
		// Only this machine's own setting may repoint bw; a server named
		// by the store (another member's push) may not.
		if location != ownServer {
			b.KeepServer()
		}
		return b, nil
	}
	return nil, fmt.Errorf("unknown secrets provider %q: run configsync config set secrets.provider git, 1password or bitwarden", kind)
}
