package main

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// The script commands of the inject and export scripts
// (testdata/scripts/inject_*.txtar, export_*.txtar). They are registered in
// scriptCommands.

// cmdExitcode: exitcode N PROG ARGS...: runs PROG like exec does (stdout
// and stderr are kept for the next commands) and checks that its exit
// status is exactly N.
func cmdExitcode(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exitcode N PROG [ARGS...]")
	}
	want, err := strconv.Atoi(args[0])
	ts.Check(err)
	err = ts.Exec(args[1], args[2:]...)
	got := 0
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		got = ee.ExitCode()
	case err != nil:
		ts.Fatalf("%s: %v", args[1], err)
	}
	if got != want {
		ts.Fatalf("%s exited with status %d, want %d", args[1], got, want)
	}
}

// cmdSetenvfile: setenvfile NAME FILE: sets the script variable NAME to
// the contents of FILE (an armored key for CONFIGSYNC_IDENTITY, say).
func cmdSetenvfile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: setenvfile NAME FILE")
	}
	ts.Setenv(args[0], ts.ReadFile(args[1]))
}

// cmdWaitfile: waitfile FILE: waits until FILE exists and is not empty
// (a background command saying it is ready). The limit only guards against
// a hung script; nothing is asserted about time.
func cmdWaitfile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: waitfile FILE")
	}
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if st, err := os.Stat(ts.MkAbs(args[0])); err == nil && st.Size() > 0 {
			return
		}
	}
	ts.Fatalf("%s never appeared", args[0])
}

// lastBackground is the most recent command started with exec ... &.
func lastBackground(ts *testscript.TestScript) *exec.Cmd {
	cmds := ts.BackgroundCmds()
	if len(cmds) == 0 || cmds[len(cmds)-1].Process == nil {
		ts.Fatalf("no background command is running")
	}
	return cmds[len(cmds)-1]
}

// cmdBgpid: bgpid FILE: writes the process id of the most recent
// background command to FILE, with a newline.
func cmdBgpid(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: bgpid FILE")
	}
	pid := lastBackground(ts).Process.Pid
	ts.Check(os.WriteFile(ts.MkAbs(args[0]), []byte(strconv.Itoa(pid)+"\n"), 0o600))
}

// cmdSignal: signal TERM|INT|HUP|USR1: sends the signal to the most recent
// background command (testscript's own kill knows only INT and KILL).
func cmdSignal(ts *testscript.TestScript, neg bool, args []string) {
	signals := map[string]syscall.Signal{"TERM": syscall.SIGTERM, "INT": syscall.SIGINT, "HUP": syscall.SIGHUP, "USR1": syscall.SIGUSR1}
	if neg || len(args) != 1 || signals[args[0]] == 0 {
		ts.Fatalf("usage: signal TERM|INT|HUP|USR1")
	}
	ts.Check(lastBackground(ts).Process.Signal(signals[args[0]]))
}

// cmdTreesnap: treesnap DIR OUT: writes to OUT one line per entry under
// DIR (path, type, mode, size, modification time in nanoseconds, SHA-256
// of a file, target of a symlink), sorted. Entries under OUT's own
// directory are left out, so snapshots kept in one directory (create it
// first) compare equal when nothing under DIR changed: a file created, even
// briefly, changes its directory's modification time.
func cmdTreesnap(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: treesnap DIR OUT")
	}
	root, out := ts.MkAbs(args[0]), ts.MkAbs(args[1])
	skip := filepath.Dir(out)
	if skip == root {
		ts.Fatalf("treesnap: keep OUT in a directory of its own under %s", args[0])
	}
	var b strings.Builder
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == skip {
			return filepath.SkipDir
		}
		st, err := os.Lstat(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		fmt.Fprintf(&b, "%s %s %d %d", rel, st.Mode(), st.Size(), st.ModTime().UnixNano())
		switch {
		case st.Mode().IsRegular():
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			fmt.Fprintf(&b, " %x", sha256.Sum256(data))
		case st.Mode()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			fmt.Fprintf(&b, " -> %s", target)
		}
		b.WriteByte('\n')
		return nil
	})
	ts.Check(err)
	ts.Check(os.WriteFile(out, []byte(b.String()), 0o600))
}

// cmdEnvcheck: envcheck FORMAT FILE WANT: decodes FILE (or "stdout") in
// FORMAT — github (the Actions runner's $GITHUB_ENV grammar), json
// (encoding/json, string values), dotenv (our parser, expansion on) or nul
// (NAME NUL VALUE NUL pairs printed by a shell or python) — and checks it
// holds exactly the variables of WANT (lines `KEY "Go-quoted value"`), in
// order.
func cmdEnvcheck(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: envcheck github|json|dotenv|nul FILE WANT")
	}
	got, err := decodeFormat(args[0], []byte(ts.ReadFile(args[1])))
	if err != nil {
		ts.Fatalf("%s is not valid %s: %v", args[1], args[0], err)
	}
	want, err := readWant(ts.ReadFile(args[2]))
	ts.Check(err)
	if d := diffVars(got, want); len(d) > 0 {
		ts.Fatalf("%s (%s) differs from %s:\n%s", args[1], args[0], args[2], strings.Join(d, "\n"))
	}
}

// cmdGhmasks: ghmasks WANT: stdout is only ::add-mask:: commands, and they
// cover every non-blank line of every value of WANT.
func cmdGhmasks(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: ghmasks WANT")
	}
	masked, err := parseMasks(ts.ReadFile("stdout"))
	ts.Check(err)
	want, err := readWant(ts.ReadFile(args[0]))
	ts.Check(err)
	if missing := unmasked(want, masked); len(missing) > 0 {
		ts.Fatalf("value lines with no ::add-mask::: %q", missing)
	}
}
