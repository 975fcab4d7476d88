package envfile

import (
	"bytes"
	"strings"
	"testing"
)

func FuzzParse(f *testing.F) {
	for _, tc := range parseCases {
		f.Add([]byte(tc.in))
	}
	for _, s := range []string{"A=${B:-${C}}x\nB=$A", "A=\"${B:+\\$x}\"", "A=${", "A=$\nB=${B-}"} {
		f.Add([]byte(s))
	}
	for _, h := range hostile {
		f.Add([]byte("A=" + h))
		f.Add([]byte("A='" + h + "'\nB=\"" + h + "\"\n"))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Parse(".env", data)
		if err != nil {
			if file != nil {
				t.Fatal("File returned with an error")
			}
			return
		}
		want := Resolve([]*File{file}, false, nil)
		_ = Resolve([]*File{file}, true, func(string) (string, bool) { return "$x", true })
		var b bytes.Buffer
		if err := Encode(&b, want, FormatDotenv); err != nil {
			t.Fatalf("Encode: %v", err)
		}
		again, err := Parse(".env", b.Bytes())
		if err != nil {
			t.Fatalf("Parse(Encode): %v\n%q", err, b.Bytes())
		}
		got := Resolve([]*File{again}, false, nil)
		if len(got) != len(want) {
			t.Fatalf("%d variables back, want %d", len(got), len(want))
		}
		for i := range want {
			if got[i].Key != want[i].Key || got[i].Value != want[i].Value {
				t.Fatalf("variable %d: %q=%q, want %q=%q", i, got[i].Key, got[i].Value.Reveal(), want[i].Key, want[i].Value.Reveal())
			}
		}
		for _, d := range file.Diagnostics {
			if strings.Contains(d.String(), "\n") {
				t.Fatalf("diagnostic spans lines: %q", d.String())
			}
		}
	})
}

func BenchmarkParse(b *testing.B) {
	var src strings.Builder
	src.WriteString("# generated\n")
	for i := range 20 {
		switch i % 4 {
		case 0:
			src.WriteString("export DATABASE_URL_" + string(rune('A'+i)) + "=postgres://user:pass@db.internal:5432/app # main\n")
		case 1:
			src.WriteString("API_KEY_" + string(rune('A'+i)) + "='sk_live_0123456789abcdefghijklmnop'\n")
		case 2:
			src.WriteString("MESSAGE_" + string(rune('A'+i)) + "=\"hello\\nworld ${HOST:-localhost} \\$literal\"\n")
		case 3:
			src.WriteString("EMPTY_" + string(rune('A'+i)) + "=\n")
		}
	}
	data := []byte(src.String())
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		f, err := Parse(".env", data)
		if err != nil || len(f.Entries) != 20 {
			b.Fatalf("Parse: %v", err)
		}
	}
}

// BenchmarkParseUnterminated parses a hostile file in which every line opens
// a quote that never closes.
func BenchmarkParseUnterminated(b *testing.B) {
	data := []byte(strings.Repeat("A='x\nB=\"y\\\n", 5000))
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Parse(".env", data); err == nil {
			b.Fatal("no error")
		}
	}
}
