#!/bin/bash
# Inside the test guest (bench/run.sh boots it once): the benchmarks named in
# VZ_BENCH_ONLY (default "exec-start overhead counters export"), in that order, each in
# a process of its own:
#
#   exec-start   exec-start.sh with this script's arguments (EXEC_RUNS START_RUNS WARMUP)
#   overhead     overhead.sh with the words of VZ_BENCH_OVERHEAD_ARGS (RUNS WORK SYSCALLS)
#   counters     counters.sh with the words of VZ_BENCH_COUNTERS_ARGS (REPS CALLS SIZES)
#   export       export.sh with the words of VZ_BENCH_EXPORT_ARGS (REPS READS SIZES)
#
# One that fails does not stop the others; the exit status is 1 when any failed.
set -u
here=$(cd "$(dirname "$0")" && pwd)
status=0
for b in ${VZ_BENCH_ONLY:-exec-start overhead counters export}; do
	case $b in
	exec-start) args=("$@") ;;
	overhead) read -ra args <<<"${VZ_BENCH_OVERHEAD_ARGS:-}" ;;
	counters) read -ra args <<<"${VZ_BENCH_COUNTERS_ARGS:-}" ;;
	export) read -ra args <<<"${VZ_BENCH_EXPORT_ARGS:-}" ;;
	*)
		echo "bench: no benchmark '$b' (exec-start, overhead, counters, export)" >&2
		status=1
		continue
		;;
	esac
	echo "==== $b"
	bash "$here/$b.sh" ${args[@]+"${args[@]}"}
	rc=$?
	case $rc in
	0) ;;
	77) echo "bench: $b skipped" ;;
	*) echo "bench: $b failed (exit $rc)" >&2; status=1 ;;
	esac
	echo
done
exit $status
