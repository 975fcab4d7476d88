package main

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/configsync/configsync/config"
	"github.com/configsync/configsync/envfile"
	"github.com/configsync/configsync/gitstore"
	"github.com/configsync/configsync/keyring"
	"github.com/configsync/configsync/scopes"
)

// createFirstEnv is the brief's step after init, suggested wherever an
// environment is needed and the store has none.
const createFirstEnv = "configsync env create development --tier dev"

// hint says what to do about err: the second half of every error line.
// The first hint that knows err answers; their order matters where one
// error matches more than one case.
func hint(err error) string {
	for _, h := range []func(error) string{storeHint, setupHint, itemHint, keyHint, remoteHint, projectHint} {
		if s := h(err); s != "" {
			return s
		}
	}
	return ""
}

// storeHint says what to do about the store's state and its trust.
func storeHint(err error) string {
	var (
		format    *scopes.FormatError
		escape    *scopes.EscapeError
		unpinned  *scopes.UnpinnedError
		refusedAt *scopes.RefusedError
		trustErr  *scopes.TrustError
		oldFormat *scopes.OldFormatError
		damaged   *scopes.DamagedError
		keyFile   *keyFileError
	)
	switch {
	case errors.As(err, &keyFile):
		return keyFile.fix
	case errors.As(err, &damaged) && damaged.Repo:
		return "fix that repository with git, or stop using it: configsync config unset store.repo (configsync doctor checks the rest)"
	case errors.As(err, &damaged):
		return "run configsync doctor --fix (it fetches the store again from the remote)"
	case errors.As(err, &unpinned):
		return "pin them with CONFIGSYNC_ADMINS=FPR[,FPR] (configsync team list shows them) or [store] admins in the repository's configsync.toml"
	case errors.As(err, &refusedAt), errors.As(err, &trustErr):
		return "do not use it; an admin runs configsync repair on a machine that accepted an earlier state (configsync verify lists the commits)"
	case errors.Is(err, scopes.ErrNothingToRepair):
		return "nothing to do (configsync verify shows the store's state)"
	case errors.As(err, new(*scopes.PutBackError)):
		return "the upgrade would vouch for it: revert it with git, or remove or rewrite what it changed with the previous configsync, then upgrade"
	case errors.Is(err, scopes.ErrUpgradeRefused):
		return "run configsync verify --full, fix what it lists, then upgrade"
	case errors.Is(err, scopes.ErrAdminsRejected):
		return "nothing was changed; run init again once you have compared the fingerprints, or pass --trust FPR"
	case errors.As(err, &oldFormat):
		return "an admin runs configsync upgrade once, then retry"
	case errors.As(err, &format):
		return "upgrade configsync"
	case errors.As(err, &escape):
		return "pull never writes through it (nothing was written): remove the link, or restore with --dest DIR"
	}
	return ""
}

// setupHint says what to do about what is missing on this machine or in the store, and access.
func setupHint(err error) string {
	var (
		unknownEnv *scopes.UnknownEnvironmentError
		exists     *scopes.EnvironmentExistsError
		notMember  *scopes.NotMemberError
		access     *scopes.AccessError
		notAdmin   *scopes.NotAdminError
		protected  *scopes.ProtectedError
		envKey     *scopes.EnvironmentKeyError
		lowered    *scopes.TierLoweredError
	)
	switch {
	case errors.Is(err, config.ErrInsecureKey):
		return "make it a file only you may read (chmod 600), or remove it: configsync makes a new one"
	case errors.Is(err, scopes.ErrNoStore):
		return "run configsync init (or pass --remote URL / --repo DIR)"
	case errors.Is(err, scopes.ErrNoIdentity):
		return "run configsync keys generate --name NAME --email EMAIL, or set CONFIGSYNC_IDENTITY"
	case errors.Is(err, scopes.ErrIdentityExists):
		return "keep it, or use another --home"
	case errors.Is(err, scopes.ErrStoreExists):
		return "nothing to do; use another --home for a second store"
	case errors.Is(err, scopes.ErrNoEnvironmentYet):
		return "create one with " + createFirstEnv
	case errors.Is(err, scopes.ErrNoEnvironment):
		return "choose one with configsync env use NAME or pass --env NAME"
	case errors.Is(err, scopes.ErrNotStore):
		return "check the remote or branch, or run configsync init with an empty one"
	case errors.As(err, &unknownEnv) && scopes.ValidateName("environment", unknownEnv.Name) != nil:
		return "use one of the available environments"
	case errors.As(err, &unknownEnv):
		return fmt.Sprintf("create it with configsync env create %s --tier TIER", unknownEnv.Name)
	case errors.As(err, &exists):
		return "pick another name, or configsync env use " + exists.Env.Name
	case errors.As(err, &notMember):
		return "send your public key (configsync keys export) to an admin, who runs configsync team add"
	case errors.As(err, &access):
		return fmt.Sprintf("ask an admin for tier %s (configsync team grant)", access.Tier)
	case errors.As(err, &notAdmin) && len(notAdmin.Admins) > 0:
		return "ask an admin (" + strings.Join(notAdmin.Admins, ", ") + ") to make this change"
	case errors.As(err, &notAdmin):
		return "ask an admin to make this change"
	case errors.As(err, &lowered):
		return "do not use it; ask an admin to check it with configsync verify and to re-create it"
	case errors.As(err, &envKey):
		return fmt.Sprintf("run configsync verify; an admin holding the tier can run configsync env rotate %s", envKey.Env)
	case errors.As(err, &protected):
		return fmt.Sprintf("re-run with --yes to overwrite %d %s", protected.Keys, plural(protected.Keys, "key", "keys"))
	}
	return ""
}

// itemHint says what to do about the items: local changes, conflicts, names and files.
func itemHint(err error) string {
	var (
		local      *scopes.LocalChangesError
		conflict   *scopes.ConflictError
		untrusted  *scopes.UntrustedManifestError
		signer     *scopes.SignerError
		name       *scopes.NameError
		tier       *scopes.UnknownTierError
		syntax     *envfile.SyntaxError
		fileErr    *config.FileError
		unknownKey *config.UnknownKeyError
		deleted    *scopes.DeletedInStoreError
		entry      *scopes.StoreEntryError
	)
	switch {
	case errors.As(err, &local):
		return "push them first, or re-run with --force to overwrite them"
	case errors.As(err, &conflict):
		return "run configsync pull (it merges the store's changes into your file), then push again"
	case errors.As(err, new(*scopes.PullConflictError)):
		return "keep yours with configsync pull --ours, or take the store's with configsync pull --theirs (yours then goes to a backup)"
	case errors.As(err, &deleted):
		it := plural(len(deleted.Files), "it", "them")
		return fmt.Sprintf("run configsync pull to remove %s here, or put %s back with configsync push --re-add", it, it)
	case errors.As(err, new(*scopes.NoBackupError)):
		return "configsync restore-backup --list shows the backups kept"
	case errors.As(err, &untrusted):
		return "compare the manifest with an admin; run configsync verify"
	case errors.As(err, &signer):
		return "push your copy to replace it (configsync push), or ask a member of its tier to; configsync verify names the commit that wrote it"
	case errors.As(err, &entry) && entry.Field == "dir":
		return fmt.Sprintf("track the project where it belongs (configsync add env DIR --project %s) or pull it with --project %s --dest DIR, and revert the commit that changed it with git", entry.Project, entry.Project)
	case errors.As(err, &entry):
		return "configsync never writes such a path: run configsync verify to see the commit that wrote it, and revert that commit with git"
	case errors.As(err, &name):
		return "choose another name"
	case errors.As(err, &tier):
		return "use one of dev, staging, production"
	case errors.As(err, &syntax):
		return "fix the file (nothing was encrypted)"
	case errors.As(err, &unknownKey):
		return "see configsync config list"
	case errors.As(err, &fileErr):
		return "fix or remove the file"
	}
	return ""
}

// keyHint says what to do about keys, passphrases and the lock.
func keyHint(err error) string {
	var (
		unsupported *keyring.UnsupportedKeyError
		locked      *config.LockedError
	)
	switch {
	case errors.Is(err, keyring.ErrWrongPassphrase):
		return "check CONFIGSYNC_PASSPHRASE or retype it"
	case errors.Is(err, keyring.ErrPassphraseRequired):
		return "set CONFIGSYNC_PASSPHRASE or run on a terminal"
	case errors.As(err, &unsupported):
		return "use an Ed25519/X25519 key or RSA of 3072 bits or more"
	case errors.Is(err, keyring.ErrCompressed):
		return "configsync never compresses: push your copy to replace it (configsync push); configsync verify names the commit that wrote it"
	case errors.Is(err, keyring.ErrTooLarge):
		return "configsync keeps items up to 64 MiB: track a smaller file, or revert the commit that wrote a larger one (configsync verify names it)"
	case errors.Is(err, keyring.ErrNoKey):
		return "your key cannot decrypt this: ask an admin to grant you access"
	case errors.As(err, &locked):
		return "another configsync is running; wait for it, or stop it"
	}
	return ""
}

// remoteHint says what to do about remotes and the network.
func remoteHint(err error) string {
	var (
		hostKey     *gitstore.HostKeyError
		plainHTTP   *gitstore.PlainHTTPError
		refLock     *gitstore.RefLockError
		remoteLock  *gitstore.RemoteLockError
		unreachable *scopes.FetchError
	)
	switch {
	case errors.As(err, &unreachable):
		return "check the network and the remote URL; pull still works from the local copy"
	case errors.As(err, &remoteLock):
		return "if no push to that remote is running, remove the file there (a git killed mid-update left it)"
	case errors.Is(err, gitstore.ErrNonFastForward):
		return "run configsync pull, then push again"
	case errors.As(err, &hostKey) && hostKey.Changed:
		return "if the server's key really changed, check the new one with its admin, then replace its line in known_hosts (ssh-keygen -R HOST)"
	case errors.As(err, &hostKey):
		return "check the key's fingerprint with the server's admin, then add it: " + hostKey.KeyscanCommand() + " >> ~/.ssh/known_hosts"
	case errors.As(err, &plainHTTP):
		return "use the remote's https:// URL, or unset CONFIGSYNC_GIT_TOKEN"
	case errors.Is(err, gitstore.ErrAuthFailed):
		return "check CONFIGSYNC_GIT_TOKEN, your git credentials (git credential) or your ssh key"
	case errors.Is(err, gitstore.ErrNoSSHKey):
		return "load a key into ssh-agent (ssh-add), or create ~/.ssh/id_ed25519 and give its public key to the server"
	case errors.Is(err, gitstore.ErrRemoteNotFound):
		return "check the remote URL and that you may read it"
	case errors.As(err, &refLock):
		return "if no git or configsync is using the store, remove " + refLock.Path
	}
	return ""
}

// projectHint says what to do about projects, variables and paths.
func projectHint(err error) string {
	var (
		notTracked     *scopes.NotTrackedError
		unknownProject *scopes.UnknownProjectError
		dangerous      *scopes.DangerousError
		injectOnly     *scopes.InjectOnlyError
	)
	switch {
	case errors.As(err, &unknownProject):
		return "pick one of the listed projects"
	case errors.As(err, &notTracked):
		return "see configsync status for what is tracked"
	case errors.As(err, &dangerous):
		return fmt.Sprintf("if you trust whoever can write this environment, re-run with --allow-dangerous %s", strings.Join(dangerous.Names, ","))
	case errors.As(err, &injectOnly):
		return fmt.Sprintf("run configsync inject --project %s -- CMD, or export to stdout without --output", injectOnly.Project)
	case errors.Is(err, fs.ErrPermission):
		return "check the file's permissions"
	case errors.Is(err, fs.ErrNotExist):
		return "check the path"
	}
	return ""
}

// details are extra lines under the error line: which keys differ, etc.
func details(err error) []string {
	var local *scopes.LocalChangesError
	if errors.As(err, &local) {
		return keyLines(local.Files)
	}
	var syntax *envfile.SyntaxError
	if errors.As(err, &syntax) && len(syntax.Diagnostics) > 1 {
		var out []string
		for _, d := range syntax.Diagnostics {
			out = append(out, d.String())
		}
		return out
	}
	return nil
}

func keyLines(files []scopes.KeyChange) []string {
	var out []string
	for _, f := range files {
		if len(f.Keys) == 0 {
			out = append(out, f.Path+": contents differ")
			continue
		}
		out = append(out, f.Path+": "+scopes.KeyList(f.Keys))
	}
	return out
}
