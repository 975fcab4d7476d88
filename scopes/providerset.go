package scopes

import (
	"context"
	"fmt"
	"sync"

	"github.com/configsync/configsync/envfile"
	"github.com/configsync/configsync/providers"
)

// providerSet opens each provider vault once per command and lists each
// environment's items there once; it is safe for concurrent use (pull
// resolves items on every core).
type providerSet struct {
	open OpenBackend

	mu       sync.Mutex
	backends map[string]Backend
	lists    map[listKey]map[string]providers.Item // backend and env → title → item
}

func (ps *providerSet) backend(kind, location string) (Backend, error) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	k := kind + "\x00" + location
	if b, ok := ps.backends[k]; ok {
		return b, nil
	}
	if ps.open == nil {
		return nil, fmt.Errorf("items here live in %s, which this configsync cannot open", kind)
	}
	b, err := ps.open(kind, location)
	if err != nil {
		return nil, err
	}
	if ps.backends == nil {
		ps.backends = map[string]Backend{}
	}
	ps.backends[k] = b
	return b, nil
}

// listKey names one environment's listing in one opened backend.
type listKey struct {
	b   Backend
	env string
}

// items lists the items of one environment in a backend, by title.
func (ps *providerSet) items(ctx context.Context, b Backend, env string, refresh bool) (map[string]providers.Item, error) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	k := listKey{b, env} // not by Name: two Bitwarden servers share "personal"
	if l, ok := ps.lists[k]; ok && !refresh {
		return l, nil
	}
	list, err := b.List(ctx, envTitlePrefix(env))
	if err != nil {
		return nil, err
	}
	byTitle := map[string]providers.Item{}
	for _, it := range list {
		byTitle[it.Title] = it
	}
	if ps.lists == nil {
		ps.lists = map[listKey]map[string]providers.Item{}
	}
	ps.lists[k] = byTitle
	return byTitle, nil
}

// resolve returns item it's content: data itself, or for a pointer the
// content it points to, checked against the pointer's digest. A pointer
// names the document of its own place only, as push writes it.
func (ps *providerSet) resolve(ctx context.Context, env string, it storedItem, data []byte) ([]byte, error) {
	if !isPointer(data) {
		return data, nil
	}
	p, err := decodePointer(data)
	if err != nil {
		return nil, err
	}
	if want := providerTitle(env, it.Project, it.Path); p.Title != want {
		return nil, fmt.Errorf("store item %s/%s points to the document %q, not its own (%s): %w", it.Project, it.Path, p.Title, want, ErrNotStore)
	}
	b, err := ps.backend(p.Provider, p.Location)
	if err != nil {
		return nil, err
	}
	items, err := ps.items(ctx, b, env, false)
	if err != nil {
		return nil, err
	}
	doc, ok := items[p.Title]
	if !ok {
		return nil, &ProviderItemError{Title: p.Title, Vault: b.Name(), Err: ErrProviderItemMissing}
	}
	content, err := b.Read(ctx, doc)
	if err != nil {
		return nil, err
	}
	if sha256Hex(content) != p.SHA256 {
		clear(content)
		return nil, &ProviderItemError{Title: p.Title, Vault: b.Name(), Err: ErrProviderItemChanged}
	}
	return content, nil
}

// sendToProvider writes the content of each pending item to the
// provider and puts a pointer in its place for the store. undo puts back
// what it replaced, as far as it can: the content push read from the
// store, or no document for an item the store did not hold.
func (ps *providerSet) sendToProvider(ctx context.Context, b Backend, kind, location, env string, todo []*pending) (undo func(), err error) {
	var undos []func()
	undo = func() {
		// A fresh context: the push's own may be what was cancelled.
		ctx := context.WithoutCancel(ctx)
		for i := len(undos) - 1; i >= 0; i-- {
			undos[i]()
		}
		_, _ = ps.items(ctx, b, env, true)
	}
	existing, err := ps.items(ctx, b, env, true)
	if err != nil {
		return undo, err
	}
	for _, p := range todo {
		title := providerTitle(env, p.it.Project, p.it.Path)
		it, ok := existing[title]
		if !ok {
			it = providers.Item{Title: title}
		}
		if err := b.Write(ctx, it, p.data); err != nil {
			return undo, err
		}
		switch old := p.old; {
		case !ok:
			undos = append(undos, func() { ps.deleteCreated(ctx, b, env, title) })
		case old != nil:
			undos = append(undos, func() { _ = b.Write(context.WithoutCancel(ctx), it, old) })
		}
	}
	// The versions the writes made: a later push that finds another one
	// knows the document was written by someone else, and writes it again.
	written, err := ps.items(ctx, b, env, true)
	if err != nil {
		return undo, err
	}
	for _, p := range todo {
		title := providerTitle(env, p.it.Project, p.it.Path)
		p.doc = &pointer{Provider: kind, Location: location, Title: title, Version: written[title].Version, SHA256: sha256Hex(p.data)}
		if p.it.Type == TypeEnv {
			if f, err := envfile.Parse(p.display, p.data); err == nil {
				p.doc.Keys = f.Keys() // parsed again: push drops it once planned
			}
		}
		if p.sealed, err = p.doc.encode(); err != nil {
			return undo, err
		}
	}
	return undo, nil
}

// rewrites picks, among items unchanged here since they were last
// synced, those whose document is gone or was written by someone else
// since: their content, which the store vouches for, is written again.
// A store with no provider items runs nothing.
func (ps *providerSet) rewrites(ctx context.Context, env string, unchanged []*pending) ([]*pending, error) {
	var out []*pending
	for _, p := range unchanged {
		b, err := ps.backend(p.lastDoc.Provider, p.lastDoc.Location)
		if err != nil {
			return nil, err
		}
		items, err := ps.items(ctx, b, env, false)
		if err != nil {
			return nil, err
		}
		if it, ok := items[p.lastDoc.Title]; !ok || it.Version != p.lastDoc.Version {
			p.rewrite = true
			out = append(out, p)
		}
	}
	return out, nil
}

// deleteCreated deletes a document push created, found by its title.
func (ps *providerSet) deleteCreated(ctx context.Context, b Backend, env, title string) {
	ctx = context.WithoutCancel(ctx)
	items, err := ps.items(ctx, b, env, true)
	if it, ok := items[title]; err == nil && ok {
		_ = b.Delete(ctx, it)
	}
}

func (ps *providerSet) deleteDocument(ctx context.Context, env string, p *pointer) error {
	b, err := ps.backend(p.Provider, p.Location)
	if err != nil {
		return err
	}
	items, err := ps.items(ctx, b, env, false)
	if err != nil {
		return err
	}
	if it, ok := items[p.Title]; ok {
		return b.Delete(ctx, it)
	}
	return nil
}

// providerVault names the vault of a document, "" if it cannot be opened
// (resolve reports why).
func (ps *providerSet) providerVault(d *docState) string {
	b, err := ps.backend(d.Provider, d.Location)
	if err != nil {
		return ""
	}
	return b.Name()
}
