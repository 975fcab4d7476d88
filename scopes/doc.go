// Package scopes is configsync's domain: tiers, the team manifest,
// environments with their own keys, name validation, access decisions, and
// the use cases that the command line runs (Init, Push, Pull, Status, Diff,
// Inject, Export, team changes).
//
// It sees plaintext only in memory, stores ciphertext through gitstore,
// does all cryptography through keyring, and never prints: it returns
// values and typed errors that cmd/configsync turns into messages.
//
// Inside, arrows point down; a layer never calls the one above it:
//
//   - Session (session.go and one file per use case): the exported use
//     cases, nothing else. Pull and push each run as a plan (pullPlan,
//     pushAttempt): decide and refuse, then write or commit, then record.
//   - envAccess (envaccess.go): one environment of one snapshot as this
//     identity uses it (snapshot, environment, member, identity, key); its
//     methods are the per-environment steps: unwrap the key, open, check,
//     merge and re-encrypt items, rotate.
//   - storeAccess (snapshot.go, storesync.go): the store as a whole: sync,
//     load a verified snapshot, check access, commit then push.
//   - trustBook (marks.go, tierpin.go, indexes.go): what this machine
//     trusts: admin pins, tier pins, high-water marks, the verified tip.
//   - machine and local (layers.go): the store repository and the
//     identity; the options and config.toml, with what they decide alone
//     (tracked projects, where items land, inject-as-env).
//   - rules: plain functions and small types over data (names, tiers, the
//     manifest chain, indexes, bindings), which take no layer at all.
//
// Each layer embeds the one below, so a step is written once, on the
// lowest layer that holds what it reads, and the compiler refuses a call
// upward.
package scopes
