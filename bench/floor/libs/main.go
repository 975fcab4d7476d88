// Command libs links the libraries configsync reads a local store with
// (OpenPGP, go-git's object storage, TOML, flags) and does nothing: the
// start-up floor of any program built on them, for bench/inject.sh.
//
//	libs               exits
//	libs -- CMD ARG…   replaces itself with CMD, as inject does
//
// The second form times what handing over to a command costs (execve
// from a multi-threaded Go process, then the command's own start-up),
// which `configsync inject -- true` pays and `configsync version` does not.
package main

import (
	"fmt"
	"os"
	"os/exec"
	"syscall"

	_ "github.com/BurntSushi/toml"
	_ "github.com/ProtonMail/go-crypto/openpgp/v2"
	_ "github.com/go-git/go-git/v5/plumbing/object"
	_ "github.com/go-git/go-git/v5/storage/filesystem"
	_ "github.com/spf13/pflag"
)

func main() {
	if len(os.Args) < 3 || os.Args[1] != "--" {
		return
	}
	path, err := exec.LookPath(os.Args[2])
	if err == nil {
		err = syscall.Exec(path, os.Args[2:], os.Environ())
	}
	fmt.Fprintln(os.Stderr, "libs:", err)
	os.Exit(1)
}
