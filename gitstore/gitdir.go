package gitstore

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/configsync/configsync/internal/rofile"
)

// findGitDir returns the directory holding the refs and objects of the
// repository at or above path: a bare repository, a work tree's .git
// directory, or, for a ".git" file (linked worktree, submodule), the
// directory it names, followed to its common dir.
func findGitDir(path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", fmt.Errorf("gitstore: open %s: %w", path, err)
	}
	for dir := abs; ; {
		if isGitDir(dir) {
			return commonDir(dir)
		}
		dotgit := filepath.Join(dir, ".git")
		if fi, err := os.Stat(dotgit); err == nil {
			if fi.IsDir() && isGitDir(dotgit) {
				return commonDir(dotgit)
			}
			if fi.Mode().IsRegular() {
				return gitFile(dir, dotgit)
			}
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("%w: %s", ErrNoRepository, path)
		}
		dir = parent
	}
}

func isGitDir(dir string) bool {
	for _, name := range []string{"HEAD", "objects", "refs"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			return false
		}
	}
	return true
}

// gitFile follows a ".git" file ("gitdir: <path>").
func gitFile(workTree, dotgit string) (string, error) {
	b, err := rofile.ReadFile(dotgit)
	if err != nil {
		return "", fmt.Errorf("gitstore: open %s: %w", dotgit, err)
	}
	line := strings.TrimSpace(string(b))
	target, ok := strings.CutPrefix(line, "gitdir:")
	if !ok {
		return "", fmt.Errorf("%w: %s: no gitdir line", ErrNoRepository, dotgit)
	}
	target = strings.TrimSpace(target)
	if !filepath.IsAbs(target) {
		target = filepath.Join(workTree, target)
	}
	common, err := commonDir(target)
	if err != nil {
		return "", err
	}
	if !isGitDir(common) {
		return "", fmt.Errorf("%w: %s", ErrNoRepository, target)
	}
	return common, nil
}

// commonDir follows a linked worktree's "commondir" file, where refs and
// objects live.
func commonDir(gitDir string) (string, error) {
	b, err := rofile.ReadFile(filepath.Join(gitDir, "commondir"))
	if errors.Is(err, fs.ErrNotExist) {
		return gitDir, nil
	}
	if err != nil {
		return "", fmt.Errorf("gitstore: open %s: %w", gitDir, err)
	}
	dir := strings.TrimSpace(string(b))
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(gitDir, dir)
	}
	return filepath.Clean(dir), nil
}
