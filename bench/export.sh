#!/bin/bash
# The cost of reading the export, bcfs's proc/user_beancounters, for 1, 100 and 1000
# running CTs, against a minimal loop over the same kernel files (the baseline):
#
#   bench/export.sh [REPS [READS [SIZES]]]      (5, 5, 1,100,1000)
#
# The CTs are limit-only, as in counters.sh: for each id a CTID.conf with limits, the
# cgroup <parent>/<id> with the same limits written in, one sleeping process in it and
# <RUNDIR>/<id>.pid naming it (a CT without a process would have no block to show).
# One bcfs daemon serves the whole run, as it would on a host, on a directory of its own
# rather than BCFS_DIR: these CTs' processes live in the host's namespaces, so no view
# may be bound into them.
#
#   (a) export-read <BCFS_DIR>/proc/user_beancounters READS: the file read whole READS
#       times (open, read to the end, close), each read checked to hold a block per CT
#       and the host's; bcfs renders the file at each open (bc_table_all, the host's
#       block, the text)
#   (b) the baseline: table-raw ... READS+1 --host, the CTs' kernel files read as the
#       table reads them and, timed apart, the kernel files behind the host's block; its
#       first call (the process's start) dropped
#
# Each repetition runs (a) and (b) once, in turn, the order swapped every repetition,
# after one untimed round.  Prints per size the medians in ms of (a), of (b)'s two parts
# and the ratio (a) / (b), bcfs's CPU time per read (user+system, from /proc/<pid>/stat),
# and the median of a read of proc/vz/vswap (a FUSE round trip with no table behind it,
# read as often as (a)).  Nothing is asserted on times.
#
# Runs as root on a pure cgroup v2 host with /dev/fuse: in the test guest, through
# bench/run.sh (`make bench`, `make bench-export`).  BUILD names the built tools.
set -u
# shellcheck source=tests/integration/common.bash
. "$(dirname "$0")/../tests/integration/common.bash"
# shellcheck source=bench/fake-cts.bash
. "$(dirname "$0")/fake-cts.bash"

reps=${1:-5}
reads=${2:-5}
sizes=${3:-1,100,1000}
usage() { echo "usage: $0 [REPS [READS [SIZES]]] (e.g. 5 5 1,100,1000; each at least 1, sizes rising, at most 5000)" >&2; exit 2; }
check_counts "$reps" "$reads" "$sizes"
need_root
need_cgroup2
need_built bin/bcfs bench/table-raw bench/export-read
[ -x /bin/busybox ] || skip "/bin/busybox (busybox-static) is not installed"
need_fuse

fake_cts_begin bench-export 3000
mnt=$it/export
daemon=
cleanup() {
	[ -n "$daemon" ] && kill "$daemon" 2>/dev/null && wait "$daemon" 2>/dev/null
	"$BUILD/bin/bcfs" -u -d "$mnt" 2>/dev/null
	fake_cts_end
}
trap cleanup EXIT

"$BUILD/bin/bcfs" -f -d "$mnt" >"$it/bcfs.log" 2>&1 &
daemon=$!
bcfs_serving

# cpu_ticks: bcfs's user+system time so far, in clock ticks.
cpu_ticks() { awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$daemon/stat"; }

# export_reads: READS reads of the file, wall times (us) appended to $size-export; each
# read must show every CT's block and the host's.  bcfs's CPU ticks go to $size-cpu.
export_reads() {
	local lines t0 w b
	t0=$(cpu_ticks)
	lines=$("$BUILD/bench/export-read" "$mnt/proc/user_beancounters" "${1:-$reads}" 2>>"$err") ||
		{ echo "bench: reading the export failed: $(tail -n 2 "$err")" >&2; return 1; }
	echo "$(($(cpu_ticks) - t0)) ${1:-$reads}" >>"$out/$size-cpu"
	while read -r _ w _ _ _ b; do
		[ "$b" = $((size + 1)) ] || { echo "bench: the export showed $b blocks, $size CTs and the host made" >&2; return 1; }
		echo "$w" >>"$out/$size-export"
	done <<<"$lines"
	lines=$("$BUILD/bench/export-read" "$mnt/proc/vz/vswap" "${1:-$reads}" 2>>"$err") ||
		{ echo "bench: reading proc/vz/vswap failed: $(tail -n 2 "$err")" >&2; return 1; }
	awk '{ print $2 }' <<<"$lines" >>"$out/$size-fuse"
}
# raw_reads: table-raw --host (READS+1 calls, the first dropped): the CTs' files and,
# timed apart, the host's.
raw_reads() {
	local lines w c r h first=1
	lines=$("$BUILD/bench/table-raw" "$confdir" "$rundir" "$cgp" $((${1:-$reads} + 1)) \
		--host /sys/fs/cgroup 2>>"$err") ||
		{ echo "bench: table-raw failed: $(tail -n 2 "$err")" >&2; return 1; }
	while read -r _ w _ _ _ _ _ c _ r _ h; do
		[ "$c" = "$size" ] && [ "$r" = "$size" ] || { echo "bench: table-raw saw $c CTs, $r running; $size made" >&2; return 1; }
		[ $first = 1 ] && { first=0; continue; }
		echo "$w" >>"$out/$size-raw"
		echo "$h" >>"$out/$size-host"
	done <<<"$lines"
}

# mid FILE: the median of the numbers in FILE; med FILE: the same of microseconds, in ms.
mid() {
	sort -n "$1" | awk '{ v[NR] = $1 } END {
		printf "%.6f", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
med() { awk -v m="$(mid "$1")" 'BEGIN { printf "%.2f", m / 1000 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
sum() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a + b }'; }
# pair_ratio: export / raw of the repetition just run, each the median of its reads.  A
# repetition's two halves run back to back, so a slow spell of the machine weighs on both.
pair_ratio() {
	local e c h
	e=$(med <(tail -n "$reads" "$out/$size-export"))
	c=$(med <(tail -n "$reads" "$out/$size-raw"))
	h=$(med <(tail -n "$reads" "$out/$size-host"))
	ratio "$e" "$(sum "$c" "$h")"
	echo
}

for size in "${sizes[@]}"; do
	t0=$EPOCHREALTIME
	make_cts "$size" || fail "cannot make $size CTs"
	echo "bench: $size CTs made in $(ratio "$(( ${EPOCHREALTIME/./} - ${t0/./} ))" 1000000) s"
	{ export_reads 1 && raw_reads 1; } || fail "warm-up at $size CTs failed"
	rm -f "$out/$size"-*
	for i in $(seq "$reps"); do
		if [ $((i % 2)) = 1 ]; then
			export_reads && raw_reads
		else
			raw_reads && export_reads
		fi || fail "repetition $i at $size CTs failed"
		pair_ratio >>"$out/$size-pairs"
	done
done

tick_ms=$(awk -v hz="$(getconf CLK_TCK)" 'BEGIN { print 1000 / hz }')
echo
echo "bcfs's proc/user_beancounters read whole (export) against a minimal loop over the same"
echo "kernel files (raw: the CTs' files and, apart, the host block's, by table-raw --host);"
echo "$reps rounds of $reads reads each; medians in ms of wall time"
printf '%6s %6s %10s %10s %10s %10s %9s %14s %8s %s\n' CTs reads export "raw CTs" "raw host" "raw" export/raw \
	"bcfs CPU/read" "FUSE" "  paired (each repetition)"
for size in "${sizes[@]}"; do
	f=$out/$size-export
	[ -s "$f" ] || continue
	e=$(med "$f")
	rc=$(med "$out/$size-raw")
	rh=$(med "$out/$size-host")
	raw=$(sum "$rc" "$rh")
	cpu=$(awk -v t="$tick_ms" '{ ticks += $1; n += $2 } END { printf "%.2f", ticks * t / n }' "$out/$size-cpu")
	pairs=$(sort -n "$out/$size-pairs" | tr '\n' ' ')
	printf '%6d %6d %10s %10s %10s %10s %9s %14s %8s   %s (%s)\n' "$size" "$(wc -l <"$f")" "$e" "$rc" "$rh" \
		"$raw" "$(ratio "$e" "$raw")" "$cpu" "$(med "$out/$size-fuse")" \
		"$(awk -v m="$(mid "$out/$size-pairs")" 'BEGIN { printf "%.2f", m }')" \
		"${pairs% }"
done
echo "export: open, read and close of the file through FUSE; bcfs renders it at each open"
echo "(bc_table_all for every CT, the host's block, the text).  raw: the same kernel files"
echo "opened, read and closed once each per read, nothing parsed.  Goal: export/raw <= 1.5"
echo "FUSE: a read of proc/vz/vswap, the round trips of a read with no table behind them"
echo "paired: the median of each repetition's own export/raw (and, in brackets, all of them):"
echo "the two halves of a repetition run back to back, so a slow spell weighs on both"
echo "CPUs: $(nproc), kernel $(uname -r)"
