package scopes

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/configsync/configsync/config"
	"github.com/configsync/configsync/gitstore"
	"github.com/configsync/configsync/keyring"
)

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
func (tb *trustBook) trusts(fpr string) bool {
	pins := tb.cfg.Trust.Admins
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
