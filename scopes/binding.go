package scopes

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"

	"github.com/configsync/configsync/gitstore"
	"github.com/configsync/configsync/keyring"
)

// Signatures are bound to their place. keyring does not bind recipients
// into a signature (so that a re-wrap keeps it valid), so without more a
// reader could take an item signed by a member for one environment and
// store it, re-encrypted, in another environment, project or path. Every
// item is therefore signed with a binding notation that names its
// environment, project and path, and every environment key with one that
// names the environment's metadata (environment.toml). The plaintext is
// not changed: pull restores exactly the bytes pushed.
//
// Items and keys written before bindings existed carry none. An
// environment whose key carries no binding is a legacy environment: its
// unbound items are read as before, and verify says to rotate it. Once an
// environment's key is bound (created or rotated by this version), an
// unbound item in it is refused. See docs/decisions.md.

// itemBinding is what an item's signature is bound to.
func itemBinding(env, project, path string) string {
	return "configsync item " + strconv.Quote(env) + " " + strconv.Quote(project) + " " + strconv.Quote(path)
}

// envKeyBinding is what an environment key's signature is bound to: the
// fields of environment.toml that decide who reads it and how.
func envKeyBinding(env Environment) string {
	return fmt.Sprintf("configsync environment key %q tier %q protected %t generation %d fingerprint %s",
		env.Name, env.Tier, env.Protected, env.KeyGeneration, env.KeyFingerprint)
}

// placeOf shows an item binding as env/project/path for messages.
func placeOf(binding string) string {
	var env, project, path string
	if n, err := fmt.Sscanf(binding, "configsync item %q %q %q", &env, &project, &path); err == nil && n == 3 {
		return env + "/" + project + "/" + path
	}
	return strconv.Quote(binding)
}

// EnvironmentKeyError is an environment key that may not be used: signed
// by someone without the tier, made for other metadata than
// environment.toml says, or readable by someone who is not a member of
// the tier.
type EnvironmentKeyError struct {
	Env    string
	Reason string
}

func (e *EnvironmentKeyError) Error() string {
	return fmt.Sprintf("the key of environment %q is refused: %s", e.Env, e.Reason)
}

// trustState is what a snapshot learns while it checks items; it is safe
// for concurrent use (pull decrypts on every core).
type trustState struct {
	mu    sync.Mutex
	bound map[string]bool // environment → its key carries a binding
	hist  *history
	err   error
	once  bool
	// log is historyLog's: the history's commits, their changes to the
	// environments and the manifest.
	log     []gitstore.LogEntry
	logErr  error
	logOnce bool
}

func (snap *snapshot) setBound(env string, bound bool) {
	snap.trust.mu.Lock()
	defer snap.trust.mu.Unlock()
	if snap.trust.bound == nil {
		snap.trust.bound = map[string]bool{}
	}
	snap.trust.bound[env] = bound
}

// isBound reports whether env's key carries a binding; an environment
// whose key was not opened counts as bound (unbound items are refused).
func (snap *snapshot) isBound(env string) bool {
	snap.trust.mu.Lock()
	defer snap.trust.mu.Unlock()
	b, ok := snap.trust.bound[env]
	return b || !ok
}

// history reads the snapshot's history once.
func (ma *machine) history(ctx context.Context, snap *snapshot) (*history, error) {
	snap.trust.mu.Lock()
	defer snap.trust.mu.Unlock()
	if !snap.trust.once {
		if err := ma.fullHistory(ctx); err != nil {
			return nil, err
		}
		snap.trust.hist, snap.trust.err = loadHistory(ctx, ma.store, snap.tip, ma.opts.Now)
		snap.trust.once = true
	}
	return snap.trust.hist, snap.trust.err
}

// historyLog is the snapshot's history, newest first, without the team
// at every commit, its Changed limited to the environments and the
// manifest (what the exposure report reads): reading every version of
// the manifest and of team/keys is most of a history's cost when a team
// grew one member at a time. Once the full history is read, its entries
// (every path) serve.
func (ma *machine) historyLog(ctx context.Context, snap *snapshot) ([]gitstore.LogEntry, error) {
	snap.trust.mu.Lock()
	defer snap.trust.mu.Unlock()
	if snap.trust.once && snap.trust.err == nil {
		return snap.trust.hist.entries, nil
	}
	if !snap.trust.logOnce {
		if err := ma.fullHistory(ctx); err != nil {
			return nil, err // not kept: the next call tries again, as history does
		}
		snap.trust.log, snap.trust.logErr = ma.store.LogUnder(ctx, snap.tip, 0, []string{environmentsDir, membersPath})
		snap.trust.logOnce = true
	}
	return snap.trust.log, snap.trust.logErr
}

// openVerified decrypts an item and checks its signature: by a member who
// holds the environment's tier now, or who held it at the commit that
// wrote this version (looked up in history only then), and bound to this
// environment, project and path.
func (ea *envAccess) openVerified(it storedItem, ct []byte) ([]byte, error) {
	snap, env, key := ea.snap, ea.env, ea.key
	name := it.Project + "/" + it.Path
	plain, _, binding, err := keyring.DecryptBound(ct, []*keyring.PrivateKey{key}, snap.signers(env.Tier), ea.opts.Now())
	var unknown *keyring.UnknownSignerError
	if errors.As(err, &unknown) && snap.format < 2 {
		// Runs on pull's workers, which carry no context; the history
		// read is local and done once per snapshot. From format 2 on an
		// item's signer must hold the tier in the current manifest
		// (rotation re-signs), so the past is never consulted.
		plain, binding, err = ea.openByPastSigner(context.Background(), it, ct, unknown.KeyID)
	} else if errors.As(err, &unknown) {
		who := "key " + unknown.KeyID
		if m, ok := snap.owner(unknown.KeyID); ok {
			who = m.Label()
		}
		return nil, &SignerError{Item: name, Reason: fmt.Sprintf("signed by %s, who does not hold tier %s in the current team manifest", who, env.Tier)}
	}
	var se *SignerError
	switch {
	case errors.As(err, &se):
		return nil, err
	case errors.Is(err, keyring.ErrUnsigned):
		return nil, &SignerError{Item: name, Reason: fmt.Sprintf("it is not signed (environment %q)", env.Name)}
	case errors.Is(err, keyring.ErrBadSignature):
		return nil, &SignerError{Item: name, Reason: fmt.Sprintf("its signature is not valid (environment %q)", env.Name)}
	case err != nil:
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if err := snap.checkBinding(env, it.Project, it.Path, binding); err != nil {
		clear(plain)
		return nil, err
	}
	return plain, nil
}

// openByPastSigner accepts an item whose signer is not a member of the
// tier now only if the signer held the tier at the commit that wrote it.
func (ea *envAccess) openByPastSigner(ctx context.Context, it storedItem, ct []byte, keyID string) ([]byte, string, error) {
	snap, env, key := ea.snap, ea.env, ea.key
	name := it.Project + "/" + it.Path
	h, err := ea.history(ctx, snap)
	if err != nil {
		return nil, "", err
	}
	i, ok := h.lastWrite[itemStorePath(env.Name, it.Project, it.Path)]
	if !ok {
		return nil, "", &SignerError{Item: name, Reason: fmt.Sprintf("signed by key %s, which may not write %q (tier %s)", keyID, env.Name, env.Tier)}
	}
	tv := h.teams[i]
	m, ok := tv.owner(keyID)
	if !ok || !m.Can(env.Tier) {
		who := "key " + keyID
		if former, ok := h.anyOwner(keyID); ok {
			who = former.Label()
		}
		return nil, "", &SignerError{Item: name, Reason: fmt.Sprintf("signed by %s, who did not hold tier %s at commit %.12s that wrote it into %q (and does not now)",
			who, env.Tier, h.entries[i].Hash, env.Name)}
	}
	if newer, ok := h.putBackAt(i); ok {
		return nil, "", &SignerError{Item: name, Reason: fmt.Sprintf("signed by %s, who held tier %s at commit %.12s that wrote it only under a team manifest put back over the newer one of commit %.12s (and does not now)",
			m.Label(), env.Tier, h.entries[i].Hash, newer)}
	}
	plain, _, binding, err := keyring.DecryptBound(ct, []*keyring.PrivateKey{key}, []*keyring.PublicKey{tv.key(m.Fingerprint)}, ea.opts.Now())
	return plain, binding, err
}

// checkBinding compares an item signature's binding with where the item
// was found.
func (snap *snapshot) checkBinding(env Environment, project, path, got string) error {
	if got == itemBinding(env.Name, project, path) {
		return nil
	}
	name := project + "/" + path
	if got == "" {
		if !snap.isBound(env.Name) {
			return nil // a legacy environment (docs/decisions.md)
		}
		return &SignerError{Item: name, Reason: fmt.Sprintf("its signature names no place, but %q's key is bound: it was copied from elsewhere", env.Name)}
	}
	return &SignerError{Item: name, Reason: fmt.Sprintf("it was signed for %s, not for %s/%s: it was copied or moved", placeOf(got), env.Name, name)}
}

// unwrapEnvKey decrypts an environment's private key with id and checks
// it: signed by a member holding the tier, bound to the environment's
// metadata, matching its fingerprint and, when strict, encrypted to
// nobody but the members holding the tier. Rotation is not strict: it is
// the cure for a key readable by someone else.
func (ea *envAccess) unwrapKey(strict bool) (*keyring.PrivateKey, error) {
	snap, env := ea.snap, ea.env
	wrapped, err := snap.tree.Read(envDir(env.Name) + "/" + envPrivateKeyFile)
	if err != nil {
		return nil, fmt.Errorf("environment %q has no key: %w", env.Name, ErrNotStore)
	}
	if strict {
		if err := snap.checkRecipients(env, wrapped); err != nil {
			return nil, err
		}
	}
	plain, binding, signer, err := ea.openEnvKeyData(wrapped)
	if err != nil {
		return nil, err
	}
	if strict && snap.format < 2 {
		// Format 2 keeps tiers in the admin-signed manifest instead.
		if err := ea.checkTierPin(snap, env, signer); err != nil {
			clear(plain)
			return nil, err
		}
		ea.accept(env)
	}
	key, err := keyring.ReadPrivateKey(plain, nil)
	clear(plain)
	if err != nil {
		return nil, fmt.Errorf("key of environment %q: %w", env.Name, err)
	}
	if key.Fingerprint() != env.KeyFingerprint {
		return nil, &EnvironmentKeyError{Env: env.Name, Reason: "it does not match the fingerprint in environment.toml"}
	}
	snap.setBound(env.Name, binding != "")
	return key, nil
}

// openEnvKeyData decrypts a wrapped environment key and checks its
// signer and binding; it returns the serialized key, the binding and the
// signer.
func (ea *envAccess) openEnvKeyData(wrapped []byte) ([]byte, string, *keyring.PublicKey, error) {
	snap, env, id := ea.snap, ea.env, ea.id
	plain, signer, binding, err := keyring.DecryptBound(wrapped, []*keyring.PrivateKey{id}, snap.signers(env.Tier), ea.opts.Now())
	var unknown *keyring.UnknownSignerError
	switch {
	case errors.As(err, &unknown):
		who := "key " + unknown.KeyID
		if m, ok := snap.owner(unknown.KeyID); ok {
			who = m.Label()
		}
		return nil, "", nil, &EnvironmentKeyError{Env: env.Name, Reason: fmt.Sprintf("it is signed by %s, who does not hold tier %s", who, env.Tier)}
	case errors.Is(err, keyring.ErrUnsigned), errors.Is(err, keyring.ErrBadSignature):
		return nil, "", nil, &EnvironmentKeyError{Env: env.Name, Reason: "its signature is missing or not valid"}
	case err != nil:
		return nil, "", nil, fmt.Errorf("unwrap the key of environment %q: %w", env.Name, err)
	}
	if binding != "" && binding != envKeyBinding(env) {
		clear(plain)
		return nil, "", nil, &EnvironmentKeyError{Env: env.Name, Reason: "environment.toml does not match what its key was made for (edited by hand?)"}
	}
	return plain, binding, signer, nil
}

// checkRecipients refuses an environment key that is encrypted to anyone
// but the members holding its tier: a removed member who puts an old
// key back with plain git must not receive what is pushed next.
func (snap *snapshot) checkRecipients(env Environment, wrapped []byte) error {
	ids, err := keyring.RecipientKeyIDs(wrapped)
	if err != nil {
		return fmt.Errorf("key of environment %q: %w", env.Name, err)
	}
	readers := keyring.NewKeySet(snap.signers(env.Tier)...)
	for _, id := range ids {
		if readers.Find(id) != nil {
			continue
		}
		who := "an anonymous recipient"
		if id != "" {
			who = "key " + id
		}
		if m, ok := snap.owner(id); ok {
			who = m.Label()
		}
		return &EnvironmentKeyError{Env: env.Name, Reason: fmt.Sprintf("it is also encrypted to %s, who does not hold tier %s", who, env.Tier)}
	}
	return nil
}

// owner finds the current member whose key id names.
func (snap *snapshot) owner(id string) (Member, bool) {
	for _, m := range snap.members {
		if k := snap.keys[m.Fingerprint]; k != nil && k.Matches(id) {
			return m, true
		}
	}
	return Member{}, false
}
