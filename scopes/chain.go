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
	keys    map[string]*keyring.PublicKey        // member keys by fingerprint
	byBlob  map[gitstore.Hash]*keyring.PublicKey // the same, by key file
	indexes map[string]*signedIndex              // by environment; nil when missing
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

// readAcceptedState is readChainState for a commit this machine has
// accepted (acceptedState).
func readAcceptedState(ctx context.Context, s *gitstore.Store, commit gitstore.Hash) (*chainState, error) {
	tree, err := s.Tree(ctx, commit)
	if err != nil {
		return nil, err
	}
	return acceptedState(commit, tree)
}

// stateOfTree parses the manifest, member keys and indexes of a format 2
// tree. A state that cannot be parsed is refused as a whole. known, if
// not nil, caches member keys by blob across the states of a walk: the
// same key file is parsed once.
func stateOfTree(commit gitstore.Hash, author string, tree *gitstore.Tree, known map[gitstore.Hash]*keyring.PublicKey) (*chainState, error) {
	return readState(commit, author, tree, known, keyring.ReadPublicKey)
}

// acceptedState is stateOfTree for a state this machine has accepted
// (its marks name it): the member keys were checked when it was, and
// are parsed only (keyring.ReadAcceptedPublicKey). A team's keys were
// most of what reading a state cost, on every command.
func acceptedState(commit gitstore.Hash, tree *gitstore.Tree) (*chainState, error) {
	return readState(commit, "", tree, nil, keyring.ReadAcceptedPublicKey)
}

func readState(commit gitstore.Hash, author string, tree *gitstore.Tree, known map[gitstore.Hash]*keyring.PublicKey, readKey func([]byte) (*keyring.PublicKey, error)) (*chainState, error) {
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
	st := &chainState{commit: commit, author: author, tree: tree, keys: map[string]*keyring.PublicKey{},
		byBlob: map[gitstore.Hash]*keyring.PublicKey{}, indexes: map[string]*signedIndex{}}
	if st.manData, err = tree.Read(membersPath); err != nil {
		return nil, refuse("%s is missing", membersPath)
	}
	if err := config.Unmarshal(membersPath, st.manData, &st.man); err != nil {
		return nil, refuse("%v", err)
	}
	st.manSig, _ = tree.Read(membersSigPath) // a missing signature is refused by the rules
	st.manHash = digest(st.manData)
	if err := st.readMemberKeys(refuse, known, readKey); err != nil {
		return nil, err
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

// readMemberKeys parses the key file of every member into st.keys with
// readKey, each blob once across a walk (known, if not nil). The files
// are read in order, and those not yet known parsed on every core: a
// team's keys are most of what reading a state costs. Refusals are those
// of a one-by-one read, in the same order (the first member's wins).
func (st *chainState) readMemberKeys(refuse func(string, ...any) error, known map[gitstore.Hash]*keyring.PublicKey, readKey func([]byte) (*keyring.PublicKey, error)) error {
	members := st.man.Members
	pubs := make([]*keyring.PublicKey, len(members))
	blobs := make([]gitstore.Hash, len(members))
	errs := make([]error, len(members))
	files := make([][]byte, len(members))
	var toParse []int
	for i, m := range members {
		if !names.IsFingerprint(m.Fingerprint) {
			errs[i] = refuse("%s: member %q has no valid fingerprint", membersPath, m.Name)
			break
		}
		keyPath := keysDir + "/" + m.Fingerprint + ".asc"
		blob, ok := st.tree.Blob(keyPath)
		if !ok {
			errs[i] = refuse("no public key for member %s", m.Label())
			break
		}
		if blobs[i], pubs[i] = blob, known[blob]; pubs[i] != nil {
			continue
		}
		data, err := st.tree.Read(keyPath)
		if err != nil {
			errs[i] = refuse("no public key for member %s", m.Label())
			break
		}
		files[i], toParse = data, append(toParse, i)
	}
	_ = onCores(len(toParse), func(k int) error { // never fails: errors go to errs
		i := toParse[k]
		pub, err := readKey(files[i])
		if err != nil {
			errs[i] = refuse("the key file of member %s does not match its fingerprint", members[i].Label())
		}
		pubs[i] = pub
		return nil
	})
	for i, m := range members {
		if errs[i] != nil {
			return errs[i]
		}
		pub := pubs[i]
		if known != nil {
			known[blobs[i]] = pub
		}
		if pub.Fingerprint() != m.Fingerprint {
			return refuse("the key file of member %s does not match its fingerprint", m.Label())
		}
		st.keys[m.Fingerprint] = pub
		st.byBlob[blobs[i]] = pub
	}
	return nil
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
