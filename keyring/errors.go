package keyring

import (
	"errors"
	"fmt"
)

// Sentinel errors. Functions wrap them with context; test with errors.Is.
var (
	// ErrNoKey means none of the given private keys can decrypt the message:
	// it was not encrypted to you.
	ErrNoKey = errors.New("keyring: message is not encrypted to any of the given keys")
	// ErrIntegrity means the encrypted data failed its authentication check
	// (AEAD tag or MDC): it was modified or corrupted. No plaintext is
	// returned with it.
	ErrIntegrity = errors.New("keyring: message failed its integrity check (modified or corrupted)")
	// ErrUnsigned means the message or signature carries no signature.
	ErrUnsigned = errors.New("keyring: message is not signed")
	// ErrUnknownSigner means the signature was made by a key that is not in
	// the allowed signers. The concrete error is an [*UnknownSignerError].
	ErrUnknownSigner = errors.New("keyring: signed by a key that is not an allowed signer")
	// ErrBadSignature means a signature by an allowed signer does not verify
	// (wrong data, expired or revoked key, weak hash...).
	ErrBadSignature = errors.New("keyring: signature does not verify")
	// ErrPassphraseRequired means the secret key is passphrase-protected and
	// no passphrase function was given.
	ErrPassphraseRequired = errors.New("keyring: secret key is protected by a passphrase")
	// ErrWrongPassphrase means the passphrase does not unlock the secret key.
	ErrWrongPassphrase = errors.New("keyring: wrong passphrase for secret key")
	// ErrNoSecretKey means a secret key was expected but the data holds only
	// a public key.
	ErrNoSecretKey = errors.New("keyring: not a secret key (public key only)")
	// ErrNoRecipients means EncryptBound or Rewrap was given no recipient.
	ErrNoRecipients = errors.New("keyring: no recipients")
	// ErrAEADUnsupported means Rewrap was asked to add a recipient that does
	// not support SEIPDv2 to a SEIPDv2 message; the message must be
	// re-encrypted (Decrypt, then EncryptBound) instead.
	ErrAEADUnsupported = errors.New("keyring: recipient does not support AEAD (SEIPDv2): re-encrypt instead of re-wrapping")
	// ErrCompressed means the message holds a compressed data packet.
	// [EncryptBound] never compresses, and decompressing a hostile message can
	// take gigabytes from a few megabytes, so it is refused before
	// anything is decompressed. (GnuPG compresses by default: a message
	// made with gpg needs --compress-algo none.)
	ErrCompressed = errors.New("keyring: message is compressed")
	// ErrTooLarge means a message or its plaintext is larger than
	// [MaxPlaintext] allows; nothing larger is read, written or decrypted.
	ErrTooLarge = errors.New("keyring: message is too large")
	// ErrMalformed means the input is not an OpenPGP message, key or
	// signature this package can read.
	ErrMalformed = errors.New("keyring: malformed OpenPGP data")
)

// UnsupportedKeyError reports a key that is readable but refused by policy:
// weak or unsupported algorithm, wrong version, missing encryption or signing
// capability, revoked, or a GnuPG stub without secret material.
type UnsupportedKeyError struct {
	// Fingerprint of the refused key, upper-case hex; "" if unknown.
	Fingerprint string
	// Reason says what is wrong, for the user.
	Reason string
}

// Error returns the refusal with the key's fingerprint and the reason.
func (e *UnsupportedKeyError) Error() string {
	if e.Fingerprint == "" {
		return "keyring: unsupported key: " + e.Reason
	}
	return fmt.Sprintf("keyring: unsupported key %s: %s", e.Fingerprint, e.Reason)
}

// UnknownSignerError reports a signature made by a key outside the allowed
// signers. It matches [ErrUnknownSigner] with errors.Is.
type UnknownSignerError struct {
	// KeyID is the issuer's fingerprint (upper-case hex) when the signature
	// names it, else its 16-digit key id.
	KeyID string
}

// Error names the unknown signer's key.
func (e *UnknownSignerError) Error() string {
	return fmt.Sprintf("keyring: signed by %s, which is not an allowed signer", e.KeyID)
}

// Is reports whether target is [ErrUnknownSigner].
func (e *UnknownSignerError) Is(target error) bool { return target == ErrUnknownSigner }
