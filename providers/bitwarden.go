package providers

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"
)

// Bitwarden stores items as Bitwarden secure notes through the bw CLI:
// one note per item, named with the item's title, its content in the
// note's text. It is safe for concurrent use, but runs one bw at a time:
// bw keeps its state in a single data.json that concurrent runs can
// corrupt.
type Bitwarden struct {
	server string // the configured server URL as given, "" for the default
	bw     *cli

	mu    sync.Mutex // held for each operation, bw runs included
	ready bool       // bw status was checked and the vault synced
	// keepServer: never run bw config server (see KeepServer).
	keepServer bool
}

// KeepServer stops b from pointing a logged-out bw at its server. Use it
// when the server comes from data rather than from the user's own
// settings (configsync reading a store that names it): the store must not
// decide where the user types their master password.
func (b *Bitwarden) KeepServer() { b.keepServer = true }

// Bitwarden's limits: a note holds at most 10,000 characters once
// encrypted (AES-CBC, base64, plus the IV and MAC), about 7,400 bytes of
// text; 7,000 leaves room.
const (
	bwMaxNote      = 7000
	bwDefaultHost  = "vault.bitwarden.com"
	bwDefaultURL   = "https://" + bwDefaultHost
	bwLoggedOut    = "Bitwarden CLI is logged out: run bw login, then export BW_SESSION=$(bw unlock --raw)"
	bwLocked       = "Bitwarden vault is locked: run export BW_SESSION=$(bw unlock --raw)"
	bwNotInstalled = "Bitwarden CLI (bw) not found in PATH: install it (npm install -g @bitwarden/cli) and log in"
)

// bwItemType is the "type" of a Bitwarden item (login, secure note,
// card, identity...): a number in bw's JSON.
type bwItemType int

// bwSecureNote is the type of a secure note, the only type configsync
// writes or reads.
const bwSecureNote bwItemType = 2

// bwDroppedEnv are variables of the caller's environment that would
// change what bw prints or how it exits (BW_CLEANEXIT makes a failure
// exit 0, BW_QUIET prints nothing, BW_RESPONSE wraps the JSON): they are
// not passed on.
var bwDroppedEnv = []string{"BW_CLEANEXIT", "BW_QUIET", "BW_RESPONSE", "BW_RAW"}

// NewBitwarden returns the Bitwarden vault on server (an http(s) URL of
// a self-hosted server, or "" for the default cloud server), reached by
// the bw found in the PATH of env; env is the whole environment of bw
// (BW_SESSION, HOME or BITWARDENCLI_APPDATA_DIR...), to which it adds
// BW_NOINTERACTION=true and from which it drops the variables that change
// bw's output (BW_RAW, BW_QUIET, BW_RESPONSE, BW_CLEANEXIT). It returns an error
// wrapping ErrNotConfigured for a server that is not an http(s) URL, and
// ErrNotInstalled when bw is not in PATH. It runs nothing: the first
// operation checks `bw status` and syncs.
func NewBitwarden(server string, env []string) (*Bitwarden, error) {
	if server != "" {
		u, err := url.Parse(server)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, hint(ErrNotConfigured, fmt.Sprintf(
				"secrets.bitwarden.server %q is not an http(s) URL: run configsync config set secrets.bitwarden.server URL", server))
		}
	}
	bw, ok := newCLI("bw", bwEnv(env))
	if !ok {
		return nil, hint(ErrNotInstalled, bwNotInstalled)
	}
	return &Bitwarden{server: server, bw: bw}, nil
}

// bwEnv is the environment bw runs in: env without bwDroppedEnv, with
// BW_NOINTERACTION=true, so that a locked vault fails ("Vault is
// locked.") instead of prompting for the master password on the
// standard input that carries content.
func bwEnv(env []string) []string {
	out := make([]string, 0, len(env)+1)
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		if !slices.Contains(bwDroppedEnv, k) && k != "BW_NOINTERACTION" {
			out = append(out, kv)
		}
	}
	return append(out, "BW_NOINTERACTION=true")
}

// Name names the vault in messages, as DESIGN.md §8 does: the
// organisation, or "personal". Notes are created without an organisation,
// so it is always `Bitwarden vault "personal"`; the server is named by
// the errors that need it.
func (b *Bitwarden) Name() string { return `Bitwarden vault "personal"` }

// bwItem is what this package reads of an item in bw's JSON.
type bwItem struct {
	ID       string     `json:"id"`
	Name     string     `json:"name"`
	Type     bwItemType `json:"type"`
	Notes    *string    `json:"notes"`
	Revision string     `json:"revisionDate"`
}

// List returns configsync's secure notes whose name starts with prefix,
// sorted by name (then id: Bitwarden allows two notes with one name).
func (b *Bitwarden) List(ctx context.Context, prefix string) ([]Item, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.prepare(ctx); err != nil {
		return nil, err
	}
	out, err := b.run(ctx, "list items", nil, nil, "list", "items", "--search", "configsync/")
	if err != nil {
		return nil, err
	}
	return listed(out, "bw", "list items", prefix, func(it bwItem) (Item, bool) {
		return Item{ID: it.ID, Title: it.Name, Version: it.Revision}, it.Type == bwSecureNote
	})
}

// Read returns the text of note it.ID (empty for a note without text).
func (b *Bitwarden) Read(ctx context.Context, it Item) ([]byte, error) {
	if err := checkID(it); err != nil {
		return nil, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.prepare(ctx); err != nil {
		return nil, err
	}
	out, err := b.run(ctx, "get item", nil, nil, "get", "item", it.ID)
	if err != nil {
		return nil, err
	}
	var item bwItem
	if err := json.Unmarshal(out, &item); err != nil {
		return nil, unexpectedOutput("bw", "get item")
	}
	if item.Type != bwSecureNote {
		return nil, notANote(it)
	}
	if item.Notes == nil {
		return []byte{}, nil
	}
	return []byte(*item.Notes), nil
}

// bwNewNote is the item `bw create item` receives for a new note: every
// field of bw's item template, so that no version of bw has to guess.
type bwNewNote struct {
	Type           bwItemType `json:"type"`
	Name           string     `json:"name"`
	Notes          string     `json:"notes"`
	SecureNote     bwNoteSub  `json:"secureNote"`
	OrganizationID *string    `json:"organizationId"`
	CollectionIDs  []string   `json:"collectionIds"`
	FolderID       *string    `json:"folderId"`
	Favorite       bool       `json:"favorite"`
	Fields         []any      `json:"fields"`
	Reprompt       int        `json:"reprompt"`
	Login          any        `json:"login"`
	Card           any        `json:"card"`
	Identity       any        `json:"identity"`
}

type bwNoteSub struct {
	Type int `json:"type"` // 0: generic, the only kind there is
}

// Write creates a note named it.Title when it.ID is "", else replaces
// the text of note it.ID and keeps its other fields as bw returned them.
// The item goes to bw base64-encoded (as `bw encode` does) on its
// standard input. Content over 7,000 bytes is refused with ErrTooLarge,
// content that is not UTF-8 with ErrNotText.
func (b *Bitwarden) Write(ctx context.Context, it Item, data []byte) error {
	if err := checkNote(it, data); err != nil {
		return err
	}
	if it.ID != "" {
		if err := checkID(it); err != nil {
			return err
		}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.prepare(ctx); err != nil {
		return err
	}
	if it.ID == "" {
		return b.create(ctx, it, data)
	}
	return b.edit(ctx, it, data)
}

func (b *Bitwarden) create(ctx context.Context, it Item, data []byte) error {
	body, err := bwCreateRequest(it.Title, data)
	if err != nil {
		return err
	}
	return b.send(ctx, "create item", body, data, "create", "item")
}

// bwCreateRequest is the JSON of `bw create item` for a new note (the
// real CLI's test checks it against bw's own item template).
func bwCreateRequest(title string, data []byte) ([]byte, error) {
	return json.Marshal(bwNewNote{Type: bwSecureNote, Name: title, Notes: string(data), Fields: []any{}})
}

func (b *Bitwarden) edit(ctx context.Context, it Item, data []byte) error {
	out, err := b.run(ctx, "get item", nil, nil, "get", "item", it.ID)
	if err != nil {
		return err
	}
	// Keep every field, known or not, as bw printed it.
	var item map[string]json.RawMessage
	var head bwItem
	if json.Unmarshal(out, &item) != nil || json.Unmarshal(out, &head) != nil {
		return unexpectedOutput("bw", "get item")
	}
	if head.Type != bwSecureNote {
		return notANote(it)
	}
	notes, err := json.Marshal(string(data))
	if err != nil {
		return err
	}
	item["notes"] = notes
	body, err := json.Marshal(item)
	if err != nil {
		return err
	}
	return b.send(ctx, "edit item", body, data, "edit", "item", it.ID)
}

// send runs bw with body, base64-encoded, on its standard input.
func (b *Bitwarden) send(ctx context.Context, words string, body, content []byte, args ...string) error {
	enc := make([]byte, base64.StdEncoding.EncodedLen(len(body)))
	base64.StdEncoding.Encode(enc, body)
	// Wipe the copies of content made here once bw has read them (the
	// strings made on the way cannot be).
	defer clear(enc)
	defer clear(body)
	_, err := b.run(ctx, words, bytes.NewReader(enc), content, args...)
	return err
}

// Delete moves note it.ID to Bitwarden's trash (bw's default; the trash
// empties itself after 30 days).
func (b *Bitwarden) Delete(ctx context.Context, it Item) error {
	if err := checkID(it); err != nil {
		return err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.prepare(ctx); err != nil {
		return err
	}
	_, err := b.run(ctx, "delete item", nil, nil, "delete", "item", it.ID)
	return err
}

// checkNote refuses content a secure note cannot hold. The messages name
// the item and its environment, never the content.
func checkNote(it Item, data []byte) error {
	if len(data) > bwMaxNote {
		return hint(ErrTooLarge, fmt.Sprintf(
			"%s is %d bytes: a Bitwarden secure note holds at most %d (10,000 encrypted characters): use the git provider for %s",
			it.Title, len(data), bwMaxNote, envOf(it.Title)))
	}
	if !utf8.Valid(data) {
		return hint(ErrNotText, fmt.Sprintf(
			"%s is not UTF-8 text, and a Bitwarden secure note holds text only: use the git provider for %s",
			it.Title, envOf(it.Title)))
	}
	return nil
}

// envOf names the environment of a title "configsync/<env>/...".
func envOf(title string) string {
	parts := strings.SplitN(title, "/", 3)
	if len(parts) < 3 || parts[0] != "configsync" || parts[1] == "" {
		return "its environment"
	}
	return fmt.Sprintf("environment %q (configsync config set secrets.provider git)", parts[1])
}

func notANote(it Item) error {
	return &CLIError{CLI: "bw", Args: "get item", Msg: fmt.Sprintf("%s (%s) is not a secure note", it.Title, it.ID)}
}

// bwStatus is what this package reads of `bw status`.
type bwStatus struct {
	ServerURL *string `json:"serverUrl"`
	Status    string  `json:"status"` // unauthenticated, locked or unlocked
}

// prepare checks, once per Bitwarden value, that bw is logged in to the
// configured server and unlocked, then runs `bw sync` so that changes
// made on other machines are seen. Failures are not remembered: the next
// operation checks again (the user may have unlocked meanwhile). b.mu is
// held.
func (b *Bitwarden) prepare(ctx context.Context) error {
	if b.ready {
		return nil
	}
	out, err := b.run(ctx, "status", nil, nil, "status")
	if err != nil {
		return err
	}
	var st bwStatus
	if err := json.Unmarshal(out, &st); err != nil {
		return unexpectedOutput("bw", "status")
	}
	if err := b.checkServer(ctx, st); err != nil {
		return err
	}
	switch st.Status {
	case "unlocked":
	case "locked":
		return hint(ErrSignedOut, bwLocked)
	case "unauthenticated":
		return hint(ErrSignedOut, bwLoggedOut)
	default:
		return &CLIError{CLI: "bw", Args: "status", Msg: fmt.Sprintf("unknown status %q", st.Status)}
	}
	if _, err := b.run(ctx, "sync", nil, nil, "sync"); err != nil {
		return err
	}
	b.ready = true
	return nil
}

// checkServer compares the configured server with bw's. Logged out, bw
// is pointed at the configured server (`bw config server`), ready for
// bw login; logged in elsewhere, the user must log out first.
func (b *Bitwarden) checkServer(ctx context.Context, st bwStatus) error {
	if b.server == "" {
		return nil
	}
	have := bwDefaultURL
	if st.ServerURL != nil && *st.ServerURL != "" {
		have = *st.ServerURL
	}
	if sameServer(have, b.server) {
		return nil
	}
	if st.Status == "unauthenticated" && b.keepServer {
		return hint(ErrSignedOut, fmt.Sprintf("Bitwarden CLI is logged out: these items are on %s; if that is your team's server, run bw config server %s, bw login, then export BW_SESSION=$(bw unlock --raw)", b.server, b.server))
	}
	if st.Status == "unauthenticated" {
		if _, err := b.run(ctx, "config server", nil, nil, "config", "server", b.server); err != nil {
			return err
		}
		return hint(ErrSignedOut, bwLoggedOut)
	}
	return hint(ErrSignedOut, fmt.Sprintf("bw is logged in to %s, not %s: run bw logout, then try again", have, b.server))
}

// sameServer compares server URLs: scheme and host case-insensitively, a
// trailing slash ignored, and bw's names for the default cloud server
// ("https://bitwarden.com", which `bw config server` takes, and
// "https://vault.bitwarden.com", which `bw status` prints) equal.
func sameServer(a, b string) bool { return normServer(a) == normServer(b) }

func normServer(s string) string {
	s = strings.TrimRight(strings.TrimSpace(s), "/")
	u, err := url.Parse(s)
	if err != nil {
		return s
	}
	u.Scheme = strings.ToLower(u.Scheme)
	u.Host = strings.ToLower(u.Host)
	if n := u.String(); n != "https://bitwarden.com" {
		return n
	}
	return bwDefaultURL
}

// run runs bw, and turns a failure into an error: ErrSignedOut for bw's
// "You are not logged in." and "Vault is locked.", else a CLIError.
// stdin is nil or reads content.
func (b *Bitwarden) run(ctx context.Context, words string, stdin io.Reader, content []byte, args ...string) ([]byte, error) {
	out, stderr, err := b.bw.run(ctx, stdin, args...)
	if err == nil {
		return out, nil
	}
	if ctx.Err() != nil {
		return nil, fmt.Errorf("bw %s: %w", words, ctx.Err())
	}
	switch msg := firstLine(stderr); {
	case strings.Contains(msg, "You are not logged in."):
		b.ready = false
		return nil, hint(ErrSignedOut, bwLoggedOut)
	case strings.Contains(msg, "Vault is locked."):
		b.ready = false
		return nil, hint(ErrSignedOut, bwLocked)
	}
	return nil, b.bw.failure(words, stderr, err, content)
}
