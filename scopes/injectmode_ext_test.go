package scopes_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/configsync/configsync/scopes"
)

// TestInjectOnlyProject: a project whose configsync.toml turns on
// inject_as_env is never written by pull or export here, and status says
// so; inject still reads it.
func TestInjectOnlyProject(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := syncedTeam(t)
	b := st.bob
	b.write("configsync.toml", "inject_as_env = true\n")
	st.alicePushes(t, "A=10\nB=2\n")

	res, err := b.open().Pull(ctx, scopes.PullOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Items) != 0 || len(res.InjectOnly) != 1 || res.InjectOnly[0].Items != 1 {
		t.Fatalf("pull = %+v", res)
	}
	m := res.InjectOnly[0]
	if m.Project != "myapp" || m.File != "~/git/myapp/configsync.toml" || m.Source() != "set in ~/git/myapp/configsync.toml" {
		t.Fatalf("inject only = %+v (%s)", m, m.Source())
	}
	if got := b.read(".env"); got != "A=1\nB=2\n" {
		t.Fatalf("pull wrote an inject-only item: %q", got)
	}

	rep, err := b.open().Status(ctx, "", "")
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.InjectOnly) != 1 || !slices.Equal(rep.InjectOnly[0].Plaintext, []string{"~/git/myapp/.env"}) {
		t.Fatalf("status inject only = %+v", rep.InjectOnly)
	}
	if len(rep.Items) != 1 || !rep.Items[0].InjectOnly {
		t.Fatalf("status items = %+v", rep.Items)
	}
	// Without a plaintext copy the item is only injected.
	if err := os.Remove(filepath.Join(b.dir, ".env")); err != nil {
		t.Fatal(err)
	}
	rep, err = b.open().Status(ctx, "", "")
	if err != nil || len(rep.Items) != 1 || rep.Items[0].State != scopes.StateInjectOnly || len(rep.InjectOnly[0].Plaintext) != 0 {
		t.Fatalf("status without the file = %+v, %v", rep, err)
	}

	// export --output refuses; inject reads.
	_, _, err = b.open().Variables(ctx, scopes.VariablesOptions{ToFile: true})
	var ie *scopes.InjectOnlyError
	if !errors.As(err, &ie) || ie.Project != "myapp" || !strings.Contains(err.Error(), "inject_as_env mode (set in ~/git/myapp/configsync.toml)") {
		t.Fatalf("variables to a file = %v", err)
	}
	_, vars, err := b.open().Variables(ctx, scopes.VariablesOptions{})
	if err != nil || len(vars) != 2 {
		t.Fatalf("variables = %v, %v", vars, err)
	}

}

// TestInjectOnlyMachine: the machine's own setting covers every project.
func TestInjectOnlyMachine(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := syncedTeam(t)
	b := st.bob
	v := b.open()
	v.Config().InjectAsEnv = true
	if err := v.SaveConfig(); err != nil {
		t.Fatal(err)
	}
	st.alicePushes(t, "A=10\nB=2\n")
	res, err := b.open().Pull(ctx, scopes.PullOptions{})
	if err != nil || len(res.InjectOnly) != 1 || res.InjectOnly[0].Source() != "set on this machine" {
		t.Fatalf("pull = %+v, %v", res, err)
	}
	_, _, err = b.open().Variables(ctx, scopes.VariablesOptions{ToFile: true, Project: "myapp"})
	var ie *scopes.InjectOnlyError
	if !errors.As(err, &ie) || !strings.Contains(err.Error(), "set on this machine") {
		t.Fatalf("variables to a file = %v", err)
	}
}

func TestVariables(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := placesTeam(t)
	a, b := st.alice, st.bob
	st.syncFetch(t, b)
	// Bob tracks one of the projects: it is the one.
	_, vars, err := b.open().Variables(ctx, scopes.VariablesOptions{})
	if err != nil || len(vars) != 1 || vars[0].Key != "A" {
		t.Fatalf("bob's variables = %+v, %v", vars, err)
	}
	// Alice tracks all of them: she names one.
	_, _, err = a.open().Variables(ctx, scopes.VariablesOptions{})
	if err == nil || !strings.Contains(err.Error(), "name a project with --project (projects: dotapp, myapp, other, recorded)") {
		t.Fatalf("alice's variables = %v", err)
	}
	env, vars, err := a.open().Variables(ctx, scopes.VariablesOptions{Project: "other"})
	if err != nil || env.Name != "development" || len(vars) != 1 || vars[0].Key != "other" {
		t.Fatalf("variables of other = %+v, %v", vars, err)
	}
	_, _, err = a.open().Variables(ctx, scopes.VariablesOptions{Project: "nope"})
	var ue *scopes.UnknownProjectError
	if !errors.As(err, &ue) || ue.Env != "development" || len(ue.Available) != 4 {
		t.Fatalf("variables of an unknown project = %v", err)
	}
	_, _, err = a.open().Variables(ctx, scopes.VariablesOptions{Env: "nope"})
	var ee *scopes.UnknownEnvironmentError
	if !errors.As(err, &ee) {
		t.Fatalf("variables of an unknown environment = %v", err)
	}

	// An environment with nothing in it has no project to name.
	empty := newSyncTeam(t)
	_, _, err = empty.alice.open().Variables(ctx, scopes.VariablesOptions{})
	if err == nil || !strings.Contains(err.Error(), "(projects: none)") {
		t.Fatalf("variables of an empty environment = %v", err)
	}
}
