package scopes

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/configsync/configsync/config"
	"github.com/configsync/configsync/gitstore"
	"github.com/configsync/configsync/keyring"
)

// InitOptions are the choices of configsync init.
type InitOptions struct {
	Remote string // URL of the shared store, "" for a local-only store
	Repo   string // keep the store on a branch of this repository
	Branch string // the branch, default config.DefaultBranch
	Name   string // for a new identity
	Email  string
	// Trust lists the admin fingerprints to check a joined store
	// against (--trust, CONFIGSYNC_ADMINS); with none, its admins are
	// trusted on first use, after ConfirmAdmins (a terminal) says yes.
	Trust         []string
	ConfirmAdmins func(admins []Member) bool
	// again is init run by the user over a half-done one (its options
	// are the user's), not doctor finishing it.
	again bool
}

// ErrAdminsRejected is a join whose admins the user did not confirm.
var ErrAdminsRejected = errors.New("the store's admins were not confirmed")

// InitResult says what init did, for the command to report.
type InitResult struct {
	NewIdentity *keyring.PublicKey // set when init generated the identity
	Created     bool               // a new store was created
	Location    string
	Trusted     []Member // admins pinned by this init (trust on first use)
	Member      *Member  // the identity's membership, nil if not a member yet
	Fingerprint string   // the identity's fingerprint
	Environment string   // the environment made active, if any
}

// Init creates or joins a store and, if needed, the identity.
func (v *Session) Init(ctx context.Context, o InitOptions) (*InitResult, error) {
	if v.HalfInit() {
		// A stopped init left its store; nothing was accepted from it.
		o.again = true
		var err error
		if o, err = v.clearHalfInit(ctx, o); err != nil {
			return nil, err
		}
	}
	if err := v.refuseExisting(ctx); err != nil {
		return nil, err
	}
	if err := v.home().Make(); err != nil {
		return nil, err
	}
	unlock, err := v.lock(ctx)
	if err != nil {
		return nil, err
	}
	defer unlock()

	res := &InitResult{}
	id, err := v.initIdentity(o, res)
	if err != nil {
		return nil, err
	}
	s, drop, err := v.initStore(o)
	done := false
	defer func() {
		if !done {
			drop()
		}
	}()
	if err != nil {
		return nil, err
	}
	v.store = s
	res.Location = v.StoreLocation()
	tip, err := v.initFetch(ctx, o)
	if err != nil {
		return nil, err
	}
	if tip.IsZero() {
		if err := v.createStore(ctx, id, res); err != nil {
			return nil, err
		}
	} else if err := v.join(ctx, tip, id, res, o); err != nil {
		return nil, err
	}
	if err := v.SaveConfig(); err != nil {
		return nil, err
	}
	done = true
	return res, nil
}

// refuseExisting refuses an init where a store is configured: damage when
// this machine's own store lost its branch, else nothing to do.
func (ma *machine) refuseExisting(ctx context.Context) error {
	if ma.store == nil || ma.ephemeral {
		return nil
	}
	if tip, err := ma.store.Tip(ctx); ma.cfg.Store.Repo == "" && (err != nil || tip.IsZero()) {
		if err == nil {
			err = fmt.Errorf("branch %q is empty", ma.store.Branch())
		}
		return ma.damaged(err) // not "nothing to do"
	}
	return fmt.Errorf("%w at %s", ErrStoreExists, ma.storeLocation())
}

// initIdentity is the identity, made now (o's name and email) when
// there is none.
func (ma *machine) initIdentity(o InitOptions, res *InitResult) (*keyring.PrivateKey, error) {
	id, err := ma.identity()
	if errors.Is(err, ErrNoIdentity) {
		if o.Name == "" || o.Email == "" {
			return nil, fmt.Errorf("%w: init needs --name and --email to create one", ErrNoIdentity)
		}
		id, err = ma.generateIdentity(o.Name, o.Email, nil)
		if err == nil {
			res.NewIdentity = id.Public()
		}
	}
	if err != nil {
		return nil, err
	}
	res.Fingerprint = id.Fingerprint()
	return id, nil
}

// initStore opens the store init sets up, in the configuration it will
// save: a branch of the user's repository (o.Repo), else a new bare
// repository under $CONFIGSYNC_HOME. drop removes what a refused init
// made (never the user's repository), so that a refused init (a remote
// that is not a store, a failed fetch) leaves nothing to block the next.
func (ma *machine) initStore(o InitOptions) (s *gitstore.Store, drop func(), err error) {
	branch := o.Branch
	if branch == "" {
		branch = config.DefaultBranch
	}
	drop = func() {}
	if o.Repo != "" {
		repo, err := filepath.Abs(o.Repo)
		if err != nil {
			return nil, drop, err
		}
		if s, err = gitstore.Open(repo, branch); err != nil {
			return nil, drop, fmt.Errorf("open repository %s: %w", repo, err)
		}
		// The repository's origin is the project's own remote: use it as
		// it is, never repoint it.
		if o.Remote != "" {
			switch current := s.RemoteURL(); {
			case current == "":
				if err := s.SetRemote(o.Remote); err != nil {
					return nil, drop, err
				}
			case current != o.Remote:
				return nil, drop, fmt.Errorf("%s already has origin %s: drop --remote to use it, or use a separate store without --repo", repo, current)
			}
		}
		ma.cfg.Store.Repo = repo
	} else {
		dir := ma.home().Store()
		drop = func() { os.RemoveAll(dir) }
		if s, err = gitstore.InitBare(dir, branch); err != nil {
			return nil, drop, fmt.Errorf("create store %s: %w", dir, err)
		}
		if o.Remote != "" {
			if err := s.SetRemote(o.Remote); err != nil {
				return nil, drop, err
			}
			ma.cfg.Store.Remote = o.Remote
		}
	}
	if branch != config.DefaultBranch {
		ma.cfg.Store.Branch = branch
	}
	return s, drop, nil
}

// initFetch fetches the remote, if any, into the store init opened and
// returns the tip to join ("" to create a store).
func (ma *machine) initFetch(ctx context.Context, o InitOptions) (gitstore.Hash, error) {
	s := ma.store
	tip, err := s.Tip(ctx)
	if err != nil || s.RemoteURL() == "" {
		return tip, err
	}
	var remote gitstore.Hash
	if tip.IsZero() && o.Repo == "" {
		// A join fetches the last commits only: its cost does not
		// grow with the history (the few commands that need all of
		// it fetch the rest, see fullHistory).
		remote, err = s.FetchDepth(ctx, ma.opts.GitAuth, joinDepth)
	} else {
		remote, err = s.Fetch(ctx, ma.opts.GitAuth)
	}
	if err != nil {
		return gitstore.Hash{}, err // it names the remote
	}
	if tip.IsZero() && !remote.IsZero() {
		if err := s.SetTip(ctx, tip, remote); err != nil {
			return gitstore.Hash{}, err
		}
		tip = remote
	}
	return tip, nil
}

// createStore writes the first commit: format, a manifest with the
// identity as the only member (admin, every tier). It creates no
// environment: the brief's next step is env create development.
func (sa *storeAccess) createStore(ctx context.Context, id *keyring.PrivateKey, res *InitResult) error {
	pub := id.Public()
	me := Member{Fingerprint: pub.Fingerprint(), Name: pub.Name(), Email: pub.Email(), Tiers: Tiers, Admin: true}
	if me.Name == "" {
		me.Name = pub.Fingerprint()
	}
	members := []Member{me}
	keys := map[string]*keyring.PublicKey{me.Fingerprint: pub}
	changes, err := sa.manifestFiles(nil, members, nil, keys, id)
	if err != nil {
		return err
	}
	format, err := config.Marshal(storeFormat{Format: StoreFormat})
	if err != nil {
		return err
	}
	changes = append(changes, gitstore.Change{Path: formatPath, Data: format})
	if _, err := sa.commit(ctx, nil, changes, me, "init: new store, admin "+me.Label()); err != nil {
		return err
	}
	sa.cfg.Trust.Admins = []string{me.Fingerprint}
	res.Created, res.Member = true, &me
	return nil
}

// join trusts the admins of an existing store: those the user pinned,
// else on first use, as the user confirms on a terminal (ssh's
// accept-new without one).
func (sa *storeAccess) join(ctx context.Context, tip gitstore.Hash, id *keyring.PrivateKey, res *InitResult, o InitOptions) error {
	sa.cfg.Trust.Admins = nil
	if err := sa.pinAdminsGiven(o.Trust); err != nil {
		return err
	}
	snap, err := sa.loadAt(ctx, tip)
	if err != nil {
		return err
	}
	var admins []Member
	for _, m := range snap.members {
		if m.Admin {
			admins = append(admins, m)
		}
	}
	if len(o.Trust) == 0 && o.ConfirmAdmins != nil && !o.ConfirmAdmins(admins) {
		return ErrAdminsRejected
	}
	sa.cfg.Trust.Admins = nil
	for _, m := range admins {
		sa.cfg.Trust.Admins = append(sa.cfg.Trust.Admins, m.Fingerprint)
		res.Trusted = append(res.Trusted, m)
	}
	if snap.format >= 2 {
		if _, _, err := sa.advance(ctx, tip); err != nil {
			return err
		}
	}
	if m, ok := snap.member(id.Fingerprint()); ok {
		res.Member = &m
		for _, e := range snap.envs {
			if m.Can(e.Tier) {
				sa.cfg.Environment, res.Environment = e.Name, e.Name
				break
			}
		}
	}
	return nil
}

// joinDepth is how many commits of history a join fetches: enough for
// `log -n` as people use it, constant however long the history is.
const joinDepth = 50

// fullHistory makes the local store hold every commit, for the commands
// that read all of it (verify --full, a removal's exposure report,
// upgrade, a log longer than what a join fetched): a store joined
// shallow fetches the rest from its remote once.
func (ma *machine) fullHistory(ctx context.Context) error {
	if ma.ephemeral || ma.store == nil || ma.store.RemoteURL() == "" {
		return nil
	}
	shallow, err := ma.store.Shallow()
	if err != nil || !shallow {
		return err
	}
	if err := ma.store.Unshallow(ctx, ma.opts.GitAuth); err != nil {
		return &FetchError{Remote: gitstore.Redact(ma.store.RemoteURL()), Err: err}
	}
	return nil
}
