package scopes

import (
	"bytes"
	"context"
	"errors"
	"slices"

	"github.com/configsync/configsync/envfile"
)

// ItemState says what push and pull would do with one item.
type ItemState string

// The states of an item.
const (
	StateUpToDate     ItemState = "up to date"
	StateModified     ItemState = "modified locally"   // push would send it
	StateNew          ItemState = "not in the store"   // push would add it
	StateStoreNewer   ItemState = "newer in the store" // pull would bring it
	StateConflict     ItemState = "changed on both sides: pull needs --ours or --theirs"
	StateMerges       ItemState = "changed on both sides: pull merges them, then push sends yours"
	StateDeleted      ItemState = "deleted in the store: pull removes it"
	StateDeletedEdit  ItemState = "deleted in the store, edited here: pull needs --ours (push re-adds it) or --theirs (removed)"
	StateMissingLocal ItemState = "not on this machine" // pull would restore it
	StateNotPlaceable ItemState = "project not tracked here"
	StateHidden       ItemState = "in a hidden directory: pull skips it"
	StateNewFile      ItemState = "new file: pull restores it with --yes"
	StateEscapes      ItemState = "behind a symlink that leaves the project: pull refuses"
)

// ItemStatus is one item compared with the store.
type ItemStatus struct {
	Project string
	Path    string
	Display string
	Type    ItemType
	State   ItemState
	// Keys are the keys that differ (names and redacted values), old =
	// store, new = local.
	Keys []envfile.Change
	// Stored and Local are the two versions, kept in memory only for a
	// value-level diff the user asked for.
	Stored, Local []byte
	// InjectOnly: an env item of a project in inject_as_env mode here,
	// which pull never writes.
	InjectOnly bool
}

// StatusReport is status and diff's view of one environment.
type StatusReport struct {
	Env   Environment
	Items []ItemStatus
	// InjectOnly are the projects in inject_as_env mode here.
	InjectOnly []InjectOnly
}

// Status compares the tracked items with the store's copy of env.
func (v *Session) Status(ctx context.Context, envName, project string) (*StatusReport, error) {
	envName, err := v.activeEnv(envName)
	if err != nil {
		return nil, err
	}
	snap, err := v.load(ctx)
	if err != nil {
		return nil, err
	}
	ea, err := v.access(snap, envName)
	if err != nil {
		return nil, err
	}
	env := ea.env
	items, err := v.Tracked("", project)
	if err != nil {
		return nil, err
	}
	stored, err := snap.storedItems(env.Name, project, "")
	if err != nil {
		return nil, err
	}
	st, err := v.loadState()
	if err != nil {
		return nil, err
	}
	if _, err := ea.unwrap(); err != nil {
		return nil, err
	}
	items = v.placeable(items, stored)
	rep := &StatusReport{Env: env}
	storedBy := map[string]storedItem{}
	for _, s := range stored {
		storedBy[s.Project+"\x00"+s.Path] = s
	}
	here := map[string]bool{}
	for _, it := range items {
		display := v.display(it.Dir, it.Path)
		data, _, err := readLocal(it, display)
		if err != nil {
			return nil, err
		}
		if data == nil {
			continue
		}
		here[it.Project+"\x00"+it.Path] = true
		var inStore *storedItem
		if s, ok := storedBy[it.Project+"\x00"+it.Path]; ok {
			inStore = &s
		}
		local := ItemStatus{Project: it.Project, Path: it.Path, Display: display, Type: it.Type, Local: data}
		is, err := ea.itemStatus(ctx, st, it, local, inStore)
		if err != nil {
			return nil, err
		}
		rep.Items = append(rep.Items, is)
	}
	for _, s := range stored {
		if !here[s.Project+"\x00"+s.Path] {
			rep.Items = append(rep.Items, v.missingStatus(st, s))
		}
	}
	if err := v.markInjectOnly(rep, stored); err != nil {
		return nil, err
	}
	return rep, nil
}

// itemStatus compares a tracked file here (is, with its Local content)
// with the store's item s (nil: there is none), as push and pull would
// judge them.
func (ea *envAccess) itemStatus(ctx context.Context, st *syncState, it TrackedItem, is ItemStatus, s *storedItem) (ItemStatus, error) {
	env, data := ea.env, is.Local
	if s == nil {
		is.State, is.Keys = StateNew, changedKeys(it.Type, nil, data)
		if last, synced := st.Files[it.Abs()].deletedSync(env, it.Project, it.Path); synced && !ea.absentByMode(storedItem{Project: it.Project, Type: it.Type}) {
			is.State = StateDeletedEdit // as pull decides (planRemovals)
			if st.mac(data) == last.HMAC {
				is.State, is.Keys = StateDeleted, nil
			}
		}
		return is, nil
	}
	old, err := ea.decryptItem(ctx, *s)
	if err != nil {
		return ItemStatus{}, err
	}
	is.Stored = old
	mac := st.mac(data)
	last, synced := envState{}, false
	if rec := st.Files[it.Abs()]; rec != nil {
		last, synced = rec.Envs[env.Name]
	}
	switch {
	case bytes.Equal(old, data):
		is.State = StateUpToDate
	case synced && last.Blob == s.Blob.String():
		is.State = StateModified
	case synced && last.HMAC == mac:
		is.State = StateStoreNewer
	default:
		is.State = StateConflict
	}
	is.Keys = changedKeys(it.Type, old, data)
	if is.State == StateConflict && synced && it.Type == TypeEnv {
		if err := ea.predictMerge(ctx, last.Blob, &is); err != nil {
			return ItemStatus{}, err
		}
	}
	return is, nil
}

// missingStatus is the status of a stored item with no file here: where
// pull would put it, and whether it may.
func (lc *local) missingStatus(st *syncState, s storedItem) ItemStatus {
	p, _, ok := lc.placeProject(s.Project, s.Dir)
	is := ItemStatus{Project: s.Project, Path: s.Path, Type: s.Type, State: StateMissingLocal}
	if !ok {
		is.State, is.Display = StateNotPlaceable, s.Project+"/"+s.Path
		return is
	}
	is.Display = lc.display(p.Dir, s.Path)
	switch lc.landing(st, p.Dir, s, false) {
	case landHidden:
		is.State = StateHidden
	case landNewFile:
		is.State = StateNewFile
	}
	var escape *EscapeError
	if _, err := readTarget(p.Dir, s.Path, is.Display, ""); is.State != StateHidden && errors.As(err, &escape) {
		is.State = StateEscapes
	}
	return is
}

// predictMerge says whether pull merges an env item changed on both
// sides (pull.go, settle), and else which keys are in conflict.
func (ea *envAccess) predictMerge(ctx context.Context, baseBlob string, is *ItemStatus) error {
	base, err := ea.readBase(ctx, baseBlob)
	if err != nil || base == nil {
		return err
	}
	defer clear(base)
	_, unresolved, err := mergeEnv(base, is.Local, is.Stored, nil)
	switch {
	case errors.Is(err, envfile.ErrUnmergeable):
		return nil
	case err != nil:
		return &ItemError{Path: is.Display, Err: err}
	case unresolved == nil:
		is.State = StateMerges
		return nil
	}
	is.Keys = slices.DeleteFunc(is.Keys, func(c envfile.Change) bool { return !slices.Contains(unresolved, c.Key) })
	return nil
}
