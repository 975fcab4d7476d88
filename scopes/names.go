package scopes

import (
	"fmt"
	"path"
	"strings"
	"unicode"
)

// nameShape reports whether name has the shape of an environment or
// project name, ^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$: one path component,
// safe on every file system and in a git tree. (Written out: compiling
// that regexp costs every invocation about a millisecond at start-up.)
func nameShape(name string) bool {
	if len(name) == 0 || len(name) > 64 {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9':
		case i > 0 && (c == '.' || c == '_' || c == '-'):
		default:
			return false
		}
	}
	return true
}

// NameError is a refused environment, project or item name. It never
// carries the name itself when the name could be arbitrary bytes.
type NameError struct {
	Kind   string // "environment", "project" or "item path"
	Name   string // the name, quoted with %q when printed
	Reason string
}

func (e *NameError) Error() string {
	return fmt.Sprintf("invalid %s name %q: %s", e.Kind, e.Name, e.Reason)
}

// ValidateName checks an environment or project name.
func ValidateName(kind, name string) error {
	switch {
	case name == "":
		return &NameError{Kind: kind, Name: name, Reason: "it is empty"}
	case strings.Contains(name, "/") || strings.Contains(name, `\`):
		return &NameError{Kind: kind, Name: name, Reason: "it may not contain a slash"}
	case strings.Contains(name, ".."):
		return &NameError{Kind: kind, Name: name, Reason: `it may not contain ".."`}
	case hasControl(name):
		return &NameError{Kind: kind, Name: name, Reason: "it may not contain control characters"}
	case !nameShape(name):
		return &NameError{Kind: kind, Name: name, Reason: "use letters, digits, '.', '_' and '-' (up to 64), starting with a letter or digit"}
	}
	return nil
}

// ValidateItemPath checks an item path: slash-separated, relative, every
// component a plain name. A hostile store must not make pull write outside
// the project directory, so this runs on every path read from a store.
func ValidateItemPath(p string) error {
	bad := func(reason string) error { return &NameError{Kind: "item path", Name: p, Reason: reason} }
	switch {
	case p == "":
		return bad("it is empty")
	case len(p) > 1024:
		return bad("it is longer than 1024 bytes")
	case hasControl(p):
		return bad("it may not contain control characters")
	case strings.HasPrefix(p, "/") || strings.Contains(p, `\`) || (len(p) > 1 && p[1] == ':'):
		return bad("it must be relative, with forward slashes")
	case path.Clean(p) != p:
		return bad("it must be a clean relative path")
	}
	for _, c := range strings.Split(p, "/") {
		if c == "." || c == ".." || c == "" || c == ".git" {
			return bad(fmt.Sprintf("it may not contain the component %q", c))
		}
	}
	return nil
}

func hasControl(s string) bool {
	for _, r := range s {
		if unicode.IsControl(r) || r == unicode.ReplacementChar {
			return true
		}
	}
	return false
}
