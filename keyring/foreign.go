package keyring

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"time"

	pgperrors "github.com/ProtonMail/go-crypto/openpgp/errors"
	openpgp "github.com/ProtonMail/go-crypto/openpgp/v2"
)

// DecryptForeign decrypts a message that another tool wrote (git-secret's
// .secret files, written by gpg --encrypt): no signature is required, and
// a compressed body, gpg's default, is read up to [MaxPlaintext]. Like
// [Decrypt] it reads the whole message and checks its integrity (MDC or
// AEAD tag) before returning any plaintext. It is for importing once,
// never for reading the store.
//
// Errors (errors.Is): [ErrNoKey], [ErrIntegrity], [ErrTooLarge],
// [ErrMalformed].
func DecryptForeign(ciphertext []byte, keys []*PrivateKey, now time.Time) ([]byte, error) {
	if len(ciphertext) > maxCiphertext(MaxPlaintext) {
		return nil, fmt.Errorf("%w: %d bytes, over the limit of %s", ErrTooLarge, len(ciphertext), mib(maxCiphertext(MaxPlaintext)))
	}
	cfg := newConfig(now)
	limit := int64(MaxPlaintext)
	cfg.MaxDecompressedMessageSize = &limit
	var ring openpgp.EntityList
	for _, k := range keys {
		if k != nil {
			ring = append(ring, k.entity)
		}
	}
	md, err := openpgp.ReadMessage(bytes.NewReader(ciphertext), ring, nil, cfg)
	if err != nil {
		return nil, classify(err)
	}
	if !md.IsEncrypted {
		return nil, fmt.Errorf("%w: message is not encrypted", ErrMalformed)
	}
	body, err := io.ReadAll(io.LimitReader(md.UnverifiedBody, MaxPlaintext+1))
	switch {
	case errors.Is(err, pgperrors.ErrMessageTooLarge), err == nil && len(body) > MaxPlaintext:
		clear(body)
		return nil, fmt.Errorf("%w: its plaintext is over the limit of %s", ErrTooLarge, mib(MaxPlaintext))
	case err != nil:
		clear(body)
		return nil, fmt.Errorf("%w (%v)", ErrIntegrity, err)
	}
	// A signature, if the writer added one, is not checked: git-secret
	// does not sign, and whoever wrote the file is not a member here.
	return body, nil
}
