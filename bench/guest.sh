#!/bin/bash
# Inside the test guest (bench/run.sh boots it once): the benchmarks named in
# VZ_BENCH_ONLY (default "exec-start overhead counters export debian-boot"), in that
# order, each in a process of its own:
#
#   exec-start   exec-start.sh with this script's arguments (EXEC_RUNS START_RUNS WARMUP)
#   overhead     overhead.sh with the words of VZ_BENCH_OVERHEAD_ARGS (RUNS WORK SYSCALLS)
#   counters     counters.sh with the words of VZ_BENCH_COUNTERS_ARGS (REPS CALLS SIZES)
#   export       export.sh with the words of VZ_BENCH_EXPORT_ARGS (REPS READS SIZES)
#   debian-boot  debian-boot.sh with the words of VZ_BENCH_DEBIAN_ARGS (ROUNDS WARMUP
#                INTERVAL; default 5 1 0.2)
#
# One that fails does not stop the others; the exit status is 1 when any failed.
#
# Before each benchmark, and after the last, a short report (bench/leftovers.bash):
# the guest's load average, every process in a CT's or an LXC container's cgroup, and
# whatever else the benchmarks before started or made that is still there (processes,
# cgroups, mounts); anything left is killed and removed, and the report says so.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=bench/leftovers.bash
. "$here/leftovers.bash"
status=0
leftovers_init
last=''
for b in ${VZ_BENCH_ONLY:-exec-start overhead counters export debian-boot}; do
	case $b in
	exec-start) args=("$@") ;;
	overhead) read -ra args <<<"${VZ_BENCH_OVERHEAD_ARGS:-}" ;;
	counters) read -ra args <<<"${VZ_BENCH_COUNTERS_ARGS:-}" ;;
	export) read -ra args <<<"${VZ_BENCH_EXPORT_ARGS:-}" ;;
	debian-boot) read -ra args <<<"${VZ_BENCH_DEBIAN_ARGS:-}" ;;
	*)
		echo "bench: no benchmark '$b' (exec-start, overhead, counters, export, debian-boot)" >&2
		status=1
		continue
		;;
	esac
	echo "==== $b"
	leftovers_check "before $b" || echo "bench: the above was left by ${last:-nothing benchmarked yet}; removed"
	last=$b
	bash "$here/$b.sh" ${args[@]+"${args[@]}"}
	rc=$?
	case $rc in
	0) ;;
	77) echo "bench: $b skipped" ;;
	*) echo "bench: $b failed (exit $rc)" >&2; status=1 ;;
	esac
	echo
done
if [ -n "$last" ]; then
	leftovers_check "after $last" || echo "bench: the above was left by $last; removed"
fi
exit $status
