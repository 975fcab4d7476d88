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

func (c *nameCache) put(blob gitstore.Hash, typ ItemType, keyFpr string, data []byte) {
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
// ones too), oldest first; entries are newest first.
func historyEnvironments(entries []gitstore.LogEntry) []string {
	var out []string
	for i := len(entries) - 1; i >= 0; i-- {
		for _, p := range entries[i].Changed {
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

// exposed says whose exposure a rotation reports: the keys that
// lost(recipient id) names, in envs; known holds the names the rotation
// already decrypted, and rep receives the report.
type exposed struct {
	envs  []string
	lost  func(rid string) bool
	known *nameCache
	rep   *RotationReport
}

// exposure adds to q.rep what the keys q.lost names could read in q.envs:
// every item version encrypted to a generation of the environment key
// wrapped for one of them. id must be able to open those generations;
// the ones it cannot are listed in rep.Unchecked.
func (ma *machine) exposure(ctx context.Context, snap *snapshot, id *keyring.PrivateKey, q exposed) error {
	entries, err := ma.historyLog(ctx, snap)
	if err != nil {
		return err
	}
	x := &exposureScan{ma: ma, snap: snap, entries: entries, id: id, envs: q.envs, lost: q.lost, known: q.known, rep: q.rep}
	for _, k := range snap.keys {
		x.signers = append(x.signers, k)
	}
	if err := x.collect(ctx); err != nil {
		return err
	}
	if err := x.openLost(ctx); err != nil {
		return err
	}
	if err := x.readNames(ctx); err != nil {
		return err
	}
	if x.rep.Readers == nil && len(x.lostIDs) > 0 {
		if err := x.widen(ctx); err != nil { // former readers are named from the past teams
			return err
		}
	}
	x.report()
	return nil
}

// widen makes the signers every member key of every team version the
// history accepts, then the current team's, as the report's checks
// allow. The scan starts with the current team's keys alone: a version
// any of them signed verifies against the wider set as well, and reading
// every version of the manifest (Θ(n²) bytes for a team grown one member
// at a time) is then needed only for a version signed by a former member,
// or that fails against the current keys for any reason (tried again).
func (x *exposureScan) widen(ctx context.Context) error {
	if x.h != nil {
		return nil
	}
	h, err := x.ma.history(ctx, x.snap)
	if err != nil {
		return err
	}
	x.h, x.signers = h, h.allKeys()
	for _, k := range x.snap.keys {
		x.signers = append(x.signers, k)
	}
	return nil
}

// wide reports whether the signers are already every one widen gives.
func (x *exposureScan) wide() bool { return x.h != nil }

// exposureScan is one exposure report in the making, step by step:
// collect the versions in history, open the key generations the lost
// keys could read, read the names of the item versions those open, and
// report them.
type exposureScan struct {
	ma      *machine
	snap    *snapshot
	entries []gitstore.LogEntry // newest first
	h       *history            // the teams of history, once widen read them
	id      *keyring.PrivateKey
	envs    []string
	lost    func(string) bool
	known   *nameCache
	rep     *RotationReport
	signers []*keyring.PublicKey

	versions    []itemVersion
	keyVersions []keyVersion
	lostIDs     []string                       // recipients that lose access
	byFpr       map[string]*keyring.PrivateKey // generations they could read, opened
	names       []*itemNames                   // by versions' index; nil: not exposed
}

// itemVersion is one version of an item in history.
type itemVersion struct {
	env, item string
	typ       ItemType
	blob      gitstore.Hash
	keyFpr    string // the environment key in force where it was written
}

// keyVersion is one version of an environment's wrapped key.
type keyVersion struct {
	env    string
	blob   gitstore.Hash
	commit gitstore.Hash
}

// collect lists, oldest first, every version of the envs' items and
// wrapped keys in history, each once.
func (x *exposureScan) collect(ctx context.Context) error {
	seen := map[string]bool{}
	tree := newReplay(ctx, x.ma.store)         // no whole tree per commit
	keyFprs := map[keySource]string{}          // keyFingerprintAt by what it reads
	for i := len(x.entries) - 1; i >= 0; i-- { // oldest first
		if err := ctx.Err(); err != nil {
			return err
		}
		e := x.entries[i]
		tree.apply(e)
		records := map[string]*projectRecord{}
		fprs := map[string]string{}
		for _, p := range e.Changed {
			env, project, item, isKey, ok := x.exposedPath(p)
			if !ok {
				continue
			}
			blob, ok := tree.Blob(p)
			if !ok || seen[p+"\x00"+blob.String()] {
				continue // deleted here, or a version already listed
			}
			seen[p+"\x00"+blob.String()] = true
			if isKey {
				x.keyVersions = append(x.keyVersions, keyVersion{env: env, blob: blob, commit: e.Hash})
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
				typ = TypeOf(item)
			}
			fpr, ok := fprs[env]
			if !ok {
				fpr = cachedKeyFingerprintAt(tree, env, keyFprs)
				fprs[env] = fpr
			}
			x.versions = append(x.versions, itemVersion{env: env, item: project + "/" + item, typ: typ, blob: blob, keyFpr: fpr})
		}
	}
	return ctx.Err() // a read cut short by cancellation left a default above
}

// exposedPath parses a changed store path: an item or the wrapped key of
// one of the envs the report covers (ok), else not.
func (x *exposureScan) exposedPath(p string) (env, project, item string, isKey, ok bool) {
	rest, ok := strings.CutPrefix(p, environmentsDir+"/")
	if !ok {
		return "", "", "", false, false
	}
	env, _, _ = strings.Cut(rest, "/")
	if !slices.Contains(x.envs, env) {
		return "", "", "", false, false
	}
	isKey = p == envDir(env)+"/"+envPrivateKeyFile
	project, item, isItem := splitItemStorePath(env, p)
	return env, project, item, isKey, isKey || isItem
}

// openLost opens, with id, the key generations wrapped for a key that
// loses access, and notes those recipients.
func (x *exposureScan) openLost(ctx context.Context) error {
	x.byFpr = map[string]*keyring.PrivateKey{}
	var recipients keyring.RecipientReader // the versions share most packets
	for _, kv := range x.keyVersions {
		wrapped, err := x.ma.store.ReadBlobShared(ctx, kv.blob) // read only
		if err != nil {
			return err
		}
		ids, err := recipients.KeyIDs(wrapped)
		if err != nil || !slices.ContainsFunc(ids, x.lost) {
			continue
		}
		for _, rid := range ids {
			if x.lost(rid) && !slices.Contains(x.lostIDs, rid) {
				x.lostIDs = append(x.lostIDs, rid)
			}
		}
		plain, _, _, err := keyring.DecryptBound(wrapped, []*keyring.PrivateKey{x.id}, x.signers, x.ma.opts.Now())
		if err != nil && !x.wide() {
			if err := x.widen(ctx); err != nil {
				return err
			}
			plain, _, _, err = keyring.DecryptBound(wrapped, []*keyring.PrivateKey{x.id}, x.signers, x.ma.opts.Now())
		}
		var k *keyring.PrivateKey
		if err == nil {
			k, err = keyring.ReadPrivateKey(plain, nil)
			clear(plain)
		}
		if err != nil {
			x.rep.Unchecked = append(x.rep.Unchecked, kv.env+" (the key written at commit "+kv.commit.String()[:12]+")")
			continue
		}
		x.byFpr[k.Fingerprint()] = k // re-wraps of one generation open the same key
	}
	return nil
}

// readNames finds the names of every item version written under one of
// the opened generations: from the cache (rotation decrypted the
// current ones), else decrypted on every core.
func (x *exposureScan) readNames(ctx context.Context) error {
	x.names = make([]*itemNames, len(x.versions))
	var todo []int
	cts := map[int][]byte{}
	for i, ver := range x.versions {
		if n, ok := x.known.get(ver.blob); ok {
			if x.byFpr[n.keyFpr] != nil {
				x.names[i] = &n
			}
			continue
		}
		if x.byFpr[ver.keyFpr] == nil {
			continue
		}
		ct, err := x.ma.store.ReadBlobShared(ctx, ver.blob) // read only
		if err != nil {
			return err
		}
		todo, cts[i] = append(todo, i), ct
	}
	failed, err := x.decryptNames(todo, cts)
	if err != nil || len(failed) == 0 || x.wide() {
		return err
	}
	if err := x.widen(ctx); err != nil {
		return err
	}
	_, err = x.decryptNames(failed, cts)
	return err
}

// decryptNames decrypts the versions todo names, on every core, and
// returns those that did not open or verify.
func (x *exposureScan) decryptNames(todo []int, cts map[int][]byte) ([]int, error) {
	var mu sync.Mutex
	var failed []int
	err := onCores(len(todo), func(j int) error {
		i := todo[j]
		k := x.byFpr[x.versions[i].keyFpr]
		plain, _, err := keyring.Decrypt(cts[i], []*keyring.PrivateKey{k}, x.signers, x.ma.opts.Now())
		if err != nil {
			mu.Lock()
			failed = append(failed, i)
			mu.Unlock()
			return nil // not written by any member: nothing of the team's
		}
		x.known.put(x.versions[i].blob, x.versions[i].typ, k.Fingerprint(), plain)
		clear(plain)
		n, _ := x.known.get(x.versions[i].blob)
		x.names[i] = &n
		return nil
	})
	slices.Sort(failed)
	return failed, err
}

// report adds one line per environment and item, key names in the order
// they first appeared, and for env rotate the former readers.
func (x *exposureScan) report() {
	for _, env := range x.envs {
		var items []string
		merged := map[string]*Exposure{}
		for i, ver := range x.versions {
			if ver.env != env || x.names[i] == nil {
				continue
			}
			e, ok := merged[ver.item]
			if !ok {
				e = &Exposure{Env: env, Item: ver.item}
				merged[ver.item] = e
				items = append(items, ver.item)
			}
			e.File = e.File || x.names[i].file
			for _, k := range x.names[i].keys {
				if !slices.Contains(e.Keys, k) {
					e.Keys = append(e.Keys, k)
				}
			}
		}
		slices.Sort(items)
		for _, it := range items {
			x.rep.Exposed = append(x.rep.Exposed, *merged[it])
		}
	}
	if x.rep.Readers == nil { // env rotate: name the former readers
		for _, rid := range x.lostIDs {
			who := "key " + rid
			if m, ok := x.h.anyOwner(rid); ok {
				who = m.Label()
			}
			x.rep.Readers = uniq(append(x.rep.Readers, who))
		}
	}
}

// recordAt reads a project's project.toml from one commit's tree.
func recordAt(tree fileReader, env, project string) *projectRecord {
	rec := &projectRecord{Project: project, Items: map[string]ItemType{}}
	if data, err := tree.Read(projectDir(env, project) + "/" + projectFile); err == nil {
		_ = config.Unmarshal(projectFile, data, rec)
	}
	if rec.Items == nil {
		rec.Items = map[string]ItemType{}
	}
	return rec
}

// keySource is what keyFingerprintAt reads for env: its environment.toml
// (format 1) or the manifest.
type keySource struct {
	env     string
	format1 bool
	blob    gitstore.Hash
}

// cachedKeyFingerprintAt is keyFingerprintAt remembered by the blob it
// reads (environment.toml, or in format 2 the manifest): the manifest of
// n members is decoded once per version, not at every commit that
// changed an item.
func cachedKeyFingerprintAt(tree fileReader, env string, cache map[keySource]string) string {
	k := keySource{env: env}
	if k.blob, k.format1 = tree.Blob(envDir(env) + "/" + environmentFile); !k.format1 {
		k.blob, _ = tree.Blob(membersPath)
	}
	fpr, ok := cache[k]
	if !ok {
		fpr = keyFingerprintAt(tree, env)
		cache[k] = fpr
	}
	return fpr
}

// keyFingerprintAt is the fingerprint of env's key in one commit's tree
// ("" if unreadable).
func keyFingerprintAt(tree fileReader, env string) string {
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
