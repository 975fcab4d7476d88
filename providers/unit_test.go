package providers

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestFirstLine(t *testing.T) {
	for _, c := range []struct{ stderr, want string }{
		{"[ERROR] 2024/01/02 15:04:05 \"x\" isn't a vault in this account.\n", `"x" isn't a vault in this account.`},
		{"[ERROR] account is not signed in\n", "account is not signed in"},
		{"\n\n  Not found.", "Not found."},
		{"\x1b[91mVault is locked.\x1b[39m", "Vault is locked."},
		{"More than one result was found.\nid-1\nid-2", "More than one result was found."},
		{"", ""},
	} {
		if got := firstLine([]byte(c.stderr)); got != c.want {
			t.Errorf("firstLine(%q) = %q, want %q", c.stderr, got, c.want)
		}
	}
	long := firstLine([]byte(strings.Repeat("é", 400)))
	if len(long) > maxMsg+len("…") {
		t.Errorf("a long message is not cut: %d bytes", len(long))
	}
}

func TestOPIsSignedOut(t *testing.T) {
	for _, c := range []struct {
		stderr string
		want   bool
	}{
		{"[ERROR] 2023/03/14 10:00:00 You are not currently signed in. Please run `op signin --help` for instructions", true},
		{"[ERROR] account is not signed in", true},
		{"[ERROR] 2023/03/14 10:00:00 session expired, sign in to create a new session", true},
		{"[ERROR] 2023/03/14 10:00:00 No accounts configured for use with 1Password CLI.", true},
		{`[ERROR] 2023/03/14 10:00:00 "Nope" isn't a vault in this account. Specify the vault with its ID or name.`, false},
		{`[ERROR] 2023/03/14 10:00:00 "sign in" isn't a vault in this account. Specify the vault with its ID or name.`, false},
	} {
		if got := opIsSignedOut([]byte(c.stderr)); got != c.want {
			t.Errorf("opIsSignedOut(%q) = %v", c.stderr, got)
		}
	}
}

func TestFailureWithholdsContent(t *testing.T) {
	c := &cli{name: "bw"}
	content := []byte("# comment\nAPI_KEY=\"s3cr3t-value\"\nX=1\n")
	for _, stderr := range []string{
		"Error parsing API_KEY=\"s3cr3t-value\"",
		"bad value s3cr3t-value here",
	} {
		err := c.failure("create item", []byte(stderr), errors.New("exit status 1"), content)
		if err.Msg != withheld {
			t.Errorf("message %q was not withheld", err.Msg)
		}
	}
	// Short lines match by chance and do not count; no stderr: the status.
	if err := c.failure("create item", []byte("X=1 is fine"), errors.New("exit status 1"), content); err.Msg != "X=1 is fine" {
		t.Errorf("message %q was withheld", err.Msg)
	}
	if err := c.failure("sync", nil, errors.New("exit status 1"), nil); err.Error() != "bw sync: exit status 1" {
		t.Errorf("got %q", err)
	}
}

func TestLookPath(t *testing.T) {
	dir, other := t.TempDir(), t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "op"), []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(other, "op"), []byte("not executable"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(other, "bw"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		env  []string
		name string
		want string
	}{
		{[]string{"PATH=" + other + string(filepath.ListSeparator) + dir}, "op", filepath.Join(dir, "op")},
		{[]string{"PATH=/nowhere", "PATH=" + dir}, "op", filepath.Join(dir, "op")}, // the last PATH counts
		{[]string{"PATH=" + dir, "PATH=/nowhere"}, "op", ""},
		{[]string{"PATH=" + other}, "bw", ""}, // a directory
		{[]string{"HOME=" + dir}, "op", ""},
	} {
		got, ok := lookPath(c.env, c.name)
		if got != c.want || ok != (c.want != "") {
			t.Errorf("lookPath(%q, %s) = %q, %v; want %q", c.env, c.name, got, ok, c.want)
		}
	}
	t.Chdir(dir)
	if got, ok := lookPath([]string{"PATH=."}, "op"); ok {
		t.Errorf("a relative PATH entry was searched: %s", got)
	}
}

func TestBitwardenEnv(t *testing.T) {
	got := bwEnv([]string{"HOME=/h", "BW_CLEANEXIT=true", "BW_SESSION=k", "BW_NOINTERACTION=false", "BW_QUIET=true", "BW_RESPONSE=true", "BW_RAW=true"})
	want := []string{"HOME=/h", "BW_SESSION=k", "BW_NOINTERACTION=true"}
	if !slices.Equal(got, want) {
		t.Errorf("bwEnv = %q, want %q", got, want)
	}
}

func TestSameServer(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want bool
	}{
		{"https://vault.bitwarden.com", "https://bitwarden.com/", true},
		{"https://Bw.Example.com/", "https://bw.example.com", true},
		{"https://bw.example.com/vault", "https://bw.example.com/vault/", true},
		{"https://bw.example.com", "http://bw.example.com", false},
		{"https://vault.bitwarden.eu", "https://vault.bitwarden.com", false},
	} {
		if got := sameServer(c.a, c.b); got != c.want {
			t.Errorf("sameServer(%s, %s) = %v", c.a, c.b, got)
		}
	}
}

// TestListed: what both providers' List make of a CLI's listing.
func TestListed(t *testing.T) {
	opItems := func(it opItem) (Item, bool) {
		return Item{ID: it.ID, Title: it.Title, Version: it.Version.String()}, it.Category == opDocument
	}
	for _, c := range []struct {
		name, out, prefix string
		want              []Item
		wantErr           bool
	}{
		{"no output", "", "configsync/", nil, false},
		{"blank output", " \n", "configsync/", nil, false},
		{"empty list", "[]", "configsync/", nil, false},
		{"not JSON", "You are not logged in.", "configsync/", nil, true},
		{"not a list", `{"id":"a"}`, "configsync/", nil, true},
		{"other kinds and titles left out",
			`[{"id":"a","title":"configsync/dev/x/.env","category":"LOGIN","version":1},
			  {"id":"b","title":"notes/dev","category":"DOCUMENT","version":1},
			  {"id":"c","title":"configsync/dev/x/.env","category":"DOCUMENT","version":3}]`,
			"configsync/dev/", []Item{{ID: "c", Title: "configsync/dev/x/.env", Version: "3"}}, false},
		{"sorted by title, then id",
			`[{"id":"z","title":"configsync/dev/b","category":"DOCUMENT","version":1},
			  {"id":"y","title":"configsync/dev/a","category":"DOCUMENT","version":1},
			  {"id":"x","title":"configsync/dev/b","category":"DOCUMENT","version":2}]`,
			"configsync/", []Item{
				{ID: "y", Title: "configsync/dev/a", Version: "1"},
				{ID: "x", Title: "configsync/dev/b", Version: "2"},
				{ID: "z", Title: "configsync/dev/b", Version: "1"},
			}, false},
	} {
		got, err := listed([]byte(c.out), "op", "item list", c.prefix, opItems)
		if c.wantErr {
			var ce *CLIError
			if !errors.As(err, &ce) || strings.Contains(err.Error(), c.out) {
				t.Errorf("%s: err = %v, want an unexpected-output CLIError that does not quote the output", c.name, err)
			}
			continue
		}
		if err != nil || !slices.Equal(got, c.want) {
			t.Errorf("%s: listed = %+v, %v, want %+v", c.name, got, err, c.want)
		}
	}
}
