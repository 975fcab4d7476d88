package main

import (
	"slices"
	"testing"
)

// TestWithoutCredentials: a child such as op or bw gets the process's
// environment less configsync's own credentials, and only those.
func TestWithoutCredentials(t *testing.T) {
	for _, tc := range []struct {
		name     string
		in, want []string
	}{
		{"empty", nil, nil},
		{"each credential",
			[]string{"CONFIGSYNC_IDENTITY=-----BEGIN", "CONFIGSYNC_IDENTITY_FILE=/k.asc", "CONFIGSYNC_PASSPHRASE=p", "CONFIGSYNC_GIT_TOKEN=t", "CONFIGSYNC_REMOTE=https://u:t@h/r"},
			nil},
		{"others kept, in order",
			[]string{"PATH=/bin", "CONFIGSYNC_PASSPHRASE=p", "BW_SESSION=s", "CONFIGSYNC_HOME=/h", "HOME=/home/u"},
			[]string{"PATH=/bin", "BW_SESSION=s", "CONFIGSYNC_HOME=/h", "HOME=/home/u"}},
		{"names are whole, not prefixes",
			[]string{"CONFIGSYNC_IDENTITYX=1", "XCONFIGSYNC_GIT_TOKEN=2", "CONFIGSYNC_GIT_TOKEN_FILE=3"},
			[]string{"CONFIGSYNC_IDENTITYX=1", "XCONFIGSYNC_GIT_TOKEN=2", "CONFIGSYNC_GIT_TOKEN_FILE=3"}},
		{"empty value and no '=' still match by name",
			[]string{"CONFIGSYNC_GIT_TOKEN=", "CONFIGSYNC_PASSPHRASE", "TERM=xterm"},
			[]string{"TERM=xterm"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := withoutCredentials(tc.in); !slices.Equal(got, tc.want) {
				t.Fatalf("withoutCredentials(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}
