package scopes

import (
	"context"
	"fmt"
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
				if it.Type == TypeEnv && it.EnvFile() == nil {
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

// TestItemResultEnv: a result keeps its env item's content for the leak
// index, parsed on demand, and never shows it when printed.
func TestItemResultEnv(t *testing.T) {
	const value = "s3cr3t-value-never-printed"
	tests := []struct {
		name string
		r    ItemResult
		keys []string
	}{
		{"env item", ItemResult{Path: ".env", Type: TypeEnv}.withEnv([]byte("A=" + value + "\nB=2\n")), []string{"A", "B"}},
		{"file item", ItemResult{Path: "key.pem", Type: TypeFile}.withEnv([]byte(value)), nil},
		{"deletion", ItemResult{Path: ".env", Type: TypeEnv, Deleted: true}, nil},
	}
	for _, tt := range tests {
		f := tt.r.EnvFile()
		if (f == nil) != (tt.keys == nil) || f != nil && !slices.Equal(f.Keys(), tt.keys) {
			t.Errorf("%s: EnvFile %v, want keys %q", tt.name, f, tt.keys)
		}
		for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
			if s := fmt.Sprintf(verb, tt.r); strings.Contains(s, value) || strings.Contains(s, "115 51 99") {
				t.Errorf("%s: %s shows the content: %s", tt.name, verb, s)
			}
		}
	}
}
