package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPullChoosesKeysOnTerminal: on a terminal, pull asks which side wins
// each key both machines changed, showing names and masked values only;
// an answer that is neither refuses with the file untouched.
func TestPullChoosesKeysOnTerminal(t *testing.T) {
	lab := newTerminalLab(t)
	root, remote, keyFile := lab.root, lab.remote, lab.keyFile
	call, run, write := lab.call, lab.run, lab.write

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
