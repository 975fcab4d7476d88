#!/usr/bin/env bash
# Times the configsync CLI end to end on issue 2's data set: 1000 env items
# of 20 variables each (50 projects ~/git/p00 … p49, 20 files .env.0 …
# .env.19 each), on a local store in a throwaway $HOME.
#
#   bash bench/run.sh            RUNS=5 by default; RUNS=20 bash bench/run.sh
#
# Prints the median of each, and whether it meets its target:
#   push of 1000 changed items ≤ 1.5 s, pull ≤ 1 s (a new machine: every
#   file missing), push with nothing changed ≤ 0.3 s and no commit.
# Writes only under bench/out/ and a temp dir. Exits non-zero if a step
# fails (a missed target is reported, not a failure: speed is measured).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

RUNS=${RUNS:-5}
need_hyperfine
build
sandbox
cd "$WORK"

git_dir="$CONFIGSYNC_HOME/store.git"
tip() { git --git-dir="$git_dir" rev-parse --verify -q refs/heads/configsync; }

echo "setup: 1000 items in $WORK/home/git"
"$CS" -q init --name Bench --email bench@example.com
"$CS" -q env create development --tier dev
"$OUT/gen" -dir "$HOME/git" -round 0
for dir in "$HOME"/git/p*; do
	"$CS" -q add env "$dir"
done
"$CS" push | tail -n 1
[ "$("$CS" push)" = 'Everything up to date in "development" scope.' ] || die "a second push was not a no-op"

echo "configsync $("$CS" version 2>/dev/null | head -n 1), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"

# Every run first rewrites all 1000 items with new values (untimed).
before=$(tip)
measure push-1000-changed "$RUNS" "'$OUT/gen' -dir '$HOME/git' -round \$(date +%s%N)" "$CS" push
push_ms=$MEDIAN_MS
[ "$(tip)" != "$before" ] || die "push of changed items made no commit"
n=$(git --git-dir="$git_dir" rev-list --count "$before..$(tip)")
[ "$n" = $((RUNS + 1)) ] || die "expected one commit per push ($((RUNS + 1))), found $n"

# Every run first deletes all 1000 files (untimed): pull restores them all.
measure pull-1000 "$RUNS" "find '$HOME/git' -name '.env.*' -type f -delete" "$CS" pull
pull_ms=$MEDIAN_MS
[ "$(find "$HOME/git" -name '.env.*' -type f | wc -l)" = 1000 ] || die "pull did not restore 1000 files"

before=$(tip)
measure push-nothing-changed "$RUNS" "" "$CS" push
nothing_ms=$MEDIAN_MS
[ "$(tip)" = "$before" ] || die "push with nothing changed made a commit"

echo
verdict "push of 1000 changed items (ms)" "$push_ms" "<=" 1500
verdict "pull of 1000 items (ms)" "$pull_ms" "<=" 1000
verdict "push with nothing changed (ms), no commit" "$nothing_ms" "<=" 300
echo "missed targets: ${MISSED:-0}"
