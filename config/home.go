package config

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"

	"github.com/configsync/configsync/internal/rofile"
)

// Home is $CONFIGSYNC_HOME, this machine's configsync directory, and the
// one place that names what configsync keeps there. cmd/configsync
// resolves it (--home, the environment, the XDG default); every other
// package asks it for paths, creates it with [Home.Make] and reads its
// secret keys with [Home.Key].
type Home string

// The files and directories under a Home.
const (
	LocalFile     = "config.toml"  // this machine's settings ([Local])
	IdentityFile  = "identity.asc" // the private key, passphrase-protected
	StoreDir      = "store.git"    // the store, when it has no store.repo
	StateFile     = "state.json"   // keyed hashes of what was last synced
	StateKeyFile  = "state.key"    // StateFile's HMAC key
	MarksFile     = "trust.json"   // the store's high-water marks
	LockFile      = "lock"         // serialises configsync invocations ([Lock])
	BackupDir     = "backups"      // local versions pull replaced
	LeakIndexFile = "leak.idx"     // the pre-commit guard's leak index
	LeakKeyFile   = "leak.key"     // LeakIndexFile's HMAC key
)

// Path is name (one of the constants above) under h.
func (h Home) Path(name string) string { return filepath.Join(string(h), name) }

// Config is the local settings file, for [LoadLocal] and [Local.Save].
func (h Home) Config() string { return h.Path(LocalFile) }

// Identity is the private key's file.
func (h Home) Identity() string { return h.Path(IdentityFile) }

// Store is the store's own repository (when store.repo is not set).
func (h Home) Store() string { return h.Path(StoreDir) }

// State is the sync state's file; its key is [StateKeyFile].
func (h Home) State() string { return h.Path(StateFile) }

// Marks is the store's high-water marks file.
func (h Home) Marks() string { return h.Path(MarksFile) }

// Lock is the lock file, for [Lock].
func (h Home) Lock() string { return h.Path(LockFile) }

// Backups is the directory of the local versions pull replaced.
func (h Home) Backups() string { return h.Path(BackupDir) }

// LeakIndex is the leak index; its key is [Home.LeakKey].
func (h Home) LeakIndex() string { return h.Path(LeakIndexFile) }

// LeakKey is the leak index's key file.
func (h Home) LeakKey() string { return h.Path(LeakKeyFile) }

// Make creates h mode 0700, and takes group and other access away from an
// existing one before configsync writes in it: it holds the identity, the
// store and the sync state.
func (h Home) Make() error {
	dir := string(h)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	st, err := os.Stat(dir)
	if err != nil {
		return err
	}
	if perm := st.Mode().Perm(); perm&0o077 != 0 {
		return os.Chmod(dir, perm&0o700)
	}
	return nil
}

// Errors of [Home.Key], wrapped with the file's path.
var (
	// ErrInsecureKey: the key file is a symlink, not a regular file, or
	// readable or writable by other users than its owner.
	ErrInsecureKey = errors.New("key file is accessible to other users")
	// ErrDamagedKey: the key file does not hold a key of the size asked.
	ErrDamagedKey = errors.New("key file is damaged")
)

// Key returns the local secret key (an HMAC key: the sync state's, the
// leak index's) in file name under h, size random bytes. A missing file
// is created, mode 0600, in h made with [Home.Make]; when another
// process creates it meanwhile, that key wins. A key file that is a
// symlink or that other users may read is refused with ErrInsecureKey, one
// of another size with ErrDamagedKey: neither is ever rewritten.
func (h Home) Key(name string, size int) ([]byte, error) {
	path := h.Path(name)
	key, err := readKey(path, size)
	if !errors.Is(err, fs.ErrNotExist) {
		return key, err
	}
	if err := h.Make(); err != nil {
		return nil, err
	}
	key = make([]byte, size)
	rand.Read(key) // never fails (crypto/rand)
	err = createOnce(string(h), name, key)
	if errors.Is(err, fs.ErrExist) {
		return readKey(path, size)
	}
	if err != nil {
		return nil, err
	}
	return key, nil
}

// readKey reads a key file of size bytes that only its owner may use.
// The file opened is checked to be the one inspected, so a symlink put
// in place meanwhile is not followed unnoticed.
func readKey(path string, size int) ([]byte, error) {
	fi, err := os.Lstat(path)
	if err != nil {
		return nil, err
	}
	if err := keyFileSafe(path, fi); err != nil {
		return nil, err
	}
	f, err := rofile.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if opened, err := f.Stat(); err != nil || !os.SameFile(fi, opened) {
		return nil, fmt.Errorf("%s changed while it was read: %w", path, ErrInsecureKey)
	}
	key, err := io.ReadAll(io.LimitReader(f, int64(size)+1))
	if err != nil {
		return nil, err
	}
	if len(key) != size {
		return nil, fmt.Errorf("%s is not %d bytes: %w", path, size, ErrDamagedKey)
	}
	return key, nil
}

func keyFileSafe(path string, fi fs.FileInfo) error {
	switch {
	case fi.Mode()&fs.ModeSymlink != 0:
		return fmt.Errorf("%s is a symlink: %w", path, ErrInsecureKey)
	case !fi.Mode().IsRegular():
		return fmt.Errorf("%s is not a regular file: %w", path, ErrInsecureKey)
	case runtime.GOOS != "windows" && fi.Mode().Perm()&0o077 != 0:
		return fmt.Errorf("%s has mode %04o, want 0600: %w", path, fi.Mode().Perm(), ErrInsecureKey)
	}
	return nil
}

// createOnce writes data to name in dir, 0600, unless name exists
// (fs.ErrExist): written whole under a temp name, then linked into place,
// so no reader sees a partial file and no writer replaces another's.
func createOnce(dir, name string, data []byte) error {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return err
	}
	defer root.Close()
	tmp := tempName(name)
	if err := WriteFileIn(root, tmp, data); err != nil {
		return err
	}
	defer root.Remove(tmp)
	err = root.Link(tmp, name)
	if err != nil && !errors.Is(err, fs.ErrExist) {
		// A file system without hard links: a rename then, which
		// replaces a key created in the same instant.
		err = root.Rename(tmp, name)
	}
	if err == nil {
		if d, derr := root.Open("."); derr == nil {
			d.Sync() // best effort: make the new name durable
			d.Close()
		}
	}
	return err
}
