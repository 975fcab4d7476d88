package providers_test

import (
	"errors"
	"fmt"

	"github.com/configsync/configsync/providers"
)

// A vault that is not configured is an error that says how to configure
// it; the caller tells it from others with errors.Is.
func ExampleNewOnePassword() {
	_, err := providers.NewOnePassword("", []string{"PATH=/usr/bin:/bin"})
	fmt.Println(errors.Is(err, providers.ErrNotConfigured))
	fmt.Println(err)
	// Output:
	// true
	// secrets.1password.vault is not set: run configsync config set secrets.1password.vault NAME
}

// The CLI is looked for in the PATH of the environment given, not in the
// PATH of the process.
func ExampleNewBitwarden() {
	_, err := providers.NewBitwarden("https://bw.example.com", []string{"PATH=/nonexistent"})
	fmt.Println(errors.Is(err, providers.ErrNotInstalled))
	fmt.Println(err)
	// Output:
	// true
	// Bitwarden CLI (bw) not found in PATH: install it (npm install -g @bitwarden/cli) and log in
}
