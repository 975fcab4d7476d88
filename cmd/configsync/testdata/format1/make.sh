#!/bin/sh
# make.sh [CONFIGSYNC_V1] — remake store.bundle, the format 1 store that
# upgrade_format1.txtar upgrades. It is made by the previous release
# (commit d4ddbd2, the last before store format 2) with the embedded test
# keys, as a team would have used it. Without an argument the old binary
# is built from d4ddbd2 in a temporary worktree.
# Run from anywhere inside the repository; it writes store.bundle next to
# this script. Values are test fixtures, not secrets.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
repo=$(git -C "$here" rev-parse --show-toplevel)
keys=$repo/internal/testkeys
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT

cs=${1:-}
if [ -z "$cs" ]; then
	git -C "$repo" worktree add -q --detach "$w/src" d4ddbd2
	(cd "$w/src" && CGO_ENABLED=0 go build -o "$w/configsync-v1" ./cmd/configsync)
	git -C "$repo" worktree remove --force "$w/src"
	cs=$w/configsync-v1
fi

export GIT_CONFIG_NOSYSTEM=1 TZ=UTC
export GIT_AUTHOR_NAME=Test GIT_AUTHOR_EMAIL=test@example.com
export GIT_COMMITTER_NAME=Test GIT_COMMITTER_EMAIL=test@example.com
# as WHO ARGS: configsync on WHO's machine (own HOME, own store clone).
as() {
	who=$1
	shift
	mkdir -p "$w/$who"
	HOME=$w/$who CONFIGSYNC_HOME=$w/$who/.configsync XDG_CONFIG_HOME=$w/$who/.config "$cs" "$@"
}
# put WHO FILE: write stdin to ~/git/myapp/FILE on WHO's machine.
put() {
	mkdir -p "$w/$1/git/myapp"
	cat >"$w/$1/git/myapp/$2"
}

remote=$w/remote.git
git init -q --bare "$remote"

# Alice, the admin: init makes development (tier dev) in this release.
as alice keys import "$keys/alice.asc"
as alice init --remote "$remote"
as alice env create staging --tier staging
as alice env create production --tier production --protect

# myapp: .env and .env.local, different per environment, and a file item.
put alice .env <<'V'
DATABASE_URL=postgres://dev:devpass@localhost/myapp
API_KEY=dev_api_key_1111
V
put alice .env.local <<'V'
DEBUG=true
V
put alice service-account.json <<'V'
{"type": "service_account", "private_key_id": "dev-sa-key-0001"}
V
as alice add env "$w/alice/git/myapp"
as alice add file "$w/alice/git/myapp/service-account.json" --project myapp
as alice push --env development
put alice .env <<'V'
DATABASE_URL=postgres://stg:stgpass@staging.internal/myapp
API_KEY=stg_api_key_2222
V
put alice .env.local <<'V'
DEBUG=false
V
as alice push --env staging --filter env
put alice .env <<'V'
DATABASE_URL=postgres://prod:prodpass@db.internal/myapp
API_KEY=prod_api_key_3333
V
rm "$w/alice/git/myapp/.env.local"
as alice push --env production --filter env --yes

# Bob (dev), Gus (dev, a GnuPG v4 key), CI (staging, machine key) and
# Carol (dev, staging) join: each team add re-wraps the environment keys
# of their tiers (for Gus, re-encrypts them as SEIPDv1).
for who in bob ci carol; do
	as $who keys import "$keys/$who.asc"
	as $who keys export >"$w/$who.pub.asc"
done
as alice team add "$w/bob.pub.asc" --tier dev
as alice team add "$keys/gpgv4.pub.asc" --tier dev
as alice team add "$w/ci.pub.asc" --tier staging --ci
as alice team add "$w/carol.pub.asc" --tier dev,staging
as bob init --remote "$remote"
as carol init --remote "$remote"

# Carol writes items while she is a member: development's .env and a
# new project of hers, staging's .env.local.
mkdir -p "$w/carol/git/myapp"
as carol add env "$w/carol/git/myapp"
as carol pull --env development
printf 'CAROL_FEATURE_FLAG=on\n' >>"$w/carol/git/myapp/.env"
as carol push --env development
mkdir -p "$w/carol/git/worker"
printf 'QUEUE_URL=amqp://worker:workerpass@mq.internal/\n' >"$w/carol/git/worker/.env"
as carol add env "$w/carol/git/worker"
as carol push --env development --project worker
as carol pull --env staging
printf 'DEBUG=false\nCACHE_TTL=60\n' >"$w/carol/git/myapp/.env.local"
as carol push --env staging --project myapp

# Carol leaves: development and staging rotate (items signed again by
# Alice); the history keeps what Carol signed.
as alice team remove carol@example.com

# Production's key is rotated on demand.
as alice env rotate production

# Bob writes after the rotation: an item signed by a non-admin member.
mkdir -p "$w/bob/git/myapp"
as bob add env "$w/bob/git/myapp"
as bob pull --env development
printf 'BOB_ADDED=bob_value_4444\n' >>"$w/bob/git/myapp/.env"
as bob push --env development --project myapp

as alice verify
git -C "$remote" symbolic-ref HEAD refs/heads/configsync
git -C "$remote" fsck --strict
rm -f "$here/store.bundle"
git -C "$remote" bundle create "$here/store.bundle" --all
ls -l "$here/store.bundle"
