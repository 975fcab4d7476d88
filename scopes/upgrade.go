package scopes

import (
	"context"
	"errors"
	"fmt"

	"github.com/configsync/configsync/config"
	"github.com/configsync/configsync/gitstore"
	"github.com/configsync/configsync/keyring"
)

// UpgradeResult says what an upgrade did.
type UpgradeResult struct {
	From, To int
	Envs     []string // environments now indexed
	Resigned int      // items signed again (by a former member, or unbound)
}

// Upgrade moves a format 1 store to format 2 in one commit by an admin
// (DESIGN.md §2a): the manifest takes the environments (environment.toml
// goes), each environment gets its signed index, and every item whose
// signer is no longer a member of its tier, or whose signature names no
// place, is signed again by the admin, so that the current manifest alone
// vouches for everything. Nothing is lost: contents, keys and readers
// stay as they are, and items stay standard OpenPGP messages.
func (v *Session) Upgrade(ctx context.Context) (*UpgradeResult, error) {
	snap, unlock, err := v.lockedSynced(ctx)
	if err != nil {
		return nil, err
	}
	defer unlock()
	res := &UpgradeResult{From: snap.format, To: StoreFormat}
	if snap.format >= StoreFormat {
		return res, nil
	}
	id, me, err := v.admin(snap)
	if err != nil {
		return nil, err
	}
	// The history is checked by the rules it was written under first:
	// the upgrade must not vouch for what format 1 would refuse.
	rep, err := v.Verify(ctx, true)
	if err != nil {
		return nil, err
	}
	if len(rep.Problems) > 0 {
		return nil, fmt.Errorf("verify finds %d problems in the format 1 history (first: %s): %w", len(rep.Problems), rep.Problems[0], ErrUpgradeRefused)
	}
	// Format 1 has no serial: a team manifest put back is accepted, and
	// with it what a removed member wrote under it. Signing that again
	// would make it the admin's; it is refused instead.
	if err := v.checkNoPutBack(ctx, snap); err != nil {
		return nil, err
	}
	var changes []gitstore.Change
	for _, env := range snap.envs {
		if !me.Can(env.Tier) {
			return nil, &AccessError{Env: env.Name, Tier: env.Tier, Member: me.Label() + " (the upgrade signs every environment's index: an admin holding every tier runs it)"}
		}
		c, n, err := v.envOf(snap, env, id).resign(ctx)
		if err != nil {
			return nil, err
		}
		changes = append(changes, c...)
		changes = append(changes, gitstore.Change{Path: envDir(env.Name) + "/" + environmentFile, Delete: true})
		res.Resigned += n
		res.Envs = append(res.Envs, env.Name)
	}
	mc, err := v.manifestFiles(nil, snap.members, snap.envs, snap.keys, id)
	if err != nil {
		return nil, err
	}
	format, err := config.Marshal(storeFormat{Format: StoreFormat})
	if err != nil {
		return nil, err
	}
	changes = append(append(changes, mc...), gitstore.Change{Path: formatPath, Data: format})
	msg := fmt.Sprintf("upgrade: store format %d to %d", snap.format, StoreFormat)
	if _, err := v.commit(ctx, snap, changes, me, msg); err != nil {
		return nil, err
	}
	return res, nil
}

// ErrUpgradeRefused is an upgrade that found the store not clean.
var ErrUpgradeRefused = errors.New("upgrade refused")

// resign signs again, as id, the items of env that format 2 would not
// accept as they are: signed by someone who is not a member of the tier
// now, or with no place named.
func (ea *envAccess) resign(ctx context.Context) ([]gitstore.Change, int, error) {
	snap, env, id := ea.snap, ea.env, ea.id
	key, err := ea.unwrap()
	if err != nil {
		return nil, 0, err
	}
	stored, err := snap.storedItems(env.Name, "", "")
	if err != nil {
		return nil, 0, err
	}
	var changes []gitstore.Change
	for _, s := range stored {
		ct, err := ea.store.ReadBlob(ctx, s.Blob)
		if err != nil {
			return nil, 0, err
		}
		plain, _, binding, err := keyring.DecryptBound(ct, []*keyring.PrivateKey{key}, snap.signers(env.Tier), ea.opts.Now())
		clear(plain)
		if err == nil && binding == itemBinding(env.Name, s.Project, s.Path) {
			continue
		}
		data, err := ea.openItem(s, ct) // by format 1's rules
		if err != nil {
			return nil, 0, err
		}
		out, _, err := keyring.EncryptBound(data, []*keyring.PublicKey{key.Public()}, id, ea.opts.Now(), itemBinding(env.Name, s.Project, s.Path))
		clear(data)
		if err != nil {
			return nil, 0, err
		}
		changes = append(changes, gitstore.Change{Path: itemStorePath(env.Name, s.Project, s.Path), Data: out})
	}
	return changes, len(changes), nil
}

// PutBackError is a format 1 commit that changed the store while the team
// manifest in force was older than one already written before it: a
// manifest put back (a removed member replaying the team that still
// listed them). The upgrade would vouch for what it wrote.
type PutBackError struct {
	Commit, Author string // the commit that changed Path, and its git author
	Path           string
	Newer          string // the commit that wrote the newer manifest
}

func (e *PutBackError) Error() string {
	return fmt.Sprintf("commit %.12s (made as %s) changed %s while the team manifest in force was older than the one commit %.12s wrote (a manifest put back, as a removed member would do)",
		e.Commit, e.Author, e.Path, e.Newer)
}

// checkNoPutBack refuses when the last change of any path (team files
// included) was made under a put-back manifest (see putBack).
func (sa *storeAccess) checkNoPutBack(ctx context.Context, snap *snapshot) error {
	h, err := sa.history(ctx, snap)
	if err != nil {
		return err
	}
	done := map[string]bool{}
	for i, e := range h.entries { // newest first: a path's last change
		for _, p := range e.Changed {
			if done[p] {
				continue
			}
			done[p] = true
			if newer, ok := h.putBackAt(i); ok {
				return &PutBackError{Commit: e.Hash.String(), Author: e.Author.Name + " <" + e.Author.Email + ">", Path: p, Newer: newer.String()}
			}
		}
	}
	return nil
}

// manifestVersion names one version of the team manifest by its blobs.
type manifestVersion struct{ toml, sig gitstore.Hash }

// putBack takes the manifest version in force at each commit, oldest
// first, and returns for each commit -1, or, when its version is a put
// back one, the index of the commit that first wrote the newest version
// seen so far. A version is put back when it first appeared before that
// newest one: an admin's change always makes a new version (the
// signature carries a salt and a time, so no two signings are alike),
// while a removed member can only replay an old one. Going back to the
// newest version (a git revert of the replay) is not a put back.
func putBack(versions []manifestVersion) []int {
	out := make([]int, len(versions))
	firstSeen := map[manifestVersion]bool{}
	newest, newestAt := manifestVersion{}, -1
	for i, mv := range versions {
		if !firstSeen[mv] {
			firstSeen[mv] = true
			newest, newestAt = mv, i
		}
		out[i] = -1
		if mv != newest {
			out[i] = newestAt
		}
	}
	return out
}
