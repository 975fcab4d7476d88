// Package fakecli holds fake op (1Password CLI 2) and bw (Bitwarden CLI)
// programs for tests: [OP] and [BW] behave like the main function of
// each, and are meant to be installed on PATH by testscript.RunMain, or
// by a TestMain that calls [RunIfFake] and puts links made by [Link] on
// PATH.
//
// It owns the fakes' behaviour and state, nothing else. The fakes are
// strict, so that a wrong call from real code fails its test: an unknown
// command or flag, a missing argument, or a flag the real CLI would
// default but configsync always passes (--vault for op) is an error, in
// the real CLI's words and format where there is one (op: "[ERROR]
// 2006/01/02 15:04:05 message" on stderr; bw: the bare message). Their
// output (JSON field names, messages, exit status 1 on failure) follows
// the real CLIs; see op.go and bw.go for what each supports.
//
// State lives in JSON files in the directory named by $FAKECLI_DIR (op.json,
// bw.json): the vaults, items and sessions. Each invocation's arguments,
// never its standard input, are appended to op.log or bw.log there (see
// [ReadLog]), for tests to assert what was run. A lock directory
// serialises invocations while they run. Nothing else is written.
//
// This package is for tests only.
package fakecli

import (
	"bufio"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// DirEnv names the environment variable that holds the fakes' state
// directory. The fakes fail when it is unset.
const DirEnv = "FAKECLI_DIR"

// Log files in the state directory: one line per invocation, the
// arguments (after the program name) separated by spaces, each quoted as
// a Go string when it is empty or holds a space, quote or control
// character.
const (
	OPLog = "op.log"
	BWLog = "bw.log"
)

// OP runs the fake op with os.Args[1:], the process's standard streams
// and environment, and returns its exit status. It supports, after a
// signed-in check (OP_SERVICE_ACCOUNT_TOKEN
// or some OP_SESSION_* variable not empty):
//
//	op --version
//	op vault create NAME [--format json]
//	op vault list [--format json]
//	op item list --vault V [--tags T,...] [--categories Document,...] [--format json]
//	op document create - --vault V --title T [--tags T,...] [--file-name F]
//	op document get ID|TITLE --vault V
//	op document edit ID|TITLE - --vault V [--title T] [--tags T,...] [--file-name F]
//	op document delete ID|TITLE --vault V [--archive]
//
// A document comes from stdin only ("-"): configsync never writes
// plaintext to a file, and a fake that read files would hide a call that
// does. --vault, which op defaults, is required.
func OP() int { return runFake("op", OPLog, runOP) }

// BW runs the fake bw with os.Args[1:], the process's standard streams
// and environment, and returns its exit status. It supports:
//
//	bw --version
//	bw login EMAIL PASSWORD [--raw]        a new email makes the account
//	bw unlock PASSWORD [--raw]             also --passwordenv VAR
//	bw lock
//	bw logout
//	bw status
//	bw config server [URL]
//	bw sync
//	bw list items [--search S] [--trash]
//	bw get item ID|SEARCH
//	bw create item [BASE64]                stdin without the argument
//	bw edit item ID [BASE64]               stdin without the argument
//	bw delete item ID [--permanent]
//	bw encode
//
// with the global options --session KEY, --nointeraction, --raw and
// --pretty anywhere. The vault is unlocked when BW_SESSION (or
// --session) is the session key of the last login or unlock. Locked,
// the real bw prompts for the master password unless BW_NOINTERACTION is
// "true" (or --nointeraction is given); the fake fails instead of
// prompting, so a caller that forgot it fails its test. Like the real
// bw writing to a pipe, it ends neither its output nor its errors with a
// newline.
func BW() int { return runFake("bw", BWLog, runBW) }

// proc is one invocation of a fake.
type proc struct {
	args   []string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	env    []string
	dir    string // the state directory
}

// getenv is the value of key in p.env (the last one if it repeats).
func (p *proc) getenv(key string) string {
	for i := len(p.env) - 1; i >= 0; i-- {
		if k, v, ok := strings.Cut(p.env[i], "="); ok && k == key {
			return v
		}
	}
	return ""
}

func runFake(name, log string, run func(*proc) int) int {
	p := &proc{args: os.Args[1:], stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, env: os.Environ()}
	p.dir = p.getenv(DirEnv)
	if p.dir == "" {
		fmt.Fprintf(p.stderr, "fakecli: %s: $%s is not set\n", name, DirEnv)
		return 1
	}
	unlock, err := lock(p.dir, name)
	if err != nil {
		fmt.Fprintf(p.stderr, "fakecli: %s: %v\n", name, err)
		return 1
	}
	defer unlock()
	if err := appendLog(filepath.Join(p.dir, log), p.args); err != nil {
		fmt.Fprintf(p.stderr, "fakecli: %s: %v\n", name, err)
		return 1
	}
	return run(p)
}

// lock takes the fake's lock directory in dir: invocations of one fake
// (concurrent reads, say) read and write its state one at a time. A lock
// older than staleLock was left by a killed fake and is broken.
func lock(dir, name string) (unlock func(), err error) {
	path := filepath.Join(dir, name+".lock")
	const staleLock = 30 * time.Second
	deadline := time.Now().Add(2 * staleLock)
	for {
		err := os.Mkdir(path, 0o700)
		if err == nil {
			return func() { os.Remove(path) }, nil
		}
		if !errors.Is(err, os.ErrExist) {
			return nil, err
		}
		if fi, err := os.Stat(path); err == nil && time.Since(fi.ModTime()) > staleLock {
			os.Remove(path)
			continue
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("%s is held", path)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// load reads the JSON state in file into v; a missing file leaves v as is.
// transact runs a command against the state in file: load it into st,
// run, and save st if the command set *changed.
func transact(file string, st any, run func() error, changed *bool) error {
	if err := load(file, st); err != nil {
		return err
	}
	if err := run(); err != nil {
		return err
	}
	if *changed {
		return save(file, st)
	}
	return nil
}

func load(file string, v any) error {
	data, err := os.ReadFile(file)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("%s: %v", file, err)
	}
	return nil
}

// save writes v to file as JSON, atomically.
func save(file string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	tmp := file + ".tmp"
	if err := os.WriteFile(tmp, append(data, '\n'), 0o600); err != nil {
		return err
	}
	if err := os.Rename(tmp, file); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

func appendLog(file string, args []string) error {
	f, err := os.OpenFile(file, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	quoted := make([]string, len(args))
	for i, a := range args {
		quoted[i] = quoteArg(a)
	}
	_, err = fmt.Fprintln(f, strings.Join(quoted, " "))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

func quoteArg(a string) string {
	if a == "" || strings.ContainsFunc(a, func(r rune) bool { return r <= ' ' || r == '"' || r == '\\' || r == 0x7f }) {
		return strconv.Quote(a)
	}
	return a
}

// ReadLog reads a log written by the fakes (filepath.Join(dir, OPLog),
// say): the arguments of each invocation, in order. A missing log is no
// invocation.
func ReadLog(file string) ([][]string, error) {
	f, err := os.Open(file)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var calls [][]string
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		args, err := splitLogLine(sc.Text())
		if err != nil {
			return nil, fmt.Errorf("%s: %v", file, err)
		}
		calls = append(calls, args)
	}
	return calls, sc.Err()
}

func splitLogLine(line string) ([]string, error) {
	args := []string{}
	for line != "" {
		var a string
		if line[0] == '"' {
			q, err := strconv.QuotedPrefix(line)
			if err != nil {
				return nil, err
			}
			a, _ = strconv.Unquote(q)
			line = line[len(q):]
		} else if i := strings.IndexByte(line, ' '); i >= 0 {
			a, line = line[:i], line[i:]
		} else {
			a, line = line, ""
		}
		args = append(args, a)
		if line != "" {
			if line[0] != ' ' {
				return nil, fmt.Errorf("bad log line %q", line)
			}
			line = line[1:]
		}
	}
	return args, nil
}

// flags is the result of parsing a command line against a flag spec.
type flags struct {
	pos  []string          // positional arguments ("-" is one)
	vals map[string]string // flag name (without dashes) → value; "" for booleans
}

func (f flags) has(name string) bool { _, ok := f.vals[name]; return ok }

// flagSpec maps a flag's long name to whether it takes a value. aliases
// maps short forms ("-p") to long names.
type flagSpec struct {
	takes   map[string]bool
	aliases map[string]string
}

// errFlag is a command-line error; the fakes word it like their CLI.
type errFlag struct {
	unknown string // the unknown flag, as given
	missing string // the flag that lacks its value
}

func (e *errFlag) Error() string {
	if e.unknown != "" {
		return "unknown flag: " + e.unknown
	}
	return "flag needs an argument: --" + e.missing
}

// parse splits args into flags and positional arguments: "--name value",
// "--name=value", booleans without a value, "--" ending the flags.
func (s flagSpec) parse(args []string) (flags, error) {
	f := flags{vals: map[string]string{}}
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			f.pos = append(f.pos, args[i+1:]...)
			return f, nil
		case a == "-" || !strings.HasPrefix(a, "-"):
			f.pos = append(f.pos, a)
			continue
		}
		name, val, hasVal := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "--") {
			long, ok := s.aliases[a]
			if !ok {
				return f, &errFlag{unknown: a}
			}
			name, hasVal = long, false
		}
		takes, ok := s.takes[name]
		if !ok {
			return f, &errFlag{unknown: a}
		}
		switch {
		case takes && !hasVal:
			if i+1 >= len(args) {
				return f, &errFlag{missing: name}
			}
			i++
			val = args[i]
		case !takes && hasVal:
			return f, &errFlag{unknown: a}
		}
		f.vals[name] = val
	}
	return f, nil
}

// newID returns n random characters of alphabet.
func newID(alphabet string, n int) string {
	b := make([]byte, n)
	rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// newUUID returns a random version 4 UUID, as bw's ids are.
func newUUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
