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

// terminalLab runs configsync in-process as on a terminal (stdin given,
// no passphrase prompt), for machines that share a bare remote under
// root; keyFile is Alice's identity.
type terminalLab struct {
	t                     *testing.T
	root, remote, keyFile string
}

func newTerminalLab(t *testing.T) *terminalLab {
	root := t.TempDir()
	remote := filepath.Join(root, "remote.git")
	if out, err := exec.Command("git", "init", "-q", "--bare", remote).CombinedOutput(); err != nil {
		t.Fatalf("git init: %v\n%s", err, out)
	}
	keyFile := filepath.Join(root, "alice.asc")
	if err := os.WriteFile(keyFile, testkeys.Alice(), 0o600); err != nil {
		t.Fatal(err)
	}
	return &terminalLab{t: t, root: root, remote: remote, keyFile: keyFile}
}

// call runs configsync with HOME=home and returns its exit code and output.
func (l *terminalLab) call(home, stdin string, args ...string) (int, string, string) {
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

// run is call for a command that must succeed.
func (l *terminalLab) run(home, stdin string, args ...string) (string, string) {
	l.t.Helper()
	code, stdout, stderr := l.call(home, stdin, args...)
	if code != 0 {
		l.t.Fatalf("configsync %s: exit %d\n%s%s", strings.Join(args, " "), code, stdout, stderr)
	}
	return stdout, stderr
}

// write writes body to p (0600), making its directories.
func (l *terminalLab) write(p, body string) {
	l.t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		l.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		l.t.Fatal(err)
	}
}
