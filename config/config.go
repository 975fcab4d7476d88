// Package config owns configsync's local files and the project file.
//
// Local files live under $CONFIGSYNC_HOME, which [Home] owns: it names
// every file there, creates the directory 0700 and reads the local
// secret keys. Among them: config.toml (the [Local] settings of this
// machine: active environment, store location, pinned admins, secrets
// provider, hook settings and tracked items) and the lock file that
// serialises configsync invocations ([Lock]). The project file is
// configsync.toml at the root of a tracked project ([Project]). Every
// file is written through one atomic writer ([WriteFileAtomic]); names
// are checked by the rules of internal/names.
//
// Decoding is strict: an unknown key, a value of the wrong type or a value
// that fails validation is a [*FileError] naming the file, the line when it
// is known, and the key. Errors never quote values from the file, so they are
// safe to print even when a value is sensitive.
//
// The keys of `configsync config set|get|list|unset` are the table returned
// by [Keys].
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/configsync/configsync/internal/names"
	"github.com/configsync/configsync/internal/rofile"
)

// DefaultBranch is the store branch used when store.branch is not set.
const DefaultBranch = "configsync"

// DefaultMinLength is the hook's minimum secret length when
// hooks.min_length is not set.
const DefaultMinLength = 8

// Providers: the values of secrets.provider.
const (
	ProviderGit       = "git"
	Provider1Password = "1password"
	ProviderBitwarden = "bitwarden"
)

// ItemType is what a tracked file is: a dotenv file, whose variables
// are merged key by key, or any other file, kept whole.
type ItemType string

// Item types: the values of Track.Type.
const (
	TypeEnv  ItemType = "env"
	TypeFile ItemType = "file"
)

// Local is $CONFIGSYNC_HOME/config.toml: the settings of this machine.
type Local struct {
	Environment string `toml:"environment,omitempty"` // the active environment
	// InjectAsEnv: env items are never written to disk on this machine
	// (pull skips them, export --output refuses); configsync inject reads them.
	InjectAsEnv bool        `toml:"inject_as_env,omitempty"`
	Store       Store       `toml:"store,omitempty"`
	Trust       Trust       `toml:"trust,omitempty"`
	Secrets     Secrets     `toml:"secrets,omitempty"`
	Hooks       HooksConfig `toml:"hooks,omitempty"`
	Track       []Track     `toml:"track,omitempty"` // items tracked on this machine
}

// Store says where the store is: a remote URL, and/or a local repository
// whose Branch (DefaultBranch when empty) holds the store.
type Store struct {
	Remote string `toml:"remote,omitempty"` // git URL, scp-style address or path
	Repo   string `toml:"repo,omitempty"`   // absolute path of a local repository
	Branch string `toml:"branch,omitempty"` // valid git branch name
}

// Trust holds the admin fingerprints pinned on first use.
type Trust struct {
	Admins []string `toml:"admins,omitempty"` // upper-case hex, 40 (v4) or 64 (v6) digits
}

// Secrets selects where item contents live.
type Secrets struct {
	Provider    string      `toml:"provider,omitempty"` // git (default), 1password or bitwarden
	OnePassword OnePassword `toml:"1password,omitempty"`
	Bitwarden   Bitwarden   `toml:"bitwarden,omitempty"`
}

// OnePassword configures the 1password provider.
type OnePassword struct {
	Vault string `toml:"vault,omitempty"`
}

// Bitwarden configures the bitwarden provider.
type Bitwarden struct {
	Server string `toml:"server,omitempty"` // http(s) URL of a self-hosted server
}

// HooksConfig configures the pre-commit guard.
type HooksConfig struct {
	MinLength int `toml:"min_length,omitzero"` // 0: DefaultMinLength; else at least 4
}

// Track is one item tracked on this machine.
type Track struct {
	Project string   `toml:"project"`
	Dir     string   `toml:"dir"`            // absolute directory of the project
	Type    ItemType `toml:"type"`           // TypeEnv or TypeFile
	Path    string   `toml:"path,omitempty"` // type file: slash path relative to Dir
}

// Errors that a [*FileError] or a [Local.Set] error wraps.
var (
	ErrUnknownKey   = errors.New("unknown key")
	ErrSyntax       = errors.New("invalid TOML")
	ErrInvalidValue = errors.New("invalid value")
	ErrReadOnly     = errors.New("read-only key")
)

// FileError is an error about a file of this package. Its message is
// "FILE:LINE: KEY: ERR" (LINE and KEY when known) or
// `FILE:LINE: unknown key "KEY"`; it never quotes a value.
type FileError struct {
	File string // path of the file
	Line int    // 1-based; 0 when unknown
	Key  string // dotted key such as "store.branch" or "track[0].type" (0-based index); may be empty
	Err  error  // ErrUnknownKey, ErrSyntax, ErrInvalidValue (wrapped with a reason) or an I/O error
}

// Error implements error.
func (e *FileError) Error() string {
	loc := e.File
	if e.Line > 0 {
		loc += ":" + strconv.Itoa(e.Line)
	}
	switch {
	case errors.Is(e.Err, ErrUnknownKey):
		return fmt.Sprintf("%s: unknown key %q", loc, e.Key)
	case e.Key != "":
		return fmt.Sprintf("%s: %s: %v", loc, e.Key, e.Err)
	default:
		return fmt.Sprintf("%s: %v", loc, e.Err)
	}
}

// Unwrap returns e.Err.
func (e *FileError) Unwrap() error { return e.Err }

// LoadLocal reads the local config at path. A missing file gives the zero
// config and no error. Unknown keys, syntax errors and invalid values are
// [*FileError]s.
func LoadLocal(path string) (*Local, error) {
	l := &Local{}
	if err := loadFile(path, l, l.validate); err != nil {
		return nil, err
	}
	return l, nil
}

// LoadLocalUnchecked is [LoadLocal] without the check of each value, for
// `configsync config`: a value that fails its check (a repository since
// removed, a hand edit) can then still be unset or replaced.
func LoadLocalUnchecked(path string) (*Local, error) {
	l := &Local{}
	if err := loadFile(path, l, nil); err != nil {
		return nil, err
	}
	return l, nil
}

// loadFile decodes the file at path strictly into v, then checks it with
// validate (nil: no check), which names the key of a bad value. A missing
// file leaves v as it is. Errors are [*FileError]s.
func loadFile(path string, v any, validate func() (string, error)) error {
	data, err := readFile(path)
	if err != nil || data == nil {
		return err
	}
	if err := decodeStrict(path, data, v); err != nil {
		return err
	}
	if validate == nil {
		return nil
	}
	if key, err := validate(); err != nil {
		return &FileError{File: path, Line: lineOf(data, key), Key: key, Err: err}
	}
	return nil
}

// Save validates l and writes it to path atomically: a temporary file in the
// same directory (created with mode 0700 if missing, tightened to it if
// others may enter it: [Home.Make]) with mode 0600, synced, then renamed
// over path.
func (l *Local) Save(path string) error {
	if key, err := l.validate(); err != nil {
		return &FileError{File: path, Key: key, Err: err}
	}
	var buf bytes.Buffer
	buf.WriteString("# configsync local settings; change them with `configsync config set KEY VALUE`.\n\n")
	enc := toml.NewEncoder(&buf)
	enc.Indent = ""
	if err := enc.Encode(l); err != nil {
		return fmt.Errorf("encode %s: %w", path, err)
	}
	if err := Home(filepath.Dir(path)).Make(); err != nil {
		return err
	}
	return WriteFileAtomic(path, buf.Bytes())
}

// Branch returns the store branch: Store.Branch or DefaultBranch.
func (l *Local) Branch() string {
	if l.Store.Branch == "" {
		return DefaultBranch
	}
	return l.Store.Branch
}

// Provider returns the secrets provider: Secrets.Provider or ProviderGit.
func (l *Local) Provider() string {
	if l.Secrets.Provider == "" {
		return ProviderGit
	}
	return l.Secrets.Provider
}

// MinLength returns the hook's minimum secret length: Hooks.MinLength or
// DefaultMinLength.
func (l *Local) MinLength() int {
	if l.Hooks.MinLength == 0 {
		return DefaultMinLength
	}
	return l.Hooks.MinLength
}

// validate checks every value; on failure it returns the offending key and
// an error wrapping ErrInvalidValue.
func (l *Local) validate() (string, error) {
	for _, d := range keyTable() {
		if v := d.get(l); v != "" {
			if err := d.check(v); err != nil {
				return d.Name, err
			}
		}
	}
	for i, t := range l.Track {
		if field, err := t.validate(); err != nil {
			return fmt.Sprintf("track[%d].%s", i, field), err
		}
	}
	return "", nil
}

func (t Track) validate() (string, error) {
	if err := checkName(t.Project); err != nil {
		return "project", err
	}
	if t.Dir == "" || !filepath.IsAbs(t.Dir) {
		return "dir", invalid("must be an absolute path")
	}
	switch t.Type {
	case TypeEnv:
		if t.Path == "" {
			return "", nil
		}
	case TypeFile:
		if t.Path == "" {
			return "path", invalid("required for type file")
		}
	default:
		return "type", invalid(`must be "env" or "file"`)
	}
	if err := names.ItemPath(t.Path); err != nil {
		return "path", invalid(err.Error())
	}
	return "", nil
}

func invalid(reason string) error { return fmt.Errorf("%w: %s", ErrInvalidValue, reason) }

// checkName accepts a project name: the rule scopes applies before a
// push (names.Name), so a configsync.toml never names a project that push
// then refuses.
func checkName(s string) error {
	if err := names.Name(s); err != nil {
		return invalid(err.Error())
	}
	return nil
}

// readFile returns nil, nil for a missing file and wraps other errors in a
// *FileError.
func readFile(path string) ([]byte, error) {
	data, err := rofile.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err // the FileError names the path already
		}
		return nil, &FileError{File: path, Err: err}
	}
	if data == nil {
		data = []byte{}
	}
	return data, nil
}

// decodeStrict decodes data into v and refuses keys v has no field for.
func decodeStrict(path string, data []byte, v any) error {
	md, err := toml.Decode(string(data), v)
	if err != nil {
		return decodeError(path, err)
	}
	if undecoded := md.Undecoded(); len(undecoded) > 0 {
		key := undecoded[0].String()
		return &FileError{File: path, Line: lineOf(data, key), Key: key, Err: ErrUnknownKey}
	}
	return nil
}

// decodeError turns a toml error into a *FileError without the library's
// message, which may quote parts of a value.
func decodeError(path string, err error) error {
	var pe toml.ParseError
	if errors.As(err, &pe) {
		return &FileError{File: path, Line: pe.Position.Line, Key: pe.LastKey,
			Err: fmt.Errorf("%w (column %d)", ErrSyntax, pe.Position.Col)}
	}
	// Type mismatches are plain errors: `toml: line 3 (last key "a.b"): …`.
	fe := &FileError{File: path, Err: invalid("wrong type")}
	m := regexp.MustCompile(`^toml: (?:line (\d+) )?\(last key ("(?:[^"\\]|\\.)*")\)`).FindStringSubmatch(err.Error())
	if m != nil {
		fe.Line, _ = strconv.Atoi(m[1])
		fe.Key, _ = strconv.Unquote(m[2])
	}
	return fe
}

// keyLines maps dotted keys to the line that defines them, for error
// messages. It reads headers and `key = …` lines of bare keys; the first
// table of an array is found both as "track.type" and "track[0].type".
// It is a best effort: keys it cannot place get no line.
func keyLines(data []byte) map[string]int {
	lines := make(map[string]int)
	record := func(key string, n int) {
		if _, ok := lines[key]; !ok {
			lines[key] = n
		}
	}
	var table, plainTable string // "track[1]" and "track"
	arrays := make(map[string]int)
	inMultiline := false
	for i, line := range strings.Split(string(data), "\n") {
		n := i + 1
		s := strings.TrimSpace(line)
		if (strings.Count(s, `"""`)+strings.Count(s, `'''`))%2 == 1 {
			inMultiline = !inMultiline
			if !inMultiline {
				continue
			}
		} else if inMultiline {
			continue
		}
		switch {
		case s == "" || s[0] == '#':
			continue
		case strings.HasPrefix(s, "[["):
			name, _, _ := strings.Cut(s[2:], "]]")
			plainTable = strings.TrimSpace(name)
			table = fmt.Sprintf("%s[%d]", plainTable, arrays[plainTable])
			arrays[plainTable]++
			record(plainTable, n)
		case s[0] == '[':
			name, _, _ := strings.Cut(s[1:], "]")
			table = strings.TrimSpace(name)
			plainTable = table
			record(table, n)
		default:
			k, _, ok := strings.Cut(s, "=")
			if !ok || strings.ContainsAny(k, `"'`) {
				continue
			}
			k = strings.ReplaceAll(strings.TrimSpace(k), " ", "")
			if table == "" {
				record(k, n)
				continue
			}
			record(table+"."+k, n)
			record(plainTable+"."+k, n)
		}
	}
	return lines
}

// lineOf returns the line of key in data, else of its nearest enclosing
// table or list ("track[1].type" → "track[1]"); 0 when unknown.
func lineOf(data []byte, key string) int {
	lines := keyLines(data)
	for key != "" {
		if n, ok := lines[key]; ok {
			return n
		}
		key = key[:max(strings.LastIndexAny(key, ".["), 0)]
	}
	return 0
}
