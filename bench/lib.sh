# Shared by bench/run.sh and bench/inject.sh (sourced, not run).
#
# measure NAME RUNS PREPARE CMD…  times CMD (RUNS runs, one warm-up) and
# prints its median in ms; PREPARE ("" for none) runs before each run,
# untimed. With hyperfine it does the timing (and reports CPU time too: on
# a busy machine wall time also measures the neighbours); without, a loop
# of date +%s%N does (also with BENCH_NO_HYPERFINE=1). The median (ms) is left in $MEDIAN_MS.

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUT="$BENCH_DIR/out"

die() { echo "bench: $*" >&2; exit 1; }

# median of numbers on stdin, one a line
median() {
	sort -n | awk '{ v[NR] = $1 } END {
		if (NR == 0) exit 1
		if (NR % 2) printf "%.2f\n", v[(NR + 1) / 2]
		else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

measure() {
	local name=$1 runs=$2 prepare=$3
	shift 3
	local json="$WORK/${name//[^A-Za-z0-9-]/_}.json"
	if [ -z "${BENCH_NO_HYPERFINE:-}" ] && command -v hyperfine >/dev/null; then
		local args=(--runs "$runs" --warmup 1 --export-json "$json" --command-name "$name")
		[ -n "$prepare" ] && args+=(--prepare "$prepare")
		# no shell around the command: no shell start-up to subtract
		[ -z "$prepare" ] && args+=(-N)
		hyperfine --style none "${args[@]}" "$(printf '%q ' "$@")" >/dev/null 2>"$json.err" ||
			{ cat "$json.err" >&2; die "$name failed: run it by hand to see why"; }
		# hyperfine's JSON gives the median, and the mean user and system
		# CPU times, in seconds
		MEDIAN_MS=$(awk -F'[:,]' '/"median"/ { printf "%.2f\n", $2 * 1000; exit }' "$json")
		CPU_MS=$(awk -F'[:,]' '/"user"/ { u = $2 } /"system"/ { printf "%.2f\n", (u + $2) * 1000; exit }' "$json")
		[ -n "$MEDIAN_MS" ] || die "$name: no median in $json"
	else
		local times=() i t0 t1
		for ((i = 0; i <= runs; i++)); do
			[ -n "$prepare" ] && { bash -c "$prepare" >/dev/null 2>&1 || die "$name: prepare failed"; }
			t0=$(date +%s%N)
			"$@" >/dev/null 2>&1 || die "$name failed: run it by hand to see why"
			t1=$(date +%s%N)
			((i == 0)) || times+=("$(((t1 - t0) / 1000))") # the first run warms up
		done
		MEDIAN_MS=$(printf '%s\n' "${times[@]}" | awk '{ print $1 / 1000 }' | median)
		CPU_MS=
	fi
	printf '%-30s median %9.2f ms   cpu (user+sys, mean) %9s ms   (%d runs)\n' "$name" "$MEDIAN_MS" "${CPU_MS:--}" "$runs"
}

# verdict NAME VALUE OP LIMIT: prints met/MISSED for VALUE OP LIMIT.
verdict() {
	if awk -v v="$2" -v l="$4" -v op="$3" 'BEGIN { exit !((op == "<=") ? v <= l : v >= l) }'; then
		printf '  target %-40s %s %s: met (%s)\n' "$1" "$3" "$4" "$2"
	else
		printf '  target %-40s %s %s: MISSED (%s)\n' "$1" "$3" "$4" "$2"
		MISSED=$((${MISSED:-0} + 1))
	fi
}

build() {
	mkdir -p "$OUT"
	(cd "$BENCH_DIR/.." && CGO_ENABLED=0 go build -o "$OUT/configsync" ./cmd/configsync && go build -o "$OUT/gen" ./bench/gen) ||
		die "build failed"
	CS="$OUT/configsync"
}

# hermetic: a throwaway HOME and CONFIGSYNC_HOME, no system git config
sandbox() {
	WORK=$(mktemp -d "${TMPDIR:-/tmp}/configsync-bench.XXXXXX")
	trap 'rm -rf "$WORK"' EXIT
	export HOME="$WORK/home" CONFIGSYNC_HOME="$WORK/home/.config/configsync" GIT_CONFIG_NOSYSTEM=1
	unset CONFIGSYNC_IDENTITY CONFIGSYNC_IDENTITY_FILE CONFIGSYNC_PASSPHRASE CONFIGSYNC_REMOTE XDG_CONFIG_HOME
	mkdir -p "$HOME"
}

need_hyperfine() {
	command -v hyperfine >/dev/null && return
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
		apt-get install -y -qq hyperfine >/dev/null 2>&1 || { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq hyperfine >/dev/null 2>&1; } || true
	fi
	command -v hyperfine >/dev/null || echo "bench: hyperfine not found: timing with a date +%s%N loop" >&2
}
