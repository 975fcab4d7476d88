package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/configsync/configsync/internal/testkeys"
)

// TestProgress: a push of many items reports its progress on a terminal
// (git-style, one line rewritten in place, then "done."), and is quiet in
// a pipe, in CI and with --quiet. In-process, with the terminal faked.
func TestProgress(t *testing.T) {
	root := t.TempDir()
	remote := filepath.Join(root, "remote.git")
	if out, err := exec.Command("git", "init", "-q", "--bare", remote).CombinedOutput(); err != nil {
		t.Fatalf("git init: %v\n%s", err, out)
	}
	home := filepath.Join(root, "home")
	dir := filepath.Join(home, "git", "many")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(root, "alice.asc")
	if err := os.WriteFile(keyFile, testkeys.Alice(), 0o600); err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{
		"HOME":            home,
		"CONFIGSYNC_HOME": filepath.Join(home, ".configsync"),
	}
	run := func(terminal bool, args ...string) (string, string) {
		t.Helper()
		var stdout, stderr bytes.Buffer
		env := &Env{
			Stdin:            strings.NewReader(""),
			Stdout:           &stdout,
			Stderr:           &stderr,
			Getenv:           func(k string) string { return vars[k] },
			Environ:          func() []string { return nil },
			Now:              time.Now,
			IsTerminal:       func() bool { return terminal },
			StdoutIsTerminal: func() bool { return terminal },
			ReadPassword:     func() ([]byte, error) { return nil, fmt.Errorf("no terminal") },
		}
		if code := Main(args, env); code != 0 {
			t.Fatalf("configsync %s: exit %d\n%s%s", strings.Join(args, " "), code, stdout.String(), stderr.String())
		}
		return stdout.String(), stderr.String()
	}
	round := 0
	writeItems := func() {
		round++
		for i := range 60 {
			data := fmt.Sprintf("ITEM_%02d=round-%d\n", i, round)
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf(".env.item%02d", i)), []byte(data), 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
	run(false, "keys", "import", keyFile)
	run(false, "init", "--remote", remote)
	run(false, "env", "create", "development", "--tier", "dev")
	writeItems()
	run(false, "add", "env", dir)

	stdout, stderr := run(true, "push")
	if !regexp.MustCompile(`Encrypting items: 100% \(60/60\), [0-9]+/s, done.\n$`).MatchString(stderr) || !strings.Contains(stderr, "\r") {
		t.Errorf("push of 60 items on a terminal: no progress (count and rate) on stderr:\n%q", stderr)
	}
	if !strings.Contains(stdout, "\x1b[32m✓\x1b[0m ~/git/many/.env.item00") {
		t.Errorf("push on a terminal: no green ✓:\n%q", stdout)
	}
	if n := strings.Count(stdout, "\x1b["); n != 2*60 {
		t.Errorf("push on a terminal: %d escape sequences, want one colour and one reset per item line:\n%q", n, stdout)
	}

	for _, tc := range []struct {
		name     string
		terminal bool
		ci       string
		args     []string
	}{
		{"pipe", false, "", []string{"push"}},
		{"CI", true, "true", []string{"push"}},
		{"quiet", true, "", []string{"push", "--quiet"}},
	} {
		writeItems()
		vars["CI"] = tc.ci
		stdout, stderr := run(tc.terminal, tc.args...)
		if stderr != "" || strings.Contains(stdout, "\r") {
			t.Errorf("%s: push printed progress:\nstdout %q\nstderr %q", tc.name, stdout, stderr)
		}
		if !tc.terminal && strings.Contains(stdout, "\x1b") {
			t.Errorf("%s: colour without a terminal:\n%q", tc.name, stdout)
		}
	}
	vars["CI"] = ""

	// NO_COLOR (no-color.org) and TERM=dumb: progress still, colour never.
	for _, v := range [][2]string{{"NO_COLOR", "1"}, {"TERM", "dumb"}} {
		writeItems()
		vars[v[0]] = v[1]
		stdout, stderr := run(true, "push")
		delete(vars, v[0])
		if strings.Contains(stdout, "\x1b") || !strings.Contains(stdout, "✓ ~/git/many/.env.item00") {
			t.Errorf("%s=%s: colour in the output:\n%q", v[0], v[1], stdout)
		}
		if !strings.Contains(stderr, "done.") {
			t.Errorf("%s=%s: no progress:\n%q", v[0], v[1], stderr)
		}
	}
}

// TestTerminalWriter: a remote's progress keeps its carriage returns
// and newlines, loses its escape sequences, and split characters pass.
func TestTerminalWriter(t *testing.T) {
	var buf bytes.Buffer
	w := terminalWriter{&buf}
	for _, chunk := range []string{"Counting: 50%\r", "Counting: 100%, done.\n", "\x1b[2J\x07é"[:6], "é"[1:] + "\n"} {
		n, err := w.Write([]byte(chunk))
		if err != nil || n != len(chunk) {
			t.Fatalf("Write(%q) = %d, %v", chunk, n, err)
		}
	}
	want := "Counting: 50%\rCounting: 100%, done.\n\\x1b[2J\\x07é\n"
	if buf.String() != want {
		t.Fatalf("got %q, want %q", buf.String(), want)
	}
}
