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

import (
	"os"
	"runtime/debug"

	// Maps the binary's code and first heap pages before the other
	// packages initialise: start-up is mostly page faults (docs/perf.md).
	_ "github.com/configsync/configsync/internal/prefault"
)

func main() {
	env := SystemEnv()
	softMemoryLimit(env.Getenv("GOMEMLIMIT"))
	os.Exit(Main(os.Args[1:], env))
}

// memoryLimit is the process's soft memory limit (runtime/debug): the
// collector otherwise lets the heap grow to twice what is live, and a
// push of 10,000 items holds ~60 MB live at its commit (every item's
// ciphertext, its content for the leak index, the sync state) while it
// makes as much again in garbage: 180 MB peak, 130 with this limit, for
// no measurable CPU (docs/perf.md). Commands that hold less never reach
// it.
const memoryLimit = 120 << 20

// softMemoryLimit sets memoryLimit unless GOMEMLIMIT (which the runtime
// has applied; "off" for none) says otherwise.
func softMemoryLimit(fromEnv string) {
	if fromEnv == "" {
		debug.SetMemoryLimit(memoryLimit)
	}
}
