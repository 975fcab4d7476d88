// Package importers reads the secrets other tools keep next to the code —
// dotenvx-encrypted .env files, sops files, git-secret's .secret files —
// and returns their plaintext, in memory, for configsync import to push.
//
// Nothing here writes plaintext to disk, prints or reads the process
// environment: keys that come from environment variables are passed in
// by the caller (a lookup function), external tools (sops, gpg) are run
// with the environment the caller gives and their output read from a
// pipe. Every error names the file and, where there is one, the key or
// line, never a value.
package importers
