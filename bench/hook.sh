#!/usr/bin/env bash
# Benchmark of the pre-commit guard end to end (issue 6): the whole
# "configsync hooks pre-commit" process, run from the top of a repository
# whose index stages 100 new files (1 MB of clean, source-like text) on top
# of a first commit, with a leak index of 1000 values (one env item set of
# 50 files x 20 variables, pushed with "configsync push").
#
# Target: median <= 50 ms. Uses hyperfine when installed (apt-get install
# hyperfine), else a loop over `date +%s%N`.
#
#   bench/hook.sh            # 30 runs
#   RUNS=50 bench/hook.sh
#   KEEP=1 bench/hook.sh     # keep the work directory
#   CONFIGSYNC_BIN=PATH bench/hook.sh   # time this binary instead of building one
#   NO_HYPERFINE=1 bench/hook.sh        # the date loop even if hyperfine is installed
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
runs=${RUNS:-30}
if ((runs < 20)); then
  echo "hook.sh: RUNS must be at least 20" >&2
  exit 2
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/configsync-hook-bench.XXXXXX")
if [ -z "${KEEP:-}" ]; then
  trap 'rm -rf "$work"' EXIT
else
  echo "work directory: $work"
fi

# Built before HOME moves, so the caller's go caches are used.
mkdir -p "$work/bin"
if [ -n "${CONFIGSYNC_BIN:-}" ]; then
  cp "$CONFIGSYNC_BIN" "$work/bin/configsync"
else
  echo "building configsync..."
  CGO_ENABLED=0 go build -o "$work/bin/configsync" ./cmd/configsync
fi
cs="$work/bin/configsync"
export PATH="$work/bin:$PATH"

# A hermetic home: nothing of the caller's configsync or git config.
export HOME="$work/home" CONFIGSYNC_HOME="$work/home/.configsync" XDG_CONFIG_HOME="$work/home/.config"
export GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_NAME=Bench GIT_AUTHOR_EMAIL=bench@example.com
export GIT_COMMITTER_NAME=Bench GIT_COMMITTER_EMAIL=bench@example.com
unset GIT_INDEX_FILE GIT_DIR GIT_WORK_TREE CONFIGSYNC_IDENTITY CONFIGSYNC_IDENTITY_FILE
mkdir -p "$HOME"

# 1000 distinct secret values: 50 env files x 20 variables.
gen_env() { # SEED
  awk -v seed="$1" 'BEGIN {
    srand(seed)
    chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    for (i = 1; i <= 20; i++) {
      v = ""
      for (j = 0; j < 32; j++) v = v substr(chars, 1 + int(rand() * 62), 1)
      printf "SECRET_%02d=s%d_%s\n", i, seed, v
    }
  }'
}
proj="$HOME/git/bigapp"
for s in $(seq 1 50); do
  mkdir -p "$proj/svc$s"
  gen_env "$s" >"$proj/svc$s/.env"
done
"$cs" -q keys import "$root/internal/testkeys/alice.asc" >/dev/null
"$cs" -q init >/dev/null
"$cs" -q env create development --tier dev
"$cs" -q add env "$proj" >/dev/null
"$cs" push | tail -1
echo "leak index: $(wc -c <"$CONFIGSYNC_HOME/leak.idx") bytes"

# Source-like text, about N bytes, deterministic per SEED; never a secret.
gen_text() { # SEED BYTES
  awk -v seed="$1" -v n="$2" 'BEGIN {
    srand(seed)
    split("func return client config value err nil if for range http://localhost:8080 user_id token = := { } ( ) \"hello\" 42 // ctx true 3000", w, " ")
    size = 0
    while (size < n) {
      line = ""
      k = 1 + int(rand() * 12)
      for (i = 0; i < k; i++) line = line w[1 + int(rand() * 25)] " "
      print line
      size += length(line) + 1
    }
  }'
}
repo="$work/app"
mkdir -p "$repo"
git -C "$repo" init -q
for i in $(seq 0 49); do
  mkdir -p "$repo/old"
  gen_text "$((1000 + i))" 2000 >"$repo/old/f$i.go"
done
git -C "$repo" add -A
git -C "$repo" commit -q -m first
for i in $(seq 0 99); do
  mkdir -p "$repo/src/pkg$((i % 10))"
  gen_text "$((2000 + i))" 10000 >"$repo/src/pkg$((i % 10))/file$i.go"
done
git -C "$repo" add -A
staged=$(git -C "$repo" diff --cached --name-only | wc -l)
bytes=$(git -C "$repo" diff --cached --name-only -z | (cd "$repo" && xargs -0 cat) | wc -c)
echo "staged: $staged files, $bytes bytes"

cd "$repo"
# Sanity: the clean commit passes; a pasted value is caught.
"$cs" hooks pre-commit
cp "$proj/svc7/.env" "$work/leak.txt"
if "$cs" hooks scan "$work/leak.txt" 2>/dev/null; then
  echo "hook.sh: the index does not hold the pushed values" >&2
  exit 1
fi

if [ -z "${NO_HYPERFINE:-}" ] && command -v hyperfine >/dev/null; then
  # "configsync version" alongside: the bare cost of starting the binary
  # on this machine, for reading the result on a loaded one.
  hyperfine --shell=none --warmup 3 --runs "$runs" --export-json "$work/hyperfine.json" \
    "$cs hooks pre-commit" "$cs version" >&2
  medians=$(awk '/"median"/ { gsub(/[",]/, "", $2); printf "%.1f ", $2 * 1000 }' "$work/hyperfine.json")
  median_ms=${medians%% *}
  echo "process start alone (configsync version): median $(echo "$medians" | awk '{ print $2 }') ms"
else
  for _ in 1 2 3; do "$cs" hooks pre-commit; done
  : >"$work/times"
  for _ in $(seq "$runs"); do
    t0=$(date +%s%N)
    "$cs" hooks pre-commit
    t1=$(date +%s%N)
    echo $(((t1 - t0) / 1000)) >>"$work/times"
  done
  median_ms=$(sort -n "$work/times" | awk '{ a[NR] = $1 } END { m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; printf "%.1f", m / 1000 }')
fi
echo "median: ${median_ms} ms over $runs runs (target <= 50 ms; $staged files, $bytes bytes staged, 1000 values indexed)"
