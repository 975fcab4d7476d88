package scopes

import (
	"context"
	"fmt"
	"strings"

	"github.com/configsync/configsync/gitstore"
)

// rewind is a remote branch that moved back: its tip is no longer a
// descendant of the tip this machine last fetched from it (the
// remote-tracking ref), because someone moved it back or rewrote it.
type rewind struct {
	remote   string
	from, to gitstore.Hash
	dropped  []gitstore.LogEntry // newest first: on from's history, not on to's
}

// rewound compares the remote's tip now with the one fetched before
// (zero: none yet); nil when the remote only moved forward.
func (ma *machine) rewound(ctx context.Context, before, now gitstore.Hash) (*rewind, error) {
	if before.IsZero() || now.IsZero() || before == now {
		return nil, nil
	}
	if ok, err := ma.store.IsAncestor(ctx, before, now); err != nil || ok {
		return nil, err
	}
	kept, _, err := ma.store.Since(ctx, now, gitstore.Hash{})
	if err != nil {
		return nil, err
	}
	onRemote := map[gitstore.Hash]bool{}
	for _, e := range kept {
		onRemote[e.Hash] = true
	}
	old, _, err := ma.store.Since(ctx, before, gitstore.Hash{})
	if err != nil {
		return nil, err
	}
	rw := &rewind{remote: gitstore.Redact(ma.store.RemoteURL()), from: before, to: now}
	for _, e := range old {
		if onRemote[e.Hash] {
			break
		}
		rw.dropped = append(rw.dropped, e)
	}
	return rw, nil
}

// drops reports whether commit (hex) is one the rewind dropped.
func (rw *rewind) drops(commit string) bool {
	for _, e := range rw.dropped {
		if e.Hash.String() == commit {
			return true
		}
	}
	return false
}

// names lists the dropped commits, oldest first, at most a few.
func (rw *rewind) names() string {
	const most = 5
	var parts []string
	for i := len(rw.dropped) - 1; i >= 0 && len(parts) < most; i-- {
		e := rw.dropped[i]
		parts = append(parts, fmt.Sprintf("%.12s (made as %s)", e.Hash, entryAuthor(e)))
	}
	s := strings.Join(parts, ", ")
	if n := len(rw.dropped) - most; n > 0 {
		s += fmt.Sprintf(" and %d more", n)
	}
	return s
}

func (rw *rewind) count() string {
	if len(rw.dropped) == 1 {
		return "1 commit"
	}
	return fmt.Sprintf("%d commits", len(rw.dropped))
}

// RewoundError is a remote moved back past commits this machine accepted:
// following it would be a rollback (DESIGN.md §2a), and pushing would
// silently put them back. Nothing is pushed until an admin decides.
type RewoundError struct {
	Remote   string
	From, To string
	Dropped  string // the dropped commits, named
	Count    string // "2 commits"
}

func (e *RewoundError) Error() string {
	return fmt.Sprintf("the remote %s was moved back from %.12s to %.12s, dropping %s this machine accepted: %s: nothing was pushed or changed; an admin decides: configsync repair --follow accepts the remote as it is now, configsync repair puts the dropped state back",
		e.Remote, e.From, e.To, e.Count, e.Dropped)
}

// followRewind decides what a fetch that found the remote moved back
// does. If this machine holds none of the dropped commits (they were
// refused here, or never fetched before the move), or an admin sealed the
// remote's state forward past this machine's marks, it follows the
// remote and says so. A remote moved back and then on is left to the
// trust rules, which refuse a state below the marks and name the commit.
// Otherwise (moved back only) it refuses and puts the remote-tracking ref back,
// so that every later fetch finds the same move until an admin decides.
func (tb *trustBook) followRewind(ctx context.Context, rw *rewind, local gitstore.Hash) error {
	if len(rw.dropped) == 0 {
		return nil
	}
	oldest := rw.dropped[len(rw.dropped)-1].Hash
	held, err := tb.store.IsAncestor(ctx, oldest, local)
	if err != nil {
		return err
	}
	if held && tb.sealedForward(ctx, rw.to) {
		tb.notify("the remote %s was moved back past %s and sealed forward by an admin: following it", rw.remote, rw.names())
		return nil
	}
	if held {
		// A remote that also moved on from where it was moved back to
		// holds new commits: the trust rules judge those (a fork, a
		// rollback) and name them, as for any fetch.
		back, err := tb.store.IsAncestor(ctx, rw.to, rw.from)
		if err != nil || !back {
			return err
		}
		if err := tb.store.SetRemoteTip(ctx, rw.from); err != nil {
			return err
		}
		return &RewoundError{Remote: rw.remote, From: rw.from.String(), To: rw.to.String(), Dropped: rw.names(), Count: rw.count()}
	}
	tb.notify("the remote %s was moved back to %.12s, dropping %s never accepted here (%s): following it", rw.remote, rw.to, rw.count(), rw.names())
	// A refusal of a commit the remote no longer has is moot.
	m, err := tb.loadMarks()
	if err != nil {
		return err
	}
	if m.Refused != nil && rw.drops(m.Refused.Commit) && !tb.ephemeral {
		m.Refused = nil
		return tb.saveMarks(m)
	}
	return nil
}

// sealedForward reports whether the state at tip passes the pinned
// admins and stands above every serial this machine accepted (what
// configsync repair --follow writes): following it is no rollback.
func (tb *trustBook) sealedForward(ctx context.Context, tip gitstore.Hash) bool {
	m, err := tb.loadMarks()
	if err != nil || m.Commit == "" {
		return false
	}
	st, err := readChainState(ctx, tb.store, tip, "")
	if err != nil {
		return false
	}
	if _, err := checkState(st, tb.pinnedKeys(st), tb.opts.Now()); err != nil {
		return false
	}
	return checkMarks(st, m, "") == nil
}
