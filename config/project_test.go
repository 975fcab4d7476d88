package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestLoadProject(t *testing.T) {
	tests := []struct {
		name    string
		content string // "-": no file
		want    *Project
		errIs   error
		line    int
		key     string
	}{
		{name: "missing", content: "-", want: &Project{}},
		{
			name:    "valid",
			content: "project = \"myapp\"\n[hooks]\nallow = [\".env.ci\", \"deploy/.env.*\"]\n",
			want:    &Project{Name: "myapp", Hooks: ProjectHooks{Allow: []string{".env.ci", "deploy/.env.*"}}},
		},
		{name: "inject_as_env", content: "inject_as_env = true\n", want: &Project{InjectAsEnv: true}},
		{name: "inject_as_env not a bool", content: "project = \"a\"\ninject_as_env = \"yes\"\n", errIs: ErrInvalidValue, line: 2, key: "inject_as_env"},
		{
			name:    "store admins",
			content: "[store]\nadmins = [\"01948378740192847B12B86CF2220EA5571C1AB9EC3FD174420E240FFFBD9191\"]\n",
			want:    &Project{Store: ProjectStore{Admins: []string{"01948378740192847B12B86CF2220EA5571C1AB9EC3FD174420E240FFFBD9191"}}},
		},
		{name: "store admin not a fingerprint", content: "[store]\nadmins = [\"ABC\"]\n", errIs: ErrInvalidValue, line: 2, key: "store.admins[0]"},
		{name: "unknown key", content: "project = \"a\"\nname = \"b\"\n", errIs: ErrUnknownKey, line: 2, key: "name"},
		{name: "unknown hooks key", content: "[hooks]\nallowed = []\n", errIs: ErrUnknownKey, line: 2, key: "hooks.allowed"},
		{name: "syntax", content: "project = \"a\n", errIs: ErrSyntax, line: 1},
		{name: "bad name", content: "project = \"../etc\"\n", errIs: ErrInvalidValue, line: 1, key: "project"},
		// A right-to-left override makes a name print as another; push
		// refused it while configsync.toml accepted it (one rule now).
		{name: "name with a bidi override", content: "project = \"app\u202egpj\"\n", errIs: ErrInvalidValue, line: 1, key: "project"},
		{name: "name with a zero-width joiner", content: "project = \"my\u200dapp\"\n", errIs: ErrInvalidValue, line: 1, key: "project"},
		// A name push refuses is refused here too (names.Name).
		{name: "name with a space", content: "project = \"my app\"\n", errIs: ErrInvalidValue, line: 1, key: "project"},
		{name: "name with dots", content: "project = \"a..b\"\n", errIs: ErrInvalidValue, line: 1, key: "project"},
		{name: "name too long", content: "project = \"" + strings.Repeat("a", 65) + "\"\n", errIs: ErrInvalidValue, line: 1, key: "project"},
		{name: "bad glob", content: "[hooks]\nallow = [\".env\", \"[x\"]\n", errIs: ErrInvalidValue, line: 2, key: "hooks.allow[1]"},
		{name: "escaping glob", content: "[hooks]\nallow = [\"../.env\"]\n", errIs: ErrInvalidValue, line: 2, key: "hooks.allow[0]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if tt.content != "-" {
				if err := os.WriteFile(filepath.Join(dir, ProjectFile), []byte(tt.content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			got, err := LoadProject(dir)
			if tt.errIs == nil {
				if err != nil || !reflect.DeepEqual(got, tt.want) {
					t.Fatalf("LoadProject = %+v, %v; want %+v", got, err, tt.want)
				}
				return
			}
			var fe *FileError
			if !errors.As(err, &fe) || !errors.Is(err, tt.errIs) {
				t.Fatalf("LoadProject error = %v, want *FileError matching %v", err, tt.errIs)
			}
			if fe.File != filepath.Join(dir, ProjectFile) || fe.Line != tt.line || (tt.key != "" && fe.Key != tt.key) {
				t.Errorf("FileError{%q, %d, %q}, want line %d key %q", fe.File, fe.Line, fe.Key, tt.line, tt.key)
			}
		})
	}
}

func TestProjectName(t *testing.T) {
	if got := (&Project{}).ProjectName("/home/ada/git/myapp/"); got != "myapp" {
		t.Errorf("ProjectName = %q, want the directory name", got)
	}
	if got := (&Project{Name: "api"}).ProjectName("/home/ada/git/myapp"); got != "api" {
		t.Errorf("ProjectName = %q, want the configured name", got)
	}
}

// The example at the repository root must stay a valid project file.
func TestProjectFileExample(t *testing.T) {
	data, err := os.ReadFile("../configsync.toml.example")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, ProjectFile), data, 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := LoadProject(dir)
	if err != nil {
		t.Fatal(err)
	}
	if p.Name == "" || len(p.Hooks.Allow) == 0 {
		t.Errorf("example sets no name or allow list: %+v", p)
	}
}

// TestFindProject: the nearest configsync.toml up to the repository root,
// none above it.
func TestFindProject(t *testing.T) {
	root := t.TempDir()
	repo := filepath.Join(root, "repo")
	deep := filepath.Join(repo, "a", "b")
	if err := os.MkdirAll(deep, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(repo, ".git"), 0o700); err != nil {
		t.Fatal(err)
	}
	// Above the repository: never read.
	if err := os.WriteFile(filepath.Join(root, ProjectFile), []byte("project = \"outer\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	p, err := FindProject(deep)
	if err != nil || p.Name != "" {
		t.Fatalf("no configsync.toml in the repository: %+v, %v", p, err)
	}
	if err := os.WriteFile(filepath.Join(repo, ProjectFile), []byte("project = \"inner\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if p, err = FindProject(deep); err != nil || p.Name != "inner" {
		t.Fatalf("the repository's configsync.toml: %+v, %v", p, err)
	}
}
