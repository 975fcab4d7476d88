// Package gittest serves git repositories to tests over the network
// transports: a real `git daemon` (git://), a real `git http-backend`
// behind basic auth (http://), and an ssh server that runs the real
// git-upload-pack and git-receive-pack (ssh://), plus an ssh-agent. Every
// server listens on 127.0.0.1 only and is stopped by its Stop function.
//
// It is imported by tests only (the import policy test checks that).
package gittest

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cgi"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
	"golang.org/x/crypto/ssh/knownhosts"
)

// Server is a running server.
type Server struct {
	// URL is the base URL: append a repository path relative to the
	// served directory ("git://127.0.0.1:40123/" + "store.git").
	URL  string
	Host string // 127.0.0.1
	Port int
	stop func()

	mu sync.Mutex
	// sentAuth is, per request an HTTP server received, whether it
	// carried an Authorization header.
	sentAuth []bool
}

// SentAuth reports, for each request the HTTP server has received so far,
// in order, whether it carried credentials.
func (s *Server) SentAuth() []bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]bool(nil), s.sentAuth...)
}

// Stop stops the server and waits for it. It may be called twice.
func (s *Server) Stop() {
	if s.stop != nil {
		s.stop()
		s.stop = nil
	}
}

// gitEnv is the environment of the git programs the servers run: no
// system or user config.
func gitEnv(extra ...string) []string {
	env := []string{"GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null", "PATH=" + os.Getenv("PATH"), "HOME=" + os.TempDir()}
	return append(env, extra...)
}

// freePort asks the kernel for a free port on 127.0.0.1.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Daemon starts `git daemon` serving the repositories under base (every
// one exported, push enabled) on a free port of 127.0.0.1, and waits until
// it accepts connections.
func Daemon(base string) (*Server, error) {
	base, err := filepath.Abs(base)
	if err != nil {
		return nil, err
	}
	var lastErr error
	for range 5 { // the port may be taken between freePort and git daemon
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		cmd := exec.Command("git", "daemon", "--reuseaddr", "--base-path="+base, "--export-all",
			"--enable=receive-pack", "--listen=127.0.0.1", "--port="+strconv.Itoa(port), base)
		cmd.Env = gitEnv()
		var stderr strings.Builder
		cmd.Stderr = &stderr
		// Its own process group: stopping it stops the upload-pack and
		// receive-pack children it forked too.
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		cmd.WaitDelay = 5 * time.Second
		if err := cmd.Start(); err != nil {
			return nil, fmt.Errorf("git daemon: %w", err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		kill := func() { syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
		if err := waitListening(addr, exited); err != nil {
			kill()
			<-exited
			lastErr = fmt.Errorf("git daemon on %s: %w: %s", addr, err, stderr.String())
			continue
		}
		stop := func() {
			kill()
			<-exited
		}
		return &Server{URL: "git://" + addr + "/", Host: "127.0.0.1", Port: port, stop: stop}, nil
	}
	return nil, lastErr
}

// waitListening polls addr until it accepts a connection, the process
// exits, or 10 s pass.
func waitListening(addr string, exited <-chan error) error {
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			return nil
		}
		select {
		case werr := <-exited:
			return fmt.Errorf("exited: %v", werr)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return errors.New("not listening after 10s")
		}
	}
}

// HTTP serves the repositories under base with `git http-backend` (smart
// HTTP, push enabled) on 127.0.0.1, behind HTTP basic auth: every request
// without user and pass gets 401. A user of "*" accepts any user name
// with pass, as hosts do for tokens.
func HTTP(base, user, pass string) (*Server, error) {
	base, err := filepath.Abs(base)
	if err != nil {
		return nil, err
	}
	git, err := exec.LookPath("git")
	if err != nil {
		return nil, err
	}
	backend := &cgi.Handler{
		Path: git,
		Args: []string{"http-backend"},
		Dir:  base,
		Env: gitEnv("GIT_PROJECT_ROOT="+base, "GIT_HTTP_EXPORT_ALL=1",
			"GIT_CONFIG_COUNT=1", "GIT_CONFIG_KEY_0=http.receivepack", "GIT_CONFIG_VALUE_0=true"),
		Stderr: io.Discard,
	}
	srv := &Server{Host: "127.0.0.1"}
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		srv.mu.Lock()
		srv.sentAuth = append(srv.sentAuth, r.Header.Get("Authorization") != "")
		srv.mu.Unlock()
		u, p, ok := r.BasicAuth()
		if !ok || user != "*" && u != user || p != pass {
			w.Header().Set("WWW-Authenticate", `Basic realm="git"`)
			http.Error(w, "authentication required", http.StatusUnauthorized)
			return
		}
		backend.ServeHTTP(w, r)
	})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	hs := &http.Server{Handler: handler}
	done := make(chan struct{})
	go func() {
		hs.Serve(l)
		close(done)
	}()
	srv.Port = l.Addr().(*net.TCPAddr).Port
	srv.URL = fmt.Sprintf("http://127.0.0.1:%d/", srv.Port)
	srv.stop = func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		hs.Shutdown(ctx)
		<-done
	}
	return srv, nil
}

// SSHServer is an ssh server for git: it accepts the client keys it was
// given and runs git-upload-pack or git-receive-pack on a repository
// under its base directory, as `git` over ssh does.
type SSHServer struct {
	Server
	// HostKey is the server's public key.
	HostKey ssh.PublicKey
}

// KnownHostsLine is the server's line for a known_hosts file.
func (s *SSHServer) KnownHostsLine() string {
	return KnownHostsLine(s.Host, s.Port, s.HostKey)
}

// KnownHostsLine is a known_hosts line giving host:port the key.
func KnownHostsLine(host string, port int, key ssh.PublicKey) string {
	return knownhosts.Line([]string{knownhosts.Normalize(net.JoinHostPort(host, strconv.Itoa(port)))}, key)
}

// Key is a client key pair.
type Key struct {
	Private ed25519.PrivateKey
	Public  ssh.PublicKey
	// PEM is the private key in OpenSSH form, for ~/.ssh/id_ed25519.
	PEM []byte
	// AuthorizedKey is the public key's authorized_keys line.
	AuthorizedKey string
}

// NewKey makes an ed25519 client key.
func NewKey() (*Key, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	block, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		return nil, err
	}
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		return nil, err
	}
	return &Key{Private: priv, Public: signer.PublicKey(), PEM: pem.EncodeToMemory(block),
		AuthorizedKey: string(ssh.MarshalAuthorizedKey(signer.PublicKey()))}, nil
}

// SSH starts an ssh server on 127.0.0.1 (on port, or a free one if 0)
// that serves the repositories under base to clients holding one of the
// authorized keys. A repository path is taken relative to base, whether
// the URL's path is absolute (ssh://host/x.git) or not (host:x.git).
func SSH(base string, port int, authorized ...ssh.PublicKey) (*SSHServer, error) {
	base, err := filepath.Abs(base)
	if err != nil {
		return nil, err
	}
	_, hostPriv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	hostSigner, err := ssh.NewSignerFromKey(hostPriv)
	if err != nil {
		return nil, err
	}
	cfg := &ssh.ServerConfig{
		PublicKeyCallback: func(_ ssh.ConnMetadata, key ssh.PublicKey) (*ssh.Permissions, error) {
			for _, k := range authorized {
				if string(k.Marshal()) == string(key.Marshal()) {
					return nil, nil
				}
			}
			return nil, errors.New("unknown key")
		},
	}
	cfg.AddHostKey(hostSigner)
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return nil, err
	}
	p := l.Addr().(*net.TCPAddr).Port
	s := &SSHServer{HostKey: hostSigner.PublicKey()}
	s.Server = Server{URL: fmt.Sprintf("ssh://git@127.0.0.1:%d/", p), Host: "127.0.0.1", Port: p}
	s.stop = serve(l, func(c net.Conn) { serveSSH(c, cfg, base) })
	return s, nil
}

// serve accepts connections on l, each handled by handle on its own
// goroutine, until the returned stop closes l and every live connection
// and waits for the handlers to return.
func serve(l net.Listener, handle func(net.Conn)) (stop func()) {
	var wg sync.WaitGroup
	var mu sync.Mutex
	conns := map[net.Conn]bool{}
	wg.Go(func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns[c] = true
			mu.Unlock()
			wg.Go(func() {
				defer c.Close()
				handle(c)
				mu.Lock()
				delete(conns, c)
				mu.Unlock()
			})
		}
	})
	return func() {
		l.Close()
		mu.Lock()
		for c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	}
}

func serveSSH(c net.Conn, cfg *ssh.ServerConfig, base string) {
	defer c.Close()
	sc, chans, reqs, err := ssh.NewServerConn(c, cfg)
	if err != nil {
		return
	}
	defer sc.Close()
	go ssh.DiscardRequests(reqs)
	for nc := range chans {
		if nc.ChannelType() != "session" {
			nc.Reject(ssh.UnknownChannelType, "session only")
			continue
		}
		ch, chReqs, err := nc.Accept()
		if err != nil {
			return
		}
		go serveSession(ch, chReqs, base)
	}
}

// serveSession runs the one exec request of a session: git-upload-pack
// or git-receive-pack '<path>'.
func serveSession(ch ssh.Channel, reqs <-chan *ssh.Request, base string) {
	defer ch.Close()
	for req := range reqs {
		if req.Type != "exec" {
			req.Reply(req.Type == "env", nil)
			continue
		}
		var payload struct{ Command string }
		if err := ssh.Unmarshal(req.Payload, &payload); err != nil {
			req.Reply(false, nil)
			return
		}
		prog, arg, ok := strings.Cut(payload.Command, " ")
		if !ok || prog != "git-upload-pack" && prog != "git-receive-pack" {
			req.Reply(false, nil)
			return
		}
		arg = strings.Trim(arg, "'")
		arg = strings.TrimPrefix(strings.TrimPrefix(arg, "~/"), "/")
		dir := filepath.Join(base, filepath.FromSlash(arg))
		if rel, err := filepath.Rel(base, dir); err != nil || strings.HasPrefix(rel, "..") {
			req.Reply(false, nil)
			return
		}
		req.Reply(true, nil)
		cmd := exec.Command(prog, dir)
		cmd.Env = gitEnv()
		cmd.Stdin, cmd.Stdout, cmd.Stderr = ch, ch, ch.Stderr()
		status := 0
		if err := cmd.Run(); err != nil {
			status = 1
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				status = ee.ExitCode()
			}
		}
		ch.CloseWrite()
		ch.SendRequest("exit-status", false, ssh.Marshal(struct{ Status uint32 }{uint32(status)}))
		return
	}
}

// Agent serves an ssh-agent holding keys on a unix socket in dir; point
// SSH_AUTH_SOCK at the returned path.
func Agent(dir string, keys ...ed25519.PrivateKey) (sock string, stop func(), err error) {
	kr := agent.NewKeyring()
	for _, k := range keys {
		if err := kr.Add(agent.AddedKey{PrivateKey: k}); err != nil {
			return "", nil, err
		}
	}
	sock = filepath.Join(dir, "agent.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		return "", nil, err
	}
	return sock, serve(l, func(c net.Conn) { agent.ServeAgent(kr, c) }), nil
}
