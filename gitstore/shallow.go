package gitstore

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/go-git/go-git/v5/plumbing"
)

// A shallow store holds the last commits of the history and the whole
// tree of each, as `git clone --depth` does: joining a store costs the
// same at 100 commits as at 10,000. Reads that walk history (Log, Since,
// IsAncestor) stop quietly at the boundary; Unshallow fetches the rest
// for the few commands that need all of it.

// unshallowDepth is how git itself spells "all of it" (fetch --unshallow).
const unshallowDepth = 1<<31 - 1

// FetchDepth is Fetch of at most depth commits of history (depth > 0),
// for a store that has none yet: the store becomes shallow if the remote
// has more.
func (s *Store) FetchDepth(ctx context.Context, auth *Auth, depth int) (Hash, error) {
	if depth <= 0 {
		return Hash{}, fmt.Errorf("gitstore: fetch depth %d: must be positive", depth)
	}
	return s.fetch(ctx, auth, depth)
}

// Shallow reports whether some history is absent: the commits past
// which it was not fetched (git's shallow file).
func (s *Store) Shallow() (bool, error) {
	sh, err := s.st.Shallow()
	return len(sh) > 0, err
}

// HasCommit reports whether the commit h is in the store.
func (s *Store) HasCommit(h Hash) bool {
	_, err := s.commit(h)
	return err == nil
}

// Unshallow fetches the history a shallow store lacks, as
// `git fetch --unshallow` does; a complete store returns at once.
func (s *Store) Unshallow(ctx context.Context, auth *Auth) error {
	sh, err := s.st.Shallow()
	if err != nil || len(sh) == 0 {
		return err
	}
	if _, err := s.fetch(ctx, auth, unshallowDepth); err != nil {
		return err
	}
	return s.pruneShallow(sh)
}

// pruneShallow drops from the shallow file the commits whose parents are
// all here now: go-git adds the boundaries a deepening fetch reports but
// never removes the ones it filled in.
func (s *Store) pruneShallow(sh []plumbing.Hash) error {
	keep := sh[:0]
	for _, h := range sh {
		c, err := s.commit(fromPlumbing(h))
		if err != nil {
			keep = append(keep, h)
			continue
		}
		for _, p := range c.ParentHashes {
			if !s.HasCommit(fromPlumbing(p)) {
				keep = append(keep, h)
				break
			}
		}
	}
	if fs, ok := s.st.(*renameRefs); ok && len(keep) == 0 {
		// git takes an empty shallow file for a shallow repository.
		err := fs.Filesystem().Remove("shallow")
		if errors.Is(err, os.ErrNotExist) {
			err = nil
		}
		return err
	}
	return s.st.SetShallow(keep)
}

// completeSince checks that every object of the commits from tip back to
// base (exclusive) is here. A fetch into a shallow store can leave holes:
// the remote assumes it has all history behind the commits it announced,
// so an object that comes back from before the boundary (a file put back
// to an old version) is not sent.
func (s *Store) completeSince(ctx context.Context, base, tip Hash) error {
	if base == tip || tip.IsZero() {
		return nil
	}
	_, err := s.newObjects(ctx, base, tip)
	if err != nil && !errors.Is(err, errNoShortcut) && ctx.Err() == nil {
		return fmt.Errorf("%w: %v", errNoShortcut, err)
	}
	return err
}
