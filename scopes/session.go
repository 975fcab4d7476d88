package scopes

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
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

// local is this machine's configuration: the options and config.toml,
// and what they decide on their own (tracked projects, where items land).
type local struct {
	opts Options
	cfg  *config.Local
}

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

// Files under $CONFIGSYNC_HOME.
const (
	configFile   = "config.toml"
	identityFile = "identity.asc"
	storeDirName = "store.git"
	stateFile    = "state.json"
	stateKeyFile = "state.key"
	lockFile     = "lock"
)

// Open loads the local configuration and, when there is one, the store.
func Open(ctx context.Context, opts Options) (*Session, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	cfg, err := config.LoadLocal(filepath.Join(opts.Home, configFile))
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
		dir := filepath.Join(opts.Home, storeDirName)
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

func (lc *local) saveConfig() error {
	return lc.cfg.Save(filepath.Join(lc.opts.Home, configFile))
}

// HasStore reports whether a store is configured or given.
func (v *Session) HasStore() bool { return v.store != nil }

// StoreLocation describes where the store lives, for status.
func (v *Session) StoreLocation() string { return v.storeLocation() }

func (lc *local) storeLocation() string {
	switch {
	case lc.opts.Remote != "":
		return lc.opts.Remote
	case lc.opts.Repo != "":
		return lc.opts.Repo + " (branch " + lc.cfg.Branch() + ")"
	case lc.cfg.Store.Repo != "":
		return lc.cfg.Store.Repo + " (branch " + lc.cfg.Branch() + ")"
	}
	return filepath.Join(lc.opts.Home, storeDirName)
}

// Remote is the store's remote URL, "" for none.
func (v *Session) Remote() string {
	if v.store == nil || v.ephemeral {
		return ""
	}
	return v.store.RemoteURL()
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

// lock serialises configsync invocations that write on this machine.
func (ma *machine) lock(ctx context.Context) (func() error, error) {
	if err := makeHome(ma.opts.Home); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	waiting := func(h config.Holder) {
		ma.notify("waiting for configsync (%s) to finish", h)
	}
	unlock, err := config.LockNotify(ctx, filepath.Join(ma.opts.Home, lockFile), waiting)
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

// sync brings the local store branch up to date with its remote: fetch,
// then fast-forward. Ephemeral stores were fetched when opened.
func (sa *storeAccess) sync(ctx context.Context) error {
	if sa.ephemeral || sa.store.RemoteURL() == "" {
		return nil
	}
	// A branch that does not resolve is damage here, not the network
	// (init always commits, so this machine's own store has a tip).
	if tip, err := sa.store.Tip(ctx); err != nil || tip.IsZero() && sa.cfg.Store.Repo == "" {
		if err == nil {
			err = fmt.Errorf("branch %q is empty", sa.store.Branch())
		}
		return sa.damaged(err)
	}
	// The remote's tip as last fetched: a remote moved back since is
	// never followed or pushed over silently (rewind.go).
	before, err := sa.store.RemoteTip(ctx)
	if err != nil {
		return sa.damaged(err)
	}
	remote, err := sa.store.Fetch(ctx, sa.opts.GitAuth)
	if err != nil {
		if refused(err) {
			return err // reachable, but the user must act: no fallback
		}
		return &FetchError{Remote: gitstore.Redact(sa.store.RemoteURL()), Err: err}
	}
	// Each fetch leaves a pack; roll the small ones up so that reads stay
	// flat however often this machine pulls. Best effort: a failure
	// leaves packs that only cost time. Never in the user's repository.
	if sa.cfg.Store.Repo == "" {
		_ = sa.store.CompactPacks(ctx)
	}
	if remote.IsZero() {
		return nil
	}
	local, err := sa.store.Tip(ctx)
	if err != nil {
		return err
	}
	rw, err := sa.rewound(ctx, before, remote)
	if err != nil {
		return err
	}
	if rw != nil {
		if err := sa.followRewind(ctx, rw, local); err != nil {
			return err
		}
	}
	if local == remote {
		return nil
	}
	if !local.IsZero() {
		behind, err := sa.store.IsAncestor(ctx, local, remote)
		if err != nil {
			return err
		}
		if !behind {
			ahead, err := sa.store.IsAncestor(ctx, remote, local)
			if err != nil {
				return err
			}
			if ahead {
				return nil // local commits not pushed yet: the next push sends them
			}
			// Local commits the remote never got, and the remote moved
			// on: only a command killed between its commit and its push
			// leaves these (a failed push puts the branch back). That
			// command never reported success, and a push's changes are
			// still in the local files, where the next push finds them:
			// follow the verified remote (docs/decisions.md).
		}
	}
	// Verify before moving: an untrusted commit never becomes the local
	// tip, so this machine keeps working from what it last trusted. A
	// format 2 store is verified commit by commit (marks.go).
	st, _, err := sa.advance(ctx, remote)
	if err != nil {
		return err
	}
	if st == nil {
		if _, err := sa.loadAt(ctx, remote); err != nil {
			return err
		}
	} else {
		sa.verified = remote
	}
	return sa.store.SetTip(ctx, local, remote)
}

// snapshot is the verified state of the store at one commit.
type snapshot struct {
	tip     gitstore.Hash
	tree    *gitstore.Tree
	format  int
	members []Member
	keys    map[string]*keyring.PublicKey // member keys by fingerprint
	envs    []Environment                 // in creation order
	trust   trustState                    // what item checks learned (binding.go)
	// chain is the signed state of a format 2 store; checked is set
	// when all of it was accepted (this machine's marks), else each
	// environment is checked on first use (indexes.go).
	chain   *chainState
	checked bool
	envOK   map[string]error
	now     time.Time // when the snapshot was read, for signature checks
}

// load reads and verifies the store at its tip.
func (sa *storeAccess) load(ctx context.Context) (*snapshot, error) {
	s, err := sa.requireStore()
	if err != nil {
		return nil, err
	}
	tip, err := s.Tip(ctx)
	if err != nil {
		return nil, sa.damaged(err)
	}
	if tip.IsZero() {
		if !sa.ephemeral && sa.cfg.Store.Repo == "" {
			// init always commits: this machine's own store lost its branch.
			return nil, sa.damaged(fmt.Errorf("branch %q is empty", s.Branch()))
		}
		return nil, fmt.Errorf("branch %q is empty: %w", s.Branch(), ErrNotStore)
	}
	if err := sa.verifyTip(ctx, tip); err != nil {
		if errors.Is(err, gitstore.ErrNotFound) {
			err = sa.damaged(err)
		}
		return nil, err
	}
	snap, err := sa.loadAt(ctx, tip)
	if err != nil {
		if errors.Is(err, gitstore.ErrNotFound) {
			err = sa.damaged(err)
		}
		return nil, err
	}
	return snap, sa.pinAdmins(snap)
}

func (sa *storeAccess) loadAt(ctx context.Context, tip gitstore.Hash) (*snapshot, error) {
	tree, err := sa.store.Tree(ctx, tip)
	if err != nil {
		return nil, err
	}
	snap := &snapshot{tip: tip, tree: tree, keys: map[string]*keyring.PublicKey{}, now: sa.opts.Now()}
	if snap.format, err = storeFormatOf(tree); err != nil {
		return nil, err
	}
	if snap.format >= 2 {
		return snap, sa.loadChained(snap)
	}
	if err := sa.requirePins(); err != nil {
		return nil, err
	}
	if err := sa.loadManifest(ctx, snap); err != nil {
		return nil, err
	}
	if err := loadEnvironments(snap); err != nil {
		return nil, err
	}
	return snap, nil
}

// loadManifest reads the team and checks that a trusted admin signed it:
// a pinned admin, or an admin that a chain of manifest versions, each
// signed by an admin trusted at that point, leads to from the pins.
func (sa *storeAccess) loadManifest(ctx context.Context, snap *snapshot) error {
	data, err := snap.tree.Read(membersPath)
	if err != nil {
		return fmt.Errorf("%s is missing: %w", membersPath, ErrNotStore)
	}
	var m manifest
	if err := config.Unmarshal(membersPath, data, &m); err != nil {
		return err
	}
	for _, mem := range m.Members {
		keyData, err := snap.tree.Read(keysDir + "/" + mem.Fingerprint + ".asc")
		if err != nil {
			return &UntrustedManifestError{Commit: snap.tip.String(), Reason: "no public key for member " + mem.Fingerprint}
		}
		pub, err := keyring.ReadPublicKey(keyData)
		if err != nil {
			return fmt.Errorf("key of member %s: %w", mem.Label(), err)
		}
		if pub.Fingerprint() != mem.Fingerprint {
			return &UntrustedManifestError{Commit: snap.tip.String(), Reason: "key file does not match fingerprint " + mem.Fingerprint}
		}
		snap.keys[mem.Fingerprint] = pub
	}
	snap.members = m.Members
	_, signer, err := verifyManifestAt(snap.tree, nil, sa.opts.Now)
	if err != nil {
		return &UntrustedManifestError{Commit: snap.tip.String(), Reason: err.Error()}
	}
	if len(sa.cfg.Trust.Admins) == 0 {
		// Nothing pinned (joining, or a read with no local config): the
		// version must follow from the store's first one through admin
		// signatures (history.go). A shallow read has only the tip.
		h, err := sa.history(ctx, snap)
		if err != nil {
			return err
		}
		if !h.acceptsTip() {
			return &UntrustedManifestError{Commit: snap.tip.String(), Reason: fmt.Sprintf("it is signed by %s, and no chain of admin signatures leads to it from the store's first manifest", signer.Fingerprint())}
		}
		return nil
	}
	if sa.trusts(signer.Fingerprint()) {
		return nil
	}
	ok, err := sa.chainTrusts(ctx, snap.tip)
	if err != nil {
		return err
	}
	if !ok {
		return &UntrustedManifestError{Commit: snap.tip.String(), Reason: fmt.Sprintf("it is signed by %s, who is not an admin this machine trusts", signer.Fingerprint())}
	}
	return nil
}

// chainTrusts walks the manifest's versions oldest first, starting from
// the pinned admins: a version signed by a trusted admin is accepted and
// its admins become the trusted set. It reports whether the version at
// tip was accepted.
func (ma *machine) chainTrusts(ctx context.Context, tip gitstore.Hash) (bool, error) {
	entries, err := ma.store.Log(ctx, tip, 0)
	if err != nil {
		return false, err
	}
	trusted := slices.Clone(ma.cfg.Trust.Admins)
	accepted := false
	for i := len(entries) - 1; i >= 0; i-- {
		e := entries[i]
		if !slices.Contains(e.Changed, membersPath) && !slices.Contains(e.Changed, membersSigPath) {
			continue
		}
		tree, err := ma.store.Tree(ctx, e.Hash)
		if err != nil {
			return false, err
		}
		admins, signer, err := verifyManifestAt(tree, nil, ma.opts.Now)
		accepted = err == nil && slices.Contains(trusted, signer.Fingerprint())
		if accepted {
			trusted = trusted[:0]
			for _, a := range admins {
				trusted = append(trusted, a.Fingerprint())
			}
		}
	}
	return accepted, nil
}

// trusts reports whether fpr is a pinned admin. (With no pins at all,
// loadManifest checks the chain from the first manifest instead.)
func (lc *local) trusts(fpr string) bool {
	pins := lc.cfg.Trust.Admins
	return len(pins) == 0 || slices.Contains(pins, fpr)
}

// pinAdmins makes the pins the admins of an accepted manifest: admins it
// added become trusted, admins it removed stop being trusted.
func (tb *trustBook) pinAdmins(snap *snapshot) error {
	if tb.ephemeral || len(tb.cfg.Trust.Admins) == 0 {
		return nil
	}
	var admins []string
	for _, m := range snap.members {
		if m.Admin {
			admins = append(admins, m.Fingerprint)
		}
	}
	if slices.Equal(admins, tb.cfg.Trust.Admins) {
		return nil
	}
	tb.cfg.Trust.Admins = admins
	return tb.saveConfig()
}

func loadEnvironments(snap *snapshot) error {
	for _, f := range snap.tree.Files(environmentsDir + "/") {
		rest := strings.TrimPrefix(f.Path, environmentsDir+"/")
		name, file, ok := strings.Cut(rest, "/")
		if !ok || file != environmentFile {
			continue
		}
		if err := ValidateName("environment", name); err != nil {
			return fmt.Errorf("store entry %s: %w", f.Path, err)
		}
		data, err := snap.tree.Read(f.Path)
		if err != nil {
			return err
		}
		var env Environment
		if err := config.Unmarshal(f.Path, data, &env); err != nil {
			return err
		}
		if env.Name != name {
			return fmt.Errorf("store entry %s names environment %q: %w", f.Path, env.Name, ErrNotStore)
		}
		if _, err := ParseTier(string(env.Tier)); err != nil {
			return fmt.Errorf("store entry %s: %w", f.Path, err)
		}
		snap.envs = append(snap.envs, env)
	}
	slices.SortStableFunc(snap.envs, func(a, b Environment) int {
		if c := a.Created.Compare(b.Created); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
	return nil
}

func (snap *snapshot) envNames() []string {
	names := make([]string, len(snap.envs))
	for i, e := range snap.envs {
		names[i] = e.Name
	}
	return names
}

func (snap *snapshot) env(name string) (Environment, error) {
	for _, e := range snap.envs {
		if e.Name == name {
			return e, nil
		}
	}
	return Environment{}, &UnknownEnvironmentError{Name: name, Available: snap.envNames()}
}

func (snap *snapshot) member(fpr string) (Member, bool) {
	for _, m := range snap.members {
		if m.Fingerprint == fpr {
			return m, true
		}
	}
	return Member{}, false
}

// signers lists the keys that may write an environment of tier t.
func (snap *snapshot) signers(t Tier) []*keyring.PublicKey {
	var out []*keyring.PublicKey
	for _, m := range snap.members {
		if m.Can(t) {
			out = append(out, snap.keys[m.Fingerprint])
		}
	}
	return out
}

// me is the identity and its membership.
func (sa *storeAccess) me(snap *snapshot) (*keyring.PrivateKey, Member, error) {
	id, err := sa.identity()
	if err != nil {
		return nil, Member{}, err
	}
	m, ok := snap.member(id.Fingerprint())
	if !ok {
		return nil, Member{}, &NotMemberError{Fingerprint: id.Fingerprint()}
	}
	return id, m, nil
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

// commit writes changes on top of snap and pushes to the remote; when the
// push fails the local branch is put back, so a refusal loses nothing.
func (sa *storeAccess) commit(ctx context.Context, snap *snapshot, changes []gitstore.Change, m Member, msg string) (gitstore.Hash, error) {
	parent := gitstore.Hash{}
	if snap != nil {
		parent = snap.tip
		if snap.format < 2 && !slices.ContainsFunc(changes, func(c gitstore.Change) bool { return c.Path == formatPath }) {
			return gitstore.Hash{}, &OldFormatError{Found: snap.format}
		}
	}
	changes, err := sa.seal(ctx, snap, changes)
	if err != nil {
		return gitstore.Hash{}, err
	}
	h, err := sa.store.Commit(ctx, parent, changes, sa.author(m), msg)
	if err != nil {
		return gitstore.Hash{}, err
	}
	if h == parent || sa.ephemeral {
		return h, nil
	}
	if sa.store.RemoteURL() != "" {
		if err := sa.store.Push(ctx, sa.opts.GitAuth); err != nil {
			if rerr := sa.store.SetTip(ctx, h, parent); rerr != nil {
				return gitstore.Hash{}, fmt.Errorf("push to %s: %w (and restoring the local branch failed: %v)", gitstore.Redact(sa.store.RemoteURL()), err, rerr)
			}
			return gitstore.Hash{}, err // it names the remote
		}
	}
	// The commit is now the tip here and there: accept it as any other
	// (a check of what this command wrote), so the marks follow it.
	if _, _, err := sa.advance(ctx, h); err != nil {
		return h, err
	}
	sa.verified = h
	return h, nil
}

// refused reports whether a fetch failed because the remote refused us
// (credentials, host key, no such repository) rather than being out of
// reach.
func refused(err error) bool {
	var hk *gitstore.HostKeyError
	return errors.Is(err, gitstore.ErrAuthFailed) || errors.Is(err, gitstore.ErrNoSSHKey) ||
		errors.Is(err, gitstore.ErrRemoteNotFound) || errors.As(err, &hk) || errors.Is(err, context.Canceled)
}

// FetchError is a remote that could not be read.
type FetchError struct {
	Remote string
	Err    error
}

func (e *FetchError) Error() string { return e.Err.Error() } // it names the remote
func (e *FetchError) Unwrap() error { return e.Err }

// Stale says pull used the local copy because the remote was unreachable.
type Stale struct {
	Remote string
	Err    error
	Since  time.Time // when the local copy's newest commit was made
}

// loadSynced fetches from the remote, then loads the store.
func (sa *storeAccess) loadSynced(ctx context.Context) (*snapshot, error) {
	if _, err := sa.requireStore(); err != nil {
		return nil, err
	}
	if err := sa.sync(ctx); err != nil {
		return nil, err
	}
	return sa.load(ctx)
}

// loadSyncedOrLocal is loadSynced, except that an unreachable remote
// falls back to the local copy, reported in the returned *Stale.
func (sa *storeAccess) loadSyncedOrLocal(ctx context.Context) (*snapshot, *Stale, error) {
	if _, err := sa.requireStore(); err != nil {
		return nil, nil, err
	}
	var fe *FetchError
	err := sa.sync(ctx)
	if err != nil && !errors.As(err, &fe) {
		return nil, nil, err
	}
	snap, lerr := sa.load(ctx)
	if lerr != nil {
		if err != nil {
			return nil, nil, err
		}
		return nil, nil, lerr
	}
	if err == nil {
		return snap, nil, nil
	}
	stale := &Stale{Remote: fe.Remote, Err: fe.Err}
	if entries, lerr := sa.store.Log(ctx, snap.tip, 1); lerr == nil && len(entries) == 1 {
		stale.Since = entries[0].Author.When
	}
	return snap, stale, nil
}
