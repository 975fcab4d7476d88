package scopes

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/configsync/configsync/internal/rofile"
	"github.com/configsync/configsync/keyring"
)

// Tier pins close a gap that signatures alone leave open: a member of a
// lower tier who deletes an environment with plain git and re-creates it
// under its name, at their own tier and with a key of their own, signs
// everything correctly for that tier. Each machine therefore remembers the
// tier it last accepted for each environment (in state.json) and accepts
// a lower one only from a key wrapped by an admin: only admins may lower
// an environment's tier. A machine that never saw the environment has
// nothing to compare with; verify reports the lowering from history.

// tierRank orders tiers, lowest first.
func tierRank(t Tier) int { return slices.Index(Tiers, t) }

// tierPins reads the pinned tiers without creating anything (inject and
// export read them, and write nothing).
func (tb *trustBook) tierPins() map[string]Tier {
	if tb.pins != nil {
		return tb.pins
	}
	tb.pins = map[string]Tier{}
	data, err := rofile.ReadFile(tb.home().State())
	if err != nil {
		return tb.pins
	}
	var st struct {
		Tiers map[string]Tier `json:"tiers"`
	}
	if json.Unmarshal(data, &st) == nil && st.Tiers != nil {
		tb.pins = st.Tiers
	}
	return tb.pins
}

// checkTierPin refuses an environment whose tier is lower than the one
// this machine pinned, unless an admin wrapped its key.
func (tb *trustBook) checkTierPin(snap *snapshot, env Environment, signer *keyring.PublicKey) error {
	pinned, ok := tb.tierPins()[env.Name]
	if !ok || tierRank(env.Tier) >= tierRank(pinned) {
		return nil
	}
	who := "an unknown key"
	if signer != nil {
		for _, m := range snap.members {
			if m.Fingerprint != signer.Fingerprint() {
				continue
			}
			if m.Admin {
				return nil
			}
			who = m.Label()
		}
	}
	return &TierLoweredError{Env: env.Name, Was: pinned, Now: env.Tier, By: who}
}

// TierLoweredError is an environment whose tier is lower than the one
// this machine accepted, with a key not wrapped by an admin.
type TierLoweredError struct {
	Env      string
	Was, Now Tier
	By       string // who wrapped its key
}

// Error implements error.
func (e *TierLoweredError) Error() string {
	return fmt.Sprintf("environment %q was tier %s on this machine and is now tier %s, re-created by %s, who is not an admin",
		e.Env, e.Was, e.Now, e.By)
}

// accept notes that env's key passed checkTierPin in this command.
func (tb *trustBook) accept(env Environment) {
	tb.tierPins()[env.Name] = env.Tier
	if tb.accepted == nil {
		tb.accepted = map[string]Tier{}
	}
	tb.accepted[env.Name] = env.Tier
}

// saveState saves the sync state with the tiers this command accepted
// pinned. Only commands that write state pin: inject and export do not.
func (tb *trustBook) saveState(st *syncState) error {
	for name, t := range tb.accepted {
		if st.Tiers == nil {
			st.Tiers = map[string]Tier{}
		}
		st.Tiers[name] = t
	}
	return st.save()
}
