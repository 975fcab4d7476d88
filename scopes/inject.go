package scopes

import (
	"fmt"
	"slices"
	"strings"

	"github.com/configsync/configsync/envfile"
)

// dangerousNames are variables that make loaders, shells or interpreters
// run code: whoever can write an environment must not get code execution
// on every machine that injects it.
var dangerousNames = []string{
	"PATH", "IFS", "ENV", "BASH_ENV", "SHELLOPTS", "BASHOPTS", "PS4", "PROMPT_COMMAND",
	"LD_PRELOAD", "LD_LIBRARY_PATH", "LD_AUDIT", "GCONV_PATH", "MALLOC_CHECK_",
	"NODE_OPTIONS", "NODE_PATH", "NPM_CONFIG_ONLOAD_SCRIPT",
	"PYTHONSTARTUP", "PYTHONPATH", "PYTHONHOME", "PYTHONINSPECT",
	"PERL5OPT", "PERL5LIB", "PERLLIB", "RUBYOPT", "RUBYLIB",
	"JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS", "JDK_JAVA_OPTIONS",
	"GIT_SSH_COMMAND", "GIT_EXEC_PATH", "EDITOR", "VISUAL", "PAGER",
}

// DangerousName reports whether a variable of this name can hijack a
// loader or an interpreter (DYLD_* included).
func DangerousName(name string) bool {
	return slices.Contains(dangerousNames, name) || strings.HasPrefix(name, "DYLD_")
}

// DangerousError lists store variables refused for injection.
type DangerousError struct{ Names []string }

func (e *DangerousError) Error() string {
	return fmt.Sprintf("the store sets %s, which can make programs run code", strings.Join(e.Names, ", "))
}

// CheckDangerous refuses variables that hijack loaders or interpreters
// unless allow names them.
func CheckDangerous(vars []envfile.Var, allow []string) error {
	var bad []string
	for _, v := range vars {
		if DangerousName(v.Key) && !slices.Contains(allow, v.Key) {
			bad = append(bad, v.Key)
		}
	}
	if len(bad) > 0 {
		return &DangerousError{Names: bad}
	}
	return nil
}

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
