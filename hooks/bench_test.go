package hooks

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// benchText returns about n bytes of source-like text.
func benchText(r *rand.Rand, n int) string {
	words := []string{"func", "return", "client", "config", "value", "err", "nil", "if", "for", "range",
		"http://localhost:8080", "user_id", "token", "=", ":=", "{", "}", "(", ")", "\"hello\"", "42", "//", "ctx"}
	var b strings.Builder
	for b.Len() < n {
		for range 1 + r.IntN(12) {
			b.WriteString(words[r.IntN(len(words))])
			b.WriteByte(' ')
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// BenchmarkCheckStaged100Files is the hook on a commit of 100 files (1 MB)
// with an index of 1000 values, on a repository with a HEAD commit.
func BenchmarkCheckStaged100Files(b *testing.B) {
	dir := newRepo(b)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 50 {
		writeFile(b, dir, fmt.Sprintf("old/f%d.go", i), benchText(r, 2000))
	}
	git(b, dir, "add", ".")
	git(b, dir, "commit", "-q", "-m", "first")
	for i := range 100 {
		writeFile(b, dir, fmt.Sprintf("src/pkg%d/file%d.go", i%10, i), benchText(r, 10_000))
	}
	git(b, dir, "add", ".")
	ix := benchIndex(b)
	ctx := context.Background()
	b.SetBytes(1_000_000)
	for b.Loop() {
		fs, err := CheckStaged(ctx, dir, Options{Index: ix, Tracked: []string{"/home/u/app/.env"}})
		if err != nil || len(fs) != 0 {
			b.Fatalf("%v %v", fs, err)
		}
	}
}

// BenchmarkFind1MB is the content scan alone over 1 MB.
func BenchmarkFind1MB(b *testing.B) {
	ix := benchIndex(b)
	data := []byte(benchText(rand.New(rand.NewPCG(3, 4)), 1_000_000))
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		ix.find(data, func(hit) { b.Fatal("false positive") })
	}
}

// BenchmarkReplace97k is what push and pull pay to re-index one item of
// 97,000 values (a 10 MB .env) whose values changed (issue 11 item 7).
func BenchmarkReplace97k(b *testing.B) {
	ix := newIndex(b.TempDir()+"/leak-index", []byte("0123456789abcdef0123456789abcdef"))
	secrets := make([]Secret, 97_000)
	for i := range secrets {
		secrets[i] = Secret{Key: fmt.Sprintf("KEY_%06d", i), Value: fmt.Sprintf("v%d-%090d", i, i)}
	}
	round := 0
	for b.Loop() {
		round++
		secrets[0].Value = fmt.Sprintf("changed-%d-%080d", round, round)
		if n := ix.Replace("dev/app/.env", secrets, 0); n != len(secrets) {
			b.Fatalf("indexed %d", n)
		}
	}
}
