package config

import (
	"fmt"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/configsync/configsync/internal/names"
)

// KeyInfo describes one key of `configsync config`.
type KeyInfo struct {
	Name     string // dotted name, as in config.toml
	Doc      string // one line for help and `config list`
	Default  string // effective value when unset; "" for none
	ReadOnly bool   // get and list only; set and unset fail with ErrReadOnly
}

// KeyValue is one line of [Local.List].
type KeyValue struct {
	Key     string
	Value   string // the effective value
	Default bool   // the key is unset: Value is its default (possibly "")
}

// UnknownKeyError is returned for a key that is not in [Keys]. It matches
// ErrUnknownKey with errors.Is.
type UnknownKeyError struct {
	Key string
}

// Error implements error; the message lists the known keys.
func (e *UnknownKeyError) Error() string {
	names := make([]string, 0, 16)
	for _, k := range Keys() {
		names = append(names, k.Name)
	}
	return fmt.Sprintf("unknown config key %q (known keys: %s)", e.Key, strings.Join(names, ", "))
}

// Is reports whether target is ErrUnknownKey.
func (e *UnknownKeyError) Is(target error) bool { return target == ErrUnknownKey }

// keyDef is a KeyInfo with its accessors. get returns the raw value ("" when
// unset); check validates a non-empty value; set stores a checked value ("" clears).
type keyDef struct {
	KeyInfo
	get   func(l *Local) string
	set   func(l *Local, v string)
	check func(v string) error
}

// keyTable is the table of `configsync config` keys, in display order:
//
//	environment                the active environment (configsync env use)
//	store.remote               URL of the store's git remote
//	store.repo                 local repository holding the store branch
//	store.branch               store branch (default "configsync")
//	secrets.provider           git (default), 1password or bitwarden
//	secrets.1password.vault    1Password vault for items
//	secrets.bitwarden.server   self-hosted Bitwarden server URL
//	hooks.min_length           shortest value the guard looks for (default 8)
//	inject_as_env              true: env items are never written here (default false)
//	trust.admins               pinned admin fingerprints (read-only)
func keyTable() []keyDef {
	return []keyDef{
		{
			KeyInfo: KeyInfo{Name: "environment", Doc: "the active environment (configsync env use NAME)"},
			get:     func(l *Local) string { return l.Environment },
			set:     func(l *Local, v string) { l.Environment = v },
			check:   checkEnvironment,
		},
		{
			KeyInfo: KeyInfo{Name: "store.remote", Doc: "git remote of the store (URL, user@host:path or path)"},
			get:     func(l *Local) string { return l.Store.Remote },
			set:     func(l *Local, v string) { l.Store.Remote = v },
			check:   checkRemote,
		},
		{
			KeyInfo: KeyInfo{Name: "store.repo", Doc: "absolute path of a local repository whose store branch holds the store"},
			get:     func(l *Local) string { return l.Store.Repo },
			set:     func(l *Local, v string) { l.Store.Repo = v },
			check:   checkRepo,
		},
		{
			KeyInfo: KeyInfo{Name: "store.branch", Doc: "branch that holds the store", Default: DefaultBranch},
			get:     func(l *Local) string { return l.Store.Branch },
			set:     func(l *Local, v string) { l.Store.Branch = v },
			check:   checkBranch,
		},
		{
			KeyInfo: KeyInfo{Name: "secrets.provider", Doc: "where item contents live: git, 1password or bitwarden", Default: ProviderGit},
			get:     func(l *Local) string { return l.Secrets.Provider },
			set:     func(l *Local, v string) { l.Secrets.Provider = v },
			check:   checkProvider,
		},
		{
			KeyInfo: KeyInfo{Name: "secrets.1password.vault", Doc: "1Password vault that holds the items"},
			get:     func(l *Local) string { return l.Secrets.OnePassword.Vault },
			set:     func(l *Local, v string) { l.Secrets.OnePassword.Vault = v },
			check:   checkText,
		},
		{
			KeyInfo: KeyInfo{Name: "secrets.bitwarden.server", Doc: "URL of a self-hosted Bitwarden server"},
			get:     func(l *Local) string { return l.Secrets.Bitwarden.Server },
			set:     func(l *Local, v string) { l.Secrets.Bitwarden.Server = v },
			check:   checkServer,
		},
		{
			KeyInfo: KeyInfo{Name: "hooks.min_length", Doc: "shortest secret value the pre-commit guard looks for (at least 4)", Default: strconv.Itoa(DefaultMinLength)},
			get: func(l *Local) string {
				if l.Hooks.MinLength == 0 {
					return ""
				}
				return strconv.Itoa(l.Hooks.MinLength)
			},
			set: func(l *Local, v string) {
				l.Hooks.MinLength, _ = strconv.Atoi(v) // checked; "" gives 0
			},
			check: checkMinLength,
		},
		{
			KeyInfo: KeyInfo{Name: "inject_as_env", Doc: "true: env items are never written to disk here; run them with configsync inject", Default: "false"},
			get: func(l *Local) string {
				if l.InjectAsEnv {
					return "true"
				}
				return ""
			},
			set:   func(l *Local, v string) { l.InjectAsEnv = v == "true" },
			check: checkBool,
		},
		{
			KeyInfo: KeyInfo{Name: "trust.admins", Doc: "admin fingerprints pinned on first use", ReadOnly: true},
			get:     func(l *Local) string { return strings.Join(l.Trust.Admins, ",") },
			check:   checkAdmins,
		},
	}
}

// Keys returns the keys of `configsync config`, in display order.
func Keys() []KeyInfo {
	table := keyTable()
	infos := make([]KeyInfo, len(table))
	for i, d := range table {
		infos[i] = d.KeyInfo
	}
	return infos
}

func lookup(key string) (keyDef, error) {
	for _, d := range keyTable() {
		if d.Name == key {
			return d, nil
		}
	}
	return keyDef{}, &UnknownKeyError{Key: key}
}

// lookupWritable is lookup that refuses a read-only key (ErrReadOnly):
// what Set and Unset may change.
func lookupWritable(key string) (keyDef, error) {
	d, err := lookup(key)
	if err == nil && d.ReadOnly {
		err = fmt.Errorf("%w %q", ErrReadOnly, key)
	}
	return d, err
}

// Get returns the effective value of key: its value, else its default
// (possibly ""). A list is joined with ",".
func (l *Local) Get(key string) (string, error) {
	d, err := lookup(key)
	if err != nil {
		return "", err
	}
	if v := d.get(l); v != "" {
		return v, nil
	}
	return d.Default, nil
}

// Set validates value and stores it under key. An empty value is refused
// (use Unset); a read-only key fails with ErrReadOnly; an invalid value
// wraps ErrInvalidValue.
func (l *Local) Set(key, value string) error {
	d, err := lookupWritable(key)
	if err != nil {
		return err
	}
	if value == "" {
		err = invalid("empty (use config unset)")
	} else {
		err = d.check(value)
	}
	if err != nil {
		return fmt.Errorf("config key %q: %w", key, err)
	}
	d.set(l, value)
	return nil
}

// Unset clears key so that its default applies. A read-only key fails with
// ErrReadOnly.
func (l *Local) Unset(key string) error {
	d, err := lookupWritable(key)
	if err != nil {
		return err
	}
	d.set(l, "")
	return nil
}

// List returns every key with its effective value, in [Keys] order.
func (l *Local) List() []KeyValue {
	table := keyTable()
	list := make([]KeyValue, len(table))
	for i, d := range table {
		v := d.get(l)
		list[i] = KeyValue{Key: d.Name, Value: v}
		if v == "" {
			list[i] = KeyValue{Key: d.Name, Value: d.Default, Default: true}
		}
	}
	return list
}

// checkEnvironment applies the rule of environment names (names.Name).
func checkEnvironment(v string) error {
	if err := names.Name(v); err != nil {
		return invalid(err.Error())
	}
	return nil
}

func checkRemote(v string) error {
	if strings.HasPrefix(v, "-") || strings.ContainsFunc(v, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return invalid("must be a git URL, user@host:path or a path, without blanks or a leading '-'")
	}
	return nil
}

func checkRepo(v string) error {
	if !filepath.IsAbs(v) || names.HasControl(v) {
		return invalid("must be an absolute path")
	}
	return nil
}

// ValidBranch reports whether name is a valid store branch name.
func ValidBranch(name string) error { return checkBranch(name) }

// checkBranch applies git check-ref-format --branch.
func checkBranch(v string) error {
	bad := v == "@" || v == "HEAD" || strings.HasPrefix(v, "-") ||
		strings.HasPrefix(v, "/") || strings.HasSuffix(v, "/") || strings.HasSuffix(v, ".") ||
		strings.Contains(v, "..") || strings.Contains(v, "//") || strings.Contains(v, "@{") ||
		strings.ContainsAny(v, " ~^:?*[\\") || names.HasControl(v)
	for _, part := range strings.Split(v, "/") {
		bad = bad || strings.HasPrefix(part, ".") || strings.HasSuffix(part, ".lock")
	}
	if bad {
		return invalid("not a valid git branch name")
	}
	return nil
}

func checkProvider(v string) error {
	switch v {
	case ProviderGit, Provider1Password, ProviderBitwarden:
		return nil
	}
	return invalid("must be one of git, 1password, bitwarden")
}

func checkText(v string) error {
	if names.HasControl(v) {
		return invalid("must not contain control characters")
	}
	return nil
}

func checkServer(v string) error {
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
		return invalid("must be an http(s) URL without credentials")
	}
	return nil
}

func checkMinLength(v string) error {
	if n, err := strconv.Atoi(v); err != nil || n < 4 {
		return invalid("must be an integer of at least 4")
	}
	return nil
}

func checkBool(v string) error {
	if v != "true" && v != "false" {
		return invalid("must be true or false")
	}
	return nil
}

func checkAdmins(v string) error {
	for _, fpr := range strings.Split(v, ",") {
		if !names.IsFingerprint(fpr) {
			return invalid("fingerprints must be 40 or 64 upper-case hex digits")
		}
	}
	return nil
}
