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
func (ea *envAccess) mergeItem(ctx context.Context, baseBlob string, ours, theirs []byte) ([]byte, []string, error) {
	base, err := ea.readBase(ctx, baseBlob)
	if err != nil {
		return nil, nil, err
	}
	defer clear(base)
	if base != nil && bytes.Equal(base, theirs) {
		// Only re-encrypted since (env rotate): nothing to merge.
		return ours, nil, nil
	}
	if base == nil {
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

// readBase decrypts the store blob this machine last synced: the version
// both sides of a merge started from. It is nil for a provider item,
// whose pointer does not keep that version.
func (ea *envAccess) readBase(ctx context.Context, baseBlob string) ([]byte, error) {
	h, err := gitstore.ParseHash(baseBlob)
	if err != nil {
		return nil, err
	}
	ct, err := ea.store.ReadBlob(ctx, h)
	if err != nil {
		return nil, fmt.Errorf("read the version last synced: %w", err)
	}
	base, err := ea.decryptBase(ctx, ct)
	if err != nil {
		return nil, fmt.Errorf("decrypt the version last synced: %w", err)
	}
	if isPointer(base) {
		clear(base)
		return nil, nil
	}
	return base, nil
}

// decryptBase decrypts an older version of an item: with the current
// environment key, else with an earlier key generation found in history
// (the environment was rotated since).
func (ea *envAccess) decryptBase(ctx context.Context, ct []byte) ([]byte, error) {
	snap, env, id, key := ea.snap, ea.env, ea.id, ea.key
	// Any member who held the tier then may have written it.
	var signers []*keyring.PublicKey
	for _, k := range snap.keys {
		signers = append(signers, k)
	}
	plain, _, err := keyring.Decrypt(ct, []*keyring.PrivateKey{key}, signers, ea.opts.Now())
	if !errors.Is(err, keyring.ErrNoKey) {
		return plain, err
	}
	entries, lerr := ea.store.Log(ctx, snap.tip, 0)
	if lerr != nil {
		return nil, lerr
	}
	keyPath := envDir(env.Name) + "/" + envPrivateKeyFile
	var tried []gitstore.Hash
	for _, e := range entries {
		if !slices.Contains(e.Changed, keyPath) {
			continue
		}
		tree, err := ea.store.Tree(ctx, e.Hash)
		if err != nil {
			return nil, err
		}
		blob, ok := tree.Blob(keyPath)
		if !ok || slices.Contains(tried, blob) {
			continue
		}
		tried = append(tried, blob)
		wrapped, err := ea.store.ReadBlob(ctx, blob)
		if err != nil {
			return nil, err
		}
		old, _, err := keyring.Decrypt(wrapped, []*keyring.PrivateKey{id}, signers, ea.opts.Now())
		if err != nil {
			continue // not a reader of that generation
		}
		oldKey, err := keyring.ReadPrivateKey(old, nil)
		clear(old)
		if err != nil {
			continue
		}
		if plain, _, err := keyring.Decrypt(ct, []*keyring.PrivateKey{oldKey}, signers, ea.opts.Now()); err == nil {
			return plain, nil
		}
	}
	return nil, err
}

// Side is which version of a key wins a conflict.
type Side int

// The sides of a conflict; SideNone leaves it unresolved.
const (
	SideNone   Side = iota
	SideOurs        // this machine's file
	SideTheirs      // the store's tip
)

// KeyConflict is a key both sides changed differently since the base.
// Its values redact themselves when printed.
type KeyConflict struct {
	Key              string
	Ours, Theirs     envfile.Value
	InOurs, InTheirs bool // false: that side removed the key
}

// mergeEnv merges two edits of a dotenv file from their base, key by key
// (envfile.Merge). Keys both sides changed differently are offered to
// choose (nil: none resolved); the keys it leaves unresolved are
// returned, sorted, with no result.
func mergeEnv(base, ours, theirs []byte, choose func([]KeyConflict) map[string]Side) ([]byte, []string, error) {
	merged, keys, err := envfile.Merge(base, ours, theirs)
	if err != nil || len(keys) == 0 {
		return merged, nil, err
	}
	of, err := envfile.Parse("ours", ours)
	if err != nil {
		return nil, nil, err
	}
	tf, err := envfile.Parse("theirs", theirs)
	if err != nil {
		return nil, nil, err
	}
	conflicts := make([]KeyConflict, len(keys))
	for i, k := range keys {
		c := KeyConflict{Key: k}
		c.Ours, c.InOurs = of.Lookup(k)
		c.Theirs, c.InTheirs = tf.Lookup(k)
		conflicts[i] = c
	}
	var choice map[string]Side
	if choose != nil {
		choice = choose(conflicts)
	}
	var unresolved []string
	for _, k := range keys {
		if choice[k] != SideOurs && choice[k] != SideTheirs {
			unresolved = append(unresolved, k)
		}
	}
	if len(unresolved) > 0 {
		return nil, unresolved, nil
	}
	// Resolve by moving the base: a key whose base already holds the
	// losing side's value counts as changed by the winner only.
	rebased, err := rebase(base, of, ours, tf, theirs, choice)
	if err != nil {
		return nil, nil, err
	}
	merged, keys, err = envfile.Merge(rebased, ours, theirs)
	if err == nil && len(keys) > 0 {
		return nil, keys, nil // cannot happen: every conflict was resolved
	}
	return merged, nil, err
}

// rebase is base with each chosen key's assignments replaced by the
// losing side's last one (none if that side removed the key). Merge reads
// the base only for its values, so where the lines go does not matter.
func rebase(base []byte, of *envfile.File, ours []byte, tf *envfile.File, theirs []byte, choice map[string]Side) ([]byte, error) {
	bf, err := envfile.Parse("base", base)
	if err != nil {
		return nil, err
	}
	lines := splitAfterLF(base)
	drop := make([]bool, len(lines))
	for _, e := range bf.Entries {
		if _, ok := choice[e.Key]; ok {
			for l := e.Line - 1; l < e.EndLine && l < len(lines); l++ {
				drop[l] = true
			}
		}
	}
	var out []byte
	for i, l := range lines {
		if !drop[i] {
			out = append(out, l...)
		}
	}
	if len(out) > 0 && out[len(out)-1] != '\n' {
		out = append(out, '\n')
	}
	oursLines, theirsLines := splitAfterLF(ours), splitAfterLF(theirs)
	for k, side := range choice {
		f, lines := tf, theirsLines // ours wins: the base takes theirs
		if side == SideTheirs {
			f, lines = of, oursLines
		}
		e, ok := lastAssignment(f, k)
		if !ok {
			continue
		}
		for l := e.Line - 1; l < e.EndLine && l < len(lines); l++ {
			out = append(out, bytes.TrimPrefix(lines[l], []byte("\ufeff"))...)
		}
		if len(out) > 0 && out[len(out)-1] != '\n' {
			out = append(out, '\n')
		}
	}
	return out, nil
}

// splitAfterLF splits data after every LF, keeping the line ends.
func splitAfterLF(data []byte) [][]byte {
	if len(data) == 0 {
		return nil
	}
	lines := bytes.SplitAfter(data, []byte("\n"))
	if len(lines[len(lines)-1]) == 0 {
		lines = lines[:len(lines)-1]
	}
	return lines
}

func lastAssignment(f *envfile.File, key string) (envfile.Entry, bool) {
	for i := len(f.Entries) - 1; i >= 0; i-- {
		if f.Entries[i].Key == key {
			return f.Entries[i], true
		}
	}
	return envfile.Entry{}, false
}
