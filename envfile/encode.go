package envfile

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Format is an output format of `configsync export`.
type Format string

// The export formats.
const (
	FormatDotenv Format = "dotenv" // KEY='value' lines that this package parses back exactly
	FormatJSON   Format = "json"   // one JSON object of strings, keys in order
	FormatShell  Format = "shell"  // export KEY='value' lines, safe to eval in sh and bash
	FormatGitHub Format = "github" // KEY<<DELIM heredocs for $GITHUB_ENV
)

// ErrUnknownFormat is returned (wrapped) by ParseFormat and Encode for a
// format they do not know.
var ErrUnknownFormat = errors.New("unknown export format")

// ErrUnencodable is returned (wrapped in a *EncodeError) by Encode when a
// variable cannot be written in the format asked for.
var ErrUnencodable = errors.New("cannot be encoded")

// EncodeError says which variable Encode refused and why. It names the key,
// never the value.
type EncodeError struct {
	Key    string
	Format Format
	Reason string // e.g. "value contains a NUL byte"
}

// Error returns a message naming the key and the reason.
func (e *EncodeError) Error() string {
	return fmt.Sprintf("export %s: variable %q %s: %s", e.Format, e.Key, ErrUnencodable, e.Reason)
}

// Unwrap returns ErrUnencodable.
func (e *EncodeError) Unwrap() error { return ErrUnencodable }

// ParseFormat returns the Format named s.
func ParseFormat(s string) (Format, error) {
	switch f := Format(s); f {
	case FormatDotenv, FormatJSON, FormatShell, FormatGitHub:
		return f, nil
	}
	return "", fmt.Errorf("%w %q: use dotenv, json, shell or github", ErrUnknownFormat, s)
}

// Encode writes vars to w in format f, so that every value survives exactly:
// quotes, '$', backslashes, newlines, carriage returns, the empty string,
// leading and trailing blanks, '#' and any UTF-8. Nothing is written when a
// variable cannot be encoded (*EncodeError): keys must follow the grammar
// ([A-Za-z0-9_.-]+; for shell [A-Za-z_][A-Za-z0-9_]*), values may not hold a
// NUL byte, and dotenv and json values must be valid UTF-8.
//
//   - dotenv: KEY='value', or KEY="value" with \\ \" \$ \n \r escapes when
//     the value holds a single quote, a newline or a carriage return.
//   - json: an indented object of strings, keys in order.
//   - shell: export KEY='value', each single quote in the value written as
//     quote, backslash, quote, quote (close, escaped quote, reopen).
//   - github: KEY<<DELIM, the value's lines, DELIM, where DELIM is
//     "ghadelimiter_<n>" with the smallest n that is not a line of the
//     value.
func Encode(w io.Writer, vars []Var, f Format) error {
	if _, err := ParseFormat(string(f)); err != nil {
		return err
	}
	for _, v := range vars {
		if err := checkVar(v, f); err != nil {
			return err
		}
	}
	var b bytes.Buffer
	switch f {
	case FormatDotenv:
		for _, v := range vars {
			b.WriteString(v.Key)
			b.WriteByte('=')
			b.WriteString(dotenvQuote(v.Value.Reveal()))
			b.WriteByte('\n')
		}
	case FormatJSON:
		encodeJSON(&b, vars)
	case FormatShell:
		for _, v := range vars {
			b.WriteString("export ")
			b.WriteString(v.Key)
			b.WriteByte('=')
			b.WriteString(shellQuote(v.Value.Reveal()))
			b.WriteByte('\n')
		}
	case FormatGitHub:
		for _, v := range vars {
			s := v.Value.Reveal()
			d := githubDelimiter(s)
			b.WriteString(v.Key + "<<" + d + "\n")
			if s != "" {
				b.WriteString(s)
				b.WriteByte('\n')
			}
			b.WriteString(d + "\n")
		}
	}
	_, err := w.Write(b.Bytes())
	return err
}

// checkVar returns an *EncodeError when v cannot be written in format f.
func checkVar(v Var, f Format) error {
	fail := func(reason string) error { return &EncodeError{Key: v.Key, Format: f, Reason: reason} }
	if v.Key == "" {
		return fail("empty name")
	}
	for i := 0; i < len(v.Key); i++ {
		if !isKeyChar(v.Key[i]) {
			return fail("name is not [A-Za-z0-9_.-]+")
		}
	}
	if f == FormatShell {
		if !isNameStart(v.Key[0]) || strings.ContainsAny(v.Key, ".-") {
			return fail("name is not a shell variable name")
		}
	}
	s := v.Value.Reveal()
	if strings.IndexByte(s, 0) >= 0 {
		return fail("value contains a NUL byte")
	}
	if (f == FormatDotenv || f == FormatJSON) && !utf8.ValidString(s) {
		return fail("value is not valid UTF-8")
	}
	return nil
}

// dotenvQuote quotes s for the package grammar.
func dotenvQuote(s string) string {
	if !strings.ContainsAny(s, "'\n\r") {
		return "'" + s + "'"
	}
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\', '"', '$':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// shellQuote single-quotes s for POSIX shells.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// encodeJSON writes vars as one indented JSON object, keys in order.
func encodeJSON(b *bytes.Buffer, vars []Var) {
	if len(vars) == 0 {
		b.WriteString("{}\n")
		return
	}
	str := func(s string) {
		var sb bytes.Buffer
		enc := json.NewEncoder(&sb)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(s) // a string always encodes
		b.Write(bytes.TrimSuffix(sb.Bytes(), []byte("\n")))
	}
	b.WriteString("{\n")
	for i, v := range vars {
		b.WriteString("  ")
		str(v.Key)
		b.WriteString(": ")
		str(v.Value.Reveal())
		if i < len(vars)-1 {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
	}
	b.WriteString("}\n")
}

// githubDelimiter returns a heredoc delimiter that is not a line of s,
// also when a line's trailing CR is dropped (as the runner does on Windows).
func githubDelimiter(s string) string {
	lines := make(map[string]bool)
	for _, l := range strings.Split(s, "\n") {
		lines[l] = true
		lines[strings.TrimSuffix(l, "\r")] = true
	}
	for n := 1; ; n++ {
		d := "ghadelimiter_" + strconv.Itoa(n)
		if !lines[d] {
			return d
		}
	}
}

// GitHubMasks writes an `::add-mask::` workflow command for every line of
// every value that is not empty or blank, so that the workflow log masks
// them. '%', CR and LF in the data are escaped as %25, %0D and %0A, the way
// the runner unescapes them.
func GitHubMasks(w io.Writer, vars []Var) error {
	var b bytes.Buffer
	r := strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A")
	for _, v := range vars {
		for _, l := range strings.Split(v.Value.Reveal(), "\n") {
			if strings.TrimSpace(l) == "" {
				continue
			}
			b.WriteString("::add-mask::")
			b.WriteString(r.Replace(l))
			b.WriteByte('\n')
		}
	}
	_, err := w.Write(b.Bytes())
	return err
}
