package hooks

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// fakeConfigsync puts a "configsync" on a fresh PATH directory that logs
// its arguments to log and exits with status.
func fakeConfigsync(t *testing.T, log string, status string) string {
	t.Helper()
	bin := t.TempDir()
	writeFile(t, bin, "configsync", "#!/bin/sh\necho \"configsync $*\" >> '"+log+"'\nexit "+status+"\n")
	if err := os.Chmod(filepath.Join(bin, "configsync"), 0o755); err != nil {
		t.Fatal(err)
	}
	return bin
}

// runHook runs the hook script with sh as git would (cwd at the top of the
// work tree), with args and stdin, and returns its exit status.
func runHook(t *testing.T, hook, top, pathDir, stdin string, args ...string) int {
	t.Helper()
	cmd := exec.Command("sh", append([]string{hook}, args...)...)
	cmd.Dir = top
	cmd.Env = append(os.Environ(), "PATH="+pathDir+":/usr/bin:/bin")
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &exit):
		t.Logf("hook output: %s", out)
		return exit.ExitCode()
	}
	t.Fatalf("run hook: %v\n%s", err, out)
	return -1
}

func readString(t *testing.T, p string) string {
	t.Helper()
	data, err := os.ReadFile(p)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return string(data)
}

func TestInstallFreshAndUninstall(t *testing.T) {
	dir := newRepo(t)
	info, err := Install(filepath.Join(dir), InstallOptions{Command: "configsync"})
	if err != nil {
		t.Fatal(err)
	}
	hook := filepath.Join(dir, ".git", "hooks", "pre-commit")
	if info.Hook != hook || info.Chained != "" || info.Unchanged {
		t.Fatalf("info = %+v", info)
	}
	st, err := os.Stat(hook)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o755 {
		t.Errorf("hook mode %04o, want 0755", st.Mode().Perm())
	}
	log := filepath.Join(t.TempDir(), "log")
	if got := runHook(t, hook, dir, fakeConfigsync(t, log, "0"), ""); got != 0 {
		t.Errorf("check passes: hook exit %d, want 0", got)
	}
	if got := readString(t, log); got != "configsync hooks pre-commit\n" {
		t.Errorf("hook ran %q", got)
	}
	if got := runHook(t, hook, dir, fakeConfigsync(t, log, "1"), ""); got != 1 {
		t.Errorf("check fails: hook exit %d, want 1", got)
	}
	if got := runHook(t, hook, dir, t.TempDir(), ""); got != 1 {
		t.Errorf("configsync missing: hook exit %d, want 1", got)
	}

	if _, err := Uninstall(dir, InstallOptions{}); err != nil {
		t.Fatal(err)
	}
	if exists(hook) {
		t.Error("hook left after uninstall")
	}
	if _, err := Uninstall(dir, InstallOptions{}); !errors.Is(err, ErrNotInstalled) {
		t.Errorf("second uninstall: err = %v, want ErrNotInstalled", err)
	}
}

func TestInstallChainsExistingHook(t *testing.T) {
	dir := newRepo(t)
	hooksDir := filepath.Join(dir, ".git", "hooks")
	log := filepath.Join(t.TempDir(), "log")
	original := "#!/bin/sh\n# someone else's hook\necho \"old $*\" >> '" + log + "'\ncat >> '" + log + "'\nexit 3\n"
	hook := writeFile(t, hooksDir, "pre-commit", original)
	if err := os.Chmod(hook, 0o750); err != nil {
		t.Fatal(err)
	}

	cmd := "/opt/my tools/configsync's"
	info, err := Install(dir, InstallOptions{Command: cmd})
	if err != nil {
		t.Fatal(err)
	}
	chained := hook + ChainedSuffix
	if info.Chained != chained || readString(t, chained) != original {
		t.Fatalf("info = %+v; chained content %q", info, readString(t, chained))
	}
	script := readString(t, hook)
	if !strings.Contains(script, `'/opt/my tools/configsync'\''s' hooks pre-commit`) {
		t.Errorf("command not quoted in script:\n%s", script)
	}

	// Installing again (with the command on PATH this time) is harmless:
	// no double chain, the original is still kept.
	info, err = Install(dir, InstallOptions{Command: "configsync"})
	if err != nil {
		t.Fatal(err)
	}
	if info.Chained != chained || readString(t, chained) != original || exists(chained+ChainedSuffix) {
		t.Fatalf("second install: info %+v, chained %q", info, readString(t, chained))
	}
	info, err = Install(dir, InstallOptions{Command: "configsync"})
	if err != nil || !info.Unchanged {
		t.Fatalf("third install: info %+v, err %v; want Unchanged", info, err)
	}

	// Check passes: the old hook runs with our arguments and stdin, and its
	// exit status is the hook's.
	if got := runHook(t, hook, dir, fakeConfigsync(t, log, "0"), "stdin-data\n", "a1", "b 2"); got != 3 {
		t.Errorf("hook exit %d, want 3 (the chained hook's)", got)
	}
	if got, want := readString(t, log), "configsync hooks pre-commit\nold a1 b 2\nstdin-data\n"; got != want {
		t.Errorf("log = %q, want %q", got, want)
	}
	// Check fails: the old hook does not run.
	os.Remove(log)
	if got := runHook(t, hook, dir, fakeConfigsync(t, log, "1"), ""); got != 1 {
		t.Errorf("hook exit %d, want 1", got)
	}
	if got := readString(t, log); got != "configsync hooks pre-commit\n" {
		t.Errorf("chained hook ran after a refusal: log %q", got)
	}

	// Uninstall restores the original byte for byte, with its mode.
	info, err = Uninstall(dir, InstallOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if info.Chained != chained || readString(t, hook) != original || exists(chained) {
		t.Fatalf("uninstall: info %+v, hook %q", info, readString(t, hook))
	}
	if st, _ := os.Stat(hook); st.Mode().Perm() != 0o750 {
		t.Errorf("restored mode %04o, want 0750", st.Mode().Perm())
	}
	if _, err := Uninstall(dir, InstallOptions{}); !errors.Is(err, ErrNotInstalled) {
		t.Errorf("uninstall of a foreign hook: err = %v, want ErrNotInstalled", err)
	}
}

func TestInstallRefusesToLoseAHook(t *testing.T) {
	dir := newRepo(t)
	hooksDir := filepath.Join(dir, ".git", "hooks")
	writeFile(t, hooksDir, "pre-commit", "#!/bin/sh\nexit 0\n")
	if _, err := Install(dir, InstallOptions{Command: "configsync"}); err != nil {
		t.Fatal(err)
	}
	// Another tool replaced our hook; the chained one is still aside.
	writeFile(t, hooksDir, "pre-commit", "#!/bin/sh\n# husky\n")
	if _, err := Install(dir, InstallOptions{Command: "configsync"}); !errors.Is(err, ErrChainOccupied) {
		t.Fatalf("err = %v, want ErrChainOccupied", err)
	}
	if got := readString(t, filepath.Join(hooksDir, "pre-commit")); got != "#!/bin/sh\n# husky\n" {
		t.Errorf("foreign hook overwritten: %q", got)
	}
	for _, bad := range []string{"", "configsync\nrm -rf /"} {
		if _, err := Install(dir, InstallOptions{Command: bad}); !errors.Is(err, ErrBadCommand) {
			t.Errorf("command %q: err = %v, want ErrBadCommand", bad, err)
		}
	}
	if _, err := Install(t.TempDir(), InstallOptions{Command: "configsync"}); !errors.Is(err, ErrNotRepository) {
		t.Errorf("outside a repository: err = %v, want ErrNotRepository", err)
	}
}

func TestInstallSymlinkHookRestored(t *testing.T) {
	dir := newRepo(t)
	hook := filepath.Join(dir, ".git", "hooks", "pre-commit")
	target := writeFile(t, dir, "tools/hook.sh", "#!/bin/sh\n")
	if err := os.Symlink(target, hook); err != nil {
		t.Fatal(err)
	}
	if _, err := Install(dir, InstallOptions{Command: "configsync"}); err != nil {
		t.Fatal(err)
	}
	if got := readString(t, target); got != "#!/bin/sh\n" {
		t.Fatalf("symlink target overwritten: %q", got)
	}
	if _, err := Uninstall(dir, InstallOptions{}); err != nil {
		t.Fatal(err)
	}
	if got, err := os.Readlink(hook); err != nil || got != target {
		t.Errorf("symlink not restored: %q, %v", got, err)
	}
}

func TestInstallHooksPath(t *testing.T) {
	dir := newRepo(t)
	git(t, dir, "config", "core.hooksPath", ".githooks")
	sub := filepath.Join(dir, "src", "pkg")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	info, err := Install(sub, InstallOptions{Command: "configsync"})
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dir, ".githooks", "pre-commit"); info.Hook != want {
		t.Fatalf("hook at %s, want %s", info.Hook, want)
	}

	// Global config, with ~ expansion; the repository's setting wins.
	home := t.TempDir()
	global := writeFile(t, home, ".gitconfig", "[core]\n\thooksPath = ~/global-hooks\n")
	git(t, dir, "config", "--unset", "core.hooksPath")
	got, err := HooksDir(dir, InstallOptions{GlobalConfig: []string{global}, Home: home})
	if err != nil || got != filepath.Join(home, "global-hooks") {
		t.Errorf("global hooksPath: %q, %v", got, err)
	}
	git(t, dir, "config", "core.hooksPath", "/abs/hooks")
	got, err = HooksDir(dir, InstallOptions{GlobalConfig: []string{global}, Home: home})
	if err != nil || got != "/abs/hooks" {
		t.Errorf("local over global: %q, %v", got, err)
	}
}

// TestInstallRealCommit lets git itself run the installed hook.
func TestInstallRealCommit(t *testing.T) {
	dir := newRepo(t)
	log := filepath.Join(t.TempDir(), "log")
	writeFile(t, dir, ".git/hooks/pre-commit", "#!/bin/sh\necho chained >> '"+log+"'\n")
	os.Chmod(filepath.Join(dir, ".git/hooks/pre-commit"), 0o755)
	for _, status := range []string{"1", "0"} {
		bin := fakeConfigsync(t, log, status)
		if _, err := Install(dir, InstallOptions{Command: filepath.Join(bin, "configsync")}); err != nil {
			t.Fatal(err)
		}
		writeFile(t, dir, "a.txt", status)
		git(t, dir, "add", "a.txt")
		err := execGit(dir, "commit", "-q", "-m", "x").Run()
		if (status == "1") != (err != nil) {
			t.Errorf("configsync exit %s: commit error %v", status, err)
		}
	}
	if got, want := readString(t, log), "configsync hooks pre-commit\nconfigsync hooks pre-commit\nchained\n"; got != want {
		t.Errorf("log = %q, want %q", got, want)
	}
}

func TestInstallWorktreeAndSubmodule(t *testing.T) {
	dir := newRepo(t)
	writeFile(t, dir, "a", "a")
	git(t, dir, "add", ".")
	git(t, dir, "commit", "-q", "-m", "first")
	wt := filepath.Join(t.TempDir(), "wt")
	git(t, dir, "worktree", "add", "-q", wt)
	info, err := Install(wt, InstallOptions{Command: "configsync"})
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dir, ".git", "hooks", "pre-commit"); info.Hook != want {
		t.Errorf("worktree hook at %s, want %s", info.Hook, want)
	}

	// A submodule's .git is a file pointing into .git/modules.
	sub := newRepo(t)
	writeFile(t, sub, "s", "s")
	git(t, sub, "add", ".")
	git(t, sub, "commit", "-q", "-m", "sub")
	git(t, dir, "-c", "protocol.file.allow=always", "submodule", "add", "-q", sub, "mod")
	info, err = Install(filepath.Join(dir, "mod"), InstallOptions{Command: "configsync"})
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dir, ".git", "modules", "mod", "hooks", "pre-commit"); info.Hook != want {
		t.Errorf("submodule hook at %s, want %s", info.Hook, want)
	}
	if !bytes.Contains([]byte(readString(t, info.Hook)), []byte(hookMarker)) {
		t.Error("submodule hook not written")
	}
}
