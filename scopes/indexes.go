package scopes

import (
	"context"
	"fmt"

	"github.com/configsync/configsync/gitstore"
)

// How a command trusts a format 2 snapshot: this machine's own store is
// accepted commit by commit (marks.go), so its tip needs no check again;
// a store read for one command (--remote, --repo) is checked on its own
// against pinned admins, each environment when first used.

// verifyTip makes sure this machine accepted tip (format 2), verifying
// the commits since the last one it accepted.
func (tb *trustBook) verifyTip(ctx context.Context, tip gitstore.Hash) error {
	if tb.ephemeral || tb.verified == tip {
		return nil
	}
	m, err := tb.loadMarks()
	if err != nil {
		return err
	}
	if m.Refused != nil {
		return &RefusedError{Commit: m.Refused.Commit, Reason: m.Refused.Reason}
	}
	if m.Commit == tip.String() {
		tb.verified = tip
		return nil
	}
	st, _, err := tb.advance(ctx, tip)
	if err != nil {
		return err
	}
	if st != nil {
		tb.verified = tip
	}
	return nil
}

// UnpinnedError is a read of a store with no admin pinned to check it
// against (a CI read with no local configuration).
type UnpinnedError struct{}

func (e *UnpinnedError) Error() string {
	return "no admin of the store is pinned, so nothing it holds can be trusted"
}

// requirePins refuses a store read for one command with no pins.
func (tb *trustBook) requirePins() error {
	if tb.ephemeral && len(tb.cfg.Trust.Admins) == 0 {
		return &UnpinnedError{}
	}
	return nil
}

// loadChained fills a snapshot of a format 2 store from its signed state.
func (tb *trustBook) loadChained(snap *snapshot) error {
	accepted := !tb.ephemeral && tb.verified == snap.tip
	var st *chainState
	var err error
	if accepted {
		st, err = acceptedState(snap.tip, snap.tree)
	} else {
		st, err = stateOfTree(snap.tip, "", snap.tree, nil)
	}
	if err != nil {
		return err
	}
	snap.chain = st
	snap.members, snap.keys, snap.envs = st.man.Members, st.keys, sortedEnvs(st.man.Environments)
	if accepted {
		snap.checked = true
		return nil
	}
	if err := tb.requirePins(); err != nil {
		return err
	}
	_, err = st.manifestSigner(tb.pinnedKeys(st), tb.opts.Now())
	return err
}

// checkEnvOnce checks an environment of a snapshot not accepted as a
// whole, once.
func (snap *snapshot) checkEnvOnce(env Environment) error {
	if snap.chain == nil || snap.checked {
		return nil
	}
	snap.trust.mu.Lock()
	defer snap.trust.mu.Unlock()
	if err, ok := snap.envOK[env.Name]; ok {
		return err
	}
	if snap.envOK == nil {
		snap.envOK = map[string]error{}
	}
	err := snap.chain.checkEnv(env, snap.now)
	snap.envOK[env.Name] = err
	return err
}

// checkIndexed refuses a file under an environment's items/ whose bytes
// are not what the environment's signed index lists (format 2).
func (snap *snapshot) checkIndexed(env, name string, data []byte) error {
	if snap.chain == nil {
		return nil
	}
	ix := snap.chain.indexes[env]
	if ix == nil || ix.Items[name] != digest(data) {
		return &TrustError{Commit: snap.tip.String(), What: fmt.Sprintf("holds %s/%s, which is not the version its index lists", envItemsDir(env), name)}
	}
	return nil
}
