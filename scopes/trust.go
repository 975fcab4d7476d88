package scopes

import (
	"bytes"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/configsync/configsync/gitstore"
	"github.com/configsync/configsync/keyring"
)

// The trust rules of store format 2 (DESIGN.md §2a), in one place. They
// read no files and print nothing: they compare parsed states
// (chain.go). A state is accepted either on its own, against admins this
// machine pins (checkState: a first use, a read in CI), or as the step
// after the last state this machine accepted (checkStep), which is what
// makes a rollback visible:
//
//   - the manifest changes only with a signature by an admin of the
//     accepted state, serial +1, chained by digest to it;
//   - each environment's index changes only with a signature by a member
//     holding the environment's tier in the new manifest, for its current
//     key generation, serial +1 and chained to the accepted index (serial
//     1 for a new environment);
//   - every file under an environment's items/ is listed in its index
//     with the SHA-256 of its bytes, and nothing else is;
//   - an environment's public key matches the fingerprint in the
//     manifest, and its wrapped private key is encrypted to nobody but
//     the members holding its tier.
//
// Items themselves are checked where they are decrypted: signed by a
// member holding the tier in the current manifest (binding.go).

// TrustError is a state the trust rules refuse: which commit, who made
// it (as git says: unverified), who signed what it put back, and what.
type TrustError struct {
	Commit string
	Author string // the commit's self-declared author
	Signer string // who signed the refused file, when known
	What   string
}

func (e *TrustError) Error() string {
	return fmt.Sprintf("commit %.12s ", e.Commit) + e.Reason()
}

// Reason is the error without the commit that it names first.
func (e *TrustError) Reason() string {
	s := e.What
	if e.Author != "" {
		s = fmt.Sprintf("(made as %s) %s", e.Author, s)
	}
	if e.Signer != "" {
		s += ", signed by " + e.Signer
	}
	return s
}

// refusal builds the TrustError of a state.
func (st *chainState) refusal(signer, format string, args ...any) *TrustError {
	return &TrustError{Commit: st.commit.String(), Author: st.author, Signer: signer, What: fmt.Sprintf(format, args...)}
}

// manifestSigner checks the manifest's signature against allowed and
// returns the signer. When the signer is not allowed, it names them if
// any key of the states given knows them.
func (st *chainState) manifestSigner(allowed []*keyring.PublicKey, now time.Time, known ...*chainState) (*keyring.PublicKey, error) {
	signer, err := keyring.VerifyDetached(st.manData, st.manSig, allowed, now)
	if err == nil {
		return signer, nil
	}
	for _, k := range append(known, st) {
		if s, err := keyring.VerifyDetached(st.manData, st.manSig, allKeys(k), now); err == nil {
			return nil, st.refusal("", "changes the team manifest (serial %d) with a signature by %s, who is not an admin this machine trusts", st.man.Serial, k.label(s))
		}
	}
	return nil, st.refusal("", "changes the team manifest (serial %d) without a valid admin signature (edited by hand, or signed by a key the store does not know)", st.man.Serial)
}

func allKeys(st *chainState) []*keyring.PublicKey {
	out := make([]*keyring.PublicKey, 0, len(st.keys))
	for _, k := range st.keys {
		out = append(out, k)
	}
	return out
}

// checkState accepts a state on its own: its manifest signed by one of
// admins (the pins), every environment as checkEnv says. It returns the
// manifest's signer.
func checkState(st *chainState, admins []*keyring.PublicKey, now time.Time) (*keyring.PublicKey, error) {
	signer, err := st.manifestSigner(admins, now)
	if err != nil {
		return nil, err
	}
	for _, e := range st.man.Environments {
		if err := st.checkEnv(e, now); err != nil {
			return nil, err
		}
	}
	return signer, nil
}

// checkEnv checks one environment of a state on its own: an index
// signed by a holder of its tier, for its key generation, listing
// exactly the files under items/, and a public key that matches the
// manifest.
func (st *chainState) checkEnv(e Environment, now time.Time) error {
	ix := st.indexes[e.Name]
	if ix == nil {
		return st.refusal("", "leaves environment %q without its index (%s)", e.Name, indexPath(e.Name))
	}
	signer, err := keyring.VerifyDetached(ix.data, ix.sig, st.readers(e.Tier), now)
	if err != nil {
		who := "a key that does not hold tier " + string(e.Tier)
		if s, err := keyring.VerifyDetached(ix.data, ix.sig, allKeys(st), now); err == nil {
			who = st.label(s) + ", who does not hold tier " + string(e.Tier)
		}
		return st.refusal("", "changes the index of %q with a signature by %s", e.Name, who)
	}
	switch {
	case ix.Environment != e.Name:
		return st.refusal(st.label(signer), "puts the index of %q in %q", ix.Environment, e.Name)
	case ix.KeyGeneration != e.KeyGeneration:
		return st.refusal(st.label(signer), "puts back the index of %q for key generation %d (the manifest says %d)", e.Name, ix.KeyGeneration, e.KeyGeneration)
	}
	return st.checkListed(e.Name, ix)
}

// checkListed refuses files under an environment's items/ that its index
// does not list, and listed files that are missing.
func (st *chainState) checkListed(env string, ix *signedIndex) error {
	files := itemFiles(st.tree, env)
	for _, name := range slices.Sorted(maps.Keys(files)) {
		if _, ok := ix.Items[name]; !ok {
			return st.refusal("", "adds %s/%s, which the index of %q does not list", envItemsDir(env), name, env)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(ix.Items)) {
		if _, ok := files[name]; !ok {
			return st.refusal("", "removes %s/%s, which the index of %q lists", envItemsDir(env), name, env)
		}
	}
	return nil
}

// checkStep accepts next as the state after prev, the last state this
// machine accepted (not necessarily next's parent: a refused commit is
// skipped). digestOf gives a blob's digest, to check the items next changed.
func checkStep(prev, next *chainState, digestOf func(gitstore.Hash) (string, error), now time.Time) error {
	if next.manHash != prev.manHash || !bytes.Equal(next.manSig, prev.manSig) {
		signer, err := next.manifestSigner(prev.admins(), now, prev)
		if err != nil {
			return err
		}
		if next.manHash != prev.manHash {
			switch {
			case next.man.Serial <= prev.man.Serial:
				return next.refusal(next.label(signer), "puts back the team manifest of serial %d (this machine accepted serial %d)", next.man.Serial, prev.man.Serial)
			case next.man.Serial != prev.man.Serial+1 || next.man.Previous != prev.manHash:
				return next.refusal(next.label(signer), "writes a team manifest (serial %d) that does not follow serial %d: a fork", next.man.Serial, prev.man.Serial)
			}
		}
	}
	for _, e := range next.man.Environments {
		if err := checkEnvStep(prev, next, e, digestOf, now); err != nil {
			return err
		}
	}
	return nil
}

// checkEnvStep checks what next changed in one environment.
func checkEnvStep(prev, next *chainState, e Environment, digestOf func(gitstore.Hash) (string, error), now time.Time) error {
	ix := next.indexes[e.Name]
	var pix *signedIndex
	if pe, ok := prev.env(e.Name); ok && pe.Created.Equal(e.Created) {
		pix = prev.indexes[e.Name]
	}
	if pix == nil || ix == nil || ix.hash != pix.hash || !bytes.Equal(ix.sig, pix.sig) || ix.KeyGeneration != e.KeyGeneration {
		if err := next.checkEnv(e, now); err != nil {
			return err
		}
		signer, _ := keyring.VerifyDetached(ix.data, ix.sig, next.readers(e.Tier), now)
		who := next.label(signer)
		switch {
		case pix == nil && (ix.Serial != 1 || ix.Previous != ""):
			return next.refusal(who, "starts environment %q with an index of serial %d", e.Name, ix.Serial)
		case pix != nil && ix.hash != pix.hash && ix.Serial <= pix.Serial:
			return next.refusal(who, "puts back the index of %q of serial %d (this machine accepted serial %d)", e.Name, ix.Serial, pix.Serial)
		case pix != nil && ix.hash != pix.hash && (ix.Serial != pix.Serial+1 || ix.Previous != pix.hash):
			return next.refusal(who, "writes an index of %q (serial %d) that does not follow serial %d: a fork", e.Name, ix.Serial, pix.Serial)
		}
	}
	if err := next.checkListed(e.Name, ix); err != nil {
		return err
	}
	var before map[string]gitstore.Hash
	if pix != nil {
		before = itemFiles(prev.tree, e.Name)
	}
	files := itemFiles(next.tree, e.Name)
	for _, name := range slices.Sorted(maps.Keys(files)) { // sorted: the same refusal every time
		blob := files[name]
		if pix != nil && before[name] == blob && pix.Items[name] == ix.Items[name] {
			continue // accepted before, listed the same
		}
		d, err := digestOf(blob)
		if err != nil {
			return err
		}
		if d != ix.Items[name] {
			return next.refusal("", "changes %s/%s to a version that its index does not list (an older copy, or one made outside configsync)", envItemsDir(e.Name), name)
		}
	}
	return checkEnvKeys(prev, next, e)
}

// checkEnvKeys checks an environment's key files where next changed
// them: the public key matches the manifest's fingerprint, the wrapped
// private key is encrypted to the tier's members only.
func checkEnvKeys(prev, next *chainState, e Environment) error {
	changed := func(p string) (gitstore.Hash, bool) {
		b, ok := next.tree.Blob(p)
		if !ok {
			return b, false
		}
		old, had := prev.tree.Blob(p)
		return b, !had || old != b
	}
	pubPath := envDir(e.Name) + "/" + envPublicKeyFile
	if _, ok := next.tree.Blob(pubPath); !ok {
		return next.refusal("", "removes the public key of %q", e.Name)
	}
	if _, ok := changed(pubPath); ok {
		data, _ := next.tree.Read(pubPath)
		pub, err := keyring.ReadPublicKey(data)
		if err != nil || pub.Fingerprint() != e.KeyFingerprint {
			return next.refusal("", "puts a public key for %q that is not generation %d's (%s)", e.Name, e.KeyGeneration, e.KeyFingerprint)
		}
	}
	keyPath := envDir(e.Name) + "/" + envPrivateKeyFile
	if _, ok := next.tree.Blob(keyPath); !ok {
		return next.refusal("", "removes the key of %q", e.Name)
	}
	if _, ok := changed(keyPath); ok {
		wrapped, _ := next.tree.Read(keyPath)
		if id := recipientsAmong(wrapped, next.readers(e.Tier)); id != "" {
			who := next.labelID(id)
			if former := prev.labelID(id); !strings.HasPrefix(former, "key ") && strings.HasPrefix(who, "key ") {
				who = former + " (no member now)" // removed since: name them
			}
			return next.refusal("", "puts back a key of %q that is encrypted to %s, who does not hold tier %s", e.Name, who, e.Tier)
		}
	}
	return nil
}

// recipientsAmong returns the first recipient key id of a message that
// is none of readers ("" when all are; "?" for a message it cannot
// parse).
func recipientsAmong(msg []byte, readers []*keyring.PublicKey) string {
	ids, err := keyring.RecipientKeyIDs(msg)
	if err != nil {
		return "?"
	}
	known := keyring.NewKeySet(readers...)
	for _, id := range ids {
		if known.Find(id) == nil {
			if id == "" {
				return "anonymous"
			}
			return id
		}
	}
	return ""
}

// labelID names a recipient key id for messages.
func (st *chainState) labelID(id string) string {
	switch id {
	case "?":
		return "recipients it cannot read"
	case "anonymous":
		return "an anonymous recipient"
	}
	for _, m := range st.man.Members {
		if k := st.keys[m.Fingerprint]; k != nil && k.Matches(id) {
			return m.Label()
		}
	}
	return "key " + id + " (no member now)"
}
