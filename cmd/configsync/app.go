package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"syscall"

	"github.com/spf13/pflag"

	"github.com/configsync/configsync/config"
	"github.com/configsync/configsync/keyring"
	"github.com/configsync/configsync/scopes"
)

// Exit statuses, a stable and documented table.
const (
	exitOK     = 0 // done
	exitFailed = 1 // refused or failed
	exitUsage  = 2 // the command line was wrong
)

// command is one row of the command table (commands.go). flags declares
// the command's flags on its own FlagSet and returns its run function
// (runPush, ...) bound to their values; noFlags(run) declares none.
type command struct {
	name    string // "env create"
	args    string // "NAME --tier T [--protect]"
	summary string
	flags   func(fs *pflag.FlagSet) runFunc
	// params names the positional arguments the command takes, exactly;
	// variadic commands (help, hooks scan) check their own.
	params   []string
	variadic bool
	// passthrough stops flag parsing at the first argument (inject's CMD).
	passthrough bool
}

// runFunc runs a command with its positional arguments, once its flags
// are parsed.
type runFunc func(ctx context.Context, a *app, args []string) error

// app is one invocation: its Env, global flags and the lazily opened vault.
type app struct {
	env   *Env
	home  string
	quiet bool
	cmd   *command
	// identityCache avoids asking for a passphrase twice.
	identity *keyring.PrivateKey
	// session is the last session opened, to explain an error afterwards.
	session *scopes.Session
}

// usageError is a wrong command line: exit status 2.
type usageError struct {
	msg string
	cmd string
}

func (e *usageError) Error() string { return e.msg }

func usagef(cmd *command, format string, args ...any) error {
	name := ""
	if cmd != nil {
		name = cmd.name
	}
	return &usageError{msg: fmt.Sprintf(format, args...), cmd: name}
}

// Main runs configsync with args and returns the exit status.
func Main(args []string, env *Env) int {
	a := &app{env: env}
	return a.run(context.Background(), args)
}

// catchSignals makes Ctrl-C and SIGTERM cancel ctx, so a command stops
// where it can clean up. inject does not: until it becomes the command
// it only reads, and the default (stop at once) is what a program that
// execs another should have; catching costs it a thread, ~0.4 ms.
func catchSignals(ctx context.Context) (context.Context, context.CancelFunc) {
	return signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
}

func (a *app) run(ctx context.Context, args []string) int {
	if len(args) > 0 && args[0] == completeCmd {
		ctx, stop := catchSignals(ctx)
		defer stop()
		return completer{a}.complete(ctx, args[1:])
	}
	cmd, rest, err := a.findCommand(args)
	if errors.Is(err, errNoCommand) {
		// Like "configsync keys": the usage, on stderr, exit 2 (§5).
		a.printOverview(a.env.Stderr)
		return exitUsage
	}
	if err != nil {
		return a.fail(err)
	}
	if cmd == nil {
		a.printOverview(a.env.Stdout)
		return exitOK
	}
	a.cmd = cmd
	fs := pflag.NewFlagSet(cmd.name, pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.SortFlags = false
	run := cmd.flags(fs)
	fs.StringVar(&a.home, "home", "", "configsync's home directory (env CONFIGSYNC_HOME)")
	fs.BoolVarP(&a.quiet, "quiet", "q", false, "print only errors")
	if cmd.passthrough {
		fs.SetInterspersed(false)
	}
	if err := fs.Parse(rest); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			a.printHelp(a.env.Stdout, cmd)
			return exitOK
		}
		return a.fail(usagef(cmd, "%v", err))
	}
	if a.home == "" {
		a.home = defaultHome(a.env.Getenv)
	}
	if !cmd.variadic && !cmd.passthrough {
		if err := exactArgs(a, fs.Args(), cmd.params...); err != nil {
			return a.fail(err)
		}
	}
	if !cmd.passthrough {
		var stop context.CancelFunc
		ctx, stop = catchSignals(ctx)
		defer stop()
	}
	if err := run(ctx, a, fs.Args()); err != nil {
		return a.fail(a.noEnvironmentYet(ctx, err))
	}
	return exitOK
}

// errNoCommand is a command line with no command: a usage error.
var errNoCommand = errors.New("no command")

// globalFlags may come before the command's name.
func takeGlobal(args []string) (home string, quiet bool, rest []string, err error) {
	for len(args) > 0 {
		switch arg := args[0]; {
		case arg == "-q" || arg == "--quiet":
			quiet = true
			args = args[1:]
		case arg == "--home":
			if len(args) < 2 {
				return "", false, nil, errors.New("flag needs an argument: --home")
			}
			home, args = args[1], args[2:]
		case strings.HasPrefix(arg, "--home="):
			home, args = strings.TrimPrefix(arg, "--home="), args[1:]
		default:
			return home, quiet, args, nil
		}
	}
	return home, quiet, args, nil
}

// findCommand resolves the command's name (one or two words) after any
// global flags, which are then handed to the command's own FlagSet.
func (a *app) findCommand(args []string) (*command, []string, error) {
	home, quiet, rest, err := takeGlobal(args)
	if err != nil {
		return nil, nil, usagef(nil, "%v", err)
	}
	var pre []string
	if home != "" {
		pre = append(pre, "--home", home)
	}
	if quiet {
		pre = append(pre, "--quiet")
	}
	if len(rest) == 0 {
		return nil, nil, errNoCommand
	}
	switch rest[0] {
	case "-h", "--help":
		return nil, nil, nil
	case "--version":
		rest[0] = "version"
	}
	table := commands()
	if len(rest) >= 2 {
		if c := lookup(table, rest[0]+" "+rest[1]); c != nil {
			return c, append(pre, rest[2:]...), nil
		}
	}
	if c := lookup(table, rest[0]); c != nil {
		return c, append(pre, rest[1:]...), nil
	}
	if group := subcommands(table, rest[0]); len(group) > 0 {
		if len(rest) == 1 {
			return nil, nil, usagef(nil, "%s needs a subcommand (%s)", rest[0], strings.Join(group, ", "))
		}
		return nil, nil, usagef(nil, "unknown command %q (%s takes: %s)", rest[0]+" "+rest[1], rest[0], strings.Join(group, ", "))
	}
	return nil, nil, usagef(nil, "unknown command %q", rest[0])
}

func lookup(table []*command, name string) *command {
	for _, c := range table {
		if c.name == name {
			return c
		}
	}
	return nil
}

func subcommands(table []*command, group string) []string {
	var out []string
	for _, c := range table {
		if first, second, ok := strings.Cut(c.name, " "); ok && first == group {
			out = append(out, second)
		}
	}
	sort.Strings(out)
	return out
}

// defaultHome is $CONFIGSYNC_HOME, else $XDG_CONFIG_HOME/configsync, else
// ~/.config/configsync.
func defaultHome(getenv func(string) string) string {
	if h := getenv("CONFIGSYNC_HOME"); h != "" {
		return h
	}
	if x := getenv("XDG_CONFIG_HOME"); x != "" {
		return filepath.Join(x, "configsync")
	}
	return filepath.Join(getenv("HOME"), ".config", "configsync")
}

// out prints a line to stdout unless --quiet, its ✓ or ✗ in colour on
// a terminal (colour.go).
func (a *app) out(format string, args ...any) {
	if a.quiet {
		return
	}
	line := printable(fmt.Sprintf(format, args...))
	if a.colour() {
		line = paint(line)
	}
	fmt.Fprintln(a.env.Stdout, line)
}

// info prints a line to stderr unless --quiet.
func (a *app) info(format string, args ...any) {
	if !a.quiet {
		printLine(a.env.Stderr, format, args...)
	}
}

// outLines prints text of several lines (a diff, a multi-line value)
// to stdout, each line as out does.
func (a *app) outLines(text string) {
	for _, line := range strings.Split(text, "\n") {
		a.out("%s", line)
	}
}

// printLine prints one line through printable: whatever it quotes from the
// store, a remote or a file is shown, never interpreted by the terminal.
// Every line configsync prints about the store goes through here.
func printLine(w io.Writer, format string, args ...any) {
	fmt.Fprintln(w, printable(fmt.Sprintf(format, args...)))
}

// fail is the one funnel for errors: "configsync: what: what to do",
// with the exit status owned here.
func (a *app) fail(err error) int {
	var ue *usageError
	if errors.As(err, &ue) {
		help := "run configsync help"
		if ue.cmd != "" {
			help += " " + ue.cmd
		}
		printLine(a.env.Stderr, "configsync: %s: %s", oneLine(ue.msg), help)
		return exitUsage
	}
	var silent silentError
	if errors.As(err, &silent) {
		return exitFailed
	}
	msg := oneLine(err.Error())
	if h := hint(err); h != "" && !strings.Contains(msg, h) {
		msg += ": " + h
	}
	printLine(a.env.Stderr, "configsync: %s", msg)
	for _, d := range details(err) {
		printLine(a.env.Stderr, "  %s", d)
	}
	return exitFailed
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", " ")), " ")
}

// readRemote is --remote, else CONFIGSYNC_REMOTE unless --repo is given:
// where pull, inject and export read the store from.
func (a *app) readRemote(remote, repo string) string {
	if remote == "" && repo == "" {
		return a.env.Getenv("CONFIGSYNC_REMOTE")
	}
	return remote
}

// sessionOptions are the Options of a vault opened by this command;
// openProvider opens a secrets provider (nil: none).
func (a *app) sessionOptions(remote, repo string, openProvider scopes.OpenBackend) scopes.Options {
	return scopes.Options{
		Home:      a.home,
		UserHome:  a.env.Getenv("HOME"),
		Now:       a.env.Now,
		Identity:  a.loadIdentity,
		Remote:    remote,
		Repo:      repo,
		GitAuth:   a.gitAuth(),
		Progress:  a.progress(),
		Providers: openProvider,
		Notify:    func(line string) { a.info("configsync: %s", line) },
		Leaks:     a.refreshLeakIndex,
	}
}

// openSession opens the vault with this invocation's home and identity;
// remote and repo read the store from elsewhere for this command only.
func (a *app) openSession(ctx context.Context, remote, repo string) (*scopes.Session, error) {
	var v *scopes.Session
	// Providers are opened on first use, once v is set.
	openProvider := func(kind, location string) (scopes.Backend, error) {
		return a.openProvider(kind, location, v.Config().Secrets.Bitwarden.Server)
	}
	v, err := scopes.Open(ctx, a.sessionOptions(remote, repo, openProvider))
	if err != nil {
		return nil, err
	}
	// A machine with no pinned admins (CI) pins them from the environment,
	// else from the configsync.toml of the repository it runs in.
	if pins := a.env.Getenv("CONFIGSYNC_ADMINS"); pins != "" {
		if err := v.TrustAdmins(strings.Split(pins, ",")); err != nil {
			return nil, err
		}
	} else if (remote != "" || repo != "") && len(v.Config().Trust.Admins) == 0 {
		if err := a.pinFromProject(v); err != nil {
			return nil, err
		}
	}
	a.session = v
	return v, nil
}

// pinFromProject pins the admins listed in the configsync.toml of the
// working directory's repository, if any.
func (a *app) pinFromProject(v *scopes.Session) error {
	wd, err := os.Getwd()
	if err != nil {
		return nil
	}
	p, err := config.FindProject(wd)
	if err != nil {
		return err
	}
	return v.TrustAdmins(p.Store.Admins)
}

// noEnvironmentYet turns "no active environment" into "no store here" or
// "the store has no environment yet" when that is why, so the hint says
// what to run.
func (a *app) noEnvironmentYet(ctx context.Context, err error) error {
	if !errors.Is(err, scopes.ErrNoEnvironment) || a.session == nil {
		return err
	}
	if !a.session.HasStore() {
		// Before init there is no environment to choose: say what is missing.
		return scopes.ErrNoStore
	}
	if envs, lerr := a.session.Environments(ctx); lerr == nil && len(envs) == 0 {
		return scopes.ErrNoEnvironmentYet
	}
	return err
}

// exactArgs wants exactly the positional arguments named by what.
func exactArgs(a *app, args []string, what ...string) error {
	if len(args) < len(what) {
		return usagef(a.cmd, "missing %s", strings.Join(what[len(args):], " and "))
	}
	if len(args) > len(what) {
		return usagef(a.cmd, "unexpected argument %q", args[len(what)])
	}
	return nil
}
