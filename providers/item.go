package providers

import (
	"bytes"
	"cmp"
	"encoding/json"
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

// listed reads the JSON list a CLI printed for words ("item list") and
// returns the items whose title starts with prefix, sorted by title, then
// by id for titles that repeat. item maps an entry to an Item, and says
// whether it is of the kind configsync writes. No output is no items.
func listed[T any](out []byte, cli, words, prefix string, item func(T) (Item, bool)) ([]Item, error) {
	var all []T
	if len(bytes.TrimSpace(out)) > 0 {
		if err := json.Unmarshal(out, &all); err != nil {
			return nil, unexpectedOutput(cli, words)
		}
	}
	var items []Item
	for _, e := range all {
		if it, ok := item(e); ok && strings.HasPrefix(it.Title, prefix) {
			items = append(items, it)
		}
	}
	slices.SortFunc(items, func(a, b Item) int {
		return cmp.Or(strings.Compare(a.Title, b.Title), strings.Compare(a.ID, b.ID))
	})
	return items, nil
}

// unexpectedOutput is the error for output that is not what the CLI
// prints. It does not quote the output, which may hold content.
func unexpectedOutput(cli, words string) *CLIError {
	return &CLIError{CLI: cli, Args: words, Msg: "unexpected output (not the JSON this version of configsync knows)"}
}
