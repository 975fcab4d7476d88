package hooks

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/configsync/configsync/config"
	"github.com/configsync/configsync/envfile"
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
	// digests remember what each source was built from (a keyed hash of
	// its keys, values and the minimum length) and how many values it
	// indexed, so an unchanged item is not hashed again.
	digests map[string]sourceDigest

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
	data, err := os.ReadFile(indexPath)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return ix, nil
	case err != nil:
		return nil, fmt.Errorf("read leak index: %w", err)
	}
	if err := ix.decode(data); err != nil {
		return nil, fmt.Errorf("read leak index %s: %w", indexPath, err)
	}
	return ix, nil
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
	entries := make([]entry, 0, 2*len(secrets)) // a value has one or two forms, mostly
	n := 0
	for _, s := range secrets {
		forms := indexForms(s.Value, minLength)
		if len(forms) > 0 {
			n++
		}
		for _, f := range forms {
			entries = append(entries, entry{key: s.Key, length: uint32(len(f)), tag: ix.tagOf([]byte(f)), mac: ix.sum([]byte(f))})
		}
	}
	if len(entries) == 0 {
		delete(ix.sources, source)
		delete(ix.digests, source)
	} else {
		ix.sources[source] = entries
		d.n = uint32(n)
		ix.digests[source] = d
	}
	ix.built = false
	return n
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
// mode 0600, creating its directory (0700) if needed.
func (ix *Index) Save() error {
	if err := os.MkdirAll(filepath.Dir(ix.path), 0o700); err != nil {
		return fmt.Errorf("save leak index: %w", err)
	}
	if err := config.WriteFileAtomic(ix.path, ix.encode()); err != nil {
		return fmt.Errorf("save leak index: %w", err)
	}
	return nil
}

func (ix *Index) encode() []byte {
	var b []byte
	b = append(b, indexMagic...)
	putStr := func(s string) {
		b = binary.LittleEndian.AppendUint32(b, uint32(len(s)))
		b = append(b, s...)
	}
	b = binary.LittleEndian.AppendUint32(b, uint32(len(ix.sources)))
	for _, src := range ix.Sources() {
		es := ix.sources[src]
		putStr(src)
		d := ix.digests[src]
		b = append(b, d.sum[:]...)
		b = binary.LittleEndian.AppendUint32(b, d.n)
		b = binary.LittleEndian.AppendUint32(b, uint32(len(es)))
		for _, e := range es {
			putStr(e.key)
			b = binary.LittleEndian.AppendUint32(b, e.length)
			b = binary.LittleEndian.AppendUint32(b, e.tag)
			b = append(b, e.mac[:]...)
		}
	}
	m := hmac.New(sha256.New, ix.fileKey)
	m.Write(b)
	return m.Sum(b)
}

func (ix *Index) decode(data []byte) error {
	if len(data) < len(indexMagic)+sha256.Size || !bytes.Equal(data[:len(indexMagic)], indexMagic) {
		return ErrIndexCorrupt
	}
	body, sum := data[:len(data)-sha256.Size], data[len(data)-sha256.Size:]
	m := hmac.New(sha256.New, ix.fileKey)
	m.Write(body)
	if !hmac.Equal(m.Sum(nil), sum) {
		return ErrIndexCorrupt
	}
	r := body[len(indexMagic):]
	bad := false
	u32 := func() uint32 {
		if len(r) < 4 {
			bad = true
			return 0
		}
		v := binary.LittleEndian.Uint32(r)
		r = r[4:]
		return v
	}
	str := func() string {
		n := u32()
		if bad || uint64(n) > uint64(len(r)) {
			bad = true
			return ""
		}
		s := string(r[:n])
		r = r[n:]
		return s
	}
	nsrc := u32()
	for i := uint32(0); i < nsrc && !bad; i++ {
		src := str()
		if bad || len(r) < sha256.Size {
			return ErrIndexCorrupt
		}
		var d sourceDigest
		copy(d.sum[:], r)
		r = r[sha256.Size:]
		d.n = u32()
		n := u32()
		if bad || uint64(n) > uint64(len(r)) {
			return ErrIndexCorrupt
		}
		es := make([]entry, 0, n)
		for j := uint32(0); j < n && !bad; j++ {
			e := entry{key: str(), length: u32(), tag: u32()}
			if bad || len(r) < sha256.Size || e.length < window {
				return ErrIndexCorrupt
			}
			copy(e.mac[:], r)
			r = r[sha256.Size:]
			es = append(es, e)
		}
		ix.sources[src] = es
		ix.digests[src] = d
	}
	if bad || len(r) != 0 {
		return ErrIndexCorrupt
	}
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

func (ix *Index) build() {
	if ix.built {
		return
	}
	ix.filter = make([]uint64, (1<<filterBits)/64)
	ix.byTag = map[uint32][]match{}
	for _, src := range ix.Sources() {
		for _, e := range ix.sources[src] {
			f := e.tag >> (tagBits - filterBits)
			ix.filter[f/64] |= 1 << (f % 64)
			ix.byTag[e.tag] = append(ix.byTag[e.tag], match{source: src, entry: e})
		}
	}
	for _, ms := range ix.byTag {
		// by length, so find computes one HMAC per distinct length
		slices.SortStableFunc(ms, func(a, b match) int { return int(a.length) - int(b.length) })
	}
	ix.built = true
}

// hit is one occurrence of an indexed form in scanned data.
type hit struct {
	offset int
	source string
	key    string
}

// find calls fn for every occurrence in data of an indexed form, in order
// of offset. It is the hot path of the guard: one multiply-add and one
// bitset probe per byte, and HMACs only for windows that pass the filter
// and whose full tag matches.
func (ix *Index) find(data []byte, fn func(hit)) {
	if len(ix.sources) == 0 || len(data) < window {
		return
	}
	ix.build()
	var m hash.Hash
	var sum [sha256.Size]byte
	base, top := ix.base, ix.powTop
	filter := ix.filter
	var h uint64
	for _, c := range data[:window] {
		h = h*base + uint64(c)
	}
	for i := 0; ; i++ {
		t := ix.finish(h)
		f := t >> (tagBits - filterBits)
		if filter[f/64]&(1<<(f%64)) != 0 {
			if cands := ix.byTag[t]; cands != nil {
				if m == nil {
					m = hmac.New(sha256.New, ix.macKey)
				}
				lastLen := -1
				for _, c := range cands {
					n := int(c.length)
					if i+n > len(data) {
						continue
					}
					if n != lastLen {
						m.Reset()
						m.Write(data[i : i+n])
						m.Sum(sum[:0])
						lastLen = n
					}
					if hmac.Equal(sum[:], c.mac[:]) {
						fn(hit{offset: i, source: c.source, key: c.key})
					}
				}
			}
		}
		if i+window >= len(data) {
			return
		}
		h = (h-uint64(data[i])*top)*base + uint64(data[i+window])
	}
}

// Indexable reports whether a value of a tracked item is worth indexing on
// its own: at least minLength bytes (never less than 8; 0 means
// config.DefaultMinLength) and not trivial.
// Trivial values are all digits; true, false, yes, no, on, off, null, none;
// localhost, 127.0.0.1, 0.0.0.0; a value made of one repeated character;
// and a plain http(s) URL (no user information, no query, no long path
// segment that could be a token). A URL with a password is indexable, and
// its password is indexed on its own too.
func Indexable(value string, minLength int) bool {
	if minLength <= 0 {
		minLength = config.DefaultMinLength
	}
	minLength = max(minLength, window)
	if len(value) < minLength {
		return false
	}
	switch strings.ToLower(value) {
	case "true", "false", "yes", "no", "on", "off", "null", "none", "localhost", "127.0.0.1", "0.0.0.0":
		return false
	}
	if strings.Trim(value, "0123456789") == "" || strings.Trim(value, value[:1]) == "" {
		return false
	}
	return !plainURL(value)
}

func plainURL(v string) bool {
	lower := strings.ToLower(v)
	if !strings.HasPrefix(lower, "http://") && !strings.HasPrefix(lower, "https://") {
		return false
	}
	u, err := url.Parse(v)
	if err != nil || u.User != nil || u.RawQuery != "" || u.Fragment != "" || u.Host == "" {
		return false
	}
	for seg := range strings.SplitSeq(u.EscapedPath(), "/") {
		if len(seg) >= 20 {
			return false
		}
	}
	return true
}

// indexForms returns the distinct strings to index for one value: the
// value, the password of a URL with user information, the lines of a
// multi-line value, and for each of those their base64 (standard and URL
// alphabet; the unpadded form also matches the padded one), JSON-escaped
// and URL-escaped forms.
func indexForms(value string, minLength int) []string {
	var bases []string
	if Indexable(value, minLength) {
		bases = append(bases, value)
	}
	if u, err := url.Parse(value); err == nil && u.User != nil {
		if pw, ok := u.User.Password(); ok {
			bases = append(bases, pw)
			if raw := rawPassword(value); raw != pw {
				bases = append(bases, raw)
			}
		}
	}
	if strings.Contains(value, "\n") {
		for line := range strings.SplitSeq(value, "\n") {
			line = strings.TrimSpace(line)
			if !strings.HasPrefix(line, "-----") {
				bases = append(bases, line)
			}
		}
	}
	var out []string
	add := func(s string) {
		if len(s) >= window && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	for _, b := range bases {
		if !Indexable(b, minLength) {
			continue
		}
		add(b)
		add(base64.RawStdEncoding.EncodeToString([]byte(b)))
		add(base64.RawURLEncoding.EncodeToString([]byte(b)))
		add(jsonEscape(b))
		add(url.QueryEscape(b))
		add(url.PathEscape(b))
	}
	return out
}

// rawPassword returns the password of a URL as written (still escaped).
func rawPassword(v string) string {
	_, rest, ok := strings.Cut(v, "://")
	if !ok {
		return ""
	}
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		rest = rest[:i]
	}
	at := strings.LastIndex(rest, "@")
	if at < 0 {
		return ""
	}
	_, pw, _ := strings.Cut(rest[:at], ":")
	return pw
}

func jsonEscape(s string) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if enc.Encode(s) != nil {
		return ""
	}
	out := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	return string(out[1 : len(out)-1])
}

// EnvSecrets returns the secrets of a parsed dotenv item, ready for
// Replace: every key's value as written (unexpanded) and, when expansion
// among the file's own keys changes it, the expanded value too. The
// process environment is not consulted.
func EnvSecrets(f *envfile.File) []Secret {
	var out []Secret
	raw := envfile.Resolve([]*envfile.File{f}, false, nil)
	expanded := envfile.Resolve([]*envfile.File{f}, true, nil)
	for i, v := range raw {
		out = append(out, Secret{Key: v.Key, Value: v.Value.Reveal()})
		if i < len(expanded) && expanded[i].Key == v.Key && expanded[i].Value.Reveal() != v.Value.Reveal() {
			out = append(out, Secret{Key: v.Key, Value: expanded[i].Value.Reveal()})
		}
	}
	return out
}
