package scopes

import (
	"context"
	"fmt"
	"time"

	"github.com/configsync/configsync/config"
	"github.com/configsync/configsync/gitstore"
	"github.com/configsync/configsync/keyring"
)

// local is this machine's configuration: the options and config.toml,
// and what they decide on their own (tracked projects, where items land).
type local struct {
	opts Options
	cfg  *config.Local
}

// home names the files under $CONFIGSYNC_HOME.
func (lc *local) home() config.Home { return config.Home(lc.opts.Home) }

// machine is local plus the store repository and the identity.
type machine struct {
	*local
	store *gitstore.Store
	// ephemeral is true when the store was read for one command
	// (--remote, --repo) rather than configured by init.
	ephemeral bool
	id        *keyring.PrivateKey
	providers *providerSet
	// halfDir is a store an init stopped early left, unreadable.
	halfDir string
	// wrote is the digest of each item blob this command committed, by
	// blob id (seal): the walk that accepts the commit checks them
	// against its index without reading back what it just wrote (10,000
	// blobs for a push of 10,000 items).
	wrote map[gitstore.Hash]string
}

// trustBook is what this machine learned to trust, read once per
// command: the tier pins, the high-water marks (marks.go) and the tip
// whose format 2 state this command accepted.
type trustBook struct {
	*machine
	pins     map[string]Tier // tierPins, read once
	accepted map[string]Tier // environments whose key passed checkTierPin
	marks    *marks          // the high-water marks, read once (marks.go)
	verified gitstore.Hash
}

// storeAccess reads verified snapshots of the store and writes to it:
// sync, load, commit-then-push.
type storeAccess struct {
	*trustBook
}

// newSession assembles the layers over one local configuration.
func newSession(opts Options, cfg *config.Local) *Session {
	m := &machine{local: &local{opts: opts, cfg: cfg}, providers: &providerSet{open: opts.Providers}}
	return &Session{&storeAccess{&trustBook{machine: m}}}
}

func (lc *local) saveConfig() error {
	return lc.cfg.Save(lc.home().Config())
}

func (lc *local) storeLocation() string {
	switch {
	case lc.opts.Remote != "":
		return lc.opts.Remote
	case lc.opts.Repo != "":
		return lc.opts.Repo + " (branch " + lc.cfg.Branch() + ")"
	case lc.cfg.Store.Repo != "":
		return lc.cfg.Store.Repo + " (branch " + lc.cfg.Branch() + ")"
	}
	return lc.home().Store()
}

func (ma *machine) requireStore() (*gitstore.Store, error) {
	if ma.store == nil {
		return nil, ErrNoStore
	}
	return ma.store, nil
}

// identity loads the private key once.
func (ma *machine) identity() (*keyring.PrivateKey, error) {
	if ma.id != nil {
		return ma.id, nil
	}
	if ma.opts.Identity == nil {
		return nil, ErrNoIdentity
	}
	id, err := ma.opts.Identity()
	if err != nil {
		return nil, err
	}
	ma.id = id
	return id, nil
}

// lockForItems checks a push's or pull's filter, names its environment
// (given, or the active one) and takes the lock. The caller defers unlock.
func (ma *machine) lockForItems(ctx context.Context, filter ItemType, env string) (envName string, unlock func() error, err error) {
	if err := ValidateFilter(filter); err != nil {
		return "", nil, err
	}
	if envName, err = ma.activeEnv(env); err != nil {
		return "", nil, err
	}
	if unlock, err = ma.lock(ctx); err != nil {
		return "", nil, err
	}
	return envName, unlock, nil
}

// lock serialises configsync invocations that write on this machine.
func (ma *machine) lock(ctx context.Context) (func() error, error) {
	if err := ma.home().Make(); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	waiting := func(h config.Holder) {
		ma.notify("waiting for configsync (%s) to finish", h)
	}
	unlock, err := config.LockNotify(ctx, ma.home().Lock(), waiting)
	if err != nil {
		return nil, err
	}
	// Every configsync that writes this machine's own store holds the
	// lock just taken, and nothing else writes there: a branch ref lock
	// found now was left by a configsync killed mid-update. A store on a
	// branch of the user's repository (--repo) is shared with git, whose
	// lock is never broken here (docs/decisions.md, "Killed pushes").
	if ma.store != nil && !ma.ephemeral && ma.cfg.Store.Repo == "" {
		if _, err := ma.store.RemoveStaleRefLock(); err != nil {
			unlock()
			return nil, err
		}
	}
	return unlock, nil
}

// recordLeaks hands the items a command wrote to Options.Leaks.
func (lc *local) recordLeaks(env string, items []ItemResult) {
	if lc.opts.Leaks != nil {
		lc.opts.Leaks(env, items)
	}
}

// notify tells the user something on the side (Options.Notify).
func (lc *local) notify(format string, args ...any) {
	if lc.opts.Notify != nil {
		lc.opts.Notify(fmt.Sprintf(format, args...))
	}
}

// activeEnv resolves the environment to use: given, else active.
func (lc *local) activeEnv(given string) (string, error) {
	if given != "" {
		return given, nil
	}
	if lc.cfg.Environment == "" {
		return "", ErrNoEnvironment
	}
	return lc.cfg.Environment, nil
}

// author is the commit signature for the member.
func (lc *local) author(m Member) gitstore.Signature {
	return gitstore.Signature{Name: m.Name, Email: m.Email, When: lc.opts.Now()}
}
