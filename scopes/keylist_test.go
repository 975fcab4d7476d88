package scopes

import (
	"fmt"
	"strings"
	"testing"
)

func keysN(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("K%04d", i+1)
	}
	return out
}

func TestKeyList(t *testing.T) {
	first10 := "K0001, K0002, K0003, K0004, K0005, K0006, K0007, K0008, K0009, K0010"
	tests := []struct {
		n    int
		want string
	}{
		{0, ""},
		{1, "K0001"},
		{10, first10},
		{11, first10 + " and 1 more"},
		{1009, first10 + " and 999 more"},
		{3000, first10 + " and 2,990 more"},
		{1000010, first10 + " and 1,000,000 more"},
	}
	for _, tt := range tests {
		if got := KeyList(keysN(tt.n)); got != tt.want {
			t.Errorf("KeyList(%d keys) = %q, want %q", tt.n, got, tt.want)
		}
	}
}

// A refusal over a file of thousands of keys stays one short line.
func TestConflictErrorCapsKeys(t *testing.T) {
	err := &ConflictError{Files: []KeyChange{{Path: "~/app/.env", Keys: keysN(3000)}, {Path: "~/app/.env.local", Keys: keysN(2)}}}
	want := "changed in the store since your last pull: ~/app/.env (K0001, K0002, K0003, K0004, K0005, K0006, K0007, K0008, K0009, K0010 and 2,990 more); ~/app/.env.local (K0001, K0002)"
	if got := err.Error(); got != want {
		t.Fatalf("got  %q\nwant %q", got, want)
	}
	d := &DangerousError{Groups: []DangerGroup{{Names: keysN(12), Family: "f", Reason: "r"}}}
	if got := d.Error(); !strings.Contains(got, "K0010 and 2 more (f: r)") {
		t.Fatalf("DangerousError = %q", got)
	}
}
