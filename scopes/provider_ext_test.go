package scopes_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/configsync/configsync/config"
	"github.com/configsync/configsync/providers"
	"github.com/configsync/configsync/scopes"
)

// syncDocs is a provider vault in memory shared by the machines of a
// test; listing fails while signedOut is set.
type syncDocs struct {
	mu        sync.Mutex
	docs      map[string]providers.Item // by title
	content   map[string][]byte         // by id
	version   int
	signedOut bool
}

func (d *syncDocs) Name() string { return `1Password vault "Engineering"` }

func (d *syncDocs) List(ctx context.Context, prefix string) ([]providers.Item, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.signedOut {
		return nil, errors.New("op: you are not signed in")
	}
	var out []providers.Item
	for title, it := range d.docs {
		if strings.HasPrefix(title, prefix) {
			out = append(out, it)
		}
	}
	return out, nil
}

func (d *syncDocs) Read(ctx context.Context, it providers.Item) ([]byte, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	data, ok := d.content[it.ID]
	if !ok {
		return nil, fmt.Errorf("no document %s", it.ID)
	}
	return bytes.Clone(data), nil
}

func (d *syncDocs) Write(ctx context.Context, it providers.Item, data []byte) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.version++
	if it.ID == "" {
		it.ID = fmt.Sprintf("id%d", d.version)
	}
	it.Version = fmt.Sprint(d.version)
	d.docs[it.Title] = it
	d.content[it.ID] = bytes.Clone(data)
	return nil
}

func (d *syncDocs) Delete(ctx context.Context, it providers.Item) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.docs, it.Title)
	delete(d.content, it.ID)
	return nil
}

// get is a document's content by title.
func (d *syncDocs) get(title string) ([]byte, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	it, ok := d.docs[title]
	return d.content[it.ID], ok
}

// edit changes a document as someone outside configsync would.
func (d *syncDocs) edit(title string, data []byte) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.version++
	it := d.docs[title]
	it.Version = fmt.Sprint(d.version)
	d.docs[title] = it
	d.content[it.ID] = data
}

// providerTeam is a team whose machines reach one in-memory 1Password
// vault, Alice's pushes going there.
func providerTeam(t *testing.T) (*syncTeam, *syncDocs) {
	t.Helper()
	st := newSyncTeam(t)
	docs := &syncDocs{docs: map[string]providers.Item{}, content: map[string][]byte{}}
	open := func(kind, location string) (scopes.Backend, error) {
		if kind != config.Provider1Password || location != "Engineering" {
			return nil, fmt.Errorf("unexpected provider %s %q", kind, location)
		}
		return docs, nil
	}
	st.alice.opts.Providers, st.bob.opts.Providers = open, open
	return st, docs
}

const syncDocTitle = "configsync/development/myapp/.env"

func TestProviderSync(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, docs := providerTeam(t)
	a, b := st.alice, st.bob
	if name, err := a.open().ProviderName(); name != "" || err != nil {
		t.Fatalf("provider before one is set = %q, %v", name, err)
	}
	v := a.open()
	v.Config().Secrets = config.Secrets{Provider: config.Provider1Password, OnePassword: config.OnePassword{Vault: "Engineering"}}
	if err := v.SaveConfig(); err != nil {
		t.Fatal(err)
	}
	if name, err := a.open().ProviderName(); name != docs.Name() || err != nil {
		t.Fatalf("provider = %q, %v", name, err)
	}
	a.write(".env", "A=1\nSECRET=doc-secret\n")
	a.write(".env.local", "L=1\n")
	res, err := a.open().Push(ctx, scopes.PushOptions{})
	if err != nil || res.Provider != docs.Name() || len(res.Items) != 2 {
		t.Fatalf("push = %+v, %v", res, err)
	}
	if got, ok := docs.get(syncDocTitle); !ok || string(got) != "A=1\nSECRET=doc-secret\n" {
		t.Fatalf("document = %q, %v", got, ok)
	}

	pres, err := b.open().Pull(ctx, scopes.PullOptions{})
	if err != nil || pres.Provider != docs.Name() || b.read(".env") != "A=1\nSECRET=doc-secret\n" {
		t.Fatalf("pull = %+v, %v", pres, err)
	}
	rep, err := b.open().Verify(ctx, true)
	if err != nil || len(rep.Problems) != 0 || rep.Documents[docs.Name()] != 2 {
		t.Fatalf("verify = %+v, %v", rep, err)
	}

	// A vault that cannot be listed is a warning, its documents unchecked.
	docs.signedOut = true
	rep, err = b.open().Verify(ctx, true)
	if err != nil || len(rep.Warnings) == 0 || len(rep.Problems) != 0 || rep.Documents[docs.Name()] != 0 {
		t.Fatalf("verify signed out = %+v, %v", rep, err)
	}
	docs.signedOut = false

	// A document changed or removed outside configsync: verify finds it,
	// pull refuses it and writes nothing.
	for _, c := range []struct {
		name   string
		change func()
		want   error
	}{
		{"changed", func() { docs.edit(syncDocTitle, []byte("A=1\nSECRET=evil-value\n")) }, scopes.ErrProviderItemChanged},
		{"missing", func() { _ = docs.Delete(ctx, docs.docs[syncDocTitle]) }, scopes.ErrProviderItemMissing},
	} {
		c.change()
		rep, err := b.open().Verify(ctx, true)
		if err != nil || len(rep.Problems) != 1 || !strings.Contains(rep.Problems[0].Path, ".env") {
			t.Fatalf("%s: verify = %+v, %v", c.name, rep, err)
		}
		before := syncSnapshot(t, b.opts.UserHome)
		_, err = b.open().Pull(ctx, scopes.PullOptions{})
		var pe *scopes.ProviderItemError
		if !errors.As(err, &pe) || !errors.Is(err, c.want) || pe.Title != syncDocTitle {
			t.Fatalf("%s: pull = %v", c.name, err)
		}
		syncNoSecret(t, err, "evil-value", "doc-secret")
		syncSameTree(t, before, syncSnapshot(t, b.opts.UserHome))
		// Alice, who has the right version, writes it again with a push
		// of nothing changed; pull works again.
		res, err := a.open().Push(ctx, scopes.PushOptions{})
		if err != nil || res.Commit == "" {
			t.Fatalf("%s: repairing push = %+v, %v", c.name, res, err)
		}
		if got, _ := docs.get(syncDocTitle); string(got) != "A=1\nSECRET=doc-secret\n" {
			t.Fatalf("%s: document after the repair = %q", c.name, got)
		}
		if _, err := b.open().Pull(ctx, scopes.PullOptions{}); err != nil {
			t.Fatalf("%s: pull after the repair = %v", c.name, err)
		}
	}

	// Deleting the item deletes its document, once the store no longer
	// names it.
	a.write(".env", "")
	if err := removeFile(a, ".env.local"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.open().Push(ctx, scopes.PushOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, ok := docs.get("configsync/development/myapp/.env.local"); ok {
		t.Fatal("the document of a deleted item is still in the vault")
	}

	// Deleting the environment deletes the rest.
	if err := a.open().DeleteEnvironment(ctx, "development", nil); err != nil {
		t.Fatal(err)
	}
	if n := len(docs.docs); n != 0 {
		t.Fatalf("%d documents left after the environment was deleted", n)
	}
}

// TestProviderUnreachable: a machine that cannot open the provider
// refuses to pull its items, writing nothing.
func TestProviderUnreachable(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, _ := providerTeam(t)
	a, b := st.alice, st.bob
	v := a.open()
	v.Config().Secrets = config.Secrets{Provider: config.Provider1Password, OnePassword: config.OnePassword{Vault: "Engineering"}}
	if err := v.SaveConfig(); err != nil {
		t.Fatal(err)
	}
	a.write(".env", "A=1\n")
	syncDone(t)(a.open().Push(ctx, scopes.PushOptions{}))
	b.opts.Providers = nil
	before := syncSnapshot(t, b.opts.UserHome)
	_, err := b.open().Pull(ctx, scopes.PullOptions{})
	if err == nil || !strings.Contains(err.Error(), "cannot open") {
		t.Fatalf("pull without the provider = %v", err)
	}
	syncSameTree(t, before, syncSnapshot(t, b.opts.UserHome))
	b.opts.Providers = func(kind, location string) (scopes.Backend, error) {
		return nil, errors.New("op is not installed")
	}
	if _, err := b.open().Pull(ctx, scopes.PullOptions{}); err == nil || !strings.Contains(err.Error(), "op is not installed") {
		t.Fatalf("pull with a broken provider = %v", err)
	}
	syncSameTree(t, before, syncSnapshot(t, b.opts.UserHome))
}
