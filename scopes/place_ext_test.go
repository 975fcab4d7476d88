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

// placesTeam: Alice pushes myapp (.env, the file certs/key.pem, the file
// .aws/credentials under a hidden directory) and the projects other
// (~/git/other), dotapp (~/.config/app) and recorded (~/git/recorded).
// Bob has ~/git/recorded but tracks only myapp.
func placesTeam(t *testing.T) *syncTeam {
	t.Helper()
	return syncTeamFrom(t, "places", func(t *testing.T, root string) {
		ctx := context.Background()
		done := syncDone(t)
		buildSyncTeam(t, root)
		st := openSyncTeam(t, root)
		a := st.alice
		a.write(".env", "A=1\n")
		a.write("certs/key.pem", "PEM\n")
		a.write(".aws/credentials", "AWS\n")
		done(a.open().AddFile(filepath.Join(a.dir, "certs", "key.pem"), ""))
		done(a.open().AddFile(filepath.Join(a.dir, ".aws", "credentials"), ""))
		for _, p := range []struct{ dir, project string }{{"git/other", "other"}, {".config/app", "dotapp"}, {"git/recorded", "recorded"}} {
			dir := filepath.Join(a.opts.UserHome, filepath.FromSlash(p.dir))
			if err := os.MkdirAll(dir, 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, ".env"), []byte(p.project+"=1\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			done(a.open().AddEnv(dir, p.project))
		}
		done(a.open().Push(ctx, scopes.PushOptions{}))
		if err := os.MkdirAll(filepath.Join(st.bob.opts.UserHome, "git", "recorded"), 0o700); err != nil {
			t.Fatal(err)
		}
	})
}

func TestPullPlaces(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := placesTeam(t)
	b := st.bob
	var asked []string
	res, err := b.open().Pull(ctx, scopes.PullOptions{Confirm: func(files []string) bool { asked = files; return false }})
	if err != nil {
		t.Fatal(err)
	}
	var written []string
	for _, it := range res.Items {
		written = append(written, it.Project+"/"+it.Path)
	}
	slices.Sort(written)
	if !slices.Equal(written, []string{"myapp/.env", "recorded/.env"}) {
		t.Fatalf("written = %v", written)
	}
	if !slices.Equal(asked, []string{"~/git/myapp/certs/key.pem"}) || !slices.Equal(res.NewFiles, asked) {
		t.Fatalf("asked %v, new files %v", asked, res.NewFiles)
	}
	if !slices.Equal(res.Hidden, []string{"~/git/myapp/.aws/credentials"}) {
		t.Fatalf("hidden = %v", res.Hidden)
	}
	skipped := map[string]string{}
	for _, s := range res.Skipped {
		skipped[s.Project] = s.Dir + " " + s.Refused
	}
	if skipped["other"] != "~/git/other " || skipped["dotapp"] != "~/.config/app a hidden directory" || len(skipped) != 2 {
		t.Fatalf("skipped = %+v", res.Skipped)
	}
	// The recorded directory is tracked now.
	if items, err := b.open().Tracked("", "recorded"); err != nil || len(items) != 1 {
		t.Fatalf("recorded tracked = %+v, %v", items, err)
	}
	if _, err := os.Stat(filepath.Join(b.dir, ".aws")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("pull wrote under a hidden directory: %v", err)
	}

	rep, err := b.open().Status(ctx, "", "")
	if err != nil {
		t.Fatal(err)
	}
	states := map[string]scopes.ItemState{}
	for _, is := range rep.Items {
		states[is.Project+"/"+is.Path] = is.State
	}
	for item, want := range map[string]scopes.ItemState{
		"myapp/.env": scopes.StateUpToDate, "myapp/certs/key.pem": scopes.StateNewFile, "myapp/.aws/credentials": scopes.StateHidden,
		"other/.env": scopes.StateNotPlaceable, "recorded/.env": scopes.StateUpToDate,
	} {
		if states[item] != want {
			t.Errorf("status of %s = %q, want %q", item, states[item], want)
		}
	}

	// Yes restores the new file; a second pull rewrites nothing.
	res, err = b.open().Pull(ctx, scopes.PullOptions{Project: "myapp", Yes: true})
	if err != nil || len(res.Items) != 1 || res.Items[0].Path != "certs/key.pem" || len(res.Unchanged) != 1 {
		t.Fatalf("pull --yes = %+v, %v", res, err)
	}
	syncMode0600(t, filepath.Join(b.dir, "certs", "key.pem"))
	if b.read("certs/key.pem") != "PEM\n" {
		t.Fatalf("key.pem = %q", b.read("certs/key.pem"))
	}
}

// TestPullDest restores one project into another directory, tracking
// nothing.
func TestPullDest(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := placesTeam(t)
	dest := filepath.Join(t.TempDir(), "copy")
	res, err := st.bob.open().Pull(ctx, scopes.PullOptions{Project: "other", Dest: dest})
	if err != nil || len(res.Items) != 1 {
		t.Fatalf("pull --dest = %+v, %v", res, err)
	}
	if b, err := os.ReadFile(filepath.Join(dest, ".env")); err != nil || string(b) != "other=1\n" {
		t.Fatalf("dest .env = %q, %v", b, err)
	}
	if items, _ := st.bob.open().Tracked("", "other"); len(items) != 0 {
		t.Fatalf("pull --dest tracked %+v", items)
	}
}

// TestPullPlaceRefusals: pull never writes through a symlink that leaves
// the project, nor over a directory, and writes nothing when it refuses.
func TestPullPlaceRefusals(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cases := []struct {
		name  string
		setup func(t *testing.T, dir, outside string)
		opts  scopes.PullOptions
		check func(t *testing.T, err error)
		state scopes.ItemState // status of certs/key.pem, "" to skip
	}{
		{"link out", func(t *testing.T, dir, outside string) {
			if err := os.Symlink(outside, filepath.Join(dir, "certs")); err != nil {
				t.Fatal(err)
			}
		}, scopes.PullOptions{Yes: true}, func(t *testing.T, err error) {
			var ee *scopes.EscapeError
			if !errors.As(err, &ee) || ee.Link != "certs" || ee.Dir != "~/git/myapp" {
				t.Fatalf("err = %v, want an escape through certs", err)
			}
		}, ""},
		{"dangling link", func(t *testing.T, dir, outside string) {
			if err := os.Symlink(filepath.Join(outside, "gone"), filepath.Join(dir, "certs")); err != nil {
				t.Fatal(err)
			}
		}, scopes.PullOptions{Yes: true}, func(t *testing.T, err error) {
			var ee *scopes.EscapeError
			if !errors.As(err, &ee) {
				t.Fatalf("err = %v, want an escape", err)
			}
		}, scopes.StateEscapes},
		{"parent is a file", func(t *testing.T, dir, outside string) {
			if err := os.WriteFile(filepath.Join(dir, "certs"), []byte("x"), 0o600); err != nil {
				t.Fatal(err)
			}
		}, scopes.PullOptions{Yes: true}, func(t *testing.T, err error) {
			var ie *scopes.ItemError
			if !errors.As(err, &ie) || !strings.Contains(err.Error(), "certs is not a directory") {
				t.Fatalf("err = %v", err)
			}
		}, ""},
		{"target is a directory", func(t *testing.T, dir, outside string) {
			if err := os.MkdirAll(filepath.Join(dir, ".env"), 0o700); err != nil {
				t.Fatal(err)
			}
		}, scopes.PullOptions{}, func(t *testing.T, err error) {
			var ie *scopes.ItemError
			if !errors.As(err, &ie) || !strings.Contains(err.Error(), "not a regular file") {
				t.Fatalf("err = %v", err)
			}
		}, ""},
		{"dest with several projects", nil, scopes.PullOptions{Dest: "elsewhere"}, func(t *testing.T, err error) {
			if err == nil || !strings.Contains(err.Error(), "--dest needs --project") {
				t.Fatalf("err = %v", err)
			}
		}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			st := placesTeam(t)
			b := st.bob
			outside := t.TempDir()
			if c.setup != nil {
				c.setup(t, b.dir, outside)
			}
			before, out := syncSnapshot(t, b.opts.UserHome), syncSnapshot(t, outside)
			_, err := b.open().Pull(ctx, c.opts)
			c.check(t, err)
			syncSameTree(t, before, syncSnapshot(t, b.opts.UserHome))
			syncSameTree(t, out, syncSnapshot(t, outside))
			if c.state != "" {
				rep, err := b.open().Status(ctx, "", "myapp")
				if err != nil {
					t.Fatal(err)
				}
				if got := syncState(rep, "certs/key.pem"); got != c.state {
					t.Fatalf("status of certs/key.pem = %q, want %q", got, c.state)
				}
			}
		})
	}
}
