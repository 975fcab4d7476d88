package scopes

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/configsync/configsync/config"
	"github.com/configsync/configsync/envfile"
	"github.com/configsync/configsync/gitstore"
	"github.com/configsync/configsync/internal/rofile"
)

// storedItem is one item of an environment in the store.
type storedItem struct {
	Project string
	Path    string
	Type    ItemType
	Blob    gitstore.Hash
	Dir     string // home-relative directory recorded at push
}

// storedItems lists an environment's items, validating every name so
// that a hostile store cannot point pull outside a project directory.
func (snap *snapshot) storedItems(env, project string, filter ItemType) ([]storedItem, error) {
	return snap.storedItemsWhere(env, func(p string) bool { return project == "" || p == project }, filter)
}

// storedItemsWhere is storedItems for the projects keep accepts; only
// their records are decoded (a store of many projects, one tracked here).
func (snap *snapshot) storedItemsWhere(env string, keep func(project string) bool, filter ItemType) ([]storedItem, error) {
	if e, err := snap.env(env); err == nil {
		if err := snap.checkEnvOnce(e); err != nil {
			return nil, err
		}
	}
	records := map[string]*projectRecord{}
	var out []storedItem
	for _, f := range snap.tree.Files(envItemsDir(env) + "/") {
		proj, item, ok := splitItemStorePath(env, f.Path)
		if !ok {
			continue
		}
		if err := ValidateName("project", proj); err != nil {
			return nil, &StoreEntryError{Entry: f.Path, Field: "project", Err: err}
		}
		if err := ValidateItemPath(item); err != nil {
			return nil, &StoreEntryError{Entry: f.Path, Project: proj, Field: "item path", Err: err}
		}
		if !keep(proj) {
			continue
		}
		rec, ok := records[proj]
		if !ok {
			var err error
			if rec, err = snap.projectRecord(env, proj); err != nil {
				return nil, err
			}
			records[proj] = rec
		}
		typ := rec.Items[item]
		if typ == "" {
			typ = TypeOf(item)
		}
		if filter != "" && typ != filter {
			continue
		}
		out = append(out, storedItem{Project: proj, Path: item, Type: typ, Blob: f.Blob, Dir: rec.Dir})
	}
	slices.SortFunc(out, func(a, b storedItem) int {
		if c := strings.Compare(a.Project, b.Project); c != 0 {
			return c
		}
		return strings.Compare(a.Path, b.Path)
	})
	return out, nil
}

func (snap *snapshot) projectRecord(env, project string) (*projectRecord, error) {
	rec := &projectRecord{Project: project, Items: map[string]ItemType{}}
	data, err := snap.tree.Read(projectDir(env, project) + "/" + projectFile)
	if err == nil {
		if err := snap.checkIndexed(env, recordKey(project), data); err != nil {
			return nil, err
		}
		// A damaged record only loses the directory hint.
		_ = config.Unmarshal(projectFile, data, rec)
	}
	if rec.Items == nil {
		rec.Items = map[string]ItemType{}
	}
	return rec, nil
}

// decryptItem decrypts an item and checks that a member holding the
// environment's tier signed it, for this place (binding.go); an item
// whose content lives in a provider is read from there (provider.go).
func (ea *envAccess) decryptItem(ctx context.Context, it storedItem) ([]byte, error) {
	env := ea.env
	ct, err := ea.store.ReadBlob(ctx, it.Blob)
	if err != nil {
		return nil, err
	}
	data, err := ea.openItem(it, ct)
	if err != nil {
		return nil, err
	}
	return ea.providers.resolve(ctx, env.Name, it, data)
}

// openItem is decryptItem's crypto half, for ciphertext already read from
// the store; it is safe to call from several goroutines. A provider
// item comes back as its pointer.
func (ea *envAccess) openItem(it storedItem, ct []byte) ([]byte, error) {
	snap, env := ea.snap, ea.env
	if err := snap.checkIndexed(env.Name, indexKey(it.Project, it.Path), ct); err != nil {
		return nil, err
	}
	return ea.openVerified(it, ct)
}

// readLocal reads a tracked item, refusing symlinks that leave its
// project and unreadable or invalid files. It returns nil, nil when the
// file does not exist.
func readLocal(it TrackedItem, display string) ([]byte, *envfile.File, error) {
	abs := it.Abs()
	st, err := os.Lstat(abs)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, &ItemError{Path: display, Err: err}
	}
	if st.Mode()&fs.ModeSymlink != 0 {
		if err := insideDir(it.Dir, abs); err != nil {
			return nil, nil, &ItemError{Path: display, Err: err}
		}
	} else if !st.Mode().IsRegular() {
		return nil, nil, &ItemError{Path: display, Err: errors.New("it is not a regular file")}
	}
	data, err := rofile.ReadFile(abs)
	if err != nil {
		return nil, nil, &ItemError{Path: display, Err: err}
	}
	if it.Type != TypeEnv {
		return data, nil, nil
	}
	f, err := envfile.Parse(display, data)
	if err != nil {
		return nil, nil, &ItemError{Path: display, Err: err}
	}
	return data, f, nil
}

// changedKeys names the keys that differ between two versions of an item
// (nil for file items, which have no keys).
func changedKeys(typ ItemType, old, new []byte) []envfile.Change {
	if typ != TypeEnv {
		return nil
	}
	var of, nf *envfile.File
	if old != nil {
		of, _ = envfile.Parse("", old)
	}
	if new != nil {
		nf, _ = envfile.Parse("", new)
	}
	return envfile.Diff(of, nf)
}

// changedKeysOf is changedKeys with the new version already parsed (nil
// for file items, or a deleted one).
func changedKeysOf(typ ItemType, old []byte, nf *envfile.File) []envfile.Change {
	if typ != TypeEnv {
		return nil
	}
	var of *envfile.File
	if old != nil {
		of, _ = envfile.Parse("", old)
	}
	return envfile.Diff(of, nf)
}

func keyNames(cs []envfile.Change) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Key
	}
	return out
}

// display shows a project file as the user knows it: "~/git/myapp/.env".
func (lc *local) display(dir, item string) string {
	return homeRelative(lc.opts.UserHome, filepath.Join(dir, filepath.FromSlash(item)))
}

// describeChanges is the commit message line of one item: key names only.
func describeChanges(name string, cs []envfile.Change, isNew, deleted bool) string {
	switch {
	case deleted:
		return name + ": deleted"
	case isNew && len(cs) == 0:
		return name + ": added"
	}
	var added, modified, removed []string
	for _, c := range cs {
		switch c.Kind {
		case envfile.Added:
			added = append(added, c.Key)
		case envfile.Modified:
			modified = append(modified, c.Key)
		case envfile.Removed:
			removed = append(removed, c.Key)
		}
	}
	var parts []string
	if isNew {
		parts = append(parts, "new")
	}
	for _, p := range []struct {
		verb string
		keys []string
	}{{"added", added}, {"changed", modified}, {"removed", removed}} {
		if len(p.keys) > 0 {
			parts = append(parts, p.verb+" "+strings.Join(p.keys, ", "))
		}
	}
	if len(parts) == 0 {
		parts = append(parts, "changed")
	}
	return name + ": " + strings.Join(parts, "; ")
}
