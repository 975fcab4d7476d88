package scopes

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/configsync/configsync/config"
	"github.com/configsync/configsync/gitstore"
	"github.com/configsync/configsync/internal/testkeys"
	"github.com/configsync/configsync/keyring"
)

// trustStore is a format 2 store made by configsync itself: Alice (admin)
// pushes development, adds Bob (dev), pushes again, removes Bob. The
// commits at each stage are what attackers put back.
type trustStore struct {
	v                      *Session
	alice, bob             *keyring.PrivateKey
	first, withBob, latest gitstore.Hash // after the first push, with Bob, after his removal
	marks                  *marks        // this machine's marks at latest
}

func newTrustStore(t *testing.T) *trustStore {
	t.Helper()
	ctx := context.Background()
	alice, err := keyring.ReadPrivateKey(testkeys.Alice(), nil)
	if err != nil {
		t.Fatal(err)
	}
	bob, err := keyring.ReadPrivateKey(testkeys.Bob(), nil)
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	opts := Options{
		Home: filepath.Join(root, "cs"), UserHome: filepath.Join(root, "home"), Now: testkeys.Now,
		Identity: func() (*keyring.PrivateKey, error) { return alice, nil },
	}
	open := func() *Session {
		v, err := Open(ctx, opts)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	dir := filepath.Join(opts.UserHome, "git", "myapp")
	write := func(body string) {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, ".env"), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	ts := &trustStore{alice: alice, bob: bob}
	tip := func() gitstore.Hash {
		h, err := open().store.Tip(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	must(open().Init(ctx, InitOptions{}))
	must(open().CreateEnvironment(ctx, "development", TierDev, false))
	must(open().UseEnvironment(ctx, "development"))
	write("DATABASE_URL=postgres://first\n")
	must(open().AddEnv(dir, ""))
	must(open().Push(ctx, PushOptions{}))
	ts.first = tip()
	must(open().TeamAdd(ctx, bob.Public(), []Tier{TierDev}, false, false))
	write("DATABASE_URL=postgres://with-bob\n")
	must(open().Push(ctx, PushOptions{}))
	ts.withBob = tip()
	must(open().TeamRemove(ctx, testkeys.BobFingerprint))
	ts.latest = tip()
	ts.v = open()
	m, err := ts.v.loadMarks()
	if err != nil || m.Commit != ts.latest.String() {
		t.Fatalf("marks after the setup: %+v, %v", m, err)
	}
	ts.marks = m
	return ts
}

// attack commits changes on top of the tip as someone with write access
// to the remote would, with plain git: no seal, no index.
func (ts *trustStore) attack(t *testing.T, parent gitstore.Hash, changes []gitstore.Change) gitstore.Hash {
	t.Helper()
	h, err := ts.v.store.Commit(context.Background(), parent, changes, gitstore.Signature{Name: "Mallory", Email: "m@example.com", When: testkeys.Now()}, "attack")
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// treeOf is the changes that turn the tip's tree into commit's.
func (ts *trustStore) treeOf(t *testing.T, commit gitstore.Hash, only string) []gitstore.Change {
	t.Helper()
	ctx := context.Background()
	old, err := ts.v.store.Tree(ctx, commit)
	if err != nil {
		t.Fatal(err)
	}
	now, err := ts.v.store.Tree(ctx, ts.latest)
	if err != nil {
		t.Fatal(err)
	}
	var changes []gitstore.Change
	for _, f := range old.Files(only) {
		if b, ok := now.Blob(f.Path); ok && b == f.Blob {
			continue
		}
		data, err := old.Read(f.Path)
		if err != nil {
			t.Fatal(err)
		}
		changes = append(changes, gitstore.Change{Path: f.Path, Data: data})
	}
	for _, f := range now.Files(only) {
		if _, ok := old.Blob(f.Path); !ok {
			changes = append(changes, gitstore.Change{Path: f.Path, Delete: true})
		}
	}
	return changes
}

func (ts *trustStore) read(t *testing.T, commit gitstore.Hash, path string) []byte {
	t.Helper()
	tree, err := ts.v.store.Tree(context.Background(), commit)
	if err != nil {
		t.Fatal(err)
	}
	data, err := tree.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// signedIndexAs writes the next index of development over the tip's,
// with item set to data, signed by signer.
func (ts *trustStore) signedIndexAs(t *testing.T, signer *keyring.PrivateKey, item string, data []byte) []gitstore.Change {
	t.Helper()
	old := ts.read(t, ts.latest, indexPath("development"))
	var ix envIndex
	if err := config.Unmarshal(indexFile, old, &ix); err != nil {
		t.Fatal(err)
	}
	ix.Serial, ix.Previous = ix.Serial+1, digest(old)
	ix.Items[item] = digest(data)
	out, err := config.Marshal(ix)
	if err != nil {
		t.Fatal(err)
	}
	sig, err := keyring.SignDetached(out, signer, testkeys.Now())
	if err != nil {
		t.Fatal(err)
	}
	return []gitstore.Change{
		{Path: envItemsDir("development") + "/" + item, Data: data},
		{Path: indexPath("development"), Data: out},
		{Path: indexSigPath("development"), Data: sig},
	}
}

// TestTrustRules runs the attacks of issue 9 against the rules: each is
// committed with plain git on top of the accepted tip, and advance must
// refuse it, naming the commit and what went back, and leave the marks.
func TestTrustRules(t *testing.T) {
	ts := newTrustStore(t)
	ctx := context.Background()
	item := "myapp/.env.pgp"
	itemPath := envItemsDir("development") + "/" + item
	envPub, err := keyring.ReadPublicKey(ts.read(t, ts.latest, envDir("development")+"/"+envPublicKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	bobItem, _, err := keyring.EncryptBound([]byte("DATABASE_URL=postgres://attacker\n"), []*keyring.PublicKey{envPub}, ts.bob, testkeys.Now(), itemBinding("development", "myapp", ".env"))
	if err != nil {
		t.Fatal(err)
	}
	manifestAs := func(signer *keyring.PrivateKey, edit func(*manifest)) []gitstore.Change {
		old := ts.read(t, ts.latest, membersPath)
		var m manifest
		if err := config.Unmarshal(membersPath, old, &m); err != nil {
			t.Fatal(err)
		}
		m.Serial, m.Previous = m.Serial+1, digest(old)
		edit(&m)
		data, err := config.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		sig, err := keyring.SignDetached(data, signer, testkeys.Now())
		if err != nil {
			t.Fatal(err)
		}
		return []gitstore.Change{{Path: membersPath, Data: data}, {Path: membersSigPath, Data: sig}}
	}
	cases := []struct {
		name    string
		changes func() []gitstore.Change
		want    string
	}{
		{"team remove undone by replaying the old tree",
			func() []gitstore.Change { return ts.treeOf(t, ts.withBob, "") },
			"puts back the team manifest of serial"},
		{"the old manifest alone",
			func() []gitstore.Change { return ts.treeOf(t, ts.withBob, "team/") },
			"puts back the team manifest of serial"},
		{"an item by a removed member, with an index he signed",
			func() []gitstore.Change { return ts.signedIndexAs(t, ts.bob, item, bobItem) },
			`changes the index of "development" with a signature by a key that does not hold tier dev`},
		{"an item by a removed member, no index",
			func() []gitstore.Change { return []gitstore.Change{{Path: itemPath, Data: bobItem}} },
			"to a version that its index does not list"},
		{"the previous item put back",
			func() []gitstore.Change { return ts.treeOf(t, ts.first, itemPath) },
			"to a version that its index does not list"},
		{"the previous item and its index put back",
			func() []gitstore.Change {
				return append(append(ts.treeOf(t, ts.first, itemPath), ts.treeOf(t, ts.first, indexPath("development"))...),
					ts.treeOf(t, ts.first, indexSigPath("development"))...)
			},
			`puts back the index of "development" for key generation 1`},
		{"the old environment key put back",
			func() []gitstore.Change { return ts.treeOf(t, ts.withBob, envDir("development")+"/") },
			`puts back the index of "development"`},
		{"only the old wrapped key put back",
			func() []gitstore.Change {
				return ts.treeOf(t, ts.withBob, envDir("development")+"/"+envPrivateKeyFile)
			},
			`puts back a key of "development" that is encrypted to key`},
		{"a member makes himself admin",
			func() []gitstore.Change {
				return manifestAs(ts.bob, func(m *manifest) { m.Members[0].Tiers = Tiers })
			},
			"without a valid admin signature"},
		{"the tier lowered by hand",
			func() []gitstore.Change {
				c := manifestAs(ts.alice, func(m *manifest) { m.Environments[0].Tier = TierDev })
				c[0].Data = []byte(strings.Replace(string(c[0].Data), `tier = "dev"`, `tier = "staging"`, 1))
				return c
			},
			"without a valid admin signature"},
		{"an admin-signed manifest that forks the chain",
			func() []gitstore.Change {
				return manifestAs(ts.alice, func(m *manifest) { m.Previous = strings.Repeat("0", 64) })
			},
			"does not follow serial"},
		{"a file the index does not list",
			func() []gitstore.Change {
				return []gitstore.Change{{Path: envItemsDir("development") + "/myapp/.env.copy.pgp", Data: ts.read(t, ts.latest, itemPath)}}
			},
			"which the index of \"development\" does not list"},
		{"an item deleted without the index",
			func() []gitstore.Change { return []gitstore.Change{{Path: itemPath, Delete: true}} },
			"which the index of \"development\" lists"},
		{"a format 1 store put back",
			func() []gitstore.Change {
				return []gitstore.Change{{Path: formatPath, Data: []byte("format = 1\n")}}
			},
			"is a format 1 store, put back over format 2"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			bad := ts.attack(t, ts.latest, c.changes())
			defer func() {
				if err := ts.v.store.SetTip(ctx, bad, ts.latest); err != nil {
					t.Fatal(err)
				}
				if err := ts.v.saveMarks(ts.marks); err != nil {
					t.Fatal(err)
				}
			}()
			_, _, err := ts.v.advance(ctx, bad)
			var te *TrustError
			if !errors.As(err, &te) || te.Commit != bad.String() || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("advance = %v, want a refusal of %.12s saying %q", err, bad, c.want)
			}
			if !strings.Contains(err.Error(), "(made as Mallory <m@example.com>)") {
				t.Errorf("the refusal does not name who the commit claims to be from: %v", err)
			}
			m, _ := ts.v.loadMarks()
			if m.Commit != ts.latest.String() || m.Refused == nil || m.Refused.Commit != bad.String() {
				t.Errorf("marks after the refusal: %+v", m)
			}
		})
	}
}

// TestTrustSkipsRepairedCommits: a refused commit followed by one that
// puts the accepted state back is passed over; the tip is accepted.
func TestTrustSkipsRepairedCommits(t *testing.T) {
	ts := newTrustStore(t)
	ctx := context.Background()
	bad := ts.attack(t, ts.latest, ts.treeOf(t, ts.withBob, ""))
	undo := ts.attack(t, bad, func() []gitstore.Change {
		// bad's tree back to latest's: the changes the other way round.
		tree, _ := ts.v.store.Tree(ctx, ts.latest)
		var c []gitstore.Change
		for _, f := range tree.Files("") {
			data, _ := tree.Read(f.Path)
			c = append(c, gitstore.Change{Path: f.Path, Data: data})
		}
		badTree, _ := ts.v.store.Tree(ctx, bad)
		for _, f := range badTree.Files("") {
			if _, ok := tree.Blob(f.Path); !ok {
				c = append(c, gitstore.Change{Path: f.Path, Delete: true})
			}
		}
		return c
	}())
	st, skipped, err := ts.v.advance(ctx, undo)
	if err != nil || st == nil || st.commit != undo {
		t.Fatalf("advance over a refused commit and its undo: %v", err)
	}
	if len(skipped) != 1 || skipped[0].Commit != bad.String() {
		t.Fatalf("skipped = %+v, want %.12s", skipped, bad)
	}
}

// TestCheckMarks: a state read on its own (history rewritten under this
// machine) is held against the marks.
func TestCheckMarks(t *testing.T) {
	ts := newTrustStore(t)
	ctx := context.Background()
	old, err := readChainState(ctx, ts.v.store, ts.withBob, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := checkMarks(old, ts.marks, ""); err == nil || !strings.Contains(err.Error(), "puts back the team manifest of serial") {
		t.Fatalf("an older state against the marks: %v", err)
	}
	cur, err := readChainState(ctx, ts.v.store, ts.latest, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := checkMarks(cur, ts.marks, ""); err != nil {
		t.Fatalf("the accepted state against its own marks: %v", err)
	}
	forked := *ts.marks
	forked.Manifest = strings.Repeat("0", 64)
	if err := checkMarks(cur, &forked, ""); err == nil || !strings.Contains(err.Error(), "a fork") {
		t.Fatalf("a different manifest at the same serial: %v", err)
	}
}
