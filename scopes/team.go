package scopes

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/configsync/configsync/internal/names"
	"github.com/configsync/configsync/keyring"
)

// Members lists the team manifest.
func (v *Session) Members(ctx context.Context) ([]Member, error) {
	snap, err := v.load(ctx)
	if err != nil {
		return nil, err
	}
	return snap.members, nil
}

// Me is the identity's member entry.
func (v *Session) Me(ctx context.Context) (Member, error) {
	snap, err := v.load(ctx)
	if err != nil {
		return Member{}, err
	}
	_, m, err := v.me(snap)
	return m, err
}

// MemberError is a team change that names no member, or one already in.
type MemberError struct{ Who, Reason string }

func (e *MemberError) Error() string { return e.Who + ": " + e.Reason }

// TeamAdd adds a member key with the given tiers. The environment keys of
// those tiers are re-wrapped for the new member; no item is touched. A
// second key with the email of a member is that person's other device.
func (v *Session) TeamAdd(ctx context.Context, pub *keyring.PublicKey, tiers []Tier, admin, ci bool) (Member, error) {
	var added Member
	_, err := v.changeTeam(ctx, func(snap *snapshot, me Member) ([]Member, []Member, string, error) {
		if m, ok := snap.member(pub.Fingerprint()); ok {
			return nil, nil, "", &MemberError{Who: m.Label(), Reason: "already a member (change tiers with configsync team grant)"}
		}
		added = Member{Fingerprint: pub.Fingerprint(), Name: pub.Name(), Email: pub.Email(), Tiers: sortTiers(slices.Clone(tiers)), Admin: admin, CI: ci}
		if added.Name == "" {
			added.Name = added.Fingerprint
		}
		snap.keys[pub.Fingerprint()] = pub
		return append(slices.Clone(snap.members), added), nil, fmt.Sprintf("team add %s (tiers %s)", added.Label(), joinTiers(added.Tiers)), nil
	}, nil)
	return added, err
}

// TeamGrant gives a member more tiers (re-wrapping those environments'
// keys). An email names every key of that person.
func (v *Session) TeamGrant(ctx context.Context, who string, tiers []Tier) (Member, error) {
	var changed Member
	_, err := v.changeTeam(ctx, func(snap *snapshot, me Member) ([]Member, []Member, string, error) {
		idx, err := snap.find(who)
		if err != nil {
			return nil, nil, "", err
		}
		members := slices.Clone(snap.members)
		for n, i := range idx {
			m := members[i]
			m.Tiers = slices.Clone(m.Tiers)
			for _, t := range tiers {
				if !slices.Contains(m.Tiers, t) {
					m.Tiers = append(m.Tiers, t)
				}
			}
			m.Tiers = sortTiers(m.Tiers)
			members[i] = m
			if n == 0 {
				changed = m
			}
		}
		return members, nil, fmt.Sprintf("team grant %s %s", changed.Label(), joinTiers(tiers)), nil
	}, nil)
	return changed, err
}

// RotationReport says which environment keys a change rotated and which
// key names the people who lost access could read, to rotate at their
// providers.
type RotationReport struct {
	Member  Member        // the member removed or revoked (first key)
	Keys    []Member      // every key of that member the change affected
	Rotated []Environment // with their new generation
	// Readers are whom Exposed is about: the member's keys, or for env
	// rotate every former reader of the environment's keys.
	Readers []string
	Exposed []Exposure
	// Unchecked names key generations this identity cannot open, whose
	// items could not be listed.
	Unchecked []string
}

// Exposure is what one item let someone read: its key names (env items)
// or the whole file (file items). Never values.
type Exposure struct {
	Env  string
	Item string // "myapp/.env"
	Keys []string
	File bool // a file item: all of it was readable
}

// TeamRevoke takes tiers from a member (every key of an email) and
// rotates every environment of those tiers.
func (v *Session) TeamRevoke(ctx context.Context, who string, tiers []Tier) (*RotationReport, error) {
	rep := &RotationReport{}
	_, err := v.changeTeam(ctx, func(snap *snapshot, me Member) ([]Member, []Member, string, error) {
		idx, err := snap.find(who)
		if err != nil {
			return nil, nil, "", err
		}
		members := slices.Clone(snap.members)
		var lost []Member
		for _, i := range idx {
			m := members[i]
			if !slices.ContainsFunc(m.Tiers, func(t Tier) bool { return slices.Contains(tiers, t) }) {
				continue
			}
			lost = append(lost, m)
			m.Tiers = slices.DeleteFunc(slices.Clone(m.Tiers), func(t Tier) bool { return slices.Contains(tiers, t) })
			members[i] = m
		}
		if len(lost) == 0 {
			m := snap.members[idx[0]]
			return nil, nil, "", &MemberError{Who: m.Label(), Reason: fmt.Sprintf("does not hold tier %s (tiers: %s)", joinTiers(tiers), joinTiers(m.Tiers))}
		}
		rep.Member, rep.Keys = lost[0], lost
		return members, lost, fmt.Sprintf("team revoke %s %s", lost[0].Label(), joinTiers(tiers)), nil
	}, rep)
	return rep, err
}

// TeamRemove removes a member — by fingerprint one key, by email every
// key (device) of that person — and rotates every environment it could
// read.
func (v *Session) TeamRemove(ctx context.Context, who string) (*RotationReport, error) {
	rep := &RotationReport{}
	_, err := v.changeTeam(ctx, func(snap *snapshot, me Member) ([]Member, []Member, string, error) {
		idx, err := snap.find(who)
		if err != nil {
			return nil, nil, "", err
		}
		var gone []Member
		for _, i := range idx {
			m := snap.members[i]
			if m.Fingerprint == me.Fingerprint {
				return nil, nil, "", &MemberError{Who: m.Label(), Reason: "you cannot remove yourself: ask another admin"}
			}
			gone = append(gone, m)
		}
		members := slices.DeleteFunc(slices.Clone(snap.members), func(m Member) bool {
			return slices.ContainsFunc(gone, func(g Member) bool { return g.Fingerprint == m.Fingerprint })
		})
		rep.Member, rep.Keys = gone[0], gone
		return members, gone, "team remove " + gone[0].Label(), nil
	}, rep)
	return rep, err
}

// RotateEnvironment makes a new key generation for env, re-encrypts its
// items, and reports what former readers of its keys — keys that could
// open some generation but are not readers now — could read.
func (v *Session) RotateEnvironment(ctx context.Context, name string) (*RotationReport, error) {
	snap, unlock, err := v.lockedSynced(ctx)
	if err != nil {
		return nil, err
	}
	defer unlock()
	ea, err := v.access(snap, name)
	if err != nil {
		return nil, err
	}
	id, m, env := ea.id, ea.me, ea.env
	if _, _, err := v.admin(snap); err != nil {
		return nil, err
	}
	rep := &RotationReport{}
	known := newNameCache()
	changes, newEnv, err := ea.rotate(ctx, snap.members, snap.keys, known)
	if err != nil {
		return nil, err
	}
	mc, err := v.manifestFiles(snap, snap.members, replaceEnv(snap.envs, newEnv), snap.keys, id)
	if err != nil {
		return nil, err
	}
	changes = append(changes, mc...)
	rep.Rotated = []Environment{newEnv}
	readers := keyring.NewKeySet(snap.signers(env.Tier)...)
	former := func(rid string) bool { return readers.Find(rid) == nil }
	if err := v.exposure(ctx, snap, id, exposed{envs: []string{env.Name}, lost: former, known: known, rep: rep}); err != nil {
		return nil, err
	}
	msg := fmt.Sprintf("env rotate %s (generation %d)", env.Name, newEnv.KeyGeneration)
	_, err = v.commit(ctx, snap, changes, m, msg)
	return rep, err
}

// find resolves who to member indexes: a fingerprint (or a unique suffix
// of at least 16 digits) names one key, an email every key of that
// person.
func (snap *snapshot) find(who string) ([]int, error) {
	var byFpr, byEmail []int
	for i, m := range snap.members {
		switch {
		case m.Fingerprint == strings.ToUpper(who) || (len(who) >= 16 && strings.HasSuffix(m.Fingerprint, strings.ToUpper(who))):
			byFpr = append(byFpr, i)
		case strings.Contains(who, "@") && strings.EqualFold(m.Email, who):
			byEmail = append(byEmail, i)
		}
	}
	switch {
	case len(byFpr) == 1:
		return byFpr, nil
	case len(byFpr) > 1:
		return nil, &MemberError{Who: who, Reason: fmt.Sprintf("%d member keys match: give the whole fingerprint", len(byFpr))}
	case len(byEmail) > 0:
		return byEmail, nil
	}
	return nil, &MemberError{Who: who, Reason: "no such member (see configsync team list)"}
}

// TrustAdmins pins admin fingerprints for this invocation on a machine
// that has none (a CI read with no local config, CONFIGSYNC_ADMINS): the
// manifest is then accepted only when one of them signed it, or a chain
// of admin signatures in the history leads to it from them.
func (v *Session) TrustAdmins(fprs []string) error { return v.pinAdminsGiven(fprs) }

// pinAdminsGiven pins the admins given (init --trust), unless some are
// pinned already.
func (tb *trustBook) pinAdminsGiven(fprs []string) error {
	var pins []string
	for _, f := range fprs {
		f = strings.ToUpper(strings.TrimSpace(f))
		if f == "" {
			continue
		}
		if !names.IsFingerprint(f) {
			return fmt.Errorf("admin fingerprint %q is not a key fingerprint (40 or 64 hex digits, see configsync team list)", f)
		}
		pins = append(pins, f)
	}
	if len(tb.cfg.Trust.Admins) == 0 {
		tb.cfg.Trust.Admins = pins
	}
	return nil
}

// admin is the identity and its membership, which must be an admin's.
func (sa *storeAccess) admin(snap *snapshot) (*keyring.PrivateKey, Member, error) {
	id, me, err := sa.me(snap)
	if err != nil {
		return nil, Member{}, err
	}
	if !me.Admin {
		var admins []string
		for _, m := range snap.members {
			if m.Admin {
				admins = append(admins, m.Label())
			}
		}
		return nil, Member{}, &NotAdminError{Member: me.Label(), Admins: admins}
	}
	return id, me, nil
}
