package scopes

import (
	"context"
	"errors"
	"fmt"

	"github.com/configsync/configsync/gitstore"
)

// RepairResult says what a repair did.
type RepairResult struct {
	Commit   string    // the commit that put the accepted state back; "" if none was needed
	Accepted string    // the accepted commit whose state it put back
	Skipped  []Skipped // the refused commits it undid
}

// ErrNothingToRepair is a repair of a store whose tip this machine accepts.
var ErrNothingToRepair = errors.New("nothing to repair")

// Repair puts back the last state this machine accepted on top of the
// store's tip, when the tip was refused (a rollback, a forged file): one
// commit by an admin whose tree is the accepted one, so that every
// machine's incremental check passes over the refused commits and
// accepts it. History keeps the refused commits, named in the message.
func (v *Vault) Repair(ctx context.Context) (*RepairResult, error) {
	s, err := v.requireStore()
	if err != nil {
		return nil, err
	}
	unlock, err := v.lock(ctx)
	if err != nil {
		return nil, err
	}
	defer unlock()
	m, err := v.loadMarks()
	if err != nil {
		return nil, err
	}
	base, err := gitstore.ParseHash(m.Commit)
	if err != nil || base.IsZero() {
		return nil, fmt.Errorf("this machine has accepted no state of the store yet, so it has none to put back: %w", ErrNothingToRepair)
	}
	target, err := s.Tip(ctx)
	if err != nil {
		return nil, err
	}
	if s.RemoteURL() != "" && !v.ephemeral {
		remote, err := s.Fetch(ctx, v.opts.GitAuth)
		if err != nil {
			return nil, &FetchError{Remote: gitstore.Redact(s.RemoteURL()), Err: err}
		}
		if !remote.IsZero() {
			target = remote
		}
	}
	accepted, err := readChainState(ctx, s, base, "")
	if err != nil {
		return nil, err
	}
	entries, found, err := s.Since(ctx, target, base)
	if err != nil {
		return nil, err
	}
	res := &RepairResult{Accepted: base.String()}
	if found {
		last, refused, err := v.walkChain(ctx, accepted, entries, nil)
		if err != nil {
			return nil, err
		}
		if last.commit == target {
			return nil, fmt.Errorf("this machine accepts the store's tip %.12s: %w", target, ErrNothingToRepair)
		}
		for _, r := range refused {
			res.Skipped = append(res.Skipped, Skipped{Commit: r.Commit, Reason: r.Reason()})
		}
	}
	// Only an admin of the accepted state may put it back.
	from := &snapshot{members: accepted.man.Members, chain: accepted}
	id, me, err := v.admin(from)
	if err != nil {
		return nil, err
	}
	tree, err := s.Tree(ctx, target)
	if err != nil {
		return nil, err
	}
	var changes []gitstore.Change
	for _, f := range accepted.tree.Files("") {
		if b, ok := tree.Blob(f.Path); ok && b == f.Blob {
			continue
		}
		data, err := s.ReadBlob(ctx, f.Blob)
		if err != nil {
			return nil, err
		}
		changes = append(changes, gitstore.Change{Path: f.Path, Data: data})
	}
	for _, f := range tree.Files("") {
		if _, ok := accepted.tree.Blob(f.Path); !ok {
			changes = append(changes, gitstore.Change{Path: f.Path, Delete: true})
		}
	}
	// The next manifest, signed by the admin: the repair is theirs, and a
	// replay of the refused commits now falls below every machine's marks.
	mc, err := v.manifestFiles(from, accepted.man.Members, accepted.man.Environments, accepted.keys, id)
	if err != nil {
		return nil, err
	}
	changes = append(changes, mc...)
	msg := fmt.Sprintf("repair: put back the state of %.12s\n\n", base)
	for _, sk := range res.Skipped {
		msg += fmt.Sprintf("refused %.12s: %s\n", sk.Commit, sk.Reason)
	}
	local, err := s.Tip(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.SetTip(ctx, local, target); err != nil {
		return nil, err
	}
	h, err := s.Commit(ctx, target, changes, v.author(me), msg)
	if err != nil {
		_ = s.SetTip(ctx, target, local)
		return nil, err
	}
	if s.RemoteURL() != "" && !v.ephemeral {
		if err := s.Push(ctx, v.opts.GitAuth); err != nil {
			_ = s.SetTip(ctx, h, local) // the local branch as it was
			return nil, err
		}
	}
	if _, _, err := v.advance(ctx, h); err != nil {
		return nil, err
	}
	res.Commit = h.String()
	return res, nil
}
