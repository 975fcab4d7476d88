package providers

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path"
	"regexp"
	"slices"
	"strings"
	"sync"
)

// OnePassword stores items as 1Password documents through the op CLI
// (version 2): one document per item in one vault, titled with the
// item's title and tagged "configsync". It is safe for concurrent use.
type OnePassword struct {
	vault string
	op    *cli
}

// opTag marks configsync's documents, so List asks op for them only.
const opTag = "configsync"

// Messages of the errors that say what to do.
const (
	opNotConfigured = "secrets.1password.vault is not set: run configsync config set secrets.1password.vault NAME"
	opNotInstalled  = "1Password CLI (op) not found in PATH: install it (https://developer.1password.com/docs/cli) and sign in"
	opSignedOut     = "1Password CLI is not signed in: run eval $(op signin), or set OP_SERVICE_ACCOUNT_TOKEN in CI"
)

// NewOnePassword returns the 1Password vault named vault (a name or an
// id), reached by the op found in the PATH of env; env is the whole
// environment of op (OP_SESSION_*, OP_SERVICE_ACCOUNT_TOKEN, HOME...).
// It returns an error wrapping ErrNotConfigured when vault is "", and
// ErrNotInstalled when op is not in PATH. It runs nothing: whether op is
// signed in shows at the first call.
func NewOnePassword(vault string, env []string) (*OnePassword, error) {
	if vault == "" {
		return nil, hint(ErrNotConfigured, opNotConfigured)
	}
	op, ok := newCLI("op", env)
	if !ok {
		return nil, hint(ErrNotInstalled, opNotInstalled)
	}
	return &OnePassword{vault: vault, op: op}, nil
}

// Name names the vault in messages: `1Password vault "Engineering"`.
func (p *OnePassword) Name() string { return fmt.Sprintf("1Password vault %q", p.vault) }

// opCategory is the category of a 1Password item (LOGIN, PASSWORD,
// DOCUMENT...), as `op item list --format json` prints it.
type opCategory string

// opDocument is the category of a document, the only one configsync
// writes or reads.
const opDocument opCategory = "DOCUMENT"

// opItem is what this package reads of an item in `op item list --format
// json`.
type opItem struct {
	ID       string      `json:"id"`
	Title    string      `json:"title"`
	Category opCategory  `json:"category"`
	Version  json.Number `json:"version"`
}

// List returns configsync's documents whose title starts with prefix,
// sorted by title (then id: 1Password allows two documents with the same
// title).
func (p *OnePassword) List(ctx context.Context, prefix string) ([]Item, error) {
	out, err := p.do(ctx, "item list", nil, nil,
		"item", "list", "--vault", p.vault, "--tags", opTag, "--format", "json")
	if err != nil {
		return nil, err
	}
	return listed(out, "op", "item list", prefix, func(it opItem) (Item, bool) {
		return Item{ID: it.ID, Title: it.Title, Version: it.Version.String()}, it.Category == opDocument
	})
}

// Read returns the content of document it.ID, byte for byte.
func (p *OnePassword) Read(ctx context.Context, it Item) ([]byte, error) {
	if err := checkID(it); err != nil {
		return nil, err
	}
	return p.do(ctx, "document get", nil, nil, "document", "get", it.ID, "--vault", p.vault)
}

// Write creates a document titled it.Title when it.ID is "", else
// replaces the content of document it.ID. The content goes to op on its
// standard input ("-" names stdin as the file); the document's file name
// is the last element of the title.
func (p *OnePassword) Write(ctx context.Context, it Item, data []byte) error {
	if it.ID == "" {
		if it.Title == "" {
			return fmt.Errorf("op document create: %w", errNoTitle)
		}
		_, err := p.do(ctx, "document create", bytes.NewReader(data), data,
			"document", "create", "-", "--vault", p.vault, "--title", it.Title,
			"--tags", opTag, "--file-name", path.Base(it.Title))
		return err
	}
	if err := checkID(it); err != nil {
		return err
	}
	args := []string{"document", "edit", it.ID, "-", "--vault", p.vault}
	if it.Title != "" {
		// op keeps the file name without it, but an edit from stdin
		// should not depend on that.
		args = append(args, "--file-name", path.Base(it.Title))
	}
	_, err := p.do(ctx, "document edit", bytes.NewReader(data), data, args...)
	return err
}

// Delete deletes document it.ID for good, as `op document delete` does
// without --archive.
func (p *OnePassword) Delete(ctx context.Context, it Item) error {
	if err := checkID(it); err != nil {
		return err
	}
	_, err := p.do(ctx, "document delete", nil, nil, "document", "delete", it.ID, "--vault", p.vault)
	return err
}

// do runs op and turns a failure into an error: ErrSignedOut, else a
// CLIError. stdin is nil or reads content.
func (p *OnePassword) do(ctx context.Context, words string, stdin io.Reader, content []byte, args ...string) ([]byte, error) {
	out, stderr, err := p.op.run(ctx, stdin, args...)
	switch {
	case err == nil:
		return out, nil
	case ctx.Err() != nil:
		return nil, fmt.Errorf("op %s: %w", words, ctx.Err())
	case opIsSignedOut(stderr):
		return nil, hint(ErrSignedOut, opSignedOut)
	}
	return nil, p.op.failure(words, stderr, err, content)
}

// opQuoted matches the names op quotes in its messages (vaults, items),
// which must not be mistaken for the words below.
var opQuoted = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`"[^"\n]*"`) })

// opIsSignedOut reports whether op failed for want of a session. op's
// messages for it include:
//
//	[ERROR] 2023/03/14 10:00:00 You are not currently signed in. Please run `op signin --help` for instructions
//	[ERROR] account is not signed in
//	[ERROR] 2023/03/14 10:00:00 session expired, sign in to create a new session
//	[ERROR] 2023/03/14 10:00:00 No accounts configured for use with 1Password CLI.
//
// so this matches "not currently signed in", "not signed in", "no
// accounts configured", "signin" and "sign in", case-insensitively.
func opIsSignedOut(stderr []byte) bool {
	s := strings.ToLower(opQuoted().ReplaceAllString(string(stderr), `""`))
	return slices.ContainsFunc([]string{
		"not currently signed in", "not signed in", "no accounts configured", "signin", "sign in",
	}, func(w string) bool { return strings.Contains(s, w) })
}
