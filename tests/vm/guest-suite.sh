#!/bin/bash
# Runs the integration tests, one process each, inside the guest (run-suite.sh boots it)
# or directly on a pure cgroup v2 host.
#
#   guest-suite.sh [PATTERN...]    only tests whose name contains one of the patterns
#
# Prints one line per test: `PASS name`, `FAIL name: why` followed by the test's output
# (indented, so no output line is taken for a result), or `SKIP name: why`; then
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

# Kernel messages of the test's time (oopses, warnings, OOM kills) help explain a failure.
dmesg_lines() { dmesg 2>/dev/null | wc -l; }

run_one() {
	local t=$1 name dir out rc why seen
	name=$(basename "$t" .sh)
	dir=$(mktemp -d "/tmp/itest-$name.XXXXXX")
	out=$dir.out
	seen=$(dmesg_lines)
	# A process group of its own (timeout does that) so that on a timeout the test and
	# all it started are killed.
	(cd "$dir" && exec timeout -k 10 "$per_test" bash "$t") >"$out" 2>&1 </dev/null
	rc=$?
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
		echo "FAIL $name: $why"
		indent <"$out"
		dmesg 2>/dev/null | tail -n +"$((seen + 1))" | tail -n 30 | sed 's/^/    | dmesg: /'
		;;
	esac
	rm -rf "$dir" "$out"
}

shopt -s nullglob
tests=("$src"/tests/integration/*.sh)
[ ${#tests[@]} -gt 0 ] || echo "guest-suite: no tests in $src/tests/integration" >&2
for t in "${tests[@]}"; do
	selected "$(basename "$t" .sh)" "$@" && run_one "$t"
done
echo "SUITE-DONE"
[ $failed -eq 0 ]
