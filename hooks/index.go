package hooks

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/configsync/configsync/config"
	"github.com/configsync/configsync/internal/rofile"
)

// KeySize is the size in bytes of the leak index's local random key.
const KeySize = 32

// window is the length of the rolling prefilter window: every indexed form
// is at least this long, and its first window bytes give its tag.
const window = 8

// tagBits is how many bits of the keyed rolling fingerprint are stored per
// form: enough to make the prefilter selective, few enough that the tag says
// almost nothing about the value even to someone who has the key.
const tagBits = 24

// filterBits is the size (log2, in bits) of the in-memory bitset that
// screens every window of scanned text before the tag map is consulted.
const filterBits = 20

// indexMagic starts every index file; the digit is the format version.
var indexMagic = []byte("CSLEAKX2")

var (
	// ErrIndexCorrupt means the index file is damaged or was written with
	// another key (for instance the key file was deleted and re-created).
	// Delete the index and refresh it (push or pull rebuilds it).
	ErrIndexCorrupt = errors.New("leak index is corrupt or was written with another key")

	// ErrInsecureKeyFile means the index key file is a symlink, or
	// readable or writable by other users than its owner.
	ErrInsecureKeyFile = config.ErrInsecureKey
)

// Secret is one secret value of a tracked item, handed to Index.Replace.
// Its String and GoString methods never show the value.
type Secret struct {
	// Key is the variable name (or another label) the value belongs to.
	Key string
	// Value is the plaintext value. It is hashed, never stored.
	Value string
}

// String returns the key name with the value redacted.
func (s Secret) String() string { return s.Key + "=<redacted>" }

// GoString returns the key name with the value redacted, for %#v.
func (s Secret) GoString() string {
	return fmt.Sprintf("hooks.Secret{Key:%q, Value:<redacted>}", s.Key)
}

// entry is one indexed form of one secret value.
type entry struct {
	key    string
	length uint32
	tag    uint32
	mac    [sha256.Size]byte
}

// match is an entry as used for lookups, with its source attached.
type match struct {
	source string
	entry
}

// Index is the leak index: for every indexed form of every secret value of
// this machine's tracked items, its length, a short keyed fingerprint of
// its first bytes and its HMAC-SHA256 under a local key. It never holds
// plaintext. An Index is not safe for concurrent use while it is modified.
type Index struct {
	path    string
	macKey  []byte
	fileKey []byte
	base    uint64 // odd multiplier of the rolling hash, secret
	mix     uint64 // secret whitening of the rolling hash
	powTop  uint64 // base^(window-1)

	sources map[string][]entry
	keys    map[string]string // intern
	// digests remember what each source was built from (a keyed hash of
	// its keys, values and the minimum length) and how many values it
	// indexed, so an unchanged item is not hashed again.
	digests map[string]sourceDigest
	// saved: the file holds exactly sources and digests (read from it
	// or saved since), so Save has nothing to write.
	saved bool

	// mac is sum's HMAC, made once (Replace, which uses it, is not safe
	// for concurrent use; lookups make their own).
	mac hash.Hash

	// lookup tables, rebuilt on first use after a change
	built  bool
	filter []uint64
	byTag  map[uint32][]match
}

// OpenIndex opens the leak index stored at indexPath with the key at
// keyPath. A missing key file is created (32 random bytes, mode 0600, its
// directory 0700); a missing index file gives an empty index. A key file
// accessible to other users gives ErrInsecureKeyFile; an index file that
// does not verify under the key gives ErrIndexCorrupt.
func OpenIndex(indexPath, keyPath string) (*Index, error) {
	key, err := loadOrCreateKey(keyPath)
	if err != nil {
		return nil, err
	}
	ix := newIndex(indexPath, key)
	f, err := rofile.Open(indexPath)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return ix, nil
	case err != nil:
		return nil, fmt.Errorf("read leak index: %w", err)
	}
	defer f.Close()
	if err := ix.load(f); err != nil {
		if errors.Is(err, ErrIndexCorrupt) {
			return nil, fmt.Errorf("read leak index %s: %w", indexPath, err)
		}
		return nil, err
	}
	ix.saved = true
	return ix, nil
}

// load reads every source of the index file f into ix, through the
// reader Refresh streams it with.
func (ix *Index) load(f *os.File) error {
	s, err := ix.readStream(f)
	if err != nil {
		return err
	}
	for {
		o, err := s.read()
		if o == nil || err != nil {
			return err
		}
		ix.sources[o.src] = o.entries(ix.intern)
		ix.digests[o.src] = o.d
	}
}

func newIndex(path string, key []byte) *Index {
	derive := func(label string) []byte {
		m := hmac.New(sha256.New, key)
		m.Write([]byte("configsync leak index v1: " + label))
		return m.Sum(nil)
	}
	ix := &Index{
		path:    path,
		macKey:  derive("value mac"),
		fileKey: derive("file mac"),
		sources: map[string][]entry{},
		digests: map[string]sourceDigest{},
	}
	ix.base = binary.LittleEndian.Uint64(derive("rolling base")) | 1
	ix.mix = binary.LittleEndian.Uint64(derive("rolling mix"))
	ix.powTop = 1
	for range window - 1 {
		ix.powTop *= ix.base
	}
	return ix
}

// loadOrCreateKey reads the index key, creating it when missing, through
// config.Home.Key: the one rule for configsync's local key files.
func loadOrCreateKey(keyPath string) ([]byte, error) {
	key, err := config.Home(filepath.Dir(keyPath)).Key(filepath.Base(keyPath), KeySize)
	switch {
	case errors.Is(err, config.ErrDamagedKey):
		return nil, fmt.Errorf("leak index key %s is not %d bytes: %w", keyPath, KeySize, ErrIndexCorrupt)
	case errors.Is(err, config.ErrInsecureKey):
		return nil, err
	case err != nil:
		return nil, fmt.Errorf("leak index key: %w", err)
	}
	return key, nil
}

// Replace replaces every entry of source (an item name such as
// "development/myapp/.env") with the indexable values of secrets. Values
// shorter than minLength (never less than 8; 0 means
// config.DefaultMinLength) or trivial (see Indexable)
// are skipped; for a URL with a password, the password is indexed on its
// own too. Replace with no secrets removes the source. It returns the
// number of values indexed. Nothing is written until Save.
func (ix *Index) Replace(source string, secrets []Secret, minLength int) int {
	d := ix.digestOf(secrets, minLength)
	if old, ok := ix.digests[source]; ok && old.sum == d.sum {
		return int(old.n) // already indexed from these very values
	}
	entries, n := ix.entriesOf(secrets, minLength)
	if len(entries) == 0 {
		if _, ok := ix.digests[source]; !ok {
			return 0 // nothing to remove
		}
		delete(ix.sources, source)
		delete(ix.digests, source)
	} else {
		ix.sources[source] = entries
		d.n = uint32(n)
		ix.digests[source] = d
	}
	ix.built, ix.saved = false, false
	return n
}

// entriesOf is the entries of secrets, and how many values gave some.
func (ix *Index) entriesOf(secrets []Secret, minLength int) ([]entry, int) {
	entries := make([]entry, 0, 2*len(secrets)) // a value has one or two forms, mostly
	n := 0
	for _, s := range secrets {
		forms := indexForms(s.Value, minLength)
		if len(forms) > 0 {
			n++
		}
		for _, f := range forms {
			entries = append(entries, entry{key: ix.intern(s.Key), length: uint32(len(f)), tag: ix.tagOf([]byte(f)), mac: ix.sum([]byte(f))})
		}
	}
	return entries, n
}

// intern is key as one string shared by every entry of that name: the
// same few names recur in thousands of items, and a name sliced from its
// file would keep the whole file's text alive.
func (ix *Index) intern(key string) string {
	if k, ok := ix.keys[key]; ok {
		return k
	}
	if ix.keys == nil {
		ix.keys = map[string]string{}
	}
	k := strings.Clone(key)
	ix.keys[k] = k
	return k
}

// sourceDigest is what a source was built from, and its value count.
type sourceDigest struct {
	sum [sha256.Size]byte
	n   uint32
}

// digestOf is a keyed hash of everything Replace builds a source from.
// The values are streamed into the HMAC: no copy of them is made.
func (ix *Index) digestOf(secrets []Secret, minLength int) sourceDigest {
	m := ix.valueMAC()
	var n [4]byte
	writeLen := func(l int) {
		binary.LittleEndian.PutUint32(n[:], uint32(l))
		m.Write(n[:])
	}
	writeLen(minLength)
	for _, s := range secrets {
		writeLen(len(s.Key))
		io.WriteString(m, s.Key)
		writeLen(len(s.Value))
		io.WriteString(m, s.Value)
	}
	var d sourceDigest
	m.Sum(d.sum[:0])
	return d
}

// Sources returns the item names that have entries in the index, sorted.
func (ix *Index) Sources() []string {
	out := make([]string, 0, len(ix.sources))
	for s := range ix.sources {
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}

// Len returns the number of indexed forms (values and their encodings).
func (ix *Index) Len() int {
	n := 0
	for _, es := range ix.sources {
		n += len(es)
	}
	return n
}

// Save writes the index to its file atomically (config.WriteFileAtomic),
// mode 0600, creating its directory (0700) if needed; not when the file
// already holds it: a pull that restores the values it had (files
// deleted and pulled again) rewrote megabytes for nothing.
func (ix *Index) Save() error {
	if ix.saved {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(ix.path), 0o700); err != nil {
		return fmt.Errorf("save leak index: %w", err)
	}
	if err := config.WriteFileAtomic(ix.path, ix.encode()); err != nil {
		return fmt.Errorf("save leak index: %w", err)
	}
	ix.saved = true
	return nil
}

// sum returns HMAC-SHA256(macKey, data).
func (ix *Index) sum(data []byte) [sha256.Size]byte {
	m := ix.valueMAC()
	m.Write(data)
	var out [sha256.Size]byte
	m.Sum(out[:0])
	return out
}

// valueMAC is the index's HMAC, made once and reset for each use: a new
// HMAC per value cost more than hashing the value.
func (ix *Index) valueMAC() hash.Hash {
	if ix.mac == nil {
		ix.mac = hmac.New(sha256.New, ix.macKey)
	}
	ix.mac.Reset()
	return ix.mac
}

// tagOf returns the tag of a form from its first window bytes.
func (ix *Index) tagOf(form []byte) uint32 {
	var h uint64
	for _, c := range form[:window] {
		h = h*ix.base + uint64(c)
	}
	return ix.finish(h)
}

// finish turns a rolling hash into a tag.
func (ix *Index) finish(h uint64) uint32 {
	h ^= ix.mix
	h ^= h >> 31
	h *= 0xd6e8feb86659fd93
	h ^= h >> 32
	return uint32(h >> (64 - tagBits))
}
