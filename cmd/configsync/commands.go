package main

import (
	"slices"

	"github.com/spf13/pflag"
)

// commands is the command table, in the order help lists them: each row
// names a command, its arguments and summary for help, and flags, which
// declares its flags and binds its run function (runPush, ...) to them.
func commands() []*command {
	return slices.Concat(setupCommands, teamCommands, envCommands, trackCommands,
		syncCommands, injectCommands, storeCommands, hooksCommands, configCommands,
		// help and man read this table, so their rows are built here: a
		// package variable may not refer to itself.
		[]*command{
			{name: "completion", args: "bash|zsh|fish", params: []string{"SHELL"},
				summary: "print a shell completion script (bash, zsh or fish)",
				flags:   noFlags(runCompletion)},
			{name: "man", args: "[--dir DIR]",
				summary: "write the manual pages (configsync.1 and one per command group)",
				flags:   manFlags},
			{name: "version", args: "", summary: "print the version",
				flags: noFlags(runVersion)},
			{name: "help", variadic: true, args: "[COMMAND]", summary: "show help for configsync or one command",
				flags: noFlags(runHelp)},
		})
}

// setupCommands create the store and this machine's identity.
var setupCommands = []*command{
	{name: "init", args: "[--remote URL] [--repo DIR [--branch NAME]] [--name N --email E] [--trust FPR]",
		summary: "create or clone the store; create the identity and first member if missing",
		flags:   initFlags},
	{name: "keys generate", args: "--name N --email E [--passphrase]",
		summary: "create your identity (an OpenPGP v6 key)",
		flags:   keysGenerateFlags},
	{name: "keys import", args: "FILE",
		params:  []string{"FILE"},
		summary: "use an existing OpenPGP secret key (v6, or GnuPG v4 Ed25519/RSA≥3072) as your identity",
		flags:   noFlags(runKeysImport)},
	{name: "keys export", args: "",
		summary: "print your public key (armored) to send to an admin",
		flags:   noFlags(runKeysExport)},
	{name: "keys show", args: "[--json]",
		summary: "show your identity and its membership",
		flags:   keysShowFlags},
}

// teamCommands edit the team manifest (admins).
var teamCommands = []*command{
	{name: "team add", args: "KEYFILE --tier dev[,staging,production] [--admin] [--ci]",
		params:  []string{"KEYFILE"},
		summary: "add a member's public key (admins only); re-wraps the tiers' environment keys",
		flags:   teamAddFlags},
	{name: "team grant", args: "FPR|EMAIL --tier …",
		params:  []string{"FPR|EMAIL"},
		summary: "give a member more tiers (admins only)",
		flags:   teamGrantFlags},
	{name: "team revoke", args: "FPR|EMAIL --tier …",
		params:  []string{"FPR|EMAIL"},
		summary: "take tiers from a member and rotate those environments (admins only)",
		flags:   teamRevokeFlags},
	{name: "team remove", args: "FPR|EMAIL",
		params:  []string{"FPR|EMAIL"},
		summary: "remove a member and rotate every environment it could read (admins only)",
		flags:   noFlags(runTeamRemove)},
	{name: "team list", args: "[--json]",
		summary: "list members: name, email, fingerprint, tiers, admin, ci (device keys grouped by email)",
		flags:   teamListFlags},
}

// envCommands create, choose and rotate environments.
var envCommands = []*command{
	{name: "env create", args: "NAME --tier T [--protect]",
		params:  []string{"NAME"},
		summary: "create an environment with its own key",
		flags:   envCreateFlags},
	{name: "env use", args: "NAME",
		params:  []string{"NAME"},
		summary: "make NAME the active environment on this machine",
		flags:   noFlags(runEnvUse)},
	{name: "env status", args: "[--json]",
		summary: "show the active environment and the available ones",
		flags:   envStatusFlags},
	{name: "env list", args: "[--json]",
		summary: "list environments with their tier, protection and key generation",
		flags:   envListFlags},
	{name: "env delete", args: "NAME [--yes]",
		params:  []string{"NAME"},
		summary: "delete an environment and its items from the store (history keeps them)",
		flags:   envDeleteFlags},
	{name: "env rotate", args: "NAME",
		params:  []string{"NAME"},
		summary: "make a new key generation for an environment and re-encrypt its items",
		flags:   noFlags(runEnvRotate)},
}

// trackCommands choose what this machine syncs.
var trackCommands = []*command{
	{name: "add env", args: "DIR [--project P]",
		params:  []string{"DIR"},
		summary: "track the .env files of a project directory on this machine",
		flags:   addEnvFlags},
	{name: "add file", args: "PATH [--project P]",
		params:  []string{"PATH"},
		summary: "track one secret file (service-account.json, ~/.npmrc…) on this machine",
		flags:   addFileFlags},
	{name: "untrack", args: "PATH",
		params:  []string{"PATH"},
		summary: "stop tracking a directory or file on this machine (the store keeps its items)",
		flags:   noFlags(runUntrack)},
}

// syncCommands move items between this machine and the store.
var syncCommands = []*command{
	{name: "push", args: "[--filter env|file] [--env E] [--project P] [-m MSG] [--yes] [--re-add]",
		summary: "encrypt and commit tracked items to the active (or given) environment",
		flags:   pushFlags},
	{name: "pull", args: "[--filter env|file] [--env E] [--project P] [--ours|--theirs|--force] [--yes] [--dest DIR] [--remote URL|--repo DIR]",
		summary: "restore items of the active (or given) environment as files",
		flags:   pullFlags},
	{name: "diff", args: "[--env E] [--project P] [--show-values] [--json]",
		summary: "compare local items with the store, key by key; values masked unless asked",
		flags:   diffFlags},
	{name: "status", args: "[--env E] [--json]",
		summary: "active environment, tracked items, and what push and pull would do",
		flags:   statusFlags},
	{name: "restore-backup", args: "[--list] [ID|PATH]", variadic: true,
		summary: "bring back a local file pull replaced or removed (kept in $CONFIGSYNC_HOME/backups)",
		flags:   restoreBackupFlags},
	{name: "import", variadic: true,
		args:    "dotenvx|sops|git-secret|dotenv PATH… [--env E] [--project P] [--as-env] [--dry-run] [--yes] [-m MSG]",
		summary: "move secrets in from dotenvx, sops, git-secret or plain .env files, in one push",
		flags:   importFlags},
}

// injectCommands hand the items' variables to a process.
var injectCommands = []*command{
	{name: "inject", args: "[--project P] [--env E] [--overload] [--pristine] [--only K,…] [--no-expand] [--allow-dangerous NAME] [--remote URL|--repo DIR] -- CMD [ARGS…]",
		summary:     "run CMD with the items' variables in its environment; nothing written to disk",
		passthrough: true,
		flags:       injectFlags},
	{name: "export", args: "[--project P] [--env E] [--format dotenv|json|shell|github] [--output FILE] [--remote URL|--repo DIR]",
		summary: "print the items' variables for a CI step (dotenv, json, shell or github)",
		flags:   exportFlags},
}

// storeCommands read the store's history and keep it healthy.
var storeCommands = []*command{
	{name: "log", args: "[--env E] [-n N] [--json]",
		summary: "history: when, who, which items and key names (never values)",
		flags:   logFlags},
	{name: "verify", args: "[--full] [--json]",
		summary: "check every signature and the manifest chain of the store",
		flags:   verifyFlags},
	{name: "repair", args: "[--follow]",
		summary: "put back the last state this machine accepted over refused commits, or --follow a remote moved back (admins)",
		flags:   repairFlags},
	{name: "upgrade", args: "",
		summary: "move a format 1 store to format 2 (admins; once per store)",
		flags:   noFlags(runUpgrade)},
	{name: "doctor", args: "[--fix]",
		summary: "check this machine's configsync (home, config, store, identity, pins, remote, hooks), one line each with what to do",
		flags:   doctorFlags},
}

// hooksCommands manage the git pre-commit guard.
var hooksCommands = []*command{
	{name: "hooks install", args: "[--repo DIR]",
		summary: "install the git pre-commit guard (chains an existing hook)",
		flags:   hooksInstallFlags},
	{name: "hooks uninstall", args: "[--repo DIR]",
		summary: "remove the pre-commit guard and restore the hook it chained",
		flags:   hooksUninstallFlags},
	{name: "hooks pre-commit", args: "",
		summary: "check what is staged (run by the git hook)",
		flags:   noFlags(runHooksPreCommit)},
	{name: "hooks scan", variadic: true, args: "PATH…",
		summary: "run the guard over files or trees (CI, a first audit); exit 1 when something is found",
		flags:   hooksScanFlags},
}

// configCommands read and write local settings.
var configCommands = []*command{
	{name: "config set", args: "KEY VALUE",
		params:  []string{"KEY", "VALUE"},
		summary: "set a local setting (see configsync config list for the keys)",
		flags:   noFlags(runConfigSet)},
	{name: "config get", args: "KEY",
		params:  []string{"KEY"},
		summary: "print a local setting",
		flags:   noFlags(runConfigGet)},
	{name: "config list", args: "",
		summary: "list every local setting with its value (defaults marked)",
		flags:   noFlags(runConfigList)},
	{name: "config unset", args: "KEY",
		params:  []string{"KEY"},
		summary: "remove a local setting (back to its default)",
		flags:   noFlags(runConfigUnset)},
}

// noFlags is the flags of a command that has none: it runs run.
func noFlags(run runFunc) func(*pflag.FlagSet) runFunc {
	return func(*pflag.FlagSet) runFunc { return run }
}
