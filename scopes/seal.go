package scopes

import (
	"context"
	"fmt"
	"maps"
	"strings"

	"github.com/configsync/configsync/config"
	"github.com/configsync/configsync/gitstore"
	"github.com/configsync/configsync/keyring"
)

// The writing half of store format 2: every commit that changes the team
// or an environment carries the signed state that the trust rules of
// trust.go check. Commands build their changes as before; commit seals
// them here, in one place, so no command can forget an index.

// manifestFiles writes team/members.toml (the next serial after snap's,
// chained to it), its signature by admin, and the member keys.
func (ma *machine) manifestFiles(snap *snapshot, members []Member, envs []Environment, keys map[string]*keyring.PublicKey, admin *keyring.PrivateKey) ([]gitstore.Change, error) {
	m := manifest{Serial: 1, Members: members, Environments: sortedEnvs(envs)}
	if snap != nil && snap.chain != nil {
		m.Serial, m.Previous = snap.chain.man.Serial+1, snap.chain.manHash
	}
	data, err := config.Marshal(m)
	if err != nil {
		return nil, err
	}
	sig, err := keyring.SignDetached(data, admin, ma.opts.Now())
	if err != nil {
		return nil, err
	}
	changes := []gitstore.Change{
		{Path: membersPath, Data: data},
		{Path: membersSigPath, Data: sig},
	}
	for _, mem := range members {
		armored, err := keys[mem.Fingerprint].Armor()
		if err != nil {
			return nil, err
		}
		changes = append(changes, gitstore.Change{Path: keysDir + "/" + mem.Fingerprint + ".asc", Data: armored})
	}
	return changes, nil
}

// seal adds to changes the index of every environment whose items, key
// generation or existence they change, signed by the identity.
func (ma *machine) seal(ctx context.Context, snap *snapshot, changes []gitstore.Change) ([]gitstore.Change, error) {
	envs := snap.envsAfter(changes)
	if envs == nil {
		return changes, nil
	}
	var out []gitstore.Change
	for _, e := range envs {
		base := snap.indexOf(e)
		items := map[string]string{}
		switch {
		case base != nil:
			items = maps.Clone(base.Items)
		case snap != nil && snap.chain == nil:
			// Upgrading a format 1 store: its items as they are.
			for name, blob := range itemFiles(snap.tree, e.Name) {
				data, err := ma.store.ReadBlob(ctx, blob)
				if err != nil {
					return nil, err
				}
				items[name] = digest(data)
			}
		}
		if ma.wrote == nil {
			ma.wrote = map[gitstore.Hash]string{}
		}
		touched := applyItemChanges(items, e.Name, changes, ma.wrote)
		if base != nil && !touched && base.KeyGeneration == e.KeyGeneration {
			continue
		}
		ix := envIndex{Environment: e.Name, Serial: 1, KeyGeneration: e.KeyGeneration, Items: items}
		if base != nil {
			ix.Serial, ix.Previous = base.Serial+1, base.hash
		}
		data, err := config.Marshal(ix)
		if err != nil {
			return nil, err
		}
		id, err := ma.identity()
		if err != nil {
			return nil, err
		}
		sig, err := keyring.SignDetached(data, id, ma.opts.Now())
		if err != nil {
			return nil, err
		}
		out = append(out, gitstore.Change{Path: indexPath(e.Name), Data: data}, gitstore.Change{Path: indexSigPath(e.Name), Data: sig})
	}
	return append(changes, out...), nil
}

// envsAfter are the environments of the manifest the changes write, else
// of the snapshot's; nil for a format 1 snapshot that the changes do not
// upgrade.
func (snap *snapshot) envsAfter(changes []gitstore.Change) []Environment {
	for _, c := range changes {
		if c.Path == membersPath && !c.Delete {
			var m manifest
			if config.Unmarshal(membersPath, c.Data, &m) == nil && m.Serial > 0 {
				if m.Environments == nil {
					return []Environment{}
				}
				return m.Environments
			}
		}
	}
	if snap == nil || snap.chain == nil {
		return nil
	}
	return snap.chain.man.Environments
}

// indexOf is the index an environment continues: the snapshot's, unless
// the environment is new or was re-created since.
func (snap *snapshot) indexOf(e Environment) *signedIndex {
	if snap == nil || snap.chain == nil {
		return nil
	}
	if old, ok := snap.chain.env(e.Name); !ok || !old.Created.Equal(e.Created) {
		return nil
	}
	return snap.chain.indexes[e.Name]
}

// applyItemChanges brings an index's item digests in line with the
// changes under env's items/; it reports whether any applied.
func applyItemChanges(items map[string]string, env string, changes []gitstore.Change, wrote map[gitstore.Hash]string) bool {
	prefix := envItemsDir(env) + "/"
	touched := false
	for _, c := range changes {
		switch {
		case c.Delete && (c.Path+"/" == prefix || strings.HasPrefix(prefix, c.Path+"/")):
			clear(items) // the environment's directory, or all items
			touched = true
		case !strings.HasPrefix(c.Path, prefix):
		case c.Delete:
			name := strings.TrimPrefix(c.Path, prefix)
			for k := range items {
				if k == name || strings.HasPrefix(k, name+"/") {
					delete(items, k)
				}
			}
			touched = true
		default:
			d := digest(c.Data)
			items[strings.TrimPrefix(c.Path, prefix)] = d
			wrote[gitstore.BlobHash(c.Data)] = d
			touched = true
		}
	}
	return touched
}

// OldFormatError is a write to a format 1 store, which only an admin's
// upgrade may change.
type OldFormatError struct{ Found int }

func (e *OldFormatError) Error() string {
	return fmt.Sprintf("the store is format %d, which this configsync reads but does not write", e.Found)
}
