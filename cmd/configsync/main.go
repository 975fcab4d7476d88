// Command configsync keeps a team's secrets OpenPGP-encrypted in git, one
// isolated scope per environment, and hands them back where they are
// needed. See DESIGN.md and `configsync help`.
package main

import "os"

func main() { os.Exit(Main(os.Args[1:], SystemEnv())) }
