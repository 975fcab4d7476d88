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
	Items     int      // item versions whose signature was checked
	Keys      int      // environment key versions checked
	Skipped   []string // environments (or generations) this identity cannot read
	Warnings  []string // not wrong, but worth doing something about
	Problems  []Problem
	// Documents counts the provider documents of the tip checked against
	// the digests their pointers carry, by vault (provider.go).
	Documents map[string]int
}

// Verify checks the whole history: the manifest chain (each version
// signed by an admin of the version before it, the first by an admin of
// itself, at least one signer pinned here) and, at every commit, every
// environment key and item version this identity can read — each signed
// by a member holding the environment's tier at that commit and bound to
// its place, each environment key encrypted only to that tier's members,
// no environment put back to an older key or lowered to a lower tier, no
// item version put back or copied from elsewhere.
//
// A format 2 store is verified by its chain (verifychain.go): what this
// machine has not accepted yet, or with full every commit from the root,
// then the tip as a whole.
func (v *Session) Verify(ctx context.Context, full bool) (*VerifyReport, error) {
	s, err := v.requireStore()
	if err != nil {
		return nil, err
	}
	tip, err := s.Tip(ctx)
	if err != nil {
		return nil, err
	}
	rep := &VerifyReport{}
	tree, err := s.Tree(ctx, tip)
	if err != nil {
		return nil, err
	}
	if f, err := storeFormatOf(tree); err != nil {
		return nil, err
	} else if f >= 2 {
		return rep, v.verifyChained(ctx, tip, full, rep)
	}
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
	h, err := v.history(ctx, snap)
	if err != nil {
		return nil, err
	}
	w := &walker{v: v.machine, id: id, h: h, rep: rep,
		blobs: map[gitstore.Hash]string{}, lastTier: map[string]Tier{}, retired: map[string]string{}, current: map[string]string{}}
	for i := len(h.entries) - 1; i >= 0; i-- {
		if err := w.commit(ctx, i); err != nil {
			return nil, err
		}
	}
	for _, env := range snap.envs {
		if w.skipped[env.Name] {
			rep.Skipped = append(rep.Skipped, env.Name)
			continue
		}
		if k := w.keyAt(ctx, snap.tree, env.Name); k != nil && !k.bound {
			rep.Warnings = append(rep.Warnings, fmt.Sprintf("environment %q was made before signatures named their place: run configsync env rotate %s", env.Name, env.Name))
		}
		if err := v.envOf(snap, env, id).verifyDocuments(ctx, rep); err != nil {
			return nil, err
		}
	}
	return rep, nil
}

// verifyChain walks the manifest's versions oldest first.
func (sa *storeAccess) verifyChain(ctx context.Context, entries []gitstore.LogEntry, rep *VerifyReport) {
	var prevAdmins []*keyring.PublicKey
	pinnedSigned := len(sa.cfg.Trust.Admins) == 0
	for i := len(entries) - 1; i >= 0; i-- {
		e := entries[i]
		if !slices.Contains(e.Changed, membersPath) && !slices.Contains(e.Changed, membersSigPath) {
			continue
		}
		rep.Manifests++
		tree, err := sa.store.Tree(ctx, e.Hash)
		if err != nil {
			rep.Problems = append(rep.Problems, Problem{Commit: e.Hash.String(), Reason: err.Error()})
			return
		}
		admins, signer, err := verifyManifestAt(tree, prevAdmins, sa.opts.Now)
		if err != nil {
			rep.Problems = append(rep.Problems, Problem{Commit: e.Hash.String(), Path: membersPath, Reason: err.Error()})
			continue // keep checking later versions against the last good one
		}
		if slices.Contains(sa.cfg.Trust.Admins, signer.Fingerprint()) {
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
	return verifyManifest(tree, data, m, prev, now)
}

// verifyManifest is verifyManifestAt of a version already decoded: data
// is its members.toml, m what it decodes to.
func verifyManifest(tree fileReader, data []byte, m manifest, prev []*keyring.PublicKey, now func() time.Time) ([]*keyring.PublicKey, *keyring.PublicKey, error) {
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
