package main

import (
	"testing"
)

func TestPrintable(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"plain text", "plain text"},
		{"", ""},
		{"Zoë Ünïcode ✓ …", "Zoë Ünïcode ✓ …"},
		{"a\tb", "a\tb"},
		{"\x1b[31mred\x1b[0m", `\x1b[31mred\x1b[0m`},
		{"bell\a", `bell\x07`},
		{"title \x1b]0;pwned\x07", `title \x1b]0;pwned\x07`},
		{"two\nlines", `two\x0alines`},
		{"over\rwrite", `over\x0dwrite`},
		{"nul\x00", `nul\x00`},
		{"del\x7f", `del\x7f`},
		{"c1 \u009b2J", `c1 \u009b2J`},
		{"c1 \u0085 next line", `c1 \u0085 next line`},
		{"bad \x9b byte", `bad \x9b byte`},
		{"trojan \u202eevil\u202c", `trojan \u202eevil\u202c`},
		{"isolate \u2066x\u2069", `isolate \u2066x\u2069`},
		{"sep\u2028x", `sep\u2028x`},
		{`back\slash`, `back\slash`},
	} {
		if got := printable(tc.in); got != tc.want {
			t.Errorf("printable(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
