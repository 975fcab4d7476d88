package gitstore

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"os"
	"path"
	"strconv"
	"strings"

	"github.com/go-git/go-git/v5/plumbing/transport"
	"github.com/go-git/go-git/v5/plumbing/transport/http"
	gitssh "github.com/go-git/go-git/v5/plumbing/transport/ssh"
)

var (
	// ErrAuthFailed means the remote refused the credentials given, or
	// wanted some and none were available.
	ErrAuthFailed = errors.New("authentication failed")
	// ErrNoSSHKey means an ssh remote was given but no key was available:
	// no ssh-agent with keys and none of the key files exist.
	ErrNoSSHKey = errors.New("no ssh key available")
	// ErrRemoteNotFound means the remote answered that the repository does
	// not exist.
	ErrRemoteNotFound = errors.New("remote repository not found")
)

// Auth is how a store authenticates to its remote. A nil *Auth means none:
// local paths, file:// and git:// need none, and http(s) is then tried
// anonymously. The package never reads the process environment; the
// command fills Auth from it.
type Auth struct {
	// Username and Password are HTTP basic credentials (a token is a
	// password) for http(s) remotes. Over https they are sent from the
	// first request; over plain http only to this machine (a loopback
	// host) and only once it answers 401, and to any other host not at
	// all (a *PlainHTTPError, before any request). An empty Username is
	// the URL's user, else "configsync".
	Username, Password string
	// Credentials is asked for an http(s) credential when the remote
	// answers 401 and Username/Password are empty (git credential fill).
	Credentials CredentialHelper

	// SSHUser is the ssh login name when the URL names none.
	SSHUser string
	// SSHAgent tries the keys of the running ssh-agent first. go-git dials
	// the agent itself, at $SSH_AUTH_SOCK.
	SSHAgent bool
	// SSHKeyFiles are unencrypted private keys tried in order when the
	// agent is off or holds no key: the first that exists is used.
	SSHKeyFiles []string
	// KnownHosts are known_hosts files. An ssh server's host key is
	// always checked against them: an unknown host is a *HostKeyError.
	KnownHosts []string
}

// CredentialHelper supplies HTTP credentials on demand, as git's
// credential helpers do, and learns whether they worked.
type CredentialHelper interface {
	// Fill returns a credential for url; an error means none.
	Fill(ctx context.Context, url string) (username, password string, err error)
	// Approve records a credential that worked.
	Approve(ctx context.Context, url, username, password string)
	// Reject forgets a credential the remote refused.
	Reject(ctx context.Context, url, username, password string)
}

// PlainHTTPError is a plain http:// remote on another machine while a
// password (a token) is given: it would travel readable by anyone on the
// way, so it is not sent and nothing is asked of the remote.
type PlainHTTPError struct {
	Host string // as in the URL
}

// Error implements error.
func (e *PlainHTTPError) Error() string {
	return "the token is not sent over plain http to " + e.Host
}

// Unwrap makes it an ErrAuthFailed: the remote is reachable, the user
// must act.
func (e *PlainHTTPError) Unwrap() error { return ErrAuthFailed }

// HostKeyError is an ssh server whose host key is not in the known_hosts
// files (Changed false), or differs from the one recorded there (Changed
// true). The host key is never accepted silently.
type HostKeyError struct {
	Host       string // as in the URL
	Port       int    // 22 unless the URL says otherwise
	KnownHosts []string
	// Key is the server's key as "ssh-ed25519 SHA256:…", "" if unknown.
	Key     string
	Changed bool
}

// Error implements error.
func (e *HostKeyError) Error() string {
	where := "no known_hosts file"
	if len(e.KnownHosts) > 0 {
		where = strings.Join(e.KnownHosts, ", ")
	}
	key := ""
	if e.Key != "" {
		key = " (" + e.Key + ")"
	}
	if e.Changed {
		return fmt.Sprintf("host key of %s%s does not match the one in %s: possible man-in-the-middle", e.hostPort(), key, where)
	}
	return fmt.Sprintf("host %s%s is not in %s", e.hostPort(), key, where)
}

func (e *HostKeyError) hostPort() string {
	if e.Port == 0 || e.Port == 22 {
		return e.Host
	}
	return net.JoinHostPort(strings.Trim(e.Host, "[]"), strconv.Itoa(e.Port))
}

// KeyscanCommand is the command that prints the host's keys in
// known_hosts format, for the user to compare and append.
func (e *HostKeyError) KeyscanCommand() string {
	if e.Port == 0 || e.Port == 22 {
		return "ssh-keyscan " + strings.Trim(e.Host, "[]")
	}
	return fmt.Sprintf("ssh-keyscan -p %d %s", e.Port, strings.Trim(e.Host, "[]"))
}

// isHTTP reports whether url is an http(s) remote.
func isHTTP(url string) bool {
	return strings.HasPrefix(url, "http://") || strings.HasPrefix(url, "https://")
}

// endpoint parses url as go-git does (local path, file://, git://,
// http(s)://, ssh://, scp-style user@host:path).
func endpoint(url string) (*transport.Endpoint, error) {
	ep, err := transport.NewEndpoint(url)
	if err != nil {
		return nil, fmt.Errorf("gitstore: remote %s: %w", Redact(url), err)
	}
	return ep, nil
}

// session is one fetch or push's view of the remote: where it is, what
// to authenticate with, and what went wrong (for error messages).
type session struct {
	url  string
	ep   *transport.Endpoint
	auth *Auth
	// hostKey is the key the ssh server presented, for HostKeyError.
	hostKey string
}

func newSession(url string, auth *Auth) (*session, error) {
	ep, err := endpoint(url)
	if err != nil {
		return nil, err
	}
	return &session{url: url, ep: ep, auth: auth}, nil
}

// method is the go-git auth method for the session's first attempt.
// With none, go-git sends the URL's own user:password, if any.
func (s *session) method() (transport.AuthMethod, error) {
	switch s.ep.Protocol {
	case "https":
		return s.basicAuth(), nil
	case "http":
		if s.basicAuth() == nil {
			return nil, nil
		}
		if !isLoopback(s.ep.Host) {
			return nil, &PlainHTTPError{Host: s.ep.Host}
		}
		return nil, nil // the password goes only in answer to a 401 (run)
	case "ssh":
		return s.sshMethod()
	}
	return nil, nil
}

// basicAuth is Auth's Username and Password for go-git, nil if none.
// The result must be a nil interface when there is none, so it is
// returned as transport.AuthMethod.
func (s *session) basicAuth() transport.AuthMethod {
	if s.auth == nil || s.auth.Username == "" && s.auth.Password == "" {
		return nil
	}
	user := s.auth.Username
	if user == "" {
		user = s.ep.User
	}
	if user == "" {
		user = "configsync" // a token needs some user name; hosts ignore it
	}
	return &http.BasicAuth{Username: user, Password: s.auth.Password}
}

// isLoopback reports whether host names this machine, as a literal
// loopback address or "localhost" (never resolved: a name that resolves
// to 127.0.0.1 today may not tomorrow).
func isLoopback(host string) bool {
	host = strings.Trim(host, "[]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// sshMethod picks the ssh key (agent, else the first key file) and the
// host key check (the known_hosts files, always).
func (s *session) sshMethod() (transport.AuthMethod, error) {
	a := s.auth
	if a == nil {
		a = &Auth{}
	}
	var known []string
	for _, f := range a.KnownHosts {
		if _, err := os.Stat(f); err == nil {
			known = append(known, f)
		}
	}
	if len(known) == 0 {
		return nil, &HostKeyError{Host: s.ep.Host, Port: s.ep.Port, KnownHosts: a.KnownHosts}
	}
	db, err := gitssh.NewKnownHostsDb(known...)
	if err != nil {
		return nil, fmt.Errorf("gitstore: read %s: %w", strings.Join(known, ", "), err)
	}
	helper := gitssh.HostKeyCallbackHelper{
		HostKeyCallback:   recordKey(db.HostKeyCallback(), func(k hostKey) { s.hostKey = describeKey(k) }),
		HostKeyAlgorithms: db.HostKeyAlgorithms(sshHostPort(s.ep)),
	}
	user := s.ep.User
	if user == "" {
		user = a.SSHUser
	}
	if a.SSHAgent {
		if cb, err := gitssh.NewSSHAgentAuth(user); err == nil {
			if signers, err := cb.Callback(); err == nil && len(signers) > 0 {
				cb.HostKeyCallbackHelper = helper
				return cb, nil
			}
		}
	}
	for _, f := range a.SSHKeyFiles {
		if _, err := os.Stat(f); errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if user == "" {
			return nil, fmt.Errorf("gitstore: %s names no ssh user: use user@host", Redact(s.url))
		}
		pk, err := gitssh.NewPublicKeysFromFile(user, f, "")
		if err != nil {
			return nil, fmt.Errorf("%w: cannot use %s (%v): add it to ssh-agent with ssh-add", ErrNoSSHKey, f, err)
		}
		pk.HostKeyCallbackHelper = helper
		return pk, nil
	}
	return nil, ErrNoSSHKey
}

// sshHostPort is the host:port the ssh transport dials, which is also
// the name known_hosts entries are matched against.
func sshHostPort(ep *transport.Endpoint) string {
	port := ep.Port
	if port <= 0 {
		port = 22
	}
	return net.JoinHostPort(strings.Trim(ep.Host, "[]"), strconv.Itoa(port))
}

// hostKey is the part of golang.org/x/crypto/ssh.PublicKey used here:
// the import policy keeps gitstore on go-git's own API.
type hostKey interface {
	Type() string
	Marshal() []byte
}

// recordKey wraps a host key callback (ssh.HostKeyCallback, whose key type
// is inferred) so that the presented key is known for error messages.
func recordKey[F ~func(string, net.Addr, K) error, K hostKey](cb F, seen func(hostKey)) F {
	return func(host string, remote net.Addr, key K) error {
		seen(key)
		return cb(host, remote, key)
	}
}

// describeKey is "ssh-ed25519 SHA256:…", as ssh-keygen -l prints it.
func describeKey(k hostKey) string {
	sum := sha256.Sum256(k.Marshal())
	return k.Type() + " SHA256:" + base64.RawStdEncoding.EncodeToString(sum[:])
}

// run calls op with the session's auth method. An http(s) remote that
// answers 401 to an anonymous request is retried once: on plain http
// with the password held back (see method), else with a credential from
// the helper, which then learns whether it worked.
func (s *session) run(ctx context.Context, op func(transport.AuthMethod) error) error {
	m, err := s.method()
	if err != nil {
		return err
	}
	err = op(m)
	if m != nil || !isHTTP(s.url) || s.auth == nil || !errors.Is(err, transport.ErrAuthenticationRequired) {
		return err
	}
	if held := s.basicAuth(); held != nil {
		return op(held)
	}
	if s.auth.Credentials == nil {
		return err
	}
	user, pass, ferr := s.auth.Credentials.Fill(ctx, s.url)
	if ferr != nil {
		return fmt.Errorf("%w (no credential: %v)", err, ferr)
	}
	err = op(&http.BasicAuth{Username: user, Password: pass})
	switch {
	case err == nil || !isAuthError(err):
		s.auth.Credentials.Approve(ctx, s.url, user, pass)
	default:
		s.auth.Credentials.Reject(ctx, s.url, user, pass)
	}
	return err
}

func isAuthError(err error) bool {
	return errors.Is(err, transport.ErrAuthenticationRequired) || errors.Is(err, transport.ErrAuthorizationFailed)
}

// classify turns go-git's transport errors into this package's: typed
// where the user can act on them, with the URL's password removed. op is
// "fetch configsync from", "push configsync to"; the message reads as a
// sentence about the remote ("fetch configsync from URL: authentication
// failed"), for callers to pass on without adding the URL again.
func (s *session) classify(op string, err error) error {
	where := Redact(s.url)
	var hk *HostKeyError
	var plain *PlainHTTPError
	switch {
	case errors.As(err, &hk), errors.As(err, &plain):
		return fmt.Errorf("%s %s: %w", op, where, err)
	case isAuthError(err):
		return fmt.Errorf("%s %s: %w", op, where, ErrAuthFailed)
	case errors.Is(err, ErrNoSSHKey):
		return fmt.Errorf("%s %s: %w", op, where, err)
	case errors.Is(err, transport.ErrRepositoryNotFound):
		return fmt.Errorf("%s %s: %w", op, where, ErrRemoteNotFound)
	}
	msg := err.Error()
	if path, ok := remoteLock(msg); ok {
		return fmt.Errorf("%s %s: %w", op, where, &RemoteLockError{Path: path})
	}
	// The one place that reads x/crypto/ssh's untyped errors (through
	// go-git, which does not wrap them with %w).
	switch {
	case strings.Contains(msg, "knownhosts: key is unknown"), strings.Contains(msg, "knownhosts: key mismatch"):
		hk := &HostKeyError{Host: s.ep.Host, Port: s.ep.Port, Key: s.hostKey, Changed: strings.Contains(msg, "key mismatch")}
		if s.auth != nil {
			hk.KnownHosts = s.auth.KnownHosts
		}
		return fmt.Errorf("%s %s: %w", op, where, hk)
	case strings.Contains(msg, "ssh: unable to authenticate"):
		return fmt.Errorf("%s %s: %w (the server refused the ssh key)", op, where, ErrAuthFailed)
	}
	return fmt.Errorf("%s %s: %s", op, where, redactIn(msg, s.url))
}

// RemoteLockError is a lock file on the remote that keeps its branch from
// being updated: left by a git process killed there mid-update (git waits
// for such a lock only briefly, so a push running right now is unlikely).
// Like git, configsync never removes a lock on the remote.
type RemoteLockError struct {
	Path string // the lock file, as the remote names it
}

// Error implements error.
func (e *RemoteLockError) Error() string {
	return "the remote's branch is locked: " + e.Path + " exists"
}

// remoteLock finds git's "Unable to create 'PATH': File exists." in a
// remote's message.
func remoteLock(msg string) (string, bool) {
	const before, after = "Unable to create '", "': File exists"
	i := strings.Index(msg, before)
	if i < 0 {
		return "", false
	}
	rest := msg[i+len(before):]
	j := strings.Index(rest, after)
	if j < 0 {
		return "", false
	}
	// git names it as it built it ("repo.git/./refs/…"): show it clean.
	return path.Clean(rest[:j]), true
}

// Redact returns url with any password in it replaced by "***", for
// messages.
func Redact(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil || u.User == nil {
		return rawURL
	}
	if _, ok := u.User.Password(); !ok {
		return rawURL
	}
	u.User = url.UserPassword(u.User.Username(), "***")
	return u.String()
}

// redactIn removes the URL's password from a message that may quote it.
func redactIn(msg, rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil || u.User == nil {
		return msg
	}
	if p, ok := u.User.Password(); ok && p != "" {
		msg = strings.ReplaceAll(msg, p, "***")
		msg = strings.ReplaceAll(msg, url.PathEscape(p), "***")
	}
	return msg
}
