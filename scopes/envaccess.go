package scopes

import "github.com/configsync/configsync/keyring"

// envAccess is one environment of one snapshot as this identity uses it.
// The per-environment steps (unwrap the environment key, open and check
// items, merge, re-encrypt, rotate) are its methods, so that they share
// one (snapshot, environment, identity, key) instead of taking it each.
// It sits below the use cases: it reads the trust book and the store,
// never a Session.
type envAccess struct {
	*trustBook
	snap *snapshot
	env  Environment
	me   Member // zero when built by envOf
	id   *keyring.PrivateKey
	// key is the environment's private key once unwrapped: by unwrap
	// (strict, once), or set by a step that unwraps it loosely.
	key *keyring.PrivateKey
}

// access checks that the identity may use the environment envName of
// snap, as a member holding its tier.
func (sa *storeAccess) access(snap *snapshot, envName string) (*envAccess, error) {
	env, err := snap.env(envName)
	if err != nil {
		return nil, err
	}
	id, m, err := sa.me(snap)
	if err != nil {
		return nil, err
	}
	if !m.Can(env.Tier) {
		return nil, &AccessError{Env: env.Name, Tier: env.Tier, Member: m.Label()}
	}
	return &envAccess{trustBook: sa.trustBook, snap: snap, env: env, me: m, id: id}, nil
}

// envOf is env of snap as id reads it, with no membership check: an
// admin's rotation and verify check what they need themselves.
func (tb *trustBook) envOf(snap *snapshot, env Environment, id *keyring.PrivateKey) *envAccess {
	return &envAccess{trustBook: tb, snap: snap, env: env, id: id}
}

// unwrap unwraps the environment's private key with the identity and
// checks it strictly (binding.go), once.
func (ea *envAccess) unwrap() (*keyring.PrivateKey, error) {
	if ea.key == nil {
		key, err := ea.unwrapKey(true)
		if err != nil {
			return nil, err
		}
		ea.key = key
	}
	return ea.key, nil
}

// unwrapLoose is unwrap without the recipients and tier pin checks: for
// reading and deleting what the checks may refuse (binding.go).
func (ea *envAccess) unwrapLoose() (*keyring.PrivateKey, error) {
	if ea.key == nil {
		key, err := ea.unwrapKey(false)
		if err != nil {
			return nil, err
		}
		ea.key = key
	}
	return ea.key, nil
}
