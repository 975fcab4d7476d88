package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/configsync/configsync/internal/testkeys"
)

// TestPullConfirmsNewFiles: on a terminal, pull lists the file items this
// machine never had and restores them only on a yes (DESIGN §5a); env
// items need no confirmation. In-process, with the terminal faked.
func TestPullConfirmsNewFiles(t *testing.T) {
	root := t.TempDir()
	remote := filepath.Join(root, "remote.git")
	if out, err := exec.Command("git", "init", "-q", "--bare", remote).CombinedOutput(); err != nil {
		t.Fatalf("git init: %v\n%s", err, out)
	}
	keyFile := filepath.Join(root, "alice.asc")
	if err := os.WriteFile(keyFile, testkeys.Alice(), 0o600); err != nil {
		t.Fatal(err)
	}
	run := func(home, stdin string, args ...string) (string, string) {
		t.Helper()
		vars := map[string]string{"HOME": home, "CONFIGSYNC_HOME": filepath.Join(home, ".configsync")}
		var stdout, stderr bytes.Buffer
		env := &Env{
			Stdin:        strings.NewReader(stdin),
			Stdout:       &stdout,
			Stderr:       &stderr,
			Getenv:       func(k string) string { return vars[k] },
			Environ:      func() []string { return nil },
			Now:          time.Now,
			IsTerminal:   func() bool { return true },
			ReadPassword: func() ([]byte, error) { return nil, fmt.Errorf("no terminal") },
		}
		if code := Main(args, env); code != 0 {
			t.Fatalf("configsync %s: exit %d\n%s%s", strings.Join(args, " "), code, stdout.String(), stderr.String())
		}
		return stdout.String(), stderr.String()
	}
	write := func(p, body string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}

	first := filepath.Join(root, "first")
	write(filepath.Join(first, "git", "myapp", ".env"), "A=1\n")
	write(filepath.Join(first, "git", "myapp", "Makefile"), "all:\n\techo hi\n")
	run(first, "", "keys", "import", keyFile)
	run(first, "", "init", "--remote", remote)
	run(first, "", "env", "create", "development", "--tier", "dev")
	run(first, "", "add", "env", filepath.Join(first, "git", "myapp"))
	run(first, "", "add", "file", filepath.Join(first, "git", "myapp", "Makefile"))
	run(first, "", "push")

	second := filepath.Join(root, "second")
	if err := os.MkdirAll(filepath.Join(second, "git", "myapp"), 0o700); err != nil {
		t.Fatal(err)
	}
	run(second, "", "keys", "import", keyFile)
	// On a terminal, joining shows the admins to compare and asks first
	// (DESIGN.md §2a, no silent first use).
	_, stderr := run(second, "y\n", "init", "--remote", remote)
	if want := "The store's admin: Alice <alice@example.com> (fingerprint " + testkeys.AliceFingerprint + ")\n"; !strings.Contains(stderr, want) {
		t.Fatalf("init on a terminal did not show the admin to compare:\n%s", stderr)
	}
	makefile := filepath.Join(second, "git", "myapp", "Makefile")

	// "n": the env file is restored, the Makefile is not.
	_, stderr = run(second, "n\n", "pull")
	for _, want := range []string{
		"These files are new on this machine:\n  ~/git/myapp/Makefile\nRestore them? [y/N] ",
		"Skipped new file ~/git/myapp/Makefile: a file can be code: check where it goes, then re-run with --yes\n",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("pull answered n: stderr lacks %q:\n%s", want, stderr)
		}
	}
	if _, err := os.Stat(makefile); err == nil {
		t.Fatal("pull answered n wrote the Makefile")
	}
	if _, err := os.Stat(filepath.Join(second, "git", "myapp", ".env")); err != nil {
		t.Fatalf("pull answered n did not restore .env: %v", err)
	}

	// "y": restored.
	stdout, _ := run(second, "y\n", "pull")
	if !strings.Contains(stdout, "✓ ~/git/myapp/Makefile ") {
		t.Errorf("pull answered y: stdout lacks the Makefile:\n%s", stdout)
	}
	if got, err := os.ReadFile(makefile); err != nil || string(got) != "all:\n\techo hi\n" {
		t.Fatalf("pull answered y: Makefile = %q, %v", got, err)
	}
}
