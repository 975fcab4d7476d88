package fakecli

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// RunIfFake runs the fake this executable is called as, through a link
// made by [Link], and exits with its status; under any other name it
// returns. A TestMain calls it first.
func RunIfFake() {
	switch strings.TrimSuffix(filepath.Base(os.Args[0]), ".exe") {
	case "op":
		os.Exit(OP())
	case "bw":
		os.Exit(BW())
	}
}

// Link puts op and bw in dir, links to this executable (a test binary
// whose TestMain calls [RunIfFake]), and returns what the environment of
// a fake run through them needs so that it exits and writes to stderr as
// the real CLI does: a binary built with -race sleeps a second as it
// exits unless GORACE says not to, and one built with -cover warns on
// stderr unless GOCOVERDIR names a directory for its counters (made in
// dir).
func Link(dir string) ([]string, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	for _, name := range []string{"op", "bw"} {
		if runtime.GOOS == "windows" {
			name += ".exe"
		}
		if err := os.Symlink(exe, filepath.Join(dir, name)); err != nil {
			return nil, err
		}
	}
	cover := filepath.Join(dir, "cover")
	if err := os.Mkdir(cover, 0o700); err != nil {
		return nil, err
	}
	return []string{"GORACE=atexit_sleep_ms=0", "GOCOVERDIR=" + cover}, nil
}
