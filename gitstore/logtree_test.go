package gitstore

import (
	"context"
	"encoding/hex"
	"os"
	"os/exec"
	"reflect"
	"strings"
	"testing"
)

// writeRawTree writes a tree object of exactly these entries (mode, name,
// blob), in this order, as no git command would: Log must read it as
// go-git does, whatever its order.
func writeRawTree(t *testing.T, dir string, entries ...[3]string) string {
	t.Helper()
	var b strings.Builder
	for _, e := range entries {
		raw, err := hex.DecodeString(e[2])
		if err != nil {
			t.Fatal(err)
		}
		b.WriteString(e[0] + " " + e[1] + "\x00" + string(raw))
	}
	cmd := exec.Command("git", "hash-object", "-t", "tree", "--literally", "-w", "--stdin")
	cmd.Dir = dir
	cmd.Stdin = strings.NewReader(b.String())
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("hash-object: %v", err)
	}
	return strings.TrimSpace(string(out))
}

func writeRawBlob(t *testing.T, dir, content string) string {
	t.Helper()
	f, err := os.CreateTemp(t.TempDir(), "blob")
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(content)
	f.Close()
	return runGit(t, dir, "hash-object", "-w", f.Name())
}

// TestLogTreesOutOfOrder: Log pairs the entries of two trees by name,
// trees out of git's order and with a repeated name included (the last
// one stands, as go-git's map of them had it).
func TestLogTreesOutOfOrder(t *testing.T) {
	_, dir := newBare(t)
	b1, b2, b3 := writeRawBlob(t, dir, "1"), writeRawBlob(t, dir, "2"), writeRawBlob(t, dir, "3")
	for _, tc := range []struct {
		name         string
		parent, tree [][3]string
		changed      []string
		blobs        []string
	}{
		{"sorted", [][3]string{{"100644", "a", b1}, {"100644", "b", b2}}, [][3]string{{"100644", "a", b1}, {"100644", "b", b3}}, []string{"b"}, []string{b3}},
		{"parent out of order", [][3]string{{"100644", "b", b2}, {"100644", "a", b1}}, [][3]string{{"100644", "a", b1}, {"100644", "b", b3}}, []string{"b"}, []string{b3}},
		{"child out of order", [][3]string{{"100644", "a", b1}, {"100644", "b", b2}}, [][3]string{{"100644", "b", b2}, {"100644", "a", b3}}, []string{"a"}, []string{b3}},
		{"repeated name, last stands", [][3]string{{"100644", "a", b1}, {"100644", "a", b2}}, [][3]string{{"100644", "a", b2}}, nil, nil},
		{"mode git does not write", [][3]string{{"100644", "a", b1}}, [][3]string{{"100664", "a", b1}, {"100644", "b", b2}}, []string{"b"}, []string{b2}},
		{"file becomes executable", [][3]string{{"100644", "a", b1}}, [][3]string{{"100755", "a", b1}}, []string{"a"}, []string{b1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			parent := runGit(t, dir, "commit-tree", writeRawTree(t, dir, tc.parent...), "-m", "parent")
			tip := runGit(t, dir, "commit-tree", writeRawTree(t, dir, tc.tree...), "-p", parent, "-m", "child")
			s, err := Open(dir, DefaultBranch)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			h, err := ParseHash(tip)
			if err != nil {
				t.Fatal(err)
			}
			entries, err := s.Log(context.Background(), h, 1)
			if err != nil {
				t.Fatal(err)
			}
			var blobs []string
			for _, b := range entries[0].Blobs {
				blobs = append(blobs, b.String())
			}
			if !reflect.DeepEqual(entries[0].Changed, tc.changed) || !reflect.DeepEqual(blobs, tc.blobs) {
				t.Errorf("changed %q %q, want %q %q", entries[0].Changed, blobs, tc.changed, tc.blobs)
			}
		})
	}
}

// TestLogUnder: only the paths under the directories asked for, or equal
// to one of them, are listed; every commit is.
func TestLogUnder(t *testing.T) {
	ctx := context.Background()
	s, _ := newBare(t)
	a := mustCommit(t, s, Hash{}, "a", put("env/dev/x.pgp", "1"), put("team/members.toml", "m1"), put("team/keys/k1", "k"), put("team/members.toml.sig", "s1"))
	b := mustCommit(t, s, a, "b", put("team/keys/k2", "k"), put("team/members.toml", "m2"))
	c := mustCommit(t, s, b, "c", put("team/keys/k3", "k"), put("env/dev/x.pgp", "2"), put("envx", "3"))
	all, err := s.LogUnder(ctx, c, 0, []string{"env", "team/members.toml"})
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"env/dev/x.pgp"}, {"team/members.toml"}, {"env/dev/x.pgp", "team/members.toml"}}
	if len(all) != len(want) {
		t.Fatalf("%d entries, want %d", len(all), len(want))
	}
	for i, w := range want {
		if !reflect.DeepEqual(all[i].Changed, w) || len(all[i].Blobs) != len(w) {
			t.Errorf("entry %d changed %q, want %q", i, all[i].Changed, w)
		}
	}
	if got := all[1].Blobs[0]; got != BlobHash([]byte("m2")) {
		t.Errorf("members.toml at b: %s", got)
	}
}
