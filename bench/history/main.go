// Command history builds the store of bench/history.sh: a real format 2
// store whose history is N commits long, made in-process through the
// scopes API, so that every commit is a genuine signed push (the item
// signed and encrypted, the environment's index re-signed and chained).
//
//	history -dir D -commits N
//
// D/home is the $CONFIGSYNC_HOME of a local-only store (D/home/store.git)
// made by Alice (internal/testkeys), D/user her $HOME with one project,
// D/user/git/app, of -items env files. Commit 1 is init, commit 2 env
// create development, commit 3 the first push of every item, and each further commit a push of one changed
// item, in turn. D/identity.asc is Alice's key and D/admin.fpr her
// fingerprint, for the CLI to use the store; D/commits.txt lists the
// commits oldest first, so that a store of any length up to N is one
// `git push <commit>:refs/heads/configsync` away.
//
// The clock is testkeys.Now (fixed), so the same N gives the same items.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/configsync/configsync/internal/testkeys"
	"github.com/configsync/configsync/keyring"
	"github.com/configsync/configsync/scopes"
)

func main() {
	dir := flag.String("dir", "", "write the store and its home under this directory (must not exist)")
	commits := flag.Int("commits", 100, "length of the history, init included (at least 2)")
	items := flag.Int("items", 5, "env files in the project")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the generation to this file")
	flag.Parse()
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "history:", err)
			os.Exit(1)
		}
		defer pprof.StopCPUProfile()
	}
	if err := run(*dir, *commits, *items); err != nil {
		pprof.StopCPUProfile()
		fmt.Fprintln(os.Stderr, "history:", err)
		os.Exit(1)
	}
}

func run(dir string, commits, items int) error {
	if dir == "" || commits < 2 || items < 1 {
		return fmt.Errorf("give -dir, -commits ≥ 2 and -items ≥ 1")
	}
	if _, err := os.Stat(dir); err == nil {
		return fmt.Errorf("%s exists", dir)
	}
	id, err := keyring.ReadPrivateKey(testkeys.Alice(), nil)
	if err != nil {
		return err
	}
	ctx := context.Background()
	opts := scopes.Options{
		Home:     filepath.Join(dir, "home"),
		UserHome: filepath.Join(dir, "user"),
		Now:      testkeys.Now,
		Identity: func() (*keyring.PrivateKey, error) { return id, nil },
	}
	project := filepath.Join(opts.UserHome, "git", "app")
	if err := os.MkdirAll(project, 0o700); err != nil {
		return err
	}
	for f := range items {
		if err := writeItem(project, f, 0); err != nil {
			return err
		}
	}
	v, err := scopes.Open(ctx, opts)
	if err != nil {
		return err
	}
	if _, err := v.Init(ctx, scopes.InitOptions{}); err != nil {
		return fmt.Errorf("init: %w", err)
	}
	// The brief's second step, commit 2: init creates no environment.
	if _, err := v.CreateEnvironment(ctx, "development", scopes.TierDev, false); err != nil {
		return fmt.Errorf("env create: %w", err)
	}
	if _, err := v.UseEnvironment(ctx, "development"); err != nil {
		return fmt.Errorf("env use: %w", err)
	}
	if _, err := v.AddEnv(project, ""); err != nil {
		return fmt.Errorf("add env: %w", err)
	}
	start := time.Now()
	for i := 3; i <= commits; i++ {
		if i > 3 {
			// one item changes per commit, each in turn
			if err := writeItem(project, (i-4)%items, i); err != nil {
				return err
			}
		}
		// A fresh Vault per push, as each CLI invocation opens one.
		v, err := scopes.Open(ctx, opts)
		if err != nil {
			return err
		}
		res, err := v.Push(ctx, scopes.PushOptions{})
		if err != nil {
			return fmt.Errorf("push %d: %w", i, err)
		}
		if res.Commit == "" {
			return fmt.Errorf("push %d made no commit", i)
		}
		if i%1000 == 0 {
			fmt.Fprintf(os.Stderr, "history: %d commits, %.1f ms a push\n", i, float64(time.Since(start).Milliseconds())/float64(i-2))
		}
	}
	fmt.Fprintf(os.Stderr, "history: %d commits in %s (%.2f ms a push)\n", commits, time.Since(start).Round(time.Millisecond), float64(time.Since(start).Microseconds())/1000/float64(commits-2))
	return writeOutputs(dir, opts.Home, id)
}

// writeItem writes env file f of the project with values of round r.
func writeItem(project string, f, r int) error {
	var sb strings.Builder
	for k := range 20 {
		fmt.Fprintf(&sb, "SERVICE_%02d_SECRET=r%d-%04x-%016x\n", k, r, f*100+k, uint64(f+1)*0x9e3779b97f4a7c15^uint64(k+r))
	}
	return os.WriteFile(filepath.Join(project, fmt.Sprintf(".env.%d", f)), []byte(sb.String()), 0o600)
}

// writeOutputs leaves what the benchmark script needs beside the store.
func writeOutputs(dir, home string, id *keyring.PrivateKey) error {
	if err := os.WriteFile(filepath.Join(dir, "identity.asc"), testkeys.Alice(), 0o600); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "admin.fpr"), []byte(id.Fingerprint()+"\n"), 0o600); err != nil {
		return err
	}
	out, err := exec.Command("git", "--git-dir", filepath.Join(home, "store.git"), "rev-list", "--reverse", "--first-parent", "refs/heads/configsync").Output()
	if err != nil {
		return fmt.Errorf("git rev-list: %w", err)
	}
	return os.WriteFile(filepath.Join(dir, "commits.txt"), out, 0o600)
}
