#!/usr/bin/env bash
# Compares, on the same data (20 variables), the time to start a command
# with its secrets injected. configsync's project has two items, .env and
# .env.development (10 variables each; issue 13's "one project of two
# items"), which it layers as dotenv does; the peers, which do not layer,
# read the 20 in one file:
#
#   configsync inject -- true                       (OpenPGP, v6 keys)
#   sops exec-env FILE true                         (age, dotenv format)
#   dotenvx run -f FILE -- true                     (dotenvx-encrypted file)
#   dotenvx run -f FILE -- true                     (plaintext file)
#
#   bash bench/inject.sh         RUNS=30 by default
#
# Prints medians and ratios; targets: configsync ≤ 10 ms median, ≥ 5×
# faster than sops, ≥ 10× faster than dotenvx (checked against the faster,
# plaintext, dotenvx run), and inject's own work (inject minus version,
# ≤ 1.5 ms); then times configsync and sops in pairs (bench/pair), for
# issue 13's ≥ 4× pair by pair. Also times three floors (bench/floor): an empty Go program,
# one that only links our libraries, and the same one handing over to
# `true` by exec as inject does (what the handover alone costs), and
# prints what one page fault costs
# (bench/floor/pagefault): start-up is mostly faults. Installs the peers
# under bench/out/ if missing: sops from the Go module proxy, dotenvx from
# npm, age and hyperfine from apt. Writes only under bench/out/ and a temp dir; exits non-zero if a
# step fails (a missed target is reported, not a failure).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

RUNS=${RUNS:-30}
SOPS_VERSION=v3.13.3
DOTENVX_VERSION=2.38.2

need_hyperfine
build
(cd "$BENCH_DIR/.." && CGO_ENABLED=0 go build -o "$OUT/floor-empty" ./bench/floor/empty &&
	CGO_ENABLED=0 go build -o "$OUT/floor-libs" ./bench/floor/libs &&
	CGO_ENABLED=0 go build -o "$OUT/pagefault" ./bench/floor/pagefault &&
	go build -o "$OUT/pair" ./bench/pair) || die "build of bench/floor or bench/pair failed"

SOPS="$OUT/sops"
if ! "$SOPS" --version --disable-version-check 2>/dev/null | grep -q "${SOPS_VERSION#v}"; then
	echo "installing sops $SOPS_VERSION (go install, a few minutes)..."
	(cd "$BENCH_DIR/.." && GOBIN="$OUT" go install "github.com/getsops/sops/v3/cmd/sops@$SOPS_VERSION") || die "go install sops failed"
fi
DOTENVX="$OUT/node/node_modules/.bin/dotenvx"
if [ "$("$DOTENVX" --version 2>/dev/null)" != "$DOTENVX_VERSION" ]; then
	command -v npm >/dev/null || die "npm is missing: apt-get install -y npm"
	echo "installing dotenvx $DOTENVX_VERSION (npm)..."
	npm install --prefix "$OUT/node" --no-audit --no-fund --silent --cache "$OUT/npm-cache" "@dotenvx/dotenvx@$DOTENVX_VERSION" >/dev/null ||
		die "npm install dotenvx failed"
fi
if ! command -v age-keygen >/dev/null; then
	[ "$(id -u)" = 0 ] && { apt-get install -y -qq age >/dev/null 2>&1 || { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq age >/dev/null 2>&1; }; }
	command -v age-keygen >/dev/null || die "age-keygen is missing: apt-get install -y age"
fi

sandbox
cd "$WORK"
mkdir -p app dx-enc dx-plain sops
"$OUT/gen" -file all.env -vars 20
head -n 10 all.env >app/.env
tail -n +11 all.env >app/.env.development
[ "$(cat app/.env app/.env.development)" = "$(cat all.env)" ] || die "could not split all.env in two"
cp all.env dx-plain/.env
cp all.env dx-enc/.env

# configsync: a local store, the project pushed, the identity on disk.
"$CS" -q init --name Bench --email bench@example.com
"$CS" -q env create development --tier dev
"$CS" -q add env app
"$CS" -q push
cs_cmd=("$CS" inject --project app -- true)

# sops with age; SOPS_AGE_KEY_FILE for decryption.
age-keygen -o sops/key.txt 2>/dev/null
"$SOPS" encrypt --age "$(age-keygen -y sops/key.txt)" --input-type dotenv --output-type dotenv \
	--output sops/secrets.env all.env
export SOPS_AGE_KEY_FILE="$WORK/sops/key.txt"
sops_cmd=("$SOPS" exec-env sops/secrets.env true)

# dotenvx: its own encryption (keys in .env.keys beside the file), and
# the plaintext file.
(cd dx-enc && "$DOTENVX" encrypt -f .env >/dev/null 2>&1)
grep -Eq '^SERVICE_00_SECRET="?encrypted:' dx-enc/.env || die "dotenvx did not encrypt"
dxe_cmd=("$DOTENVX" run -f dx-enc/.env -fk dx-enc/.env.keys -- true)
dxp_cmd=("$DOTENVX" run -f dx-plain/.env -- true)

# Each must see the same variables before anything is timed (one from
# each of configsync's two items).
want=$(grep -E '^SERVICE_(07|17)_SECRET=' all.env | cut -d= -f2 | tr '\n' ' ')
show='printf "%s %s " "$SERVICE_07_SECRET" "$SERVICE_17_SECRET"'
check() {
	local tool=$1 got
	shift
	got=$("$@" 2>/dev/null) || die "$tool failed"
	[ "$got" = "$want" ] || die "$tool injected SERVICE_07_SECRET SERVICE_17_SECRET = $got, want $want"
}
check configsync "${cs_cmd[@]:0:${#cs_cmd[@]}-1}" sh -c "$show"
check sops "$SOPS" exec-env sops/secrets.env "$show" # sops runs its command with sh
check dotenvx-encrypted "${dxe_cmd[@]:0:${#dxe_cmd[@]}-1}" sh -c "$show"
check dotenvx-plaintext "${dxp_cmd[@]:0:${#dxp_cmd[@]}-1}" sh -c "$show"

echo "configsync $("$CS" version | head -n 1); sops $SOPS_VERSION; dotenvx $DOTENVX_VERSION; node $(node --version)"
echo "$(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg); a fresh page of memory (one page fault) costs $("$OUT/pagefault") us here"
measure "baseline: true" "$RUNS" "" true
measure "floor: empty Go program" "$RUNS" "" "$OUT/floor-empty"
measure "floor: Go program + libraries" "$RUNS" "" "$OUT/floor-libs"
floor=$MEDIAN_MS
measure "floor: Go program + libraries, then exec true" "$RUNS" "" "$OUT/floor-libs" -- true
handover=$(awk -v a="$MEDIAN_MS" -v b="$floor" 'BEGIN { printf "%.2f", a - b }')
measure "baseline: configsync version" "$RUNS" "" "$CS" version
version=$MEDIAN_MS
measure "baseline: sops --version" "$RUNS" "" "$SOPS" --version --disable-version-check
measure "configsync inject" "$RUNS" "" "${cs_cmd[@]}"
cs=$MEDIAN_MS
measure "sops exec-env" "$RUNS" "" "${sops_cmd[@]}"
sops=$MEDIAN_MS
measure "dotenvx run (encrypted)" "$RUNS" "" "${dxe_cmd[@]}"
dxe=$MEDIAN_MS
measure "dotenvx run (plaintext)" "$RUNS" "" "${dxp_cmd[@]}"
dxp=$MEDIAN_MS

# The ratio to sops pair by pair (bench/pair): each configsync run
# beside a sops run, so a drift of the machine within the run falls on
# both; the medians above are taken a minute apart.
echo
pairs=$("$OUT/pair" -n $((RUNS * 2)) -a "${cs_cmd[*]}" -b "${sops_cmd[*]}") || die "bench/pair failed"
echo "$pairs"
paired=$(awk '/^pair:/ { printf "%.2f", $4 }' <<<"$pairs")

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a / b }'; }
echo
echo "ratios: sops/configsync $(ratio "$sops" "$cs")x, dotenvx(encrypted)/configsync $(ratio "$dxe" "$cs")x, dotenvx(plaintext)/configsync $(ratio "$dxp" "$cs")x"
verdict "configsync inject median (ms)" "$cs" "<=" 10
verdict "inject's own work, inject - version (ms)" "$(awk -v a="$cs" -v b="$version" 'BEGIN { printf "%.2f", a - b }')" "<=" 1.5
echo "(of which handing over to true, exec from a Go process and true's own start-up,"
echo " is $handover ms here: the floor that execs true minus the floor that does not;"
echo " inject's work before the exec is $(awk -v a="$cs" -v b="$version" -v h="$handover" 'BEGIN { printf "%.2f", a - b - h }') ms)"
verdict "sops / configsync" "$(ratio "$sops" "$cs")" ">=" 5
verdict "sops / configsync, pair by pair (issue 13)" "$paired" ">=" 4
verdict "dotenvx (plaintext) / configsync" "$(ratio "$dxp" "$cs")" ">=" 10
echo "(the version baselines are each binary's start-up alone; the floors are an empty"
echo " static Go program, and one that links the libraries configsync reads a store"
echo " with and does nothing: $floor ms here before any work is done)"
echo "missed targets: ${MISSED:-0}"
