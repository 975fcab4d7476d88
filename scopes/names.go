package scopes

import (
	"fmt"
	"strconv"

	"github.com/configsync/configsync/internal/names"
)

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

// ValidateName checks an environment or project name (names.Name).
func ValidateName(kind, name string) error {
	if err := names.Name(name); err != nil {
		return &NameError{Kind: kind, Name: name, Reason: err.Error()}
	}
	return nil
}

// ValidateItemPath checks an item path (names.ItemPath). A hostile store
// must not make pull write outside the project directory, so this runs
// on every path read from a store.
func ValidateItemPath(p string) error {
	if err := names.ItemPath(p); err != nil {
		return &NameError{Kind: "item path", Name: p, Reason: err.Error()}
	}
	return nil
}

// ValidateProjectDir checks the directory a store's project.toml records
// (names.ProjectDir); the error says what is wrong with dir, quoting it.
func ValidateProjectDir(dir string) error { return names.ProjectDir(dir) }

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
	if names.HasControl(entry) {
		entry = strconv.Quote(entry)
	}
	return "store entry " + entry + ": " + e.Err.Error()
}
func (e *StoreEntryError) Unwrap() error { return e.Err }
