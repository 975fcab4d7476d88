package scopes

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/configsync/configsync/config"
)

// TestManifestReader: every version decodes as config.Unmarshal decodes
// it; the versions our encoder writes go through the member-table cache
// (so a team of n members over n versions decodes n tables, not n²), and
// any other text is decoded whole.
func TestManifestReader(t *testing.T) {
	alice := Member{Fingerprint: "A1", Name: "Alice", Email: "alice@example.com", Tiers: []Tier{TierDev, TierProduction}, Admin: true}
	bob := Member{Fingerprint: "B2", Name: "Bob \"the\" [[member]]\n", Email: "bob@example.com", Tiers: []Tier{}}
	carol := Member{Fingerprint: "C3", Name: "Carol", CI: true}
	dev := Environment{Name: "development", Tier: TierDev, KeyGeneration: 2, KeyFingerprint: "K", Created: time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)}
	encode := func(m manifest) string {
		out, err := config.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		return string(out)
	}
	v1 := encode(manifest{Serial: 1, Members: []Member{alice}, Environments: []Environment{dev}})
	v2 := encode(manifest{Serial: 2, Previous: "ab12", Members: []Member{alice, bob}, Environments: []Environment{dev}})
	v3 := encode(manifest{Serial: 3, Previous: "cd34", Members: []Member{alice, bob, carol}})
	tests := []struct {
		name    string
		text    string
		cached  bool // decoded through the member tables
		decodes bool
	}{
		{"first version", v1, true, true},
		{"second version", v2, true, true},
		{"no environments", v3, true, true},
		{"comment in a member table", strings.Replace(v2, "admin = false", "admin = false # no", 1), false, true},
		{"keys in another order", strings.Replace(v2, "serial = 2\nprevious = \"ab12\"", "previous = \"ab12\"\nserial = 2", 1), false, true},
		{"indented key", strings.Replace(v3, "\nci = true", "\n  ci = true", 1), false, true},
		{"members defined in the head", strings.Replace(v2, "serial = 2\n", "serial = 2\nmember = []\n", 1), false, false},
		{"environment table in a member's place", strings.Replace(v2, "[[member]]\nfingerprint = \"B2\"", "[[environment]]\nname = \"x\"\n\n[[member]]\nfingerprint = \"B2\"", 1), false, true},
		{"unknown key", strings.Replace(v2, "ci = false\n", "ci = false\nroot = true\n", 1), false, false},
		{"a table cut in two", strings.Replace(v2, "name = \"Alice\"", "name = \"\"\"Alice\n[[member]]\n\"\"\"", 1), false, true},
		{"no members", "serial = 4\n", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var want manifest
			wantErr := config.Unmarshal(membersPath, []byte(tt.text), &want)
			r := newManifestReader()
			r.decode([]byte(v1)) // the tables of an earlier version are known
			before := len(r.members)
			got, shared, err := r.decode([]byte(tt.text))
			if (err == nil) != tt.decodes || (wantErr == nil) != tt.decodes {
				t.Fatalf("decode: %v, config.Unmarshal: %v, want decodes=%v", err, wantErr, tt.decodes)
			}
			if err == nil && !reflect.DeepEqual(got, want) {
				t.Errorf("decoded\n%+v\nwant\n%+v", got, want)
			}
			if len(shared) != len(got.Members) {
				t.Fatalf("%d shared members, %d decoded", len(shared), len(got.Members))
			}
			for i := range shared {
				if !reflect.DeepEqual(*shared[i], got.Members[i]) {
					t.Errorf("shared member %d = %+v, want %+v", i, *shared[i], got.Members[i])
				}
			}
			if _, _, cached := r.decodePieces(tt.text); cached != tt.cached {
				t.Errorf("through the member tables: %v, want %v", cached, tt.cached)
			}
			if tt.text == v2 && len(r.members) != before+1 {
				t.Errorf("%d member tables decoded for v2 after v1, want 1 new", len(r.members)-before)
			}
			if tt.text == v2 {
				_, first, _ := r.decode([]byte(v1))
				if shared[0] != first[0] {
					t.Error("Alice's table of v1 and v2 gave two copies")
				}
			}
		})
	}
}
