package importers

import (
	"errors"
	"testing"

	"github.com/configsync/configsync/envfile"
)

func TestSopsFormat(t *testing.T) {
	for in, want := range map[string]string{
		".env":             SopsDotenv,
		".env.enc":         SopsDotenv,
		".env.production":  SopsDotenv,
		"app.env":          SopsDotenv,
		"secrets.json":     SopsJSON,
		"secrets.enc.json": SopsJSON,
		"a/b.yaml":         SopsYAML,
		"c.YML":            SopsYAML,
		"key.pem":          SopsBinary,
	} {
		if got := SopsFormat(in); got != want {
			t.Errorf("SopsFormat(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSopsRecipients(t *testing.T) {
	stderr := "Failed to get the data key required to decrypt the SOPS file.\n\nGroup 0: FAILED\n  age1abc: FAILED\n    - | failed to load age identities. Did not find keys in\n  FBC7B9E2A4F9289AC0C1D4843D16CEE4A27381B4: FAILED\n"
	if got, want := sopsRecipients([]byte(stderr)), "age1abc, FBC7B9E2A4F9289AC0C1D4843D16CEE4A27381B4"; got != want {
		t.Fatalf("sopsRecipients = %q, want %q", got, want)
	}
	if got := sopsRecipients([]byte("something else\n")); got != "none named" {
		t.Fatalf("sopsRecipients = %q", got)
	}
}

func TestFlatToDotenv(t *testing.T) {
	tests := []struct {
		in     string
		want   map[string]string
		nested string // the key a NestedError names; "-" for not an object
	}{
		{`{"b":"x y","a":42,"c":true,"d":null,"e":"it's \"q\" $HOME\n2"}`, map[string]string{"a": "42", "b": "x y", "c": "true", "d": "", "e": "it's \"q\" $HOME\n2"}, ""},
		{`{"a":"1","n":{"x":1}}`, nil, "n"},
		{`{"a":[1]}`, nil, "a"},
		{`[1,2]`, nil, "-"},
	}
	for _, tt := range tests {
		out, err := FlatToDotenv("f.json", []byte(tt.in))
		if tt.nested != "" {
			var ne *NestedError
			if !errors.As(err, &ne) || (tt.nested != "-" && ne.Key != tt.nested) {
				t.Errorf("%s: err = %v, want nested at %s", tt.in, err, tt.nested)
			}
			if !IsNested([]byte(tt.in)) {
				t.Errorf("IsNested(%s) = false", tt.in)
			}
			continue
		}
		if err != nil || IsNested([]byte(tt.in)) {
			t.Fatalf("%s: %v", tt.in, err)
		}
		f, err := envfile.Parse("", out)
		if err != nil {
			t.Fatal(err)
		}
		got := envfile.Resolve([]*envfile.File{f}, true, nil)
		if len(got) != len(tt.want) {
			t.Fatalf("%s: %d variables, want %d", tt.in, len(got), len(tt.want))
		}
		for _, v := range got {
			if v.Value.Reveal() != tt.want[v.Key] {
				t.Errorf("%s = %q, want %q", v.Key, v.Value.Reveal(), tt.want[v.Key])
			}
		}
	}
}
