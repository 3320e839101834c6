#!/usr/bin/env bash
# Runs the benchmarks in one boot of the test guest (tests/vm/run-guest.sh, bench/guest.sh
# inside) and prints their tables: name, runs, median, ratio to the baseline of the same run.
#
#   BUILD=<build dir> bench/run.sh [EXEC_RUNS [START_RUNS [WARMUP]]]   (100 15 5)
#
#   BENCH_ONLY            the benchmarks to run (default "exec-start overhead counters export
#                         debian-boot")
#   BENCH_OVERHEAD_ARGS   RUNS WORK SYSCALLS for overhead.sh (default "21 30000000 40000")
#   BENCH_COUNTERS_ARGS   REPS CALLS SIZES for counters.sh (default "5 2 1,100,1000")
#   BENCH_EXPORT_ARGS     REPS READS SIZES for export.sh (default "5 5 1,100,1000")
#   BENCH_DEBIAN_ARGS     ROUNDS WARMUP INTERVAL for debian-boot.sh (default "5 1 0.2")
#   BENCH_BASE            a build directory of another version (bench/build-base.sh) whose
#                         vzctl exec and start exec-start.sh also times, in the same rounds
#
# For exec-start and debian-boot, fetches Debian's lxc into bench/cache first
# (bench/fetch-lxc.sh; never installed); without it the LXC rows are left out.  `make
# bench` runs this with BUILD set; extra run-guest options go in VZ_BENCH_GUEST_OPTS (e.g.
# "--smp 2 --timeout 1200"; the default timeout here is 5400 s).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "$here/.." && pwd)
build=${BUILD:-$src/build}
case $build in /*) ;; *) build=$PWD/$build ;; esac
[ -x "$build/bin/vzctl" ] || { echo "bench: $build/bin/vzctl is not built (make BUILD=$build all)" >&2; exit 1; }

only=${BENCH_ONLY:-exec-start overhead counters export debian-boot}
env_opts=(--env "VZ_BENCH_ONLY=$only" --env "VZ_BENCH_OVERHEAD_ARGS=${BENCH_OVERHEAD_ARGS:-}"
	--env "VZ_BENCH_COUNTERS_ARGS=${BENCH_COUNTERS_ARGS:-}" --env "VZ_BENCH_EXPORT_ARGS=${BENCH_EXPORT_ARGS:-}"
	--env "VZ_BENCH_DEBIAN_ARGS=${BENCH_DEBIAN_ARGS:-}" --env "VZ_BENCH_BASE=${BENCH_BASE:-}")
case " $only " in
*" exec-start "* | *" debian-boot "*)
	if lxc=$("$here/fetch-lxc.sh"); then
		env_opts+=(--env "VZ_BENCH_LXC=$lxc")
	else
		echo "bench: no lxc (see above); the LXC rows are left out" >&2
	fi
	;;
esac
# shellcheck disable=SC2086 # options are words
BUILD=$build exec "$src/tests/vm/run-guest.sh" --vz-fs ext4 --timeout 5400 ${VZ_BENCH_GUEST_OPTS:-} \
	"${env_opts[@]}" "$here/guest.sh" "$@"
