#!/usr/bin/env bash
# Times configsync on one large .env (issue 11 item 7): 10 MB, ~97,000
# variables, one project, a local store in a throwaway $HOME.
#
#   bash bench/bigenv.sh            RUNS=3 by default
#   VARS=20000 RUNS=5 bash bench/bigenv.sh
#
# Timed (median of RUNS, each a whole process):
#   push-first    the first push of the file (a fresh store each run)
#   push-1-line   push after a one-line change
#   status        status with a one-line change not yet pushed
#   diff          diff with a one-line change not yet pushed
# Targets: push-1-line ≤ 2 s and status ≤ 2 s. Writes only under bench/out/
# and a temp dir; exits non-zero if a step fails (a missed target is
# reported, not a failure).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

RUNS=${RUNS:-3}
VARS=${VARS:-97000}
need_hyperfine
build
sandbox
cd "$WORK"
echo "configsync $("$CS" version 2>/dev/null | head -n 1), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"

proj="$HOME/git/bigapp"
mkdir -p "$proj"
# VARS lines of ~105 bytes: KEY_000001=<92 pseudo-random characters>.
awk -v n="$VARS" 'BEGIN {
	srand(11)
	chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	for (i = 1; i <= n; i++) {
		v = ""
		for (j = 0; j < 92; j++) v = v substr(chars, 1 + int(rand() * 62), 1)
		printf "KEY_%06d=%s\n", i, v
	}
}' >"$WORK/big.env"
cp "$WORK/big.env" "$proj/.env"
echo "file: $(wc -l <"$proj/.env") variables, $(wc -c <"$proj/.env") bytes"

# A fresh home with the project tracked and nothing pushed (the store and
# the identity are kept in $WORK/fresh and copied back before each run).
"$CS" -q init --name Bench --email bench@example.com
"$CS" -q env create development --tier dev
"$CS" -q add env "$proj"
cp -a "$CONFIGSYNC_HOME" "$WORK/fresh"
reset_home="rm -rf '$CONFIGSYNC_HOME' && cp -a '$WORK/fresh' '$CONFIGSYNC_HOME'"

measure push-first "$RUNS" "$reset_home" "$CS" -q push
first_ms=$MEDIAN_MS

# Each run changes one line (a new value for the 50,000th variable, or
# the middle one of a smaller file) and pushes it.
mid=$(printf 'KEY_%06d' $(((VARS + 1) / 2)))
change="sed -i 's/^$mid=.*/$mid=changed'\$(date +%s%N)'/' '$proj/.env'"
measure push-1-line "$RUNS" "$change" "$CS" -q push
push_ms=$MEDIAN_MS

eval "$change"
measure status "$RUNS" "" "$CS" status
status_ms=$MEDIAN_MS
measure diff "$RUNS" "" "$CS" diff
diff_ms=$MEDIAN_MS
"$CS" diff | grep -q "$mid" || die "diff does not name the changed key"

verdict "push after a one-line change (ms)" "$push_ms" "<=" 2000
verdict "status (ms)" "$status_ms" "<=" 2000
echo "medians (ms): push-first $first_ms, push-1-line $push_ms, status $status_ms, diff $diff_ms"
