# Sourced by the integration tests (tests/integration/*.sh).  They run as root in the
# test guest (tests/vm/run-suite.sh), or directly on a pure cgroup v2 host, with BUILD
# naming the directory of the built binaries and VZ_SRC the source tree.
#
# Exit status: 0 pass, 77 skip (after printing "SKIP: why"), anything else fails.

BUILD=${BUILD:?BUILD must name the build directory}
VZ_SRC=${VZ_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}

skip() {
	echo "SKIP: $*"
	exit 77
}

fail() {
	echo "FAIL: $*"
	exit 1
}

# need_root, need_cgroup2: the preconditions every cgroup test has.
need_root() {
	[ "$(id -u)" -eq 0 ] || skip "needs root"
}

need_cgroup2() {
	[ "$(stat -fc %T /sys/fs/cgroup 2>/dev/null)" = cgroup2fs ] ||
		skip "/sys/fs/cgroup is not cgroup v2 (run the suite through tests/vm/run-suite.sh)"
}

# need_built PATH...: paths relative to BUILD that must exist.
need_built() {
	local p
	for p in "$@"; do
		[ -x "$BUILD/$p" ] || fail "$BUILD/$p is not built (run make BUILD=$BUILD all)"
	done
}

# expect_line TEXT FILE: FILE has a line that is exactly TEXT.
expect_line() {
	grep -qxF -- "$1" "$2" || fail "expected the line '$1'"
}
