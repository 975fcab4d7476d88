package fakecli

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

const (
	opVersion   = "2.30.3"
	opStateFile = "op.json"
	// opIDAlphabet is what op's ids are made of: 26 characters of
	// lowercase base32.
	opIDAlphabet = "abcdefghijklmnopqrstuvwxyz234567"
	opUser       = "FAKEUSERFAKEUSERFAKEUSER42" // last_edited_by
)

type opState struct {
	Vaults []*opVault `json:"vaults"`
	Items  []*opDoc   `json:"items"`
}

type opVault struct {
	ID      string    `json:"id"`
	Name    string    `json:"name"`
	Version int       `json:"content_version"`
	Created time.Time `json:"created_at"`
	Updated time.Time `json:"updated_at"`
}

type opDoc struct {
	ID       string    `json:"id"`
	Title    string    `json:"title"`
	VaultID  string    `json:"vault_id"`
	Category string    `json:"category"`
	Tags     []string  `json:"tags,omitempty"`
	FileName string    `json:"file_name"`
	Content  []byte    `json:"content"`
	Version  int       `json:"version"`
	Archived bool      `json:"archived,omitempty"`
	Created  time.Time `json:"created_at"`
	Updated  time.Time `json:"updated_at"`
}

// opCmd is one op command.
type opCmd struct {
	flags map[string]bool // the flags it takes (true: with a value), --format aside
	nargs int             // its number of positional arguments
	vault bool            // whether --vault is required
	run   func(*opRun) error
}

var opCommands = map[string]opCmd{
	"vault create":    {nargs: 1, run: (*opRun).vaultCreate},
	"vault list":      {run: (*opRun).vaultList},
	"item list":       {flags: map[string]bool{"vault": true, "tags": true, "categories": true}, vault: true, run: (*opRun).itemList},
	"document create": {flags: map[string]bool{"vault": true, "title": true, "tags": true, "file-name": true}, nargs: 1, vault: true, run: (*opRun).documentCreate},
	"document get":    {flags: map[string]bool{"vault": true}, nargs: 1, vault: true, run: (*opRun).documentGet},
	"document edit":   {flags: map[string]bool{"vault": true, "title": true, "tags": true, "file-name": true}, nargs: 2, vault: true, run: (*opRun).documentEdit},
	"document delete": {flags: map[string]bool{"vault": true, "archive": false}, nargs: 1, vault: true, run: (*opRun).documentDelete},
}

// opRun is one run of an op command.
type opRun struct {
	*proc
	f       flags
	st      opState
	changed bool
	now     time.Time
}

func runOP(p *proc) int {
	if len(p.args) == 1 && (p.args[0] == "--version" || p.args[0] == "-v") {
		fmt.Fprintln(p.stdout, opVersion)
		return 0
	}
	r := &opRun{proc: p, now: time.Now().UTC().Truncate(time.Second)}
	if err := r.main(); err != nil {
		fmt.Fprintf(p.stderr, "[ERROR] %s %s\n", time.Now().Format("2006/01/02 15:04:05"), err)
		return 1
	}
	return 0
}

func (r *opRun) main() error {
	cmd, rest, err := opFind(r.args)
	if err != nil {
		return err
	}
	spec := flagSpec{takes: map[string]bool{"format": true}}
	for k, v := range cmd.flags {
		spec.takes[k] = v
	}
	if r.f, err = spec.parse(rest); err != nil {
		return err
	}
	if len(r.f.pos) != cmd.nargs {
		return fmt.Errorf("accepts %d arg(s), received %d", cmd.nargs, len(r.f.pos))
	}
	if format := r.f.vals["format"]; format != "" && format != "json" && format != "human" {
		return fmt.Errorf("invalid format %q: use json or human", format)
	}
	if cmd.vault && r.f.vals["vault"] == "" {
		return errors.New("fakecli: --vault is required here: configsync always names the vault")
	}
	if !r.signedIn() {
		return errors.New("You are not currently signed in. Please run `op signin --help` for instructions")
	}
	return transact(filepath.Join(r.dir, opStateFile), &r.st, func() error { return cmd.run(r) }, &r.changed)
}

// opFind finds the command named by the first two arguments.
func opFind(args []string) (opCmd, []string, error) {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return opCmd{}, nil, errors.New("fakecli: op needs a command first")
	}
	group := args[0]
	if group != "vault" && group != "item" && group != "document" {
		return opCmd{}, nil, fmt.Errorf("unknown command %q for %q", group, "op")
	}
	if len(args) < 2 || strings.HasPrefix(args[1], "-") {
		return opCmd{}, nil, fmt.Errorf("fakecli: op %s needs a subcommand", group)
	}
	cmd, ok := opCommands[group+" "+args[1]]
	if !ok {
		return opCmd{}, nil, fmt.Errorf("unknown command %q for %q", args[1], "op "+group)
	}
	return cmd, args[2:], nil
}

func (r *opRun) signedIn() bool {
	if r.getenv("OP_SERVICE_ACCOUNT_TOKEN") != "" {
		return true
	}
	for _, kv := range r.env {
		if k, v, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "OP_SESSION_") && v != "" {
			return true
		}
	}
	return false
}

func (r *opRun) json() bool { return r.f.vals["format"] == "json" }

func (r *opRun) stamp(t time.Time) string { return t.Format(time.RFC3339) }

// vault finds the vault named by --vault, by id or name.
func (r *opRun) vault() (*opVault, error) {
	ref := r.f.vals["vault"]
	for _, v := range r.st.Vaults {
		if v.ID == ref || strings.EqualFold(v.Name, ref) {
			return v, nil
		}
	}
	return nil, fmt.Errorf("%q isn't a vault in this account. Specify the vault with its ID or name.", ref)
}

// doc finds a document in the vault, by id or title.
func (r *opRun) doc(v *opVault, ref string) (*opDoc, error) {
	var found []*opDoc
	for _, d := range r.st.Items {
		if d.VaultID == v.ID && !d.Archived && (d.ID == ref || d.Title == ref) {
			found = append(found, d)
		}
	}
	switch {
	case len(found) == 0:
		return nil, fmt.Errorf("%q isn't an item in the %q vault. Specify the item with its UUID, name, or domain.", ref, v.Name)
	case len(found) > 1:
		ids := make([]string, len(found))
		for i, d := range found {
			ids[i] = fmt.Sprintf("\n\tfor the item %q in vault %s: %s", d.Title, v.Name, d.ID)
		}
		return nil, fmt.Errorf("More than one item matches %q. Try again and specify the item by its ID:%s", ref, strings.Join(ids, ""))
	case found[0].Category != "DOCUMENT":
		return nil, fmt.Errorf("%q isn't a document", ref)
	}
	return found[0], nil
}

func (r *opRun) vaultCreate() error {
	name := r.f.pos[0]
	for _, v := range r.st.Vaults {
		if strings.EqualFold(v.Name, name) {
			return fmt.Errorf("fakecli: a vault named %q exists", name)
		}
	}
	v := &opVault{ID: newID(opIDAlphabet, 26), Name: name, Version: 1, Created: r.now, Updated: r.now}
	r.st.Vaults = append(r.st.Vaults, v)
	r.changed = true
	if r.json() {
		return r.printJSON(r.vaultJSON(v))
	}
	fmt.Fprintf(r.stdout, "ID:                   %s\nName:                 %s\nCreated:              now\n", v.ID, v.Name)
	return nil
}

func (r *opRun) vaultJSON(v *opVault) map[string]any {
	return map[string]any{"id": v.ID, "name": v.Name, "content_version": v.Version,
		"created_at": r.stamp(v.Created), "updated_at": r.stamp(v.Updated)}
}

func (r *opRun) vaultList() error {
	if r.json() {
		list := []map[string]any{}
		for _, v := range r.st.Vaults {
			list = append(list, r.vaultJSON(v))
		}
		return r.printJSON(list)
	}
	tw := tabwriter.NewWriter(r.stdout, 0, 8, 4, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME")
	for _, v := range r.st.Vaults {
		fmt.Fprintf(tw, "%s\t%s\n", v.ID, v.Name)
	}
	return tw.Flush()
}

// opListItem is an item as `op item list --format json` prints it.
type opListItem struct {
	ID           string     `json:"id"`
	Title        string     `json:"title"`
	Tags         []string   `json:"tags,omitempty"`
	Version      int        `json:"version"`
	Vault        opVaultRef `json:"vault"`
	Category     string     `json:"category"`
	LastEditedBy string     `json:"last_edited_by"`
	CreatedAt    string     `json:"created_at"`
	UpdatedAt    string     `json:"updated_at"`
}

type opVaultRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

func (r *opRun) itemList() error {
	v, err := r.vault()
	if err != nil {
		return err
	}
	tags := splitList(r.f.vals["tags"])
	cats := splitList(strings.ToUpper(r.f.vals["categories"]))
	list := []opListItem{}
	for _, d := range r.st.Items {
		if d.VaultID != v.ID || d.Archived ||
			len(tags) > 0 && !slices.ContainsFunc(d.Tags, func(t string) bool { return slices.Contains(tags, t) }) ||
			len(cats) > 0 && !slices.Contains(cats, d.Category) {
			continue
		}
		list = append(list, opListItem{
			ID: d.ID, Title: d.Title, Tags: d.Tags, Version: d.Version,
			Vault: opVaultRef{ID: v.ID, Name: v.Name}, Category: d.Category, LastEditedBy: opUser,
			CreatedAt: r.stamp(d.Created), UpdatedAt: r.stamp(d.Updated),
		})
	}
	if r.json() {
		return r.printJSON(list)
	}
	tw := tabwriter.NewWriter(r.stdout, 0, 8, 4, ' ', 0)
	fmt.Fprintln(tw, "ID\tTITLE\tVAULT\tEDITED")
	for _, it := range list {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", it.ID, it.Title, it.Vault.Name, "now")
	}
	return tw.Flush()
}

// stdinOnly refuses a document file other than "-" (stdin).
func stdinOnly(arg string) error {
	if arg != "-" {
		return fmt.Errorf("fakecli: the document must come from stdin (\"-\"), not %q: plaintext must not touch disk", arg)
	}
	return nil
}

func (r *opRun) documentCreate() error {
	if err := stdinOnly(r.f.pos[0]); err != nil {
		return err
	}
	title := r.f.vals["title"]
	if title == "" {
		return errors.New("fakecli: --title is required here: configsync always names the document")
	}
	v, err := r.vault()
	if err != nil {
		return err
	}
	content, err := io.ReadAll(r.stdin)
	if err != nil {
		return err
	}
	d := &opDoc{
		ID: newID(opIDAlphabet, 26), Title: title, VaultID: v.ID, Category: "DOCUMENT",
		Tags: splitList(r.f.vals["tags"]), FileName: cmp.Or(r.f.vals["file-name"], title),
		Content: content, Version: 1, Created: r.now, Updated: r.now,
	}
	r.st.Items = append(r.st.Items, d)
	r.changed = true
	out, _ := json.Marshal(map[string]string{
		"uuid": d.ID, "createdAt": r.stamp(d.Created), "updatedAt": r.stamp(d.Updated), "vaultUuid": v.ID,
	})
	fmt.Fprintf(r.stdout, "%s\n", out)
	return nil
}

// target finds the vault named by --vault and the document named by the
// first argument.
func (r *opRun) target() (*opVault, *opDoc, error) {
	v, err := r.vault()
	if err != nil {
		return nil, nil, err
	}
	d, err := r.doc(v, r.f.pos[0])
	return v, d, err
}

func (r *opRun) documentGet() error {
	_, d, err := r.target()
	if err != nil {
		return err
	}
	_, err = r.stdout.Write(d.Content)
	return err
}

func (r *opRun) documentEdit() error {
	if err := stdinOnly(r.f.pos[1]); err != nil {
		return err
	}
	_, d, err := r.target()
	if err != nil {
		return err
	}
	if d.Content, err = io.ReadAll(r.stdin); err != nil {
		return err
	}
	if r.f.has("title") {
		d.Title = r.f.vals["title"]
	}
	if r.f.has("tags") {
		d.Tags = splitList(r.f.vals["tags"])
	}
	if r.f.has("file-name") {
		d.FileName = r.f.vals["file-name"]
	}
	d.Version++
	d.Updated = r.now
	r.changed = true
	return nil
}

func (r *opRun) documentDelete() error {
	_, d, err := r.target()
	if err != nil {
		return err
	}
	if r.f.has("archive") {
		d.Archived = true
	} else {
		r.st.Items = slices.DeleteFunc(r.st.Items, func(x *opDoc) bool { return x == d })
	}
	r.changed = true
	return nil
}

func (r *opRun) printJSON(v any) error {
	out, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	fmt.Fprintf(r.stdout, "%s\n", out)
	return nil
}

// splitList splits a comma-separated flag value.
func splitList(s string) []string {
	var list []string
	for x := range strings.SplitSeq(s, ",") {
		if x = strings.TrimSpace(x); x != "" {
			list = append(list, x)
		}
	}
	return list
}
