#!/usr/bin/env bash
# Times configsync against a remote that holds 10,000 items: 100 projects
# ~/git/p00 … p99 of 100 env files each (20 variables a file), seeded by
# one push. p42's first four files carry dotenv's own names (.env,
# .env.development, .env.local, .env.development.local), so that a CI
# export of p42 has something to merge.
#
#   bash bench/remote.sh           RUNS=10 by default; RUNS=20 bash bench/remote.sh
#
# Over a bare repository on disk (go-git's file transport runs
# git-receive-pack) and over a real git daemon on 127.0.0.1 (git://):
#
#   push-1-of-10000   Bob's laptop, a clone that tracks one project (p00),
#                     changes one item and pushes.          target ≤ 500 ms
#                     Checked: each push adds exactly 7 objects to the
#                     remote (the commit, 5 trees on the item's path, one
#                     blob): only new objects travel.
#   export-ci         a CI job: empty CONFIGSYNC_HOME, the key in
#                     CONFIGSYNC_IDENTITY, export --remote of p42.
#                                                           target ≤ 2000 ms
#   push-1-tracking-all   the seeding machine, which tracks all 10,000
#                     files, changes one and pushes: reported, no target
#                     (its cost is reading and hashing 10,000 local files,
#                     issue 2's push path, not the remote).
#
# Writes only under bench/out/ and a temp dir; starts and stops its own git
# daemon. Exits non-zero if a step fails (a missed target is reported, not
# a failure: speed is measured).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

RUNS=${RUNS:-10}
need_hyperfine
build
sandbox
DAEMON_PID=
trap '[ -n "$DAEMON_PID" ] && kill "$DAEMON_PID" 2>/dev/null; rm -rf "$WORK"' EXIT
cd "$WORK"

remote="$WORK/srv/secrets.git"
loose() { git --git-dir="$remote" count-objects -v | awk '/^count:/ { print $2 }'; }
tip() { git --git-dir="$remote" rev-parse --verify -q refs/heads/configsync; }

echo "setup: 10,000 items in 100 projects, seeded by one push"
mkdir -p "$WORK/srv"
git init -q --bare "$remote"
"$OUT/gen" -dir "$HOME/git" -projects 100 -files 100 -round 0
p42="$HOME/git/p42"
mv "$p42/.env.0" "$p42/.env"
mv "$p42/.env.1" "$p42/.env.development"
mv "$p42/.env.2" "$p42/.env.local"
mv "$p42/.env.3" "$p42/.env.development.local"
SEED_HOME=$HOME SEED_CS=$CONFIGSYNC_HOME
"$CS" -q init --name Seed --email seed@example.com --remote "$remote"
"$CS" -q env create development --tier dev
for dir in "$HOME"/git/p*; do
	"$CS" -q add env "$dir"
done
t0=$(date +%s%N)
"$CS" -q push
echo "seed push of 10,000 items: $((($(date +%s%N) - t0) / 1000000)) ms"
n=$(git --git-dir="$remote" ls-tree -r --name-only configsync | grep -c '/items/.*\.pgp$')
[ "$n" = 10000 ] || die "the remote holds $n items, want 10000"

# Bob and the CI key become members (keys made in throwaway homes).
"$CS" --home "$WORK/bob/.cs" -q keys generate --name Bob --email bob@example.com
"$CS" --home "$WORK/bob/.cs" keys export >"$WORK/bob.pub.asc"
"$CS" --home "$WORK/ci-key" -q keys generate --name CI --email ci@example.com
"$CS" --home "$WORK/ci-key" keys export >"$WORK/ci.pub.asc"
"$CS" -q team add "$WORK/bob.pub.asc" --tier dev
"$CS" -q team add "$WORK/ci.pub.asc" --tier dev --ci
CI_KEY=$(cat "$WORK/ci-key/identity.asc")

# bench_remote LABEL URL: the three measurements against one remote URL.
bench_remote() {
	local label=$1 url=$2
	echo
	echo "== $label: $url"

	# Bob's laptop: a clone of the store that tracks p00 only.
	export HOME="$WORK/bob" CONFIGSYNC_HOME="$WORK/bob/.cs"
	rm -rf "$CONFIGSYNC_HOME/store.git" "$CONFIGSYNC_HOME/config.toml" "$CONFIGSYNC_HOME/state.json" "$HOME/git"
	mkdir -p "$HOME/git"
	cp -r "$SEED_HOME/git/p00" "$HOME/git/p00"
	"$CS" -q init --remote "$url"
	"$CS" -q add env "$HOME/git/p00"
	[ "$("$CS" push)" = 'Everything up to date in "development" scope.' ] || die "Bob's first push was not a no-op"
	local before_tip before_loose
	before_tip=$(tip) before_loose=$(loose)
	measure "push-1-of-10000 ($label)" "$RUNS" \
		"printf 'SERVICE_00_SECRET=%s\n' \$(date +%s%N) >'$HOME/git/p00/.env.7'" \
		"$CS" push
	PUSH_MS=$MEDIAN_MS
	local pushes added
	pushes=$(git --git-dir="$remote" rev-list --count "$before_tip..$(tip)")
	added=$(($(loose) - before_loose))
	[ "$pushes" = $((RUNS + 1)) ] || die "expected one commit per push ($((RUNS + 1))), found $pushes"
	[ "$added" = $((7 * pushes)) ] || die "$pushes pushes of one item added $added objects to the remote, want $((7 * pushes))"
	echo "  only new objects travel: $pushes pushes added $added objects (7 each: commit, 5 trees, 1 blob)"

	# A CI job: nothing on disk, an empty home each run.
	export HOME="$WORK/ci" CONFIGSYNC_HOME="$WORK/ci/.cs"
	local want got
	want=$(cat "$p42/.env" "$p42/.env.development" "$p42/.env.local" "$p42/.env.development.local" | cut -d= -f1 | sort -u | wc -l)
	got=$(CONFIGSYNC_IDENTITY=$CI_KEY "$CS" export --remote "$url" --env development --project p42 | wc -l)
	[ "$got" = "$want" ] || die "export printed $got variables, want $want"
	CONFIGSYNC_IDENTITY=$CI_KEY measure "export-ci ($label)" "$RUNS" "rm -rf '$CONFIGSYNC_HOME'" \
		"$CS" export --remote "$url" --env development --project p42 --format dotenv
	EXPORT_MS=$MEDIAN_MS

	# The seeding machine, which tracks all 10,000 files.
	export HOME=$SEED_HOME CONFIGSYNC_HOME=$SEED_CS
	"$CS" -q pull --force
	measure "push-1-tracking-all ($label)" "$RUNS" \
		"printf 'SERVICE_00_SECRET=%s\n' \$(date +%s%N) >'$HOME/git/p00/.env.9'" \
		"$CS" push
	ALL_MS=$MEDIAN_MS
}

echo "configsync $("$CS" version 2>/dev/null | head -n 1), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"

bench_remote path "$remote"
path_push=$PUSH_MS path_export=$EXPORT_MS path_all=$ALL_MS

# A real git daemon on a free port of 127.0.0.1, stopped on exit.
for try in 1 2 3 4 5; do
	port=$((20000 + RANDOM % 40000))
	git daemon --reuseaddr --base-path="$WORK/srv" --export-all --enable=receive-pack \
		--listen=127.0.0.1 --port="$port" "$WORK/srv" 2>/dev/null &
	DAEMON_PID=$!
	for _ in $(seq 50); do
		git ls-remote "git://127.0.0.1:$port/secrets.git" >/dev/null 2>&1 && break 2
		kill -0 "$DAEMON_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill "$DAEMON_PID" 2>/dev/null || true
	DAEMON_PID=
done
[ -n "$DAEMON_PID" ] || die "git daemon did not start"
bench_remote git-daemon "git://127.0.0.1:$port/secrets.git"
daemon_push=$PUSH_MS daemon_export=$EXPORT_MS daemon_all=$ALL_MS

fsck=$(git --git-dir="$remote" fsck --strict --no-dangling 2>&1) || die "git fsck of the remote failed: $fsck"

echo
verdict "push of 1 item to 10,000, path (ms)" "$path_push" "<=" 500
verdict "push of 1 item to 10,000, git:// (ms)" "$daemon_push" "<=" 500
verdict "CI export --remote of one project, path (ms)" "$path_export" "<=" 2000
verdict "CI export --remote of one project, git:// (ms)" "$daemon_export" "<=" 2000
echo "  reported: push of 1 item by a machine tracking all 10,000: path $path_all ms, git:// $daemon_all ms"
echo "missed targets: ${MISSED:-0}"
