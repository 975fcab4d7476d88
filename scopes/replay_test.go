package scopes

import (
	"context"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/configsync/configsync/gitstore"
)

// TestReplay: replaying history's changes oldest first gives, at every
// commit, the files its tree has, as history walks now read them instead
// of decoding each commit's whole tree.
func TestReplay(t *testing.T) {
	ctx := context.Background()
	s, err := gitstore.InitBare(filepath.Join(t.TempDir(), "store.git"), gitstore.DefaultBranch)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	who := gitstore.Signature{Name: "Ada", Email: "ada@example.com", When: time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)}
	put := func(p, d string) gitstore.Change { return gitstore.Change{Path: p, Data: []byte(d)} }
	del := func(p string) gitstore.Change { return gitstore.Change{Path: p, Delete: true} }
	var tip gitstore.Hash
	for _, changes := range [][]gitstore.Change{
		{put("team/members.toml", "1"), put("team/keys/A.asc", "a"), put("environments/dev/key.pgp", "k1")},
		{put("team/members.toml", "2"), put("team/keys/B.asc", "b")},
		{put("environments/dev/key.pgp", "k2"), del("team/keys/A.asc")},
		{del("environments/dev"), put("environments/dev", "now a file")},
		{del("environments/dev"), put("environments/dev/items/p/.env.pgp", "x"), put("team/keys/A.asc", "a")},
	} {
		if tip, err = s.Commit(ctx, tip, changes, who, "c"); err != nil {
			t.Fatal(err)
		}
	}
	entries, err := s.Log(ctx, tip, 0)
	if err != nil {
		t.Fatal(err)
	}
	r := newReplay(ctx, s)
	for i := len(entries) - 1; i >= 0; i-- {
		r.apply(entries[i])
		tree, err := s.Tree(ctx, entries[i].Hash)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]gitstore.Hash{}
		for _, f := range tree.Files("") {
			want[f.Path] = f.Blob
		}
		if !reflect.DeepEqual(r.files, want) {
			t.Fatalf("commit %d: replay has\n%v\ntree has\n%v", len(entries)-i, r.files, want)
		}
		for p := range want {
			got, err1 := r.Read(p)
			data, err2 := tree.Read(p)
			if err1 != nil || err2 != nil || string(got) != string(data) {
				t.Errorf("commit %d: Read(%s) = %q, %v; tree has %q, %v", len(entries)-i, p, got, err1, data, err2)
			}
		}
	}
	if _, err := r.Read("team/keys/B.asc/x"); err == nil {
		t.Error("Read of a missing file succeeded")
	}
}
