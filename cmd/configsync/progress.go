package main

import (
	"fmt"
	"io"
)

// progress is where long operations report progress: stderr on a
// terminal, nowhere with --quiet, in a pipe or in CI. The remote's own
// progress messages come through it, so it escapes control characters.
func (a *app) progress() io.Writer {
	if a.quiet || !a.env.IsTerminal() || a.env.Getenv("CI") != "" {
		return nil
	}
	return terminalWriter{a.env.Stderr}
}

// terminalWriter passes a remote's progress through to the terminal with
// its control characters escaped, except the carriage return and newline
// that progress lines are made of. It works byte by byte, as writes may
// split a character: bytes from 0x80 up pass unchanged.
type terminalWriter struct{ w io.Writer }

func (t terminalWriter) Write(p []byte) (int, error) {
	var b []byte
	for _, c := range p {
		if c < 0x20 && c != '\r' && c != '\n' && c != '\t' || c == 0x7f {
			b = fmt.Appendf(b, `\x%02x`, c)
			continue
		}
		b = append(b, c)
	}
	if _, err := t.w.Write(b); err != nil {
		return 0, err
	}
	return len(p), nil
}
