package scopes

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/configsync/configsync/config"
	"github.com/configsync/configsync/gitstore"
	"github.com/configsync/configsync/keyring"
)

// LogEntry is one change of the store: when, who, what (names only).
type LogEntry struct {
	Commit string
	When   time.Time
	// Author is the member's name in the manifest in force at that commit,
	// found by the commit's email; else the name the commit gives, with
	// Member false (a commit made outside configsync).
	Author string
	Email  string
	Member bool
	// Refused is a commit this machine refused and passed over (a
	// repair undid it): whoever signed its files did not make it.
	Refused bool
	// Format1 marks a commit made before the store's upgrade whose signer
	// log could not name: format 1 signed pushes only inside the items,
	// which log does not decrypt. Not a sign of an outsider.
	Format1 bool
	Summary string   // first line of the message
	Details []string // the message's item lines: paths and key names
	Envs    []string // environments touched
	// Items are the items the commit changed, "env/project/path".
	Items []string
}

// Log lists the store's history, newest first, optionally for one
// environment; n <= 0 means all. Nothing is decrypted: key names come
// from the commit messages, which never hold values.
func (v *Session) Log(ctx context.Context, env string, n int) ([]LogEntry, error) {
	snap, err := v.load(ctx)
	if err != nil {
		return nil, err
	}
	if env != "" {
		if _, err := snap.env(env); err != nil {
			return nil, err
		}
	}
	if snap.chain != nil {
		return v.logChained(ctx, snap, env, n)
	}
	h, err := v.history(ctx, snap)
	if err != nil {
		return nil, err
	}
	var out []LogEntry
	for i, e := range h.entries {
		le, ok := logEntry(e, env)
		if !ok {
			continue
		}
		if m, ok := h.teams[i].byEmail(e.Author.Email); ok {
			le.Author, le.Member = m.Name, true
		}
		out = append(out, le)
		if n > 0 && len(out) == n {
			break
		}
	}
	return out, nil
}

// logEntry describes one commit from its message and changed paths;
// false when env is given and the commit did not touch it.
func logEntry(e gitstore.LogEntry, env string) (LogEntry, bool) {
	var envs, items []string
	for _, p := range e.Changed {
		rest, ok := strings.CutPrefix(p, environmentsDir+"/")
		if !ok {
			continue
		}
		name, _, _ := strings.Cut(rest, "/")
		if !slices.Contains(envs, name) {
			envs = append(envs, name)
		}
		if project, item, ok := splitItemStorePath(name, p); ok {
			items = append(items, name+"/"+project+"/"+item)
		}
	}
	if env != "" && !slices.Contains(envs, env) {
		return LogEntry{}, false
	}
	summary, body, _ := strings.Cut(strings.TrimSpace(e.Message), "\n")
	var details []string
	for _, line := range strings.Split(body, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			details = append(details, line)
		}
	}
	return LogEntry{
		Commit: e.Hash.String(), When: e.Author.When, Author: e.Author.Name, Email: e.Author.Email,
		Summary: summary, Details: details, Envs: envs, Items: items,
	}, true
}

// logChained is Log for a format 2 store: it reads only as far back as
// it needs, and names whoever signed what each commit changed (the
// manifest, else an index), never the author the commit claims.
func (sa *storeAccess) logChained(ctx context.Context, snap *snapshot, env string, n int) ([]LogEntry, error) {
	var refused []string
	if m, err := sa.loadMarks(); err == nil && !sa.ephemeral {
		refused = m.Skipped
	}
	var out []LogEntry
	for from := snap.tip; !from.IsZero() && (n <= 0 || len(out) < n); {
		if !sa.store.HasCommit(from) {
			// The boundary of a join's shallow history: fetch the rest.
			if err := sa.fullHistory(ctx); err != nil {
				return nil, err
			}
			if !sa.store.HasCommit(from) {
				break // a --remote read: its tip is all there is
			}
		}
		batch, err := sa.store.Log(ctx, from, max(n, 16))
		if err != nil {
			return nil, err
		}
		from = gitstore.Hash{}
		if len(batch) > 0 && len(batch[len(batch)-1].Parents) > 0 {
			from = batch[len(batch)-1].Parents[0]
		}
		for _, e := range batch {
			le, ok := logEntry(e, env)
			if !ok {
				continue
			}
			if slices.Contains(refused, e.Hash.String()) {
				le.Refused = true
			} else if m, ok := sa.commitSigner(ctx, snap, e); ok {
				le.Author, le.Email, le.Member = m.Name, m.Email, true
			} else {
				le.Format1 = sa.isFormat1(ctx, e.Hash)
			}
			out = append(out, le)
			if n > 0 && len(out) == n {
				break
			}
		}
	}
	return out, nil
}

// commitSigner finds the member who signed what a commit changed: its
// manifest, else the first index it changed.
func (ma *machine) commitSigner(ctx context.Context, snap *snapshot, e gitstore.LogEntry) (Member, bool) {
	var signed []string
	for _, p := range e.Changed {
		if p == membersPath || p == membersSigPath {
			signed = append([]string{membersPath}, signed...)
		} else if strings.HasSuffix(p, "/"+indexFile) || strings.HasSuffix(p, "/"+indexSigFile) {
			signed = append(signed, strings.TrimSuffix(strings.TrimSuffix(p, ".sig"), indexFile)+indexFile)
		}
	}
	if len(signed) == 0 {
		return Member{}, false
	}
	tree, err := ma.store.Tree(ctx, e.Hash)
	if err != nil {
		return Member{}, false
	}
	data, err1 := tree.Read(signed[0])
	sig, err2 := tree.Read(signed[0] + ".sig")
	if err1 != nil || err2 != nil {
		return Member{}, false
	}
	keys := make([]*keyring.PublicKey, 0, len(snap.keys))
	for _, k := range snap.keys {
		keys = append(keys, k)
	}
	signer, err := keyring.VerifyDetached(data, sig, keys, ma.opts.Now())
	if err != nil {
		return Member{}, false
	}
	// A file put back keeps its old, valid signature: its signer made an
	// earlier commit, not this one. Only a serial above the parent's says
	// the signer wrote it here.
	if len(e.Parents) > 0 {
		parent, err := ma.store.Tree(ctx, e.Parents[0])
		if err != nil {
			return Member{}, false
		}
		if old, err := parent.Read(signed[0]); err == nil && serialOf(signed[0], data) <= serialOf(signed[0], old) {
			return Member{}, false
		}
	}
	return snap.member(signer.Fingerprint())
}

// isFormat1 reports whether commit is a format 1 state (before the
// upgrade).
func (ma *machine) isFormat1(ctx context.Context, commit gitstore.Hash) bool {
	tree, err := ma.store.Tree(ctx, commit)
	if err != nil {
		return false
	}
	f, err := storeFormatOf(tree)
	return err == nil && f < 2
}

// serialOf reads the serial of a manifest or an index (0 if unreadable).
func serialOf(path string, data []byte) int {
	if path == membersPath {
		var m manifest
		if config.Unmarshal(path, data, &m) != nil {
			return 0
		}
		return m.Serial
	}
	var ix envIndex
	if config.Unmarshal(path, data, &ix) != nil {
		return 0
	}
	return ix.Serial
}
