package scopes

import (
	"fmt"
	"slices"
	"strings"

	"github.com/configsync/configsync/envfile"
)

// Variables that make a program run code, load code or send its traffic
// elsewhere. Whoever can write an environment must not get that on every
// machine and CI job that injects or exports it, so inject and export
// refuse them unless --allow-dangerous names them.
//
// This table is the one reviewed list (docs/decisions.md, "Variables
// that run code"). A family is matched by exact names and by prefixes;
// names are case-sensitive, as the programs reading them are, except
// where the program itself reads either case (proxies, npm). A family
// covers what its programs document as running or loading code; a
// prefix is used only where every name under it does (LD_*, GIT_CONFIG*),
// never for a family full of harmless settings (PYTHONUNBUFFERED,
// GIT_AUTHOR_NAME, NODE_ENV stay allowed).
var dangerFamilies = []dangerFamily{
	{
		Family:   "loader",
		Reason:   "the dynamic loader or the C library loads the code it names into every program",
		Prefixes: []string{"LD_", "DYLD_"},
		Names:    []string{"GCONV_PATH", "MALLOC_CHECK_"},
	},
	{
		Family:   "shell",
		Reason:   "shells run the files and commands it names, or re-split every command",
		Prefixes: []string{"BASH_FUNC_"},
		Names:    []string{"BASH_ENV", "ENV", "ZDOTDIR", "PROMPT_COMMAND", "PS4", "SHELLOPTS", "BASHOPTS", "IFS"},
	},
	{
		Family: "git",
		Reason: "git runs the commands its configuration names, core.fsmonitor and core.pager among them, or reads another repository",
		// GIT_CONFIG* is GIT_CONFIG, _COUNT, _KEY_n, _VALUE_n, _PARAMETERS,
		// _GLOBAL, _SYSTEM, _NOSYSTEM: any git setting, so any command.
		Prefixes: []string{"GIT_CONFIG"},
		Names: []string{
			"GIT_PAGER", "GIT_ASKPASS", "GIT_PROXY_COMMAND", "GIT_EXTERNAL_DIFF",
			"GIT_SSH", "GIT_SSH_COMMAND", "GIT_EXEC_PATH", "GIT_DIR", "GIT_WORK_TREE",
			"GIT_COMMON_DIR", "GIT_TEMPLATE_DIR", "GIT_EDITOR", "GIT_SEQUENCE_EDITOR",
		},
	},
	{
		Family:   "ssh",
		Reason:   "ssh runs the askpass program it names",
		Prefixes: []string{"SSH_ASKPASS"},
	},
	{
		Family: "pager or editor",
		Reason: "programs run it as a command; less runs LESSOPEN on every file",
		Names:  []string{"PAGER", "MANPAGER", "LESSOPEN", "LESSCLOSE", "EDITOR", "VISUAL"},
	},
	{
		Family:   "node",
		Reason:   "node and npm load the code or run the scripts it names",
		Names:    []string{"NODE_OPTIONS", "NODE_PATH"},
		Prefixes: []string{"npm_config_"},
		Fold:     true, // npm reads npm_config_* in any case
	},
	{
		Family: "python",
		Reason: "python runs or imports the code it names at startup",
		Names:  []string{"PYTHONSTARTUP", "PYTHONPATH", "PYTHONHOME", "PYTHONINSPECT", "PYTHONBREAKPOINT", "PYTHONUSERBASE"},
	},
	{
		Family: "perl",
		Reason: "perl loads the modules or options it names",
		Names:  []string{"PERL5OPT", "PERL5LIB", "PERLLIB", "PERL5DB"},
	},
	{
		Family: "ruby",
		Reason: "ruby loads the libraries or options it names",
		Names:  []string{"RUBYOPT", "RUBYLIB"},
	},
	{
		Family: "java",
		Reason: "the JVM takes options from it, agents included",
		Names:  []string{"JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS", "JDK_JAVA_OPTIONS"},
	},
	{
		Family:   ".NET",
		Reason:   "the runtime loads the startup hook or profiler it names",
		Names:    []string{"DOTNET_STARTUP_HOOKS", "COR_ENABLE_PROFILING"},
		Prefixes: []string{"CORECLR_", "COR_PROFILER"},
	},
	{
		Family: "proxy",
		Reason: "sends the program's traffic, credentials included, through a host the store picks",
		Names:  []string{"HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "FTP_PROXY"},
		Fold:   true, // curl, git and Go read http_proxy and HTTP_PROXY
	},
	{
		Family: "search path",
		Reason: "every command is looked up in the directories it names",
		Names:  []string{"PATH"},
	},
}

// dangerFamily is one row of the table: the names and prefixes of one
// kind of program, and why they are refused.
type dangerFamily struct {
	Family   string
	Reason   string
	Names    []string
	Prefixes []string
	Fold     bool // match names and prefixes in any case
}

func (f dangerFamily) matches(name string) bool {
	key, names, prefixes := name, f.Names, f.Prefixes
	if f.Fold {
		key = strings.ToUpper(name)
	}
	for _, n := range names {
		if key == upperIf(n, f.Fold) {
			return true
		}
	}
	for _, p := range prefixes {
		if strings.HasPrefix(key, upperIf(p, f.Fold)) {
			return true
		}
	}
	return false
}

func upperIf(s string, fold bool) string {
	if fold {
		return strings.ToUpper(s)
	}
	return s
}

// DangerFamily is the family of a variable that can make programs run
// code ("git", "loader"…) and why, or "" when it is an ordinary one.
func DangerFamily(name string) (family, reason string) {
	for _, f := range dangerFamilies {
		if f.matches(name) {
			return f.Family, f.Reason
		}
	}
	return "", ""
}

// DangerousName reports whether a variable of this name can make a
// program run code or send its traffic elsewhere.
func DangerousName(name string) bool {
	f, _ := DangerFamily(name)
	return f != ""
}

// allowed: allow names the variable exactly, or holds a prefix pattern
// ending in "*" ('npm_config_*') that it starts with.
func allowed(name string, allow []string) bool {
	for _, a := range allow {
		p, isPrefix := strings.CutSuffix(a, "*")
		if a == name || isPrefix && strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// DangerousError lists store variables refused for injection, grouped by
// family.
type DangerousError struct {
	Names  []string
	Groups []DangerGroup
}

// DangerGroup is the refused variables of one family.
type DangerGroup struct {
	Family, Reason string
	Names          []string
}

func (e *DangerousError) Error() string {
	parts := make([]string, len(e.Groups))
	for i, g := range e.Groups {
		parts[i] = fmt.Sprintf("%s (%s: %s)", KeyList(g.Names), g.Family, g.Reason)
	}
	return "the store sets " + strings.Join(parts, "; ")
}

// CheckDangerous refuses variables that make programs run code unless
// allow names them (or a prefix pattern of theirs).
func CheckDangerous(vars []envfile.Var, allow []string) error {
	var e DangerousError
	for _, v := range vars {
		family, reason := DangerFamily(v.Key)
		if family == "" || allowed(v.Key, allow) {
			continue
		}
		e.Names = append(e.Names, v.Key)
		i := slices.IndexFunc(e.Groups, func(g DangerGroup) bool { return g.Family == family })
		if i < 0 {
			e.Groups = append(e.Groups, DangerGroup{Family: family, Reason: reason})
			i = len(e.Groups) - 1
		}
		e.Groups[i].Names = append(e.Groups[i].Names, v.Key)
	}
	if len(e.Names) > 0 {
		return &e
	}
	return nil
}
