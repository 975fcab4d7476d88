package providers

import (
	"errors"
	"regexp"
	"strings"
	"sync"
)

// Sentinel errors, matched with errors.Is. The errors this package
// returns wrap them in a message that names the CLI and says what to do.
var (
	// ErrNotInstalled: the CLI is not in the PATH of the environment
	// given to the constructor.
	ErrNotInstalled = errors.New("CLI not installed")
	// ErrSignedOut: the CLI is not signed in, its vault is locked, or it
	// is signed in to another server than the one configured.
	ErrSignedOut = errors.New("CLI not signed in")
	// ErrNotConfigured: a setting the provider needs is missing.
	ErrNotConfigured = errors.New("provider not configured")
	// ErrTooLarge: the content is larger than the provider can hold.
	ErrTooLarge = errors.New("content too large for the provider")
	// ErrNotText: the provider holds text only and the content is not
	// valid UTF-8.
	ErrNotText = errors.New("content is not text")
)

// hintError is a sentinel with its own message: Error() is the message
// (what happened and what to do), errors.Is finds the sentinel.
type hintError struct {
	msg string
	err error
}

func (e *hintError) Error() string { return e.msg }
func (e *hintError) Unwrap() error { return e.err }

func hint(sentinel error, msg string) error { return &hintError{msg: msg, err: sentinel} }

// CLIError is a CLI failure this package has no better name for. It
// quotes the first line of the CLI's standard error only: never content,
// never the output of a read.
type CLIError struct {
	CLI  string // "op" or "bw"
	Args string // the subcommand words only, e.g. "document get"
	Msg  string // the CLI's message, one line
}

// Error implements error: "op document get: <message>".
func (e *CLIError) Error() string {
	return e.CLI + " " + e.Args + ": " + e.Msg
}

// maxMsg bounds the message quoted from a CLI, so one error stays one
// readable line.
const maxMsg = 300

// The patterns are compiled on first use, not at start-up: every
// configsync command links this package, few read a CLI's error.
var (
	// opPrefix is what op puts before every message on stderr:
	// "[ERROR] 2024/01/02 15:04:05 ". Some versions omit the time.
	opPrefix = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^\[ERROR\] (\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2} )?`)
	})
	// ansi matches terminal colour sequences (bw colours its errors when
	// it believes it writes to a terminal).
	ansi = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile("\x1b\\[[0-9;]*[A-Za-z]") })
)

// firstLine is the first non-blank line of a CLI's stderr, without op's
// prefix or colours, cut to maxMsg bytes.
func firstLine(stderr []byte) string {
	s := ansi().ReplaceAllString(string(stderr), "")
	for line := range strings.Lines(s) {
		line = strings.TrimSpace(opPrefix().ReplaceAllString(strings.TrimSpace(line), ""))
		if line == "" {
			continue
		}
		if len(line) > maxMsg {
			line = strings.ToValidUTF8(line[:maxMsg], "") + "…"
		}
		return line
	}
	return ""
}

// withheld replaces a CLI message that quotes content. No CLI is known
// to echo its standard input in an error, but the message is about to be
// shown to the user and perhaps logged: this costs a few comparisons.
const withheld = "failed (its message was withheld: it quoted the content)"

// quotesContent reports whether msg holds a line of data, or the value
// of a KEY=value line, long enough to matter (short ones such as "}" or
// "1" would match by chance).
func quotesContent(msg string, data []byte) bool {
	if len(data) == 0 {
		return false
	}
	for line := range strings.Lines(string(data)) {
		line = strings.TrimSpace(line)
		_, value, _ := strings.Cut(line, "=")
		for _, s := range []string{line, strings.Trim(strings.TrimSpace(value), `"'`)} {
			if len(s) >= 6 && strings.Contains(msg, s) {
				return true
			}
		}
	}
	return false
}
