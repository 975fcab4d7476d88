package main

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// printable returns one line of output with every character that could
// drive a terminal shown as visible text: C0 controls (newline included:
// a quoted name must not start a line of its own) and DEL as \x1b, C1
// controls and bidirectional overrides as \u009b, bytes that are not
// UTF-8 as \xff. A tab stays (it can only move the cursor forward over
// blanks). Whatever a line quotes from the store (commit messages,
// member names, item paths), a remote or a file goes through here before
// it reaches the terminal, so it can neither recolour, move, retitle nor
// hide what configsync prints.
func printable(s string) string {
	if !needsEscape(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\t':
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r >= 0x80 && r < 0xa0 || bidiControl(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// needsEscape is printable's fast path: plain ASCII text needs nothing.
func needsEscape(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 && c != '\t' || c >= 0x7f {
			return true
		}
	}
	return false
}

// bidiControl reports the characters that reorder the text around them
// (the "Trojan Source" characters) and the Unicode line separators.
func bidiControl(r rune) bool {
	return r == 0x200e || r == 0x200f || r == 0x061c ||
		r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069 ||
		r == 0x2028 || r == 0x2029
}
