package scopes

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/configsync/configsync/config"
	"github.com/configsync/configsync/gitstore"
	"github.com/configsync/configsync/keyring"
)

// openedKey is one version of an environment's wrapped key.
type openedKey struct {
	key   *keyring.PrivateKey // nil when this identity cannot open it
	bound bool
}

// walker checks the history one commit at a time, oldest first.
type walker struct {
	v        *machine
	id       *keyring.PrivateKey
	h        *history
	rep      *VerifyReport
	byFpr    map[string]*openedKey        // opened environment keys, by fingerprint
	byBlob   map[gitstore.Hash]*openedKey // and by the key.pgp version that opened
	blobs    map[gitstore.Hash]string     // item blob → the path it was first seen at
	lastTier map[string]Tier              // environment → its tier when last seen
	retired  map[string]string            // "env\x00fingerprint" of keys replaced since
	current  map[string]string            // environment → its key fingerprint now
	skipped  map[string]bool
}

func (w *walker) problem(commit gitstore.Hash, path, format string, args ...any) {
	w.rep.Problems = append(w.rep.Problems, Problem{Commit: commit.String(), Path: path, Reason: fmt.Sprintf(format, args...)})
}

func (w *walker) skip(env string) {
	if w.skipped == nil {
		w.skipped = map[string]bool{}
	}
	w.skipped[env] = true
}

// commit checks what entries[i] changed under environments/.
func (w *walker) commit(ctx context.Context, i int) error {
	e := w.h.entries[i]
	team := w.h.teams[i]
	byEnv := map[string][]string{}
	var envs []string
	for _, p := range e.Changed {
		rest, ok := strings.CutPrefix(p, environmentsDir+"/")
		if !ok {
			continue
		}
		name, _, _ := strings.Cut(rest, "/")
		if _, ok := byEnv[name]; !ok {
			envs = append(envs, name)
		}
		byEnv[name] = append(byEnv[name], p)
	}
	if len(envs) == 0 {
		return nil
	}
	tree, err := w.v.store.Tree(ctx, e.Hash)
	if err != nil {
		return err
	}
	for _, name := range envs {
		w.commitEnv(ctx, e, tree, team, name, byEnv[name])
	}
	return nil
}

// commitEnv checks what commit e changed in one environment: its
// metadata, its key, and each item written.
func (w *walker) commitEnv(ctx context.Context, e gitstore.LogEntry, tree *gitstore.Tree, team *teamVersion, name string, paths []string) {
	if err := ValidateName("environment", name); err != nil {
		w.problem(e.Hash, envDir(name), "%v", err)
		return
	}
	metaPath := envDir(name) + "/" + environmentFile
	data, err := tree.Read(metaPath)
	if err != nil {
		if _, ok := w.current[name]; ok && len(tree.Files(envDir(name)+"/")) == 0 {
			delete(w.current, name) // env delete
			return
		}
		w.problem(e.Hash, metaPath, "missing")
		return
	}
	var env Environment
	if err := config.Unmarshal(metaPath, data, &env); err != nil || env.Name != name {
		w.problem(e.Hash, metaPath, "not a valid environment.toml")
		return
	}
	if slices.Contains(paths, metaPath) {
		w.checkMeta(e.Hash, env)
	}
	keyPath := envDir(name) + "/" + envPrivateKeyFile
	k := w.keyAt(ctx, tree, name)
	if slices.Contains(paths, keyPath) {
		w.checkKey(ctx, e.Hash, tree, env, team)
	}
	for _, p := range paths {
		project, item, ok := splitItemStorePath(name, p)
		if !ok {
			continue
		}
		blob, present := tree.Blob(p)
		if !present {
			continue // deleted
		}
		if err := ValidateName("project", project); err != nil {
			w.problem(e.Hash, p, "%v", err)
			continue
		}
		if err := ValidateItemPath(item); err != nil {
			w.problem(e.Hash, p, "%v", err)
			continue
		}
		if first, ok := w.blobs[blob]; ok {
			if first == p {
				w.problem(e.Hash, p, "puts back an older version of this item (configsync never writes the same ciphertext twice)")
			} else {
				w.problem(e.Hash, p, "is a copy of %s", first)
			}
			continue
		}
		w.blobs[blob] = p
		if k == nil || k.key == nil {
			w.skip(name)
			continue
		}
		w.checkItem(ctx, envVersion{e.Hash, env, team, k}, project, item, blob)
	}
}

// checkMeta catches an environment.toml that lowers a tier or puts back
// a key that was replaced.
func (w *walker) checkMeta(commit gitstore.Hash, env Environment) {
	path := envDir(env.Name) + "/" + environmentFile
	if old, ok := w.lastTier[env.Name]; ok && slices.Index(Tiers, env.Tier) < slices.Index(Tiers, old) {
		w.problem(commit, path, "lowers the tier of %q from %s to %s", env.Name, old, env.Tier)
	}
	w.lastTier[env.Name] = env.Tier
	if w.retired[env.Name+"\x00"+env.KeyFingerprint] != "" {
		w.problem(commit, path, "puts back an older key of %q (generation %d), replaced since", env.Name, env.KeyGeneration)
	}
	if cur, ok := w.current[env.Name]; ok && cur != env.KeyFingerprint {
		w.retired[env.Name+"\x00"+cur] = cur
	}
	w.current[env.Name] = env.KeyFingerprint
}

// keyAt is the environment key in force in a tree: the generation that
// environment.toml names, opened from whichever version of key.pgp in
// history this identity can open (one that joined later can open a
// generation through the re-wrap that added it).
func (w *walker) keyAt(ctx context.Context, tree *gitstore.Tree, env string) *openedKey {
	if w.byFpr == nil {
		w.openAll(ctx)
	}
	if blob, ok := tree.Blob(envDir(env) + "/" + envPrivateKeyFile); ok && w.byBlob[blob] != nil {
		return w.byBlob[blob]
	}
	return w.byFpr[keyFingerprintAt(tree, env)]
}

// openAll opens every version of every environment key in history that
// this identity can open, by the fingerprint of the key inside. The
// signature is checked where each version was written (checkKey); here it
// only needs to be by someone ever a member.
func (w *walker) openAll(ctx context.Context) {
	w.byFpr, w.byBlob = map[string]*openedKey{}, map[gitstore.Hash]*openedKey{}
	seen := map[gitstore.Hash]bool{}
	signers := w.h.allKeys()
	for _, e := range w.h.entries {
		for _, p := range e.Changed {
			if !strings.HasPrefix(p, environmentsDir+"/") || !strings.HasSuffix(p, "/"+envPrivateKeyFile) {
				continue
			}
			tree, err := w.v.store.Tree(ctx, e.Hash)
			if err != nil {
				continue
			}
			blob, ok := tree.Blob(p)
			if !ok || seen[blob] {
				continue
			}
			seen[blob] = true
			wrapped, err := w.v.store.ReadBlob(ctx, blob)
			if err != nil {
				continue
			}
			plain, _, binding, err := keyring.DecryptBound(wrapped, []*keyring.PrivateKey{w.id}, signers, w.v.opts.Now())
			if err != nil {
				continue
			}
			key, err := keyring.ReadPrivateKey(plain, nil)
			clear(plain)
			if err == nil {
				k := &openedKey{key: key, bound: binding != ""}
				w.byBlob[blob] = k
				if _, ok := w.byFpr[key.Fingerprint()]; !ok {
					w.byFpr[key.Fingerprint()] = k
				}
			}
		}
	}
}

// checkKey checks the version of an environment key that commit wrote.
func (w *walker) checkKey(ctx context.Context, commit gitstore.Hash, tree *gitstore.Tree, env Environment, team *teamVersion) {
	path := envDir(env.Name) + "/" + envPrivateKeyFile
	w.rep.Keys++
	wrapped, err := tree.Read(path)
	if err != nil {
		w.problem(commit, path, "missing")
		return
	}
	ids, err := keyring.RecipientKeyIDs(wrapped)
	if err != nil {
		w.problem(commit, path, "%v", err)
		return
	}
	readers := team.signers(env.Tier)
	readerSet := keyring.NewKeySet(readers...)
	for _, rid := range ids {
		if readerSet.Find(rid) == nil {
			w.problem(commit, path, "is encrypted to %s, who does not hold tier %s at this commit", w.who(rid), env.Tier)
		}
	}
	plain, _, binding, err := keyring.DecryptBound(wrapped, []*keyring.PrivateKey{w.id}, readers, w.v.opts.Now())
	var unknown *keyring.UnknownSignerError
	switch {
	case errors.Is(err, keyring.ErrNoKey):
		// Not wrapped for this identity. If a later re-wrap of the same
		// generation is, its items are still checked.
		if w.keyAt(ctx, tree, env.Name) == nil {
			w.skip(env.Name)
		}
		return
	case errors.As(err, &unknown):
		w.problem(commit, path, "signed by %s, who does not hold tier %s at this commit", w.who(unknown.KeyID), env.Tier)
		return
	case err != nil:
		w.problem(commit, path, "%v", err)
		return
	}
	key, err := keyring.ReadPrivateKey(plain, nil)
	clear(plain)
	switch {
	case err != nil:
		w.problem(commit, path, "%v", err)
	case key.Fingerprint() != env.KeyFingerprint:
		w.problem(commit, path, "does not match the fingerprint in environment.toml")
	case binding != "" && binding != envKeyBinding(env):
		w.problem(commit, path, "was made for other settings than environment.toml says")
	}
}

// envVersion is an environment as one commit has it: its metadata, the
// team that may write it, and its key, opened.
type envVersion struct {
	commit gitstore.Hash
	env    Environment
	team   *teamVersion
	key    *openedKey
}

// checkItem checks one item version: signed by a member holding the tier
// at this commit, for this place.
func (w *walker) checkItem(ctx context.Context, ev envVersion, project, item string, blob gitstore.Hash) {
	commit, env, team, k := ev.commit, ev.env, ev.team, ev.key
	path := itemStorePath(env.Name, project, item)
	w.rep.Items++
	ct, err := w.v.store.ReadBlob(ctx, blob)
	if err != nil {
		w.problem(commit, path, "%v", err)
		return
	}
	plain, _, binding, err := keyring.DecryptBound(ct, []*keyring.PrivateKey{k.key}, team.signers(env.Tier), w.v.opts.Now())
	clear(plain)
	var unknown *keyring.UnknownSignerError
	switch {
	case errors.As(err, &unknown):
		w.problem(commit, path, "signed by %s, who does not hold tier %s at this commit", w.who(unknown.KeyID), env.Tier)
	case errors.Is(err, keyring.ErrNoKey):
		w.problem(commit, path, "is not encrypted to the environment's key at this commit")
	case errors.Is(err, keyring.ErrUnsigned):
		w.problem(commit, path, "is not signed")
	case errors.Is(err, keyring.ErrBadSignature):
		w.problem(commit, path, "its signature is not valid")
	case err != nil:
		w.problem(commit, path, "%v", err)
	case binding == "" && k.bound:
		w.problem(commit, path, "its signature names no place, but the environment's key is bound: it was copied from elsewhere")
	case binding != "" && binding != itemBinding(env.Name, project, item):
		w.problem(commit, path, "was signed for %s: it was copied or moved", placeOf(binding))
	}
}

// who names a key id: a member of some version, else the id.
func (w *walker) who(id string) string {
	if m, ok := w.h.anyOwner(id); ok {
		return m.Label()
	}
	if id == "" {
		return "an anonymous recipient"
	}
	return "key " + id + " (never a member)"
}
