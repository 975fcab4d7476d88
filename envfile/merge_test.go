package envfile

import (
	"errors"
	"slices"
	"testing"
)

func TestMerge(t *testing.T) {
	base := "# app\nA=1\nB='two\nlines'\nC=3\n"
	tests := []struct {
		name         string
		ours, theirs string
		want         string
		conflicts    []string
	}{
		{"only theirs changed", base, "# app\nA=9\nB='two\nlines'\nC=3\n", "# app\nA=9\nB='two\nlines'\nC=3\n", nil},
		{"disjoint modify", "# app\nA=1\nB='two\nlines'\nC=30\n", "# app\nA=10\nB='two\nlines'\nC=3\n", "# app\nA=10\nB='two\nlines'\nC=30\n", nil},
		{"our multi-line replace keeps their bytes", "# app\nA=1\nB=\"new\"\nC=3\n", "# app\nA=1 # theirs\nB='two\nlines'\nC=3\n", "# app\nA=1 # theirs\nB=\"new\"\nC=3\n", nil},
		{"our add appended", base + "D=4\n", "# app\nA=1\nB='two\nlines'\nC=3\nE=5", "# app\nA=1\nB='two\nlines'\nC=3\nE=5\nD=4\n", nil},
		{"our remove", "# app\nA=1\nC=3\n", base + "E=5\n", "# app\nA=1\nC=3\nE=5\n", nil},
		{"same key both sides", "# app\nA=2\nB='two\nlines'\nC=3\n", "# app\nA=3\nB='two\nlines'\nC=3\n", "", []string{"A"}},
		{"same key same value agrees", "# app\nA=2\nB='two\nlines'\nC=3\n", "# app\nA=2\nB='two\nlines'\nC=3\nE=1\n", "# app\nA=2\nB='two\nlines'\nC=3\nE=1\n", nil},
		{"we remove what they changed", "# app\nA=1\nC=3\n", "# app\nA=1\nB=changed\nC=3\n", "", []string{"B"}},
		{"crlf kept", base, "# app\r\nA=1\r\nB='two\r\nlines'\r\nC=3\r\nZ=1\r\n", "# app\r\nA=1\r\nB='two\r\nlines'\r\nC=3\r\nZ=1\r\n", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, conflicts, err := Merge([]byte(base), []byte(tt.ours), []byte(tt.theirs))
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(conflicts, tt.conflicts) {
				t.Fatalf("conflicts = %v, want %v", conflicts, tt.conflicts)
			}
			if string(got) != tt.want {
				t.Fatalf("merged =\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}

func TestMergeRefusesLoneCR(t *testing.T) {
	_, _, err := Merge([]byte("A=1\rB=2"), []byte("A=1"), []byte("A=2"))
	if !errors.Is(err, ErrUnmergeable) {
		t.Fatalf("err = %v, want ErrUnmergeable", err)
	}
}

// Several of our edits, out of file order, with a duplicated key: each
// lands on its own lines of theirs (the edits are applied in one pass).
func TestMergeSeveralEdits(t *testing.T) {
	base := "A=1\nB=2\nA=3\nC=4\nD=5\n"
	ours := "D=50\nB=2\nC=40\nE=6\n"            // A removed (both lines), C and D changed, E added
	theirs := "A=1\nB=20\nA=3\nC=4\nD=5\n# t\n" // B changed, a comment added
	got, conflicts, err := Merge([]byte(base), []byte(ours), []byte(theirs))
	if err != nil || conflicts != nil {
		t.Fatal(err, conflicts)
	}
	if want := "B=20\nC=40\nD=50\n# t\nE=6\n"; string(got) != want {
		t.Fatalf("merged =\n%q\nwant\n%q", got, want)
	}
}

// TestMergeLastLineWithoutEnd: a last line without its line end is never
// spliced onto another line (found by scopes' FuzzMerge: ours "B=" and
// theirs "B=1\n0=" merged into "B=0=", losing the key 0).
func TestMergeLastLineWithoutEnd(t *testing.T) {
	for _, tt := range []struct{ base, ours, theirs, want string }{
		{"B=1\n", "B=", "B=1\n0=", "B=\n0=\n"},
		{"A=1\nB=1\n", "A=1\nB=2", "A=9\nB=1", "A=9\nB=2\n"},
		{"A=1\r\n", "A=1\r\nC=3", "A=2\r\n", "A=2\r\nC=3\r\n"},
	} {
		got, conflicts, err := Merge([]byte(tt.base), []byte(tt.ours), []byte(tt.theirs))
		if err != nil || len(conflicts) > 0 || string(got) != tt.want {
			t.Errorf("Merge(%q, %q, %q) = %q, %v, %v; want %q", tt.base, tt.ours, tt.theirs, got, conflicts, err, tt.want)
		}
	}
}
