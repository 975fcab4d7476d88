package scopes_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/configsync/configsync/scopes"
)

func TestRestoreBackup(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := syncedTeam(t)
	b := st.bob
	var nb *scopes.NoBackupError
	if _, _, err := b.open().RestoreBackup(ctx, ""); !errors.As(err, &nb) || err.Error() != "no backup kept yet" {
		t.Fatalf("restore with no backups = %v", err)
	}
	// Two pulls --force over two local edits: two backups.
	for _, edit := range []string{"A=first-edit\nB=2\n", "A=second-edit\nB=2\n"} {
		st.bob.write(".env", edit)
		if _, err := b.open().Pull(ctx, scopes.PullOptions{Force: true}); err != nil {
			t.Fatal(err)
		}
	}
	// Something that is not a backup is ignored.
	if err := os.WriteFile(filepath.Join(b.opts.Home, "backups", "notes.json"), []byte("{}"), 0o600); err != nil {
		t.Fatal(err)
	}
	all, err := b.open().Backups()
	if err != nil || len(all) != 2 || all[0].Display != "~/git/myapp/.env" || all[0].Size != len("A=first-edit\nB=2\n") {
		t.Fatalf("backups = %+v, %v", all, err)
	}
	for _, bk := range all {
		syncMode0600(t, filepath.Join(b.opts.Home, "backups", bk.ID))
		syncMode0600(t, filepath.Join(b.opts.Home, "backups", bk.ID+".json"))
	}

	cases := []struct {
		which string
		want  string
	}{
		{all[0].ID, "A=first-edit\nB=2\n"},
		// A path: its latest backup, the one the restore above saved.
		{filepath.Join(b.dir, ".env"), "A=1\nB=2\n"},
	}
	for _, c := range cases {
		restored, saved, err := b.open().RestoreBackup(ctx, c.which)
		if err != nil {
			t.Fatal(err)
		}
		if got := b.read(".env"); got != c.want {
			t.Fatalf("restore %s: .env = %q, want %q (restored %+v)", c.which, got, c.want, restored)
		}
		if saved == nil || saved.Reason != "restore-backup "+restored.ID {
			t.Fatalf("restore %s saved %+v", c.which, saved)
		}
		syncMode0600(t, filepath.Join(b.dir, ".env"))
	}
	// The latest backup now is what the last restore replaced.
	restored, saved, err := b.open().RestoreBackup(ctx, "")
	if err != nil || b.read(".env") != "A=first-edit\nB=2\n" || saved == nil {
		t.Fatalf("restore latest = %+v, %+v, %v: %q", restored, saved, err, b.read(".env"))
	}
	// Restoring what the file already holds keeps no new backup.
	n := len(syncMustBackups(t, b))
	if _, saved, err := b.open().RestoreBackup(ctx, restored.ID); err != nil || saved != nil {
		t.Fatalf("restore of the same content saved %+v, %v", saved, err)
	}
	if len(syncMustBackups(t, b)) != n {
		t.Fatal("a restore of the same content kept a backup")
	}
	// A removed file is written back.
	if err := os.Remove(filepath.Join(b.dir, ".env")); err != nil {
		t.Fatal(err)
	}
	if _, saved, err := b.open().RestoreBackup(ctx, all[1].ID); err != nil || saved != nil || b.read(".env") != "A=second-edit\nB=2\n" {
		t.Fatalf("restore of a removed file = %+v, %v", saved, err)
	}

	before := syncSnapshot(t, b.opts.UserHome)
	if _, _, err := b.open().RestoreBackup(ctx, "20990101T000000Z-1"); !errors.As(err, &nb) || nb.Which != "20990101T000000Z-1" {
		t.Fatalf("restore of an unknown backup = %v", err)
	}
	syncSameTree(t, before, syncSnapshot(t, b.opts.UserHome))
}

func syncMustBackups(t *testing.T, m *syncMachine) []scopes.Backup {
	t.Helper()
	all, err := m.open().Backups()
	if err != nil {
		t.Fatal(err)
	}
	return all
}
