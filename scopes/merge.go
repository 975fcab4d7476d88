package scopes

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/configsync/configsync/envfile"
	"github.com/configsync/configsync/gitstore"
	"github.com/configsync/configsync/keyring"
)

// mergeItem merges this machine's edit of an item with the store's,
// from the version both started from (baseBlob, the store blob at this
// machine's last sync). It returns the merged bytes, or the keys in
// conflict.
func (v *Vault) mergeItem(ctx context.Context, snap *snapshot, env Environment, id, key *keyring.PrivateKey, baseBlob string, ours, theirs []byte) ([]byte, []string, error) {
	h, err := gitstore.ParseHash(baseBlob)
	if err != nil {
		return nil, nil, err
	}
	ct, err := v.store.ReadBlob(ctx, h)
	if err != nil {
		return nil, nil, fmt.Errorf("read the version last synced: %w", err)
	}
	base, err := v.decryptBase(ctx, snap, env, id, key, ct)
	if err != nil {
		return nil, nil, fmt.Errorf("decrypt the version last synced: %w", err)
	}
	defer clear(base)
	if bytes.Equal(base, theirs) {
		// Only re-encrypted since (env rotate): nothing to merge.
		return ours, nil, nil
	}
	if isPointer(base) {
		// The provider keeps only the latest content: without the
		// version both sides started from, both changes conflict.
		return nil, keyNames(changedKeys(TypeEnv, theirs, ours)), nil
	}
	merged, conflicts, err := envfile.Merge(base, ours, theirs)
	if errors.Is(err, envfile.ErrUnmergeable) {
		return nil, keyNames(changedKeys(TypeEnv, theirs, ours)), nil
	}
	return merged, conflicts, err
}

// decryptBase decrypts an older version of an item: with the current
// environment key, else with an earlier key generation found in history
// (the environment was rotated since).
func (v *Vault) decryptBase(ctx context.Context, snap *snapshot, env Environment, id, key *keyring.PrivateKey, ct []byte) ([]byte, error) {
	// Any member who held the tier then may have written it.
	var signers []*keyring.PublicKey
	for _, k := range snap.keys {
		signers = append(signers, k)
	}
	plain, _, err := keyring.Decrypt(ct, []*keyring.PrivateKey{key}, signers, v.opts.Now())
	if !errors.Is(err, keyring.ErrNoKey) {
		return plain, err
	}
	entries, lerr := v.store.Log(ctx, snap.tip, 0)
	if lerr != nil {
		return nil, lerr
	}
	keyPath := envDir(env.Name) + "/" + envPrivateKeyFile
	var tried []gitstore.Hash
	for _, e := range entries {
		if !slices.Contains(e.Changed, keyPath) {
			continue
		}
		tree, err := v.store.Tree(ctx, e.Hash)
		if err != nil {
			return nil, err
		}
		blob, ok := tree.Blob(keyPath)
		if !ok || slices.Contains(tried, blob) {
			continue
		}
		tried = append(tried, blob)
		wrapped, err := v.store.ReadBlob(ctx, blob)
		if err != nil {
			return nil, err
		}
		old, _, err := keyring.Decrypt(wrapped, []*keyring.PrivateKey{id}, signers, v.opts.Now())
		if err != nil {
			continue // not a reader of that generation
		}
		oldKey, err := keyring.ReadPrivateKey(old, nil)
		clear(old)
		if err != nil {
			continue
		}
		if plain, _, err := keyring.Decrypt(ct, []*keyring.PrivateKey{oldKey}, signers, v.opts.Now()); err == nil {
			return plain, nil
		}
	}
	return nil, err
}
