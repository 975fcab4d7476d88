package scopes

import (
	"context"
	"fmt"
	"slices"
	"sync/atomic"
	"time"

	"github.com/configsync/configsync/gitstore"
	"github.com/configsync/configsync/keyring"
)

// history is the store's first-parent history with the team in force at
// every commit. It is read when a check needs the past: an item signed by
// someone who is not a member of its tier now, verify, log and the
// exposure report of a rotation.
type history struct {
	entries []gitstore.LogEntry // newest first
	// teams[i] is the manifest in force at entries[i]: the newest version
	// at or before it that the chain of admin signatures accepts (nil
	// before the first acceptable version).
	teams []*teamVersion
	// lastWrite maps a path to the index of the newest entry that changed
	// it: the commit that wrote its current content.
	lastWrite map[string]int
	// putBack, oldest first, is putBack's verdict on the manifest
	// version in force at each entry (see putBackAt).
	putBack []int
}

// teamVersion is one accepted version of the team manifest.
type teamVersion struct {
	commit  gitstore.Hash
	members []*Member            // shared with other versions: read only
	keys    []*keyring.PublicKey // keys[i] is members[i]'s (a slice, not a map: n versions of n members)
}

// historyLoads counts loadHistory's walks, for tests of the walks that
// must not need one.
var historyLoads atomic.Int64

// historyKey is one key file of the walk, parsed: nil pub when it is not
// a key.
type historyKey struct {
	pub *keyring.PublicKey
	fpr string
}

// loadHistory walks the history from tip once. A manifest version is
// accepted when it is signed by an admin of the version accepted before
// it (the first by an admin it names itself); a refused version leaves
// the previous one in force. A shallow history starts at its boundary
// commit, which lists every file as changed.
func loadHistory(ctx context.Context, s *gitstore.Store, tip gitstore.Hash, now func() time.Time) (*history, error) {
	historyLoads.Add(1)
	entries, err := s.Log(ctx, tip, 0)
	if err != nil {
		return nil, err
	}
	h := &history{entries: entries, teams: make([]*teamVersion, len(entries)), lastWrite: map[string]int{}}
	var cur *teamVersion
	var admins []*keyring.PublicKey
	versions := make([]manifestVersion, len(entries)) // oldest first
	var mv manifestVersion
	keys := map[gitstore.Hash]historyKey{} // each key file parsed once per walk
	manifests := newManifestReader()
	files := newReplay(ctx, s)
	for i := len(entries) - 1; i >= 0; i-- {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		e := entries[i]
		files.apply(e)
		if changesManifest(e) {
			mv.toml, _ = files.Blob(membersPath)
			mv.sig, _ = files.Blob(membersSigPath)
			if data, err := files.Read(membersPath); err == nil {
				if m, shared, err := manifests.decode(data); err == nil {
					if next, _, err := verifyManifest(files, data, m, admins, now); err == nil {
						cur, admins = readTeam(files, e.Hash, shared, keys), next
					}
				}
			}
		}
		h.teams[i] = cur
		versions[len(entries)-1-i] = mv
	}
	if err := ctx.Err(); err != nil {
		return nil, err // a read cut short by cancellation looked like a refused version
	}
	h.putBack = putBack(versions)
	for i, e := range entries {
		for _, p := range e.Changed {
			if _, ok := h.lastWrite[p]; !ok {
				h.lastWrite[p] = i
			}
		}
	}
	return h, nil
}

// putBackAt reports whether the manifest in force at entries[i] is a
// put-back one (a removed member replaying the team that listed them),
// and which commit wrote the newer version it went back from.
func (h *history) putBackAt(i int) (gitstore.Hash, bool) {
	n := h.putBack[len(h.entries)-1-i]
	if n < 0 {
		return gitstore.Hash{}, false
	}
	return h.entries[len(h.entries)-1-n].Hash, true
}

func changesManifest(e gitstore.LogEntry) bool {
	return slices.Contains(e.Changed, membersPath) || slices.Contains(e.Changed, membersSigPath)
}

// fileReader reads the files of one commit: its *gitstore.Tree, or a
// replay of history's changes up to it.
type fileReader interface {
	Blob(path string) (gitstore.Hash, bool)
	Read(path string) ([]byte, error)
}

// replay is the files of one commit of a walk oldest first, kept by
// applying each commit's changes: the walk reads what it needs at each
// commit without decoding the commit's whole tree (n key files at each of
// n commits). What Read gives may be the store's cached copy: read only.
type replay struct {
	ctx   context.Context
	s     *gitstore.Store
	files map[string]gitstore.Hash
}

func newReplay(ctx context.Context, s *gitstore.Store) *replay {
	return &replay{ctx: ctx, s: s, files: map[string]gitstore.Hash{}}
}

// apply moves the replay to commit e, the child of the one it was at
// (or the first commit of history: every file changed).
func (r *replay) apply(e gitstore.LogEntry) {
	for i, p := range e.Changed {
		if b := e.Blobs[i]; !b.IsZero() {
			r.files[p] = b
		} else {
			delete(r.files, p)
		}
	}
}

func (r *replay) Blob(path string) (gitstore.Hash, bool) {
	b, ok := r.files[path]
	return b, ok
}

func (r *replay) Read(path string) ([]byte, error) {
	b, ok := r.files[path]
	if !ok {
		return nil, fmt.Errorf("%w: %s", gitstore.ErrNotFound, path)
	}
	return r.s.ReadBlobShared(r.ctx, b) // the walks only read what they read
}

// readTeam reads the keys of members from one commit's tree; a
// member whose key file is missing or does not match is left out. Keys
// are parsed once per blob across the walk (cache: nil for a blob that
// is not a key): a team of n members over n versions would otherwise
// parse n² keys.
func readTeam(tree fileReader, commit gitstore.Hash, members []*Member, cache map[gitstore.Hash]historyKey) *teamVersion {
	tv := &teamVersion{commit: commit, members: make([]*Member, 0, len(members)), keys: make([]*keyring.PublicKey, 0, len(members))}
	for _, mem := range members {
		path := keysDir + "/" + mem.Fingerprint + ".asc"
		blob, ok := tree.Blob(path)
		if !ok {
			continue
		}
		k, seen := cache[blob]
		if !seen {
			if keyData, err := tree.Read(path); err == nil {
				k.pub, _ = keyring.ReadPublicKey(keyData) // nil when it is not a key
			}
			if k.pub != nil {
				k.fpr = k.pub.Fingerprint()
			}
			cache[blob] = k
		}
		if k.pub == nil || k.fpr != mem.Fingerprint {
			continue
		}
		tv.members = append(tv.members, mem)
		tv.keys = append(tv.keys, k.pub)
	}
	return tv
}

// key is the key of the member with this fingerprint in this version.
func (tv *teamVersion) key(fpr string) *keyring.PublicKey {
	for i, m := range tv.members {
		if m.Fingerprint == fpr {
			return tv.keys[i]
		}
	}
	return nil
}

// signers lists the keys of the members holding tier t in this version.
func (tv *teamVersion) signers(t Tier) []*keyring.PublicKey {
	if tv == nil {
		return nil
	}
	var out []*keyring.PublicKey
	for i, m := range tv.members {
		if m.Can(t) {
			out = append(out, tv.keys[i])
		}
	}
	return out
}

// owner finds the member whose key (primary or subkey) id names.
func (tv *teamVersion) owner(id string) (Member, bool) {
	if tv == nil {
		return Member{}, false
	}
	for i, m := range tv.members {
		if k := tv.keys[i]; k != nil && k.Matches(id) {
			return *m, true
		}
	}
	return Member{}, false
}

// byEmail finds the member with this email in this version.
func (tv *teamVersion) byEmail(email string) (Member, bool) {
	if tv == nil || email == "" {
		return Member{}, false
	}
	for _, m := range tv.members {
		if m.Email == email {
			return *m, true
		}
	}
	return Member{}, false
}

// anyOwner finds who id belongs to in any version, newest first: a name
// for messages about former members.
func (h *history) anyOwner(id string) (Member, bool) {
	for _, tv := range h.teams {
		if m, ok := tv.owner(id); ok {
			return m, true
		}
	}
	return Member{}, false
}

// allKeys is every member key of every accepted version.
func (h *history) allKeys() []*keyring.PublicKey {
	seen := map[string]bool{}
	var out []*keyring.PublicKey
	for _, tv := range h.teams {
		if tv == nil {
			continue
		}
		for i, k := range tv.keys {
			if fpr := tv.members[i].Fingerprint; !seen[fpr] {
				seen[fpr] = true
				out = append(out, k)
			}
		}
	}
	return out
}

// acceptsTip reports whether the manifest at the tip is a version the
// chain of admin signatures accepted.
func (h *history) acceptsTip() bool {
	if len(h.entries) == 0 || h.teams[0] == nil {
		return false
	}
	i, ok := h.lastWrite[membersPath]
	if j, ok2 := h.lastWrite[membersSigPath]; ok2 && (!ok || j < i) {
		i, ok = j, true
	}
	return ok && h.teams[0].commit == h.entries[i].Hash
}
