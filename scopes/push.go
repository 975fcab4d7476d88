package scopes

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
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
	Filter  ItemType // "", TypeEnv or TypeFile
	Message string   // extra text for the commit message
	// ReAdd puts back items another member deleted from the store since
	// this machine last synced them; without it push refuses them.
	ReAdd bool
	// Confirm is asked before anything in a protected environment changes;
	// nil or false refuses with *ProtectedError.
	Confirm func(env Environment, changes []ItemChange) bool
}

// ItemChange is one item that push would write or delete, with the keys
// it changes (names and redacted values only).
type ItemChange struct {
	Display string
	Type    ItemType
	New     bool
	Deleted bool
	Keys    []envfile.Change
}

// ItemResult is one item that push or pull handled.
type ItemResult struct {
	Project string
	Path    string
	Display string // "~/git/myapp/.env"
	Type    ItemType
	Vars    int          // distinct variables, for env items
	Size    int          // bytes
	Mode    keyring.Mode // push: the encryption mode used
	Deleted bool
	Merged  bool // push merged the store's changes into the file
	// env is an env item's content, parsed again on demand (EnvFile):
	// a push or pull of 10,000 items held every item parsed until the
	// leak index was refreshed, a third of its memory, where the
	// content is less than half of that. A func, so that printing a
	// result, whatever the verb, never shows it.
	env func() []byte
}

// withEnv is r holding data, the content of its env item.
func (r ItemResult) withEnv(data []byte) ItemResult {
	if r.Type == TypeEnv && data != nil {
		r.env = func() []byte { return data }
	}
	return r
}

// EnvFile parses the env item the command handled, for the leak index
// or a listing of its keys (its values redact themselves when printed);
// nil for a file item or a deletion. Each call parses it again.
func (r ItemResult) EnvFile() *envfile.File {
	if r.env == nil {
		return nil
	}
	f, err := envfile.Parse(r.Display, r.env())
	if err != nil {
		return nil // parsed before: not reached
	}
	return f
}

// PushResult reports a push.
type PushResult struct {
	Env      Environment
	Items    []ItemResult // written or deleted by this push
	Upstream []string     // items left alone because the store is newer
	Replaced []Replaced   // store copies refused by the checks, replaced by the local file
	Commit   string       // "" when nothing changed
	Warnings []envfile.Diagnostic
	// Provider names the vault the contents went to (`1Password vault
	// "Engineering"`); "" for the store itself.
	Provider string
}

// Replaced is a store copy push replaced because it was refused.
type Replaced struct {
	Display string
	Reason  string
}

// pending is an item push will write.
type pending struct {
	it      TrackedItem
	display string
	data    []byte        // an env item's, or a merged one's; nil once encrypted otherwise (dropPlaintext)
	size    int           // len(data)
	file    *envfile.File // data parsed; nil once planned (dropParsed)
	vars    int           // file.Len()
	mac     string
	isNew   bool
	keys    []envfile.Change
	line    string        // the commit message's line, when keys is not kept (setKeys)
	ct      []byte        // nil once handed to the commit (commitContent)
	blob    gitstore.Hash // the blob of ct
	mode    keyring.Mode
	merged  bool // data is a merge of the local file and the store's copy
	// sealed, when set, is what the store gets instead of data: the
	// pointer to a provider item (provider.go).
	sealed []byte
	doc    *pointer   // the pointer sealed holds
	old    []byte     // the store's content, when push read it
	ahead  *aheadCopy // the store's copy, decrypted ahead (pushahead.go)
	// aheadKeys is that copy once taken, while its keys may serve
	// (keysAgainst); nil once planned.
	aheadKeys *aheadCopy
	// lastDoc is the provider document of an item unchanged here since
	// its last sync; rewrite is set when that document must be written
	// again (provider.go, rewrites).
	lastDoc *docState
	rewrite bool
}

// Push encrypts the tracked items that changed and commits them to the
// environment in one commit, then pushes it to the remote.
func (v *Session) Push(ctx context.Context, o PushOptions) (*PushResult, error) {
	envName, unlock, err := v.lockForItems(ctx, o.Filter, o.Env)
	if err != nil {
		return nil, err
	}
	defer unlock()
	// Someone else pushed in between: fetch, re-apply this push's changes
	// on the new tip (re-encrypting under its key generation) and retry.
	for attempt := 1; ; attempt++ {
		res, err := v.pushOnce(ctx, o, envName)
		if !errors.Is(err, gitstore.ErrNonFastForward) || attempt == maxPushAttempts {
			if err == nil && len(res.Items) > 0 {
				v.recordLeaks(res.Env.Name, res.Items)
			}
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
func (sa *storeAccess) pushOnce(ctx context.Context, o PushOptions, envName string) (*PushResult, error) {
	ea, err := sa.syncedAccess(ctx, envName)
	if err != nil {
		return nil, err
	}
	snap, m, env := ea.snap, ea.me, ea.env
	items, err := sa.tracked(o.Filter, o.Project)
	if err != nil {
		return nil, err
	}
	if len(items) == 0 {
		return nil, errNothingTracked(o.Project)
	}
	st, err := sa.loadState()
	if err != nil {
		return nil, err
	}
	stored, err := sa.storedForPush(snap, env, items, o)
	if err != nil {
		return nil, err
	}
	a := &pushAttempt{envAccess: ea, st: st, res: &PushResult{Env: env}, stored: map[string]storedItem{}, reAdd: o.ReAdd}
	for _, s := range stored {
		a.stored[s.Project+"\x00"+s.Path] = s
	}
	if err := a.plan(ctx, items); err != nil {
		return nil, err
	}
	a.findDeletions(stored)
	res := a.res
	if len(a.todo) == 0 && len(a.deletions) == 0 {
		if err := sa.pushLeftover(ctx, snap.tip); err != nil {
			return nil, err
		}
		return res, sa.saveState(st)
	}
	undo, err := a.seal(ctx, o.Confirm, sa.newProgress("Encrypting items", len(a.todo)))
	// A push that does not reach the store puts the provider's vault
	// back, so that readers keep finding what the store points to.
	defer func() {
		if res.Commit == "" {
			undo()
		}
	}()
	if err != nil {
		return nil, err
	}

	a.dropPlaintext()
	changes, msg, err := a.commitContent(o.Message)
	if err != nil {
		return nil, err
	}
	h, err := sa.commit(ctx, snap, changes, m, msg)
	if err != nil {
		return nil, err
	}
	res.Commit = h.String()
	if err := a.record(); err != nil {
		return nil, err
	}
	if err := sa.saveState(st); err != nil {
		return nil, err
	}
	// Only once the store no longer points to them: a failed commit
	// must not lose a document the store still names.
	return res, ea.deleteFromProvider(ctx, ea.unwrap, a.deletions)
}

// seal is what push and import do between planning and committing:
// ask for a protected environment's confirmation, send the contents to
// the provider if there is one, and encrypt every item to write. The
// returned undo takes the provider's copies back; the caller runs it if
// the commit does not happen (it is never nil).
func (a *pushAttempt) seal(ctx context.Context, confirm func(Environment, []ItemChange) bool, prog *progress) (undo func(), err error) {
	undo = func() {}
	env := a.env
	if env.Protected && (confirm == nil || !confirm(env, a.changes())) {
		return undo, &ProtectedError{Env: env.Name, Keys: countKeys(a.changes())}
	}
	envPub, err := a.publicKey()
	if err != nil {
		return undo, err
	}
	backend, kind, location, err := a.pushBackend()
	if err != nil {
		return undo, err
	}
	if backend != nil {
		a.res.Provider = backend.Name()
		if undo, err = a.providers.sendToProvider(ctx, backend, kind, location, env.Name, a.todo); err != nil {
			return undo, err
		}
	}
	if err := encryptEach(a.todo, env.Name, envPub, a.id, a.opts.Now, prog.add); err != nil {
		return undo, err
	}
	prog.finish()
	return undo, nil
}

// storedForPush lists the environment's items that push may write or
// delete: those of the projects tracked on this machine.
func (sa *storeAccess) storedForPush(snap *snapshot, env Environment, items []TrackedItem, o PushOptions) ([]storedItem, error) {
	trackedProject := map[string]bool{}
	for _, it := range items {
		trackedProject[it.Project] = true
	}
	for _, t := range sa.cfg.Track {
		trackedProject[t.Project] = true
	}
	return snap.storedItemsWhere(env.Name, func(p string) bool {
		return (o.Project == "" || p == o.Project) && trackedProject[p]
	}, o.Filter)
}

// pushLeftover pushes a local tip the remote does not have: the commit of
// a command killed before its push (sync keeps local commits that are
// ahead of the remote). A non-fast-forward is retried by Push.
func (ma *machine) pushLeftover(ctx context.Context, tip gitstore.Hash) error {
	if ma.ephemeral || ma.store.RemoteURL() == "" {
		return nil
	}
	remote, err := ma.store.RemoteTip(ctx)
	if err != nil || remote == tip {
		return err
	}
	return ma.store.Push(ctx, ma.opts.GitAuth)
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
		p.blob = gitstore.BlobHash(p.ct)
		if done != nil {
			done(1)
		}
		if err != nil {
			return &ItemError{Path: p.display, Err: err} // e.g. over 64 MiB
		}
		return nil
	})
}

// envPublicKey reads and checks the environment's public key.
func (ea *envAccess) publicKey() (*keyring.PublicKey, error) {
	snap, env := ea.snap, ea.env
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
	if _, err := ea.unwrap(); err != nil {
		return nil, err
	}
	return pub, nil
}

// projectRecordChange updates project.toml: the home-relative directory
// and the type of every item.
func (lc *local) projectRecordChange(snap *snapshot, env, project string, todo []*pending, deletions []storedItem) (gitstore.Change, error) {
	rec, err := snap.projectRecord(env, project)
	if err != nil {
		return gitstore.Change{}, err
	}
	rec.Project = project
	if dir := lc.projectDirOf(project); dir != "" {
		rec.Dir = homeRelative(lc.opts.UserHome, dir)
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
