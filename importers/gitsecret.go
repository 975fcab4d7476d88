package importers

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"time"

	"github.com/configsync/configsync/keyring"
)

// GitSecretExt is the extension git-secret gives the files it hides.
const GitSecretExt = ".secret"

// GitSecret decrypts one git-secret file: an OpenPGP message gpg wrote
// to the members' keys. keys (configsync's identity, a GnuPG key
// imported with configsync keys import) are tried first, in process;
// when the file is not encrypted to any of them, gpg decrypts it with
// a key in its keyring or agent, the plaintext read from its stdout.
func (r Runner) GitSecret(ctx context.Context, name string, data []byte, keys []*keyring.PrivateKey, now time.Time) ([]byte, error) {
	plain, err := keyring.DecryptForeign(data, keys, now)
	switch {
	case err == nil:
		return plain, nil
	case errors.Is(err, keyring.ErrIntegrity):
		return nil, &ValueError{File: name, Err: errors.New("modified or corrupted")}
	case errors.Is(err, keyring.ErrTooLarge):
		return nil, &ValueError{File: name, Err: err}
	case errors.Is(err, keyring.ErrMalformed):
		return nil, &ValueError{File: name, Err: errors.New("not an OpenPGP message")}
	}
	recipients := "the members' GnuPG keys"
	if ids, err := keyring.RecipientKeyIDs(data); err == nil && len(ids) > 0 {
		recipients = strings.Join(ids, ", ")
	}
	missing := &KeyError{File: name, Key: "for any of its recipients (" + recipients + ")", Missing: true}
	if !r.has("gpg") {
		missing.Detail = ": not configsync's identity, and gpg is not installed"
		return nil, missing
	}
	out, stderr, err := r.run(ctx, data, "gpg", "--batch", "--quiet", "--no-tty", "--decrypt")
	if err == nil {
		return out, nil
	}
	clear(out)
	var exit *exec.ExitError
	if !errors.As(err, &exit) {
		return nil, fmt.Errorf("%s: run gpg: %w", name, err)
	}
	if s := string(stderr); strings.Contains(s, "No secret key") || strings.Contains(s, "no secret key") {
		missing.Detail = ": neither configsync's identity nor gpg has it (configsync keys import, or gpg --import)"
		return nil, missing
	}
	return nil, &ValueError{File: name, Err: fmt.Errorf("gpg: %s", firstLine(stderr))}
}
