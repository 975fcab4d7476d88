package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/configsync/configsync/internal/gittest"
	"github.com/configsync/configsync/internal/testkeys"
)

// Stress tests: the real binary (the test binary itself, found on PATH as
// "configsync" through testscript.Main), as several processes, against
// one remote. Nothing here asserts on time; delays only spread the kills.

// machine is one computer: its own HOME and CONFIGSYNC_HOME.
type machine struct {
	t      *testing.T
	home   string
	extra  []string
	cshome string
}

func newMachine(t *testing.T, root, name string) *machine {
	home := filepath.Join(root, name)
	if err := os.MkdirAll(home, 0o700); err != nil {
		t.Fatal(err)
	}
	return &machine{t: t, home: home, cshome: filepath.Join(home, ".configsync")}
}

func (m *machine) env() []string {
	return append([]string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + m.home,
		"CONFIGSYNC_HOME=" + m.cshome,
		"XDG_CONFIG_HOME=" + filepath.Join(m.home, ".config"),
		"GIT_CONFIG_NOSYSTEM=1",
		"TMPDIR=" + os.TempDir(),
		"TZ=UTC",
	}, m.extra...)
}

func (m *machine) command(args ...string) *exec.Cmd {
	cmd := exec.Command("configsync", args...)
	cmd.Env = m.env()
	cmd.Dir = m.home
	return cmd
}

// run runs configsync and returns its stdout and stderr.
func (m *machine) run(args ...string) (string, string, error) {
	cmd := m.command(args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	return stdout.String(), stderr.String(), err
}

// must runs configsync and fails the test if it fails.
func (m *machine) must(args ...string) string {
	m.t.Helper()
	stdout, stderr, err := m.run(args...)
	if err != nil {
		m.t.Fatalf("%s: configsync %s: %v\n%s%s", filepath.Base(m.home), strings.Join(args, " "), err, stdout, stderr)
	}
	return stdout
}

func (m *machine) write(rel, data string) {
	m.t.Helper()
	p := filepath.Join(m.home, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		m.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
		m.t.Fatal(err)
	}
}

// join imports key as this machine's identity; with remote, it clones
// the store.
func (m *machine) join(key []byte, remote string) {
	m.t.Helper()
	f := filepath.Join(m.home, "identity-import.asc")
	if err := os.WriteFile(f, key, 0o600); err != nil {
		m.t.Fatal(err)
	}
	m.must("keys", "import", f)
	os.Remove(f)
	if remote != "" {
		m.must("init", "--remote", remote)
	}
}

func gitOut(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

func fsckStrict(t *testing.T, gitDir string) {
	t.Helper()
	gitOut(t, "--git-dir", gitDir, "fsck", "--strict", "--no-dangling")
}

// team makes a store on remote with alice as admin and bob as a dev
// member, both machines joined.
func team(t *testing.T, root, remote string) (alice, bob *machine) {
	alice = newMachine(t, root, "alice")
	bob = newMachine(t, root, "bob")
	bob.join(testkeys.Bob(), "")
	pub := filepath.Join(root, "bob.pub.asc")
	if err := os.WriteFile(pub, []byte(bob.must("keys", "export")), 0o600); err != nil {
		t.Fatal(err)
	}
	alice.join(testkeys.Alice(), remote)
	alice.must("env", "create", "development", "--tier", "dev")
	alice.must("team", "add", pub, "--tier", "dev")
	bob.must("init", "--remote", remote)
	return alice, bob
}

// exportJSON reads project's variables straight from remote, as CI does.
func exportJSON(t *testing.T, root, remote, project string) map[string]string {
	t.Helper()
	ci := newMachine(t, root, fmt.Sprintf("ci-%d", rand.Int()))
	ci.extra = []string{"CONFIGSYNC_IDENTITY=" + string(testkeys.Alice()), "CONFIGSYNC_ADMINS=" + testkeys.AliceFingerprint}
	out := ci.must("export", "--remote", remote, "--env", "development", "--project", project, "--format", "json")
	var vars map[string]string
	if err := json.Unmarshal([]byte(out), &vars); err != nil {
		t.Fatalf("export output %q: %v", out, err)
	}
	return vars
}

// TestStressConcurrentPushes: two machines each push 8 successive changes
// to their own item of one environment, at the same time, to one remote
// (a bare repository on disk, and a real git daemon). Every push succeeds,
// the store ends with both last values and one commit per push, and git
// fsck --strict passes everywhere.
func TestStressConcurrentPushes(t *testing.T) {
	if testing.Short() {
		t.Skip("stress test")
	}
	for _, transport := range []string{"path", "git-daemon"} {
		t.Run(transport, func(t *testing.T) {
			root := t.TempDir()
			bare := filepath.Join(root, "srv", "secrets.git")
			gitOut(t, "init", "-q", "--bare", bare)
			remote := bare
			if transport == "git-daemon" {
				srv, err := gittest.Daemon(filepath.Join(root, "srv"))
				if err != nil {
					t.Fatal(err)
				}
				defer srv.Stop()
				remote = srv.URL + "secrets.git"
			}
			alice, bob := team(t, root, remote)
			alice.write("git/myapp/.env", "ALICE_VALUE=alice-0\n")
			alice.must("add", "env", filepath.Join(alice.home, "git/myapp"))
			alice.must("push")
			bob.write("git/myapp/.env.local", "BOB_VALUE=bob-0\n")
			bob.must("add", "env", filepath.Join(bob.home, "git/myapp"))
			bob.must("push")
			before := gitOut(t, "--git-dir", bare, "rev-parse", "configsync")

			const rounds = 8
			type pusher struct {
				m          *machine
				file, key  string
				prefix     string
				failures   []string
				mergeLines int
			}
			pushers := []*pusher{
				{m: alice, file: "git/myapp/.env", key: "ALICE_VALUE", prefix: "alice"},
				{m: bob, file: "git/myapp/.env.local", key: "BOB_VALUE", prefix: "bob"},
			}
			start := make(chan struct{})
			var wg sync.WaitGroup
			for _, p := range pushers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					for i := 1; i <= rounds; i++ {
						p.m.write(p.file, fmt.Sprintf("%s=%s-%d\n", p.key, p.prefix, i))
						stdout, stderr, err := p.m.run("push")
						if err != nil || !strings.Contains(stdout, `Pushed 1 env file to "development" scope.`) {
							p.failures = append(p.failures, fmt.Sprintf("push %d: %v\n%s%s", i, err, stdout, stderr))
						}
					}
				}()
			}
			close(start)
			wg.Wait()
			for _, p := range pushers {
				for _, f := range p.failures {
					t.Errorf("%s: %s", p.prefix, f)
				}
			}

			vars := exportJSON(t, root, remote, "myapp")
			if vars["ALICE_VALUE"] != "alice-8" || vars["BOB_VALUE"] != "bob-8" {
				t.Errorf("the store ends with %v, want ALICE_VALUE=alice-8 BOB_VALUE=bob-8", vars)
			}
			// One commit per push, none lost, none merged away.
			log := gitOut(t, "--git-dir", bare, "log", "--format=%an %s", before+"..configsync")
			lines := strings.Split(log, "\n")
			if len(lines) != 2*rounds {
				t.Errorf("%d commits after the concurrent pushes, want %d:\n%s", len(lines), 2*rounds, log)
			}
			for _, want := range []string{"Alice", "Bob"} {
				if n := strings.Count(log, want+" push development: 1 item"); n != rounds {
					t.Errorf("%d pushes by %s in the log, want %d:\n%s", n, want, rounds, log)
				}
			}
			fsckStrict(t, bare)
			fsckStrict(t, filepath.Join(alice.cshome, "store.git"))
			fsckStrict(t, filepath.Join(bob.cshome, "store.git"))
		})
	}
}

// TestStressKilledPush kills `configsync push` of a large change set with
// SIGKILL after random delays spread over a normal push's duration, round
// after round (which points are hit depends on timing; they are logged,
// and remote_leftover.txtar and remote_locks.txtar recreate each one
// deterministically). Even rounds kill configsync alone: the
// git-receive-pack it started on the remote (a bare repository on this
// disk) finishes or aborts on its own, as a server would. Odd rounds kill
// the whole process group, receive-pack too, as a closed terminal would:
// that can leave git's lock on the remote's branch, which the next push
// must name (configsync, like git, never removes a lock on a remote);
// the test then removes it, as the user would.
//
// After every kill the remote and the local store pass git fsck --strict,
// the local files are untouched, and the next push succeeds (taking over
// the dead process's lock and any ref lock it left in the local store)
// and leaves the remote holding exactly the local files.
func TestStressKilledPush(t *testing.T) {
	if testing.Short() {
		t.Skip("stress test")
	}
	const items, kills = 400, 8
	root := t.TempDir()
	remote := filepath.Join(root, "secrets.git")
	gitOut(t, "init", "-q", "--bare", remote)
	alice := newMachine(t, root, "alice")
	alice.join(testkeys.Alice(), remote)
	alice.must("env", "create", "development", "--tier", "dev")
	store := filepath.Join(alice.cshome, "store.git")
	dir := filepath.Join(alice.home, "git", "big")
	writeRound := func(round int) map[string][]byte {
		files := map[string][]byte{}
		for i := range items {
			name := fmt.Sprintf(".env.item%03d", i)
			data := fmt.Appendf(nil, "ITEM_%03d=value-%03d-round-%d\nSHARED=%d\n", i, i, round, round)
			if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
				t.Fatal(err)
			}
			files[name] = data
		}
		return files
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	writeRound(0)
	alice.must("add", "env", dir)
	alice.must("push")

	// A normal push of every item changed: its duration only sets the
	// range the kill delays are drawn from.
	writeRound(1)
	began := time.Now()
	alice.must("push")
	full := time.Since(began)

	phases := map[string]int{}
	staleLocks, remoteLocks := 0, 0
	remoteLock := filepath.Join(remote, "refs", "heads", "configsync.lock")
	for round := 2; round < 2+kills; round++ {
		group := round%2 == 1
		files := writeRound(round)
		localBefore := gitOut(t, "--git-dir", store, "rev-parse", "configsync")
		remoteBefore := gitOut(t, "--git-dir", remote, "rev-parse", "configsync")

		cmd := alice.command("push")
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Spread over the whole push, its second half (commit, then the
		// push to the remote) drawn more often.
		frac := 0.2 + 0.9*(float64(round-2)+rand.Float64())/kills
		time.Sleep(time.Duration(frac * float64(full)))
		if group {
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		} else {
			cmd.Process.Kill()
		}
		err := cmd.Wait()
		var ee *exec.ExitError
		killed := errors.As(err, &ee) && ee.ProcessState.Sys().(syscall.WaitStatus).Signaled()
		waitGitOn(t, remote) // a receive-pack left running finishes alone

		localAfter := gitOut(t, "--git-dir", store, "rev-parse", "configsync")
		remoteAfter := gitOut(t, "--git-dir", remote, "rev-parse", "configsync")
		switch {
		case !killed:
			phases["finished before the kill"]++
		case localAfter == localBefore:
			phases["killed before its commit"]++
		case remoteAfter == remoteBefore:
			phases["killed between its commit and the remote update"]++
		default:
			phases["killed after the remote update"]++
		}
		if _, err := os.Stat(filepath.Join(alice.cshome, "lock")); err == nil {
			staleLocks++
		}

		// Intact: the remote and the local store, and the files.
		fsckStrict(t, remote)
		fsckStrict(t, store)
		for name, want := range files {
			got, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil || !bytes.Equal(got, want) {
				t.Fatalf("round %d: %s changed by a killed push: %q, %v", round, name, got, err)
			}
		}

		// A lock the killed receive-pack left on the remote: the next
		// push names it and changes nothing; the user removes it.
		if _, err := os.Stat(remoteLock); err == nil {
			if !group {
				t.Fatalf("round %d: killing configsync alone left %s", round, remoteLock)
			}
			remoteLocks++
			stdout, stderr, err := alice.run("push")
			if err == nil || !strings.Contains(stderr, remoteLock+" exists: if no push to that remote is running, remove the file there") {
				t.Fatalf("round %d: push with the remote's branch locked: %v\n%s%s", round, err, stdout, stderr)
			}
			if got := gitOut(t, "--git-dir", remote, "rev-parse", "configsync"); got != remoteAfter {
				t.Fatalf("round %d: the remote moved to %s while locked", round, got)
			}
			os.Remove(remoteLock)
		}

		// The next push succeeds and the remote then holds every file.
		stdout := alice.must("push")
		if !strings.Contains(stdout, "Pushed 400 env files") && !strings.Contains(stdout, "Everything up to date") {
			t.Fatalf("round %d: push after the kill said:\n%s", round, stdout)
		}
		if got, want := gitOut(t, "--git-dir", remote, "rev-parse", "configsync"), gitOut(t, "--git-dir", store, "rev-parse", "configsync"); got != want {
			t.Fatalf("round %d: remote at %s, local store at %s after the next push", round, got, want)
		}
		reader := newMachine(t, root, fmt.Sprintf("reader-%d", round))
		reader.extra = []string{"CONFIGSYNC_IDENTITY=" + string(testkeys.Alice()), "CONFIGSYNC_ADMINS=" + testkeys.AliceFingerprint}
		out := filepath.Join(reader.home, "out")
		reader.must("pull", "--remote", remote, "--env", "development", "--project", "big", "--dest", out)
		for name, want := range files {
			got, err := os.ReadFile(filepath.Join(out, name))
			if err != nil || !bytes.Equal(got, want) {
				t.Fatalf("round %d: the remote's %s is %q (%v), want %q", round, name, got, err, want)
			}
		}
		fsckStrict(t, remote)
		fsckStrict(t, store)
		if _, err := os.Stat(filepath.Join(alice.cshome, "lock")); err == nil {
			t.Fatalf("round %d: the lock is still there after a finished push", round)
		}
	}
	t.Logf("%d kills over %v-long pushes: %v; %d left configsync's lock behind, %d a lock on the remote",
		kills, full.Round(time.Millisecond), phases, staleLocks, remoteLocks)
}

// waitGitOn waits until no live process works on repo (a git-receive-pack
// orphaned by a killed configsync), scanning /proc. The limit only guards
// against a hung test.
func waitGitOn(t *testing.T, repo string) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if !gitRunningOn(repo) {
			return
		}
	}
	t.Fatalf("a git process on %s did not finish", repo)
}

func gitRunningOn(repo string) bool {
	cmdlines, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, f := range cmdlines {
		b, err := os.ReadFile(f)
		if err != nil || !bytes.Contains(b, []byte(repo)) || !bytes.Contains(b, []byte("git")) {
			continue
		}
		stat, err := os.ReadFile(filepath.Join(filepath.Dir(f), "stat"))
		if err != nil {
			continue
		}
		// The state follows the parenthesised command name; a zombie
		// (Z) has finished, whoever reaps it.
		if i := bytes.LastIndexByte(stat, ')'); i >= 0 && i+2 < len(stat) && stat[i+2] == 'Z' {
			continue
		}
		return true
	}
	return false
}
