package scopes

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/configsync/configsync/config"
)

// Which directory's configsync.toml puts a project in inject_as_env mode.
func TestInjectOnly(t *testing.T) {
	on := "inject_as_env = true\n"
	off := "project = \"myapp\"\n"
	tests := []struct {
		name     string
		machine  bool              // config set inject_as_env true
		files    map[string]string // home-relative dir -> configsync.toml ("" : dir without one)
		tracked  string            // home-relative tracked dir of myapp, "" for none
		recDir   string            // where the store says it was pushed from
		dest     string            // home-relative --dest
		wantOn   bool
		wantFile string
		wantErr  error
	}{
		{name: "machine", machine: true, recDir: "~/gone", wantOn: true},
		{name: "nothing", files: map[string]string{"git/myapp": ""}, tracked: "git/myapp"},
		{name: "tracked dir", files: map[string]string{"git/myapp": on}, tracked: "git/myapp", wantOn: true, wantFile: "~/git/myapp/configsync.toml"},
		{name: "recorded dir", files: map[string]string{"git/myapp": on}, recDir: "~/git/myapp", wantOn: true, wantFile: "~/git/myapp/configsync.toml"},
		{name: "recorded dir missing", recDir: "~/git/myapp"},
		{name: "recorded dir not home-relative", files: map[string]string{"git/myapp": on}, recDir: "/git/myapp"},
		{name: "tracked dir wins over recorded", files: map[string]string{"git/myapp": on, "work/myapp": off}, tracked: "work/myapp", recDir: "~/git/myapp"},
		{name: "dest", files: map[string]string{"out": on, "git/myapp": off}, recDir: "~/git/myapp", dest: "out", wantOn: true, wantFile: "~/out/configsync.toml"},
		{name: "project dir with --dest", files: map[string]string{"out": "", "git/myapp": on}, recDir: "~/git/myapp", dest: "out", wantOn: true, wantFile: "~/git/myapp/configsync.toml"},
		{name: "false", files: map[string]string{"git/myapp": "inject_as_env = false\n"}, tracked: "git/myapp"},
		{name: "malformed", files: map[string]string{"git/myapp": "inject_as_env = \"yes\"\n"}, tracked: "git/myapp", wantErr: config.ErrInvalidValue},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			home := t.TempDir()
			for dir, content := range tt.files {
				abs := filepath.Join(home, dir)
				if err := os.MkdirAll(abs, 0o700); err != nil {
					t.Fatal(err)
				}
				if content != "" {
					if err := os.WriteFile(filepath.Join(abs, config.ProjectFile), []byte(content), 0o600); err != nil {
						t.Fatal(err)
					}
				}
			}
			v := newSession(Options{UserHome: home}, &config.Local{InjectAsEnv: tt.machine})
			if tt.tracked != "" {
				v.cfg.Track = []config.Track{{Project: "myapp", Dir: filepath.Join(home, tt.tracked), Type: TypeEnv}}
			}
			dest := ""
			if tt.dest != "" {
				dest = filepath.Join(home, tt.dest)
			}
			gotOn, gotFile, err := v.injectOnly("myapp", tt.recDir, dest)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("injectOnly error = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil || gotOn != tt.wantOn || gotFile != tt.wantFile {
				t.Errorf("injectOnly = %v, %q, %v; want %v, %q", gotOn, gotFile, err, tt.wantOn, tt.wantFile)
			}
		})
	}
}

// Pull drops only env items of projects in the mode, and counts them.
func TestSkipInjectOnly(t *testing.T) {
	home := t.TempDir()
	for dir, content := range map[string]string{"git/app": "inject_as_env = true\n", "git/api": ""} {
		abs := filepath.Join(home, dir)
		if err := os.MkdirAll(abs, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(abs, config.ProjectFile), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	v := newSession(Options{UserHome: home}, &config.Local{})
	stored := []storedItem{
		{Project: "api", Path: ".env", Type: TypeEnv, Dir: "~/git/api"},
		{Project: "app", Path: ".env", Type: TypeEnv, Dir: "~/git/app"},
		{Project: "app", Path: ".env.local", Type: TypeEnv, Dir: "~/git/app"},
		{Project: "app", Path: "sa.json", Type: TypeFile, Dir: "~/git/app"},
	}
	kept, skipped, err := v.skipInjectOnly(stored, "")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range kept {
		got = append(got, s.Project+"/"+s.Path)
	}
	if len(got) != 2 || got[0] != "api/.env" || got[1] != "app/sa.json" {
		t.Errorf("kept %v, want api/.env and app/sa.json", got)
	}
	if len(skipped) != 1 || skipped[0].Project != "app" || skipped[0].Items != 2 || skipped[0].File != "~/git/app/configsync.toml" {
		t.Errorf("skipped %+v, want app's 2 env items, by ~/git/app/configsync.toml", skipped)
	}
	// A missing env file there is no deletion for push; a file item's is.
	if !v.absentByMode(stored[1]) || v.absentByMode(stored[3]) || v.absentByMode(stored[0]) {
		t.Errorf("absentByMode: want true for app/.env only")
	}
}
