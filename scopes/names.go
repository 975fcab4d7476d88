package scopes

import (
	"fmt"
	"path"
	"strconv"
	"strings"

	"github.com/configsync/configsync/config"
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
	case config.HasControl(name):
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
	case config.HasControl(p):
		return bad("it may not contain control characters")
	case strings.HasPrefix(p, "/") || strings.Contains(p, `\`) || (len(p) > 1 && p[1] == ':'):
		return bad("it must be relative, with forward slashes")
	case path.Clean(p) != p:
		return bad("it must be a clean relative path")
	}
	for _, c := range strings.Split(p, "/") {
		if c == "." || c == ".." || c == "" {
			return bad(fmt.Sprintf("it may not contain the component %q", c))
		}
		if isGitDir(c) {
			return bad(fmt.Sprintf("it may not contain the component %q (a .git directory)", c))
		}
	}
	return nil
}

// ValidateProjectDir checks the directory a store's project.toml records
// (`dir`), which pull restores into when the project is not tracked
// here. configsync writes "~" or "~/" and a clean relative path, or an
// absolute path for a project outside the home directory (pull never
// restores into that one: it reports the project as skipped). Nothing
// else is accepted: no "..", no .git component, no control characters.
// The error says what is wrong with dir, quoting it.
func ValidateProjectDir(dir string) error {
	bad := func(reason string) error { return fmt.Errorf("dir %q %s", dir, reason) }
	rel, inHome := strings.CutPrefix(dir, "~/")
	switch {
	case dir == "" || dir == "~":
		return nil
	case len(dir) > 4096:
		return bad("is longer than 4096 bytes")
	case config.HasControl(dir):
		return bad("contains control characters")
	case strings.Contains(dir, `\`):
		return bad("must use forward slashes")
	case !inHome && !path.IsAbs(dir):
		return bad(`is neither under the home directory ("~/…") nor absolute`)
	case !inHome:
		rel = dir[1:]
	}
	for _, c := range strings.Split(rel, "/") {
		switch {
		case c == ".." && inHome:
			return bad("leaves the home directory")
		case c == "..":
			return bad(`contains ".."`)
		case c == "." || c == "":
			return bad("is not a clean path")
		case isGitDir(c):
			return bad("is inside a .git directory")
		}
	}
	return nil
}

// isGitDir reports whether a path component names a .git directory on
// some file system: any case (macOS, Windows), trailing dots or spaces
// (Windows drops them), or the 8.3 short name.
func isGitDir(c string) bool {
	return strings.EqualFold(strings.TrimRight(c, ". "), ".git") || strings.EqualFold(c, "git~1")
}

// StoreEntryError is an entry of the store that configsync would not
// have written: an item path or a project.toml `dir` that could make pull
// write outside the place it belongs. A hostile store is refused with it
// before anything is written.
type StoreEntryError struct {
	Entry   string // its path in the store
	Project string
	Field   string // "dir" (project.toml) or "item path"
	Err     error  // what is wrong with it
}

func (e *StoreEntryError) Error() string {
	entry := e.Entry
	if config.HasControl(entry) {
		entry = strconv.Quote(entry)
	}
	return "store entry " + entry + ": " + e.Err.Error()
}
func (e *StoreEntryError) Unwrap() error { return e.Err }
