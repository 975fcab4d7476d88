package main

import (
	"io"
	"os"
	"time"

	"golang.org/x/term"
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
	// ReadPassword reads a line from the terminal without echo.
	ReadPassword func() ([]byte, error)
}

// SystemEnv is the real process's Env.
func SystemEnv() *Env {
	return &Env{
		Stdin:   os.Stdin,
		Stdout:  os.Stdout,
		Stderr:  os.Stderr,
		Getenv:  os.Getenv,
		Environ: os.Environ,
		Now:     time.Now,
		IsTerminal: func() bool {
			return term.IsTerminal(int(os.Stdin.Fd())) && term.IsTerminal(int(os.Stderr.Fd()))
		},
		ReadPassword: func() ([]byte, error) { return term.ReadPassword(int(os.Stdin.Fd())) },
	}
}
