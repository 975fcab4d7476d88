package scopes

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/configsync/configsync/gitstore"
)

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
	if ahead, err := sa.onlyAhead(ctx, local, remote); err != nil || ahead {
		return err // ahead: local commits not pushed yet, the next push sends them
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

// onlyAhead reports whether the local branch holds all of the remote's
// and more: commits not pushed yet.
func (ma *machine) onlyAhead(ctx context.Context, local, remote gitstore.Hash) (bool, error) {
	if local.IsZero() {
		return false, nil
	}
	behind, err := ma.store.IsAncestor(ctx, local, remote)
	if err != nil || behind {
		return false, err
	}
	// Local commits the remote never got, and the remote moved on: only
	// a command killed between its commit and its push leaves these (a
	// failed push puts the branch back). That command never reported
	// success, and a push's changes are still in the local files, where
	// the next push finds them: follow the verified remote
	// (docs/decisions.md). Else the remote is behind: nothing to do.
	return ma.store.IsAncestor(ctx, remote, local)
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

// lockedSynced takes this machine's lock, then loadSynced: the start of
// every use case that changes the store. The caller defers unlock.
func (sa *storeAccess) lockedSynced(ctx context.Context) (_ *snapshot, unlock func() error, err error) {
	if unlock, err = sa.lock(ctx); err != nil {
		return nil, nil, err
	}
	snap, err := sa.loadSynced(ctx)
	if err != nil {
		unlock()
		return nil, nil, err
	}
	return snap, unlock, nil
}

// syncedAccess is loadSynced, then this identity's access to envName in
// that snapshot: the start of each push and import attempt.
func (sa *storeAccess) syncedAccess(ctx context.Context, envName string) (*envAccess, error) {
	snap, err := sa.loadSynced(ctx)
	if err != nil {
		return nil, err
	}
	return sa.access(snap, envName)
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
