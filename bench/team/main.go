// Command team builds the stores of bench/scale.sh's member and
// environment axes: a real format 2 store made in-process through the
// scopes API (every member added is a genuine signed manifest change,
// every environment key wrapped to its tier's members), with one pushed
// item per environment.
//
//	team -dir D -members N -envs E [-extra K]
//
// D/home is Alice's $CONFIGSYNC_HOME (local store D/home/store.git),
// D/user her $HOME with the project D/user/git/app. The N-1 other
// members hold tier dev; environments env00 … are tier dev.
// D/extra/mNNNN.asc are K more public keys, not members, for timed
// `team add` runs; D/members.txt lists the members' emails (Alice
// first), for timed `team remove` runs. Keys are made on every core.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"github.com/configsync/configsync/internal/testkeys"
	"github.com/configsync/configsync/keyring"
	"github.com/configsync/configsync/scopes"
)

func main() {
	dir := flag.String("dir", "", "write the store and its home under this directory (must not exist)")
	members := flag.Int("members", 1, "members, Alice (the admin) included")
	envs := flag.Int("envs", 1, "environments, each with one pushed item")
	extra := flag.Int("extra", 0, "public keys of non-members to write under extra/")
	flag.Parse()
	if err := run(*dir, *members, *envs, *extra); err != nil {
		fmt.Fprintln(os.Stderr, "team:", err)
		os.Exit(1)
	}
}

func run(dir string, members, envs, extra int) error {
	if dir == "" || members < 1 || envs < 1 {
		return fmt.Errorf("give -dir, -members ≥ 1 and -envs ≥ 1")
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
	if err := os.WriteFile(filepath.Join(project, ".env"), []byte("API_KEY=bench-value\nDB_URL=postgres://bench\n"), 0o600); err != nil {
		return err
	}
	v, err := scopes.Open(ctx, opts)
	if err != nil {
		return err
	}
	if _, err := v.Init(ctx, scopes.InitOptions{}); err != nil {
		return fmt.Errorf("init: %w", err)
	}
	if _, err := v.AddEnv(project, ""); err != nil {
		return fmt.Errorf("add env: %w", err)
	}
	for e := range envs {
		name := fmt.Sprintf("env%02d", e)
		if _, err := v.CreateEnvironment(ctx, name, scopes.TierDev, false); err != nil {
			return fmt.Errorf("env create: %w", err)
		}
		if _, err := v.Push(ctx, scopes.PushOptions{Env: name}); err != nil {
			return fmt.Errorf("push to %s: %w", name, err)
		}
	}
	if _, err := v.UseEnvironment(ctx, "env00"); err != nil {
		return err
	}
	keys, err := publicKeys(members - 1 + extra)
	if err != nil {
		return err
	}
	emails := []string{id.Public().Email()}
	for _, k := range keys[:members-1] {
		// A fresh Vault per change, as each CLI invocation opens one.
		v, err := scopes.Open(ctx, opts)
		if err != nil {
			return err
		}
		if _, err := v.TeamAdd(ctx, k, []scopes.Tier{scopes.TierDev}, false, false); err != nil {
			return fmt.Errorf("team add: %w", err)
		}
		emails = append(emails, k.Email())
	}
	if err := os.MkdirAll(filepath.Join(dir, "extra"), 0o700); err != nil {
		return err
	}
	for i, k := range keys[members-1:] {
		armored, err := k.Armor()
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, "extra", fmt.Sprintf("m%04d.asc", i)), armored, 0o600); err != nil {
			return err
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "members.txt"), []byte(strings.Join(emails, "\n")+"\n"), 0o600); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "identity.asc"), testkeys.Alice(), 0o600); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "admin.fpr"), []byte(id.Fingerprint()+"\n"), 0o600)
}

// publicKeys makes n members' keys on every core.
func publicKeys(n int) ([]*keyring.PublicKey, error) {
	keys := make([]*keyring.PublicKey, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	next := make(chan int)
	for range runtime.NumCPU() {
		wg.Go(func() {
			for i := range next {
				k, err := keyring.Generate(fmt.Sprintf("Member %04d", i), fmt.Sprintf("m%04d@example.com", i), testkeys.Now())
				if err == nil {
					keys[i] = k.Public()
				}
				errs[i] = err
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return keys, nil
}
