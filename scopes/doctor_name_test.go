package scopes

import (
	"os"
	"path/filepath"
	"testing"
)

// TestUnusedName: a second store rebuild within the same second must not
// fail on the first one's damaged copy (it did, in CI, when both
// doctor --fix runs of repair_doctor.txtar fell in one second).
func TestUnusedName(t *testing.T) {
	dir := t.TempDir()
	base := filepath.Join(dir, "store.git.damaged-1796153045")
	if got := unusedName(base); got != base {
		t.Fatalf("unusedName of a free name = %s", got)
	}
	for _, taken := range []string{base, base + "-2"} {
		if err := os.Mkdir(taken, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	if got := unusedName(base); got != base+"-3" {
		t.Fatalf("unusedName = %s, want %s-3", got, base)
	}
}
