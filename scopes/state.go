package scopes

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/configsync/configsync/config"
	"github.com/configsync/configsync/internal/rofile"
)

// syncState remembers, per local file, what configsync last wrote or
// pushed, as keyed hashes (HMAC with a local random key): enough to tell
// local edits from store changes without keeping any plaintext.
type syncState struct {
	Files map[string]*fileState `json:"files"` // by absolute path
	// Tiers pins the tier last accepted for each environment (tierpin.go).
	Tiers map[string]Tier `json:"tiers,omitempty"`

	key  []byte
	path string
}

type fileState struct {
	// HMAC of the content configsync last wrote (pull) or pushed.
	HMAC string `json:"hmac"`
	// Per environment: the store blob at the last sync and its HMAC.
	Envs map[string]envState `json:"envs,omitempty"`
}

type envState struct {
	Blob string `json:"blob"`
	HMAC string `json:"hmac"`
	// Doc is set for an item whose content lives in a provider.
	Doc *docState `json:"doc,omitempty"`
	// Item ("project/path") and Created (the environment's creation
	// time) say which item of which environment the blob was: a file
	// tracked again as another project, or an environment deleted and
	// created again, is not an item deleted in the store.
	Item    string `json:"item,omitempty"`
	Created string `json:"created,omitempty"`
}

func (lc *local) loadState() (*syncState, error) {
	st := &syncState{Files: map[string]*fileState{}, path: lc.home().State()}
	key, err := lc.home().Key(config.StateKeyFile, 32)
	if errors.Is(err, config.ErrDamagedKey) {
		return nil, fmt.Errorf("%s is damaged: remove it (configsync then treats every file as not yet synced)", lc.home().Path(config.StateKeyFile))
	}
	if err != nil {
		return nil, err
	}
	st.key = key
	data, err := rofile.ReadFile(st.path)
	if errors.Is(err, fs.ErrNotExist) {
		return st, nil
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(data, st); err != nil {
		return nil, fmt.Errorf("%s is damaged (%v): remove it", st.path, err)
	}
	if st.Files == nil {
		st.Files = map[string]*fileState{}
	}
	return st, nil
}

func (st *syncState) save() error {
	data, err := json.MarshalIndent(st, "", " ")
	if err != nil {
		return err
	}
	return config.WriteFileAtomic(st.path, data)
}

func (st *syncState) mac(content []byte) string {
	m := hmac.New(sha256.New, st.key)
	m.Write(content)
	return hex.EncodeToString(m.Sum(nil))
}

func (st *syncState) file(abs string) *fileState {
	f := st.Files[abs]
	if f == nil {
		f = &fileState{}
		st.Files[abs] = f
	}
	if f.Envs == nil {
		f.Envs = map[string]envState{}
	}
	return f
}

// record notes that abs now holds content matching blob, item project/
// path of env; doc is the provider document that holds it, nil for the
// store itself.
func (st *syncState) record(abs string, env Environment, project, path, blob, mac string, doc *docState) {
	f := st.file(abs)
	f.HMAC = mac
	f.Envs[env.Name] = envState{Blob: blob, HMAC: mac, Doc: doc, Item: project + "/" + path, Created: envCreated(env)}
}

func envCreated(env Environment) string { return env.Created.UTC().Format(time.RFC3339Nano) }

// lastSync is what this machine last synced of the file in env: false
// when it never did (f may be nil).
func (f *fileState) lastSync(env string) (envState, bool) {
	if f == nil {
		return envState{}, false
	}
	s, ok := f.Envs[env]
	return s, ok && s.Blob != ""
}

// deletedSync is the last sync of item project/path in env, if this
// machine synced that very item (same project, same incarnation of the
// environment): when the store no longer holds it, it was deleted there.
func (f *fileState) deletedSync(env Environment, project, path string) (envState, bool) {
	s, ok := f.lastSync(env.Name)
	return s, ok && s.Item == project+"/"+path && s.Created == envCreated(env)
}
