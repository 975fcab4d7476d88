package scopes

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"time"

	"github.com/configsync/configsync/config"
	"github.com/configsync/configsync/envfile"
	"github.com/configsync/configsync/gitstore"
	"github.com/configsync/configsync/keyring"
)

// PushOptions select what push sends.
type PushOptions struct {
	Env     string // "" for the active environment
	Project string
	Filter  string // "", TypeEnv or TypeFile
	Message string // extra text for the commit message
	// Confirm is asked before anything in a protected environment changes;
	// nil or false refuses with *ProtectedError.
	Confirm func(env Environment, changes []ItemChange) bool
}

// ItemChange is one item that push would write or delete, with the keys
// it changes (names and redacted values only).
type ItemChange struct {
	Display string
	Type    string
	New     bool
	Deleted bool
	Keys    []envfile.Change
}

// ItemResult is one item that push or pull handled.
type ItemResult struct {
	Project string
	Path    string
	Display string // "~/git/myapp/.env"
	Type    string
	Vars    int          // distinct variables, for env items
	Size    int          // bytes
	Mode    keyring.Mode // push: the encryption mode used
	Deleted bool
	Merged  bool // push merged the store's changes into the file
	// File is the parsed env item, for the leak index (its values
	// redact themselves when printed); nil for file items.
	File *envfile.File
}

// PushResult reports a push.
type PushResult struct {
	Env      Environment
	Items    []ItemResult // written or deleted by this push
	Upstream []string     // items left alone because the store is newer
	Commit   string       // "" when nothing changed
	Warnings []envfile.Diagnostic
	// Provider names the vault the contents went to (`1Password vault
	// "Engineering"`); "" for the store itself.
	Provider string
}

// pending is an item push will write.
type pending struct {
	it      TrackedItem
	display string
	data    []byte
	file    *envfile.File
	mac     string
	isNew   bool
	keys    []envfile.Change
	ct      []byte
	mode    keyring.Mode
	merged  bool // data is a merge of the local file and the store's copy
	// sealed, when set, is what the store gets instead of data: the
	// pointer to a provider item (provider.go).
	sealed []byte
	doc    *pointer // the pointer sealed holds
	old    []byte   // the store's content, when push read it
	// lastDoc is the provider document of an item unchanged here since
	// its last sync; rewrite is set when that document must be written
	// again (provider.go, rewrites).
	lastDoc *docState
	rewrite bool
}

// Push encrypts the tracked items that changed and commits them to the
// environment in one commit, then pushes it to the remote.
func (v *Vault) Push(ctx context.Context, o PushOptions) (*PushResult, error) {
	if err := ValidateFilter(o.Filter); err != nil {
		return nil, err
	}
	envName, err := v.activeEnv(o.Env)
	if err != nil {
		return nil, err
	}
	unlock, err := v.lock(ctx)
	if err != nil {
		return nil, err
	}
	defer unlock()
	// Someone else pushed in between: fetch, re-apply this push's changes
	// on the new tip (re-encrypting under its key generation) and retry.
	for attempt := 1; ; attempt++ {
		res, err := v.pushOnce(ctx, o, envName)
		if !errors.Is(err, gitstore.ErrNonFastForward) || attempt == maxPushAttempts {
			return res, err
		}
		if err := backoff(ctx, attempt); err != nil {
			return nil, err
		}
	}
}

// maxPushAttempts bounds the retries of a push that keeps losing races.
const maxPushAttempts = 8

// backoff waits 25 ms × 2^attempt, jittered by up to as much again.
func backoff(ctx context.Context, attempt int) error {
	d := 25 * time.Millisecond << min(attempt, 6)
	d += rand.N(d)
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// pushOnce plans, encrypts, commits and pushes against the current tip.
func (v *Vault) pushOnce(ctx context.Context, o PushOptions, envName string) (*PushResult, error) {
	snap, err := v.loadSynced(ctx)
	if err != nil {
		return nil, err
	}
	id, m, env, err := v.access(snap, envName)
	if err != nil {
		return nil, err
	}
	items, err := v.Tracked(o.Filter, o.Project)
	if err != nil {
		return nil, err
	}
	if len(items) == 0 {
		return nil, errNothingTracked(o.Project)
	}
	st, err := v.loadState()
	if err != nil {
		return nil, err
	}
	// Only projects tracked here can have items to write or delete.
	trackedProject := map[string]bool{}
	for _, it := range items {
		trackedProject[it.Project] = true
	}
	for _, t := range v.TrackedProjects() {
		trackedProject[t.Project] = true
	}
	stored, err := snap.storedItemsWhere(env.Name, func(p string) bool {
		return (o.Project == "" || p == o.Project) && trackedProject[p]
	}, o.Filter)
	if err != nil {
		return nil, err
	}
	storedBy := map[string]storedItem{}
	for _, s := range stored {
		storedBy[s.Project+"\x00"+s.Path] = s
	}

	res := &PushResult{Env: env}
	var envKey *keyring.PrivateKey
	unwrap := func() (*keyring.PrivateKey, error) {
		if envKey == nil {
			envKey, err = v.envKey(snap, env, id)
		}
		return envKey, err
	}

	// Read and check every item before anything is encrypted: one bad
	// file refuses the whole push.
	var todo, unchanged []*pending
	var conflicts []KeyChange
	var problems []error
	local := map[string]bool{}
	for _, it := range items {
		display := v.display(it.Dir, it.Path)
		data, file, err := readLocal(it, display)
		if err != nil {
			problems = append(problems, err)
			continue
		}
		if data == nil {
			continue
		}
		local[it.Project+"\x00"+it.Path] = true
		if file != nil {
			res.Warnings = append(res.Warnings, file.Diagnostics...)
		}
		mac := st.mac(data)
		s, inStore := storedBy[it.Project+"\x00"+it.Path]
		p := &pending{it: it, display: display, data: data, file: file, mac: mac, isNew: !inStore}
		if !inStore {
			p.keys = changedKeys(it.Type, nil, data)
			todo = append(todo, p)
			continue
		}
		rec := st.Files[it.Abs()]
		var last envState
		var synced bool
		if rec != nil {
			last, synced = rec.Envs[env.Name]
		}
		if synced && last.Blob == s.Blob.String() {
			if last.HMAC == mac {
				if last.Doc != nil {
					p.lastDoc = last.Doc
					unchanged = append(unchanged, p)
				}
				continue // unchanged since the last sync
			}
			// Only this side changed: a plain update.
			key, err := unwrap()
			if err != nil {
				return nil, err
			}
			old, err := v.decryptItem(ctx, snap, env, key, s)
			if err != nil {
				return nil, err
			}
			p.keys, p.old = changedKeys(it.Type, old, data), old
			todo = append(todo, p)
			continue
		}
		// The store changed since this machine last synced the item (or
		// it never did): compare contents.
		key, err := unwrap()
		if err != nil {
			return nil, err
		}
		old, err := v.decryptItem(ctx, snap, env, key, s)
		if err != nil {
			return nil, err
		}
		if bytes.Equal(old, data) {
			st.record(it.Abs(), env.Name, s.Blob.String(), mac, nil)
			continue
		}
		if synced && last.HMAC == mac {
			res.Upstream = append(res.Upstream, display) // only the store changed: pull brings it
			continue
		}
		// Both sides changed the item: merge when the keys are disjoint.
		if synced && it.Type == TypeEnv {
			merged, keys, err := v.mergeItem(ctx, snap, env, id, key, last.Blob, data, old)
			if err != nil {
				return nil, &ItemError{Path: display, Err: err}
			}
			if keys == nil {
				p.keys, p.data, p.merged, p.old = changedKeys(it.Type, old, merged), merged, true, old
				p.mac = st.mac(merged)
				if p.file, err = envfile.Parse(display, merged); err != nil {
					return nil, &ItemError{Path: display, Err: err}
				}
				todo = append(todo, p)
				continue
			}
			conflicts = append(conflicts, KeyChange{Path: display, Keys: keys})
			continue
		}
		conflicts = append(conflicts, KeyChange{Path: display, Keys: keyNames(changedKeys(it.Type, old, data))})
	}
	if len(problems) > 0 {
		return nil, problems[0]
	}
	if len(conflicts) > 0 {
		return nil, &ConflictError{Files: conflicts}
	}
	rewrites, err := v.rewrites(ctx, env.Name, unchanged)
	if err != nil {
		return nil, err
	}
	todo = append(todo, rewrites...)

	// Items this machine synced, then deleted locally, are deleted.
	var deletions []storedItem
	for _, s := range stored {
		if local[s.Project+"\x00"+s.Path] {
			continue
		}
		dir := v.projectDirOf(s.Project)
		if dir == "" {
			continue
		}
		abs := TrackedItem{Dir: dir, Path: s.Path}.Abs()
		rec := st.Files[abs]
		if rec == nil || rec.Envs[env.Name].Blob != s.Blob.String() {
			continue
		}
		if _, err := os.Lstat(abs); err == nil {
			continue // present but not tracked (e.g. filtered out)
		}
		deletions = append(deletions, s)
	}

	if len(todo) == 0 && len(deletions) == 0 {
		if err := v.pushLeftover(ctx, snap.tip); err != nil {
			return nil, err
		}
		return res, v.saveState(st)
	}
	if env.Protected {
		var changes []ItemChange
		for _, p := range todo {
			changes = append(changes, ItemChange{Display: p.display, Type: p.it.Type, New: p.isNew, Keys: p.keys})
		}
		for _, d := range deletions {
			changes = append(changes, ItemChange{Display: v.display(v.projectDirOf(d.Project), d.Path), Type: d.Type, Deleted: true})
		}
		if o.Confirm == nil || !o.Confirm(env, changes) {
			return nil, &ProtectedError{Env: env.Name, Keys: countKeys(changes)}
		}
	}

	envPub, err := v.envPublicKey(snap, env)
	if err != nil {
		return nil, err
	}
	backend, kind, location, err := v.pushBackend()
	if err != nil {
		return nil, err
	}
	if backend != nil {
		res.Provider = backend.Name()
		undo, err := v.sendToProvider(ctx, backend, kind, location, env.Name, todo)
		// A push that does not reach the store puts the vault back, so
		// that readers keep finding what the store points to.
		defer func() {
			if res.Commit == "" {
				undo()
			}
		}()
		if err != nil {
			return nil, err
		}
	}
	prog := v.newProgress("Encrypting items", len(todo))
	err = encryptEach(todo, env.Name, envPub, id, v.opts.Now, prog.add)
	if err != nil {
		return nil, err
	}
	prog.finish()

	var changes []gitstore.Change
	var lines []string
	projects := map[string]bool{}
	for _, p := range todo {
		changes = append(changes, gitstore.Change{Path: itemStorePath(env.Name, p.it.Project, p.it.Path), Data: p.ct})
		if p.rewrite {
			where := "into the store"
			if res.Provider != "" {
				where = "again to " + res.Provider
			}
			lines = append(lines, p.it.Project+"/"+p.it.Path+": written "+where+" (its document was changed or removed in the vault)")
			projects[p.it.Project] = true
			continue
		}
		lines = append(lines, describeChanges(p.it.Project+"/"+p.it.Path, p.keys, p.isNew, false))
		projects[p.it.Project] = true
	}
	for _, d := range deletions {
		changes = append(changes, gitstore.Change{Path: itemStorePath(env.Name, d.Project, d.Path), Delete: true})
		lines = append(lines, describeChanges(d.Project+"/"+d.Path, nil, false, true))
		projects[d.Project] = true
	}
	for proj := range projects {
		c, err := v.projectRecordChange(snap, env.Name, proj, todo, deletions)
		if err != nil {
			return nil, err
		}
		changes = append(changes, c)
	}
	summary := fmt.Sprintf("push %s: %d %s", env.Name, len(todo)+len(deletions), plural(len(todo)+len(deletions), "item", "items"))
	msg := summary + "\n\n" + strings.Join(lines, "\n") + "\n"
	if o.Message != "" {
		msg = summary + "\n\n" + o.Message + "\n\n" + strings.Join(lines, "\n") + "\n"
	}
	h, err := v.commit(ctx, snap, changes, m, msg)
	if err != nil {
		return nil, err
	}
	res.Commit = h.String()

	for _, p := range todo {
		if p.merged {
			// The local file gets both sides too, so it matches the store.
			if err := config.WriteFileAtomic(p.it.Abs(), p.data); err != nil {
				return nil, &ItemError{Path: p.display, Err: err}
			}
		}
		// The blob just committed at the item's path: its ciphertext.
		st.record(p.it.Abs(), env.Name, gitstore.BlobHash(p.ct).String(), p.mac, p.doc.state())
		r := ItemResult{Project: p.it.Project, Path: p.it.Path, Display: p.display, Type: p.it.Type, Size: len(p.data), Mode: p.mode, Merged: p.merged}
		if p.file != nil {
			r.Vars, r.File = p.file.Len(), p.file
		}
		res.Items = append(res.Items, r)
	}
	for _, d := range deletions {
		abs := TrackedItem{Dir: v.projectDirOf(d.Project), Path: d.Path}.Abs()
		delete(st.Files[abs].Envs, env.Name)
		res.Items = append(res.Items, ItemResult{Project: d.Project, Path: d.Path, Display: v.display(v.projectDirOf(d.Project), d.Path), Type: d.Type, Deleted: true})
	}
	if err := v.saveState(st); err != nil {
		return nil, err
	}
	// Only once the store no longer points to them: a failed commit
	// must not lose a document the store still names.
	return res, v.deleteFromProvider(ctx, snap, env, unwrap, deletions)
}

// pushLeftover pushes a local tip the remote does not have: the commit of
// a command killed before its push (sync keeps local commits that are
// ahead of the remote). A non-fast-forward is retried by Push.
func (v *Vault) pushLeftover(ctx context.Context, tip gitstore.Hash) error {
	if v.ephemeral || v.store.RemoteURL() == "" {
		return nil
	}
	remote, err := v.store.RemoteTip(ctx)
	if err != nil || remote == tip {
		return err
	}
	return v.store.Push(ctx, v.opts.GitAuth)
}

func countKeys(changes []ItemChange) int {
	n := 0
	for _, c := range changes {
		if len(c.Keys) == 0 {
			n++ // a file item, or a deletion
			continue
		}
		n += len(c.Keys)
	}
	return n
}

// encryptAll signs and encrypts the pending items of environment env on
// every core, each signature bound to its place (binding.go).
func encryptAll(todo []*pending, env string, to *keyring.PublicKey, signer *keyring.PrivateKey, now func() time.Time) error {
	return encryptEach(todo, env, to, signer, now, nil)
}

// encryptEach is encryptAll, calling done(1) after each item if not nil.
func encryptEach(todo []*pending, env string, to *keyring.PublicKey, signer *keyring.PrivateKey, now func() time.Time, done func(int)) error {
	return onCores(len(todo), func(i int) (err error) {
		p := todo[i]
		data := p.data
		if p.sealed != nil {
			data = p.sealed
		}
		p.ct, p.mode, err = keyring.EncryptBound(data, []*keyring.PublicKey{to}, signer, now(), itemBinding(env, p.it.Project, p.it.Path))
		if done != nil {
			done(1)
		}
		return err
	})
}

// envPublicKey reads and checks the environment's public key.
func (v *Vault) envPublicKey(snap *snapshot, env Environment) (*keyring.PublicKey, error) {
	data, err := snap.tree.Read(envDir(env.Name) + "/" + envPublicKeyFile)
	if err != nil {
		return nil, fmt.Errorf("environment %q has no public key: %w", env.Name, ErrNotStore)
	}
	pub, err := keyring.ReadPublicKey(data)
	if err != nil {
		return nil, err
	}
	if pub.Fingerprint() != env.KeyFingerprint {
		return nil, fmt.Errorf("public key of environment %q does not match its fingerprint: %w", env.Name, ErrNotStore)
	}
	// Encrypt only to the key that the tier's members hold, signed by one
	// of them and readable by nobody else (binding.go): a key put back or
	// replaced with plain git must not receive new secrets.
	id, err := v.identity()
	if err != nil {
		return nil, err
	}
	if _, err := v.envKey(snap, env, id); err != nil {
		return nil, err
	}
	return pub, nil
}

// projectRecordChange updates project.toml: the home-relative directory
// and the type of every item.
func (v *Vault) projectRecordChange(snap *snapshot, env, project string, todo []*pending, deletions []storedItem) (gitstore.Change, error) {
	rec := snap.projectRecord(env, project)
	rec.Project = project
	if dir := v.projectDirOf(project); dir != "" {
		rec.Dir = homeRelative(v.opts.UserHome, dir)
	}
	for _, p := range todo {
		if p.it.Project == project {
			rec.Items[p.it.Path] = p.it.Type
		}
	}
	for _, d := range deletions {
		if d.Project == project {
			delete(rec.Items, d.Path)
		}
	}
	data, err := config.Marshal(rec)
	if err != nil {
		return gitstore.Change{}, err
	}
	return gitstore.Change{Path: projectDir(env, project) + "/" + projectFile, Data: data}, nil
}

func errNothingTracked(project string) error {
	if project != "" {
		return fmt.Errorf("nothing tracked for project %q: run configsync add env DIR --project %s", project, project)
	}
	return fmt.Errorf("nothing tracked on this machine: run configsync add env DIR or configsync add file PATH")
}
