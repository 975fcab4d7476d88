package scopes_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/configsync/configsync/internal/testkeys"
	"github.com/configsync/configsync/scopes"
)

func TestTypeOfAndFilter(t *testing.T) {
	t.Parallel()
	for path, want := range map[string]scopes.ItemType{
		".env": scopes.TypeEnv, "config/.env.local": scopes.TypeEnv, ".env.production": scopes.TypeEnv,
		"secrets/key.pem": scopes.TypeFile, "credentials.json": scopes.TypeFile,
	} {
		if got := scopes.TypeOf(path); got != want {
			t.Errorf("TypeOf(%q) = %q, want %q", path, got, want)
		}
	}
	for _, f := range []scopes.ItemType{"", scopes.TypeEnv, scopes.TypeFile} {
		if err := scopes.ValidateFilter(f); err != nil {
			t.Errorf("ValidateFilter(%q) = %v", f, err)
		}
	}
	for _, f := range []scopes.ItemType{"envs", "ENV", "all"} {
		if err := scopes.ValidateFilter(f); err == nil || !strings.Contains(err.Error(), "valid: env, file") {
			t.Errorf("ValidateFilter(%q) = %v", f, err)
		}
	}
}

// trackMachine is a machine with no store: tracking is local only. It
// has myapp (.env, key.pem, .git/config, a link out of the project) and
// other (.env) under ~/git.
func trackMachine(t *testing.T) *syncMachine {
	t.Helper()
	m := newSyncMachine(t, t.TempDir(), "m", testkeys.Alice())
	m.write(".env", "A=1\n")
	m.write("key.pem", "PEM\n")
	m.write(".git/config", "[core]\n")
	m.write("sub/.env", "S=1\n")
	other := filepath.Join(m.opts.UserHome, "git", "other")
	if err := os.MkdirAll(other, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(other, ".env"), []byte("O=1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(other, ".env"), filepath.Join(m.dir, "linked.txt")); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestTrackAndUntrack(t *testing.T) {
	t.Parallel()
	m := trackMachine(t)
	res, err := m.open().AddEnv(m.dir, "")
	if err != nil {
		t.Fatal(err)
	}
	if res.Project != "myapp" || res.Dir != "~/git/myapp" || !slices.Equal(res.Items, []string{".env", "sub/.env"}) || res.Already {
		t.Fatalf("add env = %+v", res)
	}
	if res, err := m.open().AddEnv(m.dir, ""); err != nil || !res.Already {
		t.Fatalf("add env again = %+v, %v", res, err)
	}
	res, err = m.open().AddFile(filepath.Join(m.dir, "key.pem"), "")
	if err != nil || res.Project != "myapp" || !slices.Equal(res.Items, []string{"key.pem"}) {
		t.Fatalf("add file = %+v, %v", res, err)
	}
	if res, err := m.open().AddFile(filepath.Join(m.dir, "key.pem"), "myapp"); err != nil || !res.Already {
		t.Fatalf("add file again = %+v, %v", res, err)
	}
	// A file outside any tracked directory is a project of its own.
	lone := filepath.Join(m.opts.UserHome, "keys", "id.key")
	if err := os.MkdirAll(filepath.Dir(lone), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(lone, []byte("K\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if res, err := m.open().AddFile(lone, ""); err != nil || res.Project != "keys" {
		t.Fatalf("add file outside = %+v, %v", res, err)
	}

	v := m.open()
	for _, c := range []struct {
		filter  scopes.ItemType
		project string
		want    []string
	}{
		{"", "", []string{"keys/id.key", "myapp/.env", "myapp/key.pem", "myapp/sub/.env"}},
		{scopes.TypeEnv, "", []string{"myapp/.env", "myapp/sub/.env"}},
		{scopes.TypeFile, "", []string{"keys/id.key", "myapp/key.pem"}},
		{"", "keys", []string{"keys/id.key"}},
	} {
		items, err := v.Tracked(c.filter, c.project)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, it := range items {
			got = append(got, it.Project+"/"+it.Path)
			if it.Abs() != filepath.Join(it.Dir, filepath.FromSlash(it.Path)) {
				t.Fatalf("Abs of %+v = %s", it, it.Abs())
			}
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("Tracked(%q, %q) = %v, want %v", c.filter, c.project, got, c.want)
		}
	}
	if n := len(v.TrackedProjects()); n != 3 {
		t.Fatalf("tracked projects = %d, want 3", n)
	}

	if res, err := m.open().Untrack(filepath.Join(m.dir, "key.pem")); err != nil || res.Project != "myapp" {
		t.Fatalf("untrack file = %+v, %v", res, err)
	}
	if res, err := m.open().Untrack(m.dir); err != nil || res.Dir != "~/git/myapp" {
		t.Fatalf("untrack dir = %+v, %v", res, err)
	}
	if items, err := m.open().Tracked("", ""); err != nil || len(items) != 1 {
		t.Fatalf("tracked after untrack = %+v, %v", items, err)
	}
	// A tracked directory that is gone lists nothing.
	syncDone(t)(m.open().AddEnv(m.dir, ""))
	if err := os.RemoveAll(m.dir); err != nil {
		t.Fatal(err)
	}
	if items, err := m.open().Tracked(scopes.TypeEnv, ""); err != nil || len(items) != 0 {
		t.Fatalf("tracked of a removed directory = %+v, %v", items, err)
	}
}

// TestTrackRefusals: each refusal leaves config.toml as it was.
func TestTrackRefusals(t *testing.T) {
	t.Parallel()
	type step func(m *syncMachine, v syncSession) error
	other := func(m *syncMachine) string { return filepath.Join(m.opts.UserHome, "git", "other") }
	cases := []struct {
		name  string
		setup step
		try   step
		want  string // in the error
	}{
		{"add env of a file", nil, func(m *syncMachine, v syncSession) error {
			_, err := v.AddEnv(filepath.Join(m.dir, ".env"), "")
			return err
		}, "is not a directory"},
		{"add env of nothing", nil, func(m *syncMachine, v syncSession) error {
			_, err := v.AddEnv(filepath.Join(m.dir, "nope"), "")
			if !errors.Is(err, fs.ErrNotExist) {
				return errors.New("not ErrNotExist: " + err.Error())
			}
			return err
		}, "no such file"},
		{"bad project name", nil, func(m *syncMachine, v syncSession) error {
			_, err := v.AddEnv(m.dir, "../up")
			return err
		}, "invalid project name"},
		{"project name taken", func(m *syncMachine, v syncSession) error {
			_, err := v.AddEnv(m.dir, "")
			return err
		}, func(m *syncMachine, v syncSession) error {
			_, err := v.AddEnv(other(m), "myapp")
			return err
		}, `project "myapp" is already tracked at ~/git/myapp`},
		{"directory taken", func(m *syncMachine, v syncSession) error {
			_, err := v.AddEnv(m.dir, "")
			return err
		}, func(m *syncMachine, v syncSession) error {
			_, err := v.AddEnv(m.dir, "second")
			return err
		}, `already tracked as project "myapp"`},
		{"directory inside", func(m *syncMachine, v syncSession) error {
			_, err := v.AddEnv(m.dir, "")
			return err
		}, func(m *syncMachine, v syncSession) error {
			_, err := v.AddEnv(filepath.Join(m.dir, "sub"), "")
			return err
		}, "overlaps ~/git/myapp"},
		{"add file of a directory", nil, func(m *syncMachine, v syncSession) error {
			_, err := v.AddFile(m.dir, "")
			return err
		}, "is a directory"},
		{"add file outside its project", func(m *syncMachine, v syncSession) error {
			_, err := v.AddEnv(m.dir, "")
			return err
		}, func(m *syncMachine, v syncSession) error {
			_, err := v.AddFile(filepath.Join(other(m), ".env"), "myapp")
			return err
		}, `is outside the directory of project "myapp"`},
		{"add file through a link out", func(m *syncMachine, v syncSession) error {
			_, err := v.AddEnv(m.dir, "")
			return err
		}, func(m *syncMachine, v syncSession) error {
			_, err := v.AddFile(filepath.Join(m.dir, "linked.txt"), "")
			return err
		}, "linked.txt"},
		{"add file under .git", func(m *syncMachine, v syncSession) error {
			_, err := v.AddEnv(m.dir, "")
			return err
		}, func(m *syncMachine, v syncSession) error {
			_, err := v.AddFile(filepath.Join(m.dir, ".git", "config"), "")
			return err
		}, ".git"},
		{"add env file of another project", func(m *syncMachine, v syncSession) error {
			_, err := v.AddEnv(m.dir, "")
			return err
		}, func(m *syncMachine, v syncSession) error {
			_, err := v.AddFile(filepath.Join(m.dir, "sub", ".env"), "subproject")
			return err
		}, "overlaps ~/git/myapp"},
		{"untrack a discovered file", func(m *syncMachine, v syncSession) error {
			_, err := v.AddEnv(m.dir, "")
			return err
		}, func(m *syncMachine, v syncSession) error {
			_, err := v.Untrack(filepath.Join(m.dir, ".env"))
			return err
		}, "is tracked as part of ~/git/myapp"},
		{"untrack what is not tracked", nil, func(m *syncMachine, v syncSession) error {
			_, err := v.Untrack(filepath.Join(m.dir, "key.pem"))
			var ne *scopes.NotTrackedError
			if !errors.As(err, &ne) || ne.Path != "~/git/myapp/key.pem" {
				return errors.New("not a NotTrackedError: " + err.Error())
			}
			return err
		}, "key.pem"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			m := trackMachine(t)
			if c.setup != nil {
				if err := c.setup(m, m.open()); err != nil {
					t.Fatal(err)
				}
			}
			before := syncSnapshot(t, m.opts.Home)
			err := c.try(m, m.open())
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want %q", err, c.want)
			}
			syncSameTree(t, before, syncSnapshot(t, m.opts.Home))
		})
	}
}
