#!/usr/bin/env bash
# The steps of the configsync GitHub Action (action.yml), one subcommand
# each, so that they are plain shell a test can run under a simulated
# runner (cmd/configsync/action_test.go). Inputs arrive as INPUT_*
# variables set in action.yml's env blocks, never spliced into the script.
#
#   run.sh version   resolve the version to install (step output)
#   run.sh install   install configsync into $CONFIGSYNC_BIN unless cached
#   run.sh load      export to $GITHUB_ENV, or run $INPUT_RUN with inject
#
# No command here echoes a value: there is no set -x, and values pass
# only through configsync and pipes, never a file of ours.
set -euo pipefail

module=github.com/configsync/configsync

fail() {
	# A workflow error annotation, one line: what went wrong: what to do.
	printf '::error::configsync action: %s\n' "$1" >&2
	exit 1
}

# version: the version to install is the input `version`, else the
# action's own ref (ACTION_REF). go resolves it to an exact module version
# (a branch or tag moves; the cache key must not), so the cache never
# serves a stale binary. With neither (the action used from a local path,
# `uses: ./`), it is built from the action's own checkout: version "".
cmd_version() {
	local want=${INPUT_VERSION:-${ACTION_REF:-}} resolved=""
	if [ -n "$want" ]; then
		case $want in
		*[!A-Za-z0-9._+/-]* | -*) fail "version \"$want\" is not a git ref or module version: use a tag, branch or commit" ;;
		esac
		resolved=$(cd "$RUNNER_TEMP" && GOWORK=off GOFLAGS= go list -m -f '{{.Version}}' "$module@$want") ||
			fail "cannot resolve $module@$want: check the version input (or the ref in uses:)"
		echo "bin=$RUNNER_TEMP/configsync/$resolved/bin" >>"$GITHUB_OUTPUT"
	else
		echo "bin=$RUNNER_TEMP/configsync/local/bin" >>"$GITHUB_OUTPUT"
	fi
	echo "version=$resolved" >>"$GITHUB_OUTPUT"
}

# install: go install the resolved version into CONFIGSYNC_BIN, unless
# the cache restored it there, and put it on PATH for later steps.
cmd_install() {
	local bin=${CONFIGSYNC_BIN:?} version=${CONFIGSYNC_VERSION:-}
	if [ ! -x "$bin/configsync" ]; then
		mkdir -p "$bin"
		if [ -n "$version" ]; then
			(cd "$RUNNER_TEMP" && GOWORK=off GOFLAGS= GOBIN="$bin" CGO_ENABLED=0 go install "$module/cmd/configsync@$version") ||
				fail "go install $module/cmd/configsync@$version failed: the job needs Go 1.26 (actions/setup-go) before this action"
		else
			CGO_ENABLED=0 go build -C "$GITHUB_ACTION_PATH" -trimpath -o "$bin/configsync" ./cmd/configsync ||
				fail "go build of configsync from $GITHUB_ACTION_PATH failed: the job needs Go 1.26 (actions/setup-go) before this action"
		fi
	fi
	echo "$bin" >>"$GITHUB_PATH"
	"$bin/configsync" version
}

# load: the only step that sees the identity (CONFIGSYNC_IDENTITY, from
# action.yml's env of this step alone).
cmd_load() {
	local cs="${CONFIGSYNC_BIN:?}/configsync"
	[ -n "${CONFIGSYNC_IDENTITY:-}" ] ||
		fail "the identity input is empty: pass the CI member's key, e.g. identity: \${{ secrets.CONFIGSYNC_IDENTITY }} (pull requests from forks get no secrets)"
	[ -n "${INPUT_ENV:-}" ] || fail "the env input is empty: name the environment to read, e.g. env: staging"
	local args=(--env "$INPUT_ENV")
	[ -z "${INPUT_PROJECT:-}" ] || args+=(--project "$INPUT_PROJECT")
	if [ -n "${INPUT_REMOTE:-}" ] && [ -n "${INPUT_REPO:-}" ]; then
		fail "both the remote and repo inputs are set: use one"
	elif [ -n "${INPUT_REMOTE:-}" ]; then
		args+=(--remote "$INPUT_REMOTE")
	elif [ -n "${INPUT_REPO:-}" ]; then
		args+=(--repo "$INPUT_REPO")
	elif [ -z "${CONFIGSYNC_REMOTE:-}" ]; then
		fail "no store to read: set the remote input (the secrets repository's URL) or repo (a checkout with the configsync branch fetched)"
	fi
	# Pins: the admins input (spaces, newlines or commas between
	# fingerprints), else CONFIGSYNC_ADMINS of the job, else configsync
	# reads [store] admins from the checkout's configsync.toml.
	local admins
	admins=$(printf '%s' "${INPUT_ADMINS:-}" | tr -s ' \t\r\n,' ',' | sed 's/^,//; s/,$//')
	[ -z "$admins" ] || export CONFIGSYNC_ADMINS="$admins"
	# The optional credentials become configsync's own variables, which
	# inject keeps from the command, only when given: an empty input must
	# not hide the job's CONFIGSYNC_GIT_TOKEN.
	[ -z "${INPUT_GIT_TOKEN:-}" ] || export CONFIGSYNC_GIT_TOKEN="$INPUT_GIT_TOKEN"
	[ -z "${INPUT_PASSPHRASE:-}" ] || export CONFIGSYNC_PASSPHRASE="$INPUT_PASSPHRASE"
	unset INPUT_GIT_TOKEN INPUT_PASSPHRASE
	# A home of its own under the job's temp directory, which the runner
	# empties: a self-hosted runner's own configsync settings stay out.
	export CONFIGSYNC_HOME="${CONFIGSYNC_HOME:-$RUNNER_TEMP/configsync-home}"

	if [ -z "${INPUT_RUN:-}" ]; then
		# export appends to $GITHUB_ENV and prints ::add-mask:: for every
		# line of every value; nothing else is printed.
		"$cs" export "${args[@]}" --format github --output "$GITHUB_ENV"
		return
	fi
	# Mask the values before the command can print one, then run it with
	# them in its environment only.
	masks "$cs" "${args[@]}"
	exec "$cs" inject "${args[@]}" -- bash --noprofile --norc -eo pipefail -c "$INPUT_RUN"
}

# masks CS ARGS...: prints ::add-mask:: for every non-blank line of every
# value, read from `export --format github` (KEY<<DELIM, the value's
# lines, DELIM; see envfile.Encode), with '%' and CR escaped as the runner
# expects. The values stay in memory (a variable and a pipe, no file):
# --output is not used, so a project in inject_as_env mode works too.
masks() {
	local cs=$1 out
	shift
	out=$("$cs" export "$@" --format github) || exit
	printf '%s\n' "$out" | {
		delim=""
		while IFS= read -r line; do
			if [ -z "$delim" ]; then
				delim=${line#*<<}
			elif [ "$line" = "$delim" ]; then
				delim=""
			elif [ -n "${line//[[:space:]]/}" ]; then
				line=${line//%/%25}
				printf '::add-mask::%s\n' "${line//$'\r'/%0D}"
			fi
		done
	}
	out=""
}

case ${1:-} in
version) cmd_version ;;
install) cmd_install ;;
load) cmd_load ;;
*) fail "unknown step \"${1:-}\": use version, install or load" ;;
esac
