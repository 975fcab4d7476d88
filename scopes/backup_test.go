package scopes

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/configsync/configsync/config"
)

// TestBackupRestore: backups are 0600 in a 0700 directory, named by time
// only; restore-backup finds one by ID, by path (the latest) or the
// latest of all, writes it back 0600, and first keeps what it replaces.
func TestBackupRestore(t *testing.T) {
	home, work := t.TempDir(), t.TempDir()
	now := time.Date(2026, 12, 1, 18, 0, 0, 0, time.UTC)
	v := newSession(Options{Home: home, Now: func() time.Time { return now }}, nil)
	env := filepath.Join(work, ".env")
	first, err := v.backup(env, "~/.env", "test", []byte("K=secret-one\n"))
	if err != nil {
		t.Fatal(err)
	}
	second, err := v.backup(env, "~/.env", "test", []byte("K=secret-two\n"))
	if err != nil {
		t.Fatal(err)
	}
	if first.ID != "20261201T180000Z-1" || second.ID != "20261201T180000Z-2" {
		t.Fatalf("IDs %q, %q", first.ID, second.ID)
	}
	dir := config.Home(home).Backups()
	if st, err := os.Stat(dir); err != nil || st.Mode().Perm() != 0o700 {
		t.Fatalf("backup dir: %v %v", st.Mode(), err)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		st, _ := os.Stat(filepath.Join(dir, e.Name()))
		if st.Mode().Perm() != 0o600 || strings.Contains(e.Name(), "secret") {
			t.Fatalf("%s: mode %v", e.Name(), st.Mode())
		}
	}
	if err := os.WriteFile(env, []byte("K=current\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, tt := range []struct{ which, want string }{
		{first.ID, "K=secret-one\n"},
		{env, "K=current\n"}, // the latest of the path: what the restore just saved
		{"", "K=secret-one\n"},
	} {
		b, _, err := v.RestoreBackup(ctx, tt.which)
		if err != nil {
			t.Fatalf("restore %q: %v", tt.which, err)
		}
		got, _ := os.ReadFile(env)
		if string(got) != tt.want {
			t.Fatalf("restore %q (%s): file %q, want %q", tt.which, b.ID, got, tt.want)
		}
		if st, _ := os.Stat(env); st.Mode().Perm() != 0o600 {
			t.Fatalf("restored with mode %v", st.Mode())
		}
	}
	if _, _, err := v.RestoreBackup(ctx, "nope"); err == nil {
		t.Fatal("restore of an unknown backup succeeded")
	}
	all, err := v.Backups()
	if err != nil || len(all) != 5 {
		t.Fatalf("%d backups, %v; want 5 (2 + 3 saved by restores)", len(all), err)
	}
}
