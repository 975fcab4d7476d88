package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/configsync/configsync/internal/rofile"
	"github.com/configsync/configsync/keyring"
	"github.com/configsync/configsync/scopes"
)

// loadIdentity reads the identity from CONFIGSYNC_IDENTITY,
// CONFIGSYNC_IDENTITY_FILE or $CONFIGSYNC_HOME/identity.asc.
func (a *app) loadIdentity() (*keyring.PrivateKey, error) {
	if a.identity != nil {
		return a.identity, nil
	}
	src, err := a.identitySource()
	if err != nil {
		return nil, err
	}
	id, err := keyring.ReadPrivateKey(src.data, a.passphrase)
	clear(src.data)
	if err != nil {
		return nil, src.explain(err)
	}
	a.identity = id
	return id, nil
}

// identitySource is where the identity is read from and its bytes.
type identitySource struct {
	data  []byte
	where string // "identity file PATH", "CONFIGSYNC_IDENTITY", ...
	fix   string // what to do when it holds no usable secret key
}

func (a *app) identitySource() (identitySource, error) {
	if s := a.env.Getenv("CONFIGSYNC_IDENTITY"); s != "" {
		return identitySource{data: []byte(s), where: "CONFIGSYNC_IDENTITY",
			fix: "set CONFIGSYNC_IDENTITY to your armored secret key"}, nil
	}
	if path := a.env.Getenv("CONFIGSYNC_IDENTITY_FILE"); path != "" {
		data, err := rofile.ReadFile(path)
		if err != nil {
			return identitySource{}, fmt.Errorf("read CONFIGSYNC_IDENTITY_FILE: %w", err)
		}
		return identitySource{data: data, where: "identity file " + path + " (CONFIGSYNC_IDENTITY_FILE)",
			fix: "point CONFIGSYNC_IDENTITY_FILE at your secret key (armored)"}, nil
	}
	path := scopes.IdentityPath(a.home)
	data, err := rofile.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return identitySource{}, scopes.ErrNoIdentity
	}
	if err != nil {
		return identitySource{}, err
	}
	return identitySource{data: data, where: "identity file " + path,
		fix: "restore it from a backup, or move it aside and run configsync keys import SECRET-KEY-FILE"}, nil
}

// explain names the source of a key that is not a usable secret key;
// other errors (a passphrase, an unsupported key) say enough already.
func (s identitySource) explain(err error) error {
	switch {
	case errors.Is(err, keyring.ErrNoSecretKey):
		return &keyFileError{msg: s.where + " holds no secret key (public key only)", fix: s.fix, err: err}
	case errors.Is(err, keyring.ErrMalformed):
		return &keyFileError{msg: s.where + ": " + err.Error(), fix: s.fix, err: err}
	}
	return err
}

// keyFileError is a key file or variable that does not hold the key
// expected: it names where the key came from, and fix says what to do.
type keyFileError struct {
	msg, fix string
	err      error
}

func (e *keyFileError) Error() string { return e.msg }
func (e *keyFileError) Unwrap() error { return e.err }

// passphrase is CONFIGSYNC_PASSPHRASE, else a no-echo prompt.
func (a *app) passphrase() ([]byte, error) {
	if p := a.env.Getenv("CONFIGSYNC_PASSPHRASE"); p != "" {
		return []byte(p), nil
	}
	if !a.env.IsTerminal() {
		return nil, keyring.ErrPassphraseRequired
	}
	fmt.Fprint(a.env.Stderr, "Passphrase for your configsync identity: ")
	p, err := a.env.ReadPassword()
	fmt.Fprintln(a.env.Stderr)
	return p, err
}
