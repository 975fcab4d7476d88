package gitstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/transport"
	"github.com/go-git/go-git/v5/storage"
	"github.com/go-git/go-git/v5/storage/memory"
)

// remoteName is the one remote a store talks to.
const remoteName = "origin"

// Memory fetches branch of url (depth 1, no tags) into an in-memory
// repository, for reads with no local state (CI). It returns ErrNotFound if
// the remote has no such branch (or is empty). History beyond the tip is
// absent: Log returns one entry. progress receives the remote's progress
// messages (see SetProgress); nil for none.
func Memory(ctx context.Context, url, branch string, auth *Auth, progress io.Writer) (*Store, error) {
	ref, err := checkBranch(branch)
	if err != nil {
		return nil, err
	}
	st := memory.NewStorage()
	repo, err := git.Init(st, nil)
	if err != nil {
		return nil, fmt.Errorf("gitstore: init memory repository: %w", err)
	}
	s := &Store{repo: repo, st: st, branch: branch, ref: ref, progress: progress}
	if err := s.SetRemote(url); err != nil {
		return nil, err
	}
	tip, err := s.fetch(ctx, auth, 1)
	if err != nil {
		return nil, err
	}
	if tip.IsZero() {
		return nil, fmt.Errorf("%w: branch %q on %s", ErrNotFound, branch, Redact(url))
	}
	if err := s.SetTip(ctx, Hash{}, tip); err != nil {
		return nil, err
	}
	return s, nil
}

// SetRemote sets the URL of the store's remote ("origin"). A new remote gets
// git's default fetch refspec; an existing one keeps its refspecs and only
// changes URL, so a project repository's own origin stays usable by git.
func (s *Store) SetRemote(url string) error {
	if url == "" {
		return fmt.Errorf("gitstore: set remote: empty URL")
	}
	cfg, err := s.repo.Config()
	if err != nil {
		return fmt.Errorf("gitstore: read config: %w", err)
	}
	rc, ok := cfg.Remotes[remoteName]
	if ok && len(rc.URLs) == 1 && rc.URLs[0] == url {
		return nil
	}
	if !ok {
		rc = &config.RemoteConfig{
			Name:  remoteName,
			Fetch: []config.RefSpec{config.RefSpec(fmt.Sprintf(config.DefaultFetchRefSpec, remoteName))},
		}
		cfg.Remotes[remoteName] = rc
	}
	rc.URLs = []string{url}
	if err := rc.Validate(); err != nil {
		return fmt.Errorf("gitstore: set remote %q: %w", url, err)
	}
	if err := s.repo.SetConfig(cfg); err != nil {
		return fmt.Errorf("gitstore: write config: %w", err)
	}
	return nil
}

// RemoteURL returns the remote's URL, or "" if none is configured.
func (s *Store) RemoteURL() string {
	cfg, err := s.repo.Config()
	if err != nil {
		return ""
	}
	if rc, ok := cfg.Remotes[remoteName]; ok && len(rc.URLs) > 0 {
		return rc.URLs[0]
	}
	return ""
}

func (s *Store) remote() (*config.RemoteConfig, error) {
	cfg, err := s.repo.Config()
	if err != nil {
		return nil, fmt.Errorf("gitstore: read config: %w", err)
	}
	rc, ok := cfg.Remotes[remoteName]
	if !ok || len(rc.URLs) == 0 {
		return nil, ErrNoRemote
	}
	return rc, nil
}

func (s *Store) trackingRef() plumbing.ReferenceName {
	return plumbing.NewRemoteReferenceName(remoteName, s.branch)
}

// RemoteTip returns the remote branch's tip as of the last Fetch or Push
// (the remote-tracking ref), or the zero Hash if none is known.
func (s *Store) RemoteTip(ctx context.Context) (Hash, error) {
	if err := ctx.Err(); err != nil {
		return Hash{}, err
	}
	return s.readRef(s.trackingRef())
}

// SetRemoteTip puts the remote-tracking ref back to h (the zero Hash
// removes it): a caller that refuses what a fetch brought keeps the
// record of what it last accepted from the remote.
func (s *Store) SetRemoteTip(ctx context.Context, h Hash) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if h.IsZero() {
		if err := s.st.RemoveReference(s.trackingRef()); err != nil {
			return fmt.Errorf("gitstore: remove %s: %w", s.trackingRef(), err)
		}
		return nil
	}
	if err := s.st.SetReference(plumbing.NewHashReference(s.trackingRef(), toPlumbing(h))); err != nil {
		return fmt.Errorf("gitstore: set %s: %w", s.trackingRef(), err)
	}
	return nil
}

// Fetch fetches the remote branch into refs/remotes/origin/<branch> and
// returns its tip: the zero Hash if the remote has no such branch (an empty
// repository, say). The local branch is not moved; see SetTip.
//
// In a shallow store (see FetchDepth) Fetch also checks that it received
// every object of the new commits, and fetches the missing history when
// it did not (see completeSince).
func (s *Store) Fetch(ctx context.Context, auth *Auth) (Hash, error) {
	shallow, err := s.Shallow()
	if err != nil {
		return Hash{}, err
	}
	if !shallow {
		return s.fetch(ctx, auth, 0)
	}
	before, err := s.readRef(s.trackingRef())
	if err != nil {
		return Hash{}, err
	}
	tip, err := s.fetch(ctx, auth, 0)
	if err != nil {
		// A pack whose deltas lean on objects from before the boundary
		// cannot be read here; with the whole history it can.
		if uerr := s.Unshallow(ctx, auth); uerr != nil {
			return Hash{}, err
		}
		return s.readRef(s.trackingRef())
	}
	if cerr := s.completeSince(ctx, before, tip); cerr != nil {
		if ctx.Err() != nil {
			return Hash{}, ctx.Err()
		}
		if err := s.Unshallow(ctx, auth); err != nil {
			return Hash{}, err
		}
	}
	return tip, nil
}

func (s *Store) fetch(ctx context.Context, auth *Auth, depth int) (Hash, error) {
	rc, err := s.remote()
	if err != nil {
		return Hash{}, err
	}
	sess, err := newSession(rc.URLs[0], auth)
	if err != nil {
		return Hash{}, err
	}
	spec := config.RefSpec(fmt.Sprintf("+%s:%s", s.ref, s.trackingRef()))
	err = sess.run(ctx, func(m transport.AuthMethod) error {
		return git.NewRemote(s.st, rc).FetchContext(ctx, &git.FetchOptions{
			RemoteName: remoteName,
			RefSpecs:   []config.RefSpec{spec},
			Depth:      depth,
			Auth:       m,
			Tags:       git.NoTags,
			Progress:   s.progress,
		})
	})
	switch {
	case err == nil, errors.Is(err, git.NoErrAlreadyUpToDate):
	case errors.Is(err, transport.ErrEmptyRemoteRepository), errors.Is(err, git.NoMatchingRefSpecError{}):
		return Hash{}, nil
	case ctx.Err() != nil:
		return Hash{}, ctx.Err()
	default:
		return Hash{}, sess.classify("fetch "+s.branch+" from", err)
	}
	return s.readRef(s.trackingRef())
}

// SetProgress sends the remote's progress messages during fetch and push
// (git's "Counting objects…", with carriage returns) to w; nil, the
// default, asks the remote for none.
func (s *Store) SetProgress(w io.Writer) { s.progress = w }

// Push pushes the branch to the remote's branch of the same name, without
// force. It returns nil when the remote is already up to date and
// ErrNonFastForward when the remote has commits the local branch lacks.
// Only the objects of the commits the remote lacks travel, found by a tree
// diff (see sendPack), in a pack with no delta search; a history that
// cannot be walked so falls back to go-git's push (pack window 0).
func (s *Store) Push(ctx context.Context, auth *Auth) error {
	rc, err := s.remote()
	if err != nil {
		return err
	}
	tip, err := s.Tip(ctx)
	if err != nil {
		return err
	}
	if tip.IsZero() {
		return fmt.Errorf("%w: branch %q has no commits to push", ErrNotFound, s.branch)
	}
	sess, err := newSession(rc.URLs[0], auth)
	if err != nil {
		return err
	}
	spec := config.RefSpec(fmt.Sprintf("%s:%s", s.ref, s.ref))
	err = sess.run(ctx, func(m transport.AuthMethod) error {
		err := s.sendPack(ctx, rc.URLs[0], m)
		if !errors.Is(err, errNoShortcut) {
			return err
		}
		return git.NewRemote(noDeltaStorer{s.st}, rc).PushContext(ctx, &git.PushOptions{
			RemoteName: remoteName,
			RefSpecs:   []config.RefSpec{spec},
			Auth:       m,
			Progress:   s.progress,
		})
	})
	switch {
	case err == nil, errors.Is(err, git.NoErrAlreadyUpToDate):
		return nil
	case ctx.Err() != nil:
		return ctx.Err()
	case isNonFastForward(err):
		return fmt.Errorf("%w: %s to %s: %w", ErrNonFastForward, s.branch, Redact(rc.URLs[0]), err)
	default:
		return sess.classify("push "+s.branch+" to", err)
	}
}

// isNonFastForward is the one place that reads go-git's untyped push
// errors: its own check ("non-fast-forward update: refs/heads/x") and a
// receive-pack report ("command error on refs/heads/x: non-fast-forward",
// or "fetch first", or a race lost on the remote ref, told on the side
// band: "cannot lock ref 'refs/heads/x': is at A but expected B"). Each
// means: fetch, re-apply, retry. A lock file on the remote that outlived
// git's own wait for it ("Unable to create '….lock': File exists") is
// not a race: see remoteLock.
func isNonFastForward(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "non-fast-forward") ||
		strings.Contains(msg, "fetch first") ||
		strings.Contains(msg, "but expected")
}

// noDeltaStorer reports a pack window of 0 to go-git's push, which reads
// it from the repository config, without writing that to the user's config.
type noDeltaStorer struct {
	storage.Storer
}

// Config returns the repository config with Pack.Window set to 0.
func (n noDeltaStorer) Config() (*config.Config, error) {
	cfg, err := n.Storer.Config()
	if err != nil {
		return nil, err
	}
	c := *cfg
	c.Pack.Window = 0
	return &c, nil
}
