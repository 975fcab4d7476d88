// Package keyring owns configsync's OpenPGP cryptography: identities,
// member and environment keys, sign-then-encrypt and decrypt-then-verify of
// secret items, detached signatures over the team manifest, and re-wrapping
// a message's session key for a new set of recipients.
//
// It is the only package of configsync that imports go-crypto, and it hides
// go-crypto's types: callers see [PrivateKey], [PublicKey], [Mode] and the
// typed errors below, never packets or entities.
//
// Policy, in one place:
//
//   - New keys are RFC 9580 v6 keys: an Ed25519 primary key (certify, sign)
//     and an X25519 encryption subkey, whose self-signature advertises
//     SEIPDv2 with AES-256 in GCM mode. Those preferences are only honoured
//     when written at generation time, so [Generate] is the one place that
//     sets them.
//   - Existing GnuPG v4 keys are accepted when they are Ed25519/Cv25519 or
//     RSA of at least 3072 bits; anything else is an [*UnsupportedKeyError].
//   - [EncryptBound] signs, then encrypts, with SEIPDv2 AES-256-GCM when
//     every recipient advertises it and SEIPDv1 AES-256 for the whole
//     message otherwise. It does not bind intended-recipient fingerprints
//     into the signature, so [Rewrap] can give the same encrypted data
//     packet to a new set of recipients without invalidating the signature.
//   - It binds instead a short text — where the message belongs — into
//     the signature as a notation in its hashed area; [DecryptBound]
//     returns it. Since recipients are not bound, this is what stops a
//     signed message from being re-encrypted and used elsewhere.
//   - [Decrypt] reads and authenticates the whole message before it returns
//     anything, and requires a valid signature by a key of the caller's
//     allow-list; an unknown signer is never treated as valid.
//
// No function reads the clock: times are arguments. Errors never contain
// plaintext or key material.
package keyring
