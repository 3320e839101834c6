#!/bin/bash
# The cost of collecting the full beancounter table (bc_table_all(), what vzlist and the
# export call) for 1, 100 and 1000 running CTs, against reading the same kernel files
# with a minimal loop (the baseline):
#
#   bench/counters.sh [REPS [CALLS [SIZES]]]      (5, 2, 1,100,1000)
#
# The CTs hold limits and one process each, no OS: for each id a CTID.conf with limits,
# the cgroup <parent>/<id> with the same limits written in, one sleeping process moved
# into it, and <RUNDIR>/<id>.pid naming that process: what the core takes for a running
# CT (ct_init_pid).  RUNDIR is on tmpfs, as /var/run is.  The CTs of a size are made on
# top of the previous size's.
#
#   (a) bench/table-all CALLS: bc_table_all() CALLS times in one process; each call must
#       see every CT running
#   (b) bench/table-raw ... CALLS: the same kernel files opened, read and closed, each
#       once per CT (/proc/locks once per table), nothing parsed beyond what finds the
#       next file; the configs are not read (bench/table-raw.c has the list)
#
# Each repetition runs (a) and (b) once, in turn, the order swapped every repetition,
# after one untimed process of each.
# The first call of a process (which for (a) also starts the cgroup backend) and the
# later calls (a reader that stays, as the export does) are counted apart.  Prints per
# size and kind of call the medians in ms, with user+system CPU time, and the ratio
# (a)/(b); then, per size, how bc_table_get()'s time splits (table-all --phases), and the
# system calls of one call of each (strace -c) at the first size of 100 CTs or more (else
# the largest), when strace is installed (VZ_BENCH_STRACE=0 leaves that out).  Nothing is
# asserted on times.
#
# Runs as root on a pure cgroup v2 host: in the test guest, through bench/run.sh (or
# `make bench`, `make bench-counters`).  BUILD names the built tools.
set -u
# shellcheck source=tests/integration/common.bash
. "$(dirname "$0")/../tests/integration/common.bash"
# shellcheck source=bench/fake-cts.bash
. "$(dirname "$0")/fake-cts.bash"

reps=${1:-5}
calls=${2:-2}
sizes=${3:-1,100,1000}
usage() { echo "usage: $0 [REPS [CALLS [SIZES]]] (e.g. 5 2 1,100,1000; each at least 1, sizes rising, at most 5000)" >&2; exit 2; }
check_counts "$reps" "$calls" "$sizes"
need_root
need_cgroup2
need_built bench/table-all bench/table-raw
[ -x /bin/busybox ] || skip "/bin/busybox (busybox-static) is not installed"

fake_cts_begin bench-counters 2000

# one FILE-PREFIX CMD...: runs CMD (CALLS calls), its first line appended to PREFIX-first,
# the others to PREFIX-later (each line: wall user sys in us); checks every call saw
# $size CTs, all running.
one() {
	local prefix=$1 lines first=1 w u s c r
	shift
	lines=$("$@" 2>>"$err") || { echo "bench: '$*' failed: $(tail -n 2 "$err")" >&2; return 1; }
	while read -r _ w _ u _ s _ c _ r; do
		if [ "$c" != "$size" ] || [ "$r" != "$size" ]; then
			echo "bench: '$1' saw $c CTs, $r running; $size made" >&2
			return 1
		fi
		if [ $first = 1 ]; then
			echo "$w $u $s" >>"$prefix-first"
			first=0
		else
			echo "$w $u $s" >>"$prefix-later"
		fi
	done <<<"$lines"
}
core() { one "$out/$size-core" "$BUILD/bench/table-all" "${1:-$calls}"; }
raw() { one "$out/$size-raw" "$BUILD/bench/table-raw" "$confdir" "$rundir" "$cgp" "${1:-$calls}"; }

# med FILE COLUMN: the median of a column (us), in ms.
med() {
	awk -v c="$2" '{ print $c }' "$1" | sort -n | awk '{ v[NR] = $1 } END {
		m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%.2f", m / 1000 }'
}
cell() { printf '%s (%s+%s)' "$(med "$1" 1)" "$(med "$1" 2)" "$(med "$1" 3)"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

trace_size=${sizes[-1]}
for n in "${sizes[@]}"; do
	[ "$n" -ge 100 ] && { trace_size=$n; break; }
done
trace=0
[ "${VZ_BENCH_STRACE:-1}" != 0 ] && command -v strace >/dev/null && trace=1
# strace_one WHO: the system calls of one call of core or raw, into $it/strace-WHO.
strace_one() {
	if [ "$1" = core ]; then
		strace -c -S calls -o "$it/strace-$1" "$BUILD/bench/table-all" 1 >/dev/null 2>>"$err"
	else
		strace -c -S calls -o "$it/strace-$1" "$BUILD/bench/table-raw" "$confdir" "$rundir" "$cgp" 1 \
			>/dev/null 2>>"$err"
	fi || { echo "bench: strace of $1 failed" >&2; rm -f "$it/strace-$1"; }
}

declare -A phases
for size in "${sizes[@]}"; do
	t0=$EPOCHREALTIME
	make_cts "$size" || fail "cannot make $size CTs"
	echo "bench: $size CTs made in $(ratio "$(( ${EPOCHREALTIME/./} - ${t0/./} ))" 1000000) s"
	{ core 1 && raw 1; } || fail "warm-up at $size CTs failed"
	rm -f "$out/$size"-*
	for i in $(seq "$reps"); do
		if [ $((i % 2)) = 1 ]; then
			core && raw
		else
			raw && core
		fi || fail "repetition $i at $size CTs failed"
	done
	phases[$size]=$("$BUILD/bench/table-all" --phases 2>>"$err") || fail "table-all --phases failed"
	if [ $trace = 1 ] && [ "$size" = "$trace_size" ]; then
		strace_one core
		strace_one raw
	fi
done

echo
echo "bc_table_all() (core) against a minimal loop over the same kernel files (raw);"
echo "$reps processes each, $calls calls per process; ms as wall (user+sys CPU)"
printf '%6s %-6s %5s %24s %24s %7s\n' CTs call runs "core ms" "raw ms" core/raw
for size in "${sizes[@]}"; do
	for kind in first later; do
		f=$out/$size-core-$kind
		[ -s "$f" ] || continue
		printf '%6d %-6s %5d %24s %24s %7s\n' "$size" "$kind" "$(wc -l <"$f")" "$(cell "$f")" \
			"$(cell "$out/$size-raw-$kind")" \
			"$(ratio "$(med "$f" 1)" "$(med "$out/$size-raw-$kind" 1)")"
	done
done
echo "first: the first call of a process (the core's also starts the cgroup backend);"
echo "later: the calls after it in the same process (a reader that stays, as the export)"

echo
echo "bc_table_get() per part, summed over the CTs, one pass (ms):"
printf '%6s %10s %10s %10s %10s %10s\n' CTs config ct_init_pid cg_open rest whole
for size in "${sizes[@]}"; do
	read -r _ conf _ pid _ open _ get _ <<<"${phases[$size]}"
	printf '%6d %10.2f %10.2f %10.2f %10.2f %10.2f\n' "$size" "$(ratio "$conf" 1000)" \
		"$(ratio "$pid" 1000)" "$(ratio "$open" 1000)" \
		"$(ratio "$((get - conf - pid - open))" 1000)" "$(ratio "$get" 1000)"
done
echo "config: CTID.conf read and parsed; ct_init_pid: pid file, /proc/PID/stat and cgroup;"
echo "cg_open: the cgroup's directory fd; rest: the counters' files and the kept maxheld"

if [ $trace = 1 ]; then
	echo
	echo "system calls of one call at $trace_size CTs (strace -c; the core's includes its start):"
	printf '%-16s %10s %10s %10s %10s\n' "" core raw "core/CT" "raw/CT"
	awk -v n="$trace_size" '
		FNR == 1 { f++ }
		$1 ~ /^[0-9.]+$/ && NF >= 5 { c[f, $NF] += $4; if (!($NF in seen)) { seen[$NF] = 1; order[++k] = $NF } }
		END {
			for (i = 1; i <= k; i++) {
				s = order[i]
				if (s != "total" && c[1, s] + c[2, s] < n) continue
				printf "%-16s %10d %10d %10.1f %10.1f\n", s, c[1, s], c[2, s], c[1, s] / n, c[2, s] / n
			}
		}' "$it/strace-core" "$it/strace-raw"
fi
echo "CPUs: $(nproc), kernel $(uname -r)"
