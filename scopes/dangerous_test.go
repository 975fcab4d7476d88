package scopes_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/configsync/configsync/envfile"
	"github.com/configsync/configsync/scopes"
)

func TestDangerFamily(t *testing.T) {
	tests := []struct {
		name   string
		family string // "" when the variable is an ordinary one
	}{
		// The issue 10 attack and the rest of git's configuration.
		{"GIT_CONFIG_COUNT", "git"},
		{"GIT_CONFIG_KEY_0", "git"},
		{"GIT_CONFIG_VALUE_0", "git"},
		{"GIT_CONFIG_PARAMETERS", "git"},
		{"GIT_CONFIG", "git"},
		{"GIT_CONFIG_GLOBAL", "git"},
		{"GIT_CONFIG_SYSTEM", "git"},
		{"GIT_CONFIG_NOSYSTEM", "git"},
		{"GIT_PAGER", "git"},
		{"GIT_ASKPASS", "git"},
		{"GIT_PROXY_COMMAND", "git"},
		{"GIT_EXTERNAL_DIFF", "git"},
		{"GIT_SSH", "git"},
		{"GIT_SSH_COMMAND", "git"},
		{"GIT_EXEC_PATH", "git"},
		{"GIT_DIR", "git"},
		{"GIT_WORK_TREE", "git"},
		{"GIT_TEMPLATE_DIR", "git"},
		{"GIT_EDITOR", "git"},
		{"GIT_SEQUENCE_EDITOR", "git"},
		{"GIT_AUTHOR_NAME", ""},
		{"GIT_COMMITTER_EMAIL", ""},
		{"GIT_TOKEN", ""},
		// Loaders.
		{"LD_PRELOAD", "loader"},
		{"LD_LIBRARY_PATH", "loader"},
		{"LD_AUDIT", "loader"},
		{"DYLD_INSERT_LIBRARIES", "loader"},
		{"GCONV_PATH", "loader"},
		{"MALLOC_CHECK_", "loader"},
		{"LDFLAGS", ""},
		{"ld_preload", ""}, // the loader reads the upper-case name only
		// Shells.
		{"BASH_ENV", "shell"},
		{"ENV", "shell"},
		{"ZDOTDIR", "shell"},
		{"PROMPT_COMMAND", "shell"},
		{"PS4", "shell"},
		{"SHELLOPTS", "shell"},
		{"BASHOPTS", "shell"},
		{"IFS", "shell"},
		{"BASH_FUNC_ls%%", "shell"},
		{"APP_ENV", ""},
		{"ENVIRONMENT", ""},
		{"SHELL", ""},
		// ssh, pagers, editors.
		{"SSH_ASKPASS", "ssh"},
		{"SSH_ASKPASS_REQUIRE", "ssh"},
		{"SSH_AUTH_SOCK", ""},
		{"PAGER", "pager or editor"},
		{"LESSOPEN", "pager or editor"},
		{"LESSCLOSE", "pager or editor"},
		{"EDITOR", "pager or editor"},
		{"VISUAL", "pager or editor"},
		// Interpreters.
		{"NODE_OPTIONS", "node"},
		{"NODE_PATH", "node"},
		{"npm_config_onload_script", "node"},
		{"NPM_CONFIG_ONLOAD_SCRIPT", "node"},
		{"npm_config_registry", "node"},
		{"Npm_Config_Script_Shell", "node"},
		{"NODE_ENV", ""},
		{"NPM_TOKEN", ""},
		{"PYTHONSTARTUP", "python"},
		{"PYTHONPATH", "python"},
		{"PYTHONHOME", "python"},
		{"PYTHONINSPECT", "python"},
		{"PYTHONBREAKPOINT", "python"},
		{"PYTHONUSERBASE", "python"},
		{"PYTHONUNBUFFERED", ""},
		{"PYTHONDONTWRITEBYTECODE", ""},
		{"PERL5OPT", "perl"},
		{"PERL5LIB", "perl"},
		{"PERLLIB", "perl"},
		{"PERL5DB", "perl"},
		{"RUBYOPT", "ruby"},
		{"RUBYLIB", "ruby"},
		{"RUBY_VERSION", ""},
		{"JAVA_TOOL_OPTIONS", "java"},
		{"_JAVA_OPTIONS", "java"},
		{"JDK_JAVA_OPTIONS", "java"},
		{"JAVA_HOME", ""},
		{"DOTNET_STARTUP_HOOKS", ".NET"},
		{"CORECLR_PROFILER_PATH", ".NET"},
		{"CORECLR_ENABLE_PROFILING", ".NET"},
		{"COR_PROFILER", ".NET"},
		{"COR_PROFILER_PATH_64", ".NET"},
		{"COR_ENABLE_PROFILING", ".NET"},
		{"DOTNET_ENVIRONMENT", ""},
		// Proxies, in either case, and PATH.
		{"http_proxy", "proxy"},
		{"https_proxy", "proxy"},
		{"HTTP_PROXY", "proxy"},
		{"HTTPS_PROXY", "proxy"},
		{"ALL_PROXY", "proxy"},
		{"all_proxy", "proxy"},
		{"NO_PROXY", "proxy"},
		{"no_proxy", "proxy"},
		{"PROXY_URL", ""},
		{"PATH", "search path"},
		{"Path", ""},
		{"MY_PATH", ""},
		// Ordinary application variables.
		{"DATABASE_URL", ""},
		{"API_KEY", ""},
		{"STRIPE_SECRET_KEY", ""},
		{"PORT", ""},
	}
	for _, tt := range tests {
		family, reason := scopes.DangerFamily(tt.name)
		if family != tt.family {
			t.Errorf("DangerFamily(%q) = %q, want %q", tt.name, family, tt.family)
		}
		if (reason == "") != (tt.family == "") {
			t.Errorf("DangerFamily(%q): reason %q for family %q", tt.name, reason, family)
		}
		if scopes.DangerousName(tt.name) != (tt.family != "") {
			t.Errorf("DangerousName(%q) disagrees with DangerFamily", tt.name)
		}
	}
}

func TestCheckDangerous(t *testing.T) {
	vars := func(names ...string) []envfile.Var {
		out := make([]envfile.Var, len(names))
		for i, n := range names {
			out[i] = envfile.Var{Key: n}
		}
		return out
	}
	tests := []struct {
		name    string
		vars    []envfile.Var
		allow   []string
		refused []string
		message string // a part of the refusal
	}{
		{"ordinary", vars("DATABASE_URL", "PORT"), nil, nil, ""},
		{"git attack", vars("APP", "GIT_CONFIG_COUNT", "GIT_CONFIG_KEY_0", "GIT_CONFIG_VALUE_0"), nil,
			[]string{"GIT_CONFIG_COUNT", "GIT_CONFIG_KEY_0", "GIT_CONFIG_VALUE_0"},
			"the store sets GIT_CONFIG_COUNT, GIT_CONFIG_KEY_0, GIT_CONFIG_VALUE_0 (git: git runs"},
		{"two families", vars("LD_PRELOAD", "https_proxy"), nil, []string{"LD_PRELOAD", "https_proxy"},
			"LD_PRELOAD (loader: "},
		{"one allowed", vars("LD_PRELOAD", "NODE_OPTIONS"), []string{"LD_PRELOAD"}, []string{"NODE_OPTIONS"}, "NODE_OPTIONS (node: "},
		{"prefix allowed", vars("npm_config_registry", "npm_config_cache", "NODE_OPTIONS"), []string{"npm_config_*"}, []string{"NODE_OPTIONS"}, ""},
		{"prefix is not another prefix", vars("GIT_CONFIG_COUNT"), []string{"GIT_PAGER*"}, []string{"GIT_CONFIG_COUNT"}, ""},
		{"exact name only", vars("GIT_CONFIG_KEY_0"), []string{"GIT_CONFIG_KEY"}, []string{"GIT_CONFIG_KEY_0"}, ""},
		{"all allowed", vars("GIT_CONFIG_COUNT", "GIT_CONFIG_KEY_0"), []string{"GIT_CONFIG_*"}, nil, ""},
	}
	for _, tt := range tests {
		err := scopes.CheckDangerous(tt.vars, tt.allow)
		var de *scopes.DangerousError
		if !errors.As(err, &de) {
			if tt.refused != nil {
				t.Errorf("%s: got %v, want %v refused", tt.name, err, tt.refused)
			}
			continue
		}
		if !slices.Equal(de.Names, tt.refused) {
			t.Errorf("%s: refused %v, want %v", tt.name, de.Names, tt.refused)
		}
		if !strings.Contains(err.Error(), tt.message) {
			t.Errorf("%s: %q does not hold %q", tt.name, err, tt.message)
		}
	}
}
