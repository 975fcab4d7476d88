package providers

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Item is one configsync item in a provider's vault.
type Item struct {
	ID    string // the provider's id; "" for an item not created yet
	Title string // "configsync/<env>/<project>/<path>"
	// Version changes whenever the item's content is written, by
	// configsync or anyone else (1Password: the item version; Bitwarden:
	// the revision date); set by List.
	Version string
}

var (
	errNoID    = errors.New("the item has no id (list the vault first)")
	errNoTitle = errors.New("the item has no title")
)

// checkID refuses an item without an id, or with one a CLI would take
// for a flag.
func checkID(it Item) error {
	switch {
	case it.ID == "":
		return fmt.Errorf("%s: %w", it.Title, errNoID)
	case strings.HasPrefix(it.ID, "-"):
		return fmt.Errorf("%s: invalid item id %q", it.Title, it.ID)
	}
	return nil
}

// sortItems sorts by title, then by id for titles that repeat.
func sortItems(items []Item) {
	slices.SortFunc(items, func(a, b Item) int {
		return cmp.Or(strings.Compare(a.Title, b.Title), strings.Compare(a.ID, b.ID))
	})
}

// unexpectedOutput is the error for output that is not what the CLI
// prints. It does not quote the output, which may hold content.
func unexpectedOutput(cli, words string) *CLIError {
	return &CLIError{CLI: cli, Args: words, Msg: "unexpected output (not the JSON this version of configsync knows)"}
}
