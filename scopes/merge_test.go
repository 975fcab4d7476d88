package scopes

import (
	"slices"
	"testing"

	"github.com/configsync/configsync/envfile"
)

// TestMergeEnv is pull's three-way merge over what each side can do to a
// key: add, remove, change, the same change on both sides, with comments
// and order, and conflicts left or resolved per key.
func TestMergeEnv(t *testing.T) {
	const base = "# db\nA=1\nB=2\nC=3\n"
	tests := []struct {
		name         string
		ours, theirs string
		choice       map[string]Side
		want         string
		unresolved   []string
	}{
		{"nothing changed", base, base, nil, base, nil},
		{"only ours changed", "# db\nA=1\nB=20\nC=3\n", base, nil, "# db\nA=1\nB=20\nC=3\n", nil},
		{"only theirs changed", base, "# db\nA=1\nB=2\nC=30\n", nil, "# db\nA=1\nB=2\nC=30\n", nil},
		{"disjoint changes", "# db\nA=10\nB=2\nC=3\n", "# db\nA=1\nB=2\nC=30\n", nil, "# db\nA=10\nB=2\nC=30\n", nil},
		{"added on each side", base + "D=4\n", base + "E=5\n", nil, base + "E=5\nD=4\n", nil},
		{"removed on each side", "# db\nB=2\nC=3\n", "# db\nA=1\nB=2\n", nil, "# db\nB=2\n", nil},
		{"same change on both sides", "# db\nA=9\nB=2\nC=3\n", "# db\nA=9\nB=2\nC=3\n", nil, "# db\nA=9\nB=2\nC=3\n", nil},
		{"same key added alike", base + "D=4\n", base + "D=4\n", nil, base + "D=4\n", nil},
		{"same key removed on both", "# db\nB=2\nC=3\n", "# db\nB=2\nC=3\n", nil, "# db\nB=2\nC=3\n", nil},
		{"their comments and order kept", "# db\nA=1\nB=22\nC=3\n", "C=3\n# moved\nB=2\nA=1\n", nil, "C=3\n# moved\nB=22\nA=1\n", nil},
		{"changed differently", "# db\nA=1\nB=ours\nC=3\n", "# db\nA=1\nB=theirs\nC=3\n", nil, "", []string{"B"}},
		{"added differently", base + "D=ours\n", base + "D=theirs\n", nil, "", []string{"D"}},
		{"removed here, changed there", "# db\nA=1\nC=3\n", "# db\nA=1\nB=theirs\nC=3\n", nil, "", []string{"B"}},
		{"conflicts listed sorted", "A=o\nB=o\nC=3\n", "A=t\nB=t\nC=3\n", nil, "", []string{"A", "B"}},
		{"ours wins", "# db\nA=1\nB=ours\nC=3\nD=4\n", "# db\nA=1\nB=theirs\nC=30\n", map[string]Side{"B": SideOurs}, "# db\nA=1\nB=ours\nC=30\nD=4\n", nil},
		{"theirs wins", "# db\nA=10\nB=ours\nC=3\n", "# db\nA=1\nB=theirs\nC=3\n", map[string]Side{"B": SideTheirs}, "# db\nA=10\nB=theirs\nC=3\n", nil},
		{"ours wins a removal", "# db\nA=1\nC=3\n", "# db\nA=1\nB=theirs\nC=3\n", map[string]Side{"B": SideOurs}, "# db\nA=1\nC=3\n", nil},
		{"theirs wins over a removal", "# db\nA=1\nC=3\n", "# db\nA=1\nB=theirs\nC=3\n", map[string]Side{"B": SideTheirs}, "# db\nA=1\nB=theirs\nC=3\n", nil},
		{"ours wins a multi-line value", "# db\nA=1\nB='x\ny'\nC=3\n", "# db\nA=1\nB=theirs\nC=3\n", map[string]Side{"B": SideOurs}, "# db\nA=1\nB='x\ny'\nC=3\n", nil},
		{"per key choice", "A=o\nB=o\nC=3\n", "A=t\nB=t\nC=3\n", map[string]Side{"A": SideOurs, "B": SideTheirs}, "A=o\nB=t\nC=3\n", nil},
		{"a key left open refuses", "A=o\nB=o\nC=3\n", "A=t\nB=t\nC=3\n", map[string]Side{"A": SideOurs}, "", []string{"B"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var offered []string
			choose := func(cs []KeyConflict) map[string]Side {
				for _, c := range cs {
					offered = append(offered, c.Key)
				}
				return tt.choice
			}
			got, unresolved, err := mergeEnv([]byte(base), []byte(tt.ours), []byte(tt.theirs), choose)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(unresolved, tt.unresolved) {
				t.Fatalf("unresolved = %v, want %v", unresolved, tt.unresolved)
			}
			if string(got) != tt.want {
				t.Fatalf("merged =\n%q\nwant\n%q", got, tt.want)
			}
			if tt.choice != nil && len(offered) == 0 {
				t.Fatal("choose was not asked")
			}
		})
	}
}

// TestMergeEnvOffersMaskedConflicts: the conflicts offered carry both
// values, which print redacted.
func TestMergeEnvOffersMaskedConflicts(t *testing.T) {
	var got []KeyConflict
	_, _, err := mergeEnv([]byte("K=base\n"), []byte(""), []byte("K=secret-theirs\n"), func(cs []KeyConflict) map[string]Side {
		got = cs
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Key != "K" || got[0].InOurs || !got[0].InTheirs || got[0].Theirs.Reveal() != "secret-theirs" {
		t.Fatalf("conflicts = %+v", got)
	}
}

// FuzzMerge checks that the merge never loses a key: every key in ours
// or theirs that the other side did not delete is in the result, or is
// reported as a conflict; the resolved merge of every conflict holds the
// chosen side's value.
func FuzzMerge(f *testing.F) {
	f.Add("A=1\nB=2\n", "A=1\nB=3\nC=4\n", "A=5\nB=2\n", true)
	f.Add("A=1\n", "A=2\n", "A=3\n", false)
	f.Add("# c\nA='x\ny'\n", "A=1\n", "", true)
	f.Add("A=1\r\nB=2\r\n", "A=1\r\nB=3", "B=4\r\nA=1\r\n", false)
	f.Add("", "export A=1\n", "A=2 # c\n", true)
	f.Add("A=1\nA=2\n", "A=3\n", "A=2\nA=1\n", false)
	f.Fuzz(func(t *testing.T, base, ours, theirs string, oursWin bool) {
		bf, err1 := envfile.Parse("base", []byte(base))
		of, err2 := envfile.Parse("ours", []byte(ours))
		tf, err3 := envfile.Parse("theirs", []byte(theirs))
		if err1 != nil || err2 != nil || err3 != nil {
			return
		}
		merged, unresolved, err := mergeEnv([]byte(base), []byte(ours), []byte(theirs), nil)
		if err != nil {
			return // refused as a whole (lone CR): nothing written
		}
		if len(unresolved) == 0 {
			checkNoKeyLost(t, bf, of, tf, merged, nil)
		}
		side := SideTheirs
		if oursWin {
			side = SideOurs
		}
		choice := map[string]Side{}
		merged, left, err := mergeEnv([]byte(base), []byte(ours), []byte(theirs), func(cs []KeyConflict) map[string]Side {
			for _, c := range cs {
				choice[c.Key] = side
			}
			return choice
		})
		if err != nil {
			t.Fatalf("resolved merge: %v\nbase %q\nours %q\ntheirs %q", err, base, ours, theirs)
		}
		if len(left) > 0 {
			t.Fatalf("unresolved %v after resolving every conflict", left)
		}
		checkNoKeyLost(t, bf, of, tf, merged, choice)
	})
}

// checkNoKeyLost checks merged against the three versions: keys kept by
// both sides, or changed by one, are there with the right value; choice
// says who won each conflict.
func checkNoKeyLost(t *testing.T, bf, of, tf *envfile.File, merged []byte, choice map[string]Side) {
	t.Helper()
	mf, err := envfile.Parse("merged", merged)
	if err != nil {
		t.Fatalf("merge does not parse: %v\n%q", err, merged)
	}
	keys := append(of.Keys(), tf.Keys()...)
	keys = append(keys, bf.Keys()...)
	for _, k := range keys {
		bv, inBase := bf.Lookup(k)
		ov, inOurs := of.Lookup(k)
		tv, inTheirs := tf.Lookup(k)
		oursChanged := inOurs != inBase || ov.Reveal() != bv.Reveal()
		theirsChanged := inTheirs != inBase || tv.Reveal() != bv.Reveal()
		wantV, wantIn := tv, inTheirs // theirs, unless only ours changed it
		switch {
		case choice[k] == SideOurs, oursChanged && !theirsChanged:
			wantV, wantIn = ov, inOurs
		}
		mv, inMerged := mf.Lookup(k)
		if inMerged != wantIn || (wantIn && mv.Reveal() != wantV.Reveal()) {
			t.Fatalf("key %q: merged has it %v (%q), want %v (%q)\nmerged %q", k, inMerged, mv.Reveal(), wantIn, wantV.Reveal(), merged)
		}
	}
}
