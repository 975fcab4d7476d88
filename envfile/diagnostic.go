package envfile

import (
	"fmt"
	"strconv"
	"strings"
)

// Severity of a diagnostic.
type Severity int

const (
	// Warning is printed and does not block a push.
	Warning Severity = iota
	// Error makes the file unusable: Parse returns a *SyntaxError.
	Error
)

// String returns "warning" or "error".
func (s Severity) String() string {
	switch s {
	case Warning:
		return "warning"
	case Error:
		return "error"
	}
	return "severity(" + strconv.Itoa(int(s)) + ")"
}

// Code names what a diagnostic is about. It is stable: callers may branch
// on it and users may search for it.
type Code string

// The diagnostic codes of the grammar (see the package doc).
const (
	CodeInvalidLine         Code = "invalid-line"         // error: not a comment, not KEY=value
	CodeUnterminatedQuote   Code = "unterminated-quote"   // error: a quote never closed
	CodeBinary              Code = "binary"               // error: NUL bytes or invalid UTF-8, the whole file refused
	CodeDuplicateKey        Code = "duplicate-key"        // warning: the last assignment wins
	CodeHashInValue         Code = "hash-in-value"        // warning: '#' with no blank before it in an unquoted value
	CodeTextAfterQuote      Code = "text-after-quote"     // warning: the line was read as unquoted text
	CodeCommandSubstitution Code = "command-substitution" // warning: $(...) left as text
)

// Diagnostic is one finding of Parse. It never holds the text of the line
// or of a value.
type Diagnostic struct {
	File     string   // the name given to Parse
	Line     int      // 1-based line where the assignment or line starts
	Code     Code     // what was found
	Severity Severity // Warning or Error
	Key      string   // the key concerned, "" if unknown
}

// String formats d as `.env:7: warning: duplicate-key (API_KEY)`. It never
// contains the line's text or a value.
func (d Diagnostic) String() string {
	var b strings.Builder
	if d.File != "" {
		b.WriteString(d.File)
		b.WriteByte(':')
	} else {
		b.WriteString("line ")
	}
	b.WriteString(strconv.Itoa(d.Line))
	b.WriteString(": ")
	b.WriteString(d.Severity.String())
	b.WriteString(": ")
	b.WriteString(string(d.Code))
	if d.Key != "" {
		b.WriteString(" (")
		b.WriteString(d.Key)
		b.WriteByte(')')
	}
	return b.String()
}

// SyntaxError is returned by Parse when the file has errors. It lists every
// error (not the warnings), in line order.
type SyntaxError struct {
	Diagnostics []Diagnostic
}

// Error returns the first diagnostic and how many more there are. It never
// contains the text of the file.
func (e *SyntaxError) Error() string {
	if len(e.Diagnostics) == 0 {
		return "envfile: syntax error"
	}
	s := e.Diagnostics[0].String()
	if n := len(e.Diagnostics) - 1; n > 0 {
		s += fmt.Sprintf(" (and %d more)", n)
	}
	return s
}
