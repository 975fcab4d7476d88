// Command configsync keeps a team's secrets OpenPGP-encrypted in git, one
// isolated scope per environment, and hands them back where they are
// needed. See DESIGN.md and `configsync help`.
//
// commands.go is the command table: each row names a command and its
// flags function, which binds the command's named run function (runPush)
// to its flags. Each command group has its file, <group>cmd.go (synccmd.go
// holds push, pull, status and diff). app.go runs one invocation; procenv.go
// is all it takes from the process.
package main

import "os"

func main() { os.Exit(Main(os.Args[1:], SystemEnv())) }
