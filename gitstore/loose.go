package gitstore

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/configsync/configsync/internal/loose"
	"github.com/configsync/configsync/internal/rofile"
)

// go-git reads a loose object through its billy file system, which
// resolves every path component for symlinks (an lstat each) to look it
// up, and then again to open it: on a store of small commits, where the
// objects inject reads are loose, that was a third of the command's own
// work (docs/perf.md). readLoose opens objects/xx/yyyy in the git
// directory directly and inflates it, as git does.

// readLoose reads the loose object h; ok is false when there is none.
func (r *renameRefs) readLoose(h plumbing.Hash) (packed, bool, error) {
	hex := h.String()
	f, err := rofile.Open(filepath.Join(r.gitDir, "objects", hex[:2], hex[2:]))
	if errors.Is(err, fs.ErrNotExist) {
		return packed{}, false, nil
	}
	if err != nil {
		return packed{}, false, err
	}
	defer f.Close()
	o, err := inflateLoose(f)
	if err != nil {
		return packed{}, false, fmt.Errorf("gitstore: loose object %s: %w", hex, err)
	}
	return o, true, nil
}

// inflateLoose decodes a loose object file (internal/loose) of one of
// git's object types.
func inflateLoose(src io.Reader) (packed, error) {
	kind, data, err := loose.Read(src)
	if err != nil {
		return packed{}, err
	}
	typ, err := plumbing.ParseObjectType(kind)
	if err != nil || !typ.Valid() {
		return packed{}, errors.New("bad header")
	}
	return packed{typ: typ, data: data}, nil
}

// loose reads the loose object h through the cache of objects read: a
// walk reads a tree unchanged between commits again and again.
func (p *packReader) loose(r *renameRefs, h plumbing.Hash) (plumbing.EncodedObject, bool, error) {
	p.mu.Lock()
	o, ok := p.cache.m[h]
	p.mu.Unlock()
	if ok {
		return &memObject{h, o}, true, nil
	}
	o, ok, err := r.readLoose(h)
	if !ok || err != nil {
		return nil, false, err
	}
	p.mu.Lock()
	p.cache.put(h, o)
	p.mu.Unlock()
	return &memObject{h, o}, true, nil
}
