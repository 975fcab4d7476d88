package scopes

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/configsync/configsync/config"
	"github.com/configsync/configsync/gitstore"
)

func TestCheckSetting(t *testing.T) {
	home := t.TempDir()
	repo := filepath.Join(t.TempDir(), "repo")
	if _, err := gitstore.InitBare(repo, config.DefaultBranch); err != nil {
		t.Fatal(err)
	}
	st, err := gitstore.Open(repo, config.DefaultBranch)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Commit(context.Background(), gitstore.Hash{}, []gitstore.Change{{Path: "f", Data: []byte("x")}}, gitstore.Signature{Name: "T", Email: "t@example.com", When: time.Now()}, "c"); err != nil {
		t.Fatal(err)
	}
	st.Close()
	withRepo := t.TempDir()
	withStore := t.TempDir()
	if err := os.Mkdir(config.Home(withStore).Store(), 0o700); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		home       string
		cfg        config.Local
		key, value string
		refused    bool
	}{
		{"remote on own store", withStore, config.Local{Store: config.Store{Remote: "a.git"}}, "store.remote", "b.git", false},
		{"remote on repo store", home, config.Local{Store: config.Store{Repo: repo}}, "store.remote", "b.git", true},
		{"unset remote of own store", withStore, config.Local{Store: config.Store{Remote: "a.git"}}, "store.remote", "", true},
		{"unset remote, no store", home, config.Local{Store: config.Store{Remote: "a.git"}}, "store.remote", "", false},
		{"repo exists", home, config.Local{}, "store.repo", repo, false},
		{"repo missing", home, config.Local{}, "store.repo", filepath.Join(home, "nonexistent"), true},
		{"unset repo", home, config.Local{Store: config.Store{Repo: "/gone"}}, "store.repo", "", false},
		{"branch the store has", withRepo, config.Local{Store: config.Store{Repo: repo}}, "store.branch", config.DefaultBranch, false},
		{"branch the store lacks", withRepo, config.Local{Store: config.Store{Repo: repo}}, "store.branch", "other", true},
		{"branch, no store", home, config.Local{}, "store.branch", "other", false},
		{"other key", home, config.Local{}, "hooks.min_length", "12", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckSetting(tt.home, &tt.cfg, tt.key, tt.value)
			var se *SettingError
			if got := errors.As(err, &se); got != tt.refused || (err != nil && !got) {
				t.Fatalf("CheckSetting(%s, %q) = %v, refused want %v", tt.key, tt.value, err, tt.refused)
			}
		})
	}
}

// behindMarks decides how many steps repair --follow seals forward.
func TestBehindMarks(t *testing.T) {
	created := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	state := func(serial int, ix map[string]int) *chainState {
		st := &chainState{indexes: map[string]*signedIndex{}}
		st.man.Serial = serial
		for name, s := range ix {
			st.man.Environments = append(st.man.Environments, Environment{Name: name, Created: created})
			st.indexes[name] = &signedIndex{envIndex: envIndex{Environment: name, Serial: s}}
		}
		return st
	}
	tests := []struct {
		name          string
		cur, accepted *chainState
		behind        bool
	}{
		{"manifest below", state(2, nil), state(3, nil), true},
		{"manifest equal", state(3, nil), state(3, nil), true},
		{"manifest above", state(4, nil), state(3, nil), false},
		{"index below", state(4, map[string]int{"dev": 2}), state(3, map[string]int{"dev": 3}), true},
		{"index equal", state(4, map[string]int{"dev": 3}), state(3, map[string]int{"dev": 3}), true},
		{"index above", state(4, map[string]int{"dev": 4}), state(3, map[string]int{"dev": 3}), false},
		{"env only here", state(4, map[string]int{"dev": 1}), state(3, nil), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := behindMarks(tt.cur, tt.accepted); got != tt.behind {
				t.Errorf("behindMarks = %v, want %v", got, tt.behind)
			}
		})
	}
}
