package fakecli

import (
	"cmp"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

const (
	bwVersion       = "2025.2.0"
	bwStateFile     = "bw.json"
	bwDefaultServer = "https://vault.bitwarden.com"
	// bwMaxEncrypted is the server's limit on an encrypted field (notes).
	bwMaxEncrypted = 10000
)

type bwState struct {
	Server   string           `json:"server,omitempty"`  // "" is the default cloud server
	Account  *bwAccount       `json:"account,omitempty"` // made by the first login
	LoggedIn bool             `json:"logged_in"`
	Session  string           `json:"session,omitempty"` // "" when locked
	LastSync string           `json:"last_sync,omitempty"`
	Items    []map[string]any `json:"items"`
}

type bwAccount struct {
	Email    string `json:"email"`
	Password string `json:"password"`
	UserID   string `json:"user_id"`
}

// bwCmd is one bw command.
type bwCmd struct {
	flags   map[string]bool // its own flags (true: with a value)
	aliases map[string]string
	args    []string // its argument names; a "?" suffix marks optional ones
	run     func(*bwRun) error
}

var bwGlobal = map[string]bool{"session": true, "nointeraction": false, "raw": false, "pretty": false}

var bwCommands = map[string]bwCmd{
	"login":  {flags: map[string]bool{"passwordenv": true}, args: []string{"email?", "password?"}, run: (*bwRun).login},
	"logout": {run: (*bwRun).logout},
	"lock":   {run: (*bwRun).lock},
	"unlock": {flags: map[string]bool{"passwordenv": true}, args: []string{"password?"}, run: (*bwRun).unlock},
	"status": {run: (*bwRun).status},
	"config": {args: []string{"setting", "value?"}, run: (*bwRun).config},
	"sync":   {flags: map[string]bool{"force": false, "last": false}, aliases: map[string]string{"-f": "force"}, run: (*bwRun).sync},
	"list":   {flags: map[string]bool{"search": true, "trash": false}, args: []string{"object"}, run: (*bwRun).list},
	"get":    {args: []string{"object", "id"}, run: (*bwRun).get},
	"create": {args: []string{"object", "encodedJson?"}, run: (*bwRun).create},
	"edit":   {args: []string{"object", "id", "encodedJson?"}, run: (*bwRun).edit},
	"delete": {flags: map[string]bool{"permanent": false}, aliases: map[string]string{"-p": "permanent"}, args: []string{"object", "id"}, run: (*bwRun).delete},
	"encode": {run: (*bwRun).encode},
}

// bwRun is one run of a bw command.
type bwRun struct {
	*proc
	name    string
	f       flags
	st      bwState
	changed bool
	now     time.Time
}

func runBW(p *proc) int {
	if len(p.args) == 1 && (p.args[0] == "--version" || p.args[0] == "-v") {
		io.WriteString(p.stdout, bwVersion)
		return 0
	}
	r := &bwRun{proc: p, now: time.Now().UTC()}
	if err := r.main(); err != nil {
		io.WriteString(p.stderr, err.Error())
		return 1
	}
	return 0
}

func (r *bwRun) main() error {
	name, rest := bwFind(r.args)
	cmd, ok := bwCommands[name]
	if !ok {
		return fmt.Errorf("Invalid command: %s\nSee --help for a list of available commands.", strings.Join(r.args, " "))
	}
	r.name = name
	spec := flagSpec{takes: map[string]bool{}, aliases: cmd.aliases}
	for k, v := range bwGlobal {
		spec.takes[k] = v
	}
	for k, v := range cmd.flags {
		spec.takes[k] = v
	}
	var err error
	if r.f, err = spec.parse(rest); err != nil {
		var fe *errFlag
		if errors.As(err, &fe) && fe.unknown != "" {
			return fmt.Errorf("error: unknown option '%s'", fe.unknown)
		}
		if fe != nil {
			return fmt.Errorf("error: option '--%s <%s>' argument missing", fe.missing, fe.missing)
		}
		return err
	}
	if err := checkArgs(name, cmd.args, len(r.f.pos)); err != nil {
		return err
	}
	return transact(filepath.Join(r.dir, bwStateFile), &r.st, func() error { return cmd.run(r) }, &r.changed)
}

// bwFind finds the command: the first argument that is neither a global
// option nor its value.
func bwFind(args []string) (string, []string) {
	for i := 0; i < len(args); i++ {
		a := strings.TrimLeft(args[i], "-")
		if !strings.HasPrefix(args[i], "-") {
			return args[i], slices.Concat(args[:i], args[i+1:])
		}
		if bwGlobal[a] {
			i++ // its value
		}
	}
	return "", nil
}

// checkArgs checks the number of arguments as commander does.
func checkArgs(cmd string, names []string, n int) error {
	required := 0
	for _, a := range names {
		if !strings.HasSuffix(a, "?") {
			required++
		}
	}
	switch {
	case n < required:
		return fmt.Errorf("error: missing required argument '%s'", names[n])
	case n > len(names):
		return fmt.Errorf("error: too many arguments for '%s'. Expected %d arguments but got %d.", cmd, len(names), n)
	}
	return nil
}

func (r *bwRun) arg(i int) string {
	if i < len(r.f.pos) {
		return r.f.pos[i]
	}
	return ""
}

func (r *bwRun) session() string {
	if r.f.has("session") {
		return r.f.vals["session"]
	}
	return r.getenv("BW_SESSION")
}

func (r *bwRun) interactive() bool {
	return !r.f.has("nointeraction") && r.getenv("BW_NOINTERACTION") != "true"
}

func (r *bwRun) unlocked() bool {
	return r.st.LoggedIn && r.st.Session != "" && r.session() == r.st.Session
}

// The checks bw makes before its commands.
func (r *bwRun) needLogin() error {
	if !r.st.LoggedIn {
		return errors.New("You are not logged in.")
	}
	return nil
}

func (r *bwRun) needUnlocked() error {
	if err := r.needLogin(); err != nil {
		return err
	}
	if r.unlocked() {
		return nil
	}
	if r.interactive() {
		return errors.New("fakecli: bw would prompt for the master password here: set BW_NOINTERACTION=true or pass --nointeraction")
	}
	return errors.New("Vault is locked.")
}

// out writes bw's output: no final newline, as bw writing to a pipe.
func (r *bwRun) out(s string) error {
	_, err := io.WriteString(r.stdout, s)
	return err
}

func (r *bwRun) outJSON(v any) error {
	var data []byte
	var err error
	if r.f.has("pretty") {
		data, err = json.MarshalIndent(v, "", "  ")
	} else {
		data, err = json.Marshal(v)
	}
	if err != nil {
		return err
	}
	return r.out(string(data))
}

func (r *bwRun) newSession() string {
	b := make([]byte, 64)
	rand.Read(b)
	r.st.Session = base64.StdEncoding.EncodeToString(b)
	r.changed = true
	return r.st.Session
}

// unlockedMessage is what login and unlock print without --raw.
func (r *bwRun) unlockedMessage(title, key string) error {
	if r.f.has("raw") {
		return r.out(key)
	}
	return r.out(title + "\n\nTo unlock your vault, set your session key to the `BW_SESSION` environment variable. ex:\n" +
		"$ export BW_SESSION=\"" + key + "\"\n> $env:BW_SESSION=\"" + key + "\"\n\n" +
		"You can also pass the session key to any command with the `--session` option. ex:\n$ bw list items --session " + key)
}

// password is the password argument, or the variable --passwordenv names.
func (r *bwRun) password(arg int) string {
	if pw := r.arg(arg); pw != "" {
		return pw
	}
	if env := r.f.vals["passwordenv"]; env != "" {
		return r.getenv(env)
	}
	return ""
}

func (r *bwRun) login() error {
	if r.st.LoggedIn {
		return fmt.Errorf("You are already logged in as %s.", r.st.Account.Email)
	}
	email, pw := r.arg(0), r.password(1)
	if (email == "" || pw == "") && r.interactive() {
		return errors.New("fakecli: bw login would prompt here: pass EMAIL and PASSWORD")
	}
	switch {
	case email == "":
		return errors.New("Email address is required.")
	case pw == "":
		return errors.New("Master password is required.")
	case r.st.Account == nil || r.st.Account.Email != email:
		r.st.Account = &bwAccount{Email: email, Password: pw, UserID: newUUID()}
	case r.st.Account.Password != pw:
		return errors.New("Username or password is incorrect. Try again.")
	}
	r.st.LoggedIn = true
	return r.unlockedMessage("You are logged in!", r.newSession())
}

func (r *bwRun) unlock() error {
	if err := r.needLogin(); err != nil {
		return err
	}
	pw := r.password(0)
	if pw == "" && r.interactive() {
		return errors.New("fakecli: bw unlock would prompt here: pass PASSWORD")
	}
	switch {
	case pw == "":
		return errors.New("Master password is required.")
	case pw != r.st.Account.Password:
		return errors.New("Invalid master password.")
	}
	return r.unlockedMessage("Your vault is now unlocked!", r.newSession())
}

func (r *bwRun) lock() error {
	if err := r.needLogin(); err != nil {
		return err
	}
	r.st.Session, r.changed = "", true
	return r.out("Your vault is locked.")
}

func (r *bwRun) logout() error {
	if err := r.needLogin(); err != nil {
		return err
	}
	r.st.LoggedIn, r.st.Session, r.st.LastSync, r.changed = false, "", "", true
	return r.out("You have logged out.")
}

// bwStatus is what bw status prints, in bw's order; logged out, bw
// leaves out the user. serverUrl is null on the default cloud server: bw
// prints its environment's base URL, which only a configured server has
// (checked against the real bw in providers/bw_real_test.go).
type bwStatus struct {
	ServerURL *string `json:"serverUrl"`
	LastSync  *string `json:"lastSync"`
	UserEmail string  `json:"userEmail,omitempty"`
	UserID    string  `json:"userId,omitempty"`
	Status    string  `json:"status"`
}

func (r *bwRun) status() error {
	st := bwStatus{Status: "unauthenticated"}
	if r.st.Server != "" {
		st.ServerURL = &r.st.Server
	}
	if r.st.LoggedIn {
		st.UserEmail, st.UserID, st.Status = r.st.Account.Email, r.st.Account.UserID, "locked"
		if r.st.LastSync != "" {
			st.LastSync = &r.st.LastSync
		}
		if r.unlocked() {
			st.Status = "unlocked"
		}
	}
	return r.outJSON(st)
}

func (r *bwRun) config() error {
	if !strings.EqualFold(r.arg(0), "server") {
		return errors.New("Unknown setting.")
	}
	url := strings.TrimSpace(r.arg(1))
	if url == "" {
		return r.out(cmp.Or(r.st.Server, "https://bitwarden.com"))
	}
	if r.st.LoggedIn {
		return errors.New("Logout required before server config update.")
	}
	if url == "null" || url == "bitwarden.com" || url == "https://bitwarden.com" {
		url = ""
	}
	r.st.Server, r.changed = url, true
	return r.out("Saved setting `config`.")
}

func (r *bwRun) sync() error {
	if err := r.needLogin(); err != nil {
		return err
	}
	if r.f.has("last") {
		return r.out(r.st.LastSync)
	}
	r.st.LastSync, r.changed = r.now.Format("2006-01-02T15:04:05.000Z"), true
	return r.out("Syncing complete.")
}
