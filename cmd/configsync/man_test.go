package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestManPages: every command in the table has its synopsis and a
// section in a page, and groff reads every page without a warning.
func TestManPages(t *testing.T) {
	pages := manPages(commands())
	byFile := map[string]string{}
	for _, p := range pages {
		byFile[p.file] = string(p.text)
	}
	overview := byFile["configsync.1"]
	for _, c := range commands() {
		group, _, _ := strings.Cut(c.name, " ")
		page, ok := byFile["configsync-"+group+".1"]
		if !ok {
			t.Errorf("%q has no page configsync-%s.1", c.name, group)
			continue
		}
		for _, want := range []string{".B configsync " + roff(c.name) + "\n", ".SS \"configsync " + roff(c.name) + "\""} {
			if !strings.Contains(page, want) {
				t.Errorf("configsync-%s.1 lacks %q", group, want)
			}
		}
		if !strings.Contains(overview, ".B configsync "+roff(c.name)+"\n") {
			t.Errorf("configsync.1 does not list %q", c.name)
		}
		if !strings.Contains(overview, ".BR configsync\\-"+roff(group)+" (1)") {
			t.Errorf("configsync.1 does not refer to configsync-%s(1)", group)
		}
	}

	groff, err := exec.LookPath("groff")
	if err != nil {
		t.Skip("groff is not installed (.ci/run installs it): the pages' syntax is not checked")
	}
	dir := t.TempDir()
	for _, p := range pages {
		path := filepath.Join(dir, p.file)
		if err := os.WriteFile(path, p.text, 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(groff, "-man", "-ww", "-z", path).CombinedOutput()
		if err != nil || len(out) > 0 {
			t.Errorf("groff on %s: %v\n%s", p.file, err, out)
		}
	}
}

func TestRoff(t *testing.T) {
	for in, want := range map[string]string{
		"--tier dev":    `\-\-tier dev`,
		".env files":    `\&.env files`,
		`a\b`:           `a\eb`,
		"RSA≥3072, …":   `RSA\[u2265]3072, \[u2026]`,
		"'quoted' text": `\&'quoted' text`,
	} {
		if got := roff(in); got != want {
			t.Errorf("roff(%q) = %q, want %q", in, got, want)
		}
	}
}
