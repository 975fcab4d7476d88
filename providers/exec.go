package providers

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"
)

// cli runs one CLI program in a fixed environment.
type cli struct {
	name string   // "op" or "bw": the program, and the start of its errors
	path string   // where lookPath found it
	env  []string // the whole environment of the process
}

// newCLI finds name in the PATH of env.
func newCLI(name string, env []string) (*cli, bool) {
	path, ok := lookPath(env, name)
	if !ok {
		return nil, false
	}
	return &cli{name: name, path: path, env: slices.Clone(env)}, true
}

// waitDelay bounds how long run waits for the CLI's output once the CLI
// has exited or ctx is done: op can start a background daemon, and a
// daemon that kept our pipes open would otherwise hold run forever.
const waitDelay = 5 * time.Second

// run runs the CLI with args and stdin (nil: /dev/null) and returns what
// it wrote, in memory. err is the *exec.ExitError of a failed run, or
// why it did not start.
func (c *cli) run(ctx context.Context, stdin io.Reader, args ...string) (stdout, stderr []byte, err error) {
	cmd := exec.CommandContext(ctx, c.path, args...)
	cmd.Env = c.env
	cmd.Stdin = stdin // nil: exec opens the null device
	var out, errOut bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &errOut
	cmd.WaitDelay = waitDelay
	err = cmd.Run()
	if ctxErr := ctx.Err(); err != nil && ctxErr != nil {
		err = ctxErr // "signal: killed" would hide the reason
	}
	return out.Bytes(), errOut.Bytes(), err
}

// failure is a CLIError for a failed run: the first line of stderr, or
// without one the exit status. content, if any, is what the run was
// given on stdin: a message that quotes it is withheld.
func (c *cli) failure(words string, stderr []byte, err error, content []byte) *CLIError {
	msg := firstLine(stderr)
	if msg == "" {
		msg = err.Error()
	}
	if quotesContent(msg, content) {
		msg = withheld
	}
	return &CLIError{CLI: c.name, Args: words, Msg: msg}
}

// lookPath finds an executable called name in the PATH of env, not in
// the PATH of this process: the caller decides where the CLI comes from.
// Relative PATH entries are skipped (as exec.LookPath refuses them with
// exec.ErrDot): they would run whatever op or bw sits in the working
// directory, maybe a repository just cloned.
func lookPath(env []string, name string) (string, bool) {
	for _, dir := range filepath.SplitList(getenv(env, "PATH")) {
		if dir == "" || !filepath.IsAbs(dir) {
			continue
		}
		for _, file := range candidates(env, filepath.Join(dir, name)) {
			if isExecutable(file) {
				return file, true
			}
		}
	}
	return "", false
}

// candidates are the file names a command may have: on Windows, with
// each extension of PATHEXT.
func candidates(env []string, path string) []string {
	if runtime.GOOS != "windows" {
		return []string{path}
	}
	exts := getenv(env, "PATHEXT")
	if exts == "" {
		exts = ".com;.exe;.bat;.cmd"
	}
	var files []string
	for ext := range strings.SplitSeq(strings.ToLower(exts), ";") {
		if ext != "" {
			files = append(files, path+ext)
		}
	}
	return files
}

func isExecutable(file string) bool {
	fi, err := os.Stat(file)
	if err != nil || !fi.Mode().IsRegular() {
		return false
	}
	return runtime.GOOS == "windows" || fi.Mode().Perm()&0o111 != 0
}

// getenv is the value of key in env, the last one if key repeats (as
// exec.Cmd does); keys are case-insensitive on Windows.
func getenv(env []string, key string) string {
	for i := len(env) - 1; i >= 0; i-- {
		k, v, ok := strings.Cut(env[i], "=")
		if ok && (k == key || runtime.GOOS == "windows" && strings.EqualFold(k, key)) {
			return v
		}
	}
	return ""
}
