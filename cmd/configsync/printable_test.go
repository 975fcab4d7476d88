package main

import (
	"bytes"
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

// TestTerminalWriter: a remote's progress keeps its carriage returns
// and newlines, loses its escape sequences, and split characters pass.
func TestTerminalWriter(t *testing.T) {
	var buf bytes.Buffer
	w := terminalWriter{&buf}
	for _, chunk := range []string{"Counting: 50%\r", "Counting: 100%, done.\n", "\x1b[2J\x07é"[:6], "é"[1:] + "\n"} {
		n, err := w.Write([]byte(chunk))
		if err != nil || n != len(chunk) {
			t.Fatalf("Write(%q) = %d, %v", chunk, n, err)
		}
	}
	want := "Counting: 50%\rCounting: 100%, done.\n\\x1b[2J\\x07é\n"
	if buf.String() != want {
		t.Fatalf("got %q, want %q", buf.String(), want)
	}
}
