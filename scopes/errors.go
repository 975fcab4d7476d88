package scopes

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Sentinel errors; cmd/configsync adds what to do.
var (
	// ErrNoStore: this machine has no store yet.
	ErrNoStore = errors.New("no configsync store here")
	// ErrNoIdentity: no private key is configured.
	ErrNoIdentity = errors.New("no identity")
	// ErrIdentityExists: keys generate/import would replace an identity.
	ErrIdentityExists = errors.New("an identity already exists")
	// ErrNoEnvironment: no environment is active and none was given.
	ErrNoEnvironment = errors.New("no active environment")
	// ErrNoEnvironmentYet: the store has no environment at all (init
	// creates none).
	ErrNoEnvironmentYet = errors.New("the store has no environment yet")
	// ErrNotStore: a remote or branch holds something that is not a store.
	ErrNotStore = errors.New("not a configsync store")
	// ErrStoreExists: init found a store already configured here.
	ErrStoreExists = errors.New("a store is already configured")
)

// FormatError is a store written by a newer configsync.
type FormatError struct{ Found, Supported int }

func (e *FormatError) Error() string {
	return fmt.Sprintf("store format %d is newer than this configsync supports (%d)", e.Found, e.Supported)
}

// UnknownEnvironmentError names an environment the store does not have.
type UnknownEnvironmentError struct {
	Name      string
	Available []string
}

func (e *UnknownEnvironmentError) Error() string {
	avail := "none"
	if len(e.Available) > 0 {
		avail = strings.Join(e.Available, ", ")
	}
	return fmt.Sprintf("unknown environment %q (available: %s)", e.Name, avail)
}

// EnvironmentExistsError is env create of a name already taken.
type EnvironmentExistsError struct{ Env Environment }

func (e *EnvironmentExistsError) Error() string {
	return fmt.Sprintf("environment %q already exists (%s)", e.Env.Name, e.Env.Describe())
}

// NotMemberError is an identity that is not in the team manifest.
type NotMemberError struct{ Fingerprint string }

func (e *NotMemberError) Error() string {
	return fmt.Sprintf("your key %s is not a member of this store", e.Fingerprint)
}

// AccessError is a member without the tier an environment needs.
type AccessError struct {
	Env    string
	Tier   Tier
	Member string
}

func (e *AccessError) Error() string {
	return fmt.Sprintf("%s may not access environment %q (tier %s)", e.Member, e.Env, e.Tier)
}

// NotAdminError is a team change by someone who is not an admin.
type NotAdminError struct {
	Member string
	Admins []string // who to ask: the admins, "Name <email>"
}

func (e *NotAdminError) Error() string {
	return fmt.Sprintf("%s is not an admin of this store", e.Member)
}

// ProtectedError is a change to a protected environment without consent.
type ProtectedError struct {
	Env  string
	Keys int
}

func (e *ProtectedError) Error() string {
	return fmt.Sprintf("%q is protected", e.Env)
}

// ItemError is one item that could not be read, parsed or written.
type ItemError struct {
	Path string // as shown to the user
	Err  error
}

func (e *ItemError) Error() string { return e.Path + ": " + e.Err.Error() }
func (e *ItemError) Unwrap() error { return e.Err }

// KeyChange is one key that differs, named but never valued.
type KeyChange struct {
	Path    string // the item, as shown to the user
	Keys    []string
	Deleted bool // deleted in the store, edited here
}

// LocalChangesError is a pull that would overwrite local edits.
type LocalChangesError struct{ Files []KeyChange }

func (e *LocalChangesError) Error() string {
	n := len(e.Files)
	return fmt.Sprintf("%d local %s from what was last pulled or pushed (edits not pushed)", n, plural(n, "file differs", "files differ"))
}

// ConflictError is a push of an item that someone else changed in the
// store since this machine last synced it.
type ConflictError struct{ Files []KeyChange }

func (e *ConflictError) Error() string {
	names := make([]string, len(e.Files))
	for i, f := range e.Files {
		names[i] = f.Path
		if len(f.Keys) > 0 {
			names[i] += " (" + KeyList(f.Keys) + ")"
		}
	}
	return "changed in the store since your last pull: " + strings.Join(names, "; ")
}

// PullConflictError is a pull of items changed both here and in the
// store (the same keys, a file item, or an item deleted there and edited
// here) with nothing saying which side wins.
type PullConflictError struct{ Files []KeyChange }

func (e *PullConflictError) Error() string {
	if len(e.Files) == 1 {
		return describeConflict(e.Files[0])
	}
	const most = 3
	parts := make([]string, 0, most)
	for _, f := range e.Files[:min(most, len(e.Files))] {
		parts = append(parts, describeConflict(f))
	}
	if n := len(e.Files) - most; n > 0 {
		parts = append(parts, fmt.Sprintf("and %d more %s", n, plural(n, "file", "files")))
	}
	return fmt.Sprintf("%d files changed here and in the store: %s", len(e.Files), strings.Join(parts, "; "))
}

func describeConflict(f KeyChange) string {
	switch {
	case f.Deleted:
		return f.Path + " was deleted in the store and edited here"
	case len(f.Keys) == 0:
		return f.Path + " changed here and in the store"
	}
	return fmt.Sprintf("%s: %s changed here and in the store", f.Path, CapList(f.Keys, 5))
}

// CapList joins at most max names, then says how many more there are:
// a refusal stays one readable line however many keys it concerns.
func CapList(names []string, max int) string {
	if len(names) <= max {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names[:max], ", "), len(names)-max)
}

// DeletedInStoreError is a push of items another member deleted from the
// store since this machine last synced them.
type DeletedInStoreError struct{ Files []string }

func (e *DeletedInStoreError) Error() string {
	n := len(e.Files)
	return fmt.Sprintf("%s %s deleted from the store by another member since your last sync", CapList(e.Files, 5), plural(n, "was", "were"))
}

// UntrustedManifestError is a team manifest not signed by a trusted admin.
type UntrustedManifestError struct {
	Commit string
	Reason string
}

func (e *UntrustedManifestError) Error() string {
	return fmt.Sprintf("team manifest at commit %.12s is not trusted: %s", e.Commit, e.Reason)
}

// SignerError is an item whose signature is missing, bad, or by a key
// that may not write the environment.
type SignerError struct {
	Item   string
	Reason string
}

func (e *SignerError) Error() string {
	return fmt.Sprintf("%s: refused: %s", e.Item, e.Reason)
}

// NotTrackedError is untrack of a path that is not tracked.
type NotTrackedError struct{ Path string }

func (e *NotTrackedError) Error() string { return fmt.Sprintf("%s is not tracked", e.Path) }

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// UnknownProjectError names a project an environment does not hold.
type UnknownProjectError struct {
	Name, Env string
	Available []string
}

func (e *UnknownProjectError) Error() string {
	return fmt.Sprintf("environment %q has no project %q (projects: %s)", e.Env, e.Name, listOrNone(e.Available))
}

// maxListed is how many names an error line lists before "and N more".
const maxListed = 10

// KeyList joins key names for an error line: all of them up to ten, else
// the first ten and how many more ("A, B, … and 2,990 more"), so that a
// refusal stays readable for a file of thousands of keys.
func KeyList(keys []string) string {
	if len(keys) <= maxListed {
		return strings.Join(keys, ", ")
	}
	return strings.Join(keys[:maxListed], ", ") + " and " + thousands(len(keys)-maxListed) + " more"
}

// thousands writes n with commas between groups of three digits.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
