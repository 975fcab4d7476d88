package scopes

import "testing"

func TestRefusedDir(t *testing.T) {
	for _, tc := range []struct{ recorded, want string }{
		{"~", "the home directory"},
		{"~/.ssh", "a hidden directory"},
		{"~/.config/app", "a hidden directory"},
		{"~/git/.hidden/app", "a hidden directory"},
		{"~/git/myapp", ""},
		{"~/git/my.app", ""},
	} {
		if got := refusedDir(tc.recorded); got != tc.want {
			t.Errorf("refusedDir(%q) = %q, want %q", tc.recorded, got, tc.want)
		}
	}
}

func TestHiddenParent(t *testing.T) {
	for _, tc := range []struct{ path, want string }{
		{".env", ""},
		{".npmrc", ""},
		{"config/.env.local", ""},
		{".git/hooks/pre-commit", ".git"},
		{"a/.vscode/tasks.json", ".vscode"},
		{"shared/newdir/sa.json", ""},
	} {
		if got := hiddenParent(tc.path); got != tc.want {
			t.Errorf("hiddenParent(%q) = %q, want %q", tc.path, got, tc.want)
		}
	}
}
