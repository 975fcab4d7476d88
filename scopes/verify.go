package scopes

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/configsync/configsync/config"
	"github.com/configsync/configsync/gitstore"
	"github.com/configsync/configsync/keyring"
)

// Problem is one thing verify found wrong, and where.
type Problem struct {
	Commit string
	Path   string
	Reason string
}

func (p Problem) String() string {
	if p.Path == "" {
		return fmt.Sprintf("commit %.12s: %s", p.Commit, p.Reason)
	}
	return fmt.Sprintf("commit %.12s: %s: %s", p.Commit, p.Path, p.Reason)
}

// VerifyReport is what verify checked and found.
type VerifyReport struct {
	Commits   int
	Manifests int      // manifest versions checked along the history
	Items     int      // item signatures checked at the tip
	Skipped   []string // environments this identity may not read
	Problems  []Problem
}

// Verify checks the manifest chain over the whole history (each version
// signed by an admin of the version before it, the first by an admin of
// itself, at least one signer pinned here) and, at the tip, every
// environment key and item signature this identity can read.
func (v *Vault) Verify(ctx context.Context) (*VerifyReport, error) {
	s, err := v.requireStore()
	if err != nil {
		return nil, err
	}
	tip, err := s.Tip(ctx)
	if err != nil {
		return nil, err
	}
	rep := &VerifyReport{}
	entries, err := s.Log(ctx, tip, 0)
	if err != nil {
		return nil, err
	}
	rep.Commits = len(entries)
	v.verifyChain(ctx, entries, rep)

	snap, err := v.load(ctx)
	if err != nil {
		rep.Problems = append(rep.Problems, Problem{Commit: tip.String(), Reason: err.Error()})
		return rep, nil
	}
	id, err := v.identity()
	if err != nil {
		return nil, err
	}
	for _, env := range snap.envs {
		m, ok := snap.member(id.Fingerprint())
		if !ok || !m.Can(env.Tier) {
			rep.Skipped = append(rep.Skipped, env.Name)
			continue
		}
		key, err := v.envKey(snap, env, id)
		if err != nil {
			rep.Problems = append(rep.Problems, Problem{Commit: tip.String(), Path: envDir(env.Name) + "/" + envPrivateKeyFile, Reason: err.Error()})
			continue
		}
		stored, err := snap.storedItems(env.Name, "", "")
		if err != nil {
			rep.Problems = append(rep.Problems, Problem{Commit: tip.String(), Path: envItemsDir(env.Name), Reason: err.Error()})
			continue
		}
		for _, it := range stored {
			rep.Items++
			data, err := v.decryptItem(ctx, snap, env, key, it)
			clear(data)
			if err != nil {
				rep.Problems = append(rep.Problems, Problem{Commit: tip.String(), Path: itemStorePath(env.Name, it.Project, it.Path), Reason: err.Error()})
			}
		}
	}
	return rep, nil
}

// verifyChain walks the manifest's versions oldest first.
func (v *Vault) verifyChain(ctx context.Context, entries []gitstore.LogEntry, rep *VerifyReport) {
	var prevAdmins []*keyring.PublicKey
	pinnedSigned := len(v.cfg.Trust.Admins) == 0
	for i := len(entries) - 1; i >= 0; i-- {
		e := entries[i]
		if !slices.Contains(e.Changed, membersPath) && !slices.Contains(e.Changed, membersSigPath) {
			continue
		}
		rep.Manifests++
		tree, err := v.store.Tree(ctx, e.Hash)
		if err != nil {
			rep.Problems = append(rep.Problems, Problem{Commit: e.Hash.String(), Reason: err.Error()})
			return
		}
		admins, signer, err := verifyManifestAt(tree, prevAdmins, v.opts.Now)
		if err != nil {
			rep.Problems = append(rep.Problems, Problem{Commit: e.Hash.String(), Path: membersPath, Reason: err.Error()})
			continue // keep checking later versions against the last good one
		}
		if slices.Contains(v.cfg.Trust.Admins, signer.Fingerprint()) {
			pinnedSigned = true
		}
		prevAdmins = admins
	}
	if rep.Manifests > 0 && !pinnedSigned && len(entries) > 0 {
		rep.Problems = append(rep.Problems, Problem{Commit: entries[0].Hash.String(), Path: membersPath, Reason: "no version of the manifest was signed by an admin this machine trusts"})
	}
}

// verifyManifestAt checks one manifest version: signed by one of prev
// (the admins of the version before), or, for the first version, by an
// admin it names itself. It returns the version's admins and the signer.
func verifyManifestAt(tree *gitstore.Tree, prev []*keyring.PublicKey, now func() time.Time) ([]*keyring.PublicKey, *keyring.PublicKey, error) {
	data, err := tree.Read(membersPath)
	if err != nil {
		return nil, nil, fmt.Errorf("missing")
	}
	var m manifest
	if err := config.Unmarshal(membersPath, data, &m); err != nil {
		return nil, nil, err
	}
	var admins []*keyring.PublicKey
	for _, mem := range m.Members {
		if !mem.Admin {
			continue
		}
		keyData, err := tree.Read(keysDir + "/" + mem.Fingerprint + ".asc")
		if err != nil {
			return nil, nil, fmt.Errorf("no key file for admin %s", mem.Fingerprint)
		}
		pub, err := keyring.ReadPublicKey(keyData)
		if err != nil || pub.Fingerprint() != mem.Fingerprint {
			return nil, nil, fmt.Errorf("key file of admin %s does not match", mem.Fingerprint)
		}
		admins = append(admins, pub)
	}
	sig, err := tree.Read(membersSigPath)
	if err != nil {
		return nil, nil, fmt.Errorf("not signed")
	}
	allowed := prev
	if allowed == nil {
		allowed = admins
	}
	signer, err := keyring.VerifyDetached(data, sig, allowed, now())
	if err != nil {
		return nil, nil, fmt.Errorf("not signed by an admin of the previous version (%v)", err)
	}
	return admins, signer, nil
}
