package scopes

import (
	"context"
	"slices"
	"time"

	"github.com/configsync/configsync/config"
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
	members []Member
	keys    map[string]*keyring.PublicKey // by member fingerprint
}

// loadHistory walks the history from tip once. A manifest version is
// accepted when it is signed by an admin of the version accepted before
// it (the first by an admin it names itself); a refused version leaves
// the previous one in force. A shallow history starts at its boundary
// commit, which lists every file as changed.
func loadHistory(ctx context.Context, s *gitstore.Store, tip gitstore.Hash, now func() time.Time) (*history, error) {
	entries, err := s.Log(ctx, tip, 0)
	if err != nil {
		return nil, err
	}
	h := &history{entries: entries, teams: make([]*teamVersion, len(entries)), lastWrite: map[string]int{}}
	var cur *teamVersion
	var admins []*keyring.PublicKey
	versions := make([]manifestVersion, len(entries)) // oldest first
	var mv manifestVersion
	keys := map[gitstore.Hash]*keyring.PublicKey{} // each key file parsed once per walk
	for i := len(entries) - 1; i >= 0; i-- {
		e := entries[i]
		if changesManifest(e) {
			tree, err := s.Tree(ctx, e.Hash)
			if err != nil {
				return nil, err
			}
			mv.toml, _ = tree.Blob(membersPath)
			mv.sig, _ = tree.Blob(membersSigPath)
			if next, _, err := verifyManifestAt(tree, admins, now); err == nil {
				if tv, err := readTeam(tree, e.Hash, keys); err == nil {
					cur, admins = tv, next
				}
			}
		}
		h.teams[i] = cur
		versions[len(entries)-1-i] = mv
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

// readTeam reads the members and their keys from one commit's tree; a
// member whose key file is missing or does not match is left out. Keys
// are parsed once per blob across the walk (cache: nil for a blob that
// is not a key): a team of n members over n versions would otherwise
// parse n² keys.
func readTeam(tree *gitstore.Tree, commit gitstore.Hash, cache map[gitstore.Hash]*keyring.PublicKey) (*teamVersion, error) {
	data, err := tree.Read(membersPath)
	if err != nil {
		return nil, err
	}
	var m manifest
	if err := config.Unmarshal(membersPath, data, &m); err != nil {
		return nil, err
	}
	tv := &teamVersion{commit: commit, keys: map[string]*keyring.PublicKey{}}
	for _, mem := range m.Members {
		path := keysDir + "/" + mem.Fingerprint + ".asc"
		blob, ok := tree.Blob(path)
		if !ok {
			continue
		}
		pub, seen := cache[blob]
		if !seen {
			if keyData, err := tree.Read(path); err == nil {
				pub, _ = keyring.ReadPublicKey(keyData) // nil when it is not a key
			}
			cache[blob] = pub
		}
		if pub == nil || pub.Fingerprint() != mem.Fingerprint {
			continue
		}
		tv.members = append(tv.members, mem)
		tv.keys[mem.Fingerprint] = pub
	}
	return tv, nil
}

// signers lists the keys of the members holding tier t in this version.
func (tv *teamVersion) signers(t Tier) []*keyring.PublicKey {
	if tv == nil {
		return nil
	}
	var out []*keyring.PublicKey
	for _, m := range tv.members {
		if m.Can(t) {
			out = append(out, tv.keys[m.Fingerprint])
		}
	}
	return out
}

// owner finds the member whose key (primary or subkey) id names.
func (tv *teamVersion) owner(id string) (Member, bool) {
	if tv == nil {
		return Member{}, false
	}
	for _, m := range tv.members {
		if k := tv.keys[m.Fingerprint]; k != nil && k.Matches(id) {
			return m, true
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
			return m, true
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
		for fpr, k := range tv.keys {
			if !seen[fpr] {
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
