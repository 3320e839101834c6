#!/usr/bin/env bash
# Runs every integration test (tests/integration/*.sh) in one boot of the test guest,
# through guest-suite.sh, and ends with the line `N passed, N failed, N skipped`.
#
#   tests/vm/run-suite.sh [--timeout S] [--direct] [--verbose] [PATTERN...]
#
#   BUILD               directory of the built binaries (default <source>/build)
#   --timeout S         bound on the whole guest run (3000; env VZ_VM_TIMEOUT): the
#                       suite takes 10 to 25 minutes under TCG, depending on the host's load
#   --direct            run on this host instead of a guest: pure cgroup v2 hosts only
#                       (env VZ_TEST_DIRECT=1)
#   --verbose           show the guest's console and the output of passing tests
#   PATTERN             run only the tests whose name contains one of them
#   VZ_TEST_TIMEOUT     bound on each test (300 s)
#
# Exits non-zero when a test failed or the guest did.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "$here/../.." && pwd)
die() { echo "run-suite: $*" >&2; exit 125; }

guest_opts=()
export VZ_VM_TIMEOUT=${VZ_VM_TIMEOUT:-3000}
patterns=()
while [ $# -gt 0 ]; do
	case $1 in
	--timeout) [ $# -ge 2 ] || die "--timeout needs seconds"; guest_opts+=(--timeout "$2"); shift 2 ;;
	--direct) guest_opts+=(--direct); shift ;;
	--verbose) guest_opts+=(--verbose); export VZ_TEST_VERBOSE=1; shift ;;
	-h|--help) awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "${BASH_SOURCE[0]}"; exit 0 ;;
	-*) die "unknown option '$1' (see --help)" ;;
	*) patterns+=("$1"); shift ;;
	esac
done

build=${BUILD:-$src/build}
case $build in /*) ;; *) build=$PWD/$build ;; esac
[ -d "$build" ] || die "BUILD=$build does not exist: build first (make BUILD=$build all)"
export BUILD=$build

tmp=$(mktemp -d "${TMPDIR:-/tmp}/vz-suite.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
export VZ_VM_STATS=$tmp/stats
token=$RANDOM$RANDOM$RANDOM

t0=$EPOCHREALTIME
passed=0 failed=0 skipped=0 done=0 rc=
exec 3< <("$here/run-guest.sh" ${guest_opts[@]+"${guest_opts[@]}"} "$here/guest-suite.sh" \
	${patterns[@]+"${patterns[@]}"}; echo "RUN-GUEST-RC $? $token")
while IFS= read -r line <&3; do
	case $line in
	"RUN-GUEST-RC "*" $token") rc=${line#RUN-GUEST-RC }; rc=${rc%% *}; continue ;;
	SUITE-DONE) done=1; continue ;;
	"PASS "*) passed=$((passed + 1)) ;;
	"FAIL "*) failed=$((failed + 1)) ;;
	"SKIP "*) skipped=$((skipped + 1)) ;;
	esac
	printf '%s\n' "$line"
done
exec 3<&-
t1=$EPOCHREALTIME

if [ "$done" != 1 ]; then
	echo "FAIL guest: the suite did not run to its end (run-guest exited ${rc:-?}; see above)"
	failed=$((failed + 1))
elif [ "${rc:-1}" != 0 ] && [ $failed -eq 0 ]; then
	echo "FAIL suite: guest-suite.sh exited ${rc:-?} without a failed test"
	failed=$((failed + 1))
fi

ready=
[ -s "$tmp/stats" ] && ready=$(sed -n 's/^ready=//p' "$tmp/stats")
awk -v a="$t0" -v b="$t1" -v r="$ready" 'BEGIN {
	printf "run-suite: %s%.1f s in all\n", (r != "" ? "guest ready in " r " s, " : ""), b - a }'
echo "$passed passed, $failed failed, $skipped skipped"
[ $failed -eq 0 ]
