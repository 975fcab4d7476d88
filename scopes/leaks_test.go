package scopes

import (
	"context"
	"slices"
	"strings"
	"testing"
)

// The use cases that write items hand them to Options.Leaks (the
// pre-commit guard's leak index), so that no command has to remember it:
// a push that sends something and every pull call it once, with the env
// items' parsed files; a push with nothing to send does not.
func TestLeaksRefreshedByUseCases(t *testing.T) {
	ctx := context.Background()
	pv := newProviderVault(t)
	var calls []string
	open := func() *Session {
		v := pv.open()
		v.opts.Leaks = func(env string, items []ItemResult) {
			var names []string
			for _, it := range items {
				if it.Type == TypeEnv && it.File == nil {
					t.Errorf("%s: env item without its parsed file", it.Path)
				}
				names = append(names, it.Project+"/"+it.Path)
			}
			slices.Sort(names)
			calls = append(calls, env+": "+strings.Join(names, " "))
		}
		return v
	}
	if _, err := open().Push(ctx, PushOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := open().Push(ctx, PushOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := open().Pull(ctx, PullOptions{Project: "myapp", Dest: t.TempDir()}); err != nil {
		t.Fatal(err)
	}
	want := []string{"development: myapp/.env myapp/.env.local", "development: myapp/.env myapp/.env.local"}
	if !slices.Equal(calls, want) {
		t.Errorf("Leaks calls = %q, want %q", calls, want)
	}
}
