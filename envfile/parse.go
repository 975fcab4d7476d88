package envfile

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Entry is one assignment as written in a file.
type Entry struct {
	Key     string // the key, [A-Za-z0-9_.-]+
	Line    int    // 1-based line where the assignment starts
	EndLine int    // 1-based line where it ends (a quoted value may span lines)

	val    string // escapes processed
	lit    []bool // lit[i]: val[i] is a '$' written as \$ (never expanded); nil if none
	expand bool   // false for single-quoted values
}

// Value returns the unexpanded value: quotes removed and escapes processed
// (`\$` gives `$`).
func (e Entry) Value() Value { return Value{s: e.val} }

// Format prints the entry with its value redacted, whatever the verb.
func (e Entry) Format(f fmt.State, _ rune) {
	_, _ = fmt.Fprintf(f, "%s=%s (line %d)", e.Key, redacted, e.Line)
}

// File is a parsed dotenv file.
type File struct {
	Name        string       // the name given to Parse, used in diagnostics
	Entries     []Entry      // every assignment, in file order (duplicates included)
	Diagnostics []Diagnostic // warnings, in line order
}

// Parse reads a dotenv file following the package grammar. name is only
// used in diagnostics. When the file has errors, Parse returns a nil File
// and a *SyntaxError that lists all of them; warnings are in
// File.Diagnostics.
func Parse(name string, data []byte) (*File, error) {
	if off := firstBinaryByte(data); off >= 0 {
		return nil, &SyntaxError{Diagnostics: []Diagnostic{{
			File: name, Line: lineAt(data, off), Code: CodeBinary, Severity: Error,
		}}}
	}
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	src := strings.ReplaceAll(string(data), "\r\n", "\n")
	src = strings.ReplaceAll(src, "\r", "\n")

	// Sized for at most one assignment a line holding a '=': growing them
	// costs more than the parse itself on large files.
	n := min(strings.Count(src, "\n")+1, strings.Count(src, "="))
	f := &File{Name: name, Entries: make([]Entry, 0, n)}
	p := &parser{src: src, line: 1, f: f, seen: make(map[string]bool, n), noClose: make(map[byte]int)}
	for p.pos < len(p.src) {
		p.parseLine()
	}
	if len(p.errs) > 0 {
		return nil, &SyntaxError{Diagnostics: p.errs}
	}
	return p.f, nil
}

// Keys returns the distinct keys in the order of their first appearance.
func (f *File) Keys() []string {
	seen := make(map[string]bool, len(f.Entries))
	keys := make([]string, 0, len(f.Entries))
	for _, e := range f.Entries {
		if !seen[e.Key] {
			seen[e.Key] = true
			keys = append(keys, e.Key)
		}
	}
	return keys
}

// Len returns the number of distinct keys.
func (f *File) Len() int { return len(f.Keys()) }

// Lookup returns the unexpanded value of the last assignment of key.
func (f *File) Lookup(key string) (Value, bool) {
	for i := len(f.Entries) - 1; i >= 0; i-- {
		if f.Entries[i].Key == key {
			return f.Entries[i].Value(), true
		}
	}
	return Value{}, false
}

// firstBinaryByte returns the offset of the first NUL byte or invalid UTF-8
// sequence in data, or -1.
func firstBinaryByte(data []byte) int {
	for i := 0; i < len(data); {
		if data[i] == 0 {
			return i
		}
		if data[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size == 1 {
			return i
		}
		i += size
	}
	return -1
}

// lineAt returns the 1-based line of offset off in raw data, counting LF,
// CRLF and lone CR as line ends.
func lineAt(data []byte, off int) int {
	line := 1
	for i := 0; i < off; i++ {
		if data[i] == '\n' || (data[i] == '\r' && (i+1 >= len(data) || data[i+1] != '\n')) {
			line++
		}
	}
	return line
}

type parser struct {
	src  string // normalised: LF line ends, no BOM
	pos  int    // next byte to read
	line int    // line of src[pos]
	f    *File
	errs []Diagnostic
	seen map[string]bool

	noClose map[byte]int // quote kind → an opening quote with no closing quote after it
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' }

func isKeyChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '_' || c == '.' || c == '-'
}

func (p *parser) warn(line int, code Code, key string) {
	p.f.Diagnostics = append(p.f.Diagnostics, Diagnostic{File: p.f.Name, Line: line, Code: code, Severity: Warning, Key: key})
}

func (p *parser) fail(line int, code Code, key string) {
	p.errs = append(p.errs, Diagnostic{File: p.f.Name, Line: line, Code: code, Severity: Error, Key: key})
}

// skipBlanks advances pos over blanks.
func (p *parser) skipBlanks() {
	for p.pos < len(p.src) && isBlank(p.src[p.pos]) {
		p.pos++
	}
}

// lineEnd returns the offset of the newline ending the line holding i, or
// len(src).
func (p *parser) lineEnd(i int) int {
	if j := strings.IndexByte(p.src[i:], '\n'); j >= 0 {
		return i + j
	}
	return len(p.src)
}

// nextLineFrom moves to the start of the line after the one holding i.
func (p *parser) nextLineFrom(i int) {
	end := p.lineEnd(i)
	p.line += strings.Count(p.src[p.pos:min(end+1, len(p.src))], "\n")
	p.pos = min(end+1, len(p.src))
}

// parseLine reads one logical line: skipped, an assignment (which may span
// lines when quoted) or an invalid line.
func (p *parser) parseLine() {
	line := p.line
	p.skipBlanks()
	if p.pos == len(p.src) || p.src[p.pos] == '\n' || p.src[p.pos] == '#' {
		p.nextLineFrom(p.pos)
		return
	}
	if rest := p.src[p.pos:]; strings.HasPrefix(rest, "export") && len(rest) > 6 && isBlank(rest[6]) {
		j := p.pos + 6
		for j < len(p.src) && isBlank(p.src[j]) {
			j++
		}
		if j < len(p.src) && isKeyChar(p.src[j]) {
			p.pos = j
		}
	}
	start := p.pos
	for p.pos < len(p.src) && isKeyChar(p.src[p.pos]) {
		p.pos++
	}
	key := p.src[start:p.pos]
	p.skipBlanks()
	if key == "" || p.pos == len(p.src) || p.src[p.pos] != '=' {
		p.fail(line, CodeInvalidLine, "")
		p.nextLineFrom(p.pos)
		return
	}
	p.pos++
	p.skipBlanks()
	e := Entry{Key: key, Line: line, expand: true}
	ok := true
	if p.pos < len(p.src) && (p.src[p.pos] == '\'' || p.src[p.pos] == '"') {
		ok = p.quoted(&e)
	} else {
		p.unquoted(&e, p.pos)
	}
	if !ok {
		return
	}
	if p.seen[key] {
		p.warn(line, CodeDuplicateKey, key)
	}
	p.seen[key] = true
	e.EndLine = p.line
	if p.pos > 0 && p.src[p.pos-1] == '\n' {
		e.EndLine--
	}
	p.f.Entries = append(p.f.Entries, e)
}

// unquoted reads the rest of the line from start as an unquoted value.
func (p *parser) unquoted(e *Entry, start int) {
	end := p.lineEnd(start)
	for i := start; i < end; i++ {
		if p.src[i] == '#' && i > 0 && isBlank(p.src[i-1]) {
			end = i
			break
		}
	}
	raw := strings.TrimRight(p.src[start:end], " \t")
	if strings.IndexByte(raw, '#') >= 0 {
		p.warn(e.Line, CodeHashInValue, e.Key)
	}
	if strings.Contains(raw, `\$`) {
		var b strings.Builder
		var lit []bool
		for i := 0; i < len(raw); i++ {
			if raw[i] == '\\' && i+1 < len(raw) && raw[i+1] == '$' {
				lit = setLit(lit, b.Len())
				b.WriteByte('$')
				i++
				continue
			}
			b.WriteByte(raw[i])
		}
		e.val, e.lit = b.String(), lit
	} else {
		e.val = raw
	}
	p.checkSubstitution(e)
	p.nextLineFrom(start)
}

// setLit marks offset i of the value being built as a literal '$'.
func setLit(lit []bool, i int) []bool {
	for len(lit) <= i {
		lit = append(lit, false)
	}
	lit[i] = true
	return lit
}

// checkSubstitution warns about an expandable "$(" in e's value.
func (p *parser) checkSubstitution(e *Entry) {
	for i := 0; i+1 < len(e.val); i++ {
		if e.val[i] == '$' && e.val[i+1] == '(' && !isLit(e.lit, i) {
			p.warn(e.Line, CodeCommandSubstitution, e.Key)
			return
		}
	}
}

func isLit(lit []bool, i int) bool { return i < len(lit) && lit[i] }

// closes reports whether the quote at i is a closing quote: followed only
// by blanks, or blanks and a '#' comment, up to the end of its line.
func (p *parser) closes(i int) bool {
	j := i + 1
	for j < len(p.src) && isBlank(p.src[j]) {
		j++
	}
	return j == len(p.src) || p.src[j] == '\n' || p.src[j] == '#'
}

// quoted reads a quoted value opening at p.pos. It returns false when the
// quote is never closed.
func (p *parser) quoted(e *Entry) bool {
	open := p.pos
	q := p.src[open]
	firstEnd := p.lineEnd(open)
	// When a scan from an earlier opening quote of this kind found no
	// closing quote up to the end of the file, none exists after it either
	// (backslash pairs line up the same way after any quote), so only the
	// opening line is scanned. This keeps hostile files linear.
	limit := len(p.src)
	if n, ok := p.noClose[q]; ok && open > n {
		limit = firstEnd
	}
	sawQuote := false // the opening line holds a quote that does not close
	for i := open + 1; i < limit; i++ {
		if sawQuote && i >= firstEnd {
			break
		}
		c := p.src[i]
		if c == '\\' && q == '"' {
			i++ // a pair: never a closing quote
			continue
		}
		if c != q {
			continue
		}
		if p.closes(i) {
			p.setQuoted(e, q, p.src[open+1:i])
			p.nextLineFrom(i)
			return true
		}
		if i < firstEnd {
			sawQuote = true
		}
	}
	if sawQuote {
		p.warn(e.Line, CodeTextAfterQuote, e.Key)
		p.unquoted(e, open)
		return true
	}
	if _, ok := p.noClose[q]; !ok {
		p.noClose[q] = open
	}
	p.fail(e.Line, CodeUnterminatedQuote, e.Key)
	p.nextLineFrom(open)
	return false
}

// setQuoted stores the body of a quoted value in e.
func (p *parser) setQuoted(e *Entry, q byte, body string) {
	if q == '\'' {
		e.val, e.expand = body, false
		return
	}
	if strings.IndexByte(body, '\\') < 0 {
		e.val = body
		p.checkSubstitution(e)
		return
	}
	var b strings.Builder
	var lit []bool
	for i := 0; i < len(body); i++ {
		c := body[i]
		if c != '\\' || i+1 == len(body) {
			b.WriteByte(c)
			continue
		}
		i++
		switch body[i] {
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case '"', '\\':
			b.WriteByte(body[i])
		case '$':
			lit = setLit(lit, b.Len())
			b.WriteByte('$')
		default:
			b.WriteByte('\\')
			b.WriteByte(body[i])
		}
	}
	e.val, e.lit = b.String(), lit
	p.checkSubstitution(e)
}
