package scopes

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/configsync/configsync/config"
	"github.com/configsync/configsync/gitstore"
	"github.com/configsync/configsync/keyring"
)

// Options are what a Session needs from the outside world; cmd/configsync
// fills them from flags and the process environment.
type Options struct {
	Home     string           // $CONFIGSYNC_HOME
	UserHome string           // $HOME, for "~/" paths
	Now      func() time.Time // the clock
	// Identity loads the user's private key on first use (it may prompt
	// for a passphrase); it returns ErrNoIdentity when there is none.
	Identity func() (*keyring.PrivateKey, error)
	// Remote reads the store straight from this URL into memory
	// (pull/inject/export --remote): no init, no local store.
	Remote string
	// Repo reads the store from the configsync branch of this local
	// repository (--repo).
	Repo string
	// GitAuth is how to authenticate to remotes (HTTP credentials, ssh
	// keys and known_hosts), if any.
	GitAuth *gitstore.Auth
	// Progress receives the progress of long operations (the remote's
	// git progress during fetch and push, items encrypted), for a
	// terminal; nil for none.
	Progress io.Writer
	// Providers opens the 1Password or Bitwarden vault that holds items
	// pushed with secrets.provider set (DESIGN.md §8); nil refuses them.
	Providers OpenBackend
	// Notify receives a line for the user that is neither output nor
	// an error (waiting for another configsync's lock, a remote that
	// moved back); nil for silence.
	Notify func(line string)
	// Leaks keeps the pre-commit guard's leak index in step with the
	// items a push, pull or import wrote: it is called once such a command
	// succeeded, with the environment and the items (ItemResult.File set
	// for env items; nil drops an item's values). Reporting a failure is
	// its own business: the command itself succeeded. nil for none.
	Leaks func(env string, items []ItemResult)
}

// Session is this machine's view of a store: local config, the store
// repository and the identity. Its methods are the use cases; the steps
// they are made of belong to the layers below (doc.go).
type Session struct {
	*storeAccess
}

// Open loads the local configuration and, when there is one, the store.
func Open(ctx context.Context, opts Options) (*Session, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	cfg, err := config.LoadLocal(config.Home(opts.Home).Config())
	if err != nil {
		return nil, err
	}
	v := newSession(opts, cfg)
	switch {
	case opts.Remote != "":
		s, err := gitstore.Memory(ctx, opts.Remote, cfg.Branch(), opts.GitAuth, opts.Progress)
		if err != nil {
			if errors.Is(err, gitstore.ErrNotFound) {
				return nil, fmt.Errorf("%s has no %q branch: %w", gitstore.Redact(opts.Remote), cfg.Branch(), ErrNotStore)
			}
			return nil, err // it names the remote
		}
		v.store, v.ephemeral = s, true
	case opts.Repo != "":
		s, err := gitstore.Open(opts.Repo, cfg.Branch())
		if err != nil {
			return nil, fmt.Errorf("open store in %s: %w", opts.Repo, err)
		}
		v.store, v.ephemeral = s, true
	case cfg.Store.Repo != "":
		s, err := gitstore.Open(cfg.Store.Repo, cfg.Branch())
		if err != nil {
			return nil, &DamagedError{Store: cfg.Store.Repo, Err: err, Repo: true}
		}
		v.store = s
	default:
		dir := config.Home(opts.Home).Store()
		if _, err := os.Stat(dir); err == nil {
			s, err := gitstore.Open(dir, cfg.Branch())
			if err != nil && len(cfg.Trust.Admins) == 0 {
				v.halfDir = dir // an init stopped early: init finishes it
				break
			}
			if err != nil {
				return nil, &DamagedError{Store: dir, Err: err}
			}
			// store.remote is where this store syncs: a `config set`
			// takes effect here, on the next command.
			if cfg.Store.Remote != "" && s.RemoteURL() != cfg.Store.Remote {
				if err := s.SetRemote(cfg.Store.Remote); err != nil {
					return nil, err
				}
			}
			v.store = s
		}
	}
	if v.store != nil {
		v.store.SetProgress(opts.Progress)
	}
	return v, nil
}

// Config is the local configuration; SaveConfig writes it back.
func (v *Session) Config() *config.Local { return v.cfg }

// SaveConfig writes the local configuration atomically.
func (v *Session) SaveConfig() error { return v.saveConfig() }

// HasStore reports whether a store is configured or given.
func (v *Session) HasStore() bool { return v.store != nil }

// StoreLocation describes where the store lives, for status.
func (v *Session) StoreLocation() string { return v.storeLocation() }

// Remote is the store's remote URL, "" for none.
func (v *Session) Remote() string {
	if v.store == nil || v.ephemeral {
		return ""
	}
	return v.store.RemoteURL()
}
