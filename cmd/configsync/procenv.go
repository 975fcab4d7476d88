package main

import (
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/configsync/configsync/scopes"
)

// Env is everything a command takes from the process: stdio, the
// environment, the clock, the working directory and the terminal. Tests
// and the real binary differ only here.
type Env struct {
	Stdin   io.Reader
	Stdout  io.Writer
	Stderr  io.Writer
	Getenv  func(string) string
	Environ func() []string
	Now     func() time.Time
	// IsTerminal reports whether stdin and stderr are a terminal (for
	// prompts and confirmations).
	IsTerminal func() bool
	// StdoutIsTerminal reports whether stdout is a terminal (for colour);
	// nil means no.
	StdoutIsTerminal func() bool
	// ReadPassword reads a line from the terminal without echo.
	ReadPassword func() ([]byte, error)
}

// SystemEnv is the real process's Env. The environment is read once, and
// configsync's own credentials (scopes.Credentials) are then removed from
// the process's: children that configsync does not build an environment
// for inherit the process's (git's credential helpers, the
// git-upload-pack and git-receive-pack that go-git's file transport
// starts, the hooks of a local remote), and none of them needs a key.
func SystemEnv() *Env {
	environ := os.Environ()
	for _, k := range scopes.Credentials {
		os.Unsetenv(k)
	}
	return &Env{
		Stdin:  os.Stdin,
		Stdout: os.Stdout,
		Stderr: os.Stderr,
		Getenv: func(k string) string {
			v, _ := lookupEnv(environ, k)
			return v
		},
		Environ: func() []string { return slices.Clone(environ) },
		Now:     time.Now,
		IsTerminal: func() bool {
			return term.IsTerminal(int(os.Stdin.Fd())) && term.IsTerminal(int(os.Stderr.Fd()))
		},
		StdoutIsTerminal: func() bool { return term.IsTerminal(int(os.Stdout.Fd())) },
		ReadPassword:     func() ([]byte, error) { return term.ReadPassword(int(os.Stdin.Fd())) },
	}
}

// withoutCredentials is environ (KEY=VALUE pairs) less configsync's own
// credentials (scopes.Credentials): the environment of a child that has no
// use for them, such as the op or bw CLI.
func withoutCredentials(environ []string) []string {
	var env []string
	for _, kv := range environ {
		if k, _, _ := strings.Cut(kv, "="); !slices.Contains(scopes.Credentials, k) {
			env = append(env, kv)
		}
	}
	return env
}

// lookupEnv is key's value in env (KEY=VALUE pairs); the last one wins,
// as in a process's environment.
func lookupEnv(env []string, key string) (string, bool) {
	for i := len(env) - 1; i >= 0; i-- {
		if k, v, ok := strings.Cut(env[i], "="); ok && k == key {
			return v, true
		}
	}
	return "", false
}
