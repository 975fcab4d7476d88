#!/usr/bin/env bash
# How configsync's costs grow (issue 13): each axis in turn, the others
# small, every command timed as a whole process (medians, with the
# floor `configsync version` in the same run).
#
#   bash bench/scale.sh                      every axis, RUNS=5
#   AXES="items size" RUNS=10 bash bench/scale.sh
#   ITEMS="10" MEMBERS="1 10" ENVS="1" KBS="1" TARGET=0 RUNS=2 bash bench/scale.sh
#                                            a quick smoke run of the script
#
# Axes (history has its own script, bench/history.sh, which this one
# runs last when AXES includes it):
#   items    10, 1,000, 10,000 env items: push (all changed, one changed,
#            none), pull (every file missing), status, hooks pre-commit
#            on a 100-file commit; peak memory of push and pull
#   members  1, 10, 100, 1,000 members: team add, team remove (which
#            rotates), pull, inject
#   envs     1, 10, 100 environments: env status, pull, team add; and
#            the target point, team add at 100 members x 10 environments
#   size     one file item of 1 KB, 1 MB, 10 MB: push, pull, peak memory,
#            and a byte-for-byte round trip
#
# Writes bench/out/scale.tsv (axis, size, command, median ms) and draws
# docs/perf/scale-AXIS.svg from it with bench/chart. Writes only there, in
# a temp dir and in the fixture cache ($TMPDIR/configsync-bench-scale).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

RUNS=${RUNS:-5}
AXES=${AXES:-"items members envs size history"}
ITEMS=${ITEMS:-"10 1000 10000"}
MEMBERS=${MEMBERS:-"1 10 100 1000"}
ENVS=${ENVS:-"1 10 100"}
KBS=${KBS:-"1 1024 10240"}
TARGET=${TARGET:-1}
need_hyperfine
build
(cd "$BENCH_DIR/.." && go build -o "$OUT/team" ./bench/team && go build -o "$OUT/chart" ./bench/chart) || die "build failed"
sandbox
cd "$WORK"
TSV="$OUT/scale.tsv"
CACHE="${BENCH_SCALE_CACHE:-${TMPDIR:-/tmp}/configsync-bench-scale}"
echo "# configsync scale benchmark, $(date -u +%FT%TZ), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), RUNS=$RUNS" >"$TSV"
echo "configsync $("$CS" version | head -n 1), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"

# record AXIS SIZE NAME: the last measure's median into the table.
record() { printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$MEDIAN_MS" >>"$TSV"; }

# peak AXIS SIZE NAME CMD…: runs CMD once under /usr/bin/time, records
# its peak resident memory (MB) in the table as NAME-peak-MB.
peak() {
	local axis=$1 size=$2 name=$3
	shift 3
	local kb
	/usr/bin/time -f '%M' -o "$WORK/peak.txt" "$@" >/dev/null 2>&1 || die "$name failed: run it by hand to see why"
	kb=$(tail -n 1 "$WORK/peak.txt")
	printf '  %-28s peak %6.1f MB\n' "$name" "$(awk -v k="$kb" 'BEGIN { print k / 1024 }')"
	printf '%s\t%s\t%s\t%s\n' "$axis-memory" "$size" "$name (MB)" "$(awk -v k="$kb" 'BEGIN { printf "%.1f", k / 1024 }')" >>"$TSV"
}

measure "version" "$RUNS" "" "$CS" version
record floor 1 version

# as DIR CMD…: runs CMD as the machine whose $HOME is DIR/user.
as() {
	local d=$1
	shift
	HOME=$d/user CONFIGSYNC_HOME=$d/home "$@"
}

axis_items() {
	local n projects files
	for n in $ITEMS; do
		case $n in
		10) projects=1 files=10 ;;
		1000) projects=50 files=20 ;;
		10000) projects=100 files=100 ;;
		esac
		echo
		echo "== items: $n (load $(cut -d' ' -f1-3 /proc/loadavg))"
		local d="$WORK/items$n"
		mkdir -p "$d/user/git"
		as "$d" "$CS" -q init --name Bench --email bench@example.com
		as "$d" "$CS" -q env create development --tier dev
		"$OUT/gen" -dir "$d/user/git" -round 0 -projects "$projects" -files "$files"
		for p in "$d"/user/git/p*; do as "$d" "$CS" -q add env "$p"; done
		as "$d" "$CS" -q push
		local gen="'$OUT/gen' -dir '$d/user/git' -projects $projects -files $files -round \$(date +%s%N)"
		as "$d" measure "push all changed ($n)" "$RUNS" "$gen" "$CS" push
		record items "$n" "push, all changed"
		as "$d" measure "push one changed ($n)" "$RUNS" "echo \"ONE_MORE=\$(date +%s%N)\" >>'$d/user/git/p00/.env.0'" "$CS" push
		record items "$n" "push, one changed"
		as "$d" measure "push none changed ($n)" "$RUNS" "" "$CS" push
		record items "$n" "push, none changed"
		as "$d" measure "status ($n)" "$RUNS" "" "$CS" status
		record items "$n" "status"
		local wipe="find '$d/user/git' -name '.env.*' -delete"
		as "$d" measure "pull, all missing ($n)" "$RUNS" "$wipe" "$CS" pull
		record items "$n" "pull, all missing"
		# The guard: a commit of 100 files against this machine's index
		# of every value it synced.
		local repo="$d/user/git/app"
		mkdir -p "$repo"
		git -C "$repo" init -q
		for i in $(seq 1 100); do printf 'line %s of a file\nconst x%s = %s;\n' "$i" "$i" "$RANDOM" >"$repo/f$i.js"; done
		git -C "$repo" add .
		cd "$repo"
		as "$d" measure "hooks pre-commit ($n)" "$RUNS" "" "$CS" hooks pre-commit
		cd "$WORK"
		record items "$n" "hooks pre-commit, 100 files"
		bash -c "$gen"
		as "$d" peak items "$n" "push, all changed" "$CS" push
		bash -c "$wipe"
		as "$d" peak items "$n" "pull, all missing" "$CS" pull
		((n != 1000)) || verdict "pull of 1,000 items (ms)" "$(grep -P '^items\t1000\tpull' "$TSV" | cut -f4)" "<=" 500
		((n != 10000)) || verdict "push of 10,000 changed items (ms)" "$(grep -P '^items\t10000\tpush, all changed' "$TSV" | cut -f4)" "<=" 4000
		rm -rf "$d"
	done
}

# fixture N E: a team store of N members and E environments, cached.
fixture() {
	local f="$CACHE/m$1-e$2"
	if [ ! -f "$f/admin.fpr" ] || (($(ls "$f/extra" | wc -l) < RUNS + 2)); then
		echo "  making a store of $1 members x $2 environments (cached in $CACHE)" >&2
		rm -rf "$f"
		mkdir -p "$CACHE"
		"$OUT/team" -dir "$f" -members "$1" -envs "$2" -extra $((RUNS + 2)) >&2
	fi
	local d="$WORK/m$1-e$2"
	rm -rf "$d"
	cp -a "$f" "$d"
	cp "$d/identity.asc" "$d/home/identity.asc"
	echo "$d"
}

# Each timed team add adds the next extra key; each team remove removes
# the next member (from the last, never Alice).
cat >"$WORK/add-next.sh" <<'EOF'
n=$(cat "$1/next-add" 2>/dev/null || echo 0)
echo $((n + 1)) >"$1/next-add"
exec "$2" -q team add "$1/extra/$(printf 'm%04d' "$n").asc" --tier dev
EOF
cat >"$WORK/remove-next.sh" <<'EOF'
n=$(cat "$1/next-remove" 2>/dev/null || wc -l <"$1/members.txt")
echo $((n - 1)) >"$1/next-remove"
exec "$2" -q team remove "$(sed -n "${n}p" "$1/members.txt")"
EOF

axis_members() {
	local n d
	for n in $MEMBERS; do
		echo
		echo "== members: $n (load $(cut -d' ' -f1-3 /proc/loadavg))"
		d=$(fixture "$n" 1)
		as "$d" measure "team add ($n members)" "$RUNS" "" bash "$WORK/add-next.sh" "$d" "$CS"
		record members "$n" "team add"
		if ((n > RUNS + 1)); then
			as "$d" measure "team remove ($n members)" "$RUNS" "" bash "$WORK/remove-next.sh" "$d" "$CS"
			record members "$n" "team remove (rotates)"
		fi
		as "$d" measure "pull ($n members)" "$RUNS" "rm -f '$d/user/git/app/.env'" "$CS" pull
		record members "$n" "pull"
		as "$d" measure "inject ($n members)" "$RUNS" "" "$CS" inject -- true
		record members "$n" "inject"
		rm -rf "$d"
	done
}

axis_envs() {
	local n d
	for n in $ENVS; do
		echo
		echo "== environments: $n (load $(cut -d' ' -f1-3 /proc/loadavg))"
		d=$(fixture 1 "$n")
		as "$d" measure "env status ($n envs)" "$RUNS" "" "$CS" env status
		record environments "$n" "env status"
		as "$d" measure "pull ($n envs)" "$RUNS" "rm -f '$d/user/git/app/.env'" "$CS" pull
		record environments "$n" "pull"
		as "$d" measure "team add ($n envs)" "$RUNS" "" bash "$WORK/add-next.sh" "$d" "$CS"
		record environments "$n" "team add"
		rm -rf "$d"
	done
	((TARGET)) || return 0
	echo
	echo "== the target point: 100 members x 10 environments"
	d=$(fixture 100 10)
	as "$d" measure "team add (100 x 10)" "$RUNS" "" bash "$WORK/add-next.sh" "$d" "$CS"
	verdict "team add, 100 members x 10 environments (ms)" "$MEDIAN_MS" "<=" 200
	rm -rf "$d"
}

axis_size() {
	local d="$WORK/size" kb
	mkdir -p "$d/user/git/blob"
	as "$d" "$CS" -q init --name Bench --email bench@example.com
	as "$d" "$CS" -q env create development --tier dev
	for kb in $KBS; do
		echo
		echo "== item size: $kb KB (load $(cut -d' ' -f1-3 /proc/loadavg))"
		local f="$d/user/git/blob/data-$kb.bin"
		head -c $((kb * 1024)) /dev/urandom >"$f"
		as "$d" "$CS" -q add file "$f"
		local sum
		sum=$(sha256sum <"$f")
		as "$d" measure "push ($kb KB)" "$RUNS" "head -c $((kb * 1024)) /dev/urandom >'$f'" "$CS" push
		record size-kb "$kb" "push"
		as "$d" measure "pull ($kb KB)" "$RUNS" "rm -f '$f'" "$CS" pull
		record size-kb "$kb" "pull"
		head -c $((kb * 1024)) /dev/urandom >"$f"
		sum=$(sha256sum <"$f")
		as "$d" peak size-kb "$kb" "push" "$CS" push
		rm -f "$f"
		as "$d" peak size-kb "$kb" "pull" "$CS" pull
		[ "$(sha256sum <"$f")" = "$sum" ] || die "the $kb KB item did not round-trip byte for byte"
		echo "  round trip of $kb KB: byte for byte"
		as "$d" "$CS" -q untrack "$f"
	done
}

for axis in $AXES; do
	case $axis in
	items) axis_items ;;
	members) axis_members ;;
	envs) axis_envs ;;
	size) axis_size ;;
	history) ;;
	*) die "unknown axis $axis (items, members, envs, size, history)" ;;
	esac
done

if [[ " $AXES " == *" history "* ]]; then
	echo
	RUNS=$RUNS bash "$BENCH_DIR/history.sh"
	cat "$OUT/history.tsv" >>"$TSV"
fi
echo
"$OUT/chart" -in "$TSV" -out "$BENCH_DIR/../docs/perf"
echo "table: $TSV"
