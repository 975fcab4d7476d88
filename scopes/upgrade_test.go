package scopes

import (
	"slices"
	"testing"

	"github.com/configsync/configsync/gitstore"
)

func TestPutBack(t *testing.T) {
	v := func(n byte) manifestVersion { return manifestVersion{toml: gitstore.Hash{n}, sig: gitstore.Hash{n, n}} }
	a, b, c := v(1), v(2), v(3)
	sameTOML := manifestVersion{toml: a.toml, sig: gitstore.Hash{9}} // re-signed, same members
	tests := []struct {
		name     string
		versions []manifestVersion
		want     []int
	}{
		{"empty", nil, []int{}},
		{"one version", []manifestVersion{a, a, a}, []int{-1, -1, -1}},
		{"each change new", []manifestVersion{a, b, b, c}, []int{-1, -1, -1, -1}},
		{"old put back", []manifestVersion{a, b, a}, []int{-1, -1, 1}},
		{"put back then written under", []manifestVersion{a, b, a, a, b}, []int{-1, -1, 1, 1, -1}},
		{"older than the one before", []manifestVersion{a, b, c, a}, []int{-1, -1, -1, 2}},
		{"previous put back", []manifestVersion{a, b, c, b}, []int{-1, -1, -1, 2}},
		{"new signature of the same members", []manifestVersion{a, b, sameTOML}, []int{-1, -1, -1}},
		{"put back then a new change", []manifestVersion{a, b, a, c}, []int{-1, -1, 1, -1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := putBack(tt.versions); !slices.Equal(got, tt.want) {
				t.Errorf("putBack = %v, want %v", got, tt.want)
			}
		})
	}
}
