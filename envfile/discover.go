package envfile

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

// IsTemplate reports whether the base name of name is a dotenv template:
// ".env." followed by dot-separated components one of which is example,
// sample, template, dist or defaults (any case), such as ".env.example" or
// ".env.local.sample".
func IsTemplate(name string) bool {
	base := path.Base(filepath.ToSlash(name))
	rest, ok := strings.CutPrefix(base, ".env.")
	if !ok {
		return false
	}
	for _, c := range strings.Split(rest, ".") {
		switch strings.ToLower(c) {
		case "example", "sample", "template", "dist", "defaults":
			return true
		}
	}
	return false
}

// TempMarker is in the name of configsync's temp files
// (".env.tmp-configsync-1x2y3z"); config.TempMarker is the same string.
// Such a file is still an env file for the pre-commit guard, but never an
// item: it is a write in progress, or one a killed configsync left.
const TempMarker = ".tmp-configsync-"

// IsTemp reports whether the base name of name is a configsync temp file.
func IsTemp(name string) bool {
	return strings.Contains(path.Base(filepath.ToSlash(name)), TempMarker)
}

// IsEnvFile reports whether the base name of name is a dotenv item: ".env"
// or ".env.<something>", templates excluded.
func IsEnvFile(name string) bool {
	base := path.Base(filepath.ToSlash(name))
	if base == ".env" {
		return true
	}
	return strings.HasPrefix(base, ".env.") && len(base) > len(".env.") && !IsTemplate(base)
}

// Discover returns the dotenv items under dir as slash-separated paths
// relative to dir, sorted. It walks recursively, skipping .git,
// node_modules, vendor, any symlinked directory and configsync's temp
// files (IsTemp); a symlink to a file is
// included (the caller checks where it points), a dangling one is not. A
// directory named like an env file (a ".env" virtualenv) is not an item.
func Discover(dir string) ([]string, error) {
	root, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return nil, fmt.Errorf("envfile: discover: %w", err)
	}
	var found []string
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case ".git", "node_modules", "vendor":
				if p != root {
					return filepath.SkipDir
				}
			}
			return nil
		}
		if !IsEnvFile(d.Name()) || IsTemp(d.Name()) {
			return nil
		}
		if d.Type()&fs.ModeSymlink != 0 {
			fi, err := os.Stat(p)
			if err != nil || fi.IsDir() {
				return nil // dangling, or a symlinked directory
			}
		} else if !d.Type().IsRegular() {
			return nil
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		found = append(found, filepath.ToSlash(rel))
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("envfile: discover %s: %w", dir, err)
	}
	sort.Strings(found)
	return found, nil
}

// LoadOrder returns the dotenv paths among paths (slash-separated,
// relative) that make up environment env, ordered the dotenv way: for each
// directory `.env`, `.env.<env>`, `.env.local`, `.env.<env>.local`, a later
// file winning over an earlier one. Files of other environments (such as
// `.env.production` when env is "development") and templates are left out.
// Directories come shallower first, then in lexical order.
func LoadOrder(paths []string, env string) []string {
	names := []string{".env"}
	if env != "" {
		names = append(names, ".env."+env)
	}
	names = append(names, ".env.local")
	if env != "" {
		names = append(names, ".env."+env+".local")
	}
	rank := make(map[string]int, len(names))
	for i, n := range names {
		if _, dup := rank[n]; !dup {
			rank[n] = i
		}
	}
	type item struct {
		p, dir string
		depth  int
		rank   int
	}
	var items []item
	seen := make(map[string]bool)
	for _, p := range paths {
		clean := path.Clean(p)
		r, ok := rank[path.Base(clean)]
		if !ok || seen[clean] || IsTemplate(clean) {
			continue
		}
		seen[clean] = true
		dir := path.Dir(clean)
		depth := 0
		if dir != "." {
			depth = strings.Count(dir, "/") + 1
		}
		items = append(items, item{p: p, dir: dir, depth: depth, rank: r})
	}
	sort.SliceStable(items, func(i, j int) bool {
		a, b := items[i], items[j]
		if a.depth != b.depth {
			return a.depth < b.depth
		}
		if a.dir != b.dir {
			return a.dir < b.dir
		}
		return a.rank < b.rank
	})
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.p
	}
	return out
}
