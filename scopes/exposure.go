package scopes

import (
	"context"
	"slices"
	"strings"
	"sync"

	"github.com/configsync/configsync/config"
	"github.com/configsync/configsync/gitstore"
	"github.com/configsync/configsync/keyring"
)

// The exposure report of a rotation (DESIGN.md §5a) lists, per
// environment and item, the key names that someone who loses access could
// read at any point in history. What a key could read is decided by the
// keys themselves, not by the manifest: a key could read every item
// version encrypted to a generation of the environment key that was
// wrapped for it — including versions written before it joined, since
// joining re-wraps the same generation. Values are never kept: only the
// names of an env item's keys, or that a file item was readable.

// itemNames is what one item version showed: key names, or a file.
type itemNames struct {
	keys   []string
	file   bool
	keyFpr string // the environment key that opened it
}

// nameCache remembers itemNames by blob, so that rotation's decryption
// of the current items serves the report too. Safe for concurrent use.
type nameCache struct {
	mu sync.Mutex
	m  map[gitstore.Hash]itemNames
}

func newNameCache() *nameCache { return &nameCache{m: map[gitstore.Hash]itemNames{}} }

func (c *nameCache) put(blob gitstore.Hash, typ, keyFpr string, data []byte) {
	n := itemNames{file: typ != TypeEnv, keyFpr: keyFpr}
	if !n.file {
		n.keys = keysOf(data)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m[blob] = n
}

func (c *nameCache) get(blob gitstore.Hash) (itemNames, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n, ok := c.m[blob]
	return n, ok
}

// historyEnvironments lists every environment name in history (deleted
// ones too), oldest first.
func historyEnvironments(h *history) []string {
	var out []string
	for i := len(h.entries) - 1; i >= 0; i-- {
		for _, p := range h.entries[i].Changed {
			rest, ok := strings.CutPrefix(p, environmentsDir+"/")
			if !ok {
				continue
			}
			name, _, _ := strings.Cut(rest, "/")
			if ValidateName("environment", name) == nil && !slices.Contains(out, name) {
				out = append(out, name)
			}
		}
	}
	return out
}

// exposure adds to rep what the keys that lost(recipient id) names could
// read in envs: every item version encrypted to a generation of the
// environment key wrapped for one of them. id must be able to open those
// generations; the ones it cannot are listed in rep.Unchecked.
func (sa *storeAccess) exposure(ctx context.Context, snap *snapshot, id *keyring.PrivateKey, envs []string, lost func(string) bool, known *nameCache, rep *RotationReport) error {
	h, err := sa.history(ctx, snap)
	if err != nil {
		return err
	}
	signers := h.allKeys()
	for _, k := range snap.keys {
		signers = append(signers, k)
	}
	type version struct {
		env, item, typ string
		blob           gitstore.Hash
		keyFpr         string // the environment key in force where it was written
	}
	type keyVersion struct {
		env    string
		blob   gitstore.Hash
		commit gitstore.Hash
	}
	var versions []version
	var keyVersions []keyVersion
	seen := map[string]bool{}
	for i := len(h.entries) - 1; i >= 0; i-- { // oldest first
		e := h.entries[i]
		var tree *gitstore.Tree
		records := map[string]*projectRecord{}
		fprs := map[string]string{}
		for _, p := range e.Changed {
			rest, ok := strings.CutPrefix(p, environmentsDir+"/")
			if !ok {
				continue
			}
			env, _, _ := strings.Cut(rest, "/")
			if !slices.Contains(envs, env) {
				continue
			}
			isKey := p == envDir(env)+"/"+envPrivateKeyFile
			project, item, isItem := splitItemStorePath(env, p)
			if !isKey && !isItem {
				continue
			}
			if tree == nil {
				if tree, err = sa.store.Tree(ctx, e.Hash); err != nil {
					return err
				}
			}
			blob, ok := tree.Blob(p)
			if !ok || seen[p+"\x00"+blob.String()] {
				continue // deleted here, or a version already listed
			}
			seen[p+"\x00"+blob.String()] = true
			if isKey {
				keyVersions = append(keyVersions, keyVersion{env: env, blob: blob, commit: e.Hash})
				continue
			}
			if ValidateName("project", project) != nil || ValidateItemPath(item) != nil {
				continue
			}
			rec, ok := records[project]
			if !ok {
				rec = recordAt(tree, env, project)
				records[project] = rec
			}
			typ := rec.Items[item]
			if typ == "" {
				typ = ItemType(item)
			}
			fpr, ok := fprs[env]
			if !ok {
				fpr = keyFingerprintAt(tree, env)
				fprs[env] = fpr
			}
			versions = append(versions, version{env: env, item: project + "/" + item, typ: typ, blob: blob, keyFpr: fpr})
		}
	}

	// The generations wrapped for a key that loses access, opened by id.
	var lostIDs []string
	exposedFpr := map[string]bool{}
	byFpr := map[string]*keyring.PrivateKey{}
	for _, kv := range keyVersions {
		wrapped, err := sa.store.ReadBlob(ctx, kv.blob)
		if err != nil {
			return err
		}
		ids, err := keyring.RecipientKeyIDs(wrapped)
		if err != nil || !slices.ContainsFunc(ids, lost) {
			continue
		}
		for _, rid := range ids {
			if lost(rid) && !slices.Contains(lostIDs, rid) {
				lostIDs = append(lostIDs, rid)
			}
		}
		plain, _, _, err := keyring.DecryptBound(wrapped, []*keyring.PrivateKey{id}, signers, sa.opts.Now())
		var k *keyring.PrivateKey
		if err == nil {
			k, err = keyring.ReadPrivateKey(plain, nil)
			clear(plain)
		}
		if err != nil {
			rep.Unchecked = append(rep.Unchecked, kv.env+" (the key written at commit "+kv.commit.String()[:12]+")")
			continue
		}
		byFpr[k.Fingerprint()] = k // re-wraps of one generation open the same key
		exposedFpr[k.Fingerprint()] = true
	}

	// Every item version written under one of those generations.
	names := make([]*itemNames, len(versions))
	var todo []int
	cts := map[int][]byte{}
	for i, ver := range versions {
		if n, ok := known.get(ver.blob); ok {
			if exposedFpr[n.keyFpr] {
				names[i] = &n
			}
			continue
		}
		if byFpr[ver.keyFpr] == nil {
			continue
		}
		ct, err := sa.store.ReadBlob(ctx, ver.blob)
		if err != nil {
			return err
		}
		todo, cts[i] = append(todo, i), ct
	}
	err = onCores(len(todo), func(j int) error {
		i := todo[j]
		k := byFpr[versions[i].keyFpr]
		plain, _, err := keyring.Decrypt(cts[i], []*keyring.PrivateKey{k}, signers, sa.opts.Now())
		if err != nil {
			return nil // not written by any member: nothing of the team's
		}
		known.put(versions[i].blob, versions[i].typ, k.Fingerprint(), plain)
		clear(plain)
		n, _ := known.get(versions[i].blob)
		names[i] = &n
		return nil
	})
	if err != nil {
		return err
	}

	// One line per environment and item, key names in the order they
	// first appeared.
	for _, env := range envs {
		var items []string
		merged := map[string]*Exposure{}
		for i, ver := range versions {
			if ver.env != env || names[i] == nil {
				continue
			}
			x, ok := merged[ver.item]
			if !ok {
				x = &Exposure{Env: env, Item: ver.item}
				merged[ver.item] = x
				items = append(items, ver.item)
			}
			x.File = x.File || names[i].file
			for _, k := range names[i].keys {
				if !slices.Contains(x.Keys, k) {
					x.Keys = append(x.Keys, k)
				}
			}
		}
		slices.Sort(items)
		for _, it := range items {
			rep.Exposed = append(rep.Exposed, *merged[it])
		}
	}
	if rep.Readers == nil { // env rotate: name the former readers
		for _, rid := range lostIDs {
			who := "key " + rid
			if m, ok := h.anyOwner(rid); ok {
				who = m.Label()
			}
			rep.Readers = uniq(append(rep.Readers, who))
		}
	}
	return nil
}

// recordAt reads a project's project.toml from one commit's tree.
func recordAt(tree *gitstore.Tree, env, project string) *projectRecord {
	rec := &projectRecord{Project: project, Items: map[string]string{}}
	if data, err := tree.Read(projectDir(env, project) + "/" + projectFile); err == nil {
		_ = config.Unmarshal(projectFile, data, rec)
	}
	if rec.Items == nil {
		rec.Items = map[string]string{}
	}
	return rec
}

// keyFingerprintAt is the fingerprint of env's key in one commit's tree
// ("" if unreadable).
func keyFingerprintAt(tree *gitstore.Tree, env string) string {
	if data, err := tree.Read(envDir(env) + "/" + environmentFile); err == nil { // format 1
		var e Environment
		if config.Unmarshal(environmentFile, data, &e) != nil {
			return ""
		}
		return e.KeyFingerprint
	}
	var m manifest // format 2: the manifest holds the environments
	if data, err := tree.Read(membersPath); err != nil || config.Unmarshal(membersPath, data, &m) != nil {
		return ""
	}
	for _, e := range m.Environments {
		if e.Name == env {
			return e.KeyFingerprint
		}
	}
	return ""
}
