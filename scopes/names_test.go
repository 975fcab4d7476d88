package scopes_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/configsync/configsync/scopes"
)

func TestValidateName(t *testing.T) {
	tests := []struct {
		name   string
		reason string // "" when valid; else a part of the refusal
	}{
		{"development", ""},
		{"qa-eu", ""},
		{"prod.v2", ""},
		{"my_app", ""},
		{"a", ""},
		{"0day", ""},
		{strings.Repeat("x", 64), ""},

		{"", "empty"},
		{"a/b", "slash"},
		{"/abs", "slash"},
		{`a\b`, "slash"},
		{"..", `".."`},
		{"a..b", `".."`},
		{"../etc", "slash"},
		{"a\x00b", "control"},
		{"a\nb", "control"},
		{"a\tb", "control"},
		{"a\x1b[31m", "control"},
		{"a\x7f", "control"},
		{"a\u0085b", "control"},
		{"bad\xffutf8", "control"},
		{"-rf", "starting with a letter or digit"},
		{".hidden", "starting with a letter or digit"},
		{"has space", "letters, digits"},
		{"ümlaut", "letters, digits"},
		{strings.Repeat("x", 65), "up to 64"},
	}
	for _, tt := range tests {
		for _, kind := range []string{"environment", "project"} {
			err := scopes.ValidateName(kind, tt.name)
			if tt.reason == "" {
				if err != nil {
					t.Errorf("ValidateName(%q, %q) = %v, want nil", kind, tt.name, err)
				}
				continue
			}
			var ne *scopes.NameError
			if !errors.As(err, &ne) {
				t.Errorf("ValidateName(%q, %q) = %v, want a *NameError", kind, tt.name, err)
				continue
			}
			if ne.Kind != kind || !strings.Contains(ne.Reason, tt.reason) {
				t.Errorf("ValidateName(%q, %q) = kind %q reason %q, want kind %q and a reason with %q", kind, tt.name, ne.Kind, ne.Reason, kind, tt.reason)
			}
			// The message is one printable line: control characters
			// are quoted, never written raw to a terminal.
			msg := err.Error()
			if strings.ContainsAny(msg, "\x00\n\r\t\x1b\x7f") {
				t.Errorf("ValidateName(%q, %q): message %q holds a raw control character", kind, tt.name, msg)
			}
			if !strings.HasPrefix(msg, "invalid "+kind+" name ") {
				t.Errorf("ValidateName(%q, %q): message %q, want it to start with %q", kind, tt.name, msg, "invalid "+kind+" name")
			}
		}
	}
}

func TestValidateItemPath(t *testing.T) {
	tests := []struct {
		path   string
		reason string // "" when valid
	}{
		{".env", ""},
		{".env.local", ""},
		{"config/service-account.json", ""},
		{"a/b/c/.npmrc", ""},
		{"file with spaces.json", ""},
		{"..env", ""},
		{"a..b", ""},
		{"ünïcode.json", ""},
		{".gitignore", ""},
		{".github/workflows/ci.yml", ""},
		{"git/config", ""},

		{"", "empty"},
		{strings.Repeat("a/", 512) + "x", "longer than 1024"},
		{"../.env", `".."`},
		{"a/../../etc/passwd", "clean"},
		{"..", `".."`},
		{"a/..", "clean"},
		{"./.env", "clean"},
		{".", `"."`},
		{"a//b", "clean"},
		{"a/", "clean"},
		{"/etc/passwd", "relative"},
		{`C:\x`, "relative"},
		{"C:/x", "relative"},
		{`a\b`, "relative"},
		{".git/config", `".git"`},
		{"sub/.git/hooks/pre-commit", `".git"`},
		{".GIT/hooks/pre-commit", "a .git directory"},
		{".Git/config", "a .git directory"},
		{".git./config", "a .git directory"},
		{".git /config", "a .git directory"},
		{"GIT~1/config", "a .git directory"},
		{"a/.git", "a .git directory"},
		{"evil‮gnp.env", "control"},
		{"a​b", "control"},
		{"a\x00b", "control"},
		{"a\nb", "control"},
		{"a\rb", "control"},
		{"a\x1b[2J", "control"},
		{"bad\xfe", "control"},
	}
	for _, tt := range tests {
		err := scopes.ValidateItemPath(tt.path)
		if tt.reason == "" {
			if err != nil {
				t.Errorf("ValidateItemPath(%q) = %v, want nil", tt.path, err)
			}
			continue
		}
		var ne *scopes.NameError
		if !errors.As(err, &ne) {
			t.Errorf("ValidateItemPath(%q) = %v, want a *NameError", tt.path, err)
			continue
		}
		if ne.Kind != "item path" || !strings.Contains(ne.Reason, tt.reason) {
			t.Errorf("ValidateItemPath(%q): kind %q reason %q, want kind %q and a reason with %q", tt.path, ne.Kind, ne.Reason, "item path", tt.reason)
		}
		if strings.ContainsAny(err.Error(), "\x00\n\r\x1b") {
			t.Errorf("ValidateItemPath(%q): message %q holds a raw control character", tt.path, err.Error())
		}
	}
}

func TestValidateProjectDir(t *testing.T) {
	tests := []struct {
		dir    string
		reason string // "" when valid
	}{
		{"", ""},
		{"~", ""},
		{"~/git/myapp", ""},
		{"~/.dotfiles", ""},
		{"~/a..b/c", ""},
		{"~/.github", ""},
		// A project outside the home directory: push records it so;
		// pull never restores into it.
		{"/srv/app", ""},

		{"~/../../tmp/x", "leaves the home directory"},
		{"~/git/../../etc", "leaves the home directory"},
		{"~/..", "leaves the home directory"},
		{"/srv/../etc", `contains ".."`},
		{"~/git/myapp/.git", "inside a .git directory"},
		{"~/git/myapp/.git/hooks", "inside a .git directory"},
		{"~/git/myapp/.GIT", "inside a .git directory"},
		{"/srv/app/.git", "inside a .git directory"},
		{"~/git//myapp", "not a clean path"},
		{"~/git/./myapp", "not a clean path"},
		{"~/git/", "not a clean path"},
		{"~alice/git", "neither under the home directory"},
		{"git/myapp", "neither under the home directory"},
		{"../x", "neither under the home directory"},
		{"./x", "neither under the home directory"},
		{`~\..\..\etc`, "forward slashes"},
		{`~/git/my\napp`, "forward slashes"},
		{"~/git/my\napp", "control"},
		{"~/git/\x1b]0;owned\x07", "control"},
		{"~/git/\u202eppa", "control"},
		{"~/bad\xff", "control"},
		{"~/" + strings.Repeat("x", 4096), "longer than 4096"},
	}
	for _, tt := range tests {
		err := scopes.ValidateProjectDir(tt.dir)
		if tt.reason == "" {
			if err != nil {
				t.Errorf("ValidateProjectDir(%q) = %v, want nil", tt.dir, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.reason) {
			t.Errorf("ValidateProjectDir(%q) = %v, want an error with %q", tt.dir, err, tt.reason)
			continue
		}
		if strings.ContainsAny(err.Error(), "\x00\n\r\x1b\x07\u202e") {
			t.Errorf("ValidateProjectDir(%q): message %q holds a raw control character", tt.dir, err.Error())
		}
	}
}

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
