package names

import (
	"strings"
	"testing"
)

// check runs rule over a table: "" wants nil, else an error whose
// message holds reason and no raw control character (messages are
// printed to terminals).
func check(t *testing.T, rule func(string) error, in, reason string) {
	t.Helper()
	err := rule(in)
	if reason == "" {
		if err != nil {
			t.Errorf("%q: %v, want nil", in, err)
		}
		return
	}
	if err == nil || !strings.Contains(err.Error(), reason) {
		t.Errorf("%q: %v, want an error with %q", in, err, reason)
		return
	}
	if strings.ContainsAny(err.Error(), "\x00\n\r\t\x1b\x07\x7f\u202e") {
		t.Errorf("%q: message %q holds a raw control character", in, err.Error())
	}
}

func TestName(t *testing.T) {
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
		check(t, Name, tt.name, tt.reason)
	}
}

func TestItemPath(t *testing.T) {
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
		check(t, ItemPath, tt.path, tt.reason)
	}
}

func TestProjectDir(t *testing.T) {
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
		check(t, ProjectDir, tt.dir, tt.reason)
	}
}

func TestRelPath(t *testing.T) {
	tests := []struct {
		path   string
		reason string // "" when valid
	}{
		{".env", ""},
		{"config/*.env", ""},
		{"a..b/.env", ""},
		{"..env", ""},

		{"", "relative slash path"},
		{"/etc/passwd", "relative slash path"},
		{`a\b`, "relative slash path"},
		{"a\nb", "relative slash path"},
		{"a\u200bb", "relative slash path"},
		{"..", `".."`},
		{"../x", `".."`},
		{"a/../../x", `".."`},
		{"a/..", `".."`},
	}
	for _, tt := range tests {
		check(t, RelPath, tt.path, tt.reason)
	}
}

func TestIsFingerprint(t *testing.T) {
	v4 := "0123456789ABCDEF0123456789ABCDEF01234567"
	v6 := v4 + "89ABCDEF0123456789ABCDEF"
	tests := []struct {
		s    string
		want bool
	}{
		{v4, true},
		{v6, true},
		{"", false},
		{v4[:39], false},
		{v4 + "8", false},
		{strings.ToLower(v4), false},
		{v4[:39] + "G", false},
		{v4[:39] + " ", false},
		{v6[:63] + "x", false},
	}
	for _, tt := range tests {
		if got := IsFingerprint(tt.s); got != tt.want {
			t.Errorf("IsFingerprint(%q) = %v, want %v", tt.s, got, tt.want)
		}
	}
}

func TestHasControl(t *testing.T) {
	tests := []struct {
		s    string
		want bool
	}{
		{"development", false},
		{"ümlaut and spaces", false},
		{"日本語", false},
		{"", false},
		{"a\x00b", true},
		{"a\tb", true},
		{"a\nb", true},
		{"\x1b[31m", true},
		{"a\x7f", true},
		{"a\u0085b", true},      // C1 control
		{"evil\u202egnp", true}, // bidirectional override
		{"a\u200bb", true},      // zero-width space
		{"a\u200db", true},      // zero-width joiner
		{"a\ufeffb", true},      // byte order mark
		{"bad\xff", true},       // invalid UTF-8
	}
	for _, tt := range tests {
		if got := HasControl(tt.s); got != tt.want {
			t.Errorf("HasControl(%q) = %v, want %v", tt.s, got, tt.want)
		}
	}
}
