package scopes

import (
	"fmt"
	"os"

	"github.com/configsync/configsync/config"
	"github.com/configsync/configsync/keyring"
)

// IdentityPath is where the identity lives under $CONFIGSYNC_HOME.
func IdentityPath(home string) string { return config.Home(home).Identity() }

// GenerateIdentity makes a new identity and saves it (mode 0600),
// passphrase-protected when passphrase is non-empty. It refuses to replace
// an existing identity.
func (v *Session) GenerateIdentity(name, email string, passphrase []byte) (*keyring.PrivateKey, error) {
	return v.generateIdentity(name, email, passphrase)
}

func (ma *machine) generateIdentity(name, email string, passphrase []byte) (*keyring.PrivateKey, error) {
	key, err := keyring.Generate(name, email, ma.opts.Now())
	if err != nil {
		return nil, err
	}
	if err := ma.saveIdentity(key, passphrase); err != nil {
		return nil, err
	}
	ma.id = key
	return key, nil
}

// ImportIdentity saves an existing private key as the identity.
func (v *Session) ImportIdentity(key *keyring.PrivateKey, passphrase []byte) error {
	if err := v.saveIdentity(key, passphrase); err != nil {
		return err
	}
	v.id = key
	return nil
}

func (ma *machine) saveIdentity(key *keyring.PrivateKey, passphrase []byte) error {
	path := ma.home().Identity()
	if _, err := os.Lstat(path); err == nil {
		return fmt.Errorf("%w at %s", ErrIdentityExists, path)
	}
	armored, err := key.Armor(passphrase)
	if err != nil {
		return err
	}
	if err := ma.home().Make(); err != nil {
		return err
	}
	return config.WriteFileAtomic(path, armored)
}
