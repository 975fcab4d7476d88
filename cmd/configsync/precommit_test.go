package main

import (
	"context"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/configsync/configsync/config"
	"github.com/configsync/configsync/hooks"
)

// TestPreCommitFramework runs the check the way users of the pre-commit
// framework (https://pre-commit.com, Debian package pre-commit) get it:
// "pre-commit try-repo" clones a git repository holding this module and its
// .pre-commit-hooks.yaml, builds configsync with "go install ./..."
// (language: golang) and runs "configsync hooks scan FILES…" in a scratch
// repository. A staged .env and a known secret value fail naming file, line
// and key, never the value; clean files pass.
//
// Building takes a while (the module cache and build cache are shared with
// this go command, so nothing is downloaded when they are warm).
func TestPreCommitFramework(t *testing.T) {
	preCommit, err := exec.LookPath("pre-commit")
	if err != nil {
		t.Skip("pre-commit is not installed (apt-get install pre-commit; .ci/run installs it)")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("pre-commit's language: golang needs go on PATH: %v", err)
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, ".pre-commit-hooks.yaml")); err != nil {
		t.Fatalf("the module root has no .pre-commit-hooks.yaml: %v", err)
	}

	deadline := time.Now().Add(15 * time.Minute)
	if d, ok := t.Deadline(); ok && d.Add(-10*time.Second).Before(deadline) {
		deadline = d.Add(-10 * time.Second)
	}
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()

	tmp := t.TempDir()
	home := filepath.Join(tmp, "home")
	csHome := filepath.Join(home, ".configsync")
	env := preCommitEnv(t, goBin, home, csHome, filepath.Join(tmp, "pre-commit-cache"))

	run := func(dir string, name string, args ...string) (string, error) {
		t.Helper()
		cmd := exec.CommandContext(ctx, name, args...)
		cmd.Dir = dir
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		if ctx.Err() != nil {
			t.Fatalf("%s %s: timed out: %v\n%s", name, strings.Join(args, " "), ctx.Err(), out)
		}
		return string(out), err
	}
	mustRun := func(dir string, name string, args ...string) {
		t.Helper()
		if out, err := run(dir, name, args...); err != nil {
			t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
		}
	}

	// The repository under test: this module's current tree, committed
	// (pre-commit clones a revision; uncommitted or untracked files of the
	// work tree would not be seen).
	hookRepo := filepath.Join(tmp, "configsync-repo")
	copyModule(t, root, hookRepo)
	mustRun(hookRepo, "git", "init", "-q")
	mustRun(hookRepo, "git", "add", "-A")
	mustRun(hookRepo, "git", "commit", "-q", "-m", "configsync under test")

	// This machine's leak index holds one known value.
	const secret = "sk_live_pc9Kq2Wv7Lx4Tz8Nb3Rd"
	ix, err := hooks.OpenIndex(config.Home(csHome).LeakIndex(), config.Home(csHome).LeakKey())
	if err != nil {
		t.Fatal(err)
	}
	if n := ix.Replace("development/myapp/.env", []hooks.Secret{{Key: "STRIPE_SECRET_KEY", Value: secret}}, 0); n != 1 {
		t.Fatalf("indexed %d values, want 1", n)
	}
	if err := ix.Save(); err != nil {
		t.Fatal(err)
	}

	// A scratch project with a staged .env, a pasted value and clean files.
	scratch := filepath.Join(tmp, "scratch")
	files := map[string]string{
		".env":         "STRIPE_SECRET_KEY=" + secret + "\n",
		".env.example": "STRIPE_SECRET_KEY=\n",
		"config.js":    "module.exports = {\n  port: 3000,\n  stripe: \"" + secret + "\",\n};\n",
		"app.js":       "const key = process.env.STRIPE_SECRET_KEY;\nconst host = \"localhost\";\n",
		"README.md":    "# scratch\n",
	}
	for name, data := range files {
		writeTestFile(t, filepath.Join(scratch, name), data)
	}
	mustRun(scratch, "git", "init", "-q")
	mustRun(scratch, "git", "add", "-A")

	// Blocked: the .env file and the pasted value, named, never printed.
	out, err := run(scratch, preCommit, "try-repo", hookRepo, "configsync", "--files", ".env", "config.js", ".env.example")
	t.Logf("pre-commit try-repo (blocked):\n%s", out)
	if err == nil {
		t.Fatalf("pre-commit passed a staged .env and a known secret value")
	}
	for _, want := range []string{
		"configsync secret guard",
		"Failed",
		`.env: dotenv file must not be committed: unstage it with "git rm --cached .env"`,
		"config.js:3: contains the value of STRIPE_SECRET_KEY from development/myapp/.env",
		"git commit --no-verify",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("pre-commit output lacks %q", want)
		}
	}
	if strings.Contains(out, secret) {
		t.Errorf("pre-commit output shows the secret value")
	}
	if strings.Contains(out, ".env.example: dotenv") {
		t.Errorf("a template was refused")
	}
	if strings.Contains(out, "ERROR") || strings.Contains(out, "An unexpected error has occurred") {
		t.Errorf("pre-commit failed for another reason than the findings")
	}

	// Clean files pass.
	out, err = run(scratch, preCommit, "try-repo", hookRepo, "configsync", "--files", "app.js", "README.md", ".env.example")
	t.Logf("pre-commit try-repo (clean):\n%s", out)
	if err != nil {
		t.Fatalf("pre-commit refused clean files: %v", err)
	}
	if !strings.Contains(out, "Passed") {
		t.Errorf("pre-commit output lacks Passed")
	}
}

// preCommitEnv is a hermetic environment for pre-commit and the go command
// it runs: HOME and CONFIGSYNC_HOME under the test's temp dir, no system or
// global git config, the caller's go build and module caches (so a warm
// cache builds offline), the local toolchain, and a PATH without the
// configsync that testscript puts there (the one under test must be the
// one pre-commit built).
func preCommitEnv(t *testing.T, goBin, home, csHome, cache string) []string {
	t.Helper()
	goEnv := func(name string) string {
		out, err := exec.Command(goBin, "env", name).Output()
		if err != nil {
			t.Fatalf("go env %s: %v", name, err)
		}
		return strings.TrimSpace(string(out))
	}
	gocache, modcache, proxy := goEnv("GOCACHE"), goEnv("GOMODCACHE"), goEnv("GOPROXY")
	var path []string
	for _, dir := range filepath.SplitList(os.Getenv("PATH")) {
		if _, err := os.Stat(filepath.Join(dir, "configsync")); err == nil {
			continue
		}
		path = append(path, dir)
	}
	if err := os.MkdirAll(home, 0o700); err != nil {
		t.Fatal(err)
	}
	env := []string{
		"PATH=" + strings.Join(path, string(os.PathListSeparator)),
		"HOME=" + home,
		"CONFIGSYNC_HOME=" + csHome,
		"XDG_CONFIG_HOME=" + filepath.Join(home, ".config"),
		"XDG_CACHE_HOME=" + filepath.Join(home, ".cache"),
		"PRE_COMMIT_HOME=" + cache,
		"GIT_CONFIG_NOSYSTEM=1",
		"GIT_AUTHOR_NAME=Test", "GIT_AUTHOR_EMAIL=test@example.com",
		"GIT_COMMITTER_NAME=Test", "GIT_COMMITTER_EMAIL=test@example.com",
		"GOCACHE=" + gocache,
		"GOMODCACHE=" + modcache,
		"GOPROXY=" + proxy,
		"GOFLAGS=-mod=mod -buildvcs=false",
		"GOTOOLCHAIN=local",
		"GOWORK=off",
		"LANG=C.UTF-8",
	}
	for _, name := range []string{"TMPDIR", "GOSUMDB", "GONOSUMDB", "GOPRIVATE", "GONOPROXY", "HTTPS_PROXY", "HTTP_PROXY", "NO_PROXY", "https_proxy", "http_proxy", "no_proxy", "SSL_CERT_FILE", "SSL_CERT_DIR"} {
		if v, ok := os.LookupEnv(name); ok {
			env = append(env, name+"="+v)
		}
	}
	return env
}

// copyModule copies what building the module needs (Go sources, go.mod,
// go.sum, embedded files, .pre-commit-hooks.yaml) from src to dst, leaving
// out .git, testdata, build outputs and stray files.
func copyModule(t *testing.T, src, dst string) {
	t.Helper()
	keep := map[string]bool{".go": true, ".mod": true, ".sum": true, ".asc": true, ".yaml": true, ".toml": true, ".md": true}
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		if d.IsDir() {
			if rel != "." && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" || rel == filepath.Join("bench", "out") || rel == "bin") {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() || !keep[filepath.Ext(p)] || strings.ContainsFunc(rel, func(r rune) bool { return r < ' ' }) {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
	if err != nil {
		t.Fatalf("copy module: %v", err)
	}
}

func writeTestFile(t *testing.T, name, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}
