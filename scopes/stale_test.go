package scopes

import (
	"path"
	"testing"

	"github.com/configsync/configsync/config"
	"github.com/configsync/configsync/envfile"
)

// TestTempName: a temp file begins with its item's name, so the item's
// ignore patterns and the pre-commit guard match it, yet it is never
// discovered as an item itself.
func TestTempName(t *testing.T) {
	if config.TempMarker != envfile.TempMarker {
		t.Fatalf("config.TempMarker %q != envfile.TempMarker %q", config.TempMarker, envfile.TempMarker)
	}
	tests := []struct {
		base    string
		pattern string // an ignore pattern the item's users write
		env     bool   // the guard refuses it by name, as it does the item
	}{
		{".env", ".env*", true},
		{".env.local", ".env*", true},
		{".env.production", ".env.*", true},
		{"sa.json", "sa.json*", false},
		{"id_ed25519", "id_ed25519*", false},
	}
	for _, tt := range tests {
		name := tt.base + config.TempMarker + "1x2y3z" // as config.WriteFileIn names it
		if ok, _ := path.Match(tt.pattern, name); !ok {
			t.Errorf("%s: %q does not match %q", tt.base, name, tt.pattern)
		}
		if envfile.IsEnvFile(name) != tt.env {
			t.Errorf("%s: IsEnvFile(%q) = %v", tt.base, name, !tt.env)
		}
		if !envfile.IsTemp(name) || !config.IsTempName(name) {
			t.Errorf("%s: %q not recognised as a temp file", tt.base, name)
		}
		if !staleTarget(name, nil) {
			t.Errorf("%s: %q not removable when stale", tt.base, name)
		}
	}
}

func TestStaleTarget(t *testing.T) {
	bases := map[string]bool{".env": true, "sa.json": true}
	tests := []struct {
		name  string
		stale bool
	}{
		{".env.tmp-configsync-1x2y3z", true},
		{"sa.json.tmp-configsync-9", true},
		{"..env.tmp-1x2y3z", true},   // an older configsync's
		{".sa.json.tmp-abc", true},   // an older configsync's
		{".other.tmp-abc", false},    // not an item's: not ours to remove
		{"notes.tmp-1", false},       // the user's
		{".env", false},              // the item itself
		{".env.local", false},        // another item
		{".tmp-configsync-1", false}, // no item name before the marker
		{".env.tmp", false},          // the user's
		{"..env.tmp-", true},         // an older configsync's, cut short
		{"..env.backup", false},      // the user's
		{".sa.json.tmpl", false},     // the user's
		{"sa.json.tmp-configsync-", true},
	}
	for _, tt := range tests {
		if got := staleTarget(tt.name, bases); got != tt.stale {
			t.Errorf("staleTarget(%q) = %v, want %v", tt.name, got, tt.stale)
		}
	}
}
