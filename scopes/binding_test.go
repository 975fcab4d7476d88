package scopes

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/configsync/configsync/gitstore"
	"github.com/configsync/configsync/internal/testkeys"
	"github.com/configsync/configsync/keyring"
)

// legacyVault is a store with development pushed by Alice, then rewritten
// as configsync wrote it before signatures named their place: the
// environment key and every item signed with no binding.
func legacyVault(t *testing.T) (*Vault, string) {
	t.Helper()
	ctx := context.Background()
	alice, err := keyring.ReadPrivateKey(testkeys.Alice(), nil)
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	opts := Options{
		Home: filepath.Join(root, "cs"), UserHome: filepath.Join(root, "home"), Now: testkeys.Now,
		Identity: func() (*keyring.PrivateKey, error) { return alice, nil },
	}
	open := func() *Vault {
		v, err := Open(ctx, opts)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	if _, err := open().Init(ctx, InitOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := open().CreateEnvironment(ctx, "development", TierDev, false); err != nil {
		t.Fatal(err)
	}
	if _, err := open().UseEnvironment(ctx, "development"); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(opts.UserHome, "git", "myapp")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	for name, body := range map[string]string{".env": "A=1\nSECRET=one\n", ".env.local": "B=2\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := open().AddEnv(dir, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := open().Push(ctx, PushOptions{}); err != nil {
		t.Fatal(err)
	}

	v := open()
	snap, err := v.load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	env, _ := snap.env("development")
	key, err := v.envKey(snap, env, alice)
	if err != nil {
		t.Fatal(err)
	}
	secret, err := key.Serialize()
	if err != nil {
		t.Fatal(err)
	}
	wrapped, _, err := keyring.Encrypt(secret, []*keyring.PublicKey{alice.Public()}, alice, testkeys.Now())
	if err != nil {
		t.Fatal(err)
	}
	changes := []gitstore.Change{{Path: envDir(env.Name) + "/" + envPrivateKeyFile, Data: wrapped}}
	stored, _ := snap.storedItems(env.Name, "", "")
	for _, s := range stored {
		plain, err := v.decryptItem(ctx, snap, env, key, s)
		if err != nil {
			t.Fatal(err)
		}
		ct, _, err := keyring.Encrypt(plain, []*keyring.PublicKey{key.Public()}, alice, testkeys.Now())
		if err != nil {
			t.Fatal(err)
		}
		changes = append(changes, gitstore.Change{Path: itemStorePath(env.Name, s.Project, s.Path), Data: ct})
	}
	if _, err := v.store.Commit(ctx, snap.tip, changes, gitstore.Signature{Name: "Alice", Email: "alice@example.com", When: testkeys.Now()}, "written before bindings"); err != nil {
		t.Fatal(err)
	}
	return open(), dir
}

// commitSwap swaps two items' blobs with a plain commit.
func commitSwap(t *testing.T, v *Vault, a, b string) {
	t.Helper()
	ctx := context.Background()
	tip, _ := v.store.Tip(ctx)
	tree, err := v.store.Tree(ctx, tip)
	if err != nil {
		t.Fatal(err)
	}
	da, _ := tree.Read(a)
	db, _ := tree.Read(b)
	if _, err := v.store.Commit(ctx, tip, []gitstore.Change{{Path: a, Data: db}, {Path: b, Data: da}}, gitstore.Signature{Name: "M", Email: "m@example.com", When: testkeys.Now()}, "swap"); err != nil {
		t.Fatal(err)
	}
}

// TestLegacyItems: a store written before bindings stays readable; verify
// says to rotate; rotation binds everything, after which an unbound item
// is refused (docs/decisions.md, "Signatures bound to their place").
func TestLegacyItems(t *testing.T) {
	ctx := context.Background()
	v, _ := legacyVault(t)
	dest := t.TempDir()
	if _, err := v.Pull(ctx, PullOptions{Project: "myapp", Dest: dest}); err != nil {
		t.Fatalf("legacy pull: %v", err)
	}
	if got, _ := os.ReadFile(filepath.Join(dest, ".env")); string(got) != "A=1\nSECRET=one\n" {
		t.Fatalf("legacy pull restored %q", got)
	}
	rep, err := v.Verify(ctx)
	if err != nil || len(rep.Problems) != 0 {
		t.Fatalf("verify legacy: %v, %v", rep.Problems, err)
	}
	if len(rep.Warnings) != 1 || !strings.Contains(rep.Warnings[0], "configsync env rotate development") {
		t.Fatalf("verify warnings = %q", rep.Warnings)
	}

	// In a legacy environment a swap of two items is not caught by pull
	// (their signatures name no place), but verify reports it.
	items := envItemsDir("development") + "/myapp/"
	commitSwap(t, v, items+".env.pgp", items+".env.local.pgp")
	rep, err = v.Verify(ctx)
	if err != nil || len(rep.Problems) != 2 || !strings.Contains(rep.Problems[0].Reason, "is a copy of") {
		t.Fatalf("verify after swap: %v, %v", rep.Problems, err)
	}
	commitSwap(t, v, items+".env.pgp", items+".env.local.pgp")

	// Rotation binds the key and every item.
	if _, err := v.RotateEnvironment(ctx, "development"); err != nil {
		t.Fatal(err)
	}
	snap, err := v.load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	env, _ := snap.env("development")
	id, _ := v.identity()
	key, err := v.envKey(snap, env, id)
	if err != nil || !snap.isBound("development") {
		t.Fatalf("after rotate: bound=%v, %v", snap.isBound("development"), err)
	}
	if _, err := v.Pull(ctx, PullOptions{Project: "myapp", Dest: dest, Force: true}); err != nil {
		t.Fatalf("pull after rotate: %v", err)
	}

	// Now an unbound item — an old-style signature by a member — is refused.
	ct, _, err := keyring.Encrypt([]byte("A=evil\n"), []*keyring.PublicKey{key.Public()}, id, testkeys.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.store.Commit(ctx, snap.tip, []gitstore.Change{{Path: items + ".env.pgp", Data: ct}}, gitstore.Signature{Name: "M", Email: "m@example.com", When: testkeys.Now()}, "unbound"); err != nil {
		t.Fatal(err)
	}
	_, err = v.Pull(ctx, PullOptions{Project: "myapp", Dest: dest, Force: true})
	var se *SignerError
	if !errors.As(err, &se) || !strings.Contains(se.Reason, "names no place") {
		t.Fatalf("unbound item in a bound environment: %v", err)
	}
}

// TestEnvironmentKeyChecks: environment.toml edited apart from its key,
// and a key put back with a reader who was removed, are refused.
func TestEnvironmentKeyChecks(t *testing.T) {
	ctx := context.Background()
	v, _ := legacyVault(t)
	if _, err := v.RotateEnvironment(ctx, "development"); err != nil { // bound from here on
		t.Fatal(err)
	}
	snap, err := v.load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	id, _ := v.identity()
	meta := envDir("development") + "/" + environmentFile
	data, _ := snap.tree.Read(meta)
	edited := strings.Replace(string(data), `tier = "dev"`, `tier = "production"`, 1)
	if edited == string(data) {
		t.Fatalf("no tier line in %s", data)
	}
	if _, err := v.store.Commit(ctx, snap.tip, []gitstore.Change{{Path: meta, Data: []byte(edited)}}, gitstore.Signature{Name: "M", Email: "m@example.com", When: testkeys.Now()}, "edit"); err != nil {
		t.Fatal(err)
	}
	snap2, err := v.load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	env2, _ := snap2.env("development")
	var ke *EnvironmentKeyError
	if _, err := v.envKey(snap2, env2, id); !errors.As(err, &ke) || !strings.Contains(ke.Reason, "environment.toml") {
		t.Fatalf("edited environment.toml: %v", err)
	}

	// A key wrapped for someone who is not a reader (Bob, say, who kept
	// an old copy) is refused before anything is encrypted to it.
	bob, _ := keyring.ReadPrivateKey(testkeys.Bob(), nil)
	env, _ := snap.env("development")
	key, err := v.envKey(snap, env, id)
	if err != nil {
		t.Fatal(err)
	}
	secret, _ := key.Serialize()
	wrapped, _, err := keyring.EncryptBound(secret, []*keyring.PublicKey{id.Public(), bob.Public()}, id, testkeys.Now(), envKeyBinding(env))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.store.Commit(ctx, snap2.tip, []gitstore.Change{{Path: meta, Data: data}, {Path: envDir("development") + "/" + envPrivateKeyFile, Data: wrapped}}, gitstore.Signature{Name: "M", Email: "m@example.com", When: testkeys.Now()}, "put back"); err != nil {
		t.Fatal(err)
	}
	_, err = v.Push(ctx, PushOptions{})
	if !errors.As(err, &ke) || !strings.Contains(ke.Reason, "also encrypted to key") {
		t.Fatalf("push to a key readable by a non-member: %v", err)
	}
}

// TestPastSigner: an item signed by someone who is not a member of the
// tier now is accepted only if they held it at the commit that wrote it.
func TestPastSigner(t *testing.T) {
	ctx := context.Background()
	v, _ := legacyVault(t)
	if _, err := v.RotateEnvironment(ctx, "development"); err != nil {
		t.Fatal(err)
	}
	bob, _ := keyring.ReadPrivateKey(testkeys.Bob(), nil)
	if _, err := v.TeamAdd(ctx, bob.Public(), []Tier{TierDev}, false, false); err != nil {
		t.Fatal(err)
	}
	alice, _ := v.identity()
	sig := gitstore.Signature{Name: "Bob", Email: "bob@example.com", When: testkeys.Now()}
	// writeAsBob commits an item signed by Bob, bound to its place.
	writeAsBob := func(item, body string) {
		t.Helper()
		snap, err := v.load(ctx)
		if err != nil {
			t.Fatal(err)
		}
		env, _ := snap.env("development")
		pub, err := v.envPublicKey(snap, env)
		if err != nil {
			t.Fatal(err)
		}
		ct, _, err := keyring.EncryptBound([]byte(body), []*keyring.PublicKey{pub}, bob, testkeys.Now(), itemBinding("development", "myapp", item))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := v.store.Commit(ctx, snap.tip, []gitstore.Change{{Path: itemStorePath("development", "myapp", item), Data: ct}}, sig, "push"); err != nil {
			t.Fatal(err)
		}
	}
	writeAsBob(".env", "BOB=1\n")

	// Bob leaves the manifest without a rotation (by hand: configsync
	// always rotates), his key unwrapped from development.
	snap, err := v.load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	members := slices.DeleteFunc(slices.Clone(snap.members), func(m Member) bool { return m.Fingerprint == bob.Fingerprint() })
	changes, err := v.manifestFiles(members, snap.keys, alice)
	if err != nil {
		t.Fatal(err)
	}
	keyPath := envDir("development") + "/" + envPrivateKeyFile
	wrapped, _ := snap.tree.Read(keyPath)
	rewrapped, err := keyring.Rewrap(wrapped, alice, []*keyring.PublicKey{alice.Public()})
	if err != nil {
		t.Fatal(err)
	}
	changes = append(changes, gitstore.Change{Path: keyPath, Data: rewrapped})
	if _, err := v.store.Commit(ctx, snap.tip, changes, gitstore.Signature{Name: "Alice", Email: "alice@example.com", When: testkeys.Now()}, "team remove by hand"); err != nil {
		t.Fatal(err)
	}

	dest := t.TempDir()
	if _, err := v.Pull(ctx, PullOptions{Project: "myapp", Dest: dest, Force: true}); err != nil {
		t.Fatalf("item written while Bob held dev: %v", err)
	}
	if got, _ := os.ReadFile(filepath.Join(dest, ".env")); string(got) != "BOB=1\n" {
		t.Fatalf("pulled %q", got)
	}

	// Written after he left: refused, naming the commit.
	writeAsBob(".env.local", "BOB=2\n")
	_, err = v.Pull(ctx, PullOptions{Project: "myapp", Dest: dest, Force: true})
	var se *SignerError
	if !errors.As(err, &se) || !strings.Contains(se.Reason, "Bob <bob@example.com>, who did not hold tier dev at commit") {
		t.Fatalf("item written after Bob left: %v", err)
	}
	rep, err := v.Verify(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Problems) != 1 || !strings.HasSuffix(rep.Problems[0].Path, "myapp/.env.local.pgp") {
		t.Fatalf("verify: %v", rep.Problems)
	}
}
