package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"github.com/spf13/pflag"

	"github.com/configsync/configsync/config"
	"github.com/configsync/configsync/envfile"
	"github.com/configsync/configsync/scopes"
)

// readOptions are the flags inject and export share.
type readOptions struct {
	project, env, remote, repo string
	noExpand                   bool
	only, allow                []string
	toFile                     bool // export --output: refused in inject_as_env mode
}

func (o *readOptions) declare(fs *pflag.FlagSet) {
	fs.StringVar(&o.project, "project", "", "project (default: the only one in the environment, or tracked here)")
	fs.StringVar(&o.env, "env", "", "environment (default: the active one)")
	fs.StringVar(&o.remote, "remote", "", "read the store straight from this remote (env CONFIGSYNC_REMOTE)")
	fs.StringVar(&o.repo, "repo", "", "read the store from the configsync branch of this repository")
	fs.BoolVar(&o.noExpand, "no-expand", false, "do not expand $NAME references in values")
	fs.StringSliceVar(&o.only, "only", nil, "only these variables (KEY,…)")
	fs.StringSliceVar(&o.allow, "allow-dangerous", nil, "allow this store variable that can make programs run code (LD_PRELOAD, GIT_CONFIG_COUNT…); PREFIX* allows a prefix")
}

// variables decrypts and merges the project's variables, nothing written.
func (a *app) variables(ctx context.Context, o *readOptions) (scopes.Environment, []envfile.Var, error) {
	if o.remote != "" && o.repo != "" {
		return scopes.Environment{}, nil, usagef(a.cmd, "--remote and --repo exclude each other")
	}
	v, err := a.openSession(ctx, a.readRemote(o.remote, o.repo), o.repo)
	if err != nil {
		return scopes.Environment{}, nil, err
	}
	env, vars, err := v.Variables(ctx, scopes.VariablesOptions{
		Env: o.env, Project: o.project, Expand: !o.noExpand, ToFile: o.toFile,
		Lookup: func(k string) (string, bool) {
			if slices.Contains(scopes.Credentials, k) {
				return "", false
			}
			return lookupEnv(a.env.Environ(), k)
		},
	})
	if err != nil {
		return env, nil, err
	}
	if vars, err = scopes.SelectVars(vars, o.only); err != nil {
		return env, nil, err
	}
	return env, vars, scopes.CheckDangerous(vars, o.allow)
}

func injectFlags(fs *pflag.FlagSet) runFunc {
	var o readOptions
	var overload, pristine bool
	o.declare(fs)
	fs.BoolVar(&overload, "overload", false, "store values win over inherited variables")
	fs.BoolVar(&pristine, "pristine", false, "start from an empty environment plus PATH, HOME, USER, TERM")
	return func(ctx context.Context, a *app, args []string) error {
		return runInject(ctx, a, args, o, overload, pristine)
	}
}

func runInject(ctx context.Context, a *app, args []string, o readOptions, overload, pristine bool) error {
	if len(args) == 0 {
		return usagef(a.cmd, "missing the command to run (configsync inject -- CMD ARGS)")
	}
	env, vars, err := a.variables(ctx, &o)
	if err != nil {
		return err
	}
	base := a.env.Environ()
	if pristine {
		var kept []string
		for _, k := range []string{"PATH", "HOME", "USER", "TERM"} {
			if v, ok := lookupEnv(base, k); ok {
				kept = append(kept, k+"="+v)
			}
		}
		base = kept
	}
	child := scopes.ChildEnvironment(base, vars, overload)
	path, err := lookPath(args[0], child)
	if err != nil {
		return err
	}
	a.info("Injecting %d environment %s (%s)...", len(vars), plural(len(vars), "variable", "variables"), env.Name)
	// execve: the command replaces configsync, so signals and the
	// exit status are its own, and no plaintext outlives it here.
	err = syscall.Exec(path, args, child)
	return fmt.Errorf("run %s: %w", args[0], err)
}

// lookPath finds file in the child's PATH, as the child would.
func lookPath(file string, env []string) (string, error) {
	if strings.Contains(file, "/") {
		if err := executable(file); err != nil {
			return "", fmt.Errorf("cannot run %s: %w", file, err)
		}
		return file, nil
	}
	pathVar, _ := lookupEnv(env, "PATH")
	for _, dir := range filepath.SplitList(pathVar) {
		if dir == "" {
			dir = "."
		}
		p := filepath.Join(dir, file)
		if executable(p) == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("command not found: %s: check its name or PATH", file)
}

func executable(p string) error {
	st, err := os.Stat(p)
	if err != nil {
		return err
	}
	if st.IsDir() || st.Mode()&0o111 == 0 {
		return fs.ErrPermission
	}
	return nil
}

func exportFlags(fs *pflag.FlagSet) runFunc {
	var o readOptions
	var format, output string
	o.declare(fs)
	fs.StringVar(&format, "format", "dotenv", "dotenv, json, shell or github")
	fs.StringVar(&output, "output", "", "write to FILE (mode 0600) instead of stdout; github appends, as $GITHUB_ENV expects")
	return func(ctx context.Context, a *app, args []string) error {
		return runExport(ctx, a, args, o, format, output)
	}
}

func runExport(ctx context.Context, a *app, args []string, o readOptions, format, output string) error {
	f, err := envfile.ParseFormat(format)
	if err != nil {
		return usagef(a.cmd, "%v", err)
	}
	o.toFile = output != ""
	_, vars, err := a.variables(ctx, &o)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := envfile.Encode(&buf, vars, f); err != nil {
		return err
	}
	defer clear(buf.Bytes())
	if output == "" {
		_, err := a.env.Stdout.Write(buf.Bytes())
		return err
	}
	if f == envfile.FormatGitHub {
		if err := appendPrivate(output, buf.Bytes()); err != nil {
			return err
		}
		return envfile.GitHubMasks(a.env.Stdout, vars)
	}
	return config.WriteFileAtomic(output, buf.Bytes())
}

// appendPrivate appends to a file, creating it with mode 0600.
func appendPrivate(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil && !errors.Is(err, syscall.EINVAL) {
		f.Close()
		return err
	}
	return f.Close()
}
