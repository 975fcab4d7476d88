package scopes

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/configsync/configsync/gitstore"
)

// verifyChained is verify for a format 2 store: the commits this machine
// has not accepted yet (all of them with full, from the root), then the
// tip as a whole — its manifest signed by a pinned admin, every index,
// and every item this identity can read (signature, place, index
// digest).
func (sa *storeAccess) verifyChained(ctx context.Context, tip gitstore.Hash, full bool, rep *VerifyReport) error {
	m, err := sa.loadMarks()
	if err != nil {
		return err
	}
	if full {
		if err := sa.fullHistory(ctx); err != nil {
			return err
		}
	}
	var prev *chainState
	var entries []gitstore.LogEntry
	switch base, perr := gitstore.ParseHash(m.Commit); {
	case full || perr != nil || base.IsZero():
		if entries, _, err = sa.store.Since(ctx, tip, gitstore.Hash{}); err != nil {
			return err
		}
	default:
		found := false
		if entries, found, err = sa.store.Since(ctx, tip, base); err != nil {
			return err
		}
		if found {
			prev, _ = readChainState(ctx, sa.store, base, "")
		} else if entries, _, err = sa.store.Since(ctx, tip, gitstore.Hash{}); err != nil {
			return err
		}
	}
	if m.Refused != nil && m.Refused.Commit != tip.String() {
		rep.Problems = append(rep.Problems, Problem{Commit: m.Refused.Commit, Reason: m.Refused.Reason + " (refused when fetched)"})
	}
	format1 := 0
	last, refused, err := sa.walkChain(ctx, prev, entries, func(gitstore.LogEntry) { format1++ })
	if err != nil {
		return err
	}
	rep.Commits = len(entries) - format1
	if last == nil || last.commit != tip {
		for _, r := range refused {
			rep.Problems = append(rep.Problems, Problem{Commit: r.Commit, Reason: r.Reason()})
		}
		if len(refused) == 0 {
			rep.Problems = append(rep.Problems, Problem{Commit: tip.String(), Reason: "no accepted state leads to it"})
		}
		return nil
	}
	// The tip is accepted: commits refused on the way were undone by a
	// later one (a repair); worth knowing, not wrong now.
	for _, r := range refused {
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("commit %.12s was refused and its state put back later: %s", r.Commit, r.Reason()))
	}
	return sa.verifyTipState(ctx, last, rep)
}

// verifyTipState checks the tip as a whole and every item this identity
// can read.
func (sa *storeAccess) verifyTipState(ctx context.Context, st *chainState, rep *VerifyReport) error {
	rep.Manifests++
	if _, err := checkState(st, sa.pinnedKeys(st), sa.opts.Now()); err != nil {
		var te *TrustError
		if errors.As(err, &te) {
			rep.Problems = append(rep.Problems, Problem{Commit: te.Commit, Reason: te.Reason()})
			return nil
		}
		return err
	}
	snap := &snapshot{tip: st.commit, tree: st.tree, format: StoreFormat, keys: st.keys, now: sa.opts.Now(),
		members: st.man.Members, envs: sortedEnvs(st.man.Environments), chain: st, checked: true}
	id, err := sa.identity()
	if err != nil {
		return err
	}
	me, isMember := snap.member(id.Fingerprint())
	for _, env := range snap.envs {
		if !isMember || !me.Can(env.Tier) {
			rep.Skipped = append(rep.Skipped, env.Name)
			continue
		}
		ea := sa.envOf(snap, env, id)
		if _, err := ea.unwrap(); err != nil {
			rep.Problems = append(rep.Problems, Problem{Commit: st.commit.String(), Path: envDir(env.Name) + "/" + envPrivateKeyFile, Reason: err.Error()})
			continue
		}
		rep.Keys++
		ea.verifyItems(ctx, rep)
		if err := ea.verifyDocuments(ctx, rep); err != nil {
			return err
		}
	}
	return nil
}

// verifyItems decrypts every item of env at the tip and checks it.
func (ea *envAccess) verifyItems(ctx context.Context, rep *VerifyReport) {
	snap, env := ea.snap, ea.env
	stored, err := snap.storedItems(env.Name, "", "")
	if err != nil {
		rep.Problems = append(rep.Problems, Problem{Commit: snap.tip.String(), Path: envItemsDir(env.Name), Reason: err.Error()})
		return
	}
	for _, s := range stored {
		ct, err := ea.store.ReadBlob(ctx, s.Blob)
		if err == nil {
			var plain []byte
			plain, err = ea.openItem(s, ct)
			clear(plain)
		}
		rep.Items++
		if err != nil {
			reason := strings.TrimPrefix(err.Error(), s.Project+"/"+s.Path+": ") // Path names it
			rep.Problems = append(rep.Problems, Problem{Commit: snap.tip.String(), Path: itemStorePath(env.Name, s.Project, s.Path), Reason: reason})
		}
	}
}
