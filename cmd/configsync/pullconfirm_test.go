package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/configsync/configsync/internal/testkeys"
)

// TestPullConfirmsNewFiles: on a terminal, pull lists the file items this
// machine never had and restores them only on a yes (DESIGN §5a); env
// items need no confirmation. In-process, with the terminal faked.
func TestPullConfirmsNewFiles(t *testing.T) {
	lab := newTerminalLab(t)
	root, remote, keyFile := lab.root, lab.remote, lab.keyFile
	run, write := lab.run, lab.write

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
