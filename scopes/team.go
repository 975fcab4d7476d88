package scopes

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/configsync/configsync/gitstore"
	"github.com/configsync/configsync/keyring"
)

// Members lists the team manifest.
func (v *Vault) Members(ctx context.Context) ([]Member, error) {
	snap, err := v.load(ctx)
	if err != nil {
		return nil, err
	}
	return snap.members, nil
}

// Me is the identity's member entry.
func (v *Vault) Me(ctx context.Context) (Member, error) {
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
// those tiers are re-wrapped for the new member; no item is touched.
func (v *Vault) TeamAdd(ctx context.Context, pub *keyring.PublicKey, tiers []Tier, admin, ci bool) (Member, error) {
	var added Member
	err := v.changeTeam(ctx, func(snap *snapshot, me Member) ([]Member, string, error) {
		if m, ok := snap.member(pub.Fingerprint()); ok {
			return nil, "", &MemberError{Who: m.Label(), Reason: "already a member (change tiers with configsync team grant)"}
		}
		added = Member{Fingerprint: pub.Fingerprint(), Name: pub.Name(), Email: pub.Email(), Tiers: sortTiers(slices.Clone(tiers)), Admin: admin, CI: ci}
		if added.Name == "" {
			added.Name = added.Fingerprint
		}
		snap.keys[pub.Fingerprint()] = pub
		return append(slices.Clone(snap.members), added), fmt.Sprintf("team add %s (tiers %s)", added.Label(), joinTiers(added.Tiers)), nil
	}, nil)
	return added, err
}

// TeamGrant gives a member more tiers (re-wrapping those environments' keys).
func (v *Vault) TeamGrant(ctx context.Context, who string, tiers []Tier) (Member, error) {
	var changed Member
	err := v.changeTeam(ctx, func(snap *snapshot, me Member) ([]Member, string, error) {
		i, err := snap.find(who)
		if err != nil {
			return nil, "", err
		}
		members := slices.Clone(snap.members)
		m := members[i]
		m.Tiers = slices.Clone(m.Tiers)
		for _, t := range tiers {
			if !slices.Contains(m.Tiers, t) {
				m.Tiers = append(m.Tiers, t)
			}
		}
		m.Tiers = sortTiers(m.Tiers)
		members[i], changed = m, m
		return members, fmt.Sprintf("team grant %s %s", m.Label(), joinTiers(tiers)), nil
	}, nil)
	return changed, err
}

// RotationReport says which environment keys a team change rotated and
// which key names the member could read, to rotate at their providers.
type RotationReport struct {
	Member  Member
	Rotated []Environment // with their new generation
	Exposed []Exposure
}

// Exposure is the key names of one item a removed member could read.
type Exposure struct {
	Env  string
	Item string // "myapp/.env"
	Keys []string
}

// TeamRevoke takes tiers from a member and rotates every environment of
// those tiers.
func (v *Vault) TeamRevoke(ctx context.Context, who string, tiers []Tier) (*RotationReport, error) {
	rep := &RotationReport{}
	err := v.changeTeam(ctx, func(snap *snapshot, me Member) ([]Member, string, error) {
		i, err := snap.find(who)
		if err != nil {
			return nil, "", err
		}
		members := slices.Clone(snap.members)
		m := members[i]
		rep.Member = m
		m.Tiers = slices.DeleteFunc(slices.Clone(m.Tiers), func(t Tier) bool { return slices.Contains(tiers, t) })
		members[i] = m
		return members, fmt.Sprintf("team revoke %s %s", m.Label(), joinTiers(tiers)), nil
	}, rep)
	return rep, err
}

// TeamRemove removes a member (by fingerprint or email) and rotates every
// environment it could read.
func (v *Vault) TeamRemove(ctx context.Context, who string) (*RotationReport, error) {
	rep := &RotationReport{}
	err := v.changeTeam(ctx, func(snap *snapshot, me Member) ([]Member, string, error) {
		i, err := snap.find(who)
		if err != nil {
			return nil, "", err
		}
		m := snap.members[i]
		if m.Fingerprint == me.Fingerprint {
			return nil, "", &MemberError{Who: m.Label(), Reason: "you cannot remove yourself: ask another admin"}
		}
		rep.Member = m
		return slices.Delete(slices.Clone(snap.members), i, i+1), "team remove " + m.Label(), nil
	}, rep)
	return rep, err
}

// RotateEnvironment makes a new key generation for env and re-encrypts
// its items.
func (v *Vault) RotateEnvironment(ctx context.Context, name string) (*RotationReport, error) {
	unlock, err := v.lock(ctx)
	if err != nil {
		return nil, err
	}
	defer unlock()
	snap, err := v.loadSynced(ctx)
	if err != nil {
		return nil, err
	}
	id, m, env, err := v.access(snap, name)
	if err != nil {
		return nil, err
	}
	rep := &RotationReport{}
	changes, newEnv, err := v.rotate(ctx, snap, env, id, snap.members, snap.keys, nil)
	if err != nil {
		return nil, err
	}
	rep.Rotated = []Environment{newEnv}
	_, err = v.commit(ctx, snap, changes, m, fmt.Sprintf("env rotate %s (generation %d)", env.Name, newEnv.KeyGeneration))
	return rep, err
}

// find resolves a member by fingerprint (or its unique suffix) or email.
func (snap *snapshot) find(who string) (int, error) {
	var hits []int
	for i, m := range snap.members {
		if strings.EqualFold(m.Email, who) || m.Fingerprint == strings.ToUpper(who) ||
			(len(who) >= 16 && strings.HasSuffix(m.Fingerprint, strings.ToUpper(who))) {
			hits = append(hits, i)
		}
	}
	switch len(hits) {
	case 0:
		return 0, &MemberError{Who: who, Reason: "no such member (see configsync team list)"}
	case 1:
		return hits[0], nil
	}
	return 0, &MemberError{Who: who, Reason: fmt.Sprintf("%d member keys match: name one by fingerprint", len(hits))}
}

// changeTeam runs one manifest change by an admin: edit returns the new
// member list; environments whose set of readers grew are re-wrapped,
// those whose readers shrank are rotated (into rep).
func (v *Vault) changeTeam(ctx context.Context, edit func(*snapshot, Member) ([]Member, string, error), rep *RotationReport) error {
	unlock, err := v.lock(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	snap, err := v.loadSynced(ctx)
	if err != nil {
		return err
	}
	id, me, err := v.me(snap)
	if err != nil {
		return err
	}
	if !me.Admin {
		return &NotAdminError{Member: me.Label()}
	}
	members, msg, err := edit(snap, me)
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(members, func(m Member) bool { return m.Admin }) {
		return &MemberError{Who: me.Label(), Reason: "the team would have no admin left"}
	}
	changes, err := v.manifestFiles(members, snap.keys, id)
	if err != nil {
		return err
	}
	// Key files of removed members go too.
	for _, old := range snap.members {
		if !slices.ContainsFunc(members, func(m Member) bool { return m.Fingerprint == old.Fingerprint }) {
			changes = append(changes, gitstore.Change{Path: keysDir + "/" + old.Fingerprint + ".asc", Delete: true})
		}
	}
	for _, env := range snap.envs {
		before := readers(snap.members, env.Tier)
		after := readers(members, env.Tier)
		switch {
		case lostAny(before, after):
			if rep == nil {
				return fmt.Errorf("this change would remove readers of %q without rotating it", env.Name)
			}
			c, newEnv, err := v.rotate(ctx, snap, env, id, members, snap.keys, rep)
			if err != nil {
				return err
			}
			changes = append(changes, c...)
			rep.Rotated = append(rep.Rotated, newEnv)
		case len(after) > len(before):
			if !me.Can(env.Tier) {
				return &AccessError{Env: env.Name, Tier: env.Tier, Member: me.Label() + " (an admin must hold a tier to grant it)"}
			}
			path := envDir(env.Name) + "/" + envPrivateKeyFile
			wrapped, err := snap.tree.Read(path)
			if err != nil {
				return err
			}
			var to []*keyring.PublicKey
			for _, fpr := range after {
				to = append(to, snap.keys[fpr])
			}
			rewrapped, err := keyring.Rewrap(wrapped, id, to)
			if errors.Is(err, keyring.ErrAEADUnsupported) {
				// A new reader's key (GnuPG v4) cannot open SEIPDv2: the
				// environment key is encrypted again, in the mode all accept.
				rewrapped, err = v.reencrypt(snap, env, wrapped, id, to)
			}
			if err != nil {
				return fmt.Errorf("re-wrap the key of %q: %w", env.Name, err)
			}
			changes = append(changes, gitstore.Change{Path: path, Data: rewrapped})
		}
	}
	_, err = v.commit(ctx, snap, changes, me, msg)
	return err
}

// rotate makes the next key generation of env for members and
// re-encrypts its items, recording the exposed key names in rep.
func (v *Vault) rotate(ctx context.Context, snap *snapshot, env Environment, id *keyring.PrivateKey, members []Member, keys map[string]*keyring.PublicKey, rep *RotationReport) ([]gitstore.Change, Environment, error) {
	oldKey, err := v.envKey(snap, env, id)
	if err != nil {
		return nil, Environment{}, err
	}
	newEnv, changes, newKey, err := v.newEnvironment(members, keys, id, env.Name, env.Tier, env.Protected, env.KeyGeneration+1, env.Created)
	if err != nil {
		return nil, Environment{}, err
	}
	stored, err := snap.storedItems(env.Name, "", "")
	if err != nil {
		return nil, Environment{}, err
	}
	todo := make([]*pending, 0, len(stored))
	for _, s := range stored {
		data, err := v.decryptItem(ctx, snap, env, oldKey, s)
		if err != nil {
			return nil, Environment{}, err
		}
		todo = append(todo, &pending{it: TrackedItem{Project: s.Project, Path: s.Path, Type: s.Type}, data: data})
		if rep != nil && s.Type == TypeEnv {
			if names := keyNames(changedKeys(TypeEnv, nil, data)); len(names) > 0 {
				rep.Exposed = append(rep.Exposed, Exposure{Env: env.Name, Item: s.Project + "/" + s.Path, Keys: names})
			}
		}
	}
	if err := encryptAll(todo, newKey.Public(), id, v.opts.Now); err != nil {
		return nil, Environment{}, err
	}
	for _, p := range todo {
		clear(p.data)
		changes = append(changes, gitstore.Change{Path: itemStorePath(env.Name, p.it.Project, p.it.Path), Data: p.ct})
	}
	return changes, newEnv, nil
}

func readers(members []Member, t Tier) []string {
	var out []string
	for _, m := range members {
		if m.Can(t) {
			out = append(out, m.Fingerprint)
		}
	}
	return out
}

func lostAny(before, after []string) bool {
	for _, f := range before {
		if !slices.Contains(after, f) {
			return true
		}
	}
	return false
}

// reencrypt decrypts a wrapped environment key and encrypts it again to
// to, signed by id.
func (v *Vault) reencrypt(snap *snapshot, env Environment, wrapped []byte, id *keyring.PrivateKey, to []*keyring.PublicKey) ([]byte, error) {
	plain, _, err := keyring.Decrypt(wrapped, []*keyring.PrivateKey{id}, snap.signers(env.Tier), v.opts.Now())
	if err != nil {
		return nil, err
	}
	defer clear(plain)
	out, _, err := keyring.Encrypt(plain, to, id, v.opts.Now())
	return out, err
}
