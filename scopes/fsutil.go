package scopes

import (
	"fmt"
	"path/filepath"
	"strings"
)

// homeRelative shows p as "~/…" when it is under home.
func homeRelative(home, p string) string {
	if home == "" {
		return p
	}
	rel, err := filepath.Rel(home, p)
	if err != nil || rel == ".." || strings.HasPrefix(rel, "../") {
		return p
	}
	if rel == "." {
		return "~"
	}
	return "~/" + filepath.ToSlash(rel)
}

// expandHome turns "~/x" into an absolute path under home.
func expandHome(home, p string) string {
	if p == "~" {
		return home
	}
	if rest, ok := strings.CutPrefix(p, "~/"); ok {
		return filepath.Join(home, filepath.FromSlash(rest))
	}
	return p
}

// insideDir resolves path (following symlinks) and checks that it stays
// inside dir, so a symlinked item cannot point outside its project.
func insideDir(dir, path string) error {
	realDir, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return err
	}
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return err
	}
	rel, err := filepath.Rel(realDir, real)
	if err != nil || rel == ".." || strings.HasPrefix(rel, "../") {
		return fmt.Errorf("it is a symlink that points outside its project directory %s", dir)
	}
	return nil
}
