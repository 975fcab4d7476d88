package scopes_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/configsync/configsync/scopes"
)

func TestImportProject(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "webapp")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ given, want, err string }{
		{"", "webapp", ""},
		{"api", "api", ""},
		{"a/b", "", "invalid project name"},
	} {
		got, err := scopes.ImportProject(dir, c.given)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("ImportProject(%q) = %q, %v; want %q", c.given, got, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("ImportProject(%q) = %q, %v; want %q", c.given, got, err, c.want)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "configsync.toml"), []byte("project = \"named\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got, err := scopes.ImportProject(dir, ""); err != nil || got != "named" {
		t.Errorf("ImportProject with configsync.toml = %q, %v", got, err)
	}
}

func TestPlanImport(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "webapp")
	env := scopes.ImportItem{Path: ".env", Type: scopes.TypeEnv, Data: []byte("A=1\nB=2\n")}
	file := scopes.ImportItem{Path: "certs/key.pem", Type: scopes.TypeFile, Data: []byte("PEM")}
	res, err := scopes.PlanImport(scopes.ImportOptions{Dir: dir, Items: []scopes.ImportItem{env, file}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 2 || res[0].Project != "webapp" || res[0].Vars != 2 || res[0].EnvFile() == nil || res[1].Size != 3 || res[1].Display != filepath.Join(dir, "certs", "key.pem") {
		t.Fatalf("plan = %+v", res)
	}
	for _, c := range []struct {
		name  string
		items []scopes.ImportItem
		want  string
	}{
		{"twice", []scopes.ImportItem{env, env}, "two files import as .env"},
		{"escapes", []scopes.ImportItem{{Path: "../.env", Type: scopes.TypeEnv, Data: []byte("A=1\n")}}, `may not contain the component ".."`},
		{"bad dotenv", []scopes.ImportItem{{Path: ".env", Type: scopes.TypeEnv, Data: []byte("A='hunter2-secret\n")}}, ".env"},
	} {
		_, err := scopes.PlanImport(scopes.ImportOptions{Dir: dir, Items: c.items})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want %q", c.name, err, c.want)
		}
		syncNoSecret(t, err, "hunter2")
	}
	if _, err := scopes.PlanImport(scopes.ImportOptions{Dir: dir, Project: "a/b"}); err == nil {
		t.Error("a bad project name was accepted")
	}
}

// TestImport: imported items land in the store in one commit, and pull
// on another machine puts them where they came from.
func TestImport(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := newSyncTeam(t)
	a := st.alice
	from := filepath.Join(a.opts.UserHome, "git", "legacy")
	items := []scopes.ImportItem{
		{Path: ".env", Type: scopes.TypeEnv, Data: []byte("A=1\nSECRET=imported-secret\n")},
		{Path: "key.pem", Type: scopes.TypeFile, Data: []byte("PEM\n")},
	}
	res, err := a.open().Import(ctx, scopes.ImportOptions{Dir: from, Items: items, Message: "from sops"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Commit == "" || len(res.Items) != 2 || res.Items[0].Vars != 2 {
		t.Fatalf("import = %+v", res)
	}
	// Nothing changed: no commit.
	tip := st.tip(t)
	if res, err := a.open().Import(ctx, scopes.ImportOptions{Dir: from, Items: items}); err != nil || res.Commit != "" || len(res.Items) != 0 {
		t.Fatalf("import again = %+v, %v", res, err)
	}
	if st.tip(t) != tip {
		t.Fatal("an import with nothing new moved the remote")
	}
	// One key changed: one item written.
	items[0].Data = []byte("A=2\nSECRET=imported-secret\n")
	if res, err := a.open().Import(ctx, scopes.ImportOptions{Dir: from, Items: items}); err != nil || len(res.Items) != 1 {
		t.Fatalf("import of a change = %+v, %v", res, err)
	}

	// Bob has the directory: pull finds the project there.
	bobDir := filepath.Join(st.bob.opts.UserHome, "git", "legacy")
	if err := os.MkdirAll(bobDir, 0o700); err != nil {
		t.Fatal(err)
	}
	pres, err := st.bob.open().Pull(ctx, scopes.PullOptions{Project: "legacy", Yes: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(pres.Items) != 2 {
		t.Fatalf("pull = %+v", pres)
	}
	b, err := os.ReadFile(filepath.Join(bobDir, ".env"))
	if err != nil || string(b) != "A=2\nSECRET=imported-secret\n" {
		t.Fatalf("bob's imported .env = %q, %v", b, err)
	}
	syncMode0600(t, filepath.Join(bobDir, "key.pem"))
}

// TestImportRefusals: nothing reaches the store.
func TestImportRefusals(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := newSyncTeam(t)
	a := st.alice
	syncDone(t)(a.open().CreateEnvironment(ctx, "staging", scopes.TierStaging, true))
	from := filepath.Join(a.opts.UserHome, "git", "legacy")
	good := []scopes.ImportItem{{Path: ".env", Type: scopes.TypeEnv, Data: []byte("A=hunter2-secret\n")}}
	cases := []struct {
		name  string
		o     scopes.ImportOptions
		check func(error) bool
	}{
		{"protected", scopes.ImportOptions{Env: "staging", Dir: from, Items: good}, func(err error) bool {
			var pe *scopes.ProtectedError
			return errors.As(err, &pe) && pe.Keys == 1
		}},
		{"protected, declined", scopes.ImportOptions{Env: "staging", Dir: from, Items: good, Confirm: func(scopes.Environment, []scopes.ItemChange) bool { return false }}, func(err error) bool {
			var pe *scopes.ProtectedError
			return errors.As(err, &pe)
		}},
		{"unknown environment", scopes.ImportOptions{Env: "nope", Dir: from, Items: good}, func(err error) bool {
			var ue *scopes.UnknownEnvironmentError
			return errors.As(err, &ue)
		}},
		{"bad project", scopes.ImportOptions{Project: "a/b", Dir: from, Items: good}, func(err error) bool {
			return err != nil && strings.Contains(err.Error(), "invalid project name")
		}},
		{"bad item", scopes.ImportOptions{Dir: from, Items: []scopes.ImportItem{{Path: ".git/x", Type: scopes.TypeFile}}}, func(err error) bool {
			return err != nil && strings.Contains(err.Error(), ".git")
		}},
	}
	// The cases share the store: not parallel.
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tip := st.tip(t)
			before := syncSnapshot(t, a.opts.UserHome)
			_, err := a.open().Import(ctx, c.o)
			if !c.check(err) {
				t.Fatalf("err = %v", err)
			}
			syncNoSecret(t, err, "hunter2")
			if st.tip(t) != tip {
				t.Fatal("a refused import moved the remote")
			}
			syncSameTree(t, before, syncSnapshot(t, a.opts.UserHome))
		})
	}
	// Confirmed, it goes in.
	res, err := a.open().Import(ctx, scopes.ImportOptions{Env: "staging", Dir: from, Items: good, Confirm: func(scopes.Environment, []scopes.ItemChange) bool { return true }})
	if err != nil || res.Commit == "" {
		t.Fatalf("confirmed import = %+v, %v", res, err)
	}
}
