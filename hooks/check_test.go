package hooks

import (
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const (
	stripeKey = `sk_live_51HxQeR2aBcDeFgHiJkLmNoP`
	dbPass    = `Zq8-vT3!wLp9`
	dbURL     = `postgres://app:` + dbPass + `@db.internal:5432/app`
	quoted    = `pa"ss\word-77x`
)

func leakIndex(t testing.TB) *Index {
	return testIndex(t,
		Secret{Key: "STRIPE_SECRET_KEY", Value: stripeKey},
		Secret{Key: "DATABASE_URL", Value: dbURL},
		Secret{Key: "QUOTED", Value: quoted},
		Secret{Key: "PORT", Value: "5432"},
		Secret{Key: "DEBUG", Value: "true"},
	)
}

// noValues fails when a finding's message or String shows a secret value or
// one of its encodings.
func noValues(t *testing.T, fs []Finding) {
	t.Helper()
	for _, f := range fs {
		for _, s := range []string{f.Message(), f.String(), fmt.Sprintf("%v %+v", f, f)} {
			for _, v := range []string{stripeKey, dbPass, quoted, base64.StdEncoding.EncodeToString([]byte(stripeKey))[:20], "sk_live"} {
				if strings.Contains(s, v) {
					t.Errorf("finding shows a secret value: %s", s)
				}
			}
		}
	}
}

func rules(fs []Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, fmt.Sprintf("%s:%d:%s:%s", f.File, f.Line, f.Rule, f.Key))
	}
	return out
}

func TestCheckStagedDotenvFiles(t *testing.T) {
	dir := newRepo(t)
	writeFile(t, dir, ".env", "A=1\n")
	writeFile(t, dir, ".env.example", "A=\n")
	writeFile(t, dir, "web/.env.local", "A=1\n")
	writeFile(t, dir, "web/.env.production.sample", "A=\n")
	writeFile(t, dir, "fixtures/.env.test", "A=1\n")
	writeFile(t, dir, "e2e/.env.ci", "A=1\n")
	writeFile(t, dir, ".envrc", "use nix\n")
	writeFile(t, dir, "configsync.toml", "[hooks]\nallow = [\"fixtures/.env.test\", \".env.ci\"]\n")
	git(t, dir, "add", ".")

	got, err := CheckStaged(context.Background(), dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{".env:0:dotenv-file:", "web/.env.local:0:dotenv-file:"}
	if !slices.Equal(rules(got), want) {
		t.Fatalf("findings = %q, want %q", rules(got), want)
	}
	msg := got[1].Message()
	for _, s := range []string{"web/.env.local", "git rm --cached web/.env.local", ".gitignore", "configsync add env web"} {
		if !strings.Contains(msg, s) {
			t.Errorf("message %q lacks %q", msg, s)
		}
	}

	// Options.Allow adds to the project's list.
	got, err = CheckStaged(context.Background(), dir, Options{Allow: []string{"web/*"}})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{".env:0:dotenv-file:"}; !slices.Equal(rules(got), want) {
		t.Fatalf("with allow: findings = %q, want %q", rules(got), want)
	}
}

func TestCheckStagedBadProjectFile(t *testing.T) {
	dir := newRepo(t)
	writeFile(t, dir, "configsync.toml", "[hooks]\nallow = [\"[\"]\n")
	if _, err := CheckStaged(context.Background(), dir, Options{}); err == nil {
		t.Fatal("bad allow pattern accepted")
	}
}

func TestCheckStagedSecretValues(t *testing.T) {
	ix := leakIndex(t)
	tests := []struct {
		name, file, content string
		line                int
		key                 string
	}{
		{"js string", "config.js", "// config\nexport const key = \"" + stripeKey + "\";\n", 2, "STRIPE_SECRET_KEY"},
		{"yaml url", "deploy/values.yaml", "db:\n  url: postgres://app:" + dbPass + "@db/x\n", 2, "DATABASE_URL"},
		{"whole url", "app.ini", "[db]\n\ndsn=" + dbURL + "\n", 3, "DATABASE_URL"},
		{"json escaped", "settings.json", "{\n  \"a\": 1,\n  \"secret\": \"pa\\\"ss\\\\word-77x\"\n}\n", 3, "QUOTED"},
		{"base64", "k8s/secret.yaml", "data:\n  key: " + base64.StdEncoding.EncodeToString([]byte(stripeKey)) + "\n", 2, "STRIPE_SECRET_KEY"},
		{"base64url", "token.txt", base64.RawURLEncoding.EncodeToString([]byte(quoted)), 1, "QUOTED"},
		{"url escaped", "link.md", "see https://x.test/?p=" + strings.ReplaceAll(dbPass, "!", "%21") + "\n", 1, "DATABASE_URL"},
		{"at end no newline", "end.txt", "x=" + stripeKey, 1, "STRIPE_SECRET_KEY"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := newRepo(t)
			writeFile(t, dir, tt.file, tt.content)
			git(t, dir, "add", ".")
			got, err := CheckStaged(context.Background(), dir, Options{Index: ix})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) == 0 {
				t.Fatal("secret not found")
			}
			f := got[0]
			if f.File != tt.file || f.Line != tt.line || f.Rule != RuleSecretValue || f.Key != tt.key || f.Item != "development/myapp/.env" {
				t.Errorf("finding = %+v, want %s:%d key %s", f, tt.file, tt.line, tt.key)
			}
			for _, g := range got {
				if g.Line != tt.line {
					t.Errorf("extra finding %+v", g)
				}
			}
			msg := f.Message()
			for _, s := range []string{tt.file, fmt.Sprint(tt.line), tt.key, "development/myapp/.env", "configsync inject"} {
				if !strings.Contains(msg, s) {
					t.Errorf("message %q lacks %q", msg, s)
				}
			}
			noValues(t, got)
		})
	}
}

func TestCheckStagedTrivialValuesIgnored(t *testing.T) {
	dir := newRepo(t)
	writeFile(t, dir, "a.yaml", "port: 5432\ndebug: true\nhost: localhost\n")
	git(t, dir, "add", ".")
	got, err := CheckStaged(context.Background(), dir, Options{Index: leakIndex(t)})
	if err != nil || len(got) != 0 {
		t.Fatalf("got %v, %v; want no findings", rules(got), err)
	}
}

func TestCheckStagedReadsIndexNotWorkTree(t *testing.T) {
	ix := leakIndex(t)
	dir := newRepo(t)
	writeFile(t, dir, "README", "hello\n")
	git(t, dir, "add", ".")
	git(t, dir, "commit", "-q", "-m", "first")

	// Staged clean, work tree dirty: passes.
	writeFile(t, dir, "config.js", "const k = 'placeholder';\n")
	git(t, dir, "add", "config.js")
	writeFile(t, dir, "config.js", "const k = '"+stripeKey+"';\n")
	got, err := CheckStaged(context.Background(), dir, Options{Index: ix})
	if err != nil || len(got) != 0 {
		t.Fatalf("clean stage: got %v, %v; want no findings", rules(got), err)
	}

	// Staged secret, work tree clean: blocked.
	git(t, dir, "add", "config.js")
	writeFile(t, dir, "config.js", "const k = process.env.K;\n")
	got, err = CheckStaged(context.Background(), dir, Options{Index: ix})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"config.js:1:secret-value:STRIPE_SECRET_KEY"}; !slices.Equal(rules(got), want) {
		t.Fatalf("findings = %q, want %q", rules(got), want)
	}
}

func TestCheckStagedOnlyChangedEntries(t *testing.T) {
	ix := leakIndex(t)
	dir := newRepo(t)
	// A secret already in HEAD (committed before the guard) is not what
	// this commit adds: only new or modified entries are checked.
	writeFile(t, dir, "old.txt", stripeKey+"\n")
	writeFile(t, dir, ".env", "A=1\n")
	git(t, dir, "add", ".")
	git(t, dir, "commit", "-q", "-m", "first")
	writeFile(t, dir, "new.txt", "nothing here\n")
	git(t, dir, "add", ".")
	got, err := CheckStaged(context.Background(), dir, Options{Index: ix})
	if err != nil || len(got) != 0 {
		t.Fatalf("got %v, %v; want no findings", rules(got), err)
	}
	writeFile(t, dir, ".env", "A=2\n")
	git(t, dir, "add", ".")
	got, err = CheckStaged(context.Background(), dir, Options{Index: ix})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{".env:0:dotenv-file:"}; !slices.Equal(rules(got), want) {
		t.Fatalf("findings = %q, want %q", rules(got), want)
	}
	// Unstaging it (git rm --cached) clears the finding.
	git(t, dir, "rm", "-q", "--cached", ".env")
	got, err = CheckStaged(context.Background(), dir, Options{Index: ix})
	if err != nil || len(got) != 0 {
		t.Fatalf("after rm --cached: got %v, %v", rules(got), err)
	}
}

func TestCheckStagedTrackedItem(t *testing.T) {
	dir := newRepo(t)
	sa := writeFile(t, dir, "secrets/service-account.json", "{}\n")
	writeFile(t, dir, "secrets/public.json", "{}\n")
	git(t, dir, "add", ".")
	got, err := CheckStaged(context.Background(), dir, Options{Tracked: []string{sa, "/elsewhere/x"}})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"secrets/service-account.json:0:tracked-item:"}; !slices.Equal(rules(got), want) {
		t.Fatalf("findings = %q, want %q", rules(got), want)
	}
	if msg := got[0].Message(); !strings.Contains(msg, "git rm --cached secrets/service-account.json") || !strings.Contains(msg, ".gitignore") {
		t.Errorf("message %q lacks the fix", msg)
	}
}

func TestCheckStagedCiphertextAndBinary(t *testing.T) {
	dir := newRepo(t)
	// configsync's own encrypted item passes under its dotenv-like name.
	writeFile(t, dir, "environments/development/items/myapp/.env.pgp", string(v6Message(t, "A="+stripeKey+"\n")))
	writeFile(t, dir, "environments/development/key.pub.asc", "-----BEGIN PGP PUBLIC KEY BLOCK-----\n"+stripeKey+"\n")
	writeFile(t, dir, "blob.bin", "\x00\x01"+stripeKey)
	writeFile(t, dir, "image.png", "\x89PNG\r\n\x1a\n\x00\x00"+strings.Repeat("\x00\xff\x13", 1000))
	git(t, dir, "add", ".")
	got, err := CheckStaged(context.Background(), dir, Options{Index: leakIndex(t)})
	if err != nil {
		t.Fatal(err)
	}
	// The public key block is not a message: it is checked (and here
	// contains a value on purpose); so are the bytes of a binary file.
	want := []string{"blob.bin:1:secret-value:STRIPE_SECRET_KEY", "environments/development/key.pub.asc:2:secret-value:STRIPE_SECRET_KEY"}
	if !slices.Equal(rules(got), want) {
		t.Fatalf("findings = %q, want %q", rules(got), want)
	}
}

func TestCheckStagedGitIndexFile(t *testing.T) {
	// "git commit -a" stages into a temporary index named by
	// GIT_INDEX_FILE; the real index does not have the change yet.
	dir := newRepo(t)
	writeFile(t, dir, "app.js", "x\n")
	git(t, dir, "add", ".")
	git(t, dir, "commit", "-q", "-m", "first")
	saved := filepath.Join(t.TempDir(), "index-copy")
	writeFile(t, dir, ".git/hooks/pre-commit", "#!/bin/sh\ncp \"$GIT_INDEX_FILE\" '"+saved+"'\nexit 1\n")
	if err := os.Chmod(filepath.Join(dir, ".git/hooks/pre-commit"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, "app.js", "key = "+stripeKey+"\n")
	cmd := execGit(dir, "commit", "-q", "-a", "-m", "second")
	if err := cmd.Run(); err == nil {
		t.Fatal("hook did not refuse the commit")
	}
	ix := leakIndex(t)
	got, err := CheckStaged(context.Background(), dir, Options{Index: ix})
	if err != nil || len(got) != 0 {
		t.Fatalf("own index: got %v, %v; want no findings", rules(got), err)
	}
	got, err = CheckStaged(context.Background(), dir, Options{Index: ix, IndexFile: saved})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"app.js:1:secret-value:STRIPE_SECRET_KEY"}; !slices.Equal(rules(got), want) {
		t.Fatalf("findings = %q, want %q", rules(got), want)
	}
}

func TestCheckStagedNotRepository(t *testing.T) {
	_, err := CheckStaged(context.Background(), t.TempDir(), Options{})
	if err == nil {
		t.Fatal("no error outside a repository")
	}
}

func TestCheckStagedCancelled(t *testing.T) {
	dir := newRepo(t)
	writeFile(t, dir, "a", "a\n")
	git(t, dir, "add", ".")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := CheckStaged(ctx, dir, Options{}); err != context.Canceled {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

// TestCheckStagedUnreadableBlob: a staged blob that cannot be read fails
// the check, naming the file, whichever worker meets it.
func TestCheckStagedUnreadableBlob(t *testing.T) {
	dir := newRepo(t)
	for i := range 20 {
		writeFile(t, dir, fmt.Sprintf("f%02d.txt", i), fmt.Sprintf("file %d\n", i))
	}
	git(t, dir, "add", ".")
	hash := strings.TrimSpace(git(t, dir, "rev-parse", ":f07.txt"))
	obj := filepath.Join(dir, ".git", "objects", hash[:2], hash[2:])
	if err := os.Chmod(obj, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(obj, []byte("not zlib"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := CheckStaged(context.Background(), dir, Options{})
	if err == nil || !strings.Contains(err.Error(), "read staged f07.txt") {
		t.Fatalf("err = %v, want one naming f07.txt", err)
	}
}

func TestScan(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, ".env", "A="+stripeKey+"\n")
	writeFile(t, dir, ".env.example", "A=\n")
	writeFile(t, dir, "src/main.go", "package main\n\nconst k = `"+stripeKey+"`\n")
	writeFile(t, dir, ".git/config", stripeKey)
	writeFile(t, dir, "ok.txt", "nothing\n")
	writeFile(t, dir, "configsync.toml", "[hooks]\nallow = [\"ok.txt\"]\n")
	if err := os.Symlink("/nonexistent", filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	got, err := Scan(context.Background(), []string{dir}, Options{Index: leakIndex(t), Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{".env:0:dotenv-file:", ".env:1:secret-value:STRIPE_SECRET_KEY", "src/main.go:3:secret-value:STRIPE_SECRET_KEY"}
	if !slices.Equal(rules(got), want) {
		t.Fatalf("findings = %q, want %q", rules(got), want)
	}
	noValues(t, got)

	// Single files, as the pre-commit framework passes them, no Dir.
	got, err = Scan(context.Background(), []string{filepath.Join(dir, "ok.txt"), filepath.Join(dir, ".env.example")}, Options{Index: leakIndex(t)})
	if err != nil || len(got) != 0 {
		t.Fatalf("got %v, %v; want no findings", rules(got), err)
	}
	if _, err := Scan(context.Background(), []string{filepath.Join(dir, "missing")}, Options{}); !os.IsNotExist(unwrapAll(err)) {
		t.Fatalf("missing path: err = %v", err)
	}
}

func unwrapAll(err error) error {
	for {
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return err
		}
		err = u.Unwrap()
	}
}

func TestFindingMessages(t *testing.T) {
	for _, f := range []Finding{
		{File: "a b/.env", Rule: RuleDotenvFile},
		{File: "x.json", Rule: RuleTrackedItem, Item: "/home/u/x.json"},
		{File: "evil\nname/.env", Rule: RuleDotenvFile},
		{File: "c.js", Line: 7, Rule: RuleSecretValue, Key: "K", Item: "development/p/.env"},
	} {
		m := f.Message()
		if strings.Contains(m, "\n") || !strings.Contains(m, strings.ReplaceAll(f.File, "\n", `\n`)) {
			t.Errorf("message %q: want one line naming the file", m)
		}
	}
	if m := (Finding{File: "a b/.env", Rule: RuleDotenvFile}).Message(); !strings.Contains(m, "git rm --cached 'a b/.env'") {
		t.Errorf("file name not quoted for the shell: %q", m)
	}
	if !strings.Contains(BypassHint(), "--no-verify") {
		t.Error("bypass hint does not mention --no-verify")
	}
}

func TestCheckStagedLinkedWorktree(t *testing.T) {
	dir := newRepo(t)
	writeFile(t, dir, "a.txt", "a\n")
	git(t, dir, "add", ".")
	git(t, dir, "commit", "-q", "-m", "first")
	wt := filepath.Join(t.TempDir(), "wt")
	git(t, dir, "worktree", "add", "-q", wt)
	writeFile(t, wt, "a.txt", "token "+stripeKey+"\n")
	writeFile(t, wt, "sub/.env.local", "X=1\n")
	git(t, wt, "add", ".")
	got, err := CheckStaged(context.Background(), filepath.Join(wt, "sub"), Options{Index: leakIndex(t)})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"a.txt:1:secret-value:STRIPE_SECRET_KEY", "sub/.env.local:0:dotenv-file:"}; !slices.Equal(rules(got), want) {
		t.Fatalf("findings = %q, want %q", rules(got), want)
	}
	// The main work tree's index is untouched.
	if got, err := CheckStaged(context.Background(), dir, Options{Index: leakIndex(t)}); err != nil || len(got) != 0 {
		t.Fatalf("main work tree: %v, %v", rules(got), err)
	}
}

func TestCheckStagedPackedObjects(t *testing.T) {
	dir := newRepo(t)
	writeFile(t, dir, "a.txt", "a\n")
	git(t, dir, "add", ".")
	git(t, dir, "commit", "-q", "-m", "first")
	writeFile(t, dir, "b.txt", "\n\ntoken "+stripeKey+"\n")
	git(t, dir, "add", ".")
	git(t, dir, "gc", "-q", "--prune=now")
	if loose := git(t, dir, "count-objects"); !strings.HasPrefix(loose, "0 objects") {
		t.Fatalf("objects still loose: %s", loose)
	}
	got, err := CheckStaged(context.Background(), dir, Options{Index: leakIndex(t)})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"b.txt:3:secret-value:STRIPE_SECRET_KEY"}; !slices.Equal(rules(got), want) {
		t.Fatalf("findings = %q, want %q", rules(got), want)
	}
}
