package scopes

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// StoreFormat is the store format version this configsync reads and writes.
const StoreFormat = 1

// Paths of the store layout (DESIGN.md §3).
const (
	formatPath        = "configsync-store.toml"
	membersPath       = "team/members.toml"
	membersSigPath    = "team/members.toml.sig"
	keysDir           = "team/keys"
	environmentsDir   = "environments"
	environmentFile   = "environment.toml"
	envPublicKeyFile  = "key.pub.asc"
	envPrivateKeyFile = "key.pgp"
	itemsDir          = "items"
	projectFile       = "project.toml"
	itemSuffix        = ".pgp"
)

// Member is one key of the team manifest.
type Member struct {
	Fingerprint string `toml:"fingerprint"`
	Name        string `toml:"name"`
	Email       string `toml:"email"`
	Tiers       []Tier `toml:"tiers"`
	Admin       bool   `toml:"admin"`
	CI          bool   `toml:"ci"`
}

// Label is "Name <email>", as people recognise a key.
func (m Member) Label() string {
	if m.Email == "" {
		return m.Name
	}
	return fmt.Sprintf("%s <%s>", m.Name, m.Email)
}

// Can reports whether the member holds tier t.
func (m Member) Can(t Tier) bool { return slices.Contains(m.Tiers, t) }

// manifest is team/members.toml.
type manifest struct {
	Members []Member `toml:"member"`
}

// storeFormat is configsync-store.toml.
type storeFormat struct {
	Format int `toml:"format"`
}

// Environment is an isolated scope with its own key.
type Environment struct {
	Name           string    `toml:"name"`
	Tier           Tier      `toml:"tier"`
	Protected      bool      `toml:"protected"`
	KeyGeneration  int       `toml:"key_generation"`
	KeyFingerprint string    `toml:"key_fingerprint"`
	Created        time.Time `toml:"created"`
}

// Describe is the parenthesised part of "Created environment ...".
func (e Environment) Describe() string {
	s := "tier: " + string(e.Tier)
	if e.Protected {
		s += ", protected"
	}
	return s
}

// projectRecord is environments/<env>/items/<project>/project.toml: where
// the project was pushed from, so that pull can find it on another machine.
type projectRecord struct {
	Project string            `toml:"project"`
	Dir     string            `toml:"dir"`   // home-relative: "~/git/myapp"
	Items   map[string]string `toml:"items"` // item path → "env" or "file"
}

func envDir(env string) string              { return environmentsDir + "/" + env }
func envItemsDir(env string) string         { return envDir(env) + "/" + itemsDir }
func projectDir(env, project string) string { return envItemsDir(env) + "/" + project }
func itemStorePath(env, project, item string) string {
	return projectDir(env, project) + "/" + item + itemSuffix
}

// splitItemStorePath turns "environments/E/items/P/a/b.pgp" back into
// project and item path; ok is false for anything else under items/.
func splitItemStorePath(env, p string) (project, item string, ok bool) {
	rest, found := strings.CutPrefix(p, envItemsDir(env)+"/")
	if !found {
		return "", "", false
	}
	project, item, found = strings.Cut(rest, "/")
	if !found || !strings.HasSuffix(item, itemSuffix) {
		return "", "", false
	}
	return project, strings.TrimSuffix(item, itemSuffix), true
}
