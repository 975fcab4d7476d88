package config

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
)

const fprA = "0123456789ABCDEF0123456789ABCDEF01234567"

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLoadLocal(t *testing.T) {
	tests := []struct {
		name    string
		content string
		want    *Local
		errIs   error  // nil: success expected
		line    int    // of the *FileError
		key     string // of the *FileError
		msg     string // the error message, with FILE for the path
	}{
		{
			name:    "empty",
			content: "",
			want:    &Local{},
		},
		{
			name: "valid",
			content: `environment = "development"
[store]
remote = "git@github.com:acme/secrets.git"
branch = "team/secrets"
[trust]
admins = ["` + fprA + `"]
[secrets]
provider = "1password"
1password.vault = "Engineering"
[secrets.bitwarden]
server = "https://vault.example.com"
[hooks]
min_length = 12
[[track]]
project = "myapp"
dir = "/home/ada/git/myapp"
type = "env"
[[track]]
project = "npm"
dir = "/home/ada"
type = "file"
path = ".npmrc"
`,
			want: &Local{
				Environment: "development",
				Store:       Store{Remote: "git@github.com:acme/secrets.git", Branch: "team/secrets"},
				Trust:       Trust{Admins: []string{fprA}},
				Secrets: Secrets{Provider: "1password", OnePassword: OnePassword{Vault: "Engineering"},
					Bitwarden: Bitwarden{Server: "https://vault.example.com"}},
				Hooks: HooksConfig{MinLength: 12},
				Track: []Track{
					{Project: "myapp", Dir: "/home/ada/git/myapp", Type: "env"},
					{Project: "npm", Dir: "/home/ada", Type: "file", Path: ".npmrc"},
				},
			},
		},
		{
			name:    "unknown top-level key",
			content: "environment = \"dev\"\n\nfoo = 1\n",
			errIs:   ErrUnknownKey, line: 3, key: "foo",
			msg: `FILE:3: unknown key "foo"`,
		},
		{
			name:    "unknown nested key",
			content: "[store]\nremote = \"/srv/s.git\"\nbranche = \"x\"\n",
			errIs:   ErrUnknownKey, line: 3, key: "store.branche",
			msg: `FILE:3: unknown key "store.branche"`,
		},
		{
			name:    "unknown table",
			content: "[stores]\nremote = \"/srv/s.git\"\n",
			errIs:   ErrUnknownKey, line: 1, key: "stores",
		},
		{
			name:    "unknown key in track",
			content: "[[track]]\nproject = \"a\"\ndir = \"/a\"\ntype = \"env\"\n[[track]]\nproject = \"b\"\ndir = \"/b\"\ntype = \"env\"\nkind = \"x\"\n",
			errIs:   ErrUnknownKey, line: 9, key: "track.kind",
		},
		{
			name:    "syntax error names the line, not the value",
			content: "environment = \"dev\"\n[secrets.1password]\nvault = topsecretword\n",
			errIs:   ErrSyntax, line: 3, key: "secrets.1password.vault",
			msg: `FILE:3: secrets.1password.vault: invalid TOML (column 9)`,
		},
		{
			name:    "wrong type",
			content: "[hooks]\n\nmin_length = \"twelve\"\n",
			errIs:   ErrInvalidValue, line: 3, key: "hooks.min_length",
			msg: `FILE:3: hooks.min_length: invalid value: wrong type`,
		},
		{
			name:    "bad provider",
			content: "[secrets]\nprovider = \"hunter2\"\n",
			errIs:   ErrInvalidValue, line: 2, key: "secrets.provider",
			msg: `FILE:2: secrets.provider: invalid value: must be one of git, 1password, bitwarden`,
		},
		{
			name:    "min_length too small",
			content: "hooks.min_length = 3\n",
			errIs:   ErrInvalidValue, line: 1, key: "hooks.min_length",
		},
		{
			name:    "bad track type",
			content: "[[track]]\nproject = \"a\"\ndir = \"/a\"\ntype = \"env\"\n[[track]]\nproject = \"b\"\ndir = \"/b\"\ntype = \"dir\"\n",
			errIs:   ErrInvalidValue, line: 8, key: "track[1].type",
		},
		{
			name:    "track file path escapes",
			content: "[[track]]\nproject = \"a\"\ndir = \"/a\"\ntype = \"file\"\npath = \"../b\"\n",
			errIs:   ErrInvalidValue, line: 5, key: "track[0].path",
		},
		{
			name:    "track file path into .git",
			content: "[[track]]\nproject = \"a\"\ndir = \"/a\"\ntype = \"file\"\npath = \".git/config\"\n",
			errIs:   ErrInvalidValue, line: 5, key: "track[0].path",
		},
		{
			name:    "track project push would refuse",
			content: "[[track]]\nproject = \"my app\"\ndir = \"/a\"\ntype = \"env\"\n",
			errIs:   ErrInvalidValue, line: 2, key: "track[0].project",
		},
		{
			name:    "track missing field points at its table",
			content: "[[track]]\nproject = \"a\"\ntype = \"env\"\n",
			errIs:   ErrInvalidValue, line: 1, key: "track[0].dir",
		},
		{
			name:    "lower-case fingerprint",
			content: "[trust]\nadmins = [\"" + strings.ToLower(fprA) + "\"]\n",
			errIs:   ErrInvalidValue, line: 2, key: "trust.admins",
		},
		{
			name:    "bad branch",
			content: "[store]\nbranch = \"a..b\"\n",
			errIs:   ErrInvalidValue, line: 2, key: "store.branch",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, "config.toml", tt.content)
			got, err := LoadLocal(path)
			if tt.errIs == nil {
				if err != nil {
					t.Fatalf("LoadLocal: %v", err)
				}
				if !reflect.DeepEqual(got, tt.want) {
					t.Fatalf("LoadLocal = %+v, want %+v", got, tt.want)
				}
				return
			}
			var fe *FileError
			if !errors.As(err, &fe) || !errors.Is(err, tt.errIs) {
				t.Fatalf("LoadLocal error = %v, want a *FileError matching %v", err, tt.errIs)
			}
			if fe.File != path || fe.Line != tt.line || fe.Key != tt.key {
				t.Errorf("FileError{File: %q, Line: %d, Key: %q}, want {%q, %d, %q}", fe.File, fe.Line, fe.Key, path, tt.line, tt.key)
			}
			if want := strings.ReplaceAll(tt.msg, "FILE", path); tt.msg != "" && err.Error() != want {
				t.Errorf("message %q, want %q", err.Error(), want)
			}
			for _, secret := range []string{"topsecretword", "hunter2", "twelve"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("message %q echoes the value %q", err.Error(), secret)
				}
			}
		})
	}
}

func TestLoadLocalMissing(t *testing.T) {
	l, err := LoadLocal(filepath.Join(t.TempDir(), "nope", "config.toml"))
	if err != nil || !reflect.DeepEqual(l, &Local{}) {
		t.Fatalf("LoadLocal(missing) = %+v, %v; want zero config, nil", l, err)
	}
}

func TestLoadLocalUnreadable(t *testing.T) {
	dir := t.TempDir() // a directory is not a readable config file
	_, err := LoadLocal(dir)
	var fe *FileError
	if !errors.As(err, &fe) || fe.File != dir || strings.Count(err.Error(), dir) != 1 {
		t.Fatalf("LoadLocal(dir) = %v, want a *FileError naming the path once", err)
	}
}

func TestSaveRoundTrip(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "home")
	path := filepath.Join(dir, "config.toml")
	in := &Local{
		Environment: "staging",
		InjectAsEnv: true,
		Store:       Store{Repo: "/home/ada/git/myapp"},
		Trust:       Trust{Admins: []string{fprA}},
		Secrets:     Secrets{Provider: "bitwarden", Bitwarden: Bitwarden{Server: "https://bw.example.com"}},
		Track:       []Track{{Project: "myapp", Dir: "/home/ada/git/myapp", Type: "env"}},
	}
	if err := in.Save(path); err != nil {
		t.Fatal(err)
	}
	out, err := LoadLocal(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(in, out) {
		t.Errorf("round trip: got %+v, want %+v", out, in)
	}
	for p, want := range map[string]fs.FileMode{path: 0o600, dir: 0o700 | fs.ModeDir} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode() != want {
			t.Errorf("%s: mode %v, want %v", p, fi.Mode(), want)
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries, want only config.toml (temp file left behind?)", len(entries))
	}
	data, _ := os.ReadFile(path)
	if strings.Contains(string(data), "min_length") || strings.Contains(string(data), "remote") {
		t.Errorf("unset keys were written:\n%s", data)
	}
}

func TestSaveRefusesInvalid(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.toml")
	l := &Local{Track: []Track{{Project: "a", Dir: "relative", Type: "env"}}}
	err := l.Save(path)
	var fe *FileError
	if !errors.As(err, &fe) || fe.Key != "track[0].dir" || !errors.Is(err, ErrInvalidValue) {
		t.Fatalf("Save = %v, want *FileError for track[0].dir", err)
	}
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Save wrote an invalid config (stat: %v)", err)
	}
}

func TestDefaults(t *testing.T) {
	var l Local
	if l.Branch() != DefaultBranch || l.Provider() != ProviderGit || l.MinLength() != DefaultMinLength {
		t.Errorf("defaults: %q %q %d", l.Branch(), l.Provider(), l.MinLength())
	}
	l = Local{Store: Store{Branch: "b"}, Secrets: Secrets{Provider: "bitwarden"}, Hooks: HooksConfig{MinLength: 5}}
	if l.Branch() != "b" || l.Provider() != "bitwarden" || l.MinLength() != 5 {
		t.Errorf("set values: %q %q %d", l.Branch(), l.Provider(), l.MinLength())
	}
}

// Saving into a home others may enter takes their access away first.
func TestSaveTightensHome(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix modes")
	}
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := (&Local{Environment: "development"}).Save(filepath.Join(dir, LocalFile)); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("home mode %v, %v; want 0700", fi.Mode().Perm(), err)
	}
}
