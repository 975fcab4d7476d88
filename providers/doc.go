// Package providers stores configsync items in a password manager's vault
// instead of git (DESIGN.md §8): as 1Password documents through the op
// CLI ([OnePassword]) or as Bitwarden secure notes through the bw CLI
// ([Bitwarden]).
//
// It owns the conversation with those CLIs and nothing else: which
// commands to run, how content reaches them, and how their failures
// become typed errors ([ErrNotInstalled], [ErrSignedOut],
// [ErrNotConfigured], [ErrTooLarge], [ErrNotText], [*CLIError]) whose text
// says what to do.
//
// Item content is plaintext, so the package holds to three rules:
// content goes to a CLI only on its standard input, never in its
// arguments; no error quotes content, or the output of a read; and
// nothing is written to disk (output is captured in memory, there are no
// temporary files).
//
// The package reads no environment variable and prints nothing: the
// environment of the CLI process, PATH included, is an argument of the
// constructors.
package providers
