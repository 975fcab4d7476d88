package scopes

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// StoreFormat is the store format version this configsync writes. It
// still reads format 1 (and refuses to write it: an admin upgrades it,
// upgrade.go).
const StoreFormat = 2

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
	indexFile         = "index.toml"
	indexSigFile      = "index.toml.sig"
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

// manifest is team/members.toml. From format 2 on it is the store's one
// signed, chained state (DESIGN.md §2a): a serial raised by every change,
// the digest of the version before, and the environments.
type manifest struct {
	Serial       int           `toml:"serial,omitempty"`
	Previous     string        `toml:"previous,omitempty"` // digest of the previous members.toml
	Members      []Member      `toml:"member"`
	Environments []Environment `toml:"environment,omitempty"`
}

// envIndex is environments/<env>/index.toml (format 2): what the
// environment's items are, signed by a member holding its tier, chained
// like the manifest, so that putting back an older item is seen.
type envIndex struct {
	Environment   string `toml:"environment"`
	Serial        int    `toml:"serial"`
	Previous      string `toml:"previous,omitempty"` // digest of the previous index.toml
	KeyGeneration int    `toml:"key_generation"`
	// Items maps each file under the environment's items/ directory
	// ("myapp/.env.pgp", "myapp/project.toml") to the SHA-256 of its
	// bytes.
	Items map[string]string `toml:"items"`
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
	Project string              `toml:"project"`
	Dir     string              `toml:"dir"`   // home-relative: "~/git/myapp"
	Items   map[string]ItemType `toml:"items"` // item path → TypeEnv or TypeFile
}

func envDir(env string) string              { return environmentsDir + "/" + env }
func indexPath(env string) string           { return envDir(env) + "/" + indexFile }
func indexSigPath(env string) string        { return envDir(env) + "/" + indexSigFile }
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
