package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/spf13/pflag"

	"github.com/configsync/configsync/importers"
	"github.com/configsync/configsync/internal/rofile"
	"github.com/configsync/configsync/keyring"
	"github.com/configsync/configsync/scopes"
)

// Formats configsync import reads.
const (
	importDotenvx   = "dotenvx"
	importSops      = "sops"
	importGitSecret = "git-secret"
	importDotenv    = "dotenv"
)

// importOptions are import's flags.
type importOptions struct {
	env, project, message string
	asEnv, dryRun, yes    bool
}

func importFlags(fs *pflag.FlagSet) runFunc {
	var o importOptions
	fs.StringVar(&o.env, "env", "", "environment (default: .env.NAME's NAME when that environment exists, else the active one)")
	fs.StringVar(&o.project, "project", "", "project (default: the repository's configsync.toml or directory name)")
	fs.BoolVar(&o.asEnv, "as-env", false, "sops: import a flat JSON or YAML file as an env item (.env)")
	fs.BoolVar(&o.dryRun, "dry-run", false, "list the items and key names that would be imported (no values), push nothing")
	fs.BoolVar(&o.yes, "yes", false, "confirm changes to a protected environment without a prompt")
	fs.StringVarP(&o.message, "message", "m", "", "add a note to the commit message (never put values here)")
	return func(ctx context.Context, a *app, args []string) error {
		return runImport(ctx, a, args, o)
	}
}

func runImport(ctx context.Context, a *app, args []string, o importOptions) error {
	if len(args) < 2 {
		return usagef(a.cmd, "import needs a format (dotenvx, sops, git-secret or dotenv) and at least one PATH")
	}
	return importer{a}.importFrom(ctx, args[0], args[1:], o)
}

// importSource is one file given to import, decrypted.
type importSource struct {
	abs  string // the file on disk
	item scopes.ImportItem
}

// importer runs one configsync import: read the other tool's files,
// plan, then push through the same use case as push.
type importer struct{ *app }

// importFrom imports the files at paths, written in format.
func (a importer) importFrom(ctx context.Context, format string, paths []string, o importOptions) error {
	switch format {
	case importDotenvx, importSops, importGitSecret, importDotenv:
	default:
		return usagef(a.cmd, "unknown import format %q: use dotenvx, sops, git-secret or dotenv", format)
	}
	if o.asEnv && format != importSops {
		return usagef(a.cmd, "--as-env is for sops files")
	}
	abs, dir, err := importFiles(paths)
	if err != nil {
		return err
	}
	v, err := a.openSession(ctx, "", "")
	if err != nil {
		return err
	}
	if o.env == "" {
		o.env = a.envFromNames(ctx, v, abs)
	}
	// Every file is read and decrypted before anything is pushed: one
	// that fails stops the import with the store unchanged.
	sources, err := a.decryptAll(ctx, format, abs, dir, o.asEnv)
	defer func() {
		for _, s := range sources {
			clear(s.item.Data)
		}
	}()
	if err != nil {
		return err
	}
	opts := scopes.ImportOptions{Env: o.env, Project: o.project, Dir: dir, Message: o.message}
	for _, s := range sources {
		opts.Items = append(opts.Items, s.item)
	}
	if o.dryRun {
		return a.showImportPlan(v, opts, format)
	}
	opts.Confirm = a.confirmProtected(o.yes)
	res, err := v.Import(ctx, opts)
	if err != nil {
		return err
	}
	a.printPushed(res)
	a.printCleanup(format, dir, sources)
	return nil
}

// importFiles makes paths absolute, checks they are regular files, and
// finds the project directory: the git work tree that holds the first
// file, else its directory. Every file must be inside it.
func importFiles(paths []string) ([]string, string, error) {
	var abs []string
	for _, p := range paths {
		ap, err := filepath.Abs(p)
		if err != nil {
			return nil, "", err
		}
		st, err := os.Stat(ap)
		if err != nil {
			return nil, "", fmt.Errorf("%s: %w: check the path", p, errors.Unwrap(err))
		}
		if !st.Mode().IsRegular() {
			return nil, "", fmt.Errorf("%s is not a regular file: name the encrypted files themselves", p)
		}
		abs = append(abs, ap)
	}
	dir := filepath.Dir(abs[0])
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, ".git")); err == nil {
			dir = d
			break
		}
		if filepath.Dir(d) == d {
			break
		}
	}
	for i, ap := range abs {
		if rel, err := filepath.Rel(dir, ap); err != nil || strings.HasPrefix(rel, "..") {
			return nil, "", fmt.Errorf("%s is not in %s, the project of %s: import one project at a time", paths[i], dir, paths[0])
		}
	}
	return abs, dir, nil
}

// envFromNames is NAME when every file is .env.NAME (as dotenvx names
// them) and environment NAME exists; "" (the active one) otherwise.
func (a importer) envFromNames(ctx context.Context, v *scopes.Session, files []string) string {
	name := ""
	for _, f := range files {
		n, ok := strings.CutPrefix(strings.TrimSuffix(filepath.Base(f), importers.GitSecretExt), ".env.")
		if !ok || n == "" || (name != "" && n != name) {
			return ""
		}
		name = n
	}
	envs, err := v.Environments(ctx)
	if err != nil {
		return ""
	}
	for _, e := range envs {
		if e.Name == name {
			return name
		}
	}
	return ""
}

// decryptAll reads and decrypts every file in memory.
func (a importer) decryptAll(ctx context.Context, format string, files []string, dir string, asEnv bool) ([]importSource, error) {
	run := importers.Runner{Env: toolEnviron(a.env.Environ())}
	var keys []*keyring.PrivateKey
	var out []importSource
	for _, f := range files {
		rel, _ := filepath.Rel(dir, f)
		rel = filepath.ToSlash(rel)
		item := scopes.ImportItem{Path: rel}
		var err error
		switch format {
		case importDotenv:
			item.Data, err = rofile.ReadFile(f)
		case importDotenvx:
			item.Data, err = a.readDotenvx(f, rel)
		case importSops:
			item.Path = sopsItemPath(rel)
			output := ""
			if asEnv {
				item.Path = path.Join(path.Dir(rel), ".env")
				output = importers.SopsJSON
			}
			item.Data, err = run.SopsDecrypt(ctx, rel, f, output)
			if err == nil && asEnv {
				flat, ferr := importers.FlatToDotenv(rel, item.Data)
				clear(item.Data)
				item.Data, err = flat, ferr
				if err != nil {
					err = fmt.Errorf("%w: import it without --as-env, as a file item", err)
				}
			}
		case importGitSecret:
			item.Path = strings.TrimSuffix(rel, importers.GitSecretExt)
			if keys == nil {
				if id, ierr := a.loadIdentity(); ierr == nil {
					keys = []*keyring.PrivateKey{id}
				}
			}
			var data []byte
			if data, err = rofile.ReadFile(f); err == nil {
				item.Data, err = run.GitSecret(ctx, rel, data, keys, a.env.Now())
			}
		}
		if err != nil {
			for _, s := range out {
				clear(s.item.Data)
			}
			return nil, importFailed(err)
		}
		item.Type = scopes.TypeOf(item.Path)
		if format == importSops && importers.SopsFormat(rel) == importers.SopsDotenv {
			item.Type = scopes.TypeEnv
		}
		out = append(out, importSource{abs: f, item: item})
	}
	return out, nil
}

// readDotenvx decrypts one dotenvx file with the key from the
// environment (read here: nothing below cmd reads it) or .env.keys.
func (a importer) readDotenvx(file, rel string) ([]byte, error) {
	data, err := rofile.ReadFile(file)
	if err != nil {
		return nil, err
	}
	keys, err := rofile.ReadFile(filepath.Join(filepath.Dir(file), ".env.keys"))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	defer clear(keys)
	return importers.ImportDotenvx(importers.Dotenvx{Name: rel, Data: data, Keys: keys, Getenv: a.env.Getenv})
}

// importFailed adds what to do to an importer's error.
func importFailed(err error) error {
	var ke *importers.KeyError
	var ve *importers.ValueError
	switch {
	case errors.As(err, &ke) && ke.Missing:
		return fmt.Errorf("%w: provide the key and re-run (nothing was imported)", err)
	case errors.As(err, &ke):
		return fmt.Errorf("%w: use the key this file was encrypted to (nothing was imported)", err)
	case errors.As(err, &ve):
		return fmt.Errorf("%w: check the file with the tool that wrote it (nothing was imported)", err)
	}
	return fmt.Errorf("%w (nothing was imported)", err)
}

// toolEnviron is the environment sops and gpg run with: this process's,
// less configsync's own settings and credentials (CONFIGSYNC_*).
func toolEnviron(environ []string) []string {
	var out []string
	for _, kv := range environ {
		if !strings.HasPrefix(kv, "CONFIGSYNC_") {
			out = append(out, kv)
		}
	}
	return out
}

// sopsItemPath drops ".enc" from a sops file's name (not its
// directories): secrets.enc.yaml -> secrets.yaml, .env.enc -> .env.
func sopsItemPath(rel string) string {
	dir, base := path.Split(rel)
	base = strings.Replace(base, ".enc.", ".", 1)
	return dir + strings.TrimSuffix(base, ".enc")
}

// showImportPlan is --dry-run: each item and its key names, no values.
func (a importer) showImportPlan(v *scopes.Session, o scopes.ImportOptions, format string) error {
	items, err := scopes.PlanImport(o)
	if err != nil {
		return err
	}
	env := o.Env
	if env == "" {
		env = v.Config().Environment
	}
	if env == "" {
		return scopes.ErrNoEnvironment
	}
	project, _ := scopes.ImportProject(o.Dir, o.Project)
	a.out("Would import %s from %s into %q scope (project %s):", countPhrase(items), format, env, project)
	for _, it := range items {
		if it.Type == scopes.TypeEnv {
			a.out("  %s (%d %s): %s", it.Path, it.Vars, plural(it.Vars, "variable", "variables"), strings.Join(it.EnvFile().Keys(), ", "))
		} else {
			a.out("  %s (%s)", it.Path, sizeOf(it.Size))
		}
	}
	a.out("Nothing was pushed (--dry-run).")
	return nil
}

// printCleanup says what the user should now remove from the app
// repository and add to its .gitignore; import itself deletes nothing.
func (a importer) printCleanup(format, dir string, sources []importSource) {
	var remove, ignore []string
	seen := map[string]bool{}
	add := func(list *[]string, s string) {
		if !seen[s] {
			seen[s] = true
			*list = append(*list, s)
		}
	}
	for _, s := range sources {
		rel, _ := filepath.Rel(dir, s.abs)
		add(&remove, filepath.ToSlash(rel))
		if s.item.Type == scopes.TypeEnv {
			add(&ignore, ".env*")
		} else {
			add(&ignore, s.item.Path)
		}
	}
	switch format {
	case importDotenvx:
		for _, s := range sources {
			keys := filepath.Join(filepath.Dir(s.abs), ".env.keys")
			if _, err := os.Stat(keys); err == nil {
				rel, _ := filepath.Rel(dir, keys)
				add(&remove, filepath.ToSlash(rel))
			}
		}
	case importGitSecret:
		if _, err := os.Stat(filepath.Join(dir, ".gitsecret")); err == nil {
			add(&remove, ".gitsecret/")
		}
	}
	a.out("Now remove from %s (configsync deleted nothing): %s", dir, strings.Join(remove, " "))
	a.out("and add to its .gitignore: %s", strings.Join(ignore, " "))
	a.out("configsync pull restores the plaintext there; configsync add env %s tracks it.", dir)
}
