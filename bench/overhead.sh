#!/bin/bash
# A fixed CPU and system-call workload inside a CT against the same workload on the host
# (the baseline), OpenVZ's promise being under 2 % overhead:
#
#   bench/overhead.sh [RUNS [WORK [SYSCALLS]]]      (21, 30000000, 40000)
#
# The workload is bench/workload.c (static): WORK rounds of integer arithmetic, then
# SYSCALLS rounds of getppid, clock_gettime (the system call, not the vDSO) and a 1-byte
# read of /dev/zero, each part timed by the program itself with CLOCK_MONOTONIC, so that
# starting it, and getting into the CT, are not counted.  The CT is a started busybox
# CT of the default sample (vswap-256m: no CPU limit); the program runs there through
# `vzctl exec2 CT /bin/bench-workload`, and on the host (this guest, outside any CT)
# from a copy on the same file system.  Each round runs it once on each side, the order
# swapped every round; one untimed round first.  Prints each side's median in ms for
# the arithmetic, the system calls and the whole, and the ratio CT / host.
#
# Runs as root on a pure cgroup v2 host: in the test guest, through bench/run.sh (or
# `make bench`, `make bench-counters`).  BUILD names the built tools.
set -u
# shellcheck source=tests/integration/common.bash
. "$(dirname "$0")/../tests/integration/common.bash"

runs=${1:-21}
work=${2:-30000000}
sys=${3:-40000}
for n in "$runs" "$work" "$sys"; do
	case $n in '' | *[!0-9]*) echo "usage: $0 [RUNS [WORK [SYSCALLS]]]" >&2; exit 2 ;; esac
done
[ "$runs" -ge 1 ] || { echo "usage: $0 [RUNS [WORK [SYSCALLS]]] (RUNS at least 1)" >&2; exit 2; }
need_ct_host
need_built bench/workload

ctid=1101
ct_host /vz/bench-overhead bench-overhead.slice
trap 'ct_host_cleanup $ctid' EXIT
out=$it/times
mkdir -p "$out"
err=$it/errors.log

ct_template
vzctl create $ctid --ostemplate busybox >/dev/null || fail "vzctl create failed"
install -m 0755 "$BUILD/bench/workload" "$it/private/$ctid/bin/bench-workload" ||
	fail "cannot copy the workload into CT $ctid"
install -m 0755 "$BUILD/bench/workload" "$it/host-workload" || fail "cannot copy the workload"
vzctl start $ctid --wait >/dev/null 2>>"$err" || fail "vzctl start failed: $(tail -n 2 "$err")"

# run SIDE: one run on SIDE (host or ct), its three times appended to $out/SIDE-*.
run() {
	local line
	if [ "$1" = ct ]; then
		line=$(vzctl exec2 $ctid /bin/bench-workload "$work" "$sys" </dev/null 2>>"$err")
	else
		line=$("$it/host-workload" "$work" "$sys" </dev/null 2>>"$err")
	fi
	# shellcheck disable=SC2086 # the line's words
	set -- "$1" $line
	{ [ $# -eq 9 ] && [ "$2" = work_us ]; } || { echo "bench: the workload on $1 printed '$line'" >&2; return 1; }
	echo "$3" >>"$out/$1-work"
	echo "$5" >>"$out/$1-sys"
	echo "$7" >>"$out/$1-total"
	echo "$9" >>"$out/$1-check"
}
load0=$(cut -d' ' -f1-3 /proc/loadavg)
{ run host && run ct; } || fail "warm-up run failed: $(tail -n 2 "$err")"
rm -f "$out"/*
for i in $(seq "$runs"); do
	if [ $((i % 2)) = 1 ]; then
		run host && run ct
	else
		run ct && run host
	fi || fail "round $i failed: $(tail -n 2 "$err")"
done
[ "$(sort -u "$out"/host-check "$out"/ct-check | wc -l)" = 1 ] ||
	fail "the workload computed different results on the host and in the CT"

median_ms() { # median of a file of microseconds, in ms
	sort -n "$1" | awk '{ v[NR] = $1 } END {
		m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%.2f", m / 1000 }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
echo
echo "workload: $work rounds of arithmetic, $sys rounds of 3 system calls; $runs runs per side"
printf '%-26s %5s %12s %12s %7s\n' part runs "host ms" "CT ms" "CT/host"
for part in work sys total; do
	h=$(median_ms "$out/host-$part")
	c=$(median_ms "$out/ct-$part")
	case $part in
	work) label="arithmetic" ;;
	sys) label="system calls" ;;
	total) label="whole" ;;
	esac
	printf '%-26s %5d %12s %12s %7s\n' "$label" "$runs" "$h" "$c" "$(ratio "$c" "$h")"
done
echo "ratio: median in the CT over median on the host (goal <= 1.02)"
echo "CPUs: $(nproc), kernel $(uname -r), load average before $load0, after $(cut -d' ' -f1-3 /proc/loadavg)"
