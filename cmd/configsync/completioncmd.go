package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"

	"github.com/spf13/pflag"

	"github.com/configsync/configsync/config"
	"github.com/configsync/configsync/keyring"
	"github.com/configsync/configsync/scopes"
)

// Shell completion: `configsync completion SHELL` prints a script that
// asks the binary itself for candidates (`configsync __complete WORDS…`,
// the last word being the one under the cursor), so commands, flags and
// the names only this machine knows (environments, projects, members,
// config keys) never drift from the command table. An empty answer lets
// the shell complete file names.

// completeCmd is the hidden command the scripts call; it is not in the
// command table, so help and the overview do not list it.
const completeCmd = "__complete"

func runCompletion(ctx context.Context, a *app, args []string) error {
	script, ok := completionScripts[args[0]]
	if !ok {
		return usagef(a.cmd, "no completion for shell %q (bash, zsh or fish)", args[0])
	}
	_, err := io.WriteString(a.env.Stdout, script)
	return err
}

var completionScripts = map[string]string{
	"bash": `# bash completion for configsync: source <(configsync completion bash)
_configsync() {
	local IFS=$'\n'
	COMPREPLY=($(configsync __complete "${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null))
}
complete -o default -F _configsync configsync
`,
	"zsh": `#compdef configsync
# zsh completion for configsync: configsync completion zsh > "${fpath[1]}/_configsync"
_configsync() {
	local -a candidates
	candidates=("${(@f)$(configsync __complete "${(@)words[2,CURRENT]}" 2>/dev/null)}")
	candidates=(${candidates:#})
	if (( ${#candidates} )); then
		compadd -- $candidates
	else
		_files
	fi
}
if [ "$funcstack[1]" = "_configsync" ]; then
	_configsync "$@"
else
	compdef _configsync configsync
fi
`,
	"fish": `# fish completion for configsync: configsync completion fish > ~/.config/fish/completions/configsync.fish
function __configsync_complete
	set -l words (commandline -opc)[2..-1] (commandline -ct)
	set -l out (configsync __complete $words 2>/dev/null)
	if test (count $out) -gt 0
		printf '%s\n' $out
	else
		__fish_complete_path (commandline -ct)
	end
end
complete -c configsync -f -a '(__configsync_complete)'
`,
}

// completer answers the shell's completion requests (__complete): the
// command line's words to candidates, with names read from the local
// store, never fetched or prompted for.
type completer struct{ *app }

// complete prints the candidates for the last of words (the word under the
// cursor, possibly empty), one per line. It never fails, prompts or
// touches the network: a name it cannot read is simply not offered.
func (a completer) complete(ctx context.Context, words []string) int {
	if len(words) == 0 {
		words = []string{""}
	}
	for _, c := range a.candidates(ctx, words[:len(words)-1], words[len(words)-1]) {
		fmt.Fprintln(a.env.Stdout, c)
	}
	return exitOK
}

func (a completer) candidates(ctx context.Context, before []string, cur string) []string {
	// Global flags first: --home DIR changes which store names come from.
	for len(before) > 0 {
		switch before[0] {
		case "-q", "--quiet":
			before = before[1:]
			continue
		case "--home":
			if len(before) > 1 {
				a.home, before = before[1], before[2:]
				continue
			}
			return nil // cur is --home's directory: files
		}
		break
	}
	if a.home == "" {
		a.home = defaultHome(a.env.Getenv)
	}
	table := commands()
	if len(before) == 0 {
		return withPrefix(commandWords(table, ""), cur)
	}
	c, rest := lookup(table, before[0]), before[1:]
	if len(before) >= 2 {
		if two := lookup(table, before[0]+" "+before[1]); two != nil {
			c, rest = two, before[2:]
		}
	}
	if c == nil {
		if len(before) == 1 {
			return withPrefix(commandWords(table, before[0]), cur)
		}
		return nil
	}
	fs := pflag.NewFlagSet(c.name, pflag.ContinueOnError)
	c.flags(fs)
	fs.String("home", "", "")
	fs.BoolP("quiet", "q", false, "")
	if len(rest) > 0 && !c.passthrough {
		if f := valueFlag(fs, rest[len(rest)-1]); f != nil {
			return a.flagValues(ctx, f.Name, cur)
		}
	}
	if c.passthrough && slices.Contains(rest, "--") {
		return nil // inject's command line: the shell's own completion
	}
	if strings.HasPrefix(cur, "-") {
		var flags []string
		fs.VisitAll(func(f *pflag.Flag) { flags = append(flags, "--"+f.Name) })
		return withPrefix(flags, cur)
	}
	if positionals(fs, rest) > 0 {
		return nil // only the first argument has names to offer
	}
	return a.argValues(ctx, c.name, table, cur)
}

// commandWords lists the first words of the commands, or, after a
// group's name, its subcommands.
func commandWords(table []*command, group string) []string {
	var out []string
	for _, c := range table {
		first, second, two := strings.Cut(c.name, " ")
		switch {
		case group == "" && !slices.Contains(out, first):
			out = append(out, first)
		case group != "" && two && first == group:
			out = append(out, second)
		}
	}
	return out
}

// valueFlag is the flag that word names when that flag takes a value.
func valueFlag(fs *pflag.FlagSet, word string) *pflag.Flag {
	var f *pflag.Flag
	switch {
	case strings.Contains(word, "="):
		return nil
	case strings.HasPrefix(word, "--"):
		f = fs.Lookup(word[2:])
	case len(word) == 2 && word[0] == '-':
		f = fs.ShorthandLookup(word[1:])
	}
	if f == nil || f.NoOptDefVal != "" {
		return nil // unknown, or a boolean
	}
	return f
}

// positionals counts the arguments in words that are not flags or
// flag values.
func positionals(fs *pflag.FlagSet, words []string) int {
	n := 0
	for i := 0; i < len(words); i++ {
		switch w := words[i]; {
		case valueFlag(fs, w) != nil:
			i++
		case !strings.HasPrefix(w, "-"):
			n++
		}
	}
	return n
}

func (a completer) flagValues(ctx context.Context, flag, cur string) []string {
	switch flag {
	case "env":
		return withPrefix(a.completionNames(ctx).envs, cur)
	case "project":
		return withPrefix(a.completionNames(ctx).projects, cur)
	case "tier":
		// A comma-separated list: complete its last element.
		done, last := "", cur
		if i := strings.LastIndex(cur, ","); i >= 0 {
			done, last = cur[:i+1], cur[i+1:]
		}
		var out []string
		for _, t := range scopes.Tiers {
			if !slices.Contains(strings.Split(done, ","), string(t)) {
				out = append(out, done+string(t))
			}
		}
		return withPrefix(out, done+last)
	case "filter":
		return withPrefix([]string{"env", "file"}, cur)
	case "format":
		return withPrefix([]string{"dotenv", "json", "shell", "github"}, cur)
	}
	return nil // a path, a URL, a message: the shell's own completion
}

func (a completer) argValues(ctx context.Context, name string, table []*command, cur string) []string {
	switch name {
	case "env use", "env delete", "env rotate":
		return withPrefix(a.completionNames(ctx).envs, cur)
	case "team remove", "team grant", "team revoke":
		return withPrefix(a.completionNames(ctx).members, cur)
	case "config get", "config set", "config unset":
		var keys []string
		for _, k := range config.Keys() {
			if name == "config get" || !k.ReadOnly {
				keys = append(keys, k.Name)
			}
		}
		return withPrefix(keys, cur)
	case "help":
		return withPrefix(commandWords(table, ""), cur)
	case "completion":
		return withPrefix(sortedKeys(completionScripts), cur)
	case "import":
		return withPrefix([]string{importDotenvx, importSops, importGitSecret, importDotenv}, cur)
	}
	return nil
}

// names are what only this machine knows, read from its own store as it
// stands (no fetch, no identity, no passphrase).
type names struct{ envs, projects, members []string }

func (a completer) completionNames(ctx context.Context) names {
	var n names
	v, err := scopes.Open(ctx, scopes.Options{
		Home:     a.home,
		UserHome: a.env.Getenv("HOME"),
		Now:      a.env.Now,
		Identity: func() (*keyring.PrivateKey, error) { return nil, errors.New("not while completing") },
	})
	if err != nil {
		return n
	}
	for _, t := range v.TrackedProjects() {
		if !slices.Contains(n.projects, t.Project) {
			n.projects = append(n.projects, t.Project)
		}
	}
	if !v.HasStore() {
		return n
	}
	if envs, err := v.Environments(ctx); err == nil {
		for _, e := range envs {
			n.envs = append(n.envs, e.Name)
		}
	}
	if members, err := v.Members(ctx); err == nil {
		for _, m := range members {
			n.members = append(n.members, m.Email)
		}
	}
	sort.Strings(n.projects)
	return n
}

func withPrefix(words []string, prefix string) []string {
	var out []string
	for _, w := range words {
		if strings.HasPrefix(w, prefix) {
			out = append(out, w)
		}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
