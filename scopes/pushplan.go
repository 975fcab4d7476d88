package scopes

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/configsync/configsync/config"
	"github.com/configsync/configsync/envfile"
	"github.com/configsync/configsync/gitstore"
	"github.com/configsync/configsync/keyring"
)

// pushAttempt is one attempt of a push, against one tip of the store.
type pushAttempt struct {
	*envAccess
	st     *syncState
	res    *PushResult
	stored map[string]storedItem // by project + "\x00" + path

	todo      []*pending      // items to write
	unchanged []*pending      // provider items unchanged here (provider.go, rewrites)
	deletions []storedItem    // items to delete
	local     map[string]bool // items present on this machine
	reAdd     bool            // PushOptions.ReAdd
	deleted   []string        // items deleted in the store, kept here
}

// storeCopy is the store's content of item s, as storeContent. A copy
// the checks refuse (a member signed something configsync never writes,
// or someone who no longer holds the tier) cannot be merged with or
// lost: the local file replaces it, said in the result; old is then nil.
func (a *pushAttempt) storeCopy(ctx context.Context, s storedItem, p *pending) ([]byte, error) {
	old, err := a.aheadContent(ctx, s, p)
	var se *SignerError
	if err != nil && (errors.As(err, &se) || errors.Is(err, keyring.ErrCompressed) || errors.Is(err, keyring.ErrTooLarge)) {
		p.keys = changedKeys(p.it.Type, nil, p.data)
		a.todo = append(a.todo, p)
		a.res.Replaced = append(a.res.Replaced, Replaced{Display: p.display, Reason: err.Error()})
		return nil, nil
	}
	return old, err
}

// storeContent is the store's content of item s.
func (a *pushAttempt) storeContent(ctx context.Context, s storedItem) ([]byte, error) {
	if _, err := a.unwrap(); err != nil {
		return nil, err
	}
	return a.decryptItem(ctx, s)
}

// aheadContent is storeContent, from p's copy decrypted ahead if there
// is one (pushahead.go).
func (a *pushAttempt) aheadContent(ctx context.Context, s storedItem, p *pending) ([]byte, error) {
	ahead := p.ahead
	if ahead == nil {
		return a.storeContent(ctx, s)
	}
	p.ahead = nil
	if ahead.file != nil {
		p.aheadKeys = ahead
	}
	if _, err := a.unwrap(); err != nil {
		return nil, err
	}
	if ahead.err != nil {
		return nil, ahead.err
	}
	return a.providers.resolve(ctx, a.env.Name, s, ahead.plain)
}

// plan reads and checks every item before anything is encrypted: one
// bad file, or one conflict, refuses the whole push.
func (a *pushAttempt) plan(ctx context.Context, items []TrackedItem) error {
	var conflicts []KeyChange
	var problems []error
	a.local = map[string]bool{}
	for start := 0; start < len(items); start += planBatch {
		reads := a.readLocals(items[start:min(start+planBatch, len(items))])
		a.openAhead(ctx, reads)
		for _, r := range reads {
			if r.err != nil {
				problems = append(problems, r.err)
				continue
			}
			p := r.p
			if p == nil {
				continue
			}
			a.local[p.it.Project+"\x00"+p.it.Path] = true
			if p.file != nil {
				a.res.Warnings = append(a.res.Warnings, p.file.Diagnostics...)
			}
			conflict, err := a.planItem(ctx, p)
			if err != nil {
				return err
			}
			p.dropParsed()
			if conflict != nil {
				conflicts = append(conflicts, *conflict)
			}
		}
	}
	if len(problems) > 0 {
		return problems[0]
	}
	if len(a.deleted) > 0 {
		return &DeletedInStoreError{Files: a.deleted}
	}
	if len(conflicts) > 0 {
		return &ConflictError{Files: conflicts}
	}
	rewrites, err := a.providers.rewrites(ctx, a.env.Name, a.unchanged)
	if err != nil {
		return err
	}
	a.todo = append(a.todo, rewrites...)
	return nil
}

// planItem decides what push does with one local item: write it (added
// to todo, merged with the store's changes if need be), leave it, or
// report the keys in conflict.
func (a *pushAttempt) planItem(ctx context.Context, p *pending) (*KeyChange, error) {
	it := p.it
	s, inStore := a.stored[it.Project+"\x00"+it.Path]
	if !inStore {
		if _, synced := a.st.Files[it.Abs()].deletedSync(a.env, it.Project, it.Path); synced && !a.reAdd {
			// Another member deleted it: adding it back needs saying so.
			a.deleted = append(a.deleted, p.display)
			return nil, nil
		}
		p.isNew = true
		a.setKeys(p, changedKeysOf(it.Type, nil, p.file))
		a.todo = append(a.todo, p)
		return nil, nil
	}
	last, synced := a.lastSync(it)
	if synced && last.Blob == s.Blob.String() {
		if last.HMAC == p.mac {
			if last.Doc != nil {
				p.lastDoc = last.Doc
				a.unchanged = append(a.unchanged, p)
			}
			return nil, nil // unchanged since the last sync
		}
		// Only this side changed: a plain update.
		old, err := a.storeCopy(ctx, s, p)
		if err != nil || old == nil {
			return nil, err
		}
		a.planUpdate(p, old)
		return nil, nil
	}
	// The store changed since this machine last synced the item (or it
	// never did): compare contents.
	old, err := a.storeCopy(ctx, s, p)
	if err != nil || old == nil {
		return nil, err
	}
	switch {
	case bytes.Equal(old, p.data):
		a.st.record(it.Abs(), a.env, it.Project, it.Path, s.Blob.String(), p.mac, nil)
		return nil, nil
	case synced && last.HMAC == p.mac:
		a.res.Upstream = append(a.res.Upstream, p.display) // only the store changed: pull brings it
		return nil, nil
	case !synced || it.Type != TypeEnv:
		return &KeyChange{Path: p.display, Keys: keyNames(changedKeys(it.Type, old, p.data))}, nil
	}
	// Both sides changed an env item: merge when the keys are disjoint.
	if _, err := a.unwrap(); err != nil {
		return nil, err
	}
	merged, keys, err := a.mergeItem(ctx, last.Blob, p.data, old)
	if err != nil {
		return nil, &ItemError{Path: p.display, Err: err}
	}
	if keys != nil {
		return &KeyChange{Path: p.display, Keys: keys}, nil
	}
	p.data, p.merged = merged, !bytes.Equal(merged, p.data)
	p.mac = a.st.mac(merged)
	if p.file, err = envfile.Parse(p.display, merged); err != nil {
		return nil, &ItemError{Path: p.display, Err: err}
	}
	a.planUpdate(p, old)
	return nil, nil
}

// planUpdate adds p, a new version of the store's content old, to the
// items to write. A push holds every item it writes until the commit, so
// it keeps of old only what it uses: the keys that change (setKeys), and
// old itself for a provider to put back if the commit fails
// (providerset.go).
func (a *pushAttempt) planUpdate(p *pending, old []byte) {
	a.setKeys(p, p.keysAgainst(old))
	if a.usesProvider() {
		p.old = old
	}
	a.todo = append(a.todo, p)
}

// setKeys records the keys p changes. Only a protected environment's
// confirmation needs them (with their values); otherwise p keeps its
// line of the commit message, a few names instead of every changed
// value of every item until the commit.
func (a *pushAttempt) setKeys(p *pending, keys []envfile.Change) {
	if a.env.Protected {
		p.keys = keys
		return
	}
	p.line = describeChanges(p.it.Project+"/"+p.it.Path, keys, p.isNew, false)
}

// findDeletions finds the items this machine synced and then deleted
// locally: push deletes them from the store.
func (a *pushAttempt) findDeletions(stored []storedItem) {
	for _, s := range stored {
		if a.local[s.Project+"\x00"+s.Path] {
			continue
		}
		dir := a.projectDirOf(s.Project)
		if dir == "" || a.absentByMode(s) {
			continue
		}
		abs := TrackedItem{Dir: dir, Path: s.Path}.Abs()
		rec := a.st.Files[abs]
		if rec == nil || rec.Envs[a.env.Name].Blob != s.Blob.String() {
			continue
		}
		if _, err := os.Lstat(abs); err == nil {
			continue // present but not tracked (e.g. filtered out)
		}
		a.deletions = append(a.deletions, s)
	}
}

// changes lists what the push would change, for a protected
// environment's confirmation.
func (a *pushAttempt) changes() []ItemChange {
	var out []ItemChange
	for _, p := range a.todo {
		out = append(out, ItemChange{Display: p.display, Type: p.it.Type, New: p.isNew, Keys: p.keys})
	}
	for _, d := range a.deletions {
		out = append(out, ItemChange{Display: a.display(a.projectDirOf(d.Project), d.Path), Type: d.Type, Deleted: true})
	}
	return out
}

// commitContent is the commit's changes (encrypted items, deletions,
// project records) and its message: item paths and key names only.
func (a *pushAttempt) commitContent(extra string) ([]gitstore.Change, string, error) {
	var changes []gitstore.Change
	var lines []string
	projects := map[string]bool{}
	for _, p := range a.todo {
		name := p.it.Project + "/" + p.it.Path
		changes = append(changes, gitstore.Change{Path: itemStorePath(a.env.Name, p.it.Project, p.it.Path), Data: p.ct})
		p.ct = nil // the commit's now: freed once written, not kept to the end of the push
		projects[p.it.Project] = true
		if p.rewrite {
			where := "into the store"
			if a.res.Provider != "" {
				where = "again to " + a.res.Provider
			}
			lines = append(lines, name+": written "+where+" (its document was changed or removed in the vault)")
			continue
		}
		if p.line != "" {
			lines = append(lines, p.line)
			p.line = "" // in the message now: one copy, not two, through the commit
			continue
		}
		lines = append(lines, describeChanges(name, p.keys, p.isNew, false))
	}
	for _, d := range a.deletions {
		changes = append(changes, gitstore.Change{Path: itemStorePath(a.env.Name, d.Project, d.Path), Delete: true})
		lines = append(lines, describeChanges(d.Project+"/"+d.Path, nil, false, true))
		projects[d.Project] = true
	}
	for proj := range projects {
		c, err := a.projectRecordChange(a.snap, a.env.Name, proj, a.todo, a.deletions)
		if err != nil {
			return nil, "", err
		}
		changes = append(changes, c)
	}
	n := len(a.todo) + len(a.deletions)
	msg := fmt.Sprintf("push %s: %d %s\n\n", a.env.Name, n, plural(n, "item", "items"))
	if extra != "" {
		msg += extra + "\n\n"
	}
	return changes, msg + strings.Join(lines, "\n") + "\n", nil
}

// dropParsed lets go of p's parsed file once p is planned: a push holds
// every item until its commit, and an env item's content (kept for the
// leak index, ItemResult.EnvFile) is less than half the size of it
// parsed. So too of the store's copy decrypted ahead.
func (p *pending) dropParsed() {
	if p.file != nil {
		p.vars, p.file = p.file.Len(), nil
	}
	p.aheadKeys = nil
}

// dropPlaintext lets go of each file item's plaintext once it is
// encrypted: after the encryption only a merge, written back to the
// local file by record, and the leak index, which needs env items only,
// use it.
func (a *pushAttempt) dropPlaintext() {
	for _, p := range a.todo {
		p.size = len(p.data)
		if !p.merged && p.it.Type != TypeEnv {
			p.data = nil
		}
	}
}

// record brings the local files and the sync state in line with the
// commit just made, and lists the items in the result.
func (a *pushAttempt) record() error {
	for _, p := range a.todo {
		if p.merged {
			// The local file gets both sides too, so it matches the store.
			if err := config.WriteFileAtomic(p.it.Abs(), p.data); err != nil {
				return &ItemError{Path: p.display, Err: err}
			}
		}
		// The blob just committed at the item's path: its ciphertext.
		a.st.record(p.it.Abs(), a.env, p.it.Project, p.it.Path, p.blob.String(), p.mac, p.doc.state())
		r := ItemResult{Project: p.it.Project, Path: p.it.Path, Display: p.display, Type: p.it.Type, Size: p.size, Mode: p.mode, Merged: p.merged, Vars: p.vars}
		a.res.Items = append(a.res.Items, r.withEnv(p.data))
	}
	for _, d := range a.deletions {
		dir := a.projectDirOf(d.Project)
		delete(a.st.Files[TrackedItem{Dir: dir, Path: d.Path}.Abs()].Envs, a.env.Name)
		a.res.Items = append(a.res.Items, ItemResult{Project: d.Project, Path: d.Path, Display: a.display(dir, d.Path), Type: d.Type, Deleted: true})
	}
	return nil
}
