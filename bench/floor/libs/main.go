// Command libs links the libraries configsync reads a local store with
// (OpenPGP, go-git's object storage, TOML, flags) and does nothing: the
// start-up floor of any program built on them, for bench/inject.sh.
package main

import (
	_ "github.com/BurntSushi/toml"
	_ "github.com/ProtonMail/go-crypto/openpgp/v2"
	_ "github.com/go-git/go-git/v5/plumbing/object"
	_ "github.com/go-git/go-git/v5/storage/filesystem"
	_ "github.com/spf13/pflag"
)

func main() {}
