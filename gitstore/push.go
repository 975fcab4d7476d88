package gitstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/protocol/packp"
	"github.com/go-git/go-git/v5/plumbing/protocol/packp/capability"
	"github.com/go-git/go-git/v5/plumbing/transport"
	"github.com/go-git/go-git/v5/plumbing/transport/client"
)

// sendPack pushes the branch with go-git's transport plumbing, sending
// only the objects the remote lacks. go-git's own push finds them by
// listing every object reachable from the remote's tip (all 10,000 items
// of a big store, read back from disk on every push); the store's
// history is linear and each commit changes a few paths, so a tree diff
// of each new commit against its parent finds the same set by reading
// only the changed directories. The pack holds whole objects, blobs
// uncompressed (see writePack).
//
// It returns git.NoErrAlreadyUpToDate when the remote is at the tip, a
// non-fast-forward error (see isNonFastForward) when the remote has
// commits the branch lacks, and errNoShortcut when the new objects cannot
// be found this way (a shallow or incomplete history), for the caller to
// use go-git's push.
func (s *Store) sendPack(ctx context.Context, url string, auth transport.AuthMethod) error {
	local, err := s.Tip(ctx)
	if err != nil {
		return err
	}
	sess, ar, err := openReceivePack(ctx, url, auth)
	if err != nil {
		return err
	}
	defer sess.Close()
	remote, err := s.remoteBase(ctx, ar, local)
	if err != nil {
		return err
	}
	objs, err := s.newObjects(ctx, remote, local)
	if err != nil {
		return err
	}
	req, remoteMsg := updateRequest(ar, s.ref, s.progress, remote, local)
	if err := receivePack(ctx, sess, req, remoteMsg, objs); err != nil {
		return err
	}
	// The remote-tracking ref follows, as after a fetch.
	if err := s.st.SetReference(plumbing.NewHashReference(s.trackingRef(), toPlumbing(local))); err != nil {
		return fmt.Errorf("gitstore: update %s: %w", s.trackingRef(), err)
	}
	return nil
}

// openReceivePack opens a receive-pack session to url and reads the
// references the remote advertises. The caller closes the session.
func openReceivePack(ctx context.Context, url string, auth transport.AuthMethod) (transport.ReceivePackSession, *packp.AdvRefs, error) {
	ep, err := transport.NewEndpoint(url)
	if err != nil {
		return nil, nil, err
	}
	cli, err := client.NewClient(ep)
	if err != nil {
		return nil, nil, err
	}
	sess, err := cli.NewReceivePackSession(ep, auth)
	if err != nil {
		return nil, nil, err
	}
	ar, err := sess.AdvertisedReferencesContext(ctx)
	if err != nil {
		sess.Close()
		return nil, nil, err // an empty repository is advertised, not an error, to receive-pack
	}
	return sess, ar, nil
}

// remoteBase is the remote's tip of the branch (zero when it has none),
// checked to be an ancestor of local: git.NoErrAlreadyUpToDate when it is
// local, a non-fast-forward error when the remote has commits local lacks.
func (s *Store) remoteBase(ctx context.Context, ar *packp.AdvRefs, local Hash) (Hash, error) {
	refs, err := ar.AllReferences()
	if err != nil {
		return Hash{}, err
	}
	var remote Hash
	if r, err := refs.Reference(s.ref); err == nil {
		remote = fromPlumbing(r.Hash())
	}
	if remote == local {
		return Hash{}, git.NoErrAlreadyUpToDate
	}
	if !remote.IsZero() {
		ok, err := s.IsAncestor(ctx, remote, local)
		if err != nil {
			return Hash{}, err
		}
		if !ok {
			return Hash{}, fmt.Errorf("non-fast-forward update: %s (fetch first)", s.ref)
		}
	}
	return remote, nil
}

// updateRequest asks the remote to move ref from remote to local,
// with the side band on when the remote offers it. The returned writer
// keeps the end of what the remote says.
func updateRequest(ar *packp.AdvRefs, ref plumbing.ReferenceName, progress io.Writer, remote, local Hash) (*packp.ReferenceUpdateRequest, *tailWriter) {
	req := packp.NewReferenceUpdateRequestFromCapabilities(ar.Capabilities)
	req.Commands = []*packp.Command{{Name: ref, Old: toPlumbing(remote), New: toPlumbing(local)}}
	// The side band carries the remote's messages, progress and errors
	// alike: "failed to update ref" in the report says nothing more, the
	// message before it says why (a concurrent push: "cannot lock ref").
	remoteMsg := &tailWriter{max: 4096}
	req.Progress = remoteMsg
	if progress != nil {
		req.Progress = io.MultiWriter(remoteMsg, progress)
	} else if ar.Capabilities.Supports(capability.Quiet) {
		_ = req.Capabilities.Set(capability.Quiet)
	}
	switch {
	case ar.Capabilities.Supports(capability.Sideband64k):
		_ = req.Capabilities.Set(capability.Sideband64k)
	case ar.Capabilities.Supports(capability.Sideband):
		_ = req.Capabilities.Set(capability.Sideband)
	}
	return req, remoteMsg
}

// receivePack sends req with a pack of objs, written as the remote reads
// it. A refusal carries the remote's last error messages.
func receivePack(ctx context.Context, sess transport.ReceivePackSession, req *packp.ReferenceUpdateRequest, remoteMsg *tailWriter, objs []plumbing.EncodedObject) error {
	pr, pw := io.Pipe()
	req.Packfile = pr
	done := make(chan error, 1)
	go func() {
		err := writePack(ctx, pw, objs)
		pw.CloseWithError(err)
		done <- err
	}()
	_, err := sess.ReceivePack(ctx, req) // a refused command is an error too
	pr.Close()                           // unblocks writePack if the remote stopped reading
	werr := <-done
	if err != nil {
		if why := remoteMsg.errors(); why != "" {
			return fmt.Errorf("%w (remote: %s)", err, why)
		}
		return err
	}
	if werr != nil && !errors.Is(werr, io.ErrClosedPipe) {
		return werr
	}
	return nil
}

// errNoShortcut means newObjects could not list the objects to send.
var errNoShortcut = errors.New("gitstore: history not walkable")

// newObjects lists the objects reachable from tip and not from base (the
// remote's tip, an ancestor of tip; zero for an empty remote): the
// commits after base, and for each, the trees and blobs its tree adds to
// its parent's.
func (s *Store) newObjects(ctx context.Context, base, tip Hash) ([]plumbing.EncodedObject, error) {
	var commits []*object.Commit
	for h := tip; h != base; {
		c, err := object.GetCommit(s.st, toPlumbing(h))
		if err != nil {
			return nil, fmt.Errorf("%w: %v", errNoShortcut, err)
		}
		commits = append(commits, c)
		if len(c.ParentHashes) == 0 {
			if !base.IsZero() {
				return nil, fmt.Errorf("%w: %s is not an ancestor", errNoShortcut, short(base))
			}
			break
		}
		if len(c.ParentHashes) > 1 {
			return nil, fmt.Errorf("%w: merge commit %s", errNoShortcut, c.Hash)
		}
		h = fromPlumbing(c.ParentHashes[0])
	}
	d := &treeDiff{s: s, seen: map[plumbing.Hash]bool{}}
	for i := len(commits) - 1; i >= 0; i-- {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		c := commits[i]
		var parentTree plumbing.Hash
		if len(c.ParentHashes) == 1 {
			p, err := object.GetCommit(s.st, c.ParentHashes[0])
			if err != nil {
				return nil, fmt.Errorf("%w: %v", errNoShortcut, err)
			}
			parentTree = p.TreeHash
		}
		if err := d.add(c.Hash); err != nil {
			return nil, err
		}
		if err := d.diff(c.TreeHash, parentTree); err != nil {
			return nil, err
		}
	}
	return d.objs, nil
}

type treeDiff struct {
	s    *Store
	seen map[plumbing.Hash]bool
	objs []plumbing.EncodedObject
}

func (d *treeDiff) add(h plumbing.Hash) error {
	if d.seen[h] {
		return nil
	}
	d.seen[h] = true
	o, err := d.s.st.EncodedObject(plumbing.AnyObject, h)
	if err != nil {
		return fmt.Errorf("%w: object %s: %v", errNoShortcut, h, err)
	}
	d.objs = append(d.objs, o)
	return nil
}

// diff adds tree nt and whatever under it differs from tree ot (zero for
// none).
func (d *treeDiff) diff(nt, ot plumbing.Hash) error {
	if nt == ot || d.seen[nt] {
		return nil
	}
	if err := d.add(nt); err != nil {
		return err
	}
	n, err := object.GetTree(d.s.st, nt)
	if err != nil {
		return fmt.Errorf("%w: %v", errNoShortcut, err)
	}
	old := map[string]object.TreeEntry{}
	if !ot.IsZero() {
		o, err := object.GetTree(d.s.st, ot)
		if err != nil {
			return fmt.Errorf("%w: %v", errNoShortcut, err)
		}
		for _, e := range o.Entries {
			old[e.Name] = e
		}
	}
	for _, e := range n.Entries {
		oe, had := old[e.Name]
		if had && oe.Hash == e.Hash {
			continue
		}
		switch {
		case e.Mode == filemode.Dir:
			var base plumbing.Hash
			if had && oe.Mode == filemode.Dir {
				base = oe.Hash
			}
			if err := d.diff(e.Hash, base); err != nil {
				return err
			}
		case e.Mode == filemode.Submodule:
			// a commit of another repository: never sent
		default:
			if err := d.add(e.Hash); err != nil {
				return err
			}
		}
	}
	return nil
}

// tailWriter keeps the last max bytes written to it.
type tailWriter struct {
	max int
	buf []byte
}

func (w *tailWriter) Write(p []byte) (int, error) {
	w.buf = append(w.buf, p...)
	if over := len(w.buf) - w.max; over > 0 {
		w.buf = w.buf[over:]
	}
	return len(p), nil
}

// errors returns the remote's "error:" and "fatal:" lines, joined.
func (w *tailWriter) errors() string {
	var out []string
	for _, line := range strings.FieldsFunc(string(w.buf), func(r rune) bool { return r == '\n' || r == '\r' }) {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "error:") || strings.HasPrefix(line, "fatal:") {
			out = append(out, line)
		}
	}
	return strings.Join(out, "; ")
}
