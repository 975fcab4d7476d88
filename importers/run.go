package importers

import (
	"bytes"
	"context"
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// Runner runs external tools (sops, gpg) with a fixed environment:
// configsync's own credentials are the caller's to strip.
type Runner struct {
	Env []string // the whole environment of the tool, PATH included
}

// ErrNoTool is a tool that is not on the PATH.
var ErrNoTool = errors.New("not found on PATH")

// run runs name with args, stdin as its input (nil: none), and returns
// what it wrote to stdout, kept in memory: plaintext travels on a pipe,
// never through a file.
func (r Runner) run(ctx context.Context, stdin []byte, name string, args ...string) (stdout, stderr []byte, err error) {
	path, ok := r.lookPath(name)
	if !ok {
		return nil, nil, ErrNoTool
	}
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Env = r.Env
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	cmd.WaitDelay = 5 * time.Second
	err = cmd.Run()
	return out.Bytes(), errOut.Bytes(), err
}

// has reports whether name is on the PATH.
func (r Runner) has(name string) bool {
	_, ok := r.lookPath(name)
	return ok
}

// lookPath finds name in the PATH of r.Env (absolute entries only: a
// relative one would run whatever sits in the repository being imported).
func (r Runner) lookPath(name string) (string, bool) {
	for _, dir := range filepath.SplitList(r.getenv("PATH")) {
		if dir == "" || !filepath.IsAbs(dir) {
			continue
		}
		p := filepath.Join(dir, name)
		if _, err := exec.LookPath(p); err == nil {
			return p, true
		}
	}
	return "", false
}

func (r Runner) getenv(k string) string {
	for i := len(r.Env) - 1; i >= 0; i-- {
		if name, v, ok := strings.Cut(r.Env[i], "="); ok && name == k {
			return v
		}
	}
	return ""
}

// firstLine is the first non-empty line of a tool's stderr, for errors.
func firstLine(b []byte) string {
	for _, l := range strings.Split(string(b), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			return l
		}
	}
	return ""
}
