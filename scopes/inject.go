package scopes

import (
	"fmt"
	"slices"
	"strings"

	"github.com/configsync/configsync/envfile"
)

// Credentials are configsync's own secrets, never passed to a child.
// CONFIGSYNC_REMOTE is one too: its URL may hold a token.
var Credentials = []string{"CONFIGSYNC_IDENTITY", "CONFIGSYNC_IDENTITY_FILE", "CONFIGSYNC_PASSPHRASE", "CONFIGSYNC_GIT_TOKEN", "CONFIGSYNC_REMOTE"}

// ChildEnvironment builds a child's environment: base (KEY=VALUE pairs,
// configsync's credentials removed) plus vars; an inherited variable wins
// unless overload.
func ChildEnvironment(base []string, vars []envfile.Var, overload bool) []string {
	index := map[string]int{}
	var out []string
	for _, kv := range base {
		k, _, _ := strings.Cut(kv, "=")
		if slices.Contains(Credentials, k) {
			continue
		}
		if i, ok := index[k]; ok {
			out[i] = kv
			continue
		}
		index[k] = len(out)
		out = append(out, kv)
	}
	for _, v := range vars {
		kv := v.Key + "=" + v.Value.Reveal()
		if i, ok := index[v.Key]; ok {
			if overload {
				out[i] = kv
			}
			continue
		}
		index[v.Key] = len(out)
		out = append(out, kv)
	}
	return out
}

// SelectVars keeps only the named variables (all when only is empty).
func SelectVars(vars []envfile.Var, only []string) ([]envfile.Var, error) {
	if len(only) == 0 {
		return vars, nil
	}
	var out []envfile.Var
	for _, name := range only {
		i := slices.IndexFunc(vars, func(v envfile.Var) bool { return v.Key == name })
		if i < 0 {
			return nil, fmt.Errorf("--only names %s, which the items do not set", name)
		}
		out = append(out, vars[i])
	}
	return out, nil
}
