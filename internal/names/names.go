// Package names holds configsync's rules for the names it reads from
// files, flags and the store: environment and project names, item paths,
// a project's recorded directory, key fingerprints, and the one rule for
// control and invisible characters. config and scopes both check with
// these, so a name one accepts the other never refuses. It imports the
// standard library only.
//
// A refusal is an error whose message is the reason alone ("it may not
// contain a slash"): the caller says what was refused.
package names

import (
	"errors"
	"fmt"
	"path"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxName is the longest environment or project name.
const MaxName = 64

// Name checks an environment or project name:
// ^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$ without "..": one path component,
// safe on every file system and in a git tree. The first failing rule
// gives the reason.
func Name(name string) error {
	switch {
	case name == "":
		return errors.New("it is empty")
	case strings.Contains(name, "/") || strings.Contains(name, `\`):
		return errors.New("it may not contain a slash")
	case strings.Contains(name, ".."):
		return errors.New(`it may not contain ".."`)
	case HasControl(name):
		return errors.New("it may not contain control characters")
	case !shape(name):
		return errors.New("use letters, digits, '.', '_' and '-' (up to 64), starting with a letter or digit")
	}
	return nil
}

// shape reports whether name matches ^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$.
// (Written out: compiling that regexp costs every invocation about a
// millisecond at start-up.)
func shape(name string) bool {
	if len(name) == 0 || len(name) > MaxName {
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

// ItemPath checks an item path: slash-separated, relative, clean, at
// most 1024 bytes, no "." or ".." component and no .git directory. A
// hostile store must not make pull write outside the project directory,
// so this runs on every path read from a store.
func ItemPath(p string) error {
	switch {
	case p == "":
		return errors.New("it is empty")
	case len(p) > 1024:
		return errors.New("it is longer than 1024 bytes")
	case HasControl(p):
		return errors.New("it may not contain control characters")
	case strings.HasPrefix(p, "/") || strings.Contains(p, `\`) || (len(p) > 1 && p[1] == ':'):
		return errors.New("it must be relative, with forward slashes")
	case path.Clean(p) != p:
		return errors.New("it must be a clean relative path")
	}
	for _, c := range strings.Split(p, "/") {
		if c == "." || c == ".." || c == "" {
			return fmt.Errorf("it may not contain the component %q", c)
		}
		if isGitDir(c) {
			return fmt.Errorf("it may not contain the component %q (a .git directory)", c)
		}
	}
	return nil
}

// RelPath checks a slash path (or glob) relative to a directory that
// stays inside it: not absolute, no backslash, no ".." component. It is
// looser than ItemPath, for hand-written patterns such as hooks.allow.
func RelPath(p string) error {
	switch {
	case p == "" || path.IsAbs(p) || strings.Contains(p, `\`) || HasControl(p):
		return errors.New("it must be a relative slash path")
	case strings.Contains("/"+p+"/", "/../"):
		return errors.New(`it may not contain ".."`)
	}
	return nil
}

// ProjectDir checks the directory a store's project.toml records
// (`dir`), which pull restores into when the project is not tracked
// here. configsync writes "~" or "~/" and a clean relative path, or an
// absolute path for a project outside the home directory (pull never
// restores into that one). Nothing else is accepted: no "..", no .git
// component, no control characters. The error says what is wrong with
// dir, quoting it.
func ProjectDir(dir string) error {
	bad := func(reason string) error { return fmt.Errorf("dir %q %s", dir, reason) }
	rel, inHome := strings.CutPrefix(dir, "~/")
	switch {
	case dir == "" || dir == "~":
		return nil
	case len(dir) > 4096:
		return bad("is longer than 4096 bytes")
	case HasControl(dir):
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

// IsFingerprint reports whether s is a key fingerprint as configsync
// writes them: 40 (v4) or 64 (v6) upper-case hex digits.
func IsFingerprint(s string) bool {
	if len(s) != 40 && len(s) != 64 {
		return false
	}
	return strings.Trim(s, "0123456789ABCDEF") == ""
}

// HasControl reports control characters, invisible format characters
// (bidirectional overrides, zero-width joiners: they make a name print as
// another) and invalid UTF-8: the one rule for every name and path that
// configsync reads from a file or the store.
func HasControl(s string) bool {
	for _, r := range s {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == utf8.RuneError {
			return true
		}
	}
	return false
}
