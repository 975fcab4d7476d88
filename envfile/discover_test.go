package envfile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestIsEnvFileIsTemplate(t *testing.T) {
	tests := []struct {
		name          string
		env, template bool
	}{
		{".env", true, false},
		{".env.local", true, false},
		{".env.production", true, false},
		{".env.production.local", true, false},
		{"app/web/.env.development", true, false},
		{".env.example", false, true},
		{".env.sample", false, true},
		{".env.template", false, true},
		{".env.dist", false, true},
		{".env.defaults", false, true},
		{".env.local.example", false, true},
		{".env.example.local", false, true},
		{".env.EXAMPLE", false, true},
		{"dir/.env.production.sample", false, true},
		{".env.", false, false},
		{"env", false, false},
		{".envrc", false, false},
		{"x.env", false, false},
		{".env.example/.env", true, false},
		{"example/.env", true, false},
	}
	for _, tc := range tests {
		if got := IsEnvFile(tc.name); got != tc.env {
			t.Errorf("IsEnvFile(%q) = %v, want %v", tc.name, got, tc.env)
		}
		if got := IsTemplate(tc.name); got != tc.template {
			t.Errorf("IsTemplate(%q) = %v, want %v", tc.name, got, tc.template)
		}
	}
}

func TestDiscover(t *testing.T) {
	dir := t.TempDir()
	write := func(rel string) {
		t.Helper()
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("A=1\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{
		".env", ".env.local", ".env.example", "README.md",
		"api/.env.production", "api/.env.sample", "web/deep/.env",
		".git/.env", "node_modules/pkg/.env", "vendor/x/.env", "api/node_modules/.env",
		"outside/.env",
	} {
		write(f)
	}
	// A directory named .env (a Python virtualenv) is not an item.
	if err := os.MkdirAll(filepath.Join(dir, "py", ".env", "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	write("py/.env/bin/.env.inner")
	links := map[string]string{
		"linked/.env.staging": filepath.Join(dir, "outside", ".env"), // symlinked file: included
		"linkdir":             filepath.Join(dir, "outside"),         // symlinked dir: skipped
		".env.dangling":       filepath.Join(dir, "nowhere"),         // dangling: skipped
		".env.dirlink":        filepath.Join(dir, "outside"),         // env-named link to a dir: skipped
	}
	for l, target := range links {
		p := filepath.Join(dir, filepath.FromSlash(l))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(target, p); err != nil {
			t.Skipf("symlinks unsupported: %v", err)
		}
	}
	got, err := Discover(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{".env", ".env.local", "api/.env.production", "linked/.env.staging", "outside/.env", "py/.env/bin/.env.inner", "web/deep/.env"}
	if !slices.Equal(got, want) {
		t.Errorf("Discover = %q\nwant %q", got, want)
	}

	// A symlinked root is followed.
	root := filepath.Join(t.TempDir(), "root")
	if err := os.Symlink(filepath.Join(dir, "web"), root); err != nil {
		t.Fatal(err)
	}
	got, err = Discover(root)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"deep/.env"}; !slices.Equal(got, want) {
		t.Errorf("Discover(symlinked root) = %q, want %q", got, want)
	}

	if _, err := Discover(filepath.Join(dir, "missing")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Discover(missing) = %v, want a not-exist error", err)
	}
}

func TestLoadOrder(t *testing.T) {
	paths := []string{
		"web/.env.local", "web/.env", ".env.production", ".env.local", ".env.development.local",
		".env", ".env.development", ".env.example", ".env.development.example", "a/b/.env",
		"b/.env.development", ".env.staging.local", "other.txt", ".env.local",
	}
	tests := []struct {
		env  string
		want []string
	}{
		{"development", []string{".env", ".env.development", ".env.local", ".env.development.local", "b/.env.development", "web/.env", "web/.env.local", "a/b/.env"}},
		{"production", []string{".env", ".env.production", ".env.local", "web/.env", "web/.env.local", "a/b/.env"}},
		{"local", []string{".env", ".env.local", "web/.env", "web/.env.local", "a/b/.env"}},
		{"", []string{".env", ".env.local", "web/.env", "web/.env.local", "a/b/.env"}},
	}
	for _, tc := range tests {
		if got := LoadOrder(paths, tc.env); !slices.Equal(got, tc.want) {
			t.Errorf("LoadOrder(%q) = %q\nwant %q", tc.env, got, tc.want)
		}
	}
}
