package keyring

import (
	"bytes"
	"fmt"
	"io"
	"time"

	openpgp "github.com/ProtonMail/go-crypto/openpgp/v2"
)

// SignDetached returns an armored detached signature by signer over data,
// made at now (used for the team manifest).
func SignDetached(data []byte, signer *PrivateKey, now time.Time) ([]byte, error) {
	if signer == nil {
		return nil, fmt.Errorf("keyring: sign: no signing key")
	}
	if now.IsZero() {
		return nil, fmt.Errorf("keyring: sign: zero signature time")
	}
	cfg := newConfig(now)
	if _, ok := signer.entity.SigningKey(now, cfg); !ok {
		return nil, &UnsupportedKeyError{Fingerprint: signer.Fingerprint(), Reason: "no signing key valid at " + now.UTC().Format(time.RFC3339) + " (expired or revoked)"}
	}
	var buf bytes.Buffer
	if err := openpgp.ArmoredDetachSign(&buf, []*openpgp.Entity{signer.entity}, bytes.NewReader(data), &openpgp.SignParams{Config: cfg}); err != nil {
		return nil, fmt.Errorf("keyring: sign: %w", err)
	}
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}

// VerifyDetached checks the detached signature sig (armored or binary) over
// data and returns the signer, who must be one of signers. Errors
// (errors.Is): [ErrUnsigned] when sig holds no signature, [ErrUnknownSigner]
// (as [*UnknownSignerError]), [ErrBadSignature] when the data was modified
// or the signer's key was not valid at the signature's time.
func VerifyDetached(data, sig []byte, signers []*PublicKey, now time.Time) (*PublicKey, error) {
	body, err := dearmor(sig, signatureBlock)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnsigned, err)
	}
	var ring openpgp.EntityList
	for _, s := range signers {
		if s != nil {
			ring = append(ring, s.entity)
		}
	}
	md, err := openpgp.VerifyDetachedSignatureReader(ring, bytes.NewReader(data), bytes.NewReader(body), newConfig(now))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnsigned, err)
	}
	if _, err := io.Copy(io.Discard, md.UnverifiedBody); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadSignature, err)
	}
	return checkSignature(md, signers)
}
