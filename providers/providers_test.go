package providers

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
)

// backend is what both providers offer (scopes.Backend, which this
// package cannot import).
type backend interface {
	Name() string
	List(ctx context.Context, prefix string) ([]Item, error)
	Read(ctx context.Context, it Item) ([]byte, error)
	Write(ctx context.Context, it Item, data []byte) error
	Delete(ctx context.Context, it Item) error
}

var (
	_ backend = (*OnePassword)(nil)
	_ backend = (*Bitwarden)(nil)
)

// providerCases open each provider in a fresh fixture.
var providerCases = []struct {
	cli  string
	open func(*fixture) backend
}{
	{"op", func(f *fixture) backend { return f.onePassword() }},
	{"bw", func(f *fixture) backend { return f.bitwarden() }},
}

// sekrit marks values in test contents: it must never show in an error
// or in the arguments the fakes were run with.
const sekrit = "sekrit"

// hostile are contents that break naive quoting, line handling or text
// encodings.
var hostile = []struct{ name, content string }{
	{"empty", ""},
	{"one line no newline", "API_KEY=" + sekrit + "-1"},
	{"newlines", "A=" + sekrit + "-2\nB=two\n\n# comment\n"},
	{"crlf", "A=" + sekrit + "-3\r\nB=two\r\n"},
	{"quotes", `A="` + sekrit + `-4 with spaces"` + "\nB='single " + sekrit + "'\nC=\"unterminated\n"},
	{"dollar", "A=$HOME ${" + sekrit + "} $(rm -rf /) `id`\n"},
	{"backslashes", `A=C:\path\to\` + sekrit + `\n\\` + "\n" + `B=\"\u0041\x00` + "\n"},
	{"flag-like", "--title " + sekrit + "-5\n-\n--\n"},
	{"utf8", "NAME=Zoë " + sekrit + " 日本語 🔑\u2028\n"},
	{"nul", "A=" + sekrit + "\x00B\n"},
	{"6KB", bigContent(6 * 1024)},
}

func bigContent(n int) string {
	var b strings.Builder
	for i := 0; b.Len() < n; i++ {
		fmt.Fprintf(&b, "KEY_%04d=%s-%04d-ABCDEFGHIJKLMNOPQRSTUVWXYZ\n", i, sekrit, i)
	}
	return b.String()[:n]
}

func TestRoundTrip(t *testing.T) {
	ctx := context.Background()
	for _, pc := range providerCases {
		for _, c := range hostile {
			t.Run(pc.cli+"/"+c.name, func(t *testing.T) {
				f := newFixture(t)
				p := pc.open(f)
				title := "configsync/dev/web/.env"

				if err := p.Write(ctx, Item{Title: title}, []byte(c.content)); err != nil {
					t.Fatalf("create: %v", err)
				}
				it := listOne(t, p, "configsync/dev/")
				if it.Title != title || it.ID == "" {
					t.Fatalf("listed %+v", it)
				}
				readBack(t, p, it, c.content)

				edited := c.content + "EXTRA=" + sekrit + "-edited\n"
				if err := p.Write(ctx, it, []byte(edited)); err != nil {
					t.Fatalf("edit: %v", err)
				}
				readBack(t, p, it, edited)
				again := listOne(t, p, "configsync/dev/")
				if again.ID != it.ID || again.Title != it.Title {
					t.Errorf("after edit, listed %+v, want %+v", again, it)
				}
				// configsync tells an edit from outside by the version.
				if it.Version == "" || again.Version == it.Version {
					t.Errorf("version %q before the edit, %q after", it.Version, again.Version)
				}

				if err := p.Delete(ctx, it); err != nil {
					t.Fatalf("delete: %v", err)
				}
				if items, err := p.List(ctx, "configsync/"); err != nil || len(items) != 0 {
					t.Errorf("after delete: %v, %v", items, err)
				}
				assertArgvClean(t, f, pc.cli)
			})
		}
	}
}

func listOne(t *testing.T, p backend, prefix string) Item {
	t.Helper()
	items, err := p.List(context.Background(), prefix)
	if err != nil {
		t.Fatalf("list: %v", err)
	}
	if len(items) != 1 {
		t.Fatalf("list: %d items, want 1: %+v", len(items), items)
	}
	return items[0]
}

func readBack(t *testing.T, p backend, it Item, want string) {
	t.Helper()
	got, err := p.Read(context.Background(), it)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	if string(got) != want {
		t.Errorf("read %q, want %q", got, want)
	}
}

// assertArgvClean checks that no value, plain or base64-encoded, reached
// the fakes' arguments, and that content went on stdin (bw create and
// edit run without an encodedJson argument, op reads "-").
func assertArgvClean(t *testing.T, f *fixture, cli string) {
	t.Helper()
	for _, call := range f.log(cli) {
		line := strings.Join(call, " ")
		if strings.Contains(line, sekrit) {
			t.Errorf("%s ran with a value in its arguments: %q", cli, line)
		}
		for _, arg := range call {
			if dec, err := base64.StdEncoding.DecodeString(arg); err == nil && strings.Contains(string(dec), sekrit) {
				t.Errorf("%s ran with base64 content in its arguments: %q", cli, call[:min(len(call), 2)])
			}
		}
		switch {
		case cli == "bw" && slices.Contains([]string{"create", "edit"}, call[0]):
			if want := map[string]int{"create": 2, "edit": 3}[call[0]]; len(call) != want {
				t.Errorf("bw %s has %d arguments, want %d (content on stdin): %q", call[0], len(call), want, call)
			}
		case cli == "op" && len(call) > 1 && call[0] == "document" && (call[1] == "create" || call[1] == "edit"):
			if !slices.Contains(call, "-") {
				t.Errorf("op %s does not read stdin: %q", call[1], call)
			}
		}
	}
}

func TestListFiltersAndSorts(t *testing.T) {
	ctx := context.Background()
	titles := []string{
		"configsync/dev/web/.env", "configsync/dev/api/.env", "configsync/dev/api/.env.local",
		"configsync/development/x/.env", "configsync/prod/api/.env",
	}
	want := []string{"configsync/dev/api/.env", "configsync/dev/api/.env.local", "configsync/dev/web/.env"}
	for _, pc := range providerCases {
		t.Run(pc.cli, func(t *testing.T) {
			f := newFixture(t)
			p := pc.open(f)
			for _, title := range titles {
				if err := p.Write(ctx, Item{Title: title}, []byte("A=1\n")); err != nil {
					t.Fatal(err)
				}
			}
			// Items that are not configsync's.
			switch pc.cli {
			case "op":
				f.cli(f.env, "x", "op", "document", "create", "-", "--vault", "Engineering", "--title", "configsync/dev/untagged")
			case "bw":
				login := `{"type":1,"name":"configsync/dev/a-login","login":{"username":"u"}}`
				f.cli(f.env, base64.StdEncoding.EncodeToString([]byte(login)), "bw", "create", "item")
			}
			items, err := p.List(ctx, "configsync/dev/")
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, it := range items {
				got = append(got, it.Title)
			}
			if !slices.Equal(got, want) {
				t.Errorf("listed %q, want %q", got, want)
			}
		})
	}
}

func TestNames(t *testing.T) {
	f := newFixture(t)
	op, err := NewOnePassword("Engineering", f.env)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ got, want string }{
		{op.Name(), `1Password vault "Engineering"`},
		{mustBitwarden(t, "", f.env).Name(), `Bitwarden vault "personal"`},
		{mustBitwarden(t, "https://bw.example.com:8443/", f.env).Name(), `Bitwarden vault "personal"`},
	} {
		if c.got != c.want {
			t.Errorf("Name() = %s, want %s", c.got, c.want)
		}
	}
}

func mustBitwarden(t *testing.T, server string, env []string) *Bitwarden {
	t.Helper()
	b, err := NewBitwarden(server, env)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestNotInstalled(t *testing.T) {
	for _, path := range []string{"", t.TempDir(), "relative/dir", "."} {
		env := []string{"PATH=" + path, "HOME=/nonexistent"}
		_, err := NewOnePassword("Engineering", env)
		assertError(t, err, ErrNotInstalled,
			"1Password CLI (op) not found in PATH: install it (https://developer.1password.com/docs/cli) and sign in")
		_, err = NewBitwarden("", env)
		assertError(t, err, ErrNotInstalled,
			"Bitwarden CLI (bw) not found in PATH: install it (npm install -g @bitwarden/cli) and log in")
	}
}

func TestNotConfigured(t *testing.T) {
	f := newFixture(t)
	_, err := NewOnePassword("", f.env)
	assertError(t, err, ErrNotConfigured,
		"secrets.1password.vault is not set: run configsync config set secrets.1password.vault NAME")
	for _, server := range []string{"vault.example.com", "ftp://vault.example.com", "https://", "://x"} {
		_, err := NewBitwarden(server, f.env)
		if !errors.Is(err, ErrNotConfigured) || !strings.Contains(err.Error(), "secrets.bitwarden.server") {
			t.Errorf("NewBitwarden(%q): %v", server, err)
		}
	}
}

func assertError(t *testing.T, err, target error, msg string) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Errorf("error %v, want one that wraps %v", err, target)
		return
	}
	if err.Error() != msg {
		t.Errorf("error text:\n got %s\nwant %s", err, msg)
	}
}

const (
	opSignedOutText = "1Password CLI is not signed in: run eval $(op signin), or set OP_SERVICE_ACCOUNT_TOKEN in CI"
	bwLoggedOutText = "Bitwarden CLI is logged out: run bw login, then export BW_SESSION=$(bw unlock --raw)"
	bwLockedText    = "Bitwarden vault is locked: run export BW_SESSION=$(bw unlock --raw)"
)

func TestOnePasswordSignedOut(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	for _, env := range [][]string{f.env, f.with("OP_SERVICE_ACCOUNT_TOKEN=", "OP_SESSION_my=")} {
		p, err := NewOnePassword("Engineering", env)
		if err != nil {
			t.Fatal(err)
		}
		_, err = p.List(ctx, "configsync/")
		assertError(t, err, ErrSignedOut, opSignedOutText)
		err = p.Write(ctx, Item{Title: "configsync/dev/a/.env"}, []byte("A="+sekrit))
		assertError(t, err, ErrSignedOut, opSignedOutText)
	}
	// A session from eval $(op signin) will do.
	f.cli(f.with("OP_SESSION_my=tok"), "", "op", "vault", "create", "Engineering")
	p, _ := NewOnePassword("Engineering", f.with("OP_SESSION_my=tok"))
	if _, err := p.List(ctx, "configsync/"); err != nil {
		t.Errorf("signed in with OP_SESSION_my: %v", err)
	}
}

func TestBitwardenSignedOut(t *testing.T) {
	ctx := context.Background()
	t.Run("logged out", func(t *testing.T) {
		f := newFixture(t)
		b := mustBitwarden(t, "", f.env)
		_, err := b.List(ctx, "configsync/")
		assertError(t, err, ErrSignedOut, bwLoggedOutText)
		err = b.Write(ctx, Item{Title: "configsync/dev/a/.env"}, []byte("A="+sekrit))
		assertError(t, err, ErrSignedOut, bwLoggedOutText)
	})
	t.Run("locked", func(t *testing.T) {
		f := newFixture(t)
		f.bwLogin()
		f.cli(f.env, "", "bw", "lock")
		b := mustBitwarden(t, "", f.env)
		_, err := b.List(ctx, "configsync/")
		assertError(t, err, ErrSignedOut, bwLockedText)
	})
	t.Run("stale session", func(t *testing.T) {
		f := newFixture(t)
		f.bwLogin()
		b := mustBitwarden(t, "", f.with("BW_SESSION=old"))
		_, err := b.Read(ctx, Item{ID: "0c5b1c2a-7f0e-4c3e-9d55-9f3b7c1d2e4f", Title: "t"})
		assertError(t, err, ErrSignedOut, bwLockedText)
	})
	t.Run("locked after the first call", func(t *testing.T) {
		f := newFixture(t)
		b := f.bitwarden()
		if _, err := b.List(ctx, "configsync/"); err != nil {
			t.Fatal(err)
		}
		f.cli(f.env, "", "bw", "lock")
		_, err := b.List(ctx, "configsync/")
		assertError(t, err, ErrSignedOut, bwLockedText)
		// Unlocked again, the next call checks again and works.
		key := f.cli(f.env, "", "bw", "unlock", "hunter2", "--raw")
		b = mustBitwarden(t, "", f.with("BW_SESSION="+key))
		if _, err := b.List(ctx, "configsync/"); err != nil {
			t.Errorf("after unlock: %v", err)
		}
	})
}

func TestBitwardenServer(t *testing.T) {
	ctx := context.Background()
	const self = "https://bw.example.com"
	t.Run("logged out elsewhere: point bw at the server", func(t *testing.T) {
		f := newFixture(t)
		b := mustBitwarden(t, self, f.env)
		_, err := b.List(ctx, "configsync/")
		assertError(t, err, ErrSignedOut, bwLoggedOutText)
		if !slices.ContainsFunc(f.log("bw"), func(c []string) bool {
			return slices.Equal(c, []string{"config", "server", self})
		}) {
			t.Errorf("bw config server %s was not run: %q", self, f.log("bw"))
		}
		if !strings.Contains(f.cli(f.env, "", "bw", "status"), `"serverUrl":"`+self+`"`) {
			t.Error("bw status does not show the configured server")
		}
		// Logged in there, it works, and bw config server is not run again.
		f.bwLogin()
		b = mustBitwarden(t, self+"/", f.env)
		if _, err := b.List(ctx, "configsync/"); err != nil {
			t.Fatal(err)
		}
		if n := countCalls(f.log("bw"), "config"); n != 1 {
			t.Errorf("bw config ran %d times, want 1", n)
		}
	})
	t.Run("logged out, server from data: bw left alone", func(t *testing.T) {
		f := newFixture(t)
		b := mustBitwarden(t, self, f.env)
		b.KeepServer()
		_, err := b.List(ctx, "configsync/")
		assertError(t, err, ErrSignedOut, "Bitwarden CLI is logged out: these items are on "+self+"; if that is your team's server, run bw config server "+self+", bw login, then export BW_SESSION=$(bw unlock --raw)")
		if n := countCalls(f.log("bw"), "config"); n != 0 {
			t.Errorf("bw config ran %d times for a server the user did not choose", n)
		}
	})
	t.Run("logged in elsewhere", func(t *testing.T) {
		f := newFixture(t)
		f.bwLogin()
		b := mustBitwarden(t, self, f.env)
		_, err := b.List(ctx, "configsync/")
		assertError(t, err, ErrSignedOut,
			"bw is logged in to https://vault.bitwarden.com, not https://bw.example.com: run bw logout, then try again")
		if n := countCalls(f.log("bw"), "config"); n != 0 {
			t.Errorf("bw config ran while logged in")
		}
	})
	t.Run("the default server by its names", func(t *testing.T) {
		for _, server := range []string{"https://vault.bitwarden.com", "https://VAULT.bitwarden.com/", "https://bitwarden.com"} {
			f := newFixture(t)
			f.bwLogin()
			if _, err := mustBitwarden(t, server, f.env).List(ctx, "configsync/"); err != nil {
				t.Errorf("%s: %v", server, err)
			}
		}
	})
}

func countCalls(calls [][]string, cmd string) int {
	n := 0
	for _, c := range calls {
		if len(c) > 0 && c[0] == cmd {
			n++
		}
	}
	return n
}

func TestBitwardenStatusAndSyncOnce(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	b := f.bitwarden()
	for range 3 {
		if _, err := b.List(ctx, "configsync/"); err != nil {
			t.Fatal(err)
		}
	}
	if s, y := countCalls(f.log("bw"), "status"), countCalls(f.log("bw"), "sync"); s != 1 || y != 1 {
		t.Errorf("bw status ran %d times, bw sync %d: want once each", s, y)
	}
}

func TestBitwardenLimits(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	b := f.bitwarden()
	title := "configsync/staging/api/.env"

	big := []byte(bigContent(7001))
	err := b.Write(ctx, Item{Title: title}, big)
	assertError(t, err, ErrTooLarge, `configsync/staging/api/.env is 7001 bytes: a Bitwarden secure note holds at most 7000 `+
		`(10,000 encrypted characters): use the git provider for environment "staging" (configsync config set secrets.provider git)`)

	err = b.Write(ctx, Item{Title: title}, []byte("A="+sekrit+"\xff\xfe\n"))
	assertError(t, err, ErrNotText, `configsync/staging/api/.env is not UTF-8 text, and a Bitwarden secure note holds text only: `+
		`use the git provider for environment "staging" (configsync config set secrets.provider git)`)
	if n := countCalls(f.log("bw"), "create"); n != 0 {
		t.Errorf("refused content reached bw (%d creates)", n)
	}

	// 7,000 bytes fit, with room to spare under the server's limit.
	if err := b.Write(ctx, Item{Title: title}, big[:7000]); err != nil {
		t.Fatal(err)
	}
	readBack(t, b, listOne(t, b, "configsync/staging/"), string(big[:7000]))
}

func TestBitwardenEditKeepsOtherFields(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	b := f.bitwarden()
	note := `{"type":2,"name":"configsync/dev/web/.env","notes":"A=1","secureNote":{"type":0},"favorite":true,` +
		`"fields":[{"name":"owner","value":"team-web","type":0}],"folderId":"5cdfbd80-d99f-409b-915b-f4c5d0241b02","reprompt":1}`
	f.cli(f.env, base64.StdEncoding.EncodeToString([]byte(note)), "bw", "create", "item")
	it := listOne(t, b, "configsync/dev/")
	if err := b.Write(ctx, it, []byte("A="+sekrit+"\n")); err != nil {
		t.Fatal(err)
	}
	got := f.cli(f.env, "", "bw", "get", "item", it.ID)
	for _, want := range []string{`"favorite":true`, `"owner"`, `"team-web"`, `"folderId":"5cdfbd80-`, `"reprompt":1`, `"notes":"A=` + sekrit} {
		if !strings.Contains(got, want) {
			t.Errorf("after edit, the item lacks %s: %s", want, got)
		}
	}
}

func TestOnePasswordMissingVault(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	p, err := NewOnePassword("Nope", f.with("OP_SERVICE_ACCOUNT_TOKEN=ops_fake"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.List(ctx, "configsync/")
	var ce *CLIError
	if !errors.As(err, &ce) {
		t.Fatalf("error %v (%T), want a *CLIError", err, err)
	}
	want := CLIError{CLI: "op", Args: "item list", Msg: `"Nope" isn't a vault in this account. Specify the vault with its ID or name.`}
	if *ce != want {
		t.Errorf("got %+v, want %+v", *ce, want)
	}
	if err.Error() != `op item list: "Nope" isn't a vault in this account. Specify the vault with its ID or name.` {
		t.Errorf("error text %q", err)
	}
}

// TestNoContentInErrors makes each provider fail while it holds content,
// and checks that the errors do not quote it.
func TestNoContentInErrors(t *testing.T) {
	ctx := context.Background()
	content := []byte("TOKEN=" + sekrit + "-xyz\n")
	for _, pc := range providerCases {
		t.Run(pc.cli, func(t *testing.T) {
			f := newFixture(t)
			p := pc.open(f)
			var errs []error
			errs = append(errs,
				p.Write(ctx, Item{ID: "4f9d7c2e-0000-4000-8000-000000000000", Title: "configsync/dev/x/.env"}, content),
				p.Write(ctx, Item{ID: "nosuchitemnosuchitemnosuch", Title: "configsync/dev/x/.env"}, content),
				p.Write(ctx, Item{Title: ""}, content),
			)
			if err := p.Write(ctx, Item{Title: "configsync/dev/x/.env"}, content); err != nil {
				t.Fatal(err)
			}
			it := listOne(t, p, "configsync/dev/")
			_, err := p.Read(ctx, Item{ID: it.ID + "x", Title: it.Title})
			errs = append(errs, err)
			for _, err := range errs {
				if err == nil {
					t.Error("a bad call did not fail")
					continue
				}
				if strings.Contains(err.Error(), sekrit) || strings.Contains(err.Error(), "\n") {
					t.Errorf("error quotes content or is not one line: %q", err)
				}
			}
			assertArgvClean(t, f, pc.cli)
		})
	}
}

func TestMissingItem(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		cli  string
		id   string
		want string
	}{
		{"op", "nosuchitemnosuchitemnosuch", `op document get: "nosuchitemnosuchitemnosuch" isn't an item in the "Engineering" vault. Specify the item with its UUID, name, or domain.`},
		{"bw", "4f9d7c2e-0000-4000-8000-000000000000", "bw get item: Not found."},
	}
	for i, c := range cases {
		t.Run(c.cli, func(t *testing.T) {
			p := providerCases[i].open(newFixture(t))
			_, err := p.Read(ctx, Item{ID: c.id, Title: "configsync/dev/x/.env"})
			var ce *CLIError
			if !errors.As(err, &ce) || err.Error() != c.want {
				t.Errorf("got %v, want %s", err, c.want)
			}
		})
	}
}

func TestNoID(t *testing.T) {
	ctx := context.Background()
	for _, pc := range providerCases {
		p := pc.open(newFixture(t))
		for _, it := range []Item{{Title: "configsync/dev/a"}, {ID: "--vault", Title: "configsync/dev/a"}} {
			if _, err := p.Read(ctx, it); err == nil {
				t.Errorf("%s: Read(%+v) did not fail", pc.cli, it)
			}
			if err := p.Delete(ctx, it); err == nil {
				t.Errorf("%s: Delete(%+v) did not fail", pc.cli, it)
			}
		}
	}
}

func TestConcurrentUse(t *testing.T) {
	ctx := context.Background()
	for _, pc := range providerCases {
		t.Run(pc.cli, func(t *testing.T) {
			f := newFixture(t)
			p := pc.open(f)
			const n = 8
			for i := range n {
				title := fmt.Sprintf("configsync/dev/p%d/.env", i)
				if err := p.Write(ctx, Item{Title: title}, []byte(title)); err != nil {
					t.Fatal(err)
				}
			}
			items, err := p.List(ctx, "configsync/dev/")
			if err != nil || len(items) != n {
				t.Fatalf("list: %d items, %v", len(items), err)
			}
			var wg sync.WaitGroup
			for _, it := range items {
				wg.Go(func() {
					got, err := p.Read(ctx, it)
					if err != nil || string(got) != it.Title {
						t.Errorf("read %s: %q, %v", it.Title, got, err)
					}
				})
			}
			wg.Wait()
		})
	}
}

func TestCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, pc := range providerCases {
		p := pc.open(newFixture(t))
		if _, err := p.List(ctx, "configsync/"); !errors.Is(err, context.Canceled) {
			t.Errorf("%s: List with a canceled context: %v", pc.cli, err)
		}
	}
}
