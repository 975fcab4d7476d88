package scopes

import (
	"testing"

	"github.com/configsync/configsync/envfile"
)

// TestSetKeys: a push keeps the changed keys, values included, only for
// a protected environment's confirmation; otherwise only its line of
// the commit message, the same line commitContent would have written.
func TestSetKeys(t *testing.T) {
	old, _ := envfile.Parse("", []byte("A=1\nB=2\nC=3\n"))
	cur, _ := envfile.Parse("", []byte("A=1\nB=22\nD=4\n"))
	keys := envfile.Diff(old, cur)
	for _, tc := range []struct {
		protected, isNew bool
		line             string
	}{
		{false, false, "app/.env: added D; changed B; removed C"},
		{false, true, "app/.env: new; added D; changed B; removed C"},
		{true, false, ""},
	} {
		a := &pushAttempt{envAccess: &envAccess{env: Environment{Name: "dev", Protected: tc.protected}}}
		p := &pending{it: TrackedItem{Project: "app", Path: ".env", Type: TypeEnv}, isNew: tc.isNew}
		a.setKeys(p, keys)
		if p.line != tc.line {
			t.Errorf("protected %v, new %v: line %q, want %q", tc.protected, tc.isNew, p.line, tc.line)
		}
		if want := describeChanges("app/.env", keys, tc.isNew, false); !tc.protected && p.line != want {
			t.Errorf("line %q, describeChanges %q", p.line, want)
		}
		if tc.protected != (len(p.keys) == len(keys)) || (!tc.protected && p.keys != nil) {
			t.Errorf("protected %v: kept %d keys", tc.protected, len(p.keys))
		}
		if tc.protected && p.keys[0].Old.Reveal() != "2" {
			t.Error("a protected environment's confirmation lost the old values")
		}
	}
}

// TestDropPlaintext: once encrypted, a push keeps an item's plaintext
// only to write a merge back; its size stays for the result.
func TestDropPlaintext(t *testing.T) {
	plain, merged := &pending{data: []byte("A=1\n")}, &pending{data: []byte("A=1\nB=2\n"), merged: true}
	a := &pushAttempt{todo: []*pending{plain, merged}}
	a.dropPlaintext()
	if plain.data != nil || plain.size != 4 {
		t.Errorf("unmerged item: data %q, size %d", plain.data, plain.size)
	}
	if string(merged.data) != "A=1\nB=2\n" || merged.size != 8 {
		t.Errorf("merged item: data %q, size %d", merged.data, merged.size)
	}
}
