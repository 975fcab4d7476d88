package scopes

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"

	"github.com/configsync/configsync/config"
	"github.com/configsync/configsync/gitstore"
	"github.com/configsync/configsync/internal/names"
	"github.com/configsync/configsync/keyring"
)

// chainState is one commit's signed state (store format 2) as the trust
// rules of trust.go see it: parsed from the commit's tree, no signature
// checked yet, because who may sign depends on the state before it.
type chainState struct {
	commit  gitstore.Hash
	author  string // the commit's own claim, for messages only
	tree    *gitstore.Tree
	man     manifest
	manData []byte
	manSig  []byte
	manHash string
	keys    map[string]*keyring.PublicKey // member keys by fingerprint
	indexes map[string]*signedIndex       // by environment; nil when missing
}

// signedIndex is one environment's index with its signature.
type signedIndex struct {
	envIndex
	data, sig []byte
	hash      string
}

// digest is the SHA-256 that chains manifests and indexes and names
// item contents.
func digest(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// storeFormatOf reads configsync-store.toml.
func storeFormatOf(tree *gitstore.Tree) (int, error) {
	data, err := tree.Read(formatPath)
	if err != nil {
		return 0, fmt.Errorf("%s is missing: %w", formatPath, ErrNotStore)
	}
	var f storeFormat
	if err := config.Unmarshal(formatPath, data, &f); err != nil {
		return 0, err
	}
	if f.Format > StoreFormat {
		return 0, &FormatError{Found: f.Format, Supported: StoreFormat}
	}
	if f.Format < 1 {
		return 0, fmt.Errorf("%s: format %d: %w", formatPath, f.Format, ErrNotStore)
	}
	return f.Format, nil
}

// readChainState reads the format 2 state of commit.
func readChainState(ctx context.Context, s *gitstore.Store, commit gitstore.Hash, author string) (*chainState, error) {
	tree, err := s.Tree(ctx, commit)
	if err != nil {
		return nil, err
	}
	return stateOfTree(commit, author, tree, nil)
}

// stateOfTree parses the manifest, member keys and indexes of a format 2
// tree. A state that cannot be parsed is refused as a whole. known, if
// not nil, caches member keys by blob across the states of a walk: the
// same key file is parsed once.
func stateOfTree(commit gitstore.Hash, author string, tree *gitstore.Tree, known map[gitstore.Hash]*keyring.PublicKey) (*chainState, error) {
	refuse := func(format string, args ...any) error {
		return &TrustError{Commit: commit.String(), Author: author, What: fmt.Sprintf(format, args...)}
	}
	format, err := storeFormatOf(tree)
	if err != nil {
		return nil, err
	}
	if format < 2 {
		return nil, refuse("it is a format %d store (configsync-store.toml), put back over format 2", format)
	}
	st := &chainState{commit: commit, author: author, tree: tree, keys: map[string]*keyring.PublicKey{}, indexes: map[string]*signedIndex{}}
	if st.manData, err = tree.Read(membersPath); err != nil {
		return nil, refuse("%s is missing", membersPath)
	}
	if err := config.Unmarshal(membersPath, st.manData, &st.man); err != nil {
		return nil, refuse("%v", err)
	}
	st.manSig, _ = tree.Read(membersSigPath) // a missing signature is refused by the rules
	st.manHash = digest(st.manData)
	for _, m := range st.man.Members {
		if !names.IsFingerprint(m.Fingerprint) {
			return nil, refuse("%s: member %q has no valid fingerprint", membersPath, m.Name)
		}
		keyPath := keysDir + "/" + m.Fingerprint + ".asc"
		blob, ok := tree.Blob(keyPath)
		if !ok {
			return nil, refuse("no public key for member %s", m.Label())
		}
		pub := known[blob]
		if pub == nil {
			keyData, err := tree.Read(keyPath)
			if err != nil {
				return nil, refuse("no public key for member %s", m.Label())
			}
			if pub, err = keyring.ReadPublicKey(keyData); err != nil {
				return nil, refuse("the key file of member %s does not match its fingerprint", m.Label())
			}
			if known != nil {
				known[blob] = pub
			}
		}
		if pub.Fingerprint() != m.Fingerprint {
			return nil, refuse("the key file of member %s does not match its fingerprint", m.Label())
		}
		st.keys[m.Fingerprint] = pub
	}
	for _, e := range st.man.Environments {
		if err := ValidateName("environment", e.Name); err != nil {
			return nil, refuse("%s: %v", membersPath, err)
		}
		if _, err := ParseTier(string(e.Tier)); err != nil {
			return nil, refuse("%s: environment %q: %v", membersPath, e.Name, err)
		}
		if st.indexes[e.Name] != nil {
			return nil, refuse("%s lists environment %q twice", membersPath, e.Name)
		}
		data, err := tree.Read(indexPath(e.Name))
		if err != nil {
			st.indexes[e.Name] = nil
			continue
		}
		ix := &signedIndex{data: data, hash: digest(data)}
		if err := config.Unmarshal(indexPath(e.Name), data, &ix.envIndex); err != nil {
			return nil, refuse("%v", err)
		}
		ix.sig, _ = tree.Read(indexSigPath(e.Name))
		st.indexes[e.Name] = ix
	}
	return st, nil
}

// env finds an environment of the state.
func (st *chainState) env(name string) (Environment, bool) {
	for _, e := range st.man.Environments {
		if e.Name == name {
			return e, true
		}
	}
	return Environment{}, false
}

// admins are the keys of the state's admins.
func (st *chainState) admins() []*keyring.PublicKey {
	var out []*keyring.PublicKey
	for _, m := range st.man.Members {
		if m.Admin {
			out = append(out, st.keys[m.Fingerprint])
		}
	}
	return out
}

// readers are the keys of the members holding tier t.
func (st *chainState) readers(t Tier) []*keyring.PublicKey {
	var out []*keyring.PublicKey
	for _, m := range st.man.Members {
		if m.Can(t) {
			out = append(out, st.keys[m.Fingerprint])
		}
	}
	return out
}

// label names the owner of a key in the state, "" if none.
func (st *chainState) label(k *keyring.PublicKey) string {
	if k == nil {
		return ""
	}
	for _, m := range st.man.Members {
		if m.Fingerprint == k.Fingerprint() {
			return m.Label()
		}
	}
	return k.Fingerprint()
}

// itemFiles lists the files under an environment's items/ directory,
// relative to it, with their blobs.
func itemFiles(tree *gitstore.Tree, env string) map[string]gitstore.Hash {
	out := map[string]gitstore.Hash{}
	prefix := envItemsDir(env) + "/"
	for _, f := range tree.Files(prefix) {
		out[strings.TrimPrefix(f.Path, prefix)] = f.Blob
	}
	return out
}

// indexKey is an item file's name in its environment's index.
func indexKey(project, item string) string { return project + "/" + item + itemSuffix }

// recordKey is a project record's name in its environment's index.
func recordKey(project string) string { return project + "/" + projectFile }

// sortedEnvs orders environments by creation, then name.
func sortedEnvs(envs []Environment) []Environment {
	out := slices.Clone(envs)
	slices.SortStableFunc(out, func(a, b Environment) int {
		if c := a.Created.Compare(b.Created); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
	return out
}
