// Package gitstore owns ciphertext on a git branch: it reads a tree, commits
// changed paths with compare-and-set on the branch ref, fetches, pushes and
// walks history.
//
// It stores opaque bytes and never sees plaintext. It works with go-git
// plumbing only: the store may be one branch ("configsync" by default) of the
// user's own project repository, and the user's HEAD, index and working tree
// are never read or written.
//
// Three go-git traps are handled here:
//
//   - go-git's CheckAndSetReference overwrites unchecked when given no old
//     value, and a failed one on a packed or missing ref leaves an empty ref
//     file behind (go-git issue 2399). On disk the branch ref is therefore
//     moved with git's own lock-file protocol (see [Store.SetTip]).
//   - go-git writes every object loose; a commit with many new objects is
//     written as one packfile instead, with no delta search and no
//     compression of blobs (ciphertext neither deltas nor compresses).
//   - go-git's push lists every object reachable from the remote's tip to
//     find what to send, and searches for deltas, wasted on ciphertext;
//     pushes send what a tree diff of the new commits finds, as whole
//     objects (see [Store.Push]).
//
// Remotes are any URL go-git reaches: a path or file://, git://, http(s)://
// and ssh:// or scp-style user@host:path, authenticated with an [Auth]
// the caller fills (this package reads no environment). ssh host keys
// are always checked against known_hosts files.
package gitstore

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/cache"
	"github.com/go-git/go-git/v5/storage"
	"github.com/go-git/go-git/v5/storage/filesystem"
)

// DefaultBranch is the branch a store uses unless told otherwise.
const DefaultBranch = "configsync"

var (
	// ErrConflict means the branch is no longer at the expected parent: a
	// compare-and-set on the branch ref failed. Fetch or re-read the tip and
	// retry.
	ErrConflict = errors.New("gitstore: branch moved concurrently")
	// ErrLocked means the branch ref is locked by another writer (git's
	// "<ref>.lock" file exists). It is either a concurrent update or a lock
	// left by a crashed process.
	ErrLocked = errors.New("gitstore: branch ref is locked")
	// ErrNonFastForward means the remote rejected a push because its branch
	// is not an ancestor of the local one.
	ErrNonFastForward = errors.New("gitstore: push rejected: non-fast-forward")
	// ErrNotFound means a path is not in the tree, an object is missing, or
	// the branch does not exist on the remote.
	ErrNotFound = errors.New("gitstore: not found")
	// ErrNoRemote means no remote is configured for the store.
	ErrNoRemote = errors.New("gitstore: no remote configured")
	// ErrNoRepository means the path given to Open is not a git repository.
	ErrNoRepository = errors.New("gitstore: not a git repository")
	// ErrInvalidPath means a change names a path git cannot store safely
	// (empty, absolute, with "." or ".." or ".git" components, NUL), or a
	// path whose parent is a file, or a file write onto a directory.
	ErrInvalidPath = errors.New("gitstore: invalid path")
	// ErrInvalidSignature means a commit author has no time, no email, or a
	// name or email with '<', '>', a newline or NUL.
	ErrInvalidSignature = errors.New("gitstore: invalid author")
	// ErrInvalidBranch means a branch name is not a valid git ref name.
	ErrInvalidBranch = errors.New("gitstore: invalid branch name")
)

// Hash is a git object id.
type Hash [20]byte

// String returns the hash as 40 lower-case hex digits.
func (h Hash) String() string { return hex.EncodeToString(h[:]) }

// IsZero reports whether h is the zero hash (no object).
func (h Hash) IsZero() bool { return h == Hash{} }

// ParseHash parses 40 hex digits.
func ParseHash(s string) (Hash, error) {
	var h Hash
	if len(s) != 2*len(h) {
		return Hash{}, fmt.Errorf("gitstore: parse hash %q: want %d hex digits", s, 2*len(h))
	}
	if _, err := hex.Decode(h[:], []byte(s)); err != nil {
		return Hash{}, fmt.Errorf("gitstore: parse hash %q: %w", s, err)
	}
	return h, nil
}

func toPlumbing(h Hash) plumbing.Hash   { return plumbing.Hash(h) }
func fromPlumbing(h plumbing.Hash) Hash { return Hash(h) }

// Store is one branch of a git repository, on disk or in memory. A Store
// is not safe for concurrent use by several goroutines (go-git's storage is
// not); writers in other processes, or other Stores, are excluded by the
// compare-and-set on the branch ref.
type Store struct {
	repo   *git.Repository
	st     storage.Storer
	branch string
	ref    plumbing.ReferenceName
	// gitDir is the directory holding refs and objects (the common dir of
	// a linked worktree); "" for an in-memory store.
	gitDir string
	// progress receives the remote's progress messages; nil for none.
	progress io.Writer
	commits  commitCache
}

func checkBranch(branch string) (plumbing.ReferenceName, error) {
	if branch == "" || strings.HasPrefix(branch, "refs/") {
		return "", fmt.Errorf("%w: %q", ErrInvalidBranch, branch)
	}
	ref := plumbing.NewBranchReferenceName(branch)
	// DefaultBranch is valid by construction; Validate's regexp would
	// allocate its 32 KB backtracking vector on every open.
	if branch == DefaultBranch {
		return ref, nil
	}
	if err := ref.Validate(); err != nil {
		return "", fmt.Errorf("%w: %q: %w", ErrInvalidBranch, branch, err)
	}
	return ref, nil
}

// InitBare opens the bare repository at path, creating it (the equivalent
// of git init --bare, via go-git) if it does not exist. A new repository's
// HEAD names branch. The branch itself is not created until the first
// commit.
func InitBare(path, branch string) (*Store, error) {
	ref, err := checkBranch(branch)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(path, "HEAD")); err == nil {
		return Open(path, branch)
	}
	_, err = git.PlainInitWithOptions(path, &git.PlainInitOptions{
		InitOptions: git.InitOptions{DefaultBranch: ref},
		Bare:        true,
	})
	if err != nil {
		return nil, fmt.Errorf("gitstore: init bare repository %s: %w", path, err)
	}
	return Open(path, branch)
}

// Open opens an existing repository at path and stores on branch. path is a
// bare repository, a git directory, or a directory inside a work tree (the
// nearest enclosing .git is used). Only the git directory is used: the
// work tree, its index and HEAD are never touched.
func Open(path, branch string) (*Store, error) {
	ref, err := checkBranch(branch)
	if err != nil {
		return nil, err
	}
	gitDir, err := findGitDir(path)
	if err != nil {
		return nil, err
	}
	// A storage that keeps a few packfiles open (otherwise go-git opens
	// the pack again for every object read), opened as a repository with
	// no work tree, as git.PlainOpen opens a bare one.
	st := &renameRefs{
		Storage: filesystem.NewStorageWithOptions(newGitDirFS(gitDir), cache.NewObjectLRUDefault(),
			filesystem.Options{MaxOpenDescriptors: maxOpenPacks}),
		gitDir: gitDir,
	}
	st.packs = &packReader{st: st.Storage}
	repo, err := git.Open(st, nil)
	if err != nil {
		return nil, fmt.Errorf("gitstore: open %s: %w", gitDir, err)
	}
	return &Store{repo: repo, st: st, branch: branch, ref: ref, gitDir: gitDir}, nil
}

// maxOpenPacks bounds the packfiles a Store keeps open between reads.
const maxOpenPacks = 16

// Close releases the packfiles the store keeps open. The Store must not be
// used afterwards. Not calling it leaks at most a few file descriptors.
func (s *Store) Close() error {
	if c, ok := s.st.(interface{ Close() error }); ok {
		if err := c.Close(); err != nil {
			return fmt.Errorf("gitstore: close: %w", err)
		}
	}
	return nil
}

// Branch returns the name of the store's branch.
func (s *Store) Branch() string { return s.branch }

// Tip returns the branch's commit, or the zero Hash if the branch does not
// exist yet.
func (s *Store) Tip(ctx context.Context) (Hash, error) {
	if err := ctx.Err(); err != nil {
		return Hash{}, err
	}
	return s.readRef(s.ref)
}

func (s *Store) readRef(name plumbing.ReferenceName) (Hash, error) {
	ref, err := s.st.Reference(name)
	if errors.Is(err, plumbing.ErrReferenceNotFound) {
		return Hash{}, nil
	}
	if err != nil {
		return Hash{}, fmt.Errorf("gitstore: read %s: %w", name, err)
	}
	if ref.Type() != plumbing.HashReference {
		return Hash{}, fmt.Errorf("gitstore: %s is a symbolic ref", name)
	}
	return fromPlumbing(ref.Hash()), nil
}

// SetTip moves the branch from old to new with compare-and-set: ErrConflict
// if the branch is not at old (a zero old means "the branch must not exist").
// A zero new is refused (branches are not deleted here).
//
// On disk this follows git's own protocol, so it also excludes a concurrent
// git CLI: create "<ref>.lock" exclusively (ErrLocked if it exists), compare,
// write the new id to the lock file, fsync, rename it over the ref. It never
// uses go-git's CheckAndSetReference (go-git issue 2399) and never leaves an
// empty ref file.
func (s *Store) SetTip(ctx context.Context, old, new Hash) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if new.IsZero() {
		return fmt.Errorf("gitstore: set %s: new tip is the zero hash", s.ref)
	}
	if s.gitDir == "" {
		return s.casMemory(old, new)
	}
	return s.casFile(old, new)
}

// casMemory checks then sets: go-git's memory ReferenceStorage has no real
// compare-and-set (a missing ref or a nil old value always passes), and an
// in-memory store has no other writer.
func (s *Store) casMemory(old, new Hash) error {
	cur, err := s.readRef(s.ref)
	if err != nil {
		return err
	}
	if cur != old {
		return fmt.Errorf("%w: %s is at %s, expected %s", ErrConflict, s.ref, short(cur), short(old))
	}
	if err := s.st.SetReference(plumbing.NewHashReference(s.ref, toPlumbing(new))); err != nil {
		return fmt.Errorf("gitstore: set %s: %w", s.ref, err)
	}
	return nil
}

func (s *Store) casFile(old, new Hash) error {
	refPath := filepath.Join(s.gitDir, filepath.FromSlash(s.ref.String()))
	lockPath := refPath + ".lock"
	if err := os.MkdirAll(filepath.Dir(refPath), 0o777); err != nil {
		return fmt.Errorf("gitstore: set %s: %w", s.ref, err)
	}
	f, err := os.OpenFile(lockPath, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o666)
	if errors.Is(err, fs.ErrExist) {
		return &RefLockError{Path: lockPath}
	}
	if err != nil {
		return fmt.Errorf("gitstore: lock %s: %w", s.ref, err)
	}
	// go-git reads the loose ref, else packed-refs; an empty loose file
	// (left by go-git issue 2399) reads as the packed value, as it does
	// everywhere else in go-git, and is replaced by the rename below.
	cur, err := s.readRef(s.ref)
	if err == nil && cur != old {
		err = fmt.Errorf("%w: %s is at %s, expected %s", ErrConflict, s.ref, short(cur), short(old))
	}
	if err != nil {
		f.Close()
		os.Remove(lockPath)
		return err
	}
	if err := writeRef(f, new.String()+"\n", refPath); err != nil {
		os.Remove(lockPath)
		return fmt.Errorf("gitstore: set %s: %w", s.ref, err)
	}
	return nil
}

// RefLockError is a branch ref locked by another writer: git's
// "<ref>.lock" file exists. It matches ErrLocked.
type RefLockError struct {
	Path string // the lock file
}

// Error implements error.
func (e *RefLockError) Error() string { return ErrLocked.Error() + ": " + e.Path + " exists" }

// Is reports whether target is ErrLocked.
func (e *RefLockError) Is(target error) bool { return target == ErrLocked }

// RemoveStaleRefLock removes the branch ref's lock file ("<ref>.lock"),
// left behind when a writer was killed between taking it and renaming it
// into place. It returns the path removed, "" if there was none.
//
// Only call it when no writer can be live: a lock file carries no owner,
// so this cannot tell a dead writer from a slow one. configsync calls it
// while holding its machine lock, on its own store only (see
// docs/decisions.md); for a store shared with git, a *RefLockError tells
// the user which file to remove.
func (s *Store) RemoveStaleRefLock() (string, error) {
	if s.gitDir == "" {
		return "", nil
	}
	lockPath := filepath.Join(s.gitDir, filepath.FromSlash(s.ref.String())) + ".lock"
	err := os.Remove(lockPath)
	switch {
	case err == nil:
		return lockPath, nil
	case errors.Is(err, fs.ErrNotExist):
		return "", nil
	}
	return "", fmt.Errorf("gitstore: remove stale lock: %w", err)
}

// RemoveStaleTempPacks removes, best effort, the temp files a fetch or
// push killed mid-write left in objects/pack (go-git's tmp_pack_* and
// tmp_obj_*) when last modified before before, and returns how many. The
// same caution as RemoveStaleRefLock applies: call it only while no
// writer can be live.
func (s *Store) RemoveStaleTempPacks(before time.Time) int {
	if s.gitDir == "" {
		return 0
	}
	dir := filepath.Join(s.gitDir, "objects", "pack")
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0
	}
	n := 0
	for _, e := range entries {
		name := e.Name()
		if !e.Type().IsRegular() || !strings.HasPrefix(name, "tmp_pack_") && !strings.HasPrefix(name, "tmp_obj_") {
			continue
		}
		if fi, err := e.Info(); err != nil || !fi.ModTime().Before(before) {
			continue
		}
		if os.Remove(filepath.Join(dir, name)) == nil {
			n++
		}
	}
	return n
}

func short(h Hash) string {
	if h.IsZero() {
		return "(none)"
	}
	return h.String()[:12]
}
