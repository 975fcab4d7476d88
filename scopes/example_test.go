package scopes_test

import (
	"fmt"

	"github.com/configsync/configsync/scopes"
)

// Names are checked before they reach a path or a git tree.
func ExampleValidateName() {
	for _, name := range []string{"qa-eu", "team/prod", "..", "prod\n"} {
		if err := scopes.ValidateName("environment", name); err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Printf("%s: ok\n", name)
	}
	// Output:
	// qa-eu: ok
	// invalid environment name "team/prod": it may not contain a slash
	// invalid environment name "..": it may not contain ".."
	// invalid environment name "prod\n": it may not contain control characters
}

// Item paths read from a store must stay inside the project directory.
func ExampleValidateItemPath() {
	for _, p := range []string{"config/.env.local", "../../.ssh/id_ed25519", ".git/hooks/pre-commit"} {
		fmt.Println(p, "->", scopes.ValidateItemPath(p))
	}
	// Output:
	// config/.env.local -> <nil>
	// ../../.ssh/id_ed25519 -> invalid item path name "../../.ssh/id_ed25519": it may not contain the component ".."
	// .git/hooks/pre-commit -> invalid item path name ".git/hooks/pre-commit": it may not contain the component ".git" (a .git directory)
}

// A member's tiers come from --tier, comma-separated, lowest first.
func ExampleParseTiers() {
	tiers, err := scopes.ParseTiers("production,dev")
	fmt.Println(tiers, err)
	_, err = scopes.ParseTiers("dev,root")
	fmt.Println(err)
	// Output:
	// [dev production] <nil>
	// unknown tier "root" (valid tiers: dev, staging, production)
}
