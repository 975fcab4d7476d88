package scopes

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"

	"github.com/configsync/configsync/config"
	"github.com/configsync/configsync/keyring"
	"github.com/configsync/configsync/providers"
)

// Backend is a vault outside git that holds item contents (DESIGN.md §8):
// a 1Password vault or a Bitwarden vault. Items are named by title.
type Backend interface {
	// Name names the vault in messages: `1Password vault "Engineering"`.
	Name() string
	// List returns the items whose title starts with prefix.
	List(ctx context.Context, prefix string) ([]providers.Item, error)
	// Read returns an item's content.
	Read(ctx context.Context, it providers.Item) ([]byte, error)
	// Write creates the item (it.ID == "") or replaces its content.
	Write(ctx context.Context, it providers.Item, data []byte) error
	// Delete deletes the item.
	Delete(ctx context.Context, it providers.Item) error
}

var (
	_ Backend = (*providers.OnePassword)(nil)
	_ Backend = (*providers.Bitwarden)(nil)
)

// OpenBackend opens the vault of a provider: kind is config.Provider1Password
// or config.ProviderBitwarden; location is the 1Password vault name, or the
// Bitwarden server URL ("" for the default server).
type OpenBackend func(kind, location string) (Backend, error)

// A provider item keeps its content in the provider; the store keeps, in
// the item's place, a pointer to it: encrypted to the environment key and
// signed by the pusher like any item. The pointer carries a SHA-256 of the
// content, so a document edited outside configsync, or swapped by someone
// who can write the vault but is not a member of the tier, is refused on
// read; and the key names, so that the exposure report of a member removal
// needs no access to the provider.
//
// pointerMagic starts every pointer. It begins with a NUL byte, which no
// dotenv file holds, so a tracked file cannot be mistaken for a pointer.
const pointerMagic = "\x00configsync provider item 1\n"

// pointer is the body of a provider item in the store.
type pointer struct {
	Provider string   `toml:"provider"`
	Location string   `toml:"location,omitempty"`
	Title    string   `toml:"title"`
	Version  string   `toml:"version,omitempty"` // the document's, as written by the push
	SHA256   string   `toml:"sha256"`
	Keys     []string `toml:"keys,omitempty"`
}

func isPointer(data []byte) bool { return bytes.HasPrefix(data, []byte(pointerMagic)) }

func (p *pointer) encode() ([]byte, error) {
	body, err := config.Marshal(p)
	if err != nil {
		return nil, err
	}
	return append([]byte(pointerMagic), body...), nil
}

func decodePointer(data []byte) (*pointer, error) {
	var p pointer
	if err := config.Unmarshal("provider item", data[len(pointerMagic):], &p); err != nil {
		return nil, err
	}
	if p.Title == "" || p.SHA256 == "" || (p.Provider != config.Provider1Password && p.Provider != config.ProviderBitwarden) {
		return nil, errors.New("provider item: incomplete pointer")
	}
	return &p, nil
}

func sha256Hex(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// providerTitle names an item in a provider: configsync/<env>/<project>/<path>.
func providerTitle(env, project, path string) string {
	return "configsync/" + env + "/" + project + "/" + path
}

// envTitlePrefix is the title prefix of an environment's items.
func envTitlePrefix(env string) string { return "configsync/" + env + "/" }

// ProviderItemError is a provider item that could not be used: missing
// from the vault, or not what the store says was pushed.
type ProviderItemError struct {
	Title string
	Vault string // the backend's Name()
	Err   error
}

// Error implements error.
func (e *ProviderItemError) Error() string {
	return fmt.Sprintf("%s in %s: %v", e.Title, e.Vault, e.Err)
}

// Unwrap returns the cause.
func (e *ProviderItemError) Unwrap() error { return e.Err }

// Why a provider item was refused.
var (
	ErrProviderItemMissing = errors.New("missing from the vault: push it again from a machine that has it")
	ErrProviderItemChanged = errors.New("does not match what was pushed (edited outside configsync?): push the right version from a machine that has it")
)

// ProviderName names the vault that pushes send item contents to (`1Password
// vault "Engineering"`), "" when they stay in the store.
func (v *Session) ProviderName() (string, error) {
	b, _, _, err := v.pushBackend()
	if b == nil || err != nil {
		return "", err
	}
	return b.Name(), nil
}

// pushBackend is the provider new pushes go to; nil for git.
func (ma *machine) pushBackend() (Backend, string, string, error) {
	kind := ma.cfg.Secrets.Provider
	var location string
	switch kind {
	case "", config.ProviderGit:
		return nil, "", "", nil
	case config.Provider1Password:
		location = ma.cfg.Secrets.OnePassword.Vault
	case config.ProviderBitwarden:
		location = ma.cfg.Secrets.Bitwarden.Server
	}
	b, err := ma.providers.backend(kind, location)
	return b, kind, location, err
}

// usesProvider reports whether push sends contents to a provider rather
// than into the store itself.
func (ma *machine) usesProvider() bool {
	kind := ma.cfg.Secrets.Provider
	return kind != "" && kind != config.ProviderGit
}

// docState is what the sync state keeps of a provider item: where its
// document is and the version this machine last wrote or read.
type docState struct {
	Provider string `json:"provider"`
	Location string `json:"location,omitempty"`
	Title    string `json:"title"`
	Version  string `json:"version"`
}

func (p *pointer) state() *docState {
	if p == nil {
		return nil
	}
	return &docState{Provider: p.Provider, Location: p.Location, Title: p.Title, Version: p.Version}
}

// deleteFromProvider removes the documents of items a push deleted from
// the store, for those whose content lived in a provider.
func (ea *envAccess) deleteFromProvider(ctx context.Context, unwrap func() (*keyring.PrivateKey, error), deleted []storedItem) error {
	env := ea.env
	for _, d := range deleted {
		if _, err := unwrap(); err != nil {
			return err
		}
		ct, err := ea.store.ReadBlob(ctx, d.Blob)
		if err != nil {
			return err
		}
		data, err := ea.openItem(d, ct)
		if err != nil || !isPointer(data) {
			continue // the store's own item, gone with the commit
		}
		p, err := decodePointer(data)
		if err != nil {
			continue
		}
		if err := ea.providers.deleteDocument(ctx, env.Name, p); err != nil {
			return fmt.Errorf("%s was deleted from the store, not from the vault: %w: delete it there by hand", p.Title, err)
		}
	}
	return nil
}

// verifyDocuments checks the provider documents of env's items at the tip
// against the digests their signed pointers carry: a document edited or
// removed in the vault is a problem; a vault that cannot be read (signed
// out) is a warning, its documents unchecked.
func (ea *envAccess) verifyDocuments(ctx context.Context, rep *VerifyReport) error {
	snap, env := ea.snap, ea.env
	stored, err := snap.storedItems(env.Name, "", "")
	if err != nil || len(stored) == 0 {
		return nil // the walk reported a bad store entry
	}
	// Not strict: the walk already judged the key; this only reads.
	if _, err := ea.unwrapLoose(); err != nil {
		return nil
	}
	unreadable := map[string]bool{}
	for _, s := range stored {
		ct, err := ea.store.ReadBlob(ctx, s.Blob)
		if err != nil {
			return err
		}
		data, err := ea.openItem(s, ct)
		if err != nil || !isPointer(data) {
			continue // the walk reported it, or it lives in the store
		}
		path := itemStorePath(env.Name, s.Project, s.Path)
		p, err := decodePointer(data)
		if err != nil {
			rep.Problems = append(rep.Problems, Problem{Commit: snap.tip.String(), Path: path, Reason: err.Error()})
			continue
		}
		vault := ea.providers.providerVault(p.state())
		if unreadable[vault] {
			continue
		}
		content, err := ea.providers.resolve(ctx, env.Name, s, data)
		clear(content)
		var pe *ProviderItemError
		switch {
		case errors.As(err, &pe):
			rep.Problems = append(rep.Problems, Problem{Commit: snap.tip.String(), Path: path, Reason: err.Error()})
		case err != nil:
			unreadable[vault] = true
			rep.Warnings = append(rep.Warnings, fmt.Sprintf("documents of %q not checked: %v", env.Name, err))
		default:
			if rep.Documents == nil {
				rep.Documents = map[string]int{}
			}
			rep.Documents[vault]++
		}
	}
	return nil
}

// pointerKeys are the key names a pointer records, for the exposure
// report.
func pointerKeys(data []byte) []string {
	p, err := decodePointer(data)
	if err != nil {
		return nil
	}
	return slices.Clone(p.Keys)
}

// keysOf names the keys of an env item's content.
func keysOf(data []byte) []string {
	if isPointer(data) {
		return pointerKeys(data)
	}
	return keyNames(changedKeys(TypeEnv, nil, data))
}
