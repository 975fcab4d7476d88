package main

import "strings"

// Colour marks the per-item lines of push and pull (✓ green, ✗ red) and
// nothing else: only when stdout is a terminal, never with NO_COLOR set
// (no-color.org) or TERM=dumb, and never with -q (nothing is printed).
// Added after printable has escaped the line, so a value from the store
// cannot smuggle its own sequences in.

const (
	green = "\x1b[32m"
	red   = "\x1b[31m"
	reset = "\x1b[0m"
)

func (a *app) colour() bool {
	if a.quiet || a.env.StdoutIsTerminal == nil || !a.env.StdoutIsTerminal() {
		return false
	}
	return a.env.Getenv("NO_COLOR") == "" && a.env.Getenv("TERM") != "dumb"
}

// paint colours a line's leading mark, if it has one.
func paint(line string) string {
	for mark, c := range map[string]string{"✓ ": green, "✗ ": red} {
		if rest, ok := strings.CutPrefix(line, mark); ok {
			return c + strings.TrimSpace(mark) + reset + " " + rest
		}
	}
	return line
}
