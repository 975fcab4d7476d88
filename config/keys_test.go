package config

import (
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

func TestSetGetUnset(t *testing.T) {
	tests := []struct {
		key     string
		good    string
		bad     []string
		deflt   string
		inField func(l *Local) string
	}{
		{"environment", "qa-eu.2", []string{"-dev", ".dev", "a/b", "a b", "a..b", strings.Repeat("a", 65)}, "",
			func(l *Local) string { return l.Environment }},
		{"store.remote", "git@github.com:acme/secrets.git", []string{"--upload-pack=evil", "a b", "a\nb"}, "",
			func(l *Local) string { return l.Store.Remote }},
		{"store.repo", "/home/ada/git/myapp", []string{"git/myapp", "~/git/myapp"}, "",
			func(l *Local) string { return l.Store.Repo }},
		{"store.branch", "team/secrets", []string{"a..b", "-b", "a/", "/a", "a.lock", "a/.b", "a b", "a~1", "a:b", "@", "HEAD", "a@{1}", "a.", "a//b"}, "configsync",
			func(l *Local) string { return l.Store.Branch }},
		{"secrets.provider", "bitwarden", []string{"vault", "Git"}, "git",
			func(l *Local) string { return l.Secrets.Provider }},
		{"secrets.1password.vault", "Engineering Team", []string{"a\tb"}, "",
			func(l *Local) string { return l.Secrets.OnePassword.Vault }},
		{"secrets.bitwarden.server", "https://vault.example.com", []string{"vault.example.com", "ftp://x", "https://u:p@vault.example.com"}, "",
			func(l *Local) string { return l.Secrets.Bitwarden.Server }},
		{"hooks.min_length", "12", []string{"3", "-1", "eight", "1.5"}, "8",
			func(l *Local) string {
				if l.Hooks.MinLength == 0 {
					return ""
				}
				return strconv.Itoa(l.Hooks.MinLength)
			}},
		{"inject_as_env", "true", []string{"yes", "1", "True"}, "false",
			func(l *Local) string {
				if l.InjectAsEnv {
					return "true"
				}
				return ""
			}},
	}
	if got, want := len(tests)+1, len(Keys()); got != want { // +1: trust.admins, tested below
		t.Fatalf("test covers %d keys, Keys() has %d", got, want)
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			var l Local
			if v, err := l.Get(tt.key); err != nil || v != tt.deflt {
				t.Errorf("Get on zero config = %q, %v; want default %q", v, err, tt.deflt)
			}
			if err := l.Set(tt.key, tt.good); err != nil {
				t.Fatalf("Set(%q): %v", tt.good, err)
			}
			if got := tt.inField(&l); got != tt.good {
				t.Errorf("field = %q, want %q", got, tt.good)
			}
			if v, err := l.Get(tt.key); err != nil || v != tt.good {
				t.Errorf("Get = %q, %v; want %q", v, err, tt.good)
			}
			if kv := find(l.List(), tt.key); kv.Value != tt.good || kv.Default {
				t.Errorf("List entry = %+v, want the set value", kv)
			}
			for _, bad := range append(tt.bad, "") {
				err := l.Set(tt.key, bad)
				if !errors.Is(err, ErrInvalidValue) {
					t.Errorf("Set(%q) = %v, want ErrInvalidValue", bad, err)
				} else if bad != "" && strings.Contains(err.Error(), bad) {
					t.Errorf("Set(%q) error %q echoes the value", bad, err)
				}
			}
			if got := tt.inField(&l); got != tt.good {
				t.Errorf("a refused Set changed the field to %q", got)
			}
			if err := l.Unset(tt.key); err != nil {
				t.Fatalf("Unset: %v", err)
			}
			if got := tt.inField(&l); got != "" {
				t.Errorf("after Unset field = %q", got)
			}
			if kv := find(l.List(), tt.key); kv.Value != tt.deflt || !kv.Default {
				t.Errorf("List entry after Unset = %+v, want default %q", kv, tt.deflt)
			}
		})
	}
}

// "false" is accepted and is the default: nothing is left in the file.
func TestInjectAsEnvFalse(t *testing.T) {
	l := Local{InjectAsEnv: true}
	if err := l.Set("inject_as_env", "false"); err != nil || l.InjectAsEnv {
		t.Fatalf("Set false = %v, field %v", err, l.InjectAsEnv)
	}
	if kv := find(l.List(), "inject_as_env"); kv.Value != "false" || !kv.Default {
		t.Errorf("List entry = %+v, want the default false", kv)
	}
}

func find(list []KeyValue, key string) KeyValue {
	for _, kv := range list {
		if kv.Key == key {
			return kv
		}
	}
	return KeyValue{Key: "missing " + key}
}

func TestReadOnlyKey(t *testing.T) {
	l := Local{Trust: Trust{Admins: []string{fprA, strings.Repeat("AB", 32)}}}
	want := fprA + "," + strings.Repeat("AB", 32)
	if v, err := l.Get("trust.admins"); err != nil || v != want {
		t.Errorf("Get = %q, %v; want %q", v, err, want)
	}
	for name, err := range map[string]error{"Set": l.Set("trust.admins", fprA), "Unset": l.Unset("trust.admins")} {
		if !errors.Is(err, ErrReadOnly) || !strings.Contains(err.Error(), `"trust.admins"`) {
			t.Errorf("%s = %v, want ErrReadOnly naming the key", name, err)
		}
	}
	if len(l.Trust.Admins) != 2 {
		t.Errorf("refused calls changed the admins: %v", l.Trust.Admins)
	}
}

func TestUnknownKey(t *testing.T) {
	var l Local
	_, getErr := l.Get("store.url")
	for name, err := range map[string]error{"Get": getErr, "Set": l.Set("store.url", "x"), "Unset": l.Unset("store.url")} {
		var uk *UnknownKeyError
		if !errors.As(err, &uk) || uk.Key != "store.url" || !errors.Is(err, ErrUnknownKey) {
			t.Errorf("%s = %v, want *UnknownKeyError", name, err)
			continue
		}
		for _, k := range Keys() {
			if !strings.Contains(err.Error(), k.Name) {
				t.Errorf("%s: message %q does not list %q", name, err, k.Name)
			}
		}
	}
}

func TestList(t *testing.T) {
	l := Local{Environment: "development", Hooks: HooksConfig{MinLength: 10}}
	want := []KeyValue{
		{"environment", "development", false},
		{"store.remote", "", true},
		{"store.repo", "", true},
		{"store.branch", "configsync", true},
		{"secrets.provider", "git", true},
		{"secrets.1password.vault", "", true},
		{"secrets.bitwarden.server", "", true},
		{"hooks.min_length", "10", false},
		{"inject_as_env", "false", true},
		{"trust.admins", "", true},
	}
	if got := l.List(); !reflect.DeepEqual(got, want) {
		t.Errorf("List =\n%v\nwant\n%v", got, want)
	}
	for i, k := range Keys() {
		if k.Name != want[i].Key || k.Doc == "" {
			t.Errorf("Keys()[%d] = %+v, want %q with a doc", i, k, want[i].Key)
		}
	}
}
