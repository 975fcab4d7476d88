package envfile

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// kv is a key and its raw value, for comparisons.
type kv struct{ k, v string }

func entries(f *File) []kv {
	var out []kv
	for _, e := range f.Entries {
		out = append(out, kv{e.Key, e.Value().Reveal()})
	}
	return out
}

// diag renders a diagnostic compactly: "line:code" or "line:code:KEY".
func diag(d Diagnostic) string {
	s := fmt.Sprintf("%d:%s", d.Line, d.Code)
	if d.Key != "" {
		s += ":" + d.Key
	}
	return s
}

func diags(ds []Diagnostic) []string {
	var out []string
	for _, d := range ds {
		out = append(out, diag(d))
	}
	return out
}

type parseCase struct {
	name  string // "rule N: what"
	in    string
	want  []kv
	warns []string
	errs  []string
}

var parseCases = []parseCase{
	// Rule 1: encoding.
	{name: "rule 1: BOM stripped", in: "\uFEFFA=1\n", want: []kv{{"A", "1"}}},
	{name: "rule 1: only one BOM stripped", in: "\uFEFF\uFEFFA=1\n", errs: []string{"1:invalid-line"}},
	{name: "rule 1: CRLF", in: "A=1\r\nB=2\r\n", want: []kv{{"A", "1"}, {"B", "2"}}},
	{name: "rule 1: lone CR", in: "A=1\rB=2\r", want: []kv{{"A", "1"}, {"B", "2"}}},
	{name: "rule 1: CRLF inside single quotes", in: "A='x\r\ny'\r\nB=2", want: []kv{{"A", "x\ny"}, {"B", "2"}}},
	{name: "rule 1: CR inside double quotes", in: "A=\"x\ry\"\rB=2", want: []kv{{"A", "x\ny"}, {"B", "2"}}},
	{name: "rule 1: UTF-8 value", in: "A=ünïcødé 🔑\n", want: []kv{{"A", "ünïcødé 🔑"}}},
	{name: "rule 1: NUL refused", in: "A=1\nB=\x00\n", errs: []string{"2:binary"}},
	{name: "rule 1: invalid UTF-8 refused", in: "A=1\r\nB=2\rC=\xff\n", errs: []string{"3:binary"}},
	{name: "rule 1: no final newline", in: "A=1", want: []kv{{"A", "1"}}},

	// Rule 2: skipped lines.
	{name: "rule 2: empty file", in: ""},
	{name: "rule 2: blank lines", in: "\n  \n\t\nA=1\n\n", want: []kv{{"A", "1"}}},
	{name: "rule 2: comments", in: "# c\n   # indented\n#A=1\nB=2 # trailing\n", want: []kv{{"B", "2"}}},

	// Rule 3: export prefix.
	{name: "rule 3: export dropped", in: "export A=1\nexport\t B=2\n", want: []kv{{"A", "1"}, {"B", "2"}}},
	{name: "rule 3: export= is a key", in: "export=1\n", want: []kv{{"export", "1"}}},
	{name: "rule 3: export = is a key", in: "export =1\n", want: []kv{{"export", "1"}}},
	{name: "rule 3: export export", in: "export export=1\n", want: []kv{{"export", "1"}}},
	{name: "rule 3: exported is a key", in: "exported=1\n", want: []kv{{"exported", "1"}}},
	{name: "rule 3: leading blanks", in: "  \tA=1\n", want: []kv{{"A", "1"}}},
	{name: "rule 3: export without assignment", in: "export A\n", errs: []string{"1:invalid-line"}},

	// Rule 4: keys.
	{name: "rule 4: key charset", in: "a.B-c_9=1\n9=2\n", want: []kv{{"a.B-c_9", "1"}, {"9", "2"}}},
	{name: "rule 4: blanks before =", in: "A \t=1\n", want: []kv{{"A", "1"}}},
	{name: "rule 4: no =", in: "A=1\njustsometext\nB=2\n", errs: []string{"2:invalid-line"}},
	{name: "rule 4: bad key char", in: "A$B=1\n", errs: []string{"1:invalid-line"}},
	{name: "rule 4: empty key", in: "=1\n", errs: []string{"1:invalid-line"}},
	{name: "rule 4: colon syntax", in: "A: 1\n", errs: []string{"1:invalid-line"}},
	{name: "rule 4: all errors listed", in: "x\nA=1\ny\n", errs: []string{"1:invalid-line", "3:invalid-line"}},

	// Rule 5: value start.
	{name: "rule 5: empty value", in: "A=\nB=   \nC=\t# c\n", want: []kv{{"A", ""}, {"B", ""}, {"C", ""}}},
	{name: "rule 5: never past the newline", in: "A=\n'x'\n", errs: []string{"2:invalid-line"}},
	{name: "rule 5: empty at EOF", in: "A=", want: []kv{{"A", ""}}},

	// Rule 6: unquoted values.
	{name: "rule 6: trimmed", in: "A=  a b \t\n", want: []kv{{"A", "a b"}}},
	{name: "rule 6: blank hash is comment", in: "A=abc #c\nB=abc\t#c\n", want: []kv{{"A", "abc"}, {"B", "abc"}}},
	{name: "rule 6: value starting with blank hash", in: "A= #c\n", want: []kv{{"A", ""}}},
	{name: "rule 6: hash without blank kept", in: "A=abc#def\n", want: []kv{{"A", "abc#def"}}, warns: []string{"1:hash-in-value:A"}},
	{name: "rule 6: hash first kept", in: "A=#abc\n", want: []kv{{"A", "#abc"}}, warns: []string{"1:hash-in-value:A"}},
	{name: "rule 6: backslashes literal", in: `A=a\nb\\c\"` + "\n", want: []kv{{"A", `a\nb\\c\"`}}},
	{name: "rule 6: escaped dollar", in: `A=a\$b` + "\n", want: []kv{{"A", "a$b"}}},
	{name: "rule 6: backticks are text", in: "A=`echo hi`\n", want: []kv{{"A", "`echo hi`"}}},
	{name: "rule 6: inner quotes are text", in: `A=a"b'c` + "\n", want: []kv{{"A", `a"b'c`}}},
	{name: "rule 6: equals in value", in: "A=b=c==\n", want: []kv{{"A", "b=c=="}}},

	// Rule 7: closing quote.
	{name: "rule 7: quote followed by comment", in: "A='x' # c\nB=\"y\"#c\n", want: []kv{{"A", "x"}, {"B", "y"}}},
	{name: "rule 7: trailing blanks after quote", in: "A='x'  \t\n", want: []kv{{"A", "x"}}},
	{name: "rule 7: first closing quote", in: "A='it's'\n", want: []kv{{"A", "it's"}}},
	{name: "rule 7: escaped double quote never closes", in: `A="a\"b"` + "\n", want: []kv{{"A", `a"b`}}},
	{name: "rule 7: escaped backslash then close", in: `A="a\\"` + "\n", want: []kv{{"A", `a\`}}},
	{name: "rule 7: multi-line single", in: "A='l1\nl2\n'\nB=2\n", want: []kv{{"A", "l1\nl2\n"}, {"B", "2"}}},
	{name: "rule 7: multi-line double", in: "A=\"l1\nl2\"\nB=2\n", want: []kv{{"A", "l1\nl2"}, {"B", "2"}}},
	{name: "rule 7: multi-line with inner quote", in: "A='l1\nit's\nl3'\n", want: []kv{{"A", "l1\nit's\nl3"}}},
	{name: "rule 7: line numbers after multi-line", in: "A='1\n2\n3'\nB=x#\n", want: []kv{{"A", "1\n2\n3"}, {"B", "x#"}}, warns: []string{"4:hash-in-value:B"}},
	{name: "rule 7: hash inside quotes", in: "A='a #b'\nB=\"a #b\"\n", want: []kv{{"A", "a #b"}, {"B", "a #b"}}},

	// Rule 8: single quotes.
	{name: "rule 8: literal", in: `A='a\nb\$c $D ${E}'` + "\n", want: []kv{{"A", `a\nb\$c $D ${E}`}}},
	{name: "rule 8: empty", in: "A=''\n", want: []kv{{"A", ""}}},
	{name: "rule 8: blanks kept", in: "A='  x  '\n", want: []kv{{"A", "  x  "}}},
	{name: "rule 8: double quote inside", in: `A='say "hi"'` + "\n", want: []kv{{"A", `say "hi"`}}},

	// Rule 9: double quotes.
	{name: "rule 9: escapes", in: `A="a\nb\rc\td\"e\\f\$g"` + "\n", want: []kv{{"A", "a\nb\rc\td\"e\\f$g"}}},
	{name: "rule 9: other pairs kept", in: `A="\a\'\x"` + "\n", want: []kv{{"A", `\a\'\x`}}},
	{name: "rule 9: empty", in: `A=""` + "\n", want: []kv{{"A", ""}}},
	{name: "rule 9: single quote inside", in: `A="it's"` + "\n", want: []kv{{"A", "it's"}}},
	{name: "rule 9: backslash newline kept", in: "A=\"a\\\nb\"\n", want: []kv{{"A", "a\\\nb"}}},

	// Rule 10: text after a quote.
	{name: "rule 10: single", in: "A='a' b\n", want: []kv{{"A", "'a' b"}}, warns: []string{"1:text-after-quote:A"}},
	{name: "rule 10: double", in: "A=\"a\"b # c\n", want: []kv{{"A", `"a"b`}}, warns: []string{"1:text-after-quote:A"}},
	{name: "rule 10: does not swallow later lines", in: "A='a' b\nB='x'\n", want: []kv{{"A", "'a' b"}, {"B", "x"}}, warns: []string{"1:text-after-quote:A"}},

	// Rule 11: unterminated quote.
	{name: "rule 11: single", in: "A='abc\nB=2\n", errs: []string{"1:unterminated-quote:A"}},
	{name: "rule 11: double", in: "A=1\nB=\"abc\\\"\n", errs: []string{"2:unterminated-quote:B"}},
	{name: "rule 11: resumes after opening line", in: "A='abc\nnot a line\n", errs: []string{"1:unterminated-quote:A", "2:invalid-line"}},

	// Rule 13: command substitution.
	{name: "rule 13: unquoted", in: "A=$(whoami)\n", want: []kv{{"A", "$(whoami)"}}, warns: []string{"1:command-substitution:A"}},
	{name: "rule 13: double", in: `A="x $(id) y"` + "\n", want: []kv{{"A", "x $(id) y"}}, warns: []string{"1:command-substitution:A"}},
	{name: "rule 13: single is silent", in: "A='$(id)'\n", want: []kv{{"A", "$(id)"}}},
	{name: "rule 13: escaped is silent", in: `A=\$(id)` + "\n", want: []kv{{"A", "$(id)"}}},

	// Rule 14: duplicates.
	{name: "rule 14: duplicate warned", in: "A=1\nB=2\nA=3\n", want: []kv{{"A", "1"}, {"B", "2"}, {"A", "3"}}, warns: []string{"3:duplicate-key:A"}},
}

func TestParseRules(t *testing.T) {
	for _, tc := range parseCases {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Parse(".env", []byte(tc.in))
			if tc.errs != nil {
				var se *SyntaxError
				if !errors.As(err, &se) {
					t.Fatalf("Parse error = %v, want *SyntaxError", err)
				}
				if f != nil {
					t.Errorf("Parse returned a File with errors")
				}
				for _, d := range se.Diagnostics {
					if d.Severity != Error || d.File != ".env" {
						t.Errorf("diagnostic %+v: want an error of .env", d)
					}
				}
				if got := diags(se.Diagnostics); !slices.Equal(got, tc.errs) {
					t.Errorf("errors = %q, want %q", got, tc.errs)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if got := entries(f); !slices.Equal(got, tc.want) {
				t.Errorf("entries = %q, want %q", got, tc.want)
			}
			for _, d := range f.Diagnostics {
				if d.Severity != Warning {
					t.Errorf("diagnostic %+v in File: want a warning", d)
				}
			}
			if got := diags(f.Diagnostics); !slices.Equal(got, tc.warns) {
				t.Errorf("warnings = %q, want %q", got, tc.warns)
			}
		})
	}
}

func TestFileKeysLookup(t *testing.T) {
	f, err := Parse(".env", []byte("A=1\nB=2\nA=3\nC=\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := f.Keys(), []string{"A", "B", "C"}; !slices.Equal(got, want) {
		t.Errorf("Keys = %q, want %q", got, want)
	}
	if f.Len() != 3 {
		t.Errorf("Len = %d, want 3", f.Len())
	}
	tests := []struct {
		key  string
		want string
		ok   bool
	}{
		{"A", "3", true},
		{"B", "2", true},
		{"C", "", true},
		{"D", "", false},
	}
	for _, tc := range tests {
		v, ok := f.Lookup(tc.key)
		if ok != tc.ok || v.Reveal() != tc.want {
			t.Errorf("Lookup(%q) = %q, %v; want %q, %v", tc.key, v.Reveal(), ok, tc.want, tc.ok)
		}
	}
}

func TestEntryLines(t *testing.T) {
	f, err := Parse(".env", []byte("# c\nA=1\n\nB='x\ny'\nC=3\r\nD=4"))
	if err != nil {
		t.Fatal(err)
	}
	var got []int
	for _, e := range f.Entries {
		got = append(got, e.Line)
	}
	if want := []int{2, 4, 6, 7}; !slices.Equal(got, want) {
		t.Errorf("lines = %v, want %v", got, want)
	}
}

func TestSyntaxErrorMessage(t *testing.T) {
	tests := []struct {
		name, file, in, want string
	}{
		{"one", ".env", "nope\n", ".env:1: error: invalid-line"},
		{"more", "app/.env.local", "nope\nA='x\n", "app/.env.local:1: error: invalid-line (and 1 more)"},
		{"key named", ".env", "A=1\nB=\"x\n", ".env:2: error: unterminated-quote (B)"},
		{"no name", "", "nope\n", "line 1: error: invalid-line"},
		{"binary", ".env", "A=\x00", ".env:1: error: binary"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(tc.file, []byte(tc.in))
			if err == nil || err.Error() != tc.want {
				t.Errorf("error = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestDiagnosticString(t *testing.T) {
	tests := []struct {
		d    Diagnostic
		want string
	}{
		{Diagnostic{File: ".env", Line: 3, Code: CodeInvalidLine, Severity: Error}, ".env:3: error: invalid-line"},
		{Diagnostic{File: ".env", Line: 7, Code: CodeDuplicateKey, Severity: Warning, Key: "API_KEY"}, ".env:7: warning: duplicate-key (API_KEY)"},
		{Diagnostic{File: "x", Line: 1, Code: CodeBinary, Severity: Severity(9)}, "x:1: severity(9): binary"},
	}
	for _, tc := range tests {
		if got := tc.d.String(); got != tc.want {
			t.Errorf("String() = %q, want %q", got, tc.want)
		}
	}
}

// secret is planted in every fixture of TestNoSecretLeaks.
const secret = "s3cr3t-V4LUE"

func TestNoSecretLeaks(t *testing.T) {
	files := []struct {
		name string
		in   string
	}{
		{"invalid line is the secret", secret + "\n"},
		{"invalid line with secret", "A " + secret + "\n"},
		{"unterminated", "A='" + secret + "\n"},
		{"unterminated double", "A=\"" + secret + "\n"},
		{"hash in value", "A=" + secret + "#x\n"},
		{"text after quote", "A='" + secret + "' x\n"},
		{"duplicate", "A=" + secret + "\nA=" + secret + "\n"},
		{"substitution", "A=$(" + secret + ")\n"},
		{"binary", "A=" + secret + "\x00\n"},
		{"mixed", "A=" + secret + "\n" + secret + "\nB='" + secret},
	}
	for _, tc := range files {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Parse(".env", []byte(tc.in))
			var outs []string
			if err != nil {
				outs = append(outs, err.Error(), fmt.Sprintf("%v %+v %#v", err, err, err))
			}
			if f != nil {
				vars := Resolve([]*File{f}, true, nil)
				outs = append(outs, fmt.Sprintf("%v %+v %#v %s %q %x", f, f, f, f.Entries, f.Entries, f.Entries))
				outs = append(outs, fmt.Sprintf("%v %+v %#v %s %q %x", vars, vars, vars, vars, vars, vars))
				outs = append(outs, fmt.Sprintf("%v %+v", Diff(nil, f), Diff(f, nil)))
				for _, d := range f.Diagnostics {
					outs = append(outs, d.String(), fmt.Sprintf("%+v", d))
				}
			}
			for _, s := range outs {
				if strings.Contains(s, secret) || strings.Contains(s, fmt.Sprintf("%x", secret)) {
					t.Errorf("output leaks the value: %s", s)
				}
			}
		})
	}
}
