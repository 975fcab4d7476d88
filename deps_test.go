// Package configsync_test holds the import policy of DESIGN.md §9, after
// Go's own go/build/deps_test.go: arrows point down only, and each
// package reaches only the third-party modules it owns.
package configsync_test

import (
	"go/build"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/configsync/configsync/"

// errgroup is the one bounded worker pool: the packages that spread work
// over goroutines use it rather than each keeping its own.
const errgroup = "golang.org/x/sync/errgroup"

// allowed lists, per package, the module packages and third-party module
// prefixes its non-test code may import. The standard library is always
// allowed.
var allowed = map[string][]string{
	"envfile":           {},
	"providers":         {},
	"internal/names":    {}, // name rules: a leaf, so config and scopes share them
	"internal/loose":    {}, // git's loose object files: a leaf, so gitstore and hooks share the decoder
	"internal/prefault": {}, // maps the binary's pages at start-up: imported by main alone
	"internal/rofile":   {}, // opens files to read outside the runtime's poller: every package reads through it
	"internal/testkeys": {},
	"internal/fakecli":  {},
	"internal/gittest":  {"golang.org/x/crypto/ssh"}, // test servers (git daemon, http-backend, ssh)
	"config":            {module + "internal/names", module + "internal/rofile", "github.com/BurntSushi/toml", errgroup},
	"keyring":           {"github.com/ProtonMail/go-crypto/"},
	"gitstore":          {module + "internal/loose", module + "internal/rofile", "github.com/go-git/go-git/v5", "github.com/go-git/go-billy/v5"},
	"hooks":             {module + "internal/loose", module + "internal/rofile", module + "envfile", module + "config", "github.com/go-git/go-git/v5", errgroup},
	"importers":         {module + "envfile", module + "keyring", "github.com/decred/dcrd/dcrec/secp256k1/"},
	"scopes":            {module + "internal/names", module + "internal/rofile", module + "keyring", module + "gitstore", module + "envfile", module + "config", module + "providers", errgroup},
	"cmd/configsync": {
		module + "scopes", module + "hooks", module + "keyring", module + "gitstore", module + "envfile",
		module + "config", module + "providers", module + "importers", module + "internal/prefault", module + "internal/rofile",
		"github.com/spf13/pflag", "github.com/sergi/go-diff/", "golang.org/x/term",
	},
}

func TestImportPolicy(t *testing.T) {
	seen := 0
	err := filepath.WalkDir(".", func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		if name := d.Name(); path != "." && (strings.HasPrefix(name, ".") || name == "testdata" || name == "bench" || name == "docs") {
			return filepath.SkipDir
		}
		pkg, err := build.ImportDir(path, 0)
		if err != nil {
			if _, ok := err.(*build.NoGoError); ok {
				return nil
			}
			return err
		}
		rel := filepath.ToSlash(path)
		if pkg.Name == "main" && rel != "cmd/configsync" {
			return nil // generators behind build tags
		}
		rules, ok := allowed[rel]
		if !ok {
			if len(pkg.GoFiles) > 0 {
				t.Errorf("package %s has no import rule: add it to allowed (DESIGN.md §9)", rel)
			}
			return nil
		}
		seen++
		for _, imp := range pkg.Imports {
			if isStd(imp) {
				continue
			}
			if !slices.ContainsFunc(rules, func(p string) bool { return imp == p || strings.HasPrefix(imp, p) }) {
				t.Errorf("%s imports %s, which DESIGN.md §9 does not allow", rel, imp)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if seen < 6 {
		t.Fatalf("checked only %d packages: the walk is broken", seen)
	}
}

// TestFilesReadThroughRofile: the module's code opens files to read with
// internal/rofile, never os.Open or os.ReadFile (rofile's doc says why);
// tests and the bench tools may use either.
func TestFilesReadThroughRofile(t *testing.T) {
	checked := 0
	for rel := range allowed {
		if rel == "internal/rofile" || strings.HasPrefix(rel, "internal/test") || rel == "internal/gittest" || rel == "internal/fakecli" {
			continue
		}
		pkg, err := build.ImportDir(rel, 0)
		if err != nil {
			continue
		}
		for _, name := range pkg.GoFiles {
			src, err := os.ReadFile(filepath.Join(rel, name))
			if err != nil {
				t.Fatal(err)
			}
			checked++
			for _, call := range []string{"os.Open(", "os.ReadFile("} {
				if strings.Contains(string(src), call) {
					t.Errorf("%s/%s calls %s: read through internal/rofile", rel, name, call)
				}
			}
		}
	}
	if checked < 50 {
		t.Fatalf("checked only %d files: the walk is broken", checked)
	}
}

// TestTestkeysOnlyInTests: fixtures never reach the binary.
func TestTestkeysOnlyInTests(t *testing.T) {
	for rel := range allowed {
		pkg, err := build.ImportDir(rel, 0)
		if err != nil {
			continue
		}
		for _, fixture := range []string{"internal/testkeys", "internal/gittest", "internal/fakecli"} {
			if slices.Contains(pkg.Imports, module+fixture) {
				t.Errorf("%s imports %s outside its tests", rel, fixture)
			}
		}
	}
}

func isStd(path string) bool {
	first, _, _ := strings.Cut(path, "/")
	return !strings.Contains(first, ".")
}
