package gitstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/format/idxfile"
	"github.com/go-git/go-git/v5/plumbing/storer"

	"github.com/configsync/configsync/internal/rofile"
)

// Every fetch leaves one packfile, and go-git looks an object up in each
// pack in turn, reopening those beyond maxOpenPacks: a machine that pulls
// after every commit would pay for its whole history of fetches on every
// read (log -n 5 was 6× slower after 250 one-commit pulls). So once a
// fetch leaves more than maxOpenPacks packs, the small ones are rolled up
// into one, geometrically as git's `repack --geometric=2` does: each pack
// kept is at least twice as big as all smaller ones together, so a roll-up
// rewrites about as many objects as the fetches since the last one
// brought, not the whole history, and there are O(log objects) packs.

// packGeometry is the factor between the sizes of packs kept.
const packGeometry = 2

type packInfo struct {
	hash  plumbing.Hash
	count int64 // objects
	idx   *idxfile.MemoryIndex
}

// CompactPacks rolls up the small packfiles when there are more than
// maxOpenPacks. Call it after a fetch, holding the lock that serialises
// writers, and only on a repository that configsync alone writes (never a
// branch of the user's own repository, whose packs git manages). A reader
// that loses a pack meanwhile re-reads the pack list (see
// renameRefs.EncodedObject).
func (s *Store) CompactPacks(ctx context.Context) error {
	fs, ok := s.st.(*renameRefs)
	if !ok {
		return nil // memory
	}
	hashes, err := fs.ObjectPacks()
	if err != nil || len(hashes) <= maxOpenPacks {
		return err
	}
	packs := make([]packInfo, 0, len(hashes))
	for _, h := range hashes {
		p, err := s.readPackIndex(h)
		if err != nil {
			return err
		}
		packs = append(packs, p)
	}
	roll := rollUp(packs)
	objs, err := s.packObjects(ctx, packs[:roll])
	if err != nil {
		return err
	}
	if err := writePackfile(ctx, s.st.(*renameRefs), objs); err != nil {
		return err
	}
	// The new pack holds every object of the old ones: drop those (a
	// pack that cannot be removed now only costs a lookup).
	for _, p := range packs[:roll] {
		_ = fs.DeleteOldObjectPackAndIndex(p.hash, time.Time{})
	}
	fs.Reindex()
	return nil
}

// rollUp sorts packs by size, smallest first, and returns how many of the
// smallest to roll into one: the fewest after which each pack kept is at
// least packGeometry times all smaller ones together, and at least
// enough that maxOpenPacks or fewer remain.
func rollUp(packs []packInfo) int {
	slices.SortFunc(packs, func(a, b packInfo) int {
		if a.count != b.count {
			return int(a.count - b.count)
		}
		return slices.Compare(a.hash[:], b.hash[:])
	})
	roll := 0
	var sum int64
	for i, p := range packs {
		if p.count < packGeometry*sum {
			roll = i + 1 // p is too small beside those before: roll it too
		}
		sum += p.count
	}
	roll = max(roll, len(packs)-maxOpenPacks+1, 2)
	return min(roll, len(packs))
}

// readPackIndex reads the index of one packfile.
func (s *Store) readPackIndex(h plumbing.Hash) (packInfo, error) {
	f, err := rofile.Open(filepath.Join(s.gitDir, "objects", "pack", "pack-"+h.String()+".idx"))
	if err != nil {
		return packInfo{}, fmt.Errorf("gitstore: read pack index: %w", err)
	}
	defer f.Close()
	idx := idxfile.NewMemoryIndex()
	if err := idxfile.NewDecoder(f).Decode(idx); err != nil {
		return packInfo{}, fmt.Errorf("gitstore: read pack index %s: %w", h, err)
	}
	n, err := idx.Count()
	if err != nil {
		return packInfo{}, err
	}
	return packInfo{hash: h, count: n, idx: idx}, nil
}

// packObjects reads every object of packs, once each.
func (s *Store) packObjects(ctx context.Context, packs []packInfo) ([]plumbing.EncodedObject, error) {
	seen := map[plumbing.Hash]bool{}
	var out []plumbing.EncodedObject
	for _, p := range packs {
		it, err := p.idx.Entries()
		if err != nil {
			return nil, err
		}
		for {
			e, err := it.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				it.Close()
				return nil, err
			}
			if seen[e.Hash] {
				continue
			}
			seen[e.Hash] = true
			if err := ctx.Err(); err != nil {
				it.Close()
				return nil, err
			}
			obj, err := s.st.EncodedObject(plumbing.AnyObject, e.Hash)
			if err != nil {
				it.Close()
				return nil, fmt.Errorf("gitstore: roll up packs: %w", err)
			}
			out = append(out, obj)
		}
		it.Close()
	}
	return out, nil
}

// writePackfile writes objs as one packfile of st (see writePack).
func writePackfile[O plumbing.EncodedObject](ctx context.Context, st storer.PackfileWriter, objs []O) error {
	w, err := st.PackfileWriter()
	if err != nil {
		return fmt.Errorf("gitstore: write pack: %w", err)
	}
	if err := writePack(ctx, w, objs); err != nil {
		_ = w.Close()
		return fmt.Errorf("gitstore: write pack: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("gitstore: write pack: %w", err)
	}
	return nil
}

// goGitObject reads an object through go-git's storage: a read that finds
// its pack gone (rolled up by another configsync meanwhile) re-reads the
// pack list once and tries again.
func (r *renameRefs) goGitObject(t plumbing.ObjectType, h plumbing.Hash) (plumbing.EncodedObject, error) {
	obj, err := r.Storage.EncodedObject(t, h)
	if err != nil && !errors.Is(err, plumbing.ErrObjectNotFound) {
		r.Reindex()
		return r.Storage.EncodedObject(t, h)
	}
	return obj, err
}
