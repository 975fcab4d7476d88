#!/usr/bin/env bash
# Times configsync against stores of 100, 1,000 and 10,000 commits (issue
# 9: verification costs O(new commits), not O(history)).
#
#   bash bench/history.sh                 RUNS=10 by default
#   SIZES="100 1000" RUNS=20 bash bench/history.sh
#
# The store is made once by bench/history (Go, in-process through the
# scopes API: every commit a genuine signed push of one changed item, the
# environment's index re-signed and chained) and cached under
# ${BENCH_HISTORY_CACHE:-$TMPDIR/configsync-bench-history}; a store of
# N commits is the first N of that history, pushed to a bare repository
# that serves as the remote. For each N, two machines of Alice's join it
# with init --remote: A writes (makes the new commits), B reads. Timed,
# each as a whole process:
#
#   version     the floor: process start, no store read
#   verify-0    B, everything pulled and verified: 0 new commits
#   verify-1    B, 1 new commit fetched (plain git) and not yet verified
#   log-5       B, log -n 5
#   pull-1      B, pull with 1 new commit on the remote (A pushed it)
#   push-1      A, push of one changed item
#   export-remote  CI: export --remote with pins, no home (a depth-1 fetch)
#   init-join   a fresh home: init --remote --trust FPR (shallow: the
#               last 50 commits, docs/decisions.md)
#   verify-full B, verify --full: walks every commit, expected to grow
#
# Prints a table of medians (ms), the ratio 10,000/100 of each, and the
# same ratio of each figure minus the floor. Writes only under bench/out/,
# a temp dir and the cache.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

RUNS=${RUNS:-10}
SIZES=${SIZES:-"100 1000 10000"}
need_hyperfine
build
(cd "$BENCH_DIR/.." && go build -o "$OUT/history" ./bench/history) || die "build of bench/history failed"
sandbox
cd "$WORK"
echo "configsync $("$CS" version 2>/dev/null | head -n 1), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"

# The cache is keyed by what decides the store's bytes: the generator
# and the format 2 writer and rules.
max=0
for n in $SIZES; do ((n > max)) && max=$n; done
key=$(cd "$BENCH_DIR/.." && cat bench/history/main.go scopes/seal.go scopes/trust.go scopes/chain.go | sha256sum | cut -c1-16)
cache="${BENCH_HISTORY_CACHE:-${TMPDIR:-/tmp}/configsync-bench-history}/$key"
gen=
for d in "$cache"/n*; do
	[ -f "$d/commits.txt" ] && (($(wc -l <"$d/commits.txt") >= max)) && gen=$d && break
done
if [ -z "$gen" ]; then
	echo "generating a store of $max commits in $cache (cached for later runs)"
	mkdir -p "$cache"
	rm -rf "$cache/n$max.tmp"
	t0=$(date +%s%N)
	"$OUT/history" -dir "$cache/n$max.tmp" -commits "$max"
	echo "generated $max commits in $((($(date +%s%N) - t0) / 1000000)) ms"
	mv "$cache/n$max.tmp" "$cache/n$max"
	gen=$cache/n$max
fi
FPR=$(cat "$gen/admin.fpr")
echo "store: $gen ($(wc -l <"$gen/commits.txt") commits)"

# as HOME: runs the rest with that machine's HOME and CONFIGSYNC_HOME.
as() {
	local h=$1
	shift
	HOME=$h CONFIGSYNC_HOME=$h/cs "$@"
}

# machine DIR REMOTE: a home of Alice's that joined REMOTE and pulled.
machine() {
	mkdir -p "$1/cs" "$1/git/app"
	cp "$gen/identity.asc" "$1/cs/identity.asc"
	as "$1" "$CS" -q init --remote "$2" --trust "$FPR" >/dev/null
	as "$1" "$CS" -q pull >/dev/null
	as "$1" "$CS" -q add env "$1/git/app" >/dev/null
}

# The prepare steps, run untimed before each run (hyperfine runs them in
# a shell of their own, hence a script).
cat >"$WORK/prep.sh" <<'EOF'
set -euo pipefail
CS=$1 A=$2 B=$3 what=$4
new_commit() { # A pushes one changed item
	printf 'SERVICE_00_SECRET=%s\n' "$(date +%s%N)" >"$A/git/app/.env.0"
	HOME=$A CONFIGSYNC_HOME=$A/cs "$CS" -q push >/dev/null
}
case $what in
pull) new_commit ;;
push) printf 'SERVICE_01_SECRET=%s\n' "$(date +%s%N)" >"$A/git/app/.env.1" ;; # A then pushes it, timed
verify) # B accepts all it has, then fetches one new commit with plain git
	HOME=$B CONFIGSYNC_HOME=$B/cs "$CS" -q pull >/dev/null
	new_commit
	git --git-dir="$B/cs/store.git" fetch -q origin +refs/heads/configsync:refs/heads/configsync ;;
join) rm -rf "$B" && mkdir -p "$B/cs" && cp "$A/cs/identity.asc" "$B/cs/" ;;
esac
EOF

declare -A MS CPU
NAMES="version verify-0 verify-1 log-5 pull-1 push-1 export-remote init-join verify-full"
for n in $SIZES; do
	echo
	echo "== $n commits (load $(cut -d' ' -f1-3 /proc/loadavg))"
	remote="$WORK/r$n.git"
	git init -q --bare "$remote"
	git --git-dir="$gen/home/store.git" push -q "$remote" "$(sed -n "${n}p" "$gen/commits.txt"):refs/heads/configsync"
	git --git-dir="$remote" repack -adq # a remote as a git server keeps it
	A="$WORK/a$n" B="$WORK/b$n" C="$WORK/c$n"
	machine "$A" "$remote"
	machine "$B" "$remote"
	got=$(git --git-dir="$B/cs/store.git" rev-list --count refs/heads/configsync)
	want=$((n < 50 ? n : 50)) # a join is shallow: the last 50 commits
	[ "$got" = "$want" ] || die "B's store has $got commits, want $want"

	measure "version ($n)" "$RUNS" "" "$CS" version
	MS[version:$n]=$MEDIAN_MS CPU[version:$n]=${CPU_MS:-0}
	as "$B" "$CS" verify | grep -q '^Verified 0 commits' || die "verify at 0 new commits did not say so"
	as "$B" measure "verify-0 ($n)" "$RUNS" "" "$CS" verify
	MS[verify-0:$n]=$MEDIAN_MS CPU[verify-0:$n]=${CPU_MS:-0}
	as "$B" measure "verify-1 ($n)" "$RUNS" "bash '$WORK/prep.sh' '$CS' '$A' '$B' verify" "$CS" verify
	MS[verify-1:$n]=$MEDIAN_MS CPU[verify-1:$n]=${CPU_MS:-0}
	as "$B" "$CS" verify | grep -q '^Verified 1 commit,' || die "verify-1 did not verify exactly 1 new commit"
	as "$B" "$CS" -q pull >/dev/null
	[ "$(as "$B" "$CS" log -n 5 | grep -c '^[0-9a-f]\{12\} ')" = 5 ] || die "log -n 5 did not show 5 commits"
	as "$B" measure "log-5 ($n)" "$RUNS" "" "$CS" log -n 5
	MS[log-5:$n]=$MEDIAN_MS CPU[log-5:$n]=${CPU_MS:-0}
	before=$(git --git-dir="$B/cs/store.git" rev-parse refs/heads/configsync)
	as "$B" measure "pull-1 ($n)" "$RUNS" "bash '$WORK/prep.sh' '$CS' '$A' '$B' pull" "$CS" pull
	MS[pull-1:$n]=$MEDIAN_MS CPU[pull-1:$n]=${CPU_MS:-0}
	after=$(git --git-dir="$B/cs/store.git" rev-parse refs/heads/configsync)
	[ "$after" = "$(git --git-dir="$remote" rev-parse refs/heads/configsync)" ] || die "B's pull did not reach the remote's tip"
	[ "$(git --git-dir="$B/cs/store.git" rev-list --count "$before..$after")" = $((RUNS + 1)) ] || die "expected one new commit per pull"
	as "$A" "$CS" -q pull >/dev/null # A takes B's history of pulls' commits first
	as "$A" measure "push-1 ($n)" "$RUNS" "bash '$WORK/prep.sh' '$CS' '$A' '$B' push" "$CS" push
	MS[push-1:$n]=$MEDIAN_MS CPU[push-1:$n]=${CPU_MS:-0}
	# CI: no home, a shallow read of the remote into memory, pins given.
	CONFIGSYNC_IDENTITY=$(cat "$gen/identity.asc") CONFIGSYNC_ADMINS=$FPR as "$WORK/ci$n" \
		measure "export-remote ($n)" "$RUNS" "" "$CS" export --remote "$remote" --env development --project app --format json
	MS[export-remote:$n]=$MEDIAN_MS CPU[export-remote:$n]=${CPU_MS:-0}
	measure "init-join ($n)" "$RUNS" "bash '$WORK/prep.sh' '$CS' '$A' '$C' join" \
		"$CS" --home "$C/cs" -q init --remote "$remote" --trust "$FPR"
	MS[init-join:$n]=$MEDIAN_MS CPU[init-join:$n]=${CPU_MS:-0}
	as "$B" "$CS" -q verify --full # fetches what the shallow join left out, once
	as "$B" measure "verify-full ($n)" "$RUNS" "" "$CS" verify --full
	MS[verify-full:$n]=$MEDIAN_MS CPU[verify-full:$n]=${CPU_MS:-0}
done

# table TITLE ARRAY: one row per command, one column per size, then the
# ratio of the largest to the smallest, with and without the floor.
table() {
	local -n v=$2
	echo
	echo "$1"
	printf '%-12s' command
	for n in $SIZES; do printf '%12s' "$n"; done
	printf '%12s%16s\n' "$last/$first" "(minus floor)"
	for name in $NAMES; do
		printf '%-12s' "$name"
		for n in $SIZES; do printf '%12.1f' "${v[$name:$n]}"; done
		awk -v a="${v[$name:$first]}" -v b="${v[$name:$last]}" -v fa="${v[version:$first]}" -v fb="${v[version:$last]}" \
			'BEGIN { if (a > 0) printf "%12.2f", b / a; if (a - fa > 0) printf "%16.2f", (b - fb) / (a - fa); print "" }'
	done
}
first=${SIZES%% *} last=${SIZES##* }
echo
echo "load at the end $(cut -d' ' -f1-3 /proc/loadavg)"
table "wall time, median of $RUNS runs (ms)" MS
# The same medians for bench/chart (bench/scale.sh draws them).
for n in $SIZES; do
	for name in $NAMES; do
		[ "$name" = version ] || printf 'history\t%s\t%s\t%s\n' "$n" "$name" "${MS[$name:$n]}"
	done
done >"$OUT/history.tsv"
[ -n "${CPU_MS:-}" ] && table "CPU time (user+sys), mean of $RUNS runs (ms): on a loaded machine, wall time also measures the neighbours" CPU
exit 0
