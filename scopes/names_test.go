package scopes_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/configsync/configsync/scopes"
)

// The rules themselves are tested in internal/names; these check that
// scopes reports a refusal as a *NameError of the right kind, one
// printable line.
func TestValidateNameWraps(t *testing.T) {
	tests := []struct {
		kind, name string
		validate   func(string) error
		want       string // "" when valid
	}{
		{"environment", "development", envName, ""},
		{"project", "my_app", projectName, ""},
		{"item path", "config/.npmrc", scopes.ValidateItemPath, ""},
		{"environment", "team/prod", envName, `invalid environment name "team/prod": it may not contain a slash`},
		{"project", "my\tapp", projectName, `invalid project name "my\tapp": it may not contain control characters`},
		{"project", "..", projectName, `invalid project name "..": it may not contain ".."`},
		{"item path", "a\x1b[2Jb", scopes.ValidateItemPath, `invalid item path name "a\x1b[2Jb": it may not contain control characters`},
		{"item path", ".git/config", scopes.ValidateItemPath, `invalid item path name ".git/config": it may not contain the component ".git" (a .git directory)`},
	}
	for _, tt := range tests {
		err := tt.validate(tt.name)
		if tt.want == "" {
			if err != nil {
				t.Errorf("%s %q: %v, want nil", tt.kind, tt.name, err)
			}
			continue
		}
		var ne *scopes.NameError
		if !errors.As(err, &ne) || ne.Kind != tt.kind || ne.Name != tt.name {
			t.Errorf("%s %q: %#v, want a *NameError of kind %q", tt.kind, tt.name, err, tt.kind)
			continue
		}
		if err.Error() != tt.want {
			t.Errorf("%s %q:\ngot  %s\nwant %s", tt.kind, tt.name, err, tt.want)
		}
	}
	if err := scopes.ValidateProjectDir("~/../../tmp/x"); err == nil || err.Error() != `dir "~/../../tmp/x" leaves the home directory` {
		t.Errorf("ValidateProjectDir = %v", err)
	}
}

func envName(name string) error     { return scopes.ValidateName("environment", name) }
func projectName(name string) error { return scopes.ValidateName("project", name) }

// A store entry error names the entry, printably, and what is wrong.
func TestStoreEntryError(t *testing.T) {
	tests := []struct {
		entry string
		err   error
		want  string
	}{
		{
			"environments/development/items/myapp/project.toml",
			scopes.ValidateProjectDir("~/../../etc"),
			`store entry environments/development/items/myapp/project.toml: dir "~/../../etc" leaves the home directory`,
		},
		{
			"environments/development/items/myapp/.git/hooks/pre-commit.pgp",
			scopes.ValidateItemPath(".git/hooks/pre-commit"),
			`store entry environments/development/items/myapp/.git/hooks/pre-commit.pgp: invalid item path name ".git/hooks/pre-commit": it may not contain the component ".git" (a .git directory)`,
		},
		{
			"environments/development/items/myapp/a\x1b[2Jb.pgp",
			scopes.ValidateItemPath("a\x1b[2Jb"),
			`store entry "environments/development/items/myapp/a\x1b[2Jb.pgp": invalid item path name "a\x1b[2Jb": it may not contain control characters`,
		},
	}
	for _, tt := range tests {
		err := &scopes.StoreEntryError{Entry: tt.entry, Err: tt.err}
		if got := err.Error(); got != tt.want {
			t.Errorf("got  %s\nwant %s", got, tt.want)
		}
		if !errors.Is(err, tt.err) {
			t.Errorf("%v does not wrap its cause", err)
		}
	}
}

func TestParseTier(t *testing.T) {
	tests := []struct {
		in   string
		want scopes.Tier
		ok   bool
	}{
		{"dev", scopes.TierDev, true},
		{"staging", scopes.TierStaging, true},
		{"production", scopes.TierProduction, true},
		{" staging ", scopes.TierStaging, true},
		{"", "", false},
		{"Dev", "", false},
		{"prod", "", false},
		{"superuser", "", false},
		{"dev,staging", "", false},
	}
	for _, tt := range tests {
		got, err := scopes.ParseTier(tt.in)
		if tt.ok {
			if err != nil || got != tt.want {
				t.Errorf("ParseTier(%q) = %q, %v, want %q", tt.in, got, err, tt.want)
			}
			continue
		}
		var te *scopes.UnknownTierError
		if !errors.As(err, &te) || te.Name != tt.in {
			t.Errorf("ParseTier(%q) = %q, %v, want an *UnknownTierError naming it", tt.in, got, err)
			continue
		}
		if !strings.Contains(err.Error(), "valid tiers: dev, staging, production") {
			t.Errorf("ParseTier(%q): message %q does not list the valid tiers", tt.in, err)
		}
	}
}

func TestParseTiers(t *testing.T) {
	tests := []struct {
		in      string
		want    []scopes.Tier
		badName string // the tier an error names; "" when valid
	}{
		{"dev", []scopes.Tier{scopes.TierDev}, ""},
		{"production,dev", []scopes.Tier{scopes.TierDev, scopes.TierProduction}, ""},
		{"staging, dev ,staging", []scopes.Tier{scopes.TierDev, scopes.TierStaging}, ""},
		{"production,staging,dev", scopes.Tiers, ""},
		{"dev,admin", nil, "admin"},
		{"dev,,staging", nil, ""},
		{"", nil, ""},
	}
	for _, tt := range tests {
		got, err := scopes.ParseTiers(tt.in)
		if tt.want != nil {
			if err != nil || !slices.Equal(got, tt.want) {
				t.Errorf("ParseTiers(%q) = %v, %v, want %v", tt.in, got, err, tt.want)
			}
			continue
		}
		var te *scopes.UnknownTierError
		if !errors.As(err, &te) {
			t.Errorf("ParseTiers(%q) = %v, %v, want an *UnknownTierError", tt.in, got, err)
			continue
		}
		if tt.badName != "" && te.Name != tt.badName {
			t.Errorf("ParseTiers(%q) names %q, want %q", tt.in, te.Name, tt.badName)
		}
	}
}

// ParseTiers sorts lowest first and never shares its result with Tiers.
func TestParseTiersDoesNotAliasTiers(t *testing.T) {
	got, err := scopes.ParseTiers("production,staging,dev")
	if err != nil {
		t.Fatal(err)
	}
	got[0] = "changed"
	if scopes.Tiers[0] != scopes.TierDev {
		t.Fatalf("ParseTiers returned a slice sharing scopes.Tiers: Tiers[0] = %q", scopes.Tiers[0])
	}
}
