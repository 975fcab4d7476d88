package scopes

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/configsync/configsync/envfile"
	"github.com/configsync/configsync/gitstore"
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

// TestDropPlaintext: once encrypted, a push keeps a file item's
// plaintext only to write a merge back, and an env item's for the leak
// index; its size stays for the result.
func TestDropPlaintext(t *testing.T) {
	file := &pending{it: TrackedItem{Type: TypeFile}, data: []byte("A=1\n")}
	merged := &pending{it: TrackedItem{Type: TypeFile}, data: []byte("A=1\nB=2\n"), merged: true}
	env := &pending{it: TrackedItem{Type: TypeEnv}, data: []byte("C=3\n")}
	a := &pushAttempt{todo: []*pending{file, merged, env}}
	a.dropPlaintext()
	if file.data != nil || file.size != 4 {
		t.Errorf("unmerged file item: data %q, size %d", file.data, file.size)
	}
	if string(merged.data) != "A=1\nB=2\n" || merged.size != 8 {
		t.Errorf("merged item: data %q, size %d", merged.data, merged.size)
	}
	if string(env.data) != "C=3\n" || env.size != 4 {
		t.Errorf("env item: data %q, size %d", env.data, env.size)
	}
}

// TestApplyItemChangesNotesDigests: the digests an index gets are noted
// by blob id, so that the walk accepting the commit needs not read the
// blobs back; only items are noted.
func TestApplyItemChangesNotesDigests(t *testing.T) {
	item, other := []byte("ciphertext of an item"), []byte("a project record")
	items, wrote := map[string]string{}, map[gitstore.Hash]string{}
	applyItemChanges(items, "dev", []gitstore.Change{
		{Path: envItemsDir("dev") + "/app/.env", Data: item},
		{Path: "elsewhere/project.toml", Data: other},
	}, wrote)
	if len(wrote) != 1 || wrote[gitstore.BlobHash(item)] != digest(item) || items["app/.env"] != digest(item) {
		t.Fatalf("noted %v, index %v", wrote, items)
	}
}

// TestKeysAgainst: the keys worked out ahead serve only for the content
// and the file they were worked out with; otherwise they are worked out
// again, with the same result as without them.
func TestKeysAgainst(t *testing.T) {
	old, other := []byte("A=1\nB=2\n"), []byte("A=1\nB=3\n")
	file, _ := envfile.Parse("", []byte("A=1\nB=22\nC=4\n"))
	merged, _ := envfile.Parse("", []byte("A=9\nB=2\n"))
	ahead := &aheadCopy{plain: old, file: file, keys: changedKeysOf(TypeEnv, old, file)}
	for _, tc := range []struct {
		name      string
		old       []byte
		file      *envfile.File
		fromAhead bool
	}{
		{"the same content and file", bytes.Clone(old), file, true},
		{"another content", other, file, false},
		{"a merged file", old, merged, false},
	} {
		p := &pending{it: TrackedItem{Type: TypeEnv}, file: tc.file, aheadKeys: ahead}
		got := p.keysAgainst(tc.old)
		if fromAhead := len(got) > 0 && &got[0] == &ahead.keys[0]; fromAhead != tc.fromAhead {
			t.Errorf("%s: keys from ahead %v, want %v", tc.name, fromAhead, tc.fromAhead)
		}
		if want := changedKeysOf(TypeEnv, tc.old, tc.file); fmt.Sprint(keyNames(got)) != fmt.Sprint(keyNames(want)) {
			t.Errorf("%s: keys %v, want %v", tc.name, keyNames(got), keyNames(want))
		}
	}
}
