package main

import (
	"os"
	"path/filepath"
	"sync"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/configsync/configsync/internal/gittest"
)

// Script commands that serve git remotes over the network transports.
// Each server listens on 127.0.0.1, runs in the test process (configsync
// itself runs as a child), and is stopped when the script ends.

// cmdGitdaemon: gitdaemon NAME DIR serves the repositories under DIR with
// a real `git daemon` (push enabled) and sets NAME to its base URL,
// "git://127.0.0.1:PORT/".
func cmdGitdaemon(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: gitdaemon NAME DIR")
	}
	srv, err := gittest.Daemon(ts.MkAbs(args[1]))
	ts.Check(err)
	ts.Defer(srv.Stop)
	ts.Setenv(args[0], srv.URL)
	servers.Store(serverKey{ts, args[0]}, srv)
}

// servers are the running servers by script and NAME, for gitstop.
var servers sync.Map // serverKey → *gittest.Server

type serverKey struct {
	ts   *testscript.TestScript
	name string
}

// cmdGitstop: gitstop NAME stops the server that gitdaemon or githttp
// started as NAME (the remote becomes unreachable; NAME keeps its URL).
func cmdGitstop(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: gitstop NAME")
	}
	srv, ok := servers.LoadAndDelete(serverKey{ts, args[0]})
	if !ok {
		ts.Fatalf("no server %s", args[0])
	}
	srv.(*gittest.Server).Stop()
}

// cmdGithttp: githttp NAME DIR USER PASS serves the repositories under
// DIR with a real `git http-backend` (push enabled) behind HTTP basic
// auth, and sets NAME to its base URL, "http://127.0.0.1:PORT/".
func cmdGithttp(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 4 {
		ts.Fatalf("usage: githttp NAME DIR USER PASS")
	}
	srv, err := gittest.HTTP(ts.MkAbs(args[1]), args[2], args[3])
	ts.Check(err)
	ts.Defer(srv.Stop)
	ts.Setenv(args[0], srv.URL)
	servers.Store(serverKey{ts, args[0]}, srv)
}

// cmdGitssh: gitssh NAME DIR serves the repositories under DIR over ssh
// (the real git-upload-pack and git-receive-pack) to a new key written to
// $HOME/.ssh/id_ed25519. It sets NAME to "ssh://git@127.0.0.1:PORT/" and
// writes the server's known_hosts line to $WORK/NAME.known_hosts, for the
// script to install (or not), and one giving its address another key to
// $WORK/NAME.wrong_known_hosts.
func cmdGitssh(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: gitssh NAME DIR")
	}
	key, err := gittest.NewKey()
	ts.Check(err)
	sshDir := filepath.Join(ts.Getenv("HOME"), ".ssh")
	ts.Check(os.MkdirAll(sshDir, 0o700))
	ts.Check(os.WriteFile(filepath.Join(sshDir, "id_ed25519"), key.PEM, 0o600))
	srv, err := gittest.SSH(ts.MkAbs(args[1]), 0, key.Public)
	ts.Check(err)
	ts.Defer(srv.Stop)
	ts.Check(os.WriteFile(ts.MkAbs(args[0]+".known_hosts"), []byte(srv.KnownHostsLine()+"\n"), 0o644))
	other, err := gittest.NewKey()
	ts.Check(err)
	wrong := gittest.KnownHostsLine(srv.Host, srv.Port, other.Public)
	ts.Check(os.WriteFile(ts.MkAbs(args[0]+".wrong_known_hosts"), []byte(wrong+"\n"), 0o644))
	ts.Setenv(args[0], srv.URL)
}
