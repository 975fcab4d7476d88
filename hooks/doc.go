// Package hooks owns configsync's git pre-commit guard (DESIGN.md §7).
//
// It has three parts:
//
//   - Install and Uninstall write and remove the pre-commit hook script in a
//     repository's hooks directory (honouring core.hooksPath, worktrees and
//     submodules), chaining to a hook that was already there.
//   - CheckStaged checks what a commit would record (the git index, not the
//     work tree) and Scan checks files or directory trees on disk. Both
//     report Findings: staged dotenv files that are not templates, tracked
//     items of this machine, and content holding a known secret value.
//   - Index is the leak index: keyed hashes (HMAC-SHA256 with a local random
//     key) of this machine's tracked secret values and of their common
//     encodings, so that the guard can recognise a pasted secret without
//     any plaintext, or any unkeyed hash of it, on disk.
//
// Nothing in this package prints, prompts or reads the environment: the
// command line (cmd/configsync) passes in what is needed and turns Findings
// and errors into messages.
package hooks
