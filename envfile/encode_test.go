package envfile

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// hostile are values every encoder must carry exactly.
var hostile = []string{
	"", " ", "\t", "  lead", "trail  ", "plain", "a b c",
	"'", `"`, "''", `""`, "a'b", `a"b`, `it's "quoted"`, `'\''`, `"'"`,
	"$", "$HOME", "${HOME}", "${HOME:-x}", `\$HOME`, "$(touch /tmp/configsync-pwned)", "`id`",
	`\`, `\\`, `a\nb`, `trailing\`, `\"`, `\'`,
	"\n", "\n\n", "line1\nline2", "a\n", "\nb", "\r", "a\r\nb", "a\rb", "x\r",
	"#", "#x", "a #b", "a#b", " # c", "' #", `" #`, "a' #c\n",
	"=", "a=b", "export X=1", "X<<EOF", "EOF", "ghadelimiter_1", "ghadelimiter_1\nghadelimiter_2\r\nx",
	"%0A%25%", "::add-mask::x", "ünïcødé 🔑", "\u00a0nbsp\u00a0", "\uFEFFbom",
	"-----BEGIN KEY-----\nMIIB\n-----END KEY-----\n",
	`{"json": "value", "n": [1, 2]}`,
}

// hostileVars names the hostile values V0, V1, ...
func hostileVars() []Var {
	vs := make([]Var, len(hostile))
	for i, h := range hostile {
		vs[i] = Var{Key: fmt.Sprintf("V%d", i), Value: NewValue(h)}
	}
	return vs
}

func encode(t testing.TB, vs []Var, f Format) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := Encode(&b, vs, f); err != nil {
		t.Fatalf("Encode(%s): %v", f, err)
	}
	return b.Bytes()
}

func checkSame(t *testing.T, f Format, got []kv, vs []Var) {
	t.Helper()
	want := vars(vs)
	if len(got) != len(want) {
		t.Fatalf("%s: %d variables back, want %d", f, len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("%s: %s = %q, want %q", f, want[i].k, got[i].v, want[i].v)
		}
	}
}

func TestEncodeDotenvRoundTrip(t *testing.T) {
	vs := hostileVars()
	out := encode(t, vs, FormatDotenv)
	f, err := Parse("export.env", out)
	if err != nil {
		t.Fatalf("Parse(encoded): %v\n%s", err, out)
	}
	if len(f.Diagnostics) != 0 {
		t.Errorf("warnings on encoded file: %v", f.Diagnostics)
	}
	checkSame(t, FormatDotenv, vars(Resolve([]*File{f}, false, nil)), vs)
	// Quoting also protects from expansion.
	checkSame(t, FormatDotenv, vars(Resolve([]*File{f}, true, func(string) (string, bool) { return "X", true })), vs)
}

func TestEncodeJSONRoundTrip(t *testing.T) {
	vs := hostileVars()
	out := encode(t, vs, FormatJSON)
	var m map[string]string
	if err := json.Unmarshal(out, &m); err != nil {
		t.Fatalf("json: %v\n%s", err, out)
	}
	var got []kv
	for _, v := range vs {
		got = append(got, kv{v.Key, m[v.Key]})
	}
	checkSame(t, FormatJSON, got, vs)
	// Keys in order.
	dec := json.NewDecoder(bytes.NewReader(out))
	var keys []string
	if _, err := dec.Token(); err != nil {
		t.Fatal(err)
	}
	for dec.More() {
		k, _ := dec.Token()
		keys = append(keys, k.(string))
		_, _ = dec.Token()
	}
	for i, v := range vs {
		if keys[i] != v.Key {
			t.Fatalf("key %d = %s, want %s", i, keys[i], v.Key)
		}
	}
	if got := string(encode(t, nil, FormatJSON)); got != "{}\n" {
		t.Errorf("empty json = %q", got)
	}
}

func TestEncodeShellRoundTrip(t *testing.T) {
	vs := hostileVars()
	script := filepath.Join(t.TempDir(), "vars.sh")
	if err := os.WriteFile(script, encode(t, vs, FormatShell), 0o600); err != nil {
		t.Fatal(err)
	}
	var printf strings.Builder
	printf.WriteString(`eval "$(cat "$1")"; printf '%s\0'`)
	for _, v := range vs {
		printf.WriteString(` "$` + v.Key + `"`)
	}
	const pwned = "/tmp/configsync-pwned" // touched by a hostile value if it ever runs
	_ = os.Remove(pwned)
	for _, shell := range []string{"sh", "bash"} {
		t.Run(shell, func(t *testing.T) {
			if _, err := exec.LookPath(shell); err != nil {
				t.Skipf("%s not installed", shell)
			}
			cmd := exec.Command(shell, "-c", printf.String(), shell, script)
			cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=/nonexistent"}
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("%s: %v", shell, err)
			}
			parts := strings.Split(string(out), "\x00")
			parts = parts[:len(parts)-1]
			var got []kv
			for i, p := range parts {
				got = append(got, kv{vs[min(i, len(vs)-1)].Key, p})
			}
			checkSame(t, FormatShell, got, vs)
		})
	}
	if _, err := os.Stat(pwned); err == nil {
		t.Error("shell output executed a command substitution")
	}
}

// parseGitHubEnv reads the $GITHUB_ENV file format the way the runner does:
// NAME=value lines and NAME<<DELIM heredocs ended by a line equal to DELIM.
func parseGitHubEnv(t *testing.T, data string) []kv {
	t.Helper()
	lines := strings.Split(data, "\n")
	if lines[len(lines)-1] != "" {
		t.Fatalf("github output does not end with a newline")
	}
	lines = lines[:len(lines)-1]
	var out []kv
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		name, delim, heredoc := strings.Cut(l, "<<")
		if eq := strings.IndexByte(l, '='); !heredoc || (eq >= 0 && eq < len(name)) {
			name, value, ok := strings.Cut(l, "=")
			if !ok {
				t.Fatalf("line %d: neither NAME=value nor NAME<<DELIM", i+1)
			}
			out = append(out, kv{name, value})
			continue
		}
		var body []string
		for i++; ; i++ {
			if i == len(lines) {
				t.Fatalf("heredoc of %s not closed", name)
			}
			if lines[i] == delim {
				break
			}
			body = append(body, lines[i])
		}
		out = append(out, kv{name, strings.Join(body, "\n")})
	}
	return out
}

func TestEncodeGitHubRoundTrip(t *testing.T) {
	vs := hostileVars()
	checkSame(t, FormatGitHub, parseGitHubEnv(t, string(encode(t, vs, FormatGitHub))), vs)

	// The delimiter is never a line of the value, even with a CR dropped.
	tests := []struct {
		value, delim string
	}{
		{"x", "ghadelimiter_1"},
		{"ghadelimiter_1", "ghadelimiter_2"},
		{"a\nghadelimiter_1\r\nghadelimiter_2\nghadelimiter_3 ", "ghadelimiter_3"},
		{"ghadelimiter_1x", "ghadelimiter_1"},
	}
	for _, tc := range tests {
		out := string(encode(t, []Var{{Key: "K", Value: NewValue(tc.value)}}, FormatGitHub))
		if first, _, _ := strings.Cut(out, "\n"); first != "K<<"+tc.delim {
			t.Errorf("value %q: header %q, want delimiter %s", tc.value, first, tc.delim)
		}
	}
}

func TestEncodeExactOutput(t *testing.T) {
	vs := []Var{
		{Key: "A", Value: NewValue("x y")},
		{Key: "B", Value: NewValue("it's $HOME\n")},
		{Key: "C", Value: NewValue("")},
	}
	tests := []struct {
		f    Format
		want string
	}{
		{FormatDotenv, "A='x y'\nB=\"it's \\$HOME\\n\"\nC=''\n"},
		{FormatJSON, "{\n  \"A\": \"x y\",\n  \"B\": \"it's $HOME\\n\",\n  \"C\": \"\"\n}\n"},
		{FormatShell, "export A='x y'\nexport B='it'\\''s $HOME\n'\nexport C=''\n"},
		{FormatGitHub, "A<<ghadelimiter_1\nx y\nghadelimiter_1\nB<<ghadelimiter_1\nit's $HOME\n\nghadelimiter_1\nC<<ghadelimiter_1\nghadelimiter_1\n"},
	}
	for _, tc := range tests {
		if got := string(encode(t, vs, tc.f)); got != tc.want {
			t.Errorf("%s:\n got %q\nwant %q", tc.f, got, tc.want)
		}
	}
}

func TestEncodeRefuses(t *testing.T) {
	tests := []struct {
		name string
		v    Var
		f    Format
	}{
		{"empty key", Var{Key: "", Value: NewValue("x")}, FormatDotenv},
		{"key with blank", Var{Key: "A B", Value: NewValue("x")}, FormatJSON},
		{"key with newline", Var{Key: "A\nB", Value: NewValue("x")}, FormatGitHub},
		{"shell dotted key", Var{Key: "a.b", Value: NewValue("x")}, FormatShell},
		{"shell dashed key", Var{Key: "a-b", Value: NewValue("x")}, FormatShell},
		{"shell digit first", Var{Key: "1A", Value: NewValue("x")}, FormatShell},
		{"NUL", Var{Key: "A", Value: NewValue(secret + "\x00")}, FormatShell},
		{"invalid UTF-8 dotenv", Var{Key: "A", Value: NewValue(secret + "\xff")}, FormatDotenv},
		{"invalid UTF-8 json", Var{Key: "A", Value: NewValue(secret + "\xff")}, FormatJSON},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			vs := []Var{{Key: "OK", Value: NewValue("fine")}, tc.v}
			err := Encode(&b, vs, tc.f)
			var ee *EncodeError
			if !errors.As(err, &ee) || !errors.Is(err, ErrUnencodable) || ee.Key != tc.v.Key {
				t.Fatalf("Encode = %v, want *EncodeError for %q", err, tc.v.Key)
			}
			if b.Len() != 0 {
				t.Errorf("Encode wrote %d bytes before refusing", b.Len())
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("error leaks the value: %v", err)
			}
		})
	}
	// Invalid UTF-8 is fine where bytes survive.
	for _, f := range []Format{FormatShell, FormatGitHub} {
		if err := Encode(&bytes.Buffer{}, []Var{{Key: "A", Value: NewValue("\xff")}}, f); err != nil {
			t.Errorf("%s refused invalid UTF-8: %v", f, err)
		}
	}
}

func TestParseFormat(t *testing.T) {
	for _, s := range []string{"dotenv", "json", "shell", "github"} {
		if f, err := ParseFormat(s); err != nil || string(f) != s {
			t.Errorf("ParseFormat(%q) = %q, %v", s, f, err)
		}
	}
	for _, s := range []string{"", "JSON", "yaml", "env"} {
		if _, err := ParseFormat(s); !errors.Is(err, ErrUnknownFormat) {
			t.Errorf("ParseFormat(%q) = %v, want ErrUnknownFormat", s, err)
		}
	}
	if err := Encode(&bytes.Buffer{}, nil, "yaml"); !errors.Is(err, ErrUnknownFormat) {
		t.Errorf("Encode(yaml) = %v, want ErrUnknownFormat", err)
	}
}

func TestGitHubMasks(t *testing.T) {
	vs := []Var{
		{Key: "A", Value: NewValue("one")},
		{Key: "B", Value: NewValue("l1\n\n  \nl2\r\n100%\r")},
		{Key: "C", Value: NewValue("")},
	}
	var b bytes.Buffer
	if err := GitHubMasks(&b, vs); err != nil {
		t.Fatal(err)
	}
	want := []string{"::add-mask::one", "::add-mask::l1", "::add-mask::l2%0D", "::add-mask::100%25%0D"}
	if got := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n"); !slices.Equal(got, want) {
		t.Errorf("masks = %q, want %q", got, want)
	}
}
