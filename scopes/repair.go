package scopes

import (
	"context"
	"errors"
	"fmt"

	"github.com/configsync/configsync/config"
	"github.com/configsync/configsync/gitstore"
	"github.com/configsync/configsync/keyring"
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
func (v *Session) Repair(ctx context.Context) (_ *RepairResult, err error) {
	s, err := v.requireStore()
	if err != nil {
		return nil, err
	}
	base, unlock, err := v.lockAccepted(ctx, "this machine has accepted no state of the store yet, so it has none to put back")
	if err != nil {
		return nil, err
	}
	defer unlock()
	target, err := s.Tip(ctx)
	if err != nil {
		return nil, err
	}
	if s.RemoteURL() != "" && !v.ephemeral {
		keep, kerr := v.keepRemoteTip(ctx)
		if kerr != nil {
			return nil, kerr
		}
		defer keep(&err) // the result
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
		if res.Skipped, err = v.refusedSince(ctx, accepted, entries, target); err != nil {
			return nil, err
		}
	}
	// Only an admin of the accepted state may put it back.
	from := &snapshot{members: accepted.man.Members, chain: accepted}
	id, me, err := v.admin(from)
	if err != nil {
		return nil, err
	}
	changes, err := v.putBackFiles(ctx, accepted, target)
	if err != nil {
		return nil, err
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
	h, err := v.commitOver(ctx, target, changes, me, msg)
	if err != nil {
		return nil, err
	}
	res.Commit = h.String()
	return res, nil
}

// refusedSince walks the commits since the accepted state as pull would
// and lists the ones this machine refuses; none refused (it accepts the
// tip) leaves nothing to repair.
func (ma *machine) refusedSince(ctx context.Context, accepted *chainState, entries []gitstore.LogEntry, target gitstore.Hash) ([]Skipped, error) {
	last, refused, err := ma.walkChain(ctx, accepted, entries, nil)
	if err != nil {
		return nil, err
	}
	if last.commit == target {
		return nil, fmt.Errorf("this machine accepts the store's tip %.12s: %w", target, ErrNothingToRepair)
	}
	var skipped []Skipped
	for _, r := range refused {
		skipped = append(skipped, Skipped{Commit: r.Commit, Reason: r.Reason()})
	}
	return skipped, nil
}

// putBackFiles are the changes that turn the tree at target back into
// the accepted state's.
func (ma *machine) putBackFiles(ctx context.Context, accepted *chainState, target gitstore.Hash) ([]gitstore.Change, error) {
	s := ma.store
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
	return changes, nil
}

// commitOver commits changes on top of target (not the local tip: the
// remote's, which this machine refuses) and pushes it; a failure puts
// the local branch back as it was. The commit is then accepted.
func (tb *trustBook) commitOver(ctx context.Context, target gitstore.Hash, changes []gitstore.Change, me Member, msg string) (gitstore.Hash, error) {
	s := tb.store
	local, err := s.Tip(ctx)
	if err != nil {
		return gitstore.Hash{}, err
	}
	if err := s.SetTip(ctx, local, target); err != nil {
		return gitstore.Hash{}, err
	}
	h, err := s.Commit(ctx, target, changes, tb.author(me), msg)
	if err != nil {
		_ = s.SetTip(ctx, target, local)
		return gitstore.Hash{}, err
	}
	if s.RemoteURL() != "" && !tb.ephemeral {
		if err := s.Push(ctx, tb.opts.GitAuth); err != nil {
			_ = s.SetTip(ctx, h, local) // the local branch as it was
			return gitstore.Hash{}, err
		}
	}
	if _, _, err := tb.advance(ctx, h); err != nil {
		return gitstore.Hash{}, err
	}
	return h, nil
}

// FollowResult says what a repair --follow did.
type FollowResult struct {
	Remote  string   // the remote tip followed
	Commits []string // the commits that re-sealed it forward, oldest first
	Serial  int      // the team manifest serial now
	Dropped string   // the commits this machine accepted that the remote dropped, named
}

// RepairFollow accepts a remote that was moved back past commits this
// machine accepted (an admin dropping a bad commit on purpose). Going
// back to an older state is a rollback by the trust rules, so the admin
// re-seals the remote's state forward instead: on top of its tip, commits
// that each raise the team manifest's serial and the indexes' serials by
// one, chained and signed, until they pass every serial this machine
// accepted. Machines that never saw the dropped commits check each step;
// machines that did accept the tip against their marks; all of them
// follow, and no serial ever goes down.
func (v *Session) RepairFollow(ctx context.Context) (_ *FollowResult, err error) {
	s, err := v.requireStore()
	if err != nil {
		return nil, err
	}
	if s.RemoteURL() == "" || v.ephemeral {
		return nil, fmt.Errorf("the store has no remote to follow: %w", ErrNothingToRepair)
	}
	base, unlock, err := v.lockAccepted(ctx, "this machine has accepted no state of the store yet")
	if err != nil {
		return nil, err
	}
	defer unlock()
	before, err := s.RemoteTip(ctx)
	if err != nil {
		return nil, err
	}
	keep, err := v.keepRemoteTip(ctx)
	if err != nil {
		return nil, err
	}
	defer keep(&err)
	target, err := s.Fetch(ctx, v.opts.GitAuth)
	if err != nil {
		return nil, &FetchError{Remote: gitstore.Redact(s.RemoteURL()), Err: err}
	}
	if target.IsZero() {
		return nil, fmt.Errorf("the remote has no %q branch: %w", s.Branch(), ErrNothingToRepair)
	}
	res := &FollowResult{Remote: target.String()}
	if rw, err := v.rewound(ctx, before, target); err != nil {
		return nil, err
	} else if rw != nil {
		res.Dropped = rw.names()
	}
	accepted, err := readChainState(ctx, s, base, "")
	if err != nil {
		return nil, err
	}
	cur, err := readChainState(ctx, s, target, v.authorOf(ctx, target))
	if err != nil {
		return nil, err
	}
	// Only a state the pinned admins signed is worth following.
	if _, err := checkState(cur, v.pinnedKeys(cur), v.opts.Now()); err != nil {
		return nil, err
	}
	id, me, err := v.admin(&snapshot{members: cur.man.Members, chain: cur})
	if err != nil {
		return nil, err
	}
	// The accepted tip itself is no state to follow: sealing it forward
	// would only commit serials nothing needed.
	if target == base || !behindMarks(cur, accepted) {
		return nil, fmt.Errorf("this machine accepts the remote's tip %.12s as it is (configsync pull follows it): %w", target, ErrNothingToRepair)
	}
	if err := v.sealOnto(ctx, target, cur, accepted, id, me, res); err != nil {
		return nil, err
	}
	return res, nil
}

// sealOnto commits on top of the remote's tip (target, state cur) until
// its serials pass this machine's marks (accepted), pushes, and accepts
// the result; a failure puts the local branch back as it was.
func (tb *trustBook) sealOnto(ctx context.Context, target gitstore.Hash, cur, accepted *chainState, id *keyring.PrivateKey, me Member, res *FollowResult) error {
	s := tb.store
	local, err := s.Tip(ctx)
	if err != nil {
		return err
	}
	if err := s.SetTip(ctx, local, target); err != nil {
		return err
	}
	parent := target
	for behindMarks(cur, accepted) {
		changes, err := tb.sealForward(cur, accepted, id, me)
		if err != nil {
			tb.putBack(ctx, s, parent, local)
			return err
		}
		msg := fmt.Sprintf("repair: follow the remote at %.12s, sealed forward past this machine's serials", target)
		h, err := s.Commit(ctx, parent, changes, tb.author(me), msg)
		if err != nil {
			tb.putBack(ctx, s, parent, local)
			return err
		}
		res.Commits = append(res.Commits, h.String())
		if cur, err = readChainState(ctx, s, h, ""); err != nil {
			tb.putBack(ctx, s, h, local)
			return err
		}
		parent = h
	}
	if err := s.Push(ctx, tb.opts.GitAuth); err != nil {
		tb.putBack(ctx, s, parent, local)
		return err
	}
	if _, _, err := tb.advance(ctx, parent); err != nil {
		return err
	}
	res.Serial = cur.man.Serial
	return nil
}

// putBack moves the local branch from at back to where it was.
func (lc *local) putBack(ctx context.Context, s *gitstore.Store, at, was gitstore.Hash) {
	_ = s.SetTip(ctx, at, was)
}

// behindMarks reports whether cur falls at or below a serial of the
// accepted state: its team manifest, or the index of an environment both
// hold (the same one: created at the same time).
func behindMarks(cur, accepted *chainState) bool {
	if cur.man.Serial <= accepted.man.Serial {
		return true
	}
	for _, e := range cur.man.Environments {
		if indexBehind(cur, accepted, e) {
			return true
		}
	}
	return false
}

func indexBehind(cur, accepted *chainState, e Environment) bool {
	ae, ok := accepted.env(e.Name)
	if !ok || !ae.Created.Equal(e.Created) {
		return false
	}
	ci, ai := cur.indexes[e.Name], accepted.indexes[e.Name]
	return ci != nil && ai != nil && ci.Serial <= ai.Serial
}

// sealForward is one step forward from cur: the next manifest serial
// and the next serial of each index still behind the accepted state,
// the contents unchanged. A key generation the remote lost cannot be
// sealed forward: that takes a rotation.
func (ma *machine) sealForward(cur, accepted *chainState, id *keyring.PrivateKey, me Member) ([]gitstore.Change, error) {
	var changes []gitstore.Change
	for _, e := range cur.man.Environments {
		if ae, ok := accepted.env(e.Name); ok && ae.Created.Equal(e.Created) && ae.KeyGeneration > e.KeyGeneration {
			return nil, fmt.Errorf("the remote dropped key generation %d of %q: follow it with configsync env rotate %s after configsync repair, or put the dropped state back with configsync repair", ae.KeyGeneration, e.Name, e.Name)
		}
		if !indexBehind(cur, accepted, e) {
			continue
		}
		if !me.Can(e.Tier) {
			return nil, &AccessError{Env: e.Name, Tier: e.Tier, Member: me.Label()}
		}
		ci := cur.indexes[e.Name]
		next := ci.envIndex
		next.Serial, next.Previous = ci.Serial+1, ci.hash
		data, err := config.Marshal(next)
		if err != nil {
			return nil, err
		}
		sig, err := keyring.SignDetached(data, id, ma.opts.Now())
		if err != nil {
			return nil, err
		}
		changes = append(changes, gitstore.Change{Path: indexPath(e.Name), Data: data}, gitstore.Change{Path: indexSigPath(e.Name), Data: sig})
	}
	if cur.man.Serial <= accepted.man.Serial || len(changes) == 0 {
		mc, err := ma.manifestFiles(&snapshot{chain: cur}, cur.man.Members, cur.man.Environments, cur.keys, id)
		if err != nil {
			return nil, err
		}
		changes = append(changes, mc...)
	}
	return changes, nil
}

// keepRemoteTip records the remote-tracking ref before a fetch; the
// returned func puts it back when *err is set, so that a refused repair
// leaves the record of what this machine last fetched as it was (a
// remote moved back is then still found by the next command).
func (ma *machine) keepRemoteTip(ctx context.Context) (func(*error), error) {
	before, err := ma.store.RemoteTip(ctx)
	if err != nil {
		return nil, err
	}
	return func(err *error) {
		if *err != nil {
			_ = ma.store.SetRemoteTip(ctx, before)
		}
	}, nil
}
