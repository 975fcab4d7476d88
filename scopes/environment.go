package scopes

import (
	"context"
	"fmt"
	"slices"

	"github.com/configsync/configsync/gitstore"
	"github.com/configsync/configsync/keyring"
)

// newEnvironment makes the store changes that create env (its name,
// tier, protection, key generation and creation time) with a new key
// pair, the private half wrapped for every member of its tier. The
// returned Environment names the new key.
func (ma *machine) newEnvironment(members []Member, keys map[string]*keyring.PublicKey, signer *keyring.PrivateKey, env Environment) (Environment, []gitstore.Change, *keyring.PrivateKey, error) {
	key, err := keyring.GenerateEnvironmentKey(env.Name, ma.opts.Now())
	if err != nil {
		return Environment{}, nil, nil, err
	}
	env.KeyFingerprint = key.Fingerprint()
	changes, err := ma.environmentFiles(env, key, members, keys, signer)
	return env, changes, key, err
}

// environmentFiles writes environment.toml and the key pair of env.
func (ma *machine) environmentFiles(env Environment, key *keyring.PrivateKey, members []Member, keys map[string]*keyring.PublicKey, signer *keyring.PrivateKey) ([]gitstore.Change, error) {
	pub, err := key.Public().Armor()
	if err != nil {
		return nil, err
	}
	secret, err := key.Serialize()
	if err != nil {
		return nil, err
	}
	defer clear(secret)
	var to []*keyring.PublicKey
	for _, m := range members {
		if m.Can(env.Tier) {
			to = append(to, keys[m.Fingerprint])
		}
	}
	if len(to) == 0 {
		return nil, fmt.Errorf("no member holds tier %s: add one with configsync team add KEYFILE --tier %s", env.Tier, env.Tier)
	}
	wrapped, _, err := keyring.EncryptBound(secret, to, signer, ma.opts.Now(), envKeyBinding(env))
	if err != nil {
		return nil, err
	}
	dir := envDir(env.Name)
	return []gitstore.Change{
		{Path: dir + "/" + envPublicKeyFile, Data: pub},
		{Path: dir + "/" + envPrivateKeyFile, Data: wrapped},
	}, nil
}

// CreateEnvironment adds an environment of the given tier.
func (v *Session) CreateEnvironment(ctx context.Context, name string, tier Tier, protected bool) (Environment, error) {
	if err := ValidateName("environment", name); err != nil {
		return Environment{}, err
	}
	snap, unlock, err := v.lockedSynced(ctx)
	if err != nil {
		return Environment{}, err
	}
	defer unlock()
	if existing, err := snap.env(name); err == nil {
		return Environment{}, &EnvironmentExistsError{Env: existing}
	}
	id, m, err := v.admin(snap)
	if err != nil {
		return Environment{}, err
	}
	if !m.Can(tier) {
		return Environment{}, &AccessError{Env: name, Tier: tier, Member: m.Label()}
	}
	env, changes, _, err := v.newEnvironment(snap.members, snap.keys, id, Environment{Name: name, Tier: tier, Protected: protected, KeyGeneration: 1, Created: v.opts.Now().UTC()})
	if err != nil {
		return Environment{}, err
	}
	mc, err := v.manifestFiles(snap, snap.members, append(slices.Clone(snap.envs), env), snap.keys, id)
	if err != nil {
		return Environment{}, err
	}
	changes = append(changes, mc...)
	msg := fmt.Sprintf("env create %s (tier %s)", name, tier)
	if _, err := v.commit(ctx, snap, changes, m, msg); err != nil {
		return Environment{}, err
	}
	return env, nil
}

// Environments lists the store's environments in creation order.
func (v *Session) Environments(ctx context.Context) ([]Environment, error) {
	snap, err := v.load(ctx)
	if err != nil {
		return nil, err
	}
	return snap.envs, nil
}

// UseEnvironment makes name the active environment on this machine.
func (v *Session) UseEnvironment(ctx context.Context, name string) (Environment, error) {
	snap, err := v.load(ctx)
	if err != nil {
		return Environment{}, err
	}
	env, err := snap.env(name)
	if err != nil {
		return Environment{}, err
	}
	v.cfg.Environment = name
	return env, v.SaveConfig()
}

// DeleteEnvironment removes an environment and all its items from the
// store (history keeps them), and the documents of those whose content
// lived in a provider. A protected environment needs confirm.
func (v *Session) DeleteEnvironment(ctx context.Context, name string, confirm func(Environment, int) bool) error {
	snap, unlock, err := v.lockedSynced(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	ea, err := v.access(snap, name)
	if err != nil {
		return err
	}
	id, m, env := ea.id, ea.me, ea.env
	if _, _, err := v.admin(snap); err != nil {
		return err
	}
	stored, err := snap.storedItems(name, "", "")
	if err != nil {
		return err
	}
	items := len(snap.tree.Files(envItemsDir(name) + "/"))
	if env.Protected && (confirm == nil || !confirm(env, items)) {
		return &ProtectedError{Env: name, Keys: items}
	}
	changes, err := v.manifestFiles(snap, snap.members, slices.DeleteFunc(slices.Clone(snap.envs), func(e Environment) bool { return e.Name == name }), snap.keys, id)
	if err != nil {
		return err
	}
	changes = append(changes, gitstore.Change{Path: envDir(name), Delete: true})
	if _, err := v.commit(ctx, snap, changes, m, "env delete "+name); err != nil {
		return err
	}
	if v.cfg.Environment == name {
		v.cfg.Environment = ""
		if err := v.SaveConfig(); err != nil {
			return err
		}
	}
	// Not strict: deleting is also how an admin clears an environment
	// whose key the checks refuse.
	return ea.deleteFromProvider(ctx, ea.unwrapLoose, stored)
}
