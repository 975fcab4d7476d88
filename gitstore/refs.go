package gitstore

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/storage/filesystem"
)

// renameRefs is the on-disk storage with one change: SetReference writes
// the ref to a temporary file and renames it into place. go-git truncates
// the ref file and then writes it (go-git issue 2399), so a process killed
// in between leaves an empty ref that git fsck reports as a broken
// 0000000… pointer. Fetch and push set the remote-tracking ref this way;
// the branch itself goes through casFile.
type renameRefs struct {
	*filesystem.Storage
	gitDir string
	packs  *packReader
}

// CheckAndSetReference implements storer.ReferenceStorer: go-git's fetch
// updates refs through it. The check and the rename are not one atomic
// step; the refs written here are the remote-tracking refs, which only
// configsync writes, under its machine lock.
func (r *renameRefs) CheckAndSetReference(new, old *plumbing.Reference) error {
	if old != nil {
		cur, err := r.Storage.Reference(new.Name())
		if err != nil && !errors.Is(err, plumbing.ErrReferenceNotFound) {
			return err
		}
		if cur != nil && cur.Hash() != old.Hash() {
			return fmt.Errorf("gitstore: set %s: reference has changed concurrently", new.Name())
		}
	}
	return r.SetReference(new)
}

// SetReference implements storer.ReferenceStorer.
func (r *renameRefs) SetReference(ref *plumbing.Reference) error {
	var content string
	switch ref.Type() {
	case plumbing.HashReference:
		content = ref.Hash().String() + "\n"
	case plumbing.SymbolicReference:
		content = "ref: " + ref.Target().String() + "\n"
	default:
		return fmt.Errorf("gitstore: set %s: invalid reference", ref.Name())
	}
	refPath := filepath.Join(r.gitDir, filepath.FromSlash(ref.Name().String()))
	if err := os.MkdirAll(filepath.Dir(refPath), 0o777); err != nil {
		return fmt.Errorf("gitstore: set %s: %w", ref.Name(), err)
	}
	// The temporary file sits beside the git directory's top-level files,
	// outside refs/, so that no ref listing (git's or go-git's) sees it
	// if the process dies before the rename.
	f, err := os.CreateTemp(r.gitDir, "configsync-ref-*")
	if err != nil {
		return fmt.Errorf("gitstore: set %s: %w", ref.Name(), err)
	}
	if err := writeRef(f, content, refPath); err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("gitstore: set %s: %w", ref.Name(), err)
	}
	return nil
}

// writeRef writes content to f, flushes it to disk and renames it to
// refPath, so that refPath holds either its old or its new content.
func writeRef(f *os.File, content, refPath string) error {
	if _, err := f.WriteString(content); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), refPath)
}

// EncodedObject implements storer.EncodedObjectStorer: a loose object
// read directly (loose.go), a packed one through packReader
// (packread.go), which does not load every pack index whole; go-git for
// anything else (alternates, a delta whose base is in another pack).
func (r *renameRefs) EncodedObject(t plumbing.ObjectType, h plumbing.Hash) (plumbing.EncodedObject, error) {
	if r.packs == nil {
		return r.goGitObject(t, h)
	}
	// Packs listed, then loose, then packs listed again (a fetch or a
	// roll-up since), then go-git (a delta whose base is in another pack,
	// a pack being written). A damaged loose object is an error; a pack
	// read error is left to go-git.
	obj, ok, err := r.packs.find(h)
	if err != nil {
		return r.goGitObject(t, h)
	}
	if !ok {
		if obj, ok, err = r.packs.loose(r, h); err != nil {
			return nil, err
		}
	}
	if !ok {
		if obj, ok, err = r.packs.get(h); err != nil || !ok {
			return r.goGitObject(t, h)
		}
	}
	if t != plumbing.AnyObject && obj.Type() != t {
		return nil, plumbing.ErrObjectNotFound
	}
	return obj, nil
}

// Close releases the packs both readers keep open.
func (r *renameRefs) Close() error {
	if r.packs != nil {
		r.packs.mu.Lock()
		r.packs.close()
		r.packs.mu.Unlock()
	}
	return r.Storage.Close()
}
