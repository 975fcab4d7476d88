package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/url"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/configsync/configsync/gitstore"
)

// gitAuth is how this invocation authenticates to git remotes, from the
// environment: for http(s), CONFIGSYNC_GIT_TOKEN, else `git credential
// fill` when the remote asks and git is installed; for ssh, the ssh-agent
// at SSH_AUTH_SOCK, else ~/.ssh/id_ed25519, id_ecdsa or id_rsa, with host
// keys checked against SSH_KNOWN_HOSTS (colon-separated files), else
// ~/.ssh/known_hosts and /etc/ssh/ssh_known_hosts.
func (a *app) gitAuth() *gitstore.Auth {
	getenv := a.env.Getenv
	auth := &gitstore.Auth{
		SSHUser:  getenv("USER"),
		SSHAgent: getenv("SSH_AUTH_SOCK") != "",
	}
	if auth.SSHUser == "" {
		auth.SSHUser = getenv("LOGNAME")
	}
	if tok := getenv("CONFIGSYNC_GIT_TOKEN"); tok != "" {
		auth.Password = tok
	} else {
		// git is looked up only when a remote asks for a credential:
		// every command builds this, most never need it.
		auth.Credentials = &gitCredential{prompt: a.env.IsTerminal()}
	}
	if home := getenv("HOME"); home != "" {
		ssh := filepath.Join(home, ".ssh")
		auth.SSHKeyFiles = []string{
			filepath.Join(ssh, "id_ed25519"),
			filepath.Join(ssh, "id_ecdsa"),
			filepath.Join(ssh, "id_rsa"),
		}
		auth.KnownHosts = []string{filepath.Join(ssh, "known_hosts")}
	}
	auth.KnownHosts = append(auth.KnownHosts, "/etc/ssh/ssh_known_hosts")
	if files := getenv("SSH_KNOWN_HOSTS"); files != "" {
		auth.KnownHosts = filepath.SplitList(files)
	}
	return auth
}

// gitCredential asks git's credential helpers (`git credential
// fill/approve/reject`), so whatever the user set up for git (a store,
// the OS keychain, a cache) serves configsync too.
type gitCredential struct {
	// prompt lets git ask on the terminal when no helper knows the
	// answer; otherwise GIT_TERMINAL_PROMPT=0 makes it fail at once.
	prompt bool
}

var _ gitstore.CredentialHelper = (*gitCredential)(nil)

// Fill implements gitstore.CredentialHelper.
func (g *gitCredential) Fill(ctx context.Context, rawURL string) (string, string, error) {
	in, err := credentialInput(rawURL, "", "")
	if err != nil {
		return "", "", err
	}
	var stdout, stderr bytes.Buffer
	if err := g.run(ctx, "fill", in, &stdout, &stderr); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if i := strings.LastIndexByte(msg, '\n'); i >= 0 {
			msg = msg[i+1:]
		}
		if msg == "" {
			msg = err.Error()
		}
		return "", "", fmt.Errorf("git credential fill: %s", strings.TrimPrefix(msg, "fatal: "))
	}
	var user, pass string
	sc := bufio.NewScanner(&stdout)
	for sc.Scan() {
		k, v, _ := strings.Cut(sc.Text(), "=")
		switch k {
		case "username":
			user = v
		case "password":
			pass = v
		}
	}
	if pass == "" {
		return "", "", fmt.Errorf("git credential fill: no password for %s", gitstore.Redact(rawURL))
	}
	return user, pass, nil
}

// Approve implements gitstore.CredentialHelper.
func (g *gitCredential) Approve(ctx context.Context, rawURL, user, pass string) {
	g.tell(ctx, "approve", rawURL, user, pass)
}

// Reject implements gitstore.CredentialHelper.
func (g *gitCredential) Reject(ctx context.Context, rawURL, user, pass string) {
	g.tell(ctx, "reject", rawURL, user, pass)
}

// tell reports a credential's fate to the helpers; a failure only means
// the helper will ask again next time.
func (g *gitCredential) tell(ctx context.Context, verb, rawURL, user, pass string) {
	in, err := credentialInput(rawURL, user, pass)
	if err != nil {
		return
	}
	_ = g.run(ctx, verb, in, io.Discard, io.Discard)
}

func (g *gitCredential) run(ctx context.Context, verb, in string, stdout, stderr io.Writer) error {
	git, err := exec.LookPath("git")
	if err != nil {
		return fmt.Errorf("no credential for this remote: set CONFIGSYNC_GIT_TOKEN (git, whose credential helpers configsync asks, is not installed)")
	}
	cmd := exec.CommandContext(ctx, git, "credential", verb)
	cmd.Stdin = strings.NewReader(in)
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if !g.prompt {
		cmd.Env = append(cmd.Environ(), "GIT_TERMINAL_PROMPT=0", "GIT_ASKPASS=", "SSH_ASKPASS=")
	}
	return cmd.Run()
}

// credentialInput is git's credential protocol for url (without any
// password it holds), plus the credential when given.
func credentialInput(rawURL, user, pass string) (string, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "", fmt.Errorf("git credential: %s: %w", gitstore.Redact(rawURL), err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "protocol=%s\nhost=%s\n", u.Scheme, u.Host)
	if p := strings.TrimPrefix(u.Path, "/"); p != "" {
		fmt.Fprintf(&b, "path=%s\n", p)
	}
	if user == "" && u.User != nil {
		user = u.User.Username()
	}
	if user != "" {
		fmt.Fprintf(&b, "username=%s\n", user)
	}
	if pass != "" {
		fmt.Fprintf(&b, "password=%s\n", pass)
	}
	b.WriteString("\n")
	// A newline or NUL inside a value would inject attributes (git's own
	// CVE-2020-5260): url.Parse refuses raw ones, but not escaped ones in
	// the user name.
	for _, v := range []string{u.Scheme, u.Host, u.Path, user, pass} {
		if strings.ContainsAny(v, "\n\x00") {
			return "", fmt.Errorf("git credential: %s has a newline or NUL", gitstore.Redact(rawURL))
		}
	}
	return b.String(), nil
}
