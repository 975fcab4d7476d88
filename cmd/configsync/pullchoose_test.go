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

// TestPullChoosesKeysOnTerminal: on a terminal, pull asks which side wins
// each key both machines changed, showing names and masked values only;
// an answer that is neither refuses with the file untouched.
func TestPullChoosesKeysOnTerminal(t *testing.T) {
	root := t.TempDir()
	remote := filepath.Join(root, "remote.git")
	if out, err := exec.Command("git", "init", "-q", "--bare", remote).CombinedOutput(); err != nil {
		t.Fatalf("git init: %v\n%s", err, out)
	}
	keyFile := filepath.Join(root, "alice.asc")
	if err := os.WriteFile(keyFile, testkeys.Alice(), 0o600); err != nil {
		t.Fatal(err)
	}
	call := func(home, stdin string, args ...string) (int, string, string) {
		vars := map[string]string{"HOME": home, "CONFIGSYNC_HOME": filepath.Join(home, ".configsync")}
		var stdout, stderr bytes.Buffer
		env := &Env{
			Stdin: strings.NewReader(stdin), Stdout: &stdout, Stderr: &stderr,
			Getenv:       func(k string) string { return vars[k] },
			Environ:      func() []string { return nil },
			Now:          time.Now,
			IsTerminal:   func() bool { return true },
			ReadPassword: func() ([]byte, error) { return nil, fmt.Errorf("no terminal") },
		}
		code := Main(args, env)
		return code, stdout.String(), stderr.String()
	}
	run := func(home, stdin string, args ...string) (string, string) {
		t.Helper()
		code, stdout, stderr := call(home, stdin, args...)
		if code != 0 {
			t.Fatalf("configsync %s: exit %d\n%s%s", strings.Join(args, " "), code, stdout, stderr)
		}
		return stdout, stderr
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

	first, second := filepath.Join(root, "first"), filepath.Join(root, "second")
	firstEnv, secondEnv := filepath.Join(first, "git", "myapp", ".env"), filepath.Join(second, "git", "myapp", ".env")
	write(firstEnv, "A=1\nB=1\nC=1\n")
	run(first, "", "keys", "import", keyFile)
	run(first, "", "init", "--remote", remote)
	run(first, "", "env", "create", "development", "--tier", "dev")
	run(first, "", "add", "env", filepath.Dir(firstEnv))
	run(first, "", "push")
	if err := os.MkdirAll(filepath.Dir(secondEnv), 0o700); err != nil {
		t.Fatal(err)
	}
	run(second, "", "keys", "import", keyFile)
	run(second, "y\n", "init", "--remote", remote)
	run(second, "", "pull")
	run(second, "", "add", "env", filepath.Dir(secondEnv))

	write(firstEnv, "A=first-secret-a\nB=first-secret-b\nC=1\n")
	run(first, "", "push")
	const mine = "A=second-secret-a\nB=second-secret-b\nC=1\n"
	write(secondEnv, mine)

	// Neither answer: refused, nothing written.
	code, stdout, stderr := call(second, "x\n", "pull")
	if code != 1 || !strings.Contains(stderr, "configsync: ~/git/myapp/.env: A, B changed here and in the store: keep yours with configsync pull --ours") {
		t.Fatalf("pull answered x: exit %d\n%s%s", code, stdout, stderr)
	}
	if got, _ := os.ReadFile(secondEnv); string(got) != mine {
		t.Fatalf("a refused pull changed the file: %q", got)
	}

	// Ours for A, theirs for B.
	stdout, stderr = run(second, "o\nt\n", "pull")
	for _, want := range []string{
		"~/git/myapp/.env: 2 keys changed here and in the store:\n",
		"  A: yours ********, the store's ********\nA: keep [o]urs or [t]heirs? ",
		"  B: yours ********, the store's ********\nB: keep [o]urs or [t]heirs? ",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if strings.Contains(stdout+stderr, "secret") {
		t.Fatalf("a value was shown:\n%s%s", stdout, stderr)
	}
	if got, _ := os.ReadFile(secondEnv); string(got) != "A=second-secret-a\nB=first-secret-b\nC=1\n" {
		t.Fatalf("merged file = %q", got)
	}
}
