package gitstore

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/configsync/configsync/internal/gittest"
)

// remotes serves one empty bare repository, "store.git", over a real
// network transport; each returns its URL and the Auth that reaches it.
var remotes = []struct {
	name  string
	serve func(t *testing.T, base string) (string, *Auth)
}{
	{"git-daemon", func(t *testing.T, base string) (string, *Auth) {
		srv, err := gittest.Daemon(base)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(srv.Stop)
		return srv.URL + "store.git", nil
	}},
	{"http-basic", func(t *testing.T, base string) (string, *Auth) {
		srv, err := gittest.HTTP(base, "ada", "s3cret-token")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(srv.Stop)
		return srv.URL + "store.git", &Auth{Username: "ada", Password: "s3cret-token"}
	}},
	{"ssh-keyfile", func(t *testing.T, base string) (string, *Auth) {
		srv, auth := sshServer(t, base)
		return srv.URL + "store.git", auth
	}},
	{"ssh-agent", func(t *testing.T, base string) (string, *Auth) {
		key, err := gittest.NewKey()
		if err != nil {
			t.Fatal(err)
		}
		sock, stop, err := gittest.Agent(t.TempDir(), key.Private)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(stop)
		t.Setenv("SSH_AUTH_SOCK", sock) // read by go-git's agent client
		srv, err := gittest.SSH(base, 0, key.Public)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(srv.Stop)
		known := filepath.Join(t.TempDir(), "known_hosts")
		writeFile(t, known, srv.KnownHostsLine()+"\n")
		// No key file: only the agent can authenticate.
		return srv.URL + "store.git", &Auth{SSHAgent: true, KnownHosts: []string{known}}
	}},
}

// sshServer serves base over ssh to a new key, written as a key file
// with a known_hosts file that lists the server.
func sshServer(t *testing.T, base string) (*gittest.SSHServer, *Auth) {
	t.Helper()
	key, err := gittest.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	srv, err := gittest.SSH(base, 0, key.Public)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Stop)
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "id_ed25519")
	writeFile(t, keyFile, string(key.PEM))
	known := filepath.Join(dir, "known_hosts")
	writeFile(t, known, srv.KnownHostsLine()+"\n")
	return srv, &Auth{
		SSHKeyFiles: []string{filepath.Join(dir, "id_rsa_missing"), keyFile},
		KnownHosts:  []string{filepath.Join(dir, "missing_known_hosts"), known},
	}
}

func writeFile(t *testing.T, path, data string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestTransports pushes and fetches through a real git daemon, a real
// git http-backend with basic auth and a real git-receive-pack over ssh
// (key file and agent): first push, a second clone, a lost race.
func TestTransports(t *testing.T) {
	for _, r := range remotes {
		t.Run(r.name, func(t *testing.T) {
			ctx := context.Background()
			base := t.TempDir()
			remote := filepath.Join(base, "store.git")
			runGit(t, base, "init", "-q", "--bare", remote)
			url, auth := r.serve(t, base)

			alice, _ := newBare(t)
			if err := alice.SetRemote(url); err != nil {
				t.Fatal(err)
			}
			if tip, err := alice.Fetch(ctx, auth); err != nil || !tip.IsZero() {
				t.Fatalf("Fetch from empty remote = %s, %v", tip, err)
			}
			a := mustCommit(t, alice, Hash{}, "a", put("environments/dev/items/app/.env.pgp", "cipher-a"))
			if err := alice.Push(ctx, auth); err != nil {
				t.Fatal(err)
			}
			if got := runGit(t, remote, "rev-parse", "configsync"); got != a.String() {
				t.Fatalf("remote at %s, want %s", got, a)
			}
			if rt, err := alice.RemoteTip(ctx); err != nil || rt != a {
				t.Fatalf("RemoteTip after push = %s, %v", rt, err)
			}

			bob, _ := newBare(t)
			if err := bob.SetRemote(url); err != nil {
				t.Fatal(err)
			}
			tip, err := bob.Fetch(ctx, auth)
			if err != nil || tip != a {
				t.Fatalf("bob Fetch = %s, %v", tip, err)
			}
			if err := bob.SetTip(ctx, Hash{}, tip); err != nil {
				t.Fatal(err)
			}
			b := mustCommit(t, bob, a, "b", put("environments/dev/items/app/.env.pgp", "cipher-b"))
			if err := bob.Push(ctx, auth); err != nil {
				t.Fatal(err)
			}

			mustCommit(t, alice, a, "c", put("environments/dev/items/app/other.pgp", "cipher-c"))
			if err := alice.Push(ctx, auth); !errors.Is(err, ErrNonFastForward) {
				t.Fatalf("push behind: %v, want ErrNonFastForward", err)
			}
			if tip, err := alice.Fetch(ctx, auth); err != nil || tip != b {
				t.Fatalf("alice Fetch = %s, %v; want %s", tip, err, b)
			}

			m, err := Memory(ctx, url, DefaultBranch, auth, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := mustTip(t, m); got != b {
				t.Fatalf("Memory tip %s, want %s", got, b)
			}
			fsck(t, remote)
		})
	}
}

// TestHTTPAuth: a wrong or missing credential is ErrAuthFailed, with no
// password in the message and nothing pushed; a credential helper is
// asked only after a 401 and told whether its answer worked.
func TestHTTPAuth(t *testing.T) {
	ctx := context.Background()
	base := t.TempDir()
	remote := filepath.Join(base, "store.git")
	runGit(t, base, "init", "-q", "--bare", remote)
	srv, err := gittest.HTTP(base, "ada", "right-token")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	url := srv.URL + "store.git"

	s, _ := newBare(t)
	mustCommit(t, s, Hash{}, "a", put("x", "1"))
	if err := s.SetRemote(url); err != nil {
		t.Fatal(err)
	}
	for _, auth := range []*Auth{nil, {Password: "wrong-token"}, {Username: "ada", Password: "wrong-token"}} {
		err := s.Push(ctx, auth)
		if !errors.Is(err, ErrAuthFailed) {
			t.Fatalf("push with %+v: %v, want ErrAuthFailed", auth, err)
		}
		if strings.Contains(err.Error(), "wrong-token") || strings.Contains(err.Error(), "\n") {
			t.Fatalf("error %q leaks the password or is several lines", err)
		}
		if _, err := s.Fetch(ctx, auth); !errors.Is(err, ErrAuthFailed) {
			t.Fatalf("fetch with %+v: %v, want ErrAuthFailed", auth, err)
		}
	}
	if out, err := gitErr(remote, "rev-parse", "--verify", "-q", "configsync"); err == nil {
		t.Fatalf("a refused push moved the remote to %s", out)
	}

	// A password in the URL is used, and never printed.
	withPass := strings.Replace(url, "http://", "http://ada:wrong-in-url@", 1)
	if err := s.SetRemote(withPass); err != nil {
		t.Fatal(err)
	}
	err = s.Push(ctx, nil)
	if !errors.Is(err, ErrAuthFailed) || strings.Contains(err.Error(), "wrong-in-url") {
		t.Fatalf("push with a wrong password in the URL: %v", err)
	}
	if err := s.SetRemote(url); err != nil {
		t.Fatal(err)
	}

	// The helper's wrong answer is rejected, its right one approved.
	h := &fakeHelper{user: "ada", pass: "bad"}
	if err := s.Push(ctx, &Auth{Credentials: h}); !errors.Is(err, ErrAuthFailed) {
		t.Fatalf("push with a wrong helper answer: %v", err)
	}
	if h.log != "fill reject " {
		t.Fatalf("helper calls %q", h.log)
	}
	h = &fakeHelper{user: "ada", pass: "right-token"}
	if err := s.Push(ctx, &Auth{Credentials: h}); err != nil {
		t.Fatal(err)
	}
	if h.log != "fill approve " || h.url != url {
		t.Fatalf("helper calls %q for %s", h.log, h.url)
	}
	// Given a token, the helper is not asked.
	h = &fakeHelper{}
	if _, err := s.Fetch(ctx, &Auth{Username: "ada", Password: "right-token", Credentials: h}); err != nil || h.log != "" {
		t.Fatalf("fetch with a token: %v, helper calls %q", err, h.log)
	}
	fsck(t, remote)
}

type fakeHelper struct {
	user, pass string
	log, url   string
}

func (h *fakeHelper) Fill(_ context.Context, url string) (string, string, error) {
	h.log += "fill "
	h.url = url
	if h.pass == "" {
		return "", "", errors.New("no credential")
	}
	return h.user, h.pass, nil
}
func (h *fakeHelper) Approve(context.Context, string, string, string) { h.log += "approve " }
func (h *fakeHelper) Reject(context.Context, string, string, string)  { h.log += "reject " }

// TestPlainHTTPToken: over plain http a token goes only to this machine
// and only once the remote answers 401; to another host it is refused
// before any request.
func TestPlainHTTPToken(t *testing.T) {
	ctx := context.Background()
	base := t.TempDir()
	remote := filepath.Join(base, "store.git")
	runGit(t, base, "init", "-q", "--bare", remote)
	srv, err := gittest.HTTP(base, "*", "right-token")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()

	s, _ := newBare(t)
	mustCommit(t, s, Hash{}, "a", put("x", "1"))
	if err := s.SetRemote(srv.URL + "store.git"); err != nil {
		t.Fatal(err)
	}
	token := &Auth{Password: "right-token"}
	if err := s.Push(ctx, token); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Fetch(ctx, token); err != nil {
		t.Fatal(err)
	}
	sent := srv.SentAuth()
	if len(sent) < 2 || sent[0] || !slices.Contains(sent, true) {
		t.Fatalf("requests with credentials: %v, want the first without and a later one with", sent)
	}

	for _, url := range []string{"http://store.example/store.git", "http://10.0.0.1:8080/store.git", "http://localhost.example/store.git"} {
		if err := s.SetRemote(url); err != nil {
			t.Fatal(err)
		}
		for op, err := range map[string]error{"fetch": fetchErr(s.Fetch(ctx, token)), "push": s.Push(ctx, token)} {
			var plain *PlainHTTPError
			if !errors.As(err, &plain) || !errors.Is(err, ErrAuthFailed) {
				t.Fatalf("%s %s with a token: %v, want a PlainHTTPError", op, url, err)
			}
			if strings.Contains(err.Error(), "right-token") || strings.Contains(err.Error(), "\n") {
				t.Fatalf("error %q leaks the token or is several lines", err)
			}
		}
	}
}

func fetchErr(_ Hash, err error) error { return err }

func TestIsLoopback(t *testing.T) {
	for host, want := range map[string]bool{
		"127.0.0.1": true, "127.8.9.10": true, "[::1]": true, "::1": true,
		"localhost": true, "LocalHost": true, "::ffff:127.0.0.1": true,
		"": false, "0.0.0.0": false, "10.0.0.1": false, "example.com": false,
		"localhost.example.com": false, "127.0.0.1.nip.io": false, "[::2]": false,
	} {
		if got := isLoopback(host); got != want {
			t.Errorf("isLoopback(%q) = %v, want %v", host, got, want)
		}
	}
}

// TestSSHHostKeys: the host key is always checked. An unknown host, a
// missing known_hosts file and a changed key are each a *HostKeyError
// that says how to look the key up; nothing is pushed.
func TestSSHHostKeys(t *testing.T) {
	ctx := context.Background()
	base := t.TempDir()
	remote := filepath.Join(base, "store.git")
	runGit(t, base, "init", "-q", "--bare", remote)
	srv, good := sshServer(t, base)
	url := srv.URL + "store.git"
	other, err := gittest.SSH(t.TempDir(), 0)
	if err != nil {
		t.Fatal(err)
	}
	other.Stop()

	dir := t.TempDir()
	empty := filepath.Join(dir, "empty")
	writeFile(t, empty, "")
	changed := filepath.Join(dir, "changed")
	// Another server's key, recorded for this server's address.
	writeFile(t, changed, gittest.KnownHostsLine(srv.Host, srv.Port, other.HostKey)+"\n")

	s, _ := newBare(t)
	mustCommit(t, s, Hash{}, "a", put("x", "1"))
	if err := s.SetRemote(url); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		known   []string
		changed bool
		key     bool
	}{
		{"no known_hosts", []string{filepath.Join(dir, "missing")}, false, false},
		{"unknown host", []string{empty}, false, true},
		{"changed key", []string{changed}, true, true},
	} {
		auth := &Auth{SSHKeyFiles: good.SSHKeyFiles, KnownHosts: tc.known}
		err := s.Push(ctx, auth)
		var hk *HostKeyError
		if !errors.As(err, &hk) {
			t.Fatalf("%s: push: %v, want *HostKeyError", tc.name, err)
		}
		if hk.Changed != tc.changed || hk.Host != "127.0.0.1" || hk.Port != srv.Port {
			t.Fatalf("%s: %+v", tc.name, hk)
		}
		if want := "ssh-keyscan -p " + strconv.Itoa(srv.Port) + " 127.0.0.1"; hk.KeyscanCommand() != want {
			t.Fatalf("%s: KeyscanCommand() = %q, want %q", tc.name, hk.KeyscanCommand(), want)
		}
		if tc.key && !strings.HasPrefix(hk.Key, "ssh-ed25519 SHA256:") {
			t.Fatalf("%s: presented key %q", tc.name, hk.Key)
		}
		if _, err := Memory(ctx, url, DefaultBranch, auth, nil); !errors.As(err, &hk) {
			t.Fatalf("%s: Memory: %v, want *HostKeyError", tc.name, err)
		}
	}
	if _, err := gitErr(remote, "rev-parse", "--verify", "-q", "configsync"); err == nil {
		t.Fatal("a push to an unverified host went through")
	}

	// A key the server does not accept; no key at all.
	stranger, err := gittest.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	strangerFile := filepath.Join(dir, "id_stranger")
	writeFile(t, strangerFile, string(stranger.PEM))
	if err := s.Push(ctx, &Auth{SSHKeyFiles: []string{strangerFile}, KnownHosts: good.KnownHosts}); !errors.Is(err, ErrAuthFailed) {
		t.Fatalf("push with a refused key: %v, want ErrAuthFailed", err)
	}
	if err := s.Push(ctx, &Auth{SSHKeyFiles: []string{filepath.Join(dir, "none")}, KnownHosts: good.KnownHosts}); !errors.Is(err, ErrNoSSHKey) {
		t.Fatalf("push with no key: %v, want ErrNoSSHKey", err)
	}
	t.Setenv("SSH_AUTH_SOCK", filepath.Join(dir, "no-agent.sock"))
	if err := s.Push(ctx, &Auth{SSHAgent: true, SSHKeyFiles: good.SSHKeyFiles, KnownHosts: good.KnownHosts}); err != nil {
		t.Fatalf("an unreachable agent should fall back to the key file: %v", err)
	}
	fsck(t, remote)
}

// TestSCPStyle: git@host:path is ssh on port 22, matched against the
// known_hosts entry for the bare host name. The round trip runs where
// port 22 of 127.0.0.1 can be served (as root, with no sshd there).
func TestSCPStyle(t *testing.T) {
	ep, err := endpoint("git@127.0.0.1:srv/store.git")
	if err != nil {
		t.Fatal(err)
	}
	if ep.Protocol != "ssh" || ep.User != "git" || ep.Path != "srv/store.git" || sshHostPort(ep) != "127.0.0.1:22" {
		t.Fatalf("endpoint %+v, dials %s", ep, sshHostPort(ep))
	}
	hk := &HostKeyError{Host: ep.Host, Port: ep.Port}
	if hk.KeyscanCommand() != "ssh-keyscan 127.0.0.1" || !strings.HasPrefix(hk.Error(), "host 127.0.0.1 is not in") {
		t.Fatalf("%q / %q", hk.KeyscanCommand(), hk.Error())
	}

	base := t.TempDir()
	runGit(t, base, "init", "-q", "--bare", filepath.Join(base, "srv", "store.git"))
	key, err := gittest.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	srv, err := gittest.SSH(base, 22, key.Public)
	if err != nil {
		t.Skipf("cannot serve port 22 here (%v): scp-style round trip not run", err)
	}
	defer srv.Stop()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "id_ed25519"), string(key.PEM))
	writeFile(t, filepath.Join(dir, "known_hosts"), srv.KnownHostsLine()+"\n")
	if !strings.HasPrefix(srv.KnownHostsLine(), "127.0.0.1 ") {
		t.Fatalf("known_hosts line for port 22: %q", srv.KnownHostsLine())
	}
	auth := &Auth{SSHKeyFiles: []string{filepath.Join(dir, "id_ed25519")}, KnownHosts: []string{filepath.Join(dir, "known_hosts")}}
	s, _ := newBare(t)
	a := mustCommit(t, s, Hash{}, "a", put("x", "1"))
	if err := s.SetRemote("git@127.0.0.1:srv/store.git"); err != nil {
		t.Fatal(err)
	}
	if err := s.Push(context.Background(), auth); err != nil {
		t.Fatal(err)
	}
	if got := runGit(t, filepath.Join(base, "srv", "store.git"), "rev-parse", "configsync"); got != a.String() {
		t.Fatalf("remote at %s", got)
	}
}

// TestUnreachable: a remote nobody listens on is a plain error (callers
// fall back to the local copy), not an auth or host key error.
func TestUnreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	s, _ := newBare(t)
	for _, url := range []string{"git://" + addr + "/x.git", "http://" + addr + "/x.git"} {
		if err := s.SetRemote(url); err != nil {
			t.Fatal(err)
		}
		_, err := s.Fetch(context.Background(), nil)
		var hk *HostKeyError
		if err == nil || errors.Is(err, ErrAuthFailed) || errors.As(err, &hk) || errors.Is(err, ErrRemoteNotFound) {
			t.Fatalf("fetch from %s: %v", url, err)
		}
	}
}

func TestRedact(t *testing.T) {
	for in, want := range map[string]string{
		"https://ada:tok@example.com/x.git": "https://ada:%2A%2A%2A@example.com/x.git",
		"https://ada@example.com/x.git":     "https://ada@example.com/x.git",
		"git@github.com:acme/secrets.git":   "git@github.com:acme/secrets.git",
		"/srv/store.git":                    "/srv/store.git",
	} {
		if got := Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestRemoveStaleRefLock: the lock a killed writer leaves blocks every
// update (a *RefLockError naming the file) until it is removed.
func TestRemoveStaleRefLock(t *testing.T) {
	ctx := context.Background()
	s, dir := newBare(t)
	a := mustCommit(t, s, Hash{}, "a", put("x", "1"))
	if p, err := s.RemoveStaleRefLock(); err != nil || p != "" {
		t.Fatalf("no lock: %q, %v", p, err)
	}
	lock := filepath.Join(dir, "refs", "heads", "configsync.lock")
	writeFile(t, lock, "")
	_, err := s.Commit(ctx, a, []Change{put("x", "2")}, ada(), "b")
	var le *RefLockError
	if !errors.As(err, &le) || le.Path != lock || !errors.Is(err, ErrLocked) {
		t.Fatalf("commit with a stale lock: %v", err)
	}
	if p, err := s.RemoveStaleRefLock(); err != nil || p != lock {
		t.Fatalf("RemoveStaleRefLock = %q, %v", p, err)
	}
	mustCommit(t, s, a, "b", put("x", "2"))
	fsck(t, dir)

	m, err := Memory(ctx, dir, DefaultBranch, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if p, err := m.RemoveStaleRefLock(); err != nil || p != "" {
		t.Fatalf("memory store: %q, %v", p, err)
	}
}

// TestRemoteLockPathIsClean: git names the lock as it built the path;
// the message shows the file the user must remove, cleaned.
func TestRemoteLockPathIsClean(t *testing.T) {
	msg := "error: Unable to create '/srv/secrets.git/./refs/heads/configsync.lock': File exists."
	got, ok := remoteLock(msg)
	if !ok || got != "/srv/secrets.git/refs/heads/configsync.lock" {
		t.Fatalf("remoteLock = %q, %v", got, ok)
	}
	if _, ok := remoteLock("fatal: the remote end hung up"); ok {
		t.Fatal("a message with no lock matched")
	}
}
