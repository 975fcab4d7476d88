package hooks

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"

	gogit "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/format/index"
	"github.com/go-git/go-git/v5/plumbing/object"
	"golang.org/x/sync/errgroup"

	"github.com/configsync/configsync/internal/loose"
	"github.com/configsync/configsync/internal/rofile"
)

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
		c.index.build() // before scanBlobs' goroutines share it read-only
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

func readIndex(file string) (*index.Index, error) {
	f, err := rofile.Open(file)
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
	f, err := rofile.Open(filepath.Join(objectsDir, hex[:2], hex[2:]))
	if err == nil {
		defer f.Close()
		if typ, data, err := loose.Read(f); err == nil && typ == "blob" {
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
