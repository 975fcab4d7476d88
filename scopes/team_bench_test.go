package scopes_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/configsync/configsync/gitstore"
	"github.com/configsync/configsync/internal/testkeys"
	"github.com/configsync/configsync/keyring"
	"github.com/configsync/configsync/scopes"
)

// Issue 4's targets, on an environment of 1000 env items (10 projects of
// 100 files, 20 variables each): team add ≤ 50 ms of work with no item
// re-encrypted, team remove (rotation re-encrypting 1000 items and the
// exposure report) ≤ 1.5 s, pull with every signature and binding checked
// ≤ 1 s. Measured, never asserted: read the ns/op (run with
// -benchtime=10x -count=5 and take the median).
const (
	teamBenchProjects = 10
	teamBenchFiles    = 100
)

// teamTemplate is a store made once; each iteration works on a copy, so
// that every measurement starts from the same state.
type teamTemplate struct {
	root  string // holds cs/ (CONFIGSYNC_HOME) and home/ (the user's)
	alice *keyring.PrivateKey
	bob   *keyring.PublicKey
}

func teamOptions(root string, id *keyring.PrivateKey) scopes.Options {
	return scopes.Options{
		Home: filepath.Join(root, "cs"), UserHome: filepath.Join(root, "home"), Now: testkeys.Now,
		Identity: func() (*keyring.PrivateKey, error) { return id, nil },
	}
}

func newTeamTemplate(b *testing.B, withBob bool) *teamTemplate {
	b.Helper()
	ctx := context.Background()
	alice, err := keyring.ReadPrivateKey(testkeys.Alice(), nil)
	if err != nil {
		b.Fatal(err)
	}
	bob, err := keyring.ReadPrivateKey(testkeys.Bob(), nil)
	if err != nil {
		b.Fatal(err)
	}
	t := &teamTemplate{root: b.TempDir(), alice: alice, bob: bob.Public()}
	open := func() *scopes.Session {
		v, err := scopes.Open(ctx, teamOptions(t.root, alice))
		if err != nil {
			b.Fatal(err)
		}
		return v
	}
	if _, err := open().Init(ctx, scopes.InitOptions{}); err != nil {
		b.Fatal(err)
	}
	if _, err := open().CreateEnvironment(ctx, "development", scopes.TierDev, false); err != nil {
		b.Fatal(err)
	}
	if _, err := open().UseEnvironment(ctx, "development"); err != nil {
		b.Fatal(err)
	}
	for p := range teamBenchProjects {
		dir := filepath.Join(t.root, "home", "git", fmt.Sprintf("p%02d", p))
		if err := os.MkdirAll(dir, 0o700); err != nil {
			b.Fatal(err)
		}
		for f := range teamBenchFiles {
			var sb strings.Builder
			for k := range 20 {
				fmt.Fprintf(&sb, "SERVICE_%02d_SECRET=\"%08x-%032x\"\n", k, p*100000+f*20+k, uint64(p+1)*0x9e3779b97f4a7c15^uint64(f*31+k))
			}
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf(".env.%d", f)), []byte(sb.String()), 0o600); err != nil {
				b.Fatal(err)
			}
		}
		if _, err := open().AddEnv(dir, ""); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := open().Push(ctx, scopes.PushOptions{}); err != nil {
		b.Fatal(err)
	}
	if withBob {
		if _, err := open().TeamAdd(ctx, t.bob, []scopes.Tier{scopes.TierDev}, false, false); err != nil {
			b.Fatal(err)
		}
	}
	return t
}

// copyStore copies the template's configsync home (the store, config and
// state) for one iteration.
func (t *teamTemplate) copyStore(b *testing.B) string {
	b.Helper()
	root := b.TempDir()
	if err := os.CopyFS(filepath.Join(root, "cs"), os.DirFS(filepath.Join(t.root, "cs"))); err != nil {
		b.Fatal(err)
	}
	return root
}

// itemBlobs maps every item path of development to its blob.
func itemBlobs(b *testing.B, root string) map[string]gitstore.Hash {
	b.Helper()
	ctx := context.Background()
	s, err := gitstore.Open(filepath.Join(root, "cs", "store.git"), "configsync")
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	tip, err := s.Tip(ctx)
	if err != nil {
		b.Fatal(err)
	}
	tree, err := s.Tree(ctx, tip)
	if err != nil {
		b.Fatal(err)
	}
	out := map[string]gitstore.Hash{}
	for _, f := range tree.Files("environments/development/items/") {
		if strings.HasSuffix(f.Path, ".pgp") {
			out[f.Path] = f.Blob
		}
	}
	return out
}

// BenchmarkTeamAdd1000: team add re-wraps the environment key; the 1000
// items are not touched (checked: every item blob is unchanged).
func BenchmarkTeamAdd1000(b *testing.B) {
	t := newTeamTemplate(b, false)
	before := itemBlobs(b, t.root)
	if len(before) != teamBenchProjects*teamBenchFiles {
		b.Fatalf("%d items in the template", len(before))
	}
	ctx := context.Background()
	var last string
	for b.Loop() {
		b.StopTimer()
		root := t.copyStore(b)
		b.StartTimer()
		v, err := scopes.Open(ctx, teamOptions(root, t.alice))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := v.TeamAdd(ctx, t.bob, []scopes.Tier{scopes.TierDev}, false, false); err != nil {
			b.Fatal(err)
		}
		last = root
	}
	b.StopTimer()
	after := itemBlobs(b, last)
	for p, h := range before {
		if after[p] != h {
			b.Fatalf("team add re-encrypted %s", p)
		}
	}
}

// BenchmarkTeamRemove1000: removing Bob rotates development: a new key,
// 1000 items decrypted, re-encrypted and committed, and the exposure
// report from history.
func BenchmarkTeamRemove1000(b *testing.B) {
	t := newTeamTemplate(b, true)
	before := itemBlobs(b, t.root)
	ctx := context.Background()
	var last string
	for b.Loop() {
		b.StopTimer()
		root := t.copyStore(b)
		b.StartTimer()
		v, err := scopes.Open(ctx, teamOptions(root, t.alice))
		if err != nil {
			b.Fatal(err)
		}
		rep, err := v.TeamRemove(ctx, "bob@example.com")
		if err != nil {
			b.Fatal(err)
		}
		if len(rep.Exposed) != teamBenchProjects*teamBenchFiles {
			b.Fatalf("exposure lists %d items", len(rep.Exposed))
		}
		last = root
	}
	b.StopTimer()
	after := itemBlobs(b, last)
	for p, h := range before {
		if after[p] == h {
			b.Fatalf("team remove left %s as it was", p)
		}
	}
}

// BenchmarkPullVerified1000: pull of 1000 items into an empty project,
// every signature checked (signer of the tier, bound to its place).
func BenchmarkPullVerified1000(b *testing.B) {
	t := newTeamTemplate(b, false)
	ctx := context.Background()
	dirs, _ := filepath.Glob(filepath.Join(t.root, "home", "git", "p*"))
	for b.Loop() {
		b.StopTimer()
		for _, d := range dirs {
			files, _ := filepath.Glob(filepath.Join(d, ".env.*"))
			for _, f := range files {
				if err := os.Remove(f); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.StartTimer()
		v, err := scopes.Open(ctx, teamOptions(t.root, t.alice))
		if err != nil {
			b.Fatal(err)
		}
		res, err := v.Pull(ctx, scopes.PullOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if len(res.Items) != teamBenchProjects*teamBenchFiles {
			b.Fatalf("pulled %d items", len(res.Items))
		}
	}
}

// BenchmarkPullVerifiedUnchanged1000: the same pull when every file is
// already as stored: fetch, unwrap, 1000 signature and binding checks and
// the comparisons, nothing written — the cost of the checks themselves.
func BenchmarkPullVerifiedUnchanged1000(b *testing.B) {
	t := newTeamTemplate(b, false)
	ctx := context.Background()
	for b.Loop() {
		v, err := scopes.Open(ctx, teamOptions(t.root, t.alice))
		if err != nil {
			b.Fatal(err)
		}
		res, err := v.Pull(ctx, scopes.PullOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if len(res.Unchanged) != teamBenchProjects*teamBenchFiles {
			b.Fatalf("%d items unchanged", len(res.Unchanged))
		}
	}
}
