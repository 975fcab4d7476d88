// Command gen writes the benchmark data set of bench/run.sh and
// bench/inject.sh: dotenv files of made-up values, nothing secret.
//
//	gen -dir D -round N        D/p00 … D/p49, each with .env.0 … .env.19
//	gen -file F                one dotenv file of 20 variables
//
// Every variable's value depends on the round, so a new round changes
// every item.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

func main() {
	dir := flag.String("dir", "", "write the projects under this directory")
	file := flag.String("file", "", "write one dotenv file")
	round := flag.String("round", "0", "values differ from one round to the next")
	projects := flag.Int("projects", 50, "number of projects")
	files := flag.Int("files", 20, "env files per project")
	vars := flag.Int("vars", 20, "variables per env file")
	flag.Parse()
	if err := run(*dir, *file, *round, *projects, *files, *vars); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(dir, file, round string, projects, files, vars int) error {
	if file != "" {
		return os.WriteFile(file, content(0, 0, vars, round), 0o600)
	}
	if dir == "" {
		return fmt.Errorf("give -dir or -file")
	}
	for p := range projects {
		pd := filepath.Join(dir, fmt.Sprintf("p%02d", p))
		if err := os.MkdirAll(pd, 0o700); err != nil {
			return err
		}
		for f := range files {
			if err := os.WriteFile(filepath.Join(pd, fmt.Sprintf(".env.%d", f)), content(p, f, vars, round), 0o600); err != nil {
				return err
			}
		}
	}
	return nil
}

// content is a dotenv file of vars variables with plain values that every
// dotenv parser reads alike.
func content(p, f, vars int, round string) []byte {
	var sb strings.Builder
	for k := range vars {
		fmt.Fprintf(&sb, "SERVICE_%02d_SECRET=r%s-%08x-%016x\n", k, round, p*100000+f*100+k, uint64(p+1)*0x9e3779b97f4a7c15^uint64(k*f+1))
	}
	return []byte(sb.String())
}
