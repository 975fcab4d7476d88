package envfile

import (
	"fmt"
	"strings"
	"testing"
)

// bigEnv is a file of n variables of ~105 bytes each (97,000 make 10 MB),
// with variable i's value set to mark when i == changed.
func bigEnv(n, changed int, mark string) []byte {
	var b strings.Builder
	b.Grow(n * 106)
	for i := 1; i <= n; i++ {
		v := fmt.Sprintf("%092d", i*7919)
		if i == changed {
			v = mark
		}
		fmt.Fprintf(&b, "KEY_%06d=%s\n", i, v)
	}
	return []byte(b.String())
}

var benchSizes = []int{5000, 20000, 97000}

// BenchmarkDiff: two versions differing in one line, as push and status
// compare them.
func BenchmarkDiff(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("keys=%d", n), func(b *testing.B) {
			old, err := Parse("old", bigEnv(n, 0, ""))
			if err != nil {
				b.Fatal(err)
			}
			cur, err := Parse("new", bigEnv(n, n/2, "changed"))
			if err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for b.Loop() {
				if cs := Diff(old, cur); len(cs) != 1 {
					b.Fatalf("%d changes, want 1", len(cs))
				}
			}
		})
	}
}

// BenchmarkMerge: each side changed one key (disjoint), parsing included.
func BenchmarkMerge(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("keys=%d", n), func(b *testing.B) {
			base := bigEnv(n, 0, "")
			ours := bigEnv(n, n/2, "ours")
			theirs := bigEnv(n, n/3, "theirs")
			b.SetBytes(int64(len(base)))
			b.ResetTimer()
			for b.Loop() {
				if _, conflicts, err := Merge(base, ours, theirs); err != nil || conflicts != nil {
					b.Fatal(err, conflicts)
				}
			}
		})
	}
}
