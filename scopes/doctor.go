package scopes

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/configsync/configsync/config"
	"github.com/configsync/configsync/gitstore"
)

// Check is one line of configsync doctor: what was checked, whether it
// holds, and what to do when it does not.
type Check struct {
	Name   string
	OK     bool
	Detail string // what was found
	Fix    string // what to do; "" when OK
}

// Doctor checks this machine's configsync home step by step, each check
// on its own, so that one broken piece does not hide the others: home,
// configuration, an init that did not finish, the store (opens, branch
// resolves, objects readable), its trust state, the identity and its
// membership, the pinned admins and the remote. With fix it repairs what
// it can: the home's permissions, a half-done init (finished, as init
// would) and a damaged store (rebuilt from the remote, keeping the marks
// so that no older state is accepted). report receives each check.
func Doctor(ctx context.Context, opts Options, fix bool, report func(Check)) (*InitResult, error) {
	d := &doctor{opts: opts, fix: fix, report: report}
	return d.run(ctx)
}

type doctor struct {
	opts   Options
	fix    bool
	report func(Check)
}

func (d *doctor) ok(name, detail string) { d.report(Check{Name: name, OK: true, Detail: detail}) }
func (d *doctor) bad(name, detail, fix string) {
	d.report(Check{Name: name, Detail: detail, Fix: fix})
}

func (d *doctor) run(ctx context.Context) (*InitResult, error) {
	home := d.opts.Home
	if !d.checkHome(home) {
		return nil, nil
	}
	path := config.Home(home).Config()
	cfg, err := config.LoadLocal(path)
	if err != nil {
		d.bad("config", oneLine(err), "change it with configsync config set KEY VALUE or configsync config unset KEY (they work on a broken configuration), or fix "+path)
		if cfg, err = config.LoadLocalUnchecked(path); err != nil {
			return nil, nil
		}
	} else {
		d.ok("config", path)
	}
	v := newSession(d.opts, cfg)
	if v.opts.Now == nil {
		v.opts.Now = time.Now
	}
	dir := config.Home(home).Store()
	if cfg.Store.Repo == "" && exists(dir) && len(cfg.Trust.Admins) == 0 {
		return d.halfInit(ctx, v, dir)
	}
	if !d.checkStore(ctx, v, dir) {
		return nil, nil
	}
	d.checkTrust(ctx, v)
	d.checkRemote(ctx, v)
	return nil, nil
}

func (d *doctor) checkHome(home string) bool {
	fi, err := os.Stat(home)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		d.bad("home", home+" does not exist", "run configsync init")
		return false
	case err != nil:
		d.bad("home", oneLine(err), "check the permissions of "+home)
		return false
	case fi.Mode().Perm()&0o077 != 0:
		if d.fix {
			if err := os.Chmod(home, 0o700); err == nil {
				d.ok("home", home+" (mode set to 0700)")
				return true
			}
		}
		d.bad("home", fmt.Sprintf("%s has mode %#o: others can read it", home, fi.Mode().Perm()), "chmod 700 "+home+" (or configsync doctor --fix)")
		return true
	}
	d.ok("home", home)
	return true
}

// halfInit is a store made by an init that was stopped before it
// finished (it saves the configuration last): it is finished as init
// would, from the remote the half-made store names.
func (d *doctor) halfInit(ctx context.Context, v *Session, dir string) (*InitResult, error) {
	if !d.fix {
		d.bad("init", "init did not finish: "+dir+" exists but nothing was accepted from it", "run configsync doctor --fix (or configsync init again)")
		return nil, nil
	}
	o, err := v.clearHalfInit(ctx, InitOptions{})
	var res *InitResult
	if err == nil {
		res, err = v.Init(ctx, o)
	}
	if errors.Is(err, ErrLocalStoreKept) {
		d.bad("init", strings.TrimSuffix(oneLine(err), ": "+ErrLocalStoreKept.Error()), ErrLocalStoreKept.Error())
		return nil, nil
	}
	if errors.Is(err, ErrHalfInit) {
		d.bad("init", "init did not finish and "+dir+" cannot be read", ErrHalfInit.Error())
		return nil, nil
	}
	if err != nil {
		d.bad("init", "finishing init: "+oneLine(err), "remove "+dir+" and run configsync init again")
		return nil, nil
	}
	d.ok("init", "finished: store in "+res.Location)
	return res, nil
}

// clearHalfInit removes the store a stopped init left (this machine never
// accepted anything from it), so that init runs again, from the remote it
// names unless o gives one: it returns the options for that init.
func (ma *machine) clearHalfInit(ctx context.Context, o InitOptions) (InitOptions, error) {
	dir := ma.home().Store()
	if o.Remote == "" && o.Repo == "" {
		s, err := gitstore.Open(dir, ma.cfg.Branch())
		if err != nil {
			if !o.again {
				return o, fmt.Errorf("init did not finish and %s cannot be read (%v): %w", dir, err, ErrHalfInit)
			}
		} else {
			o.Remote = s.RemoteURL()
			s.Close()
		}
	}
	// A store with commits and no remote may be all there is of it (a
	// local store whose configuration was lost): never removed here.
	if s, err := gitstore.Open(dir, ma.cfg.Branch()); err == nil {
		tip, terr := s.Tip(ctx)
		url := s.RemoteURL()
		s.Close()
		if terr == nil && !tip.IsZero() && url == "" {
			return o, fmt.Errorf("%s holds a store with no remote and %s has no pinned admin: %w", dir, config.LocalFile, ErrLocalStoreKept)
		}
	}
	if ma.store != nil {
		ma.store.Close()
	}
	if err := os.RemoveAll(dir); err != nil {
		return o, err
	}
	ma.store, ma.halfDir = nil, ""
	return o, nil
}

// HalfInit reports whether init was stopped before it finished here: the
// store exists, the configuration that init saves last does not pin it.
func (v *Session) HalfInit() bool {
	return v.halfDir != "" || v.cfg.Store.Repo == "" && !v.ephemeral && v.store != nil && len(v.cfg.Trust.Admins) == 0
}

// checkStore opens the store and reads its branch and every object of
// its tip; with fix, a damaged store is rebuilt from the remote.
func (d *doctor) checkStore(ctx context.Context, v *Session, dir string) bool {
	where := dir
	if v.cfg.Store.Repo != "" {
		where = v.cfg.Store.Repo
	} else if !exists(dir) {
		d.bad("store", "no store in "+dir, "run configsync init")
		return false
	}
	problem := v.openAndRead(ctx, where)
	if problem == "" {
		d.ok("store", where+" (branch "+v.cfg.Branch()+")")
		return true
	}
	if v.cfg.Store.Repo != "" {
		d.bad("store", problem, "fix the repository with git, or configsync config unset store.repo")
		return false
	}
	if !d.fix {
		d.bad("store", problem, "run configsync doctor --fix to fetch it again from the remote")
		return false
	}
	moved, err := v.rebuild(ctx, dir)
	if err != nil {
		d.bad("store", problem+"; rebuilding it failed: "+oneLine(err), "restore "+dir+" from a backup, or remove it and run configsync init again")
		return false
	}
	d.ok("store", dir+" (fetched again from the remote; the damaged copy is in "+moved+")")
	return true
}

// openAndRead opens the store at dir into v and reads it; it returns
// what is wrong, "" for nothing.
func (ma *machine) openAndRead(ctx context.Context, dir string) string {
	s, err := gitstore.Open(dir, ma.cfg.Branch())
	if err != nil {
		return "cannot open " + dir + ": " + oneLine(err)
	}
	if ma.cfg.Store.Repo == "" && ma.cfg.Store.Remote != "" && s.RemoteURL() != ma.cfg.Store.Remote {
		_ = s.SetRemote(ma.cfg.Store.Remote)
	}
	ma.store = s
	tip, err := s.Tip(ctx)
	switch {
	case err != nil:
		return "branch " + ma.cfg.Branch() + " does not resolve: " + oneLine(err)
	case tip.IsZero():
		return "branch " + ma.cfg.Branch() + " is empty or missing"
	}
	if _, _, err := s.Since(ctx, tip, gitstore.Hash{}); err != nil {
		return "history unreadable: " + oneLine(err)
	}
	tree, err := s.Tree(ctx, tip)
	if err != nil {
		return "tip unreadable: " + oneLine(err)
	}
	for _, f := range tree.Files("") {
		if _, err := s.ReadBlob(ctx, f.Blob); err != nil {
			return f.Path + " unreadable: " + oneLine(err)
		}
	}
	return ""
}

// rebuild fetches the store again from its remote into a new directory,
// verifies the fetched tip against this machine's marks (trust.json is
// kept, so an older state is refused as always), and only then swaps it
// in, keeping the damaged copy beside it. It returns where that went.
func (tb *trustBook) rebuild(ctx context.Context, dir string) (string, error) {
	url := tb.cfg.Store.Remote
	if url == "" && tb.store != nil {
		url = tb.store.RemoteURL()
	}
	if url == "" {
		return "", errors.New("the store has no remote to fetch it from")
	}
	unlock, err := tb.lock(ctx)
	if err != nil {
		return "", err
	}
	defer unlock()
	if tb.store != nil {
		tb.store.Close()
		tb.store = nil
	}
	tmp := dir + ".rebuild"
	if err := os.RemoveAll(tmp); err != nil {
		return "", err
	}
	s, err := gitstore.InitBare(tmp, tb.cfg.Branch())
	if err != nil {
		os.RemoveAll(tmp)
		return "", err
	}
	ok := false
	defer func() {
		if !ok {
			s.Close()
			os.RemoveAll(tmp)
		}
	}()
	if err := s.SetRemote(url); err != nil {
		return "", err
	}
	remote, err := s.Fetch(ctx, tb.opts.GitAuth)
	if err != nil {
		return "", err
	}
	if remote.IsZero() {
		return "", fmt.Errorf("%s has no %q branch", gitstore.Redact(url), tb.cfg.Branch())
	}
	tb.store = s
	if _, _, err := tb.advance(ctx, remote); err != nil {
		return "", err
	}
	if err := s.SetTip(ctx, gitstore.Hash{}, remote); err != nil {
		return "", err
	}
	if err := s.Close(); err != nil {
		return "", err
	}
	ok = true // closed: from here on tmp is removed or becomes the store
	moved := unusedName(dir + ".damaged-" + strconv.FormatInt(tb.opts.Now().Unix(), 10))
	if err := os.Rename(dir, moved); err != nil {
		os.RemoveAll(tmp)
		return "", err
	}
	if err := os.Rename(tmp, dir); err != nil {
		os.Rename(moved, dir)
		return "", err
	}
	ns, err := gitstore.Open(dir, tb.cfg.Branch())
	if err != nil {
		return "", err
	}
	tb.store = ns
	return moved, nil
}

// checkTrust loads the store as every command does (marks, refusals,
// pins) and checks the identity's membership.
func (d *doctor) checkTrust(ctx context.Context, v *Session) {
	snap, err := v.load(ctx)
	if err != nil {
		d.bad("trust", oneLine(err), "an admin runs configsync repair (configsync verify lists the commits)")
		return
	}
	d.ok("trust", fmt.Sprintf("tip %.12s accepted", snap.tip))
	if len(v.cfg.Trust.Admins) == 0 {
		d.bad("pins", "no admin of the store is pinned", "run configsync init --trust FPR again, after comparing the fingerprint with the admin")
	} else {
		d.ok("pins", fmt.Sprintf("%d admin(s) pinned", len(v.cfg.Trust.Admins)))
	}
	id, err := v.identity()
	if err != nil {
		d.bad("identity", oneLine(err), "import your key with configsync keys import FILE, or create one with configsync keys generate")
		return
	}
	m, ok := snap.member(id.Fingerprint())
	if !ok {
		d.bad("identity", "key "+id.Fingerprint()+" is not a member of the store", "send your public key (configsync keys export) to an admin, who runs configsync team add")
		return
	}
	d.ok("identity", m.Label())
}

// checkRemote fetches from the remote to see that it answers, then puts
// the remote-tracking ref back: a doctor never hides a remote moved back
// from the next command (rewind.go).
func (d *doctor) checkRemote(ctx context.Context, v *Session) {
	s := v.store
	url := s.RemoteURL()
	if url == "" {
		d.ok("remote", "none (the store is local to this machine)")
		return
	}
	before, err := s.RemoteTip(ctx)
	if err != nil {
		d.bad("remote", oneLine(err), "run configsync doctor --fix")
		return
	}
	_, err = s.Fetch(ctx, v.opts.GitAuth)
	_ = s.SetRemoteTip(ctx, before)
	if err != nil {
		d.bad("remote", oneLine(err), "check the network, the remote URL (configsync config set store.remote URL) and your credentials")
		return
	}
	d.ok("remote", gitstore.Redact(url)+" answers")
}

func oneLine(err error) string {
	s := []rune(err.Error())
	for i, r := range s {
		if r == '\n' || r == '\r' {
			s[i] = ' '
		}
	}
	return string(s)
}

// ErrHalfInit is an init that stopped before it could record where the
// store comes from: only running init again with its options finishes it.
var ErrHalfInit = errors.New("run configsync init again with the options you gave it")

// ErrLocalStoreKept is a half-done init over a store that has commits
// and no remote: it may be the only copy, so it is left alone.
var ErrLocalStoreKept = errors.New("move it away to start over, or put back the config.toml that pins its admin")

// DamagedError is this machine's own store found unreadable: a branch
// ref that does not resolve, an object missing. configsync doctor --fix
// fetches it again from the remote.
type DamagedError struct {
	Store string
	Err   error
	Repo  bool // the store is a branch of the user's repository (store.repo)
}

func (e *DamagedError) Error() string {
	if e.Repo {
		return fmt.Sprintf("the store in %s (config store.repo) cannot be read (%v)", e.Store, e.Err)
	}
	return fmt.Sprintf("the local store %s is damaged (%v)", e.Store, e.Err)
}

func (e *DamagedError) Unwrap() error { return e.Err }

// damaged names err as damage to this machine's store, for the store's
// own reads (not a store read for one command, whose reads fail as they
// are).
func (ma *machine) damaged(err error) error {
	if err == nil || ma.ephemeral || ma.store == nil {
		return err
	}
	var de *DamagedError
	if errors.As(err, &de) {
		return err
	}
	return &DamagedError{Store: ma.storeLocation(), Err: err, Repo: ma.cfg.Store.Repo != ""}
}

// unusedName is name, or name-2, name-3…: the first that does not exist,
// so that a second rebuild in the same second keeps both damaged copies.
func unusedName(name string) string {
	for i, n := 1, name; ; i++ {
		if _, err := os.Lstat(n); errors.Is(err, fs.ErrNotExist) {
			return n
		}
		n = name + "-" + strconv.Itoa(i+1)
	}
}
