#!/usr/bin/env bash
# The configsync workflow end to end, on a throwaway local store:
# a laptop (Ada, the admin) and a staging server (a CI member key) share
# secrets through a bare git repository standing in for GitHub/GitLab.
# Nothing outside a temporary directory is touched.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/configsync-demo.XXXXXX")
trap 'rm -rf "$work"' EXIT

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '%s$' "$machine"; printf ' %q' "$@"; printf '\n'; "$@"; }

say "Building configsync"
(cd "$repo" && CGO_ENABLED=0 go build -o "$work/bin/configsync" ./cmd/configsync)
export PATH="$work/bin:$PATH" GIT_CONFIG_NOSYSTEM=1
export GIT_AUTHOR_NAME=demo GIT_AUTHOR_EMAIL=demo@example.com GIT_COMMITTER_NAME=demo GIT_COMMITTER_EMAIL=demo@example.com
unset CONFIGSYNC_IDENTITY CONFIGSYNC_IDENTITY_FILE CONFIGSYNC_PASSPHRASE CONFIGSYNC_REMOTE

# Each machine is its own HOME and CONFIGSYNC_HOME.
laptop() { machine=laptop; export HOME="$work/laptop" CONFIGSYNC_HOME="$work/laptop/.config/configsync"; }
server() { machine=staging-server; export HOME="$work/server" CONFIGSYNC_HOME="$work/server/.config/configsync"; }

say "The shared vault: any git remote (here a bare repository)"
git init -q --bare "$work/secrets.git"
echo "$work/secrets.git"

say "Laptop: Ada's project has .env files scattered in it"
laptop
mkdir -p "$HOME/git/myapp"
cat > "$HOME/git/myapp/.env" <<'ENV'
# myapp
DATABASE_URL=postgres://app:s3cr3t-db-pass@db.internal:5432/app
STRIPE_SECRET_KEY=sk_test_51DemoKeyDoNotUse0000
SENDGRID_API_KEY="SG.demo-sendgrid-key"
PORT=3000
ENV
cat > "$HOME/git/myapp/.env.local" <<'ENV'
DEBUG=true
ENV
(cd "$HOME/git/myapp" && git init -q && echo "console.log('hi')" > app.js)
run configsync init --remote "$work/secrets.git" --name Ada --email ada@example.com
run configsync env create development --tier dev
run configsync env create staging --tier staging
run configsync env create production --tier production --protect
run configsync env use development
run configsync env status
ada_fpr=$(configsync keys show | sed -n 's/^Fingerprint: //p')
run configsync add env "$HOME/git/myapp"
run configsync push --filter env
run configsync push --filter env
run configsync push --env staging

say "Staging server: its own key, sent to the admin"
server
run configsync keys generate --name "staging server" --email staging@example.com
configsync keys export > "$work/server.asc"
echo "(public key written to server.asc)"

say "Laptop: Ada grants the server the staging tier (no item re-encrypted)"
laptop
run configsync team add "$work/server.asc" --tier staging --ci
run configsync team list

say "Staging server: clone the vault, in inject_as_env mode (no .env on its disk, ever)"
server
mkdir -p "$HOME/git/myapp"
echo "(joining, the server checks Ada's fingerprint, given out of band)"
run configsync init --remote "$work/secrets.git" --trust "$ada_fpr"
run configsync env use staging
run configsync config set inject_as_env true
run configsync pull
if [ -e "$HOME/git/myapp/.env" ]; then echo "UNEXPECTED: .env written in inject_as_env mode"; exit 1; fi
ls -A "$HOME/git/myapp"
echo "(no .env: nothing to commit by accident, no file for malware to read)"
run configsync status
echo "Run the app with the secrets injected, nothing written to disk:"
run configsync inject --project myapp -- sh -c 'echo "app sees STRIPE_SECRET_KEY of ${#STRIPE_SECRET_KEY} characters, PORT=$PORT"'
echo "Writing them to a file is refused; a CI step prints them instead:"
if run configsync export --project myapp --output "$HOME/git/myapp/.env"; then echo "UNEXPECTED: allowed"; exit 1; fi
run configsync export --project myapp --format shell --only PORT
echo "The server may not read development (tier dev):"
if configsync pull --env development 2>&1; then echo "UNEXPECTED: allowed"; exit 1; fi

say "Laptop: a protected environment needs consent"
laptop
if run configsync push --env production; then echo "UNEXPECTED: allowed"; exit 1; fi
run configsync push --env production --yes

say "Someone with write access to the remote puts an old team manifest back"
git clone -q -b configsync "$work/secrets.git" "$work/mallory"
(
	cd "$work/mallory"
	old=$(git log --format=%H -n 2 -- team/members.toml | tail -n 1)
	git checkout -q "$old" -- team/
	git commit -q -m "tidy up"
	git push -q origin configsync
)
echo "Every machine that saw the newer state refuses it, naming the commit:"
server
if run configsync pull; then echo "UNEXPECTED: rollback accepted"; exit 1; fi
laptop
if run configsync pull; then echo "UNEXPECTED: rollback accepted"; exit 1; fi
if run configsync status; then echo "UNEXPECTED: rollback accepted"; exit 1; fi
echo "Ada, an admin, puts back the last state her laptop accepted:"
run configsync repair
server
run configsync pull
laptop
run configsync verify

say "Laptop: the pre-commit guard stops plaintext secrets reaching git"
cd "$HOME/git/myapp"
run configsync hooks install
echo "const key = 'sk_test_51DemoKeyDoNotUse0000';" > config.js
git add app.js config.js
if git commit -q -m "add config" 2>&1; then echo "UNEXPECTED: commit went through"; exit 1; fi
echo "(commit blocked; the value was not printed)"
echo "const key = process.env.STRIPE_SECRET_KEY;" > config.js
git add config.js
run git commit -q -m "add config"
git log --oneline

say "History: who changed what (key names, never values)"
run configsync log -n 4

say "For scripts: --json (key names and states, never values; fields in docs/json.md)"
run configsync status --json

say "Done: the vault holds only ciphertext"
if git --git-dir "$work/secrets.git" cat-file --batch-all-objects --batch | grep -q 's3cr3t-db-pass'; then
  echo "UNEXPECTED: plaintext in the vault"; exit 1
fi
# (fsck notes that the bare remote's HEAD names no branch: the vault
# lives on the configsync branch only.)
git --git-dir "$work/secrets.git" fsck --strict --no-progress 2>/dev/null
echo "git fsck --strict: ok; no plaintext in any object"
