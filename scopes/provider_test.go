package scopes

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/configsync/configsync/config"
	"github.com/configsync/configsync/gitstore"
	"github.com/configsync/configsync/internal/testkeys"
	"github.com/configsync/configsync/keyring"
	"github.com/configsync/configsync/providers"
)

// memBackend is a provider vault in memory; a Write of the title
// failWrite fails.
type memBackend struct {
	mu        sync.Mutex
	docs      map[string]providers.Item // by title
	content   map[string][]byte         // by id
	versions  map[string]int            // by id
	calls     []string
	failWrite string
}

func newMemBackend() *memBackend {
	return &memBackend{docs: map[string]providers.Item{}, content: map[string][]byte{}, versions: map[string]int{}}
}

func (m *memBackend) Name() string { return `1Password vault "Engineering"` }

func (m *memBackend) List(ctx context.Context, prefix string) ([]providers.Item, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls = append(m.calls, "list "+prefix)
	var out []providers.Item
	for title, it := range m.docs {
		if strings.HasPrefix(title, prefix) {
			it.Version = fmt.Sprint(m.versions[it.ID])
			out = append(out, it)
		}
	}
	slices.SortFunc(out, func(a, b providers.Item) int { return strings.Compare(a.Title, b.Title) })
	return out, nil
}

func (m *memBackend) Read(ctx context.Context, it providers.Item) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls = append(m.calls, "read "+it.Title)
	data, ok := m.content[it.ID]
	if !ok {
		return nil, fmt.Errorf("no document %s", it.ID)
	}
	return bytes.Clone(data), nil
}

func (m *memBackend) Write(ctx context.Context, it providers.Item, data []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls = append(m.calls, "write "+it.Title)
	if it.Title == m.failWrite {
		return errors.New("op document edit: connection reset")
	}
	if it.ID == "" {
		it.ID = fmt.Sprintf("id%d", len(m.docs)+len(m.calls))
		m.docs[it.Title] = it
	}
	m.content[it.ID] = bytes.Clone(data)
	m.versions[it.ID]++
	return nil
}

func (m *memBackend) Delete(ctx context.Context, it providers.Item) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls = append(m.calls, "delete "+it.Title)
	delete(m.docs, it.Title)
	delete(m.content, it.ID)
	return nil
}

func (m *memBackend) get(title string) ([]byte, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	it, ok := m.docs[title]
	if !ok {
		return nil, false
	}
	return m.content[it.ID], true
}

// set changes a document as someone outside configsync would.
func (m *memBackend) set(title string, data []byte) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.content[m.docs[title].ID] = data
	m.versions[m.docs[title].ID]++
}

func (m *memBackend) takeCalls() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	c := m.calls
	m.calls = nil
	return c
}

// providerVault is a store whose development items go to mem: Alice's
// vault (home), and the project directory with .env and .env.local.
type providerVault struct {
	mem  *memBackend
	open func() *Session
	dir  string
}

func newProviderVault(t *testing.T) *providerVault {
	t.Helper()
	ctx := context.Background()
	alice, err := keyring.ReadPrivateKey(testkeys.Alice(), nil)
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	pv := &providerVault{mem: newMemBackend()}
	opts := Options{
		Home: filepath.Join(root, "cs"), UserHome: filepath.Join(root, "home"), Now: testkeys.Now,
		Identity: func() (*keyring.PrivateKey, error) { return alice, nil },
		Providers: func(kind, location string) (Backend, error) {
			if kind != config.Provider1Password || location != "Engineering" {
				return nil, fmt.Errorf("unexpected provider %s %q", kind, location)
			}
			return pv.mem, nil
		},
	}
	pv.open = func() *Session {
		v, err := Open(ctx, opts)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	v := pv.open()
	if _, err := v.Init(ctx, InitOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := pv.open().CreateEnvironment(ctx, "development", TierDev, false); err != nil {
		t.Fatal(err)
	}
	if _, err := pv.open().UseEnvironment(ctx, "development"); err != nil {
		t.Fatal(err)
	}
	v = pv.open()
	v.Config().Secrets = config.Secrets{Provider: config.Provider1Password, OnePassword: config.OnePassword{Vault: "Engineering"}}
	if err := v.SaveConfig(); err != nil {
		t.Fatal(err)
	}
	pv.dir = filepath.Join(opts.UserHome, "git", "myapp")
	pv.write(t, ".env", "A=1\nSECRET=hunter2-secret\n")
	pv.write(t, ".env.local", "B=2\n")
	if _, err := pv.open().AddEnv(pv.dir, ""); err != nil {
		t.Fatal(err)
	}
	return pv
}

func (pv *providerVault) write(t *testing.T, name, body string) {
	t.Helper()
	if err := os.MkdirAll(pv.dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(pv.dir, name), []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
}

// storeHolds reports whether any blob of the store's tip holds s.
func storeHolds(t *testing.T, v *Session, s string) bool {
	t.Helper()
	ctx := context.Background()
	snap, err := v.load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range snap.tree.Files("") {
		data, err := v.store.ReadBlob(ctx, f.Blob)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(data, []byte(s)) {
			return true
		}
	}
	return false
}

func TestProviderPushPull(t *testing.T) {
	ctx := context.Background()
	pv := newProviderVault(t)
	res, err := pv.open().Push(ctx, PushOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Provider != `1Password vault "Engineering"` || len(res.Items) != 2 {
		t.Fatalf("push = %+v", res)
	}
	got, ok := pv.mem.get("configsync/development/myapp/.env")
	if !ok || string(got) != "A=1\nSECRET=hunter2-secret\n" {
		t.Fatalf("document .env = %q, %v", got, ok)
	}
	if _, ok := pv.mem.get("configsync/development/myapp/.env.local"); !ok {
		t.Fatal("no document for .env.local")
	}
	if storeHolds(t, pv.open(), "hunter2") {
		t.Fatal("the store holds a value of a provider item")
	}

	// Nothing changed: one listing of the vault (are the documents still
	// the ones pushed?), nothing read or written.
	pv.mem.takeCalls()
	if res, err := pv.open().Push(ctx, PushOptions{}); err != nil || len(res.Items) != 0 {
		t.Fatalf("second push = %+v, %v", res, err)
	}
	if calls := pv.mem.takeCalls(); !slices.Equal(calls, []string{"list configsync/development/"}) {
		t.Fatalf("a push with nothing changed called the provider: %v", calls)
	}

	// Pull elsewhere, inject: the contents come from the provider.
	dest := t.TempDir()
	pres, err := pv.open().Pull(ctx, PullOptions{Project: "myapp", Dest: dest})
	if err != nil {
		t.Fatal(err)
	}
	if pres.Provider != `1Password vault "Engineering"` || len(pres.Items) != 2 {
		t.Fatalf("pull = %+v", pres)
	}
	if b, err := os.ReadFile(filepath.Join(dest, ".env")); err != nil || string(b) != "A=1\nSECRET=hunter2-secret\n" {
		t.Fatalf("pulled .env = %q, %v", b, err)
	}
	_, vars, err := pv.open().Variables(ctx, VariablesOptions{Project: "myapp"})
	if err != nil {
		t.Fatal(err)
	}
	if len(vars) != 3 {
		t.Fatalf("variables = %d, want 3", len(vars))
	}

	// An update replaces the document's content.
	pv.write(t, ".env", "A=1\nSECRET=rotated-secret\n")
	if _, err := pv.open().Push(ctx, PushOptions{}); err != nil {
		t.Fatal(err)
	}
	if got, _ := pv.mem.get("configsync/development/myapp/.env"); string(got) != "A=1\nSECRET=rotated-secret\n" {
		t.Fatalf("document after update = %q", got)
	}
	rep, err := pv.open().Status(ctx, "", "")
	if err != nil {
		t.Fatal(err)
	}
	for _, is := range rep.Items {
		if is.State != StateUpToDate {
			t.Fatalf("status %s: %s", is.Display, is.State)
		}
	}

	// A deleted file deletes its document, once the store no longer
	// names it.
	if err := os.Remove(filepath.Join(pv.dir, ".env.local")); err != nil {
		t.Fatal(err)
	}
	if _, err := pv.open().Push(ctx, PushOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, ok := pv.mem.get("configsync/development/myapp/.env.local"); ok {
		t.Fatal(".env.local still in the vault after its deletion was pushed")
	}

	// Deleting the environment deletes its documents.
	if err := pv.open().DeleteEnvironment(ctx, "development", nil); err != nil {
		t.Fatal(err)
	}
	if left, _ := pv.mem.List(ctx, "configsync/"); len(left) != 0 {
		t.Fatalf("documents left after env delete: %v", left)
	}
}

// A document changed or removed outside configsync is refused on read,
// naming the document, and pull writes nothing.
func TestProviderTampered(t *testing.T) {
	ctx := context.Background()
	pv := newProviderVault(t)
	if _, err := pv.open().Push(ctx, PushOptions{}); err != nil {
		t.Fatal(err)
	}
	pv.mem.set("configsync/development/myapp/.env", []byte("A=1\nSECRET=evil\n"))
	dest := t.TempDir()
	_, err := pv.open().Pull(ctx, PullOptions{Project: "myapp", Dest: dest})
	var pe *ProviderItemError
	if !errors.As(err, &pe) || !errors.Is(err, ErrProviderItemChanged) || pe.Title != "configsync/development/myapp/.env" {
		t.Fatalf("pull of a changed document: %v", err)
	}
	if strings.Contains(err.Error(), "evil") || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("error shows a value: %v", err)
	}
	if entries, _ := os.ReadDir(dest); len(entries) != 0 {
		t.Fatalf("pull wrote %d files after a refusal", len(entries))
	}
	if _, _, err := pv.open().Variables(ctx, VariablesOptions{Project: "myapp"}); !errors.Is(err, ErrProviderItemChanged) {
		t.Fatalf("variables of a changed document: %v", err)
	}

	// The machine that has the right version repairs it with a push.
	res, err := pv.open().Push(ctx, PushOptions{})
	if err != nil || len(res.Items) != 1 || res.Items[0].Path != ".env" {
		t.Fatalf("push after the document changed = %+v, %v", res, err)
	}
	if got, _ := pv.mem.get("configsync/development/myapp/.env"); string(got) != "A=1\nSECRET=hunter2-secret\n" {
		t.Fatalf("document after the repairing push = %q", got)
	}
	if _, err := pv.open().Pull(ctx, PullOptions{Project: "myapp", Dest: dest}); err != nil {
		t.Fatalf("pull after the repair: %v", err)
	}

	if err := pv.mem.Delete(ctx, pv.mem.docs["configsync/development/myapp/.env"]); err != nil {
		t.Fatal(err)
	}
	if _, err := pv.open().Pull(ctx, PullOptions{Project: "myapp", Dest: t.TempDir()}); !errors.Is(err, ErrProviderItemMissing) {
		t.Fatalf("pull of a missing document: %v", err)
	}
	if _, err := pv.open().Push(ctx, PushOptions{}); err != nil {
		t.Fatal(err)
	}
	if got, ok := pv.mem.get("configsync/development/myapp/.env"); !ok || string(got) != "A=1\nSECRET=hunter2-secret\n" {
		t.Fatalf("document after a push that found it missing = %q, %v", got, ok)
	}
}

// A push that fails half way puts the vault back as it was and leaves the
// store alone.
func TestProviderPushFailsLosesNothing(t *testing.T) {
	ctx := context.Background()
	pv := newProviderVault(t)
	if _, err := pv.open().Push(ctx, PushOptions{}); err != nil {
		t.Fatal(err)
	}
	tip := func() string {
		snap, err := pv.open().load(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return snap.tip.String()
	}
	before := tip()
	// In push order: .env and .env.local change, .env.development is
	// new, and the new .env.production fails.
	pv.write(t, ".env", "A=1\nSECRET=changed\n")
	pv.write(t, ".env.development", "DEV=1\n")
	pv.write(t, ".env.local", "B=3\n")
	pv.write(t, ".env.production", "NEW=1\n")
	pv.mem.failWrite = "configsync/development/myapp/.env.production"
	pv.mem.takeCalls()
	if _, err := pv.open().Push(ctx, PushOptions{}); err == nil || !strings.Contains(err.Error(), "connection reset") {
		t.Fatalf("push with a failing provider: %v", err)
	}
	if got := tip(); got != before {
		t.Fatalf("the store moved from %s to %s", before, got)
	}
	if got, _ := pv.mem.get("configsync/development/myapp/.env"); string(got) != "A=1\nSECRET=hunter2-secret\n" {
		t.Fatalf(".env document not put back: %q", got)
	}
	if got, _ := pv.mem.get("configsync/development/myapp/.env.local"); string(got) != "B=2\n" {
		t.Fatalf(".env.local document not put back: %q", got)
	}
	if _, ok := pv.mem.get("configsync/development/myapp/.env.development"); ok {
		t.Fatal("a document created by the failed push is still there")
	}
	calls := strings.Join(pv.mem.takeCalls(), "\n")
	if !strings.Contains(calls, "write configsync/development/myapp/.env.development") {
		t.Fatalf("the push did not get as far as creating a document:\n%s", calls)
	}
	pv.mem.failWrite = ""
	if _, err := pv.open().Pull(ctx, PullOptions{Project: "myapp", Dest: t.TempDir()}); err != nil {
		t.Fatalf("pull after a failed push: %v", err)
	}
}

// The exposure report names a provider item's keys from its pointer,
// without reading the provider.
func TestPointerKeys(t *testing.T) {
	p := pointer{Provider: config.Provider1Password, Location: "Engineering", Title: "configsync/development/myapp/.env", SHA256: sha256Hex([]byte("A=1\n")), Keys: []string{"A", "SECRET"}}
	data, err := p.encode()
	if err != nil {
		t.Fatal(err)
	}
	if !isPointer(data) || isPointer([]byte("A=1\n")) {
		t.Fatal("isPointer")
	}
	if got := keysOf(data); !slices.Equal(got, []string{"A", "SECRET"}) {
		t.Fatalf("keysOf(pointer) = %v", got)
	}
	if got := keysOf([]byte("X=1\nY=2\n")); !slices.Equal(got, []string{"X", "Y"}) {
		t.Fatalf("keysOf(dotenv) = %v", got)
	}
}

// Removing a member rotates the environment (pointers re-encrypted, the
// documents untouched) and names the keys of provider items they could
// read, from the pointers alone.
func TestProviderTeamRemove(t *testing.T) {
	ctx := context.Background()
	pv := newProviderVault(t)
	bob, err := keyring.ReadPrivateKey(testkeys.Bob(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pv.open().TeamAdd(ctx, bob.Public(), []Tier{TierDev}, false, false); err != nil {
		t.Fatal(err)
	}
	if _, err := pv.open().Push(ctx, PushOptions{}); err != nil {
		t.Fatal(err)
	}
	pv.mem.takeCalls()
	rep, err := pv.open().TeamRemove(ctx, "bob@example.com")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, x := range rep.Exposed {
		got = append(got, x.Item+": "+strings.Join(x.Keys, ", "))
	}
	want := []string{"myapp/.env: A, SECRET", "myapp/.env.local: B"}
	if !slices.Equal(got, want) {
		t.Fatalf("exposed = %q, want %q", got, want)
	}
	if calls := pv.mem.takeCalls(); len(calls) != 0 {
		t.Fatalf("team remove called the provider: %v", calls)
	}
	if _, err := pv.open().Pull(ctx, PullOptions{Project: "myapp", Dest: t.TempDir()}); err != nil {
		t.Fatalf("pull after the rotation: %v", err)
	}
}

// A pointer names its own document only: one signed for .env that names
// .env.local's document is refused.
func TestPointerNamesItsOwnDocument(t *testing.T) {
	ctx := context.Background()
	pv := newProviderVault(t)
	if _, err := pv.open().Push(ctx, PushOptions{}); err != nil {
		t.Fatal(err)
	}
	v := pv.open()
	snap, err := v.load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	env, _ := snap.env("development")
	alice, _ := v.identity()
	local, _ := pv.mem.get("configsync/development/myapp/.env.local")
	p := pointer{Provider: config.Provider1Password, Location: "Engineering", Title: "configsync/development/myapp/.env.local", SHA256: sha256Hex(local)}
	data, err := p.encode()
	if err != nil {
		t.Fatal(err)
	}
	ct, _, err := keyring.EncryptBound(data, []*keyring.PublicKey{mustEnvPub(t, v, snap, env)}, alice, testkeys.Now(), itemBinding(env.Name, "myapp", ".env"))
	if err != nil {
		t.Fatal(err)
	}
	// A member of the tier writes it, with a valid index: only the
	// pointer's check stops it.
	me, _ := snap.member(alice.Fingerprint())
	if _, err := v.commit(ctx, snap, []gitstore.Change{{Path: itemStorePath(env.Name, "myapp", ".env"), Data: ct}}, me, "point elsewhere"); err != nil {
		t.Fatal(err)
	}
	_, _, err = pv.open().Variables(ctx, VariablesOptions{Project: "myapp"})
	if !errors.Is(err, ErrNotStore) || !strings.Contains(err.Error(), `points to the document "configsync/development/myapp/.env.local"`) {
		t.Fatalf("variables with a pointer to another document: %v", err)
	}
}

func mustEnvPub(t *testing.T, v *Session, snap *snapshot, env Environment) *keyring.PublicKey {
	t.Helper()
	id, err := v.identity()
	if err != nil {
		t.Fatal(err)
	}
	pub, err := v.envOf(snap, env, id).publicKey()
	if err != nil {
		t.Fatal(err)
	}
	return pub
}

// Back to the git provider: a changed item moves into the store, an
// unchanged one keeps working from the vault.
func TestProviderSwitchBackToGit(t *testing.T) {
	ctx := context.Background()
	pv := newProviderVault(t)
	if _, err := pv.open().Push(ctx, PushOptions{}); err != nil {
		t.Fatal(err)
	}
	v := pv.open()
	v.Config().Secrets = config.Secrets{Provider: config.ProviderGit}
	if err := v.SaveConfig(); err != nil {
		t.Fatal(err)
	}
	pv.write(t, ".env", "A=1\nSECRET=in-the-store-now\n")
	res, err := pv.open().Push(ctx, PushOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Provider != "" || len(res.Items) != 1 {
		t.Fatalf("push = %+v", res)
	}
	if got, _ := pv.mem.get("configsync/development/myapp/.env"); string(got) != "A=1\nSECRET=hunter2-secret\n" {
		t.Fatalf("the vault's document changed: %q", got)
	}
	pv.mem.takeCalls()
	dest := t.TempDir()
	if _, err := pv.open().Pull(ctx, PullOptions{Project: "myapp", Dest: dest}); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(dest, ".env")); string(b) != "A=1\nSECRET=in-the-store-now\n" {
		t.Fatalf("pulled .env = %q", b)
	}
	if b, _ := os.ReadFile(filepath.Join(dest, ".env.local")); string(b) != "B=2\n" {
		t.Fatalf("pulled .env.local = %q", b)
	}
	calls := pv.mem.takeCalls()
	if slices.Contains(calls, "read configsync/development/myapp/.env") || !slices.Contains(calls, "read configsync/development/myapp/.env.local") {
		t.Fatalf("provider calls of the pull: %v", calls)
	}
}
