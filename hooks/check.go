package hooks

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/configsync/configsync/config"
	"github.com/configsync/configsync/envfile"
	"github.com/configsync/configsync/internal/rofile"
)

// Rule names what a Finding is about.
type Rule string

// The rules of the guard.
const (
	// RuleDotenvFile: a dotenv file that is not a template nor allowed by
	// the project's configsync.toml [hooks] allow list.
	RuleDotenvFile Rule = "dotenv-file"
	// RuleTrackedItem: a file that configsync tracks on this machine.
	RuleTrackedItem Rule = "tracked-item"
	// RuleSecretValue: content holding a known secret value (or one of its
	// encodings) of this machine's tracked items.
	RuleSecretValue Rule = "secret-value"
)

// Finding is one reason to refuse a commit. It never holds a secret value.
type Finding struct {
	// File is the slash-separated path, relative to the top of the work
	// tree (CheckStaged) or to Options.Dir, else as given (Scan).
	File string
	// Line is the 1-based line where the value starts; 0 for file rules.
	Line int
	// Rule is the rule that matched.
	Rule Rule
	// Key is the name of the variable whose value was found (secret-value).
	Key string
	// Item is the tracked item the value belongs to, such as
	// "development/myapp/.env" (secret-value), or the tracked path
	// (tracked-item).
	Item string
}

// Message returns one line naming the file, line and key (never the
// value) and saying how to fix it.
func (f Finding) Message() string {
	q, dir := shellQuote(f.File), shellQuote(path.Dir(f.File))
	if strings.ContainsFunc(f.File, unicode.IsControl) {
		// keep the message on one line
		q, dir = strconv.Quote(f.File), strconv.Quote(path.Dir(f.File))
		f.File = q
	}
	switch f.Rule {
	case RuleDotenvFile:
		return fmt.Sprintf("%s: dotenv file must not be committed: unstage it with \"git rm --cached %s\", add it to .gitignore, and keep it encrypted with \"configsync add env %s\"",
			f.File, q, dir)
	case RuleTrackedItem:
		return fmt.Sprintf("%s: file is tracked by configsync (kept encrypted in the store) and must not be committed: unstage it with \"git rm --cached %s\" and add it to .gitignore",
			f.File, q)
	case RuleSecretValue:
		return fmt.Sprintf("%s:%d: contains the value of %s from %s: remove the value and read it at run time instead (\"configsync inject -- CMD\" puts it in the environment)",
			f.File, f.Line, f.Key, f.Item)
	}
	return fmt.Sprintf("%s:%d: %s", f.File, f.Line, f.Rule)
}

// String returns Message.
func (f Finding) String() string { return f.Message() }

// BypassHint is the line to print after findings: how to commit anyway.
func BypassHint() string {
	return "to commit anyway, knowingly: git commit --no-verify"
}

// Options configures CheckStaged and Scan.
type Options struct {
	// Index is the leak index; nil disables the secret-value rule.
	Index *Index
	// Tracked lists the absolute paths of this machine's tracked items.
	Tracked []string
	// Allow lists dotenv file names or globs that may be committed, in
	// addition to the project's configsync.toml [hooks] allow list. A
	// pattern with a slash matches the slash path from the top of the work
	// tree (or Dir); one without matches the base name.
	Allow []string
	// IndexFile is the git index to check (CheckStaged): the value of
	// GIT_INDEX_FILE, which git sets for "git commit -a" and "git commit
	// PATHS", relative to the top of the work tree if relative. Empty: the
	// work tree's own index.
	IndexFile string
	// Dir is the project directory for Scan: its configsync.toml gives the
	// allow list, and paths under it are reported relative to it. Empty:
	// no project file, paths reported as given.
	Dir string
}

// Scan checks files and directory trees on disk (for CI and a first
// audit): every regular file under each path, skipping .git. Symbolic links
// are checked by name only and not followed.
func Scan(ctx context.Context, paths []string, opts Options) ([]Finding, error) {
	c, err := newChecker(opts.Dir, opts)
	if err != nil {
		return nil, err
	}
	for _, p := range paths {
		err := filepath.WalkDir(p, func(file string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			if d.Name() == ".git" && file != p {
				if d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			if d.IsDir() {
				return nil
			}
			abs, err := filepath.Abs(file)
			if err != nil {
				return err
			}
			var data []byte
			if d.Type().IsRegular() {
				if data, err = rofile.ReadFile(file); err != nil {
					return err
				}
			} else if d.Type()&fs.ModeSymlink == 0 {
				return nil // devices, sockets, pipes
			}
			c.findings = append(c.findings, c.check(c.rel(abs, file), resolve(abs), data)...)
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("scan: %w", err)
		}
	}
	return c.result(), nil
}

// checker applies the rules to one file at a time.
type checker struct {
	top      string // resolved base directory, "" if none
	allow    []string
	tracked  map[string]string // resolved path -> path as given
	index    *Index
	findings []Finding
}

func newChecker(dir string, opts Options) (*checker, error) {
	c := &checker{index: opts.Index, tracked: map[string]string{}, allow: slices.Clone(opts.Allow)}
	if dir != "" {
		c.top = resolve(dir)
		p, err := config.LoadProject(dir)
		if err != nil {
			return nil, err
		}
		if p != nil {
			c.allow = append(c.allow, p.Hooks.Allow...)
		}
	}
	for _, pat := range c.allow {
		if _, err := path.Match(strings.TrimPrefix(pat, "/"), ""); err != nil {
			return nil, fmt.Errorf("configsync.toml [hooks] allow %q: %w", pat, err)
		}
	}
	for _, t := range opts.Tracked {
		c.tracked[resolve(t)] = t
	}
	return c, nil
}

// resolve makes p absolute and resolves symbolic links as far as it exists.
func resolve(p string) string {
	abs, err := filepath.Abs(p)
	if err != nil {
		return filepath.Clean(p)
	}
	if r, err := filepath.EvalSymlinks(abs); err == nil {
		return r
	}
	if r, err := filepath.EvalSymlinks(filepath.Dir(abs)); err == nil {
		return filepath.Join(r, filepath.Base(abs))
	}
	return abs
}

// rel returns the name to report for a scanned file.
func (c *checker) rel(abs, given string) string {
	if c.top != "" {
		if r, err := filepath.Rel(c.top, resolve(abs)); err == nil && filepath.IsLocal(r) {
			return filepath.ToSlash(r)
		}
	}
	return filepath.ToSlash(filepath.Clean(given))
}

func (c *checker) allowed(name string) bool {
	base := path.Base(name)
	for _, pat := range c.allow {
		pat = strings.TrimPrefix(pat, "/")
		subject := base
		if strings.Contains(pat, "/") {
			subject = name
		}
		if ok, _ := path.Match(pat, subject); ok {
			return true
		}
	}
	return false
}

// check applies every rule to one file: name is the path to report, abs
// its resolved absolute path, data its content (nil for symbolic links).
// It only reads c, so files can be checked concurrently.
func (c *checker) check(name, abs string, data []byte) []Finding {
	var out []Finding
	base := path.Base(name)
	switch t, tracked := c.tracked[abs]; {
	case isEncrypted(name, data):
		// ciphertext may have any name (.env.pgp); its bytes are scanned below
	case tracked:
		out = append(out, Finding{File: name, Rule: RuleTrackedItem, Item: t})
	case envfile.IsEnvFile(base) && !envfile.IsTemplate(base) && !c.allowed(name):
		out = append(out, Finding{File: name, Rule: RuleDotenvFile})
	}
	if c.index == nil || len(data) == 0 {
		return out
	}
	// Every file's bytes are scanned, text or not: a value is found in
	// NUL-separated text and in binary formats that store it as is.
	// UTF-16 and UTF-32 text is scanned once more, decoded to UTF-8.
	seen := map[valueAt]bool{}
	out = c.findValues(out, seen, name, data)
	if text, ok := decodeWide(data); ok {
		out = c.findValues(out, seen, name, text)
	}
	return out
}

// valueAt identifies a secret-value finding, to report each once.
type valueAt struct {
	line        int
	source, key string
}

// findValues appends a finding for every known value in text, once per
// line, key and item.
func (c *checker) findValues(out []Finding, seen map[valueAt]bool, name string, text []byte) []Finding {
	line, pos := 1, 0
	c.index.find(text, func(h hit) {
		line += bytes.Count(text[pos:h.offset], []byte("\n"))
		pos = h.offset
		k := valueAt{line, h.source, h.key}
		if !seen[k] {
			seen[k] = true
			out = append(out, Finding{File: name, Line: line, Rule: RuleSecretValue, Key: h.key, Item: h.source})
		}
	})
	return out
}

func (c *checker) result() []Finding {
	slices.SortStableFunc(c.findings, func(a, b Finding) int {
		if n := strings.Compare(a.File, b.File); n != 0 {
			return n
		}
		if a.Line != b.Line {
			return a.Line - b.Line
		}
		if n := strings.Compare(string(a.Rule), string(b.Rule)); n != 0 {
			return n
		}
		return strings.Compare(a.Key, b.Key)
	})
	return c.findings
}
