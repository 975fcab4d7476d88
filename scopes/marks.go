package scopes

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"time"

	"github.com/configsync/configsync/config"
	"github.com/configsync/configsync/gitstore"
	"github.com/configsync/configsync/internal/rofile"
	"github.com/configsync/configsync/keyring"
)

// marks are what this machine last accepted of its store (DESIGN.md §2a):
// the commit it verified last and the state there. A state lower than
// these, or different at the same serial, is refused by every command.
type marks struct {
	Commit   string             `json:"commit"`
	Serial   int                `json:"serial"`
	Manifest string             `json:"manifest"` // digest of members.toml
	Envs     map[string]envMark `json:"envs,omitempty"`
	// Refused is the remote tip a fetch brought and the rules refused:
	// until an admin repairs the store, every command says so.
	Refused *refusedTip `json:"refused,omitempty"`
	// Skipped are the commits refused and passed over on the way to an
	// accepted tip (the newest maxSkipped): log never credits them to
	// whoever signed the files they put back.
	Skipped []string `json:"skipped,omitempty"`
}

const maxSkipped = 1000

type envMark struct {
	Created    time.Time `json:"created"`
	Generation int       `json:"generation"`
	Serial     int       `json:"index_serial"`
	Index      string    `json:"index"` // digest of index.toml
}

type refusedTip struct {
	Commit string `json:"commit"`
	Reason string `json:"reason"`
}

// marksOf are the marks of an accepted state.
func marksOf(st *chainState) *marks {
	m := &marks{Commit: st.commit.String(), Serial: st.man.Serial, Manifest: st.manHash, Envs: map[string]envMark{}}
	for _, e := range st.man.Environments {
		em := envMark{Created: e.Created, Generation: e.KeyGeneration}
		if ix := st.indexes[e.Name]; ix != nil {
			em.Serial, em.Index = ix.Serial, ix.hash
		}
		m.Envs[e.Name] = em
	}
	return m
}

// checkMarks refuses a state lower than the marks, or forked from them.
// It is the rule for a state that cannot be checked step by step (the
// history was rewritten under this machine); signer, who signed the
// state's manifest, is named in the refusal.
func checkMarks(st *chainState, m *marks, signer string) error {
	if m == nil || m.Commit == "" {
		return nil
	}
	switch {
	case st.man.Serial < m.Serial:
		return st.refusal(signer, "puts back the team manifest of serial %d (this machine accepted serial %d)", st.man.Serial, m.Serial)
	case st.man.Serial == m.Serial && st.manHash != m.Manifest:
		return st.refusal(signer, "holds a different team manifest of serial %d than this machine accepted: a fork", st.man.Serial)
	}
	for _, e := range st.man.Environments {
		em, ok := m.Envs[e.Name]
		if !ok || !em.Created.Equal(e.Created) {
			continue
		}
		ix := st.indexes[e.Name]
		switch {
		case e.KeyGeneration < em.Generation:
			return st.refusal("", "puts back key generation %d of %q (this machine accepted generation %d)", e.KeyGeneration, e.Name, em.Generation)
		case ix != nil && ix.Serial < em.Serial:
			return st.refusal("", "puts back the index of %q of serial %d (this machine accepted serial %d)", e.Name, ix.Serial, em.Serial)
		case ix != nil && ix.Serial == em.Serial && ix.hash != em.Index:
			return st.refusal("", "holds a different index of %q of serial %d than this machine accepted: a fork", e.Name, ix.Serial)
		}
	}
	return nil
}

// loadMarks reads the marks; none yet is an empty set.
func (tb *trustBook) loadMarks() (*marks, error) {
	if tb.marks != nil {
		return tb.marks, nil
	}
	m := &marks{}
	path := tb.home().Marks()
	data, err := rofile.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, err
	default:
		if err := json.Unmarshal(data, m); err != nil {
			return nil, fmt.Errorf("%s is damaged (%v): remove it (configsync then trusts the store's tip as on first use)", path, err)
		}
	}
	tb.marks = m
	return m, nil
}

func (tb *trustBook) saveMarks(m *marks) error {
	data, err := json.MarshalIndent(m, "", " ")
	if err != nil {
		return err
	}
	tb.marks = m
	return config.WriteFileAtomic(tb.home().Marks(), data)
}

// pinnedKeys are the keys of st's members whose fingerprints this
// machine pins; with no pins, a first use trusts the state's own admins.
func (tb *trustBook) pinnedKeys(st *chainState) []*keyring.PublicKey {
	pins := tb.cfg.Trust.Admins
	if len(pins) == 0 {
		return st.admins()
	}
	var out []*keyring.PublicKey
	for _, f := range pins {
		if k := st.keys[f]; k != nil {
			out = append(out, k)
		}
	}
	return out
}

// Skipped is a commit that incremental verification refused and passed
// over, because a later commit put back the state accepted before it.
type Skipped struct {
	Commit string
	Reason string
}

// advance verifies the commits from the last one this machine accepted
// up to tip, oldest first, each against the last state accepted (a
// refused commit is skipped, and the next compared with what came before
// it), and moves the marks to tip when tip's state is accepted. It
// returns the state at tip, nil for a format 1 store, whose rules are
// the old ones (snapshot.go).
func (tb *trustBook) advance(ctx context.Context, tip gitstore.Hash) (*chainState, []Skipped, error) {
	m, err := tb.loadMarks()
	if err != nil {
		return nil, nil, err
	}
	tree, err := tb.store.Tree(ctx, tip)
	if err != nil {
		return nil, nil, err
	}
	format, err := storeFormatOf(tree)
	if err != nil {
		return nil, nil, err
	}
	if format < 2 {
		if m.Commit != "" {
			// This machine accepted format 2: going back to format 1's
			// rules would undo every rule above.
			te := &TrustError{Commit: tip.String(), What: fmt.Sprintf("is a format %d store, put back over format 2", format)}
			if e, err := tb.store.Log(ctx, tip, 1); err == nil && len(e) == 1 {
				te.Author = e[0].Author.Name + " <" + e[0].Author.Email + ">"
			}
			return nil, nil, tb.refuse(m, tip, te)
		}
		return nil, nil, nil
	}
	now := tb.opts.Now()
	var prev *chainState
	var entries []gitstore.LogEntry
	if base, err := gitstore.ParseHash(m.Commit); err == nil && !base.IsZero() {
		var found bool
		entries, found, err = tb.store.Since(ctx, tip, base)
		if err != nil {
			return nil, nil, err
		}
		if found {
			// The base was accepted when it was the tip; a base from
			// before an upgrade (format 1) gives no state to compare.
			prev, _ = readAcceptedState(ctx, tb.store, base)
		}
	}
	if prev == nil {
		st, err := stateOfTree(tip, tb.authorOf(ctx, tip), tree, nil)
		var signer *keyring.PublicKey
		if err == nil {
			signer, err = checkState(st, tb.pinnedKeys(st), now)
		}
		if err == nil {
			err = checkMarks(st, m, st.label(signer))
		}
		if err != nil {
			return nil, nil, tb.refuse(m, tip, err)
		}
		prev = st
	}
	last, refused, err := tb.walkChain(ctx, prev, entries, nil)
	if err != nil {
		return nil, nil, err
	}
	var skipped []Skipped
	for _, r := range refused {
		skipped = append(skipped, Skipped{Commit: r.Commit, Reason: r.Error()})
	}
	if last.commit != tip {
		return nil, nil, tb.refuse(m, tip, firstRefusedSince(last.commit, entries, refused))
	}
	if err := tb.raiseMarks(m, last, skipped); err != nil {
		return nil, nil, err
	}
	return last, skipped, nil
}

// raiseMarks saves the marks of an accepted state, keeping the last
// maxSkipped commits refused on the way. A store read for one command
// leaves this machine's marks alone.
func (tb *trustBook) raiseMarks(m *marks, accepted *chainState, skipped []Skipped) error {
	if tb.ephemeral {
		return nil
	}
	next := marksOf(accepted)
	next.Skipped = m.Skipped
	for _, s := range skipped {
		next.Skipped = append(next.Skipped, s.Commit)
	}
	if n := len(next.Skipped); n > maxSkipped {
		next.Skipped = next.Skipped[n-maxSkipped:]
	}
	return tb.saveMarks(next)
}

// refuse records that tip was refused, so that every command says so
// until a later tip is accepted, and returns err.
func (tb *trustBook) refuse(m *marks, tip gitstore.Hash, err error) error {
	if tb.ephemeral || m == nil {
		return err
	}
	reason := err.Error()
	var te *TrustError
	if errors.As(err, &te) {
		m.Refused = &refusedTip{Commit: te.Commit, Reason: te.Reason()}
	} else {
		m.Refused = &refusedTip{Commit: tip.String(), Reason: reason}
	}
	if serr := tb.saveMarks(m); serr != nil {
		return fmt.Errorf("%w (and saving it failed: %v)", err, serr)
	}
	return err
}

// RefusedError is a store whose newest commit this machine refused.
type RefusedError struct {
	Commit string
	Reason string
}

func (e *RefusedError) Error() string {
	return fmt.Sprintf("commit %.12s %s", e.Commit, e.Reason)
}

// walkChain checks entries (newest first, as gitstore gives them) oldest
// first, each against the last state accepted, starting from prev; with
// prev nil the first format 2 state is checked on its own against its
// own admins (a walk from the root). Earlier format 1 commits are passed
// over. It returns the last state accepted and the commits refused, in
// order.
func (ma *machine) walkChain(ctx context.Context, prev *chainState, entries []gitstore.LogEntry, format1 func(gitstore.LogEntry)) (*chainState, []*TrustError, error) {
	digestOf := func(h gitstore.Hash) (string, error) {
		if d, ok := ma.wrote[h]; ok {
			return d, nil // hashed from these very bytes by seal
		}
		data, err := ma.store.ReadBlob(ctx, h)
		if err != nil {
			return "", err
		}
		return digest(data), nil
	}
	now := ma.opts.Now()
	// Member keys are parsed once per walk; those of prev, accepted
	// already, are not parsed again where a state keeps them.
	known := map[gitstore.Hash]*keyring.PublicKey{}
	if prev != nil {
		maps.Copy(known, prev.byBlob)
	}
	var refused []*TrustError
	for i := len(entries) - 1; i >= 0; i-- {
		e := entries[i]
		author := entryAuthor(e)
		tree, err := ma.store.Tree(ctx, e.Hash)
		if err != nil {
			return nil, nil, err
		}
		if prev == nil {
			if f, err := storeFormatOf(tree); err == nil && f < 2 {
				if format1 != nil {
					format1(e)
				}
				continue
			}
		}
		st, err := stateOfTree(e.Hash, author, tree, known)
		if err == nil {
			if prev == nil {
				_, err = checkState(st, st.admins(), now)
			} else {
				err = checkStep(prev, st, digestOf, now)
			}
		}
		var te *TrustError
		switch {
		case errors.As(err, &te):
			refused = append(refused, te)
			continue
		case err != nil:
			return nil, nil, err // the store could not be read
		}
		prev = st
	}
	return prev, refused, nil
}

// entryAuthor is the author a commit claims, for messages.
func entryAuthor(e gitstore.LogEntry) string {
	if e.Author.Email == "" {
		return e.Author.Name
	}
	return e.Author.Name + " <" + e.Author.Email + ">"
}

// authorOf is the author commit claims, "" when it cannot be read (the
// refusal then names the commit alone).
func (ma *machine) authorOf(ctx context.Context, commit gitstore.Hash) string {
	entries, err := ma.store.Log(ctx, commit, 1)
	if err != nil || len(entries) == 0 {
		return ""
	}
	return entryAuthor(entries[0])
}

// firstRefusedSince names why a tip was refused: the first commit refused
// after the last one accepted (an earlier refusal was undone by then).
// entries are newest first; refused is not empty.
func firstRefusedSince(accepted gitstore.Hash, entries []gitstore.LogEntry, refused []*TrustError) *TrustError {
	byCommit := map[string]*TrustError{}
	for _, r := range refused {
		byCommit[r.Commit] = r
	}
	first := refused[len(refused)-1]
	for _, e := range entries {
		if e.Hash == accepted {
			break
		}
		if r := byCommit[e.Hash.String()]; r != nil {
			first = r
		}
	}
	return first
}

// lockAccepted takes the lock and reads the commit this machine last
// accepted, which a repair starts from; with none, it refuses with
// none's words. The caller defers unlock.
func (tb *trustBook) lockAccepted(ctx context.Context, none string) (_ gitstore.Hash, unlock func() error, err error) {
	if unlock, err = tb.lock(ctx); err != nil {
		return gitstore.Hash{}, nil, err
	}
	m, err := tb.loadMarks() // under the lock: another configsync may move them
	if err != nil {
		unlock()
		return gitstore.Hash{}, nil, err
	}
	base, err := gitstore.ParseHash(m.Commit)
	if err != nil || base.IsZero() {
		unlock()
		return gitstore.Hash{}, nil, fmt.Errorf("%s: %w", none, ErrNothingToRepair)
	}
	return base, unlock, nil
}
