package main

import (
	"encoding/json"
	"time"

	"github.com/spf13/pflag"

	"github.com/configsync/configsync/scopes"
)

// --json: one JSON document on stdout per command, for scripts. The
// field names are a stable interface, documented in docs/json.md; add
// fields, never rename or remove one. Values of secrets never appear:
// diff gives key names and change kinds only. Exit statuses and error
// lines on stderr are as without --json.

func jsonFlag(fs *pflag.FlagSet) *bool {
	return fs.Bool("json", false, "print one JSON document (fields in docs/json.md)")
}

// printJSON writes doc to stdout, even with --quiet: it is what was asked.
func (a *app) printJSON(doc any) error {
	enc := json.NewEncoder(a.env.Stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(doc)
}

// envsJSON is env list and env status.
type envsJSON struct {
	Active       *string   `json:"active"` // null when none is chosen
	Environments []envJSON `json:"environments"`
}

type envJSON struct {
	Name          string    `json:"name"`
	Tier          string    `json:"tier"`
	Protected     bool      `json:"protected"`
	KeyGeneration int       `json:"key_generation"`
	Created       time.Time `json:"created"`
	Active        bool      `json:"active"`
}

func environmentsJSON(envs []scopes.Environment, active string) envsJSON {
	doc := envsJSON{Environments: []envJSON{}}
	for _, e := range envs {
		if e.Name == active {
			doc.Active = &e.Name
		}
		doc.Environments = append(doc.Environments, envJSON{
			Name: e.Name, Tier: string(e.Tier), Protected: e.Protected,
			KeyGeneration: e.KeyGeneration, Created: e.Created.UTC(), Active: e.Name == active,
		})
	}
	return doc
}

type teamJSON struct {
	Members []memberJSON `json:"members"`
}

type memberJSON struct {
	Fingerprint string   `json:"fingerprint"`
	Name        string   `json:"name"`
	Email       string   `json:"email"`
	Tiers       []string `json:"tiers"`
	Admin       bool     `json:"admin"`
	CI          bool     `json:"ci"`
	ThisKey     bool     `json:"this_key"`
}

func memberToJSON(m scopes.Member, mine string) memberJSON {
	tiers := []string{}
	for _, t := range m.Tiers {
		tiers = append(tiers, string(t))
	}
	return memberJSON{Fingerprint: m.Fingerprint, Name: m.Name, Email: m.Email, Tiers: tiers,
		Admin: m.Admin, CI: m.CI, ThisKey: m.Fingerprint == mine}
}

type logJSON struct {
	Commits []logEntryJSON `json:"commits"`
}

type logEntryJSON struct {
	Commit string    `json:"commit"`
	Time   time.Time `json:"time"`
	Author string    `json:"author"`
	Email  string    `json:"email"`
	// Member: Author is the member who signed what the commit changed;
	// otherwise it is the name the commit claims.
	Member       bool     `json:"member"`
	Refused      bool     `json:"refused"`
	Format1      bool     `json:"format1"`
	Summary      string   `json:"summary"`
	Details      []string `json:"details"`
	Environments []string `json:"environments"`
	Items        []string `json:"items"`
}

func logToJSON(entries []scopes.LogEntry) logJSON {
	doc := logJSON{Commits: []logEntryJSON{}}
	for _, e := range entries {
		doc.Commits = append(doc.Commits, logEntryJSON{
			Commit: e.Commit, Time: e.When.UTC(), Author: e.Author, Email: e.Email,
			Member: e.Member, Refused: e.Refused, Format1: e.Format1, Summary: e.Summary,
			Details: orEmpty(e.Details), Environments: orEmpty(e.Envs), Items: orEmpty(e.Items),
		})
	}
	return doc
}

type verifyJSON struct {
	OK               bool           `json:"ok"`
	Commits          int            `json:"commits"`
	ManifestVersions int            `json:"manifest_versions"`
	KeyVersions      int            `json:"key_versions"`
	ItemSignatures   int            `json:"item_signatures"`
	Documents        map[string]int `json:"documents"`
	Skipped          []string       `json:"skipped"`
	Warnings         []string       `json:"warnings"`
	Problems         []problemJSON  `json:"problems"`
}

type problemJSON struct {
	Commit string `json:"commit"`
	Path   string `json:"path"`
	Reason string `json:"reason"`
}

func verifyToJSON(rep *scopes.VerifyReport) verifyJSON {
	doc := verifyJSON{
		OK: len(rep.Problems) == 0, Commits: rep.Commits, ManifestVersions: rep.Manifests,
		KeyVersions: rep.Keys, ItemSignatures: rep.Items, Documents: rep.Documents,
		Skipped: orEmpty(rep.Skipped), Warnings: orEmpty(rep.Warnings), Problems: []problemJSON{},
	}
	if doc.Documents == nil {
		doc.Documents = map[string]int{}
	}
	for _, p := range rep.Problems {
		doc.Problems = append(doc.Problems, problemJSON{Commit: p.Commit, Path: p.Path, Reason: p.Reason})
	}
	return doc
}

type identityJSON struct {
	Name        string `json:"name"`
	Email       string `json:"email"`
	Fingerprint string `json:"fingerprint"`
	KeyVersion  int    `json:"key_version"`
	// Member is null on a machine with no store, else whether the
	// identity is in the store's team, with its tiers.
	Member *identityMemberJSON `json:"member"`
}

type identityMemberJSON struct {
	Member bool     `json:"member"`
	Tiers  []string `json:"tiers"`
	Admin  bool     `json:"admin"`
	CI     bool     `json:"ci"`
}

// orEmpty makes a nil list an empty JSON array, so readers need not
// check for null.
func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// statusJSON is status and diff: what push and pull would do, per item,
// with key names and kinds of change, never a value.
type statusJSON struct {
	Environment *envJSON     `json:"environment"` // null when none is active
	Store       string       `json:"store,omitempty"`
	Remote      string       `json:"remote,omitempty"`
	Items       []statusItem `json:"items"`
}

type statusItem struct {
	Project string          `json:"project"`
	Path    string          `json:"path"`
	Display string          `json:"display"`
	Type    scopes.ItemType `json:"type"`
	// State is a stable identifier (stateIDs); Summary the sentence
	// status prints, which may be reworded.
	State   string      `json:"state"`
	Summary string      `json:"summary"`
	Keys    []keyChange `json:"keys"`
}

type keyChange struct {
	Key    string `json:"key"`
	Change string `json:"change"` // added, removed or modified (local against the store)
}

// stateIDs name the item states for scripts.
var stateIDs = map[scopes.ItemState]string{
	scopes.StateUpToDate:     "up_to_date",
	scopes.StateModified:     "modified",
	scopes.StateNew:          "new",
	scopes.StateStoreNewer:   "store_newer",
	scopes.StateConflict:     "conflict",
	scopes.StateMerges:       "merges",
	scopes.StateDeleted:      "deleted_in_store",
	scopes.StateDeletedEdit:  "deleted_in_store_edited",
	scopes.StateMissingLocal: "missing_here",
	scopes.StateNotPlaceable: "not_placeable",
	scopes.StateHidden:       "hidden",
	scopes.StateNewFile:      "new_file",
	scopes.StateEscapes:      "escapes",
	scopes.StateInjectOnly:   "inject_only",
}

func statusToJSON(rep *scopes.StatusReport, store, remote string, onlyChanged bool) statusJSON {
	doc := statusJSON{Store: store, Remote: remote, Items: []statusItem{}}
	if rep == nil {
		return doc
	}
	env := environmentsJSON([]scopes.Environment{rep.Env}, rep.Env.Name).Environments[0]
	doc.Environment = &env
	for _, it := range rep.Items {
		if onlyChanged && unchanged(it.State) {
			continue
		}
		item := statusItem{Project: it.Project, Path: it.Path, Display: it.Display, Type: it.Type,
			State: stateIDs[it.State], Summary: string(it.State), Keys: []keyChange{}}
		for _, c := range it.Keys {
			item.Keys = append(item.Keys, keyChange{Key: c.Key, Change: c.Kind.String()})
		}
		doc.Items = append(doc.Items, item)
	}
	return doc
}
