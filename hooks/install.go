package hooks

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	gitconfig "github.com/go-git/go-git/v5/plumbing/format/config"

	"github.com/configsync/configsync/config"
	"github.com/configsync/configsync/internal/rofile"
)

// HookName is the git hook configsync installs.
const HookName = "pre-commit"

// ChainedSuffix is appended to the name of a hook that was already in place
// when configsync installed its own: configsync's hook runs it after its
// check passes, and Uninstall puts it back.
const ChainedSuffix = ".configsync-chained"

// hookMarker identifies a hook script written by configsync.
const hookMarker = "# configsync-hook-v1"

var (
	// ErrNotRepository means no git work tree was found at or above the
	// given directory.
	ErrNotRepository = errors.New("not inside a git work tree")

	// ErrChainOccupied means a foreign pre-commit hook is in place and a
	// previously chained hook is kept too, so installing would lose one.
	ErrChainOccupied = errors.New("a chained hook is already kept aside")

	// ErrNotInstalled means configsync's hook is not the pre-commit hook.
	ErrNotInstalled = errors.New("the configsync pre-commit hook is not installed")

	// ErrBadCommand means the command given for the hook script is empty or
	// contains a newline or NUL.
	ErrBadCommand = errors.New("invalid hook command")
)

// InstallOptions says where the hook goes and what it runs.
type InstallOptions struct {
	// Command is how the hook script runs configsync: an absolute path to
	// the binary, or "configsync" to look it up on PATH. The script runs
	// "COMMAND hooks pre-commit".
	Command string
	// GlobalConfig lists git configuration files read before the
	// repository's own, lowest priority first (for instance
	// $XDG_CONFIG_HOME/git/config, then ~/.gitconfig), for core.hooksPath.
	// Missing files are ignored.
	GlobalConfig []string
	// Home expands a leading "~/" in core.hooksPath.
	Home string
}

// HookInfo describes the result of Install or Uninstall.
type HookInfo struct {
	// Hook is the path of the pre-commit hook.
	Hook string
	// Chained is the path where the previous hook is kept (after Install)
	// or from which it was restored (after Uninstall); empty if none.
	Chained string
	// Unchanged is true when Install found its hook already in place, as is.
	Unchanged bool
}

// Install writes configsync's pre-commit hook into the hooks directory of
// the git work tree containing repoDir (core.hooksPath if set, relative
// paths taken from the top of the work tree; otherwise the hooks directory
// of the common git directory, so worktrees and submodules work). A hook
// that is already there and not ours is renamed to pre-commit
// .configsync-chained and run by our hook after our check passes, with the
// same arguments and standard input, its exit status being the hook's.
// Installing again only refreshes our script.
func Install(repoDir string, opts InstallOptions) (*HookInfo, error) {
	if opts.Command == "" || strings.ContainsAny(opts.Command, "\n\r\x00") {
		return nil, fmt.Errorf("%q: %w", opts.Command, ErrBadCommand)
	}
	dir, err := HooksDir(repoDir, opts)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("install hook: %w", err)
	}
	info := &HookInfo{Hook: filepath.Join(dir, HookName)}
	chained := info.Hook + ChainedSuffix
	script := []byte(hookScript(opts.Command))

	ours, current, err := readHook(info.Hook)
	if err != nil {
		return nil, fmt.Errorf("install hook: %w", err)
	}
	chainExists := exists(chained)
	switch {
	case ours && bytes.Equal(current, script):
		info.Unchanged = true
	case current != nil && !ours:
		if chainExists {
			return nil, fmt.Errorf("%s is not configsync's hook and %s exists: move one of them away first: %w", info.Hook, chained, ErrChainOccupied)
		}
		if err := os.Rename(info.Hook, chained); err != nil {
			return nil, fmt.Errorf("install hook: keep existing hook: %w", err)
		}
		chainExists = true
		fallthrough
	default:
		if err := writeHook(info.Hook, script); err != nil {
			return nil, fmt.Errorf("install hook: %w", err)
		}
	}
	if chainExists {
		info.Chained = chained
	}
	return info, nil
}

// Uninstall removes configsync's pre-commit hook and puts back the hook it
// chained to, byte for byte, if there was one. It fails with
// ErrNotInstalled when the pre-commit hook is not ours.
func Uninstall(repoDir string, opts InstallOptions) (*HookInfo, error) {
	dir, err := HooksDir(repoDir, opts)
	if err != nil {
		return nil, err
	}
	info := &HookInfo{Hook: filepath.Join(dir, HookName)}
	chained := info.Hook + ChainedSuffix
	ours, current, err := readHook(info.Hook)
	if err != nil {
		return nil, fmt.Errorf("uninstall hook: %w", err)
	}
	switch {
	case ours:
		if err := os.Remove(info.Hook); err != nil {
			return nil, fmt.Errorf("uninstall hook: %w", err)
		}
	case current == nil && exists(chained):
		// our hook was deleted by hand: still restore the chained one
	default:
		return nil, fmt.Errorf("%s: %w", info.Hook, ErrNotInstalled)
	}
	if exists(chained) {
		if err := os.Rename(chained, info.Hook); err != nil {
			return nil, fmt.Errorf("uninstall hook: restore chained hook: %w", err)
		}
		info.Chained = chained
	}
	return info, nil
}

// HooksDir returns the directory git runs hooks from for the work tree
// containing repoDir.
func HooksDir(repoDir string, opts InstallOptions) (string, error) {
	l, err := findRepo(repoDir)
	if err != nil {
		return "", err
	}
	files := append([]string(nil), opts.GlobalConfig...)
	files = append(files, filepath.Join(l.commonDir, "config"))
	hooksPath, worktreeConfig := "", false
	for _, f := range files {
		p, wc, err := readCoreConfig(f)
		if err != nil {
			return "", err
		}
		if p != "" {
			hooksPath = p
		}
		worktreeConfig = worktreeConfig || wc
	}
	if worktreeConfig {
		p, _, err := readCoreConfig(filepath.Join(l.gitDir, "config.worktree"))
		if err != nil {
			return "", err
		}
		if p != "" {
			hooksPath = p
		}
	}
	switch {
	case hooksPath == "":
		return filepath.Join(l.commonDir, "hooks"), nil
	case strings.HasPrefix(hooksPath, "~/") && opts.Home != "":
		return filepath.Join(opts.Home, hooksPath[2:]), nil
	case filepath.IsAbs(hooksPath):
		return filepath.Clean(hooksPath), nil
	default:
		return filepath.Join(l.top, hooksPath), nil
	}
}

// readCoreConfig returns core.hooksPath and extensions.worktreeConfig from
// one git config file; a missing file gives nothing.
func readCoreConfig(file string) (hooksPath string, worktreeConfig bool, err error) {
	data, err := rofile.ReadFile(file)
	if errors.Is(err, fs.ErrNotExist) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("read git config: %w", err)
	}
	cfg := gitconfig.New()
	if err := gitconfig.NewDecoder(bytes.NewReader(data)).Decode(cfg); err != nil {
		return "", false, fmt.Errorf("read git config %s: %w", file, err)
	}
	for _, s := range cfg.Sections {
		switch {
		case s.IsName("core") && s.HasOption("hooksPath"):
			hooksPath = s.Option("hooksPath")
		case s.IsName("extensions") && s.HasOption("worktreeConfig"):
			v := strings.ToLower(s.Option("worktreeConfig"))
			worktreeConfig = v == "true" || v == "yes" || v == "on" || v == "1"
		}
	}
	return hooksPath, worktreeConfig, nil
}

// repoLayout locates a work tree and its git directories.
type repoLayout struct {
	top       string // top of the work tree
	gitDir    string // this work tree's git directory
	commonDir string // shared git directory (differs for linked worktrees)
}

// findRepo walks up from dir to the first directory holding .git, a
// directory or a "gitdir: PATH" file (linked worktrees, submodules).
func findRepo(dir string) (repoLayout, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return repoLayout{}, fmt.Errorf("%s: %w", dir, err)
	}
	for d := abs; ; {
		dotGit := filepath.Join(d, ".git")
		st, err := os.Stat(dotGit)
		if err == nil {
			l := repoLayout{top: d, gitDir: dotGit}
			if !st.IsDir() {
				if l.gitDir, err = readGitFile(dotGit); err != nil {
					return repoLayout{}, err
				}
			}
			l.commonDir = l.gitDir
			if data, err := rofile.ReadFile(filepath.Join(l.gitDir, "commondir")); err == nil {
				c := strings.TrimSpace(string(data))
				if !filepath.IsAbs(c) {
					c = filepath.Join(l.gitDir, c)
				}
				l.commonDir = filepath.Clean(c)
			}
			return l, nil
		}
		parent := filepath.Dir(d)
		if parent == d {
			return repoLayout{}, fmt.Errorf("%s: %w", dir, ErrNotRepository)
		}
		d = parent
	}
}

func readGitFile(path string) (string, error) {
	data, err := rofile.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("read %s: %w", path, err)
	}
	line, _, _ := strings.Cut(string(data), "\n")
	target, ok := strings.CutPrefix(strings.TrimSpace(line), "gitdir:")
	target = strings.TrimSpace(target)
	if !ok || target == "" {
		return "", fmt.Errorf("%s is not a gitdir file: %w", path, ErrNotRepository)
	}
	if !filepath.IsAbs(target) {
		target = filepath.Join(filepath.Dir(path), target)
	}
	return filepath.Clean(target), nil
}

// readHook reads the hook at path: its content (nil when missing) and
// whether it is a script written by configsync. A symbolic link is never
// ours, so it is chained as is.
func readHook(path string) (ours bool, content []byte, err error) {
	st, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil, nil
	}
	if err != nil {
		return false, nil, err
	}
	if !st.Mode().IsRegular() {
		return false, []byte{}, nil
	}
	content, err = rofile.ReadFile(path)
	if err != nil {
		return false, nil, err
	}
	if content == nil {
		content = []byte{}
	}
	return bytes.Contains(content, []byte("\n"+hookMarker+"\n")), content, nil
}

func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

func writeHook(path string, script []byte) error {
	return config.WriteFileAtomicMode(path, script, 0o755)
}

// hookScript returns the POSIX sh pre-commit hook that runs
// "COMMAND hooks pre-commit" and then the chained hook, if any.
func hookScript(command string) string {
	q := shellQuote(command)
	return `#!/bin/sh
# configsync pre-commit hook: refuses commits that stage dotenv files, tracked
# secret files or known secret values. Installed by "configsync hooks install";
# remove it with "configsync hooks uninstall" (a hook that was here before is
# kept as pre-commit` + ChainedSuffix + ` and runs after this check).
` + hookMarker + `
if ! command -v ` + q + ` >/dev/null 2>&1; then
	echo "configsync pre-commit hook: "` + q + `" not found: install configsync, or run \"configsync hooks uninstall\" (git commit --no-verify skips the check)" >&2
	exit 1
fi
` + q + ` hooks pre-commit </dev/null || exit $?
chained="$(dirname -- "$0")/` + HookName + ChainedSuffix + `"
if [ -x "$chained" ]; then
	exec "$chained" "$@"
fi
exit 0
`
}

// shellQuote quotes s for POSIX sh.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:@+,") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
