package gitstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/storer"
)

// Tree is the flattened file list of one commit's tree. Only blobs with a
// regular or executable mode are files; symlinks and submodules in a tree
// (which configsync never writes) are ignored.
type Tree struct {
	s     *Store
	files []File          // sorted by Path
	index map[string]Hash // Path → Blob
}

// File is one file of a tree.
type File struct {
	// Path is slash-separated and relative to the tree root.
	Path string
	// Blob is the id of the file's content.
	Blob Hash
}

// BlobHash is the id git gives a file holding data.
func BlobHash(data []byte) Hash {
	return fromPlumbing(plumbing.ComputeHash(plumbing.BlobObject, data))
}

// Tree returns the tree of commit; the zero Hash gives the empty tree.
func (s *Store) Tree(ctx context.Context, commit Hash) (*Tree, error) {
	t := &Tree{s: s, index: make(map[string]Hash)}
	if commit.IsZero() {
		return t, nil
	}
	c, err := s.commit(commit)
	if err != nil {
		return nil, err
	}
	if err := s.walkTree(ctx, c.TreeHash, "", t.add); err != nil {
		return nil, err
	}
	sort.Slice(t.files, func(i, j int) bool { return t.files[i].Path < t.files[j].Path })
	return t, nil
}

func (t *Tree) add(path string, blob Hash) {
	t.files = append(t.files, File{Path: path, Blob: blob})
	t.index[path] = blob
}

// walkTree calls fn for every file (regular or executable blob) under the
// tree h, with paths prefixed by prefix.
func (s *Store) walkTree(ctx context.Context, h plumbing.Hash, prefix string, fn func(path string, blob Hash)) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	tree, err := s.tree(h)
	if err != nil {
		return err
	}
	for _, e := range tree.Entries {
		p := prefix + e.Name
		switch e.Mode {
		case filemode.Dir:
			if err := s.walkTree(ctx, e.Hash, p+"/", fn); err != nil {
				return err
			}
		case filemode.Regular, filemode.Executable, filemode.Deprecated:
			fn(p, fromPlumbing(e.Hash))
		}
	}
	return nil
}

// Files returns all files under prefix, sorted by path. prefix names a
// directory ("environments/dev" or "environments/dev/") or a file; ""
// returns every file.
func (t *Tree) Files(prefix string) []File {
	prefix = strings.TrimSuffix(prefix, "/")
	if prefix == "" {
		return append([]File(nil), t.files...)
	}
	i := sort.Search(len(t.files), func(i int) bool { return t.files[i].Path >= prefix })
	var out []File
	for ; i < len(t.files); i++ {
		p := t.files[i].Path
		if !strings.HasPrefix(p, prefix) {
			break
		}
		if p == prefix || p[len(prefix)] == '/' {
			out = append(out, t.files[i])
		}
	}
	return out
}

// Blob returns the blob id of the file at path.
func (t *Tree) Blob(path string) (Hash, bool) {
	h, ok := t.index[path]
	return h, ok
}

// Read returns the content of the file at path; ErrNotFound if there is
// no such file.
func (t *Tree) Read(path string) ([]byte, error) {
	h, ok := t.index[path]
	if !ok {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, path)
	}
	return t.s.readBlobShared(h, true)
}

// ReadBlob returns the content of blob h; ErrNotFound if it is missing.
func (s *Store) ReadBlob(ctx context.Context, h Hash) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return s.readBlobShared(h, true)
}

// ReadBlobShared is ReadBlob for a caller that only reads the content
// and keeps it no longer than it needs: it may be the store's cached
// copy, which must not be changed. A walk of history reads Θ(n²) bytes
// of versions once each; copying them again cost as much as a tenth of
// team remove.
func (s *Store) ReadBlobShared(ctx context.Context, h Hash) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return s.readBlobShared(h, false)
}

// readBlobShared reads blob h; own: the caller gets a copy it may keep
// and change, else possibly the store's cached one.
func (s *Store) readBlobShared(h Hash, own bool) ([]byte, error) {
	obj, err := s.st.EncodedObject(plumbing.BlobObject, toPlumbing(h))
	if err != nil {
		return nil, notFound("blob", h, err)
	}
	if p, ok := obj.(*memObject); ok {
		if !own {
			return p.data[:len(p.data):len(p.data)], nil
		}
		// Already in memory (and cached): a copy of its exact size.
		return bytes.Clone(p.data), nil
	}
	r, err := obj.Reader()
	if err != nil {
		return nil, fmt.Errorf("gitstore: read blob %s: %w", h, err)
	}
	defer r.Close()
	var buf bytes.Buffer
	buf.Grow(int(obj.Size()) + bytes.MinRead)
	if _, err := buf.ReadFrom(r); err != nil {
		return nil, fmt.Errorf("gitstore: read blob %s: %w", h, err)
	}
	return buf.Bytes(), nil
}

// commit is commit h, decoded once for the last few (commitCache).
func (s *Store) commit(h Hash) (*commitInfo, error) {
	if c, ok := s.commits.get(h); ok {
		return c, nil
	}
	oc, err := object.GetCommit(s.st, toPlumbing(h))
	if err != nil {
		return nil, notFound("commit", h, err)
	}
	c := infoOf(oc)
	s.commits.put(h, c.cachedCopy())
	return c, nil
}

// message is c's message, decoded again from st if the cache dropped it.
func (c *commitInfo) message(st storer.EncodedObjectStorer) (string, error) {
	if !c.dropped {
		return c.Message, nil
	}
	oc, err := object.GetCommit(st, c.Hash)
	if err != nil {
		return "", notFound("commit", fromPlumbing(c.Hash), err)
	}
	return oc.Message, nil
}

func (s *Store) tree(h plumbing.Hash) (*object.Tree, error) {
	t, err := object.GetTree(s.st, h)
	if err != nil {
		return nil, notFound("tree", fromPlumbing(h), err)
	}
	return t, nil
}

func notFound(kind string, h Hash, err error) error {
	if errors.Is(err, plumbing.ErrObjectNotFound) {
		return fmt.Errorf("%w: %s %s", ErrNotFound, kind, h)
	}
	return fmt.Errorf("gitstore: read %s %s: %w", kind, h, err)
}
