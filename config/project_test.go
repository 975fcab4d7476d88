package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
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
		{name: "unknown key", content: "project = \"a\"\nname = \"b\"\n", errIs: ErrUnknownKey, line: 2, key: "name"},
		{name: "unknown hooks key", content: "[hooks]\nallowed = []\n", errIs: ErrUnknownKey, line: 2, key: "hooks.allowed"},
		{name: "syntax", content: "project = \"a\n", errIs: ErrSyntax, line: 1},
		{name: "bad name", content: "project = \"../etc\"\n", errIs: ErrInvalidValue, line: 1, key: "project"},
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
