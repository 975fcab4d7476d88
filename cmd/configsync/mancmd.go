package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/pflag"
)

// Manual pages, generated from the command table as help is, so that
// packagers can ship them and they never drift: configsync(1) for the
// whole tool and configsync-WORD(1) for each first word of a command
// (configsync-env(1) holds env create, env use, …).

func manFlags(fs *pflag.FlagSet) runFunc {
	dir := fs.String("dir", ".", "directory to write the pages into (created if missing)")
	return func(ctx context.Context, a *app, args []string) error {
		return runMan(ctx, a, args, dir)
	}
}

func runMan(ctx context.Context, a *app, args []string, dir *string) error {
	pages := manPages(commands())
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		return err
	}
	for _, p := range pages {
		// Documentation, not secrets: readable by all, as man expects.
		if err := os.WriteFile(filepath.Join(*dir, p.file), p.text, 0o644); err != nil {
			return err
		}
	}
	a.out("Wrote %d manual pages to %s", len(pages), *dir)
	return nil
}

type manPage struct {
	file string
	text []byte
}

// manPages returns configsync.1 and one page per command group, in the
// order of the table.
func manPages(table []*command) []manPage {
	var groups []string
	byGroup := map[string][]*command{}
	for _, c := range table {
		g, _, _ := strings.Cut(c.name, " ")
		if _, ok := byGroup[g]; !ok {
			groups = append(groups, g)
		}
		byGroup[g] = append(byGroup[g], c)
	}
	pages := []manPage{{file: "configsync.1", text: overviewPage(table, groups)}}
	for _, g := range groups {
		pages = append(pages, manPage{file: "configsync-" + g + ".1", text: groupPage(g, byGroup[g])})
	}
	return pages
}

func overviewPage(table []*command, groups []string) []byte {
	var b strings.Builder
	header(&b, "configsync", "keep a team's secrets OpenPGP-encrypted in git, one scope per environment")
	fmt.Fprintf(&b, ".SH SYNOPSIS\n.B configsync\n[\\-\\-home DIR] [\\-q] COMMAND [ARGS]\n")
	fmt.Fprintf(&b, ".SH COMMANDS\n")
	for _, c := range table {
		fmt.Fprintf(&b, ".TP\n.B configsync %s\n%s\n", roff(c.name), roff(capitalize(c.summary)+"."))
	}
	fmt.Fprintf(&b, ".SH OPTIONS\n")
	globalFlags(&b)
	fmt.Fprintf(&b, ".SH ENVIRONMENT\n")
	for _, v := range [][2]string{
		{"CONFIGSYNC_HOME", "this machine's configsync directory (default $XDG_CONFIG_HOME/configsync, else ~/.config/configsync)"},
		{"CONFIGSYNC_IDENTITY", "an armored private key to use instead of the one in the home directory (CI)"},
		{"CONFIGSYNC_PASSPHRASE", "the identity's passphrase, when it has one and there is no terminal"},
		{"CONFIGSYNC_ADMINS", "comma-separated admin fingerprints to pin (CI)"},
		{"CONFIGSYNC_REMOTE", "the store's remote, for pull, inject and export without init"},
		{"CONFIGSYNC_GIT_TOKEN", "a token for an https remote"},
		{"NO_COLOR", "no colour in the output"},
	} {
		fmt.Fprintf(&b, ".TP\n.B %s\n%s\n", v[0], roff(v[1]))
	}
	fmt.Fprintf(&b, ".SH EXIT STATUS\n0 done, 1 refused or failed, 2 usage error.\n")
	fmt.Fprintf(&b, ".SH SEE ALSO\n")
	for i, g := range groups {
		sep := ","
		if i == len(groups)-1 {
			sep = ""
		}
		fmt.Fprintf(&b, ".BR configsync\\-%s (1)%s\n", roff(g), sep)
	}
	return []byte(b.String())
}

func groupPage(group string, cmds []*command) []byte {
	var b strings.Builder
	summary := cmds[0].summary
	if len(cmds) > 1 || cmds[0].name != group {
		summary = "the " + group + " commands"
	}
	header(&b, "configsync-"+group, summary)
	fmt.Fprintf(&b, ".SH SYNOPSIS\n")
	for i, c := range cmds {
		if i > 0 {
			b.WriteString(".br\n")
		}
		fmt.Fprintf(&b, ".B configsync %s\n", roff(c.name))
		if c.args != "" {
			fmt.Fprintf(&b, "%s\n", roff(c.args))
		}
	}
	fmt.Fprintf(&b, ".SH DESCRIPTION\n")
	for _, c := range cmds {
		fmt.Fprintf(&b, ".SS \"configsync %s\"\n%s\n", roff(c.name), roff(capitalize(c.summary)+"."))
		fs := pflag.NewFlagSet(c.name, pflag.ContinueOnError)
		fs.SortFlags = false
		c.flags(fs)
		fs.VisitAll(func(f *pflag.Flag) {
			name := "\\-\\-" + roff(f.Name)
			if f.Shorthand != "" {
				name = "\\-" + roff(f.Shorthand) + ", " + name
			}
			if typ, _ := pflag.UnquoteUsage(f); typ != "" {
				name += " " + roff(strings.ToUpper(typ))
			}
			fmt.Fprintf(&b, ".TP\n.B %s\n%s\n", name, roff(f.Usage))
		})
	}
	fmt.Fprintf(&b, ".SH OPTIONS\nEvery command also takes:\n")
	globalFlags(&b)
	fmt.Fprintf(&b, ".SH SEE ALSO\n.BR configsync (1)\n")
	return []byte(b.String())
}

func header(b *strings.Builder, name, summary string) {
	fmt.Fprintf(b, ".TH %s 1 \"\" \"configsync %s\" \"configsync manual\"\n", roff(strings.ToUpper(name)), roff(version))
	fmt.Fprintf(b, ".SH NAME\n%s \\- %s\n", roff(name), roff(summary))
}

func globalFlags(b io.Writer) {
	fmt.Fprintf(b, ".TP\n.B \\-\\-home DIR\nconfigsync's home directory (env CONFIGSYNC_HOME).\n")
	fmt.Fprintf(b, ".TP\n.B \\-q, \\-\\-quiet\nprint only errors.\n")
}

// roff escapes text for a man page: backslashes, hyphens, characters
// beyond ASCII (as groff's \[uXXXX]) and a line that would start with a
// control character.
func roff(s string) string {
	var b strings.Builder
	if strings.HasPrefix(s, ".") || strings.HasPrefix(s, "'") {
		b.WriteString(`\&`)
	}
	for _, r := range s {
		switch {
		case r == '\\':
			b.WriteString(`\e`)
		case r == '-':
			b.WriteString(`\-`)
		case r > 0x7e:
			fmt.Fprintf(&b, `\[u%04X]`, r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
