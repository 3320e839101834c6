#!/bin/bash
# Runs the integration tests, one process each, inside the guest (run-suite.sh boots it)
# or directly on a pure cgroup v2 host.
#
#   guest-suite.sh [PATTERN...]    only tests whose name contains one of the patterns
#
# Prints one line per test: `PASS name`, `FAIL name` followed by why and the test's
# output (indented, so no output line is taken for a result), or `SKIP name: why`; then
# `SUITE-DONE`.  A test passes with status 0 and skips with 77 after printing
# "SKIP: why".  VZ_TEST_TIMEOUT (300 s) bounds each test; VZ_TEST_VERBOSE=1 shows the
# output of passing tests too.  Exits 1 when a test failed.
set -u
src=${VZ_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
per_test=${VZ_TEST_TIMEOUT:-300}
verbose=${VZ_TEST_VERBOSE:-0}
export BUILD=${BUILD:-$src/build} VZ_SRC=$src
failed=0

indent() { sed 's/^/    | /'; }

selected() { # selected NAME PATTERN...: whether NAME is asked for
	local name=$1 p
	shift
	[ $# -eq 0 ] && return 0
	for p in "$@"; do
		[[ $name == *"$p"* ]] && return 0
	done
	return 1
}

uptime_now() { local up _; read -r up _ </proc/uptime; echo "$up"; }

# Kernel messages logged while the test ran (oopses, warnings, OOM kills) help explain a
# failure: dmesg stamps them with the same clock as /proc/uptime.
dmesg_since() {
	dmesg 2>/dev/null | awk -v t="$1" '{ s = $0; sub(/^\[ */, "", s); if (s + 0 >= t) print }' |
		tail -n 30
}

run_one() {
	local t=$1 name=${1##*/} dir out rc why start end
	name=${name%.sh}
	dir=$(mktemp -d "/tmp/itest-$name.XXXXXX")
	out=$dir.out
	start=$(uptime_now)
	# timeout puts the test in a process group of its own and kills the whole group,
	# so nothing the test started outlives it.
	(cd "$dir" && exec timeout -k 10 "$per_test" bash "$t") >"$out" 2>&1 </dev/null
	rc=$?
	end=$(uptime_now)
	case $rc in
	0)
		echo "PASS $name"
		[ "$verbose" = 1 ] && indent <"$out"
		;;
	77)
		why=$(sed -n 's/^SKIP: //p' "$out" | tail -n 1)
		echo "SKIP $name: ${why:-no reason given}"
		;;
	*)
		failed=$((failed + 1))
		if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
			why="timed out after $per_test s"
		else
			why="exit status $rc"
		fi
		echo "FAIL $name"
		echo "    $why; its output:"
		indent <"$out"
		dmesg_since "$start" | sed 's/^/    | dmesg: /'
		;;
	esac
	[ "$verbose" = 1 ] && awk -v a="$start" -v b="$end" 'BEGIN { printf "    time: %.1f s\n", b - a }'
	rm -rf "$dir" "$out"
}

shopt -s nullglob
tests=("$src"/tests/integration/*.sh)
[ ${#tests[@]} -gt 0 ] || echo "guest-suite: no tests in $src/tests/integration" >&2
for t in "${tests[@]}"; do
	name=${t##*/}
	selected "${name%.sh}" "$@" && run_one "$t"
done
echo "SUITE-DONE"
[ $failed -eq 0 ]
