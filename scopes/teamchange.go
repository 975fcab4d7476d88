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

// changeTeam runs one manifest change by an admin: edit returns the new
// member list and the keys losing access; environments whose set of
// readers grew are re-wrapped, those whose readers shrank are rotated
// into rep, with the exposure of the keys that lost access.
func (sa *storeAccess) changeTeam(ctx context.Context, edit func(*snapshot, Member) ([]Member, []Member, string, error), rep *RotationReport) (gitstore.Hash, error) {
	unlock, err := sa.lock(ctx)
	if err != nil {
		return gitstore.Hash{}, err
	}
	defer unlock()
	snap, err := sa.loadSynced(ctx)
	if err != nil {
		return gitstore.Hash{}, err
	}
	id, me, err := sa.admin(snap)
	if err != nil {
		return gitstore.Hash{}, err
	}
	members, losing, msg, err := edit(snap, me)
	if err != nil {
		return gitstore.Hash{}, err
	}
	if !slices.ContainsFunc(members, func(m Member) bool { return m.Admin }) {
		return gitstore.Hash{}, &MemberError{Who: me.Label(), Reason: "the team would have no admin left"}
	}
	var changes []gitstore.Change
	envs := slices.Clone(snap.envs)
	// Key files of removed members go too.
	for _, old := range snap.members {
		if !slices.ContainsFunc(members, func(m Member) bool { return m.Fingerprint == old.Fingerprint }) {
			changes = append(changes, gitstore.Change{Path: keysDir + "/" + old.Fingerprint + ".asc", Delete: true})
		}
	}
	known := newNameCache()
	var lines []string
	for _, env := range snap.envs {
		ea := sa.envOf(snap, env, id)
		before := readers(snap.members, env.Tier)
		after := readers(members, env.Tier)
		switch {
		case lostAny(before, after):
			if rep == nil {
				return gitstore.Hash{}, fmt.Errorf("this change would remove readers of %q without rotating it", env.Name)
			}
			c, newEnv, err := ea.rotate(ctx, members, snap.keys, known)
			if err != nil {
				return gitstore.Hash{}, err
			}
			changes = append(changes, c...)
			envs = replaceEnv(envs, newEnv)
			rep.Rotated = append(rep.Rotated, newEnv)
			lines = append(lines, fmt.Sprintf("rotated %s (generation %d)", env.Name, newEnv.KeyGeneration))
		case len(after) > len(before):
			if !me.Can(env.Tier) {
				return gitstore.Hash{}, &AccessError{Env: env.Name, Tier: env.Tier, Member: me.Label() + " (an admin must hold a tier to grant it)"}
			}
			c, err := ea.rewrap(after)
			if err != nil {
				return gitstore.Hash{}, err
			}
			changes = append(changes, c)
		}
	}
	if rep != nil && len(losing) > 0 {
		removed := !slices.ContainsFunc(members, func(m Member) bool { return m.Fingerprint == losing[0].Fingerprint })
		if err := sa.reportLosing(ctx, snap, id, losing, removed, exposed{known: known, rep: rep}); err != nil {
			return gitstore.Hash{}, err
		}
	}
	if len(lines) > 0 {
		msg += "\n\n" + strings.Join(lines, "\n") + "\n"
	}
	mc, err := sa.manifestFiles(snap, members, envs, snap.keys, id)
	if err != nil {
		return gitstore.Hash{}, err
	}
	return sa.commit(ctx, snap, append(mc, changes...), me, msg)
}

// rewrap gives env's key to the readers after a change (no item is
// touched). The key is checked first; a GnuPG v4 reader cannot open the
// SEIPDv2 message, and then the key is encrypted again in the mode all
// accept, keeping its binding.
func (ea *envAccess) rewrap(after []string) (gitstore.Change, error) {
	snap, env, id := ea.snap, ea.env, ea.id
	if _, err := ea.unwrap(); err != nil {
		return gitstore.Change{}, err
	}
	path := envDir(env.Name) + "/" + envPrivateKeyFile
	wrapped, err := snap.tree.Read(path)
	if err != nil {
		return gitstore.Change{}, err
	}
	var to []*keyring.PublicKey
	for _, fpr := range after {
		to = append(to, snap.keys[fpr])
	}
	rewrapped, err := keyring.Rewrap(wrapped, id, to)
	if errors.Is(err, keyring.ErrAEADUnsupported) {
		rewrapped, err = ea.reencrypt(wrapped, to)
	}
	if err != nil {
		return gitstore.Change{}, fmt.Errorf("re-wrap the key of %q: %w", env.Name, err)
	}
	return gitstore.Change{Path: path, Data: rewrapped}, nil
}

// reportLosing fills rep's exposure for the keys that lose access: for a
// removal every environment in history, for a revocation the rotated
// ones. known holds the names the rotation already decrypted.
func (sa *storeAccess) reportLosing(ctx context.Context, snap *snapshot, id *keyring.PrivateKey, losing []Member, removed bool, out exposed) error {
	rep := out.rep
	var keys []*keyring.PublicKey
	for _, m := range losing {
		keys = append(keys, snap.keys[m.Fingerprint])
		rep.Readers = append(rep.Readers, m.Label())
	}
	rep.Readers = uniq(rep.Readers)
	var envs []string
	if removed {
		entries, err := sa.historyLog(ctx, snap)
		if err != nil {
			return err
		}
		envs = historyEnvironments(entries)
	} else {
		for _, e := range rep.Rotated {
			envs = append(envs, e.Name)
		}
	}
	lostKeys := keyring.NewKeySet(keys...)
	lost := func(rid string) bool { return lostKeys.Find(rid) != nil }
	out.envs, out.lost = envs, lost
	return sa.exposure(ctx, snap, id, out)
}

func uniq(s []string) []string {
	var out []string
	for _, x := range s {
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

// rotate makes the next key generation of env for members and
// re-encrypts its items, signed by id and bound to their places. The key
// names of what it decrypted go into known, for the exposure report.
func (ea *envAccess) rotate(ctx context.Context, members []Member, keys map[string]*keyring.PublicKey, known *nameCache) ([]gitstore.Change, Environment, error) {
	snap, env, id := ea.snap, ea.env, ea.id
	oldKey, err := ea.unwrapLoose()
	if err != nil {
		return nil, Environment{}, err
	}
	next := env
	next.KeyGeneration++ // newEnvironment names the new key
	newEnv, changes, newKey, err := ea.newEnvironment(members, keys, id, next)
	if err != nil {
		return nil, Environment{}, err
	}
	stored, err := snap.storedItems(env.Name, "", "")
	if err != nil {
		return nil, Environment{}, err
	}
	// Blobs are read one at a time (the store is not safe for concurrent
	// readers), then decrypted on every core.
	cts := make([][]byte, len(stored))
	for i, s := range stored {
		if cts[i], err = ea.store.ReadBlob(ctx, s.Blob); err != nil {
			return nil, Environment{}, err
		}
	}
	todo := make([]*pending, len(stored))
	if err := onCores(len(stored), func(i int) error {
		s := stored[i]
		data, err := ea.openItem(s, cts[i])
		if err != nil {
			return err
		}
		known.put(s.Blob, s.Type, oldKey.Fingerprint(), data)
		todo[i] = &pending{it: TrackedItem{Project: s.Project, Path: s.Path, Type: s.Type}, data: data}
		return nil
	}); err != nil {
		return nil, Environment{}, err
	}
	if err := encryptAll(todo, env.Name, newKey.Public(), id, ea.opts.Now); err != nil {
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
// to, signed by id, with the binding it had.
func (ea *envAccess) reencrypt(wrapped []byte, to []*keyring.PublicKey) ([]byte, error) {
	plain, binding, _, err := ea.openEnvKeyData(wrapped)
	if err != nil {
		return nil, err
	}
	defer clear(plain)
	out, _, err := keyring.EncryptBound(plain, to, ea.id, ea.opts.Now(), binding)
	return out, err
}

// replaceEnv is envs with the environment of e's name replaced by e.
func replaceEnv(envs []Environment, e Environment) []Environment {
	out := slices.Clone(envs)
	for i := range out {
		if out[i].Name == e.Name {
			out[i] = e
		}
	}
	return out
}
