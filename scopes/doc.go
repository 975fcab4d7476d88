// Package scopes is configsync's domain: tiers, the team manifest,
// environments with their own keys, name validation, access decisions, and
// the use cases that the command line runs (Init, Push, Pull, Status, Diff,
// Inject, Export, team changes).
//
// It sees plaintext only in memory, stores ciphertext through gitstore,
// does all cryptography through keyring, and never prints: it returns
// values and typed errors that cmd/configsync turns into messages.
package scopes
