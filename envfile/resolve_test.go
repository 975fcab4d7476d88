package envfile

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
)

func mustParse(t testing.TB, name, in string) *File {
	t.Helper()
	f, err := Parse(name, []byte(in))
	if err != nil {
		t.Fatalf("Parse(%s): %v", name, err)
	}
	return f
}

func vars(vs []Var) []kv {
	var out []kv
	for _, v := range vs {
		out = append(out, kv{v.Key, v.Value.Reveal()})
	}
	return out
}

func TestResolveExpansion(t *testing.T) {
	env := map[string]string{"HOME": "/home/u", "EMPTY": "", "USER": "ada"}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	tests := []struct {
		name string
		in   string
		want string // value of the last key, X
	}{
		{"rule 12: $NAME from environment", "X=$HOME/bin", "/home/u/bin"},
		{"rule 12: ${NAME}", "X=${HOME}x", "/home/ux"},
		{"rule 12: earlier key wins over environment", "HOME=/h\nX=$HOME", "/h"},
		{"rule 12: only earlier assignments seen", "A=$X\nX=$A\nA=1\nX=$A", "1"},
		{"rule 12: undefined is empty", "X=a${NOPE}b$NOPE", "ab"},
		{"rule 12: name stops at non-name char", "X=$USER.name-$USER", "ada.name-ada"},
		{"rule 12: lone dollar", "X=a$ $1 $", "a$ $1 $"},
		{"rule 12: :- unset", "X=${NOPE:-def}", "def"},
		{"rule 12: :- empty", "X=${EMPTY:-def}", "def"},
		{"rule 12: :- set", "X=${USER:-def}", "ada"},
		{"rule 12: - unset", "X=${NOPE-def}", "def"},
		{"rule 12: - empty", "X=${EMPTY-def}", ""},
		{"rule 12: :+ set", "X=${USER:+alt}", "alt"},
		{"rule 12: :+ empty", "X=${EMPTY:+alt}", ""},
		{"rule 12: + empty", "X=${EMPTY+alt}", "alt"},
		{"rule 12: + unset", "X=${NOPE+alt}", ""},
		{"rule 12: nested word", "X=${NOPE:-${USER}-x}", "ada-x"},
		{"rule 12: word with blanks", `X="${NOPE:-a b}"`, "a b"},
		{"rule 12: malformed brace stays", "X=${USER", "${USER"},
		{"rule 12: bad operator stays", "X=${USER?x}", "${USER?x}"},
		{"rule 12: bad name stays", "X=${1}", "${1}"},
		{"rule 12: double quotes expand", `X="$USER"`, "ada"},
		{"rule 12: single quotes never", "X='$USER ${USER}'", "$USER ${USER}"},
		{"rule 12: escaped unquoted", `X=\$USER`, "$USER"},
		{"rule 12: escaped double", `X="\$USER \${USER}"`, "$USER ${USER}"},
		{"rule 12: escaped inside word", `X=${NOPE:-\$USER}`, "$USER"},
		{"rule 12: backslash before escaped dollar", `X=\\$USER`, `\$USER`},
		{"rule 12: expanded value not re-expanded", "A='$USER'\nX=$A", "$USER"},
		{"rule 12: self reference", "X=$HOME:/x", "/home/u:/x"},
		{"rule 13: command substitution stays", "X=$(echo hi)", "$(echo hi)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Resolve([]*File{mustParse(t, ".env", tc.in)}, true, lookup)
			if len(got) == 0 || got[len(got)-1].Key != "X" {
				t.Fatalf("Resolve = %q, want X last", vars(got))
			}
			if v := got[len(got)-1].Value.Reveal(); v != tc.want {
				t.Errorf("X = %q, want %q", v, tc.want)
			}
		})
	}
}

func TestResolveMerge(t *testing.T) {
	base := mustParse(t, ".env", "A=1\nB=$A-b\nC='$A'\n")
	local := mustParse(t, ".env.local", "D=4\nA=10\nE=$A$B\n")
	tests := []struct {
		name   string
		files  []*File
		expand bool
		want   []kv
	}{
		{"later wins, first position kept", []*File{base, local}, true,
			[]kv{{"A", "10"}, {"B", "1-b"}, {"C", "$A"}, {"D", "4"}, {"E", "101-b"}}},
		{"no expansion gives raw values", []*File{base, local}, false,
			[]kv{{"A", "10"}, {"B", "$A-b"}, {"C", "$A"}, {"D", "4"}, {"E", "$A$B"}}},
		{"nil files skipped", []*File{nil, base, nil}, true,
			[]kv{{"A", "1"}, {"B", "1-b"}, {"C", "$A"}}},
		{"no files", nil, true, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := vars(Resolve(tc.files, tc.expand, nil)); !slices.Equal(got, tc.want) {
				t.Errorf("Resolve = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestValueRedacts(t *testing.T) {
	v := NewValue(secret)
	if v.Reveal() != secret || v.Len() != len(secret) {
		t.Fatalf("Reveal/Len wrong")
	}
	var outs []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%10.3s", "%T"} {
		outs = append(outs, fmt.Sprintf(verb, v), fmt.Sprintf(verb, Var{Key: "K", Value: v}),
			fmt.Sprintf(verb, []Value{v}), fmt.Sprintf(verb, map[string]Value{"K": v}),
			fmt.Sprintf(verb, &Change{Key: "K", Old: v, New: v}))
	}
	outs = append(outs, v.String(), v.GoString(), fmt.Sprint(v), fmt.Sprintln(v))
	js, err := json.Marshal(map[string]any{"v": v, "var": Var{Key: "K", Value: v}})
	if err != nil {
		t.Fatal(err)
	}
	text, _ := v.MarshalText()
	outs = append(outs, string(js), string(text))
	for _, s := range outs {
		if strings.Contains(s, secret) || strings.Contains(strings.ToLower(s), fmt.Sprintf("%x", secret)) {
			t.Errorf("leak: %s", s)
		}
	}
	if want := `{"v":"[redacted]","var":{"Key":"K","Value":"[redacted]"}}`; string(js) != want {
		t.Errorf("json = %s, want %s", js, want)
	}
}

func TestDiff(t *testing.T) {
	old := mustParse(t, "old", "A=1\nB=2\nC=3\nD=4\n")
	cur := mustParse(t, "new", "E=5\nB=2\nA=9\nC=$X\nC=3\n")
	tests := []struct {
		name     string
		old, new *File
		want     []string
	}{
		{"changes", old, cur, []string{"E added  -> 5", "A modified 1 -> 9", "D removed 4 -> "}},
		{"new file", nil, old, []string{"A added  -> 1", "B added  -> 2", "C added  -> 3", "D added  -> 4"}},
		{"deleted file", old, nil, []string{"A removed 1 -> ", "B removed 2 -> ", "C removed 3 -> ", "D removed 4 -> "}},
		{"same", old, old, nil},
		{"both nil", nil, nil, nil},
		{"raw values compared", mustParse(t, "a", "A=$X"), mustParse(t, "b", "A='$X'"), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, c := range Diff(tc.old, tc.new) {
				got = append(got, fmt.Sprintf("%s %s %s -> %s", c.Key, c.Kind, c.Old.Reveal(), c.New.Reveal()))
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("Diff = %q, want %q", got, tc.want)
			}
		})
	}
	if s := ChangeKind(7).String(); s != "unknown" {
		t.Errorf("ChangeKind(7) = %q", s)
	}
}

func TestResolveDeepNesting(t *testing.T) {
	const n = 20000
	tests := []struct {
		name, value, want string
	}{
		{"nested defaults", strings.Repeat("${A:-", n) + "x" + strings.Repeat("}", n), "x"},
		{"unclosed braces stay", strings.Repeat("${A:-", n), strings.Repeat("${A:-", n)},
		{"stray closing braces", strings.Repeat("}${B}", n), strings.Repeat("}b", n)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := mustParse(t, ".env", "B=b\nX=\""+tc.value+"\"\n")
			got := Resolve([]*File{f}, true, nil)
			if v := got[1].Value.Reveal(); v != tc.want {
				t.Errorf("X has %d bytes, want %d", len(v), len(tc.want))
			}
		})
	}
}
