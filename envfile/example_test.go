package envfile_test

import (
	"fmt"
	"os"

	"github.com/configsync/configsync/envfile"
)

func ExampleParse() {
	data := []byte("# database\nexport DB_URL=postgres://localhost/app\nAPI_KEY='sk-123'\nAPI_KEY=sk-456#prod\n")
	f, err := envfile.Parse(".env", data)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(f.Keys(), f.Len())
	v, _ := f.Lookup("API_KEY")
	fmt.Println(v, v.Reveal())
	for _, d := range f.Diagnostics {
		fmt.Println(d)
	}
	_, err = envfile.Parse(".env", []byte("PASSWORD=\"hunter2\nnot an assignment\n"))
	fmt.Println(err)
	// Output:
	// [DB_URL API_KEY] 2
	// [redacted] sk-456#prod
	// .env:4: warning: hash-in-value (API_KEY)
	// .env:4: warning: duplicate-key (API_KEY)
	// .env:1: error: unterminated-quote (PASSWORD) (and 1 more)
}

func ExampleResolve() {
	base, _ := envfile.Parse(".env", []byte("HOST=localhost\nURL=http://${HOST}:${PORT:-8080}/\nRAW='$HOST'\n"))
	local, _ := envfile.Parse(".env.local", []byte("HOST=example.test\nHOME_BIN=$HOME/bin\n"))
	env := map[string]string{"HOME": "/home/ada"}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	for _, v := range envfile.Resolve([]*envfile.File{base, local}, true, lookup) {
		fmt.Printf("%s=%s\n", v.Key, v.Value.Reveal())
	}
	// Output:
	// HOST=example.test
	// URL=http://localhost:8080/
	// RAW=$HOST
	// HOME_BIN=/home/ada/bin
}

func ExampleEncode() {
	vars := []envfile.Var{
		{Key: "GREETING", Value: envfile.NewValue("it's $5")},
		{Key: "PEM", Value: envfile.NewValue("line 1\nline 2")},
	}
	for _, f := range []envfile.Format{envfile.FormatDotenv, envfile.FormatShell, envfile.FormatGitHub} {
		if err := envfile.Encode(os.Stdout, vars, f); err != nil {
			fmt.Println(err)
		}
	}
	// Output:
	// GREETING="it's \$5"
	// PEM="line 1\nline 2"
	// export GREETING='it'\''s $5'
	// export PEM='line 1
	// line 2'
	// GREETING<<ghadelimiter_1
	// it's $5
	// ghadelimiter_1
	// PEM<<ghadelimiter_1
	// line 1
	// line 2
	// ghadelimiter_1
}

func ExampleDiff() {
	old, _ := envfile.Parse(".env", []byte("A=1\nB=2\n"))
	cur, _ := envfile.Parse(".env", []byte("A=1\nB=3\nC=4\n"))
	for _, c := range envfile.Diff(old, cur) {
		fmt.Println(c.Key, c.Kind, c.Old, c.New)
	}
	// Output:
	// B modified [redacted] [redacted]
	// C added [redacted] [redacted]
}

func ExampleLoadOrder() {
	paths := []string{".env.production", ".env.local", ".env", ".env.example", ".env.development", "api/.env"}
	fmt.Println(envfile.LoadOrder(paths, "development"))
	// Output:
	// [.env .env.development .env.local api/.env]
}
