package scopes

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/configsync/configsync/config"
	"github.com/configsync/configsync/gitstore"
)

// LoadSettings reads the local configuration alone, for `configsync
// config`: it never opens the store, and a value that fails its check is
// read as it is, so that a setting that broke every other command can
// still be changed or unset.
func LoadSettings(home string) (*config.Local, error) {
	return config.LoadLocalUnchecked(config.Home(home).Config())
}

// SaveSettings writes the local configuration atomically.
func SaveSettings(home string, cfg *config.Local) error {
	return cfg.Save(config.Home(home).Config())
}

// SettingError is a setting refused because it would not take effect.
type SettingError struct {
	Key    string
	Reason string
	Fix    string // what to do instead
}

func (e *SettingError) Error() string {
	return fmt.Sprintf("config key %q: %s: %s", e.Key, e.Reason, e.Fix)
}

// CheckSetting refuses a change to cfg (value "" is an unset) that the
// store could not follow, before it is made: every key either takes
// effect or is refused. store.remote takes effect when the store is next
// opened (Open points the store's git remote at it).
func CheckSetting(home string, cfg *config.Local, key, value string) error {
	switch key {
	case "store.remote":
		if cfg.Store.Repo != "" {
			return &SettingError{Key: key,
				Reason: "the store is the " + cfg.Branch() + " branch of " + cfg.Store.Repo + ", which syncs through that repository's own origin",
				Fix:    "change it there: git -C " + cfg.Store.Repo + " remote set-url origin URL"}
		}
		if value == "" && cfg.Store.Remote != "" && exists(config.Home(home).Store()) {
			return &SettingError{Key: key,
				Reason: "the store in " + config.Home(home).Store() + " syncs with " + gitstore.Redact(cfg.Store.Remote),
				Fix:    "point it at another remote with configsync config set store.remote URL"}
		}
	case "store.branch":
		branch := value
		if branch == "" {
			branch = config.DefaultBranch
		}
		where := cfg.Store.Repo
		if where == "" {
			where = config.Home(home).Store()
		}
		if !exists(where) || config.ValidBranch(branch) != nil {
			return nil // no store yet; a bad name is refused by Set
		}
		s, err := gitstore.Open(where, branch)
		if err != nil {
			return nil // the store's own damage, reported by every command
		}
		defer s.Close()
		if tip, err := s.Tip(context.Background()); err == nil && tip.IsZero() {
			return &SettingError{Key: key,
				Reason: "the store in " + where + " has no branch " + branch,
				Fix:    "the branch is chosen at init: configsync init --branch " + branch + " with another --home"}
		}
	case "store.repo":
		if value == "" {
			return nil
		}
		s, err := gitstore.Open(value, cfg.Branch())
		if err != nil {
			return &SettingError{Key: key,
				Reason: value + " is not a git repository",
				Fix:    "give the path of an existing git repository"}
		}
		s.Close()
	}
	return nil
}

// exists reports whether path exists (or cannot be checked).
func exists(path string) bool {
	_, err := os.Stat(path)
	return !errors.Is(err, fs.ErrNotExist)
}
