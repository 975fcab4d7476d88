package hooks

import (
	"bufio"
	"bytes"
	"compress/zlib"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"

	"github.com/configsync/configsync/config"
	"github.com/configsync/configsync/envfile"
	gogit "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/format/index"
	"github.com/go-git/go-git/v5/plumbing/object"
	"golang.org/x/sync/errgroup"
)

// Rule names what a Finding is about.
type Rule string

// The rules of the guard.
const (
	// RuleDotenvFile: a dotenv file that is not a template nor allowed by
	// the project's configsync.toml [hooks] allow list.
	RuleDotenvFile Rule = "dotenv-file"
	// RuleTrackedItem: a file that configsync tracks on this machine.
	RuleTrackedItem Rule = "tracked-item"
	// RuleSecretValue: content holding a known secret value (or one of its
	// encodings) of this machine's tracked items.
	RuleSecretValue Rule = "secret-value"
)

// Finding is one reason to refuse a commit. It never holds a secret value.
type Finding struct {
	// File is the slash-separated path, relative to the top of the work
	// tree (CheckStaged) or to Options.Dir, else as given (Scan).
	File string
	// Line is the 1-based line where the value starts; 0 for file rules.
	Line int
	// Rule is the rule that matched.
	Rule Rule
	// Key is the name of the variable whose value was found (secret-value).
	Key string
	// Item is the tracked item the value belongs to, such as
	// "development/myapp/.env" (secret-value), or the tracked path
	// (tracked-item).
	Item string
}

// Message returns one line naming the file, line and key (never the
// value) and saying how to fix it.
func (f Finding) Message() string {
	q, dir := shellQuote(f.File), shellQuote(path.Dir(f.File))
	if strings.ContainsFunc(f.File, unicode.IsControl) {
		// keep the message on one line
		q, dir = strconv.Quote(f.File), strconv.Quote(path.Dir(f.File))
		f.File = q
	}
	switch f.Rule {
	case RuleDotenvFile:
		return fmt.Sprintf("%s: dotenv file must not be committed: unstage it with \"git rm --cached %s\", add it to .gitignore, and keep it encrypted with \"configsync add env %s\"",
			f.File, q, dir)
	case RuleTrackedItem:
		return fmt.Sprintf("%s: file is tracked by configsync (kept encrypted in the store) and must not be committed: unstage it with \"git rm --cached %s\" and add it to .gitignore",
			f.File, q)
	case RuleSecretValue:
		return fmt.Sprintf("%s:%d: contains the value of %s from %s: remove the value and read it at run time instead (\"configsync inject -- CMD\" puts it in the environment)",
			f.File, f.Line, f.Key, f.Item)
	}
	return fmt.Sprintf("%s:%d: %s", f.File, f.Line, f.Rule)
}

// String returns Message.
func (f Finding) String() string { return f.Message() }

// BypassHint is the line to print after findings: how to commit anyway.
func BypassHint() string {
	return "to commit anyway, knowingly: git commit --no-verify"
}

// Options configures CheckStaged and Scan.
type Options struct {
	// Index is the leak index; nil disables the secret-value rule.
	Index *Index
	// Tracked lists the absolute paths of this machine's tracked items.
	Tracked []string
	// Allow lists dotenv file names or globs that may be committed, in
	// addition to the project's configsync.toml [hooks] allow list. A
	// pattern with a slash matches the slash path from the top of the work
	// tree (or Dir); one without matches the base name.
	Allow []string
	// IndexFile is the git index to check (CheckStaged): the value of
	// GIT_INDEX_FILE, which git sets for "git commit -a" and "git commit
	// PATHS", relative to the top of the work tree if relative. Empty: the
	// work tree's own index.
	IndexFile string
	// Dir is the project directory for Scan: its configsync.toml gives the
	// allow list, and paths under it are reported relative to it. Empty:
	// no project file, paths reported as given.
	Dir string
}

// CheckStaged checks what a commit in the work tree containing repoDir
// would record: every entry of the git index that differs from HEAD's tree
// (every entry before the first commit). It returns the findings, sorted;
// none means the commit may proceed.
func CheckStaged(ctx context.Context, repoDir string, opts Options) ([]Finding, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	l, err := findRepo(repoDir)
	if err != nil {
		return nil, err
	}
	c, err := newChecker(l.top, opts)
	if err != nil {
		return nil, err
	}
	indexFile := opts.IndexFile
	if indexFile == "" {
		indexFile = filepath.Join(l.gitDir, "index")
	} else if !filepath.IsAbs(indexFile) {
		indexFile = filepath.Join(l.top, indexFile)
	}
	repo, err := gogit.PlainOpenWithOptions(l.top, &gogit.PlainOpenOptions{EnableDotGitCommonDir: true})
	if errors.Is(err, gogit.ErrUnknownExtension) || errors.Is(err, gogit.ErrUnsupportedExtensionRepositoryFormatVersion) {
		return c.checkStagedWithGit(ctx, l.top, indexFile)
	}
	if err != nil {
		return nil, fmt.Errorf("open repository %s: %w", l.top, err)
	}
	idx, err := readIndex(indexFile)
	if errors.Is(err, index.ErrUnknownExtension) {
		return c.checkStagedWithGit(ctx, l.top, indexFile)
	}
	if err != nil {
		return nil, err
	}
	head, err := headFiles(repo)
	if err != nil {
		return nil, err
	}
	objectsDir := filepath.Join(l.commonDir, "objects")
	seen := map[string]bool{}
	var changed []*index.Entry
	for _, e := range idx.Entries {
		if seen[e.Name] || e.Mode == filemode.Submodule || e.Mode == filemode.Dir {
			continue
		}
		seen[e.Name] = true
		if h, ok := head[e.Name]; !ok || h != e.Hash {
			changed = append(changed, e)
		}
	}
	if c.index != nil {
		c.index.build() // before the workers share it read-only
	}
	if err := c.scanBlobs(ctx, repo, objectsDir, changed); err != nil {
		return nil, err
	}
	return c.result(), nil
}

// scanBlobs checks the staged blobs of changed, in order of changed.
// Inflating and scanning them is most of the work: it is spread over the
// cores.
func (c *checker) scanBlobs(ctx context.Context, repo *gogit.Repository, objectsDir string, changed []*index.Entry) error {
	emptyBlob := plumbing.ComputeHash(plumbing.BlobObject, nil)
	results := make([][]Finding, len(changed))
	var gitMu sync.Mutex // go-git's object storage is not safe for concurrent use
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(runtime.GOMAXPROCS(0))
	for i, e := range changed {
		g.Go(func() error {
			if err := gctx.Err(); err != nil {
				return err
			}
			var data []byte
			if e.Mode != filemode.Symlink && !e.IntentToAdd && e.Hash != emptyBlob {
				var err error
				if data, err = readBlob(repo, &gitMu, objectsDir, e.Hash); err != nil {
					return fmt.Errorf("read staged %s: %w", e.Name, err)
				}
			}
			results[i] = c.check(e.Name, filepath.Join(c.top, filepath.FromSlash(e.Name)), data)
			return nil
		})
	}
	err := g.Wait()
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if err != nil {
		return err
	}
	for _, r := range results {
		c.findings = append(c.findings, r...)
	}
	return nil
}

// emptyTree is the hash of git's empty tree, the base before a first commit.
const emptyTree = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"

// checkStagedWithGit is CheckStaged for repositories go-git cannot read: a
// split index (core.splitIndex), a sparse index, or repository extensions
// such as worktreeConfig (set by "git sparse-checkout"). The git command
// itself lists what is staged (against HEAD, or the empty tree before the
// first commit) and reads the staged blobs.
func (c *checker) checkStagedWithGit(ctx context.Context, top, indexFile string) ([]Finding, error) {
	git := func(stdin io.Reader, args ...string) ([]byte, error) {
		cmd := exec.CommandContext(ctx, "git", append([]string{"-C", top}, args...)...)
		cmd.Env = append(cmd.Environ(), "GIT_INDEX_FILE="+indexFile)
		cmd.Stdin = stdin
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			return nil, fmt.Errorf("git %s: %w: %s", args[0], err, strings.TrimSpace(stderr.String()))
		}
		return out, nil
	}
	base := "HEAD"
	if _, err := git(nil, "rev-parse", "-q", "--verify", "HEAD^{commit}"); err != nil {
		base = emptyTree
	}
	// Records are ":OLDMODE NEWMODE OLDHASH NEWHASH STATUS\0PATH\0".
	out, err := git(nil, "diff-index", "--cached", "-z", "--no-renames", "--diff-filter=d", base)
	if err != nil {
		return nil, err
	}
	type staged struct{ name, mode, hash string }
	var files []staged
	var batch strings.Builder
	fields := strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
	for i := 0; i+1 < len(fields); i += 2 {
		f := strings.Fields(strings.TrimPrefix(fields[i], ":"))
		if len(f) < 5 {
			return nil, fmt.Errorf("git diff-index: unexpected output")
		}
		mode, oldHash, hash := f[1], f[2], f[3]
		if mode == "160000" || hash == oldHash {
			continue // submodules; mode-only changes
		}
		files = append(files, staged{name: fields[i+1], mode: mode, hash: hash})
		if mode != "120000" {
			batch.WriteString(hash + "\n")
		}
	}
	blobs := map[string][]byte{}
	if batch.Len() > 0 {
		out, err := git(strings.NewReader(batch.String()), "cat-file", "--batch")
		if err != nil {
			return nil, err
		}
		for len(out) > 0 {
			header, rest, _ := bytes.Cut(out, []byte("\n"))
			h := strings.Fields(string(header))
			if len(h) != 3 {
				return nil, fmt.Errorf("git cat-file: unexpected output")
			}
			size, err := strconv.Atoi(h[2])
			if err != nil || size < 0 || size+1 > len(rest) {
				return nil, fmt.Errorf("git cat-file: unexpected output")
			}
			blobs[h[0]] = rest[:size]
			out = rest[size+1:]
		}
	}
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		c.findings = append(c.findings, c.check(f.name, filepath.Join(c.top, filepath.FromSlash(f.name)), blobs[f.hash])...)
	}
	return c.result(), nil
}

// Scan checks files and directory trees on disk (for CI and a first
// audit): every regular file under each path, skipping .git. Symbolic links
// are checked by name only and not followed.
func Scan(ctx context.Context, paths []string, opts Options) ([]Finding, error) {
	c, err := newChecker(opts.Dir, opts)
	if err != nil {
		return nil, err
	}
	for _, p := range paths {
		err := filepath.WalkDir(p, func(file string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			if d.Name() == ".git" && file != p {
				if d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			if d.IsDir() {
				return nil
			}
			abs, err := filepath.Abs(file)
			if err != nil {
				return err
			}
			var data []byte
			if d.Type().IsRegular() {
				if data, err = os.ReadFile(file); err != nil {
					return err
				}
			} else if d.Type()&fs.ModeSymlink == 0 {
				return nil // devices, sockets, pipes
			}
			c.findings = append(c.findings, c.check(c.rel(abs, file), resolve(abs), data)...)
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("scan: %w", err)
		}
	}
	return c.result(), nil
}

// checker applies the rules to one file at a time.
type checker struct {
	top      string // resolved base directory, "" if none
	allow    []string
	tracked  map[string]string // resolved path -> path as given
	index    *Index
	findings []Finding
}

func newChecker(dir string, opts Options) (*checker, error) {
	c := &checker{index: opts.Index, tracked: map[string]string{}, allow: slices.Clone(opts.Allow)}
	if dir != "" {
		c.top = resolve(dir)
		p, err := config.LoadProject(dir)
		if err != nil {
			return nil, err
		}
		if p != nil {
			c.allow = append(c.allow, p.Hooks.Allow...)
		}
	}
	for _, pat := range c.allow {
		if _, err := path.Match(strings.TrimPrefix(pat, "/"), ""); err != nil {
			return nil, fmt.Errorf("configsync.toml [hooks] allow %q: %w", pat, err)
		}
	}
	for _, t := range opts.Tracked {
		c.tracked[resolve(t)] = t
	}
	return c, nil
}

// resolve makes p absolute and resolves symbolic links as far as it exists.
func resolve(p string) string {
	abs, err := filepath.Abs(p)
	if err != nil {
		return filepath.Clean(p)
	}
	if r, err := filepath.EvalSymlinks(abs); err == nil {
		return r
	}
	if r, err := filepath.EvalSymlinks(filepath.Dir(abs)); err == nil {
		return filepath.Join(r, filepath.Base(abs))
	}
	return abs
}

// rel returns the name to report for a scanned file.
func (c *checker) rel(abs, given string) string {
	if c.top != "" {
		if r, err := filepath.Rel(c.top, resolve(abs)); err == nil && filepath.IsLocal(r) {
			return filepath.ToSlash(r)
		}
	}
	return filepath.ToSlash(filepath.Clean(given))
}

func (c *checker) allowed(name string) bool {
	base := path.Base(name)
	for _, pat := range c.allow {
		pat = strings.TrimPrefix(pat, "/")
		subject := base
		if strings.Contains(pat, "/") {
			subject = name
		}
		if ok, _ := path.Match(pat, subject); ok {
			return true
		}
	}
	return false
}

// check applies every rule to one file: name is the path to report, abs
// its resolved absolute path, data its content (nil for symbolic links).
// It only reads c, so files can be checked concurrently.
func (c *checker) check(name, abs string, data []byte) []Finding {
	var out []Finding
	base := path.Base(name)
	switch t, tracked := c.tracked[abs]; {
	case isEncrypted(name, data):
		// ciphertext may have any name (.env.pgp); its bytes are scanned below
	case tracked:
		out = append(out, Finding{File: name, Rule: RuleTrackedItem, Item: t})
	case envfile.IsEnvFile(base) && !envfile.IsTemplate(base) && !c.allowed(name):
		out = append(out, Finding{File: name, Rule: RuleDotenvFile})
	}
	if c.index == nil || len(data) == 0 {
		return out
	}
	// Every file's bytes are scanned, text or not: a value is found in
	// NUL-separated text and in binary formats that store it as is.
	// UTF-16 and UTF-32 text is scanned once more, decoded to UTF-8.
	seen := map[valueAt]bool{}
	out = c.findValues(out, seen, name, data)
	if text, ok := decodeWide(data); ok {
		out = c.findValues(out, seen, name, text)
	}
	return out
}

// valueAt identifies a secret-value finding, to report each once.
type valueAt struct {
	line        int
	source, key string
}

// findValues appends a finding for every known value in text, once per
// line, key and item.
func (c *checker) findValues(out []Finding, seen map[valueAt]bool, name string, text []byte) []Finding {
	line, pos := 1, 0
	c.index.find(text, func(h hit) {
		line += bytes.Count(text[pos:h.offset], []byte("\n"))
		pos = h.offset
		k := valueAt{line, h.source, h.key}
		if !seen[k] {
			seen[k] = true
			out = append(out, Finding{File: name, Line: line, Rule: RuleSecretValue, Key: h.key, Item: h.source})
		}
	})
	return out
}

func (c *checker) result() []Finding {
	slices.SortStableFunc(c.findings, func(a, b Finding) int {
		if n := strings.Compare(a.File, b.File); n != 0 {
			return n
		}
		if a.Line != b.Line {
			return a.Line - b.Line
		}
		if n := strings.Compare(string(a.Rule), string(b.Rule)); n != 0 {
			return n
		}
		return strings.Compare(a.Key, b.Key)
	})
	return c.findings
}

func readIndex(file string) (*index.Index, error) {
	f, err := os.Open(file)
	if errors.Is(err, fs.ErrNotExist) {
		return &index.Index{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read git index: %w", err)
	}
	defer f.Close()
	idx := &index.Index{}
	if err := index.NewDecoder(f).Decode(idx); err != nil {
		return nil, fmt.Errorf("read git index %s: %w", file, err)
	}
	return idx, nil
}

// headFiles maps every file path of HEAD's tree to its blob hash; it is
// empty before the first commit.
func headFiles(repo *gogit.Repository) (map[string]plumbing.Hash, error) {
	out := map[string]plumbing.Hash{}
	ref, err := repo.Head()
	if errors.Is(err, plumbing.ErrReferenceNotFound) {
		return out, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read HEAD: %w", err)
	}
	commit, err := repo.CommitObject(ref.Hash())
	if err != nil {
		return nil, fmt.Errorf("read HEAD commit: %w", err)
	}
	tree, err := commit.Tree()
	if err != nil {
		return nil, fmt.Errorf("read HEAD tree: %w", err)
	}
	w := object.NewTreeWalker(tree, true, nil)
	defer w.Close()
	for {
		name, e, err := w.Next()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("read HEAD tree: %w", err)
		}
		if e.Mode != filemode.Dir {
			out[name] = e.Hash
		}
	}
}

// readBlob reads a blob: loose objects directly (go-git's object storage
// costs about three times as much on them), packed ones through go-git.
func readBlob(repo *gogit.Repository, gitMu *sync.Mutex, objectsDir string, h plumbing.Hash) ([]byte, error) {
	hex := h.String()
	f, err := os.Open(filepath.Join(objectsDir, hex[:2], hex[2:]))
	if err == nil {
		defer f.Close()
		lr := looseReaders.Get().(*looseReader)
		defer looseReaders.Put(lr)
		if data, err := lr.read(f); err == nil {
			return data, nil
		}
	}
	gitMu.Lock()
	defer gitMu.Unlock()
	b, err := repo.BlobObject(h)
	if err != nil {
		return nil, err
	}
	r, err := b.Reader()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return io.ReadAll(r)
}

// maxLoose bounds the size a loose object header may announce.
const maxLoose = 1 << 30

// looseReader decodes loose objects, reusing its buffer and inflater from
// one object to the next (pooled: fresh ones cost more than the inflating
// itself on small objects).
type looseReader struct {
	buf *bufio.Reader
	z   io.ReadCloser
}

var looseReaders = sync.Pool{New: func() any { return new(looseReader) }}

// read decodes a loose blob object: zlib("blob SIZE\x00" + data).
func (lr *looseReader) read(f io.Reader) ([]byte, error) {
	if lr.buf == nil {
		lr.buf = bufio.NewReaderSize(f, 32<<10)
	} else {
		lr.buf.Reset(f)
	}
	if lr.z == nil {
		z, err := zlib.NewReader(lr.buf)
		if err != nil {
			return nil, err
		}
		lr.z = z
	} else if err := lr.z.(zlib.Resetter).Reset(lr.buf, nil); err != nil {
		return nil, err
	}
	z := lr.z
	var head [32]byte
	n, err := io.ReadAtLeast(z, head[:], len("blob 0\x00"))
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, err
	}
	rest, ok := bytes.CutPrefix(head[:n], []byte("blob "))
	nul := bytes.IndexByte(rest, 0)
	if !ok || nul < 1 {
		return nil, errors.New("not a loose blob")
	}
	size, err := strconv.ParseInt(string(rest[:nul]), 10, 64)
	if err != nil || size < 0 || size > maxLoose {
		return nil, errors.New("bad loose object size")
	}
	data := make([]byte, size+1)
	got := copy(data, rest[nul+1:])
	m, err := io.ReadFull(z, data[got:])
	if got+m != int(size) || (err != nil && !errors.Is(err, io.ErrUnexpectedEOF)) {
		return nil, errors.New("truncated loose object")
	}
	return data[:size], nil
}
