#!/bin/bash
# The counters of a running CT match what the test counts itself while a known load
# sits in the CT (ct-probe load: N files, N flocks, N TCP and N UDP sockets, 1 MiB
# mlocked, 1 MiB of shared memory); numsiginfo, which a CT in the host's user namespace
# shares with the host, says "not available"; maxheld
# never goes backwards across 100 reads, each by a new reader process; a stopped CT has
# its config's limits and no usage.
set -u
. "$(dirname "$0")/common.bash"
need_ct_host
need_built tests/bctable

ctid=1067
N=20
ct_new $ctid counters
vzctl set $ctid --numproc 100 --ram 256M --swap 0 --save >/dev/null || fail "set failed"
ct_probe $ctid
bct() { "$BUILD/tests/bctable" "$ctid"; }
row() { bct | awk -v r="$1" '$1 == r'; }
col() { awk -v c="$2" '{ print $c }' <<<"$1"; } # 2 held 3 maxheld 4 barrier 5 limit 6 failcnt 7 class

# Stopped: config limits, usage unknown.
r=$(row numproc)
[ "$(col "$r" 5)" = 100 ] && [ "$(col "$r" 8)" = unknown ] || fail "stopped numproc row: $r"

vzctl start $ctid --wait >"$it/start.out" 2>&1 || fail "start failed: $(tail -n 3 "$it/start.out")"
init=$(cat "$it/run/$ctid.pid")
probe_bg $ctid load load $N

bct >"$it/table"
cat "$it/table"
got() { awk -v r="$1" '$1 == r { print $2 }' "$it/table"; }
pids=$(cat "/sys/fs/cgroup/$parent/$ctid/cgroup.procs")

# Counted here, independently of the implementation's code.
files=0; vmlck=0; priv=0
for p in $pids; do
	files=$((files + $(ls "/proc/$p/fd" | wc -l)))
	vmlck=$((vmlck + $(awk '/^VmLck:/ { print $2 }' "/proc/$p/status")))
	priv=$((priv + $(awk '/^VmData:|^VmStk:/ { s += $2 } END { print s + 0 }' "/proc/$p/status")))
done
flocks=0
for p in $pids; do
	flocks=$((flocks + $(grep -v -- '->' /proc/locks | awk -v p="$p" '$5 == p' | wc -l)))
done
tcp=$(( $(tail -n +2 /proc/$init/net/tcp | wc -l) + $(tail -n +2 /proc/$init/net/tcp6 2>/dev/null | wc -l) ))
udp=$(( $(tail -n +2 /proc/$init/net/udp | wc -l) + $(tail -n +2 /proc/$init/net/udp6 2>/dev/null | wc -l) ))
shmem=$(awk '$1 == "shmem" { print $2 }' "/sys/fs/cgroup/$parent/$ctid/memory.stat")
kernel=$(awk '$1 == "kernel" { print $2 }' "/sys/fs/cgroup/$parent/$ctid/memory.stat")

check() { # name got want [slack]
	local d=$(( $2 - $3 ))
	[ ${d#-} -le "${4:-0}" ] || fail "$1: the table says $2, counted $3"
	echo "$1: $2 (counted $3)"
}
check numfile "$(got numfile)" "$files"
[ "$(got numfile)" -ge $((2 * N)) ] || fail "numfile $(got numfile) is below the $((2 * N)) files the load opened"
check numflock "$(got numflock)" "$flocks"
[ "$(got numflock)" -eq "$N" ] || fail "numflock $(got numflock), the load holds $N"
check lockedpages "$(got lockedpages)" $((vmlck / 4))
[ "$(got lockedpages)" -eq 256 ] || fail "lockedpages $(got lockedpages), the load mlocked 256 pages"
check privvmpages "$(got privvmpages)" $((priv / 4))
check numtcpsock "$(got numtcpsock)" "$tcp"
[ "$(got numtcpsock)" -ge "$N" ] || fail "numtcpsock below the $N the load listens on"
[ "$(got numothersock)" -ge "$udp" ] && [ "$udp" -ge "$N" ] || fail "numothersock $(got numothersock), udp $udp"
check shmpages "$(got shmpages)" $(( (shmem + 4095) / 4096 ))
[ "$(got shmpages)" -ge 256 ] || fail "shmpages $(got shmpages) below the 1 MiB segment"
# kmemsize moves with every allocation: within 1 MiB of memory.stat read just after.
check kmemsize "$(got kmemsize)" "$kernel" $((1 << 20))
grep -q "^numsiginfo .* not_available unknown$" "$it/table" ||
	fail "numsiginfo is not labelled not available: $(grep "^numsiginfo " "$it/table")"

# maxheld never goes backwards: 30 sleepers come and go between 100 reads.
vzctl exec $ctid 'for i in $(seq 30); do sleep 3 & done' </dev/null
prev=0
peak=0
for i in $(seq 100); do
	r=$(row numproc)
	h=$(col "$r" 2); m=$(col "$r" 3); f=$(col "$r" 6)
	[ "$m" -ge "$prev" ] || fail "numproc maxheld went back from $prev to $m at read $i"
	[ "$f" -ge "${prevf:-0}" ] || fail "numproc failcnt went back from $prevf to $f at read $i"
	prevf=$f
	[ "$m" -ge "$h" ] || fail "numproc maxheld $m below held $h"
	[ "$h" -gt "$peak" ] && peak=$h
	prev=$m
	[ "$i" -eq 50 ] && sleep 3.5
done
r=$(row numproc)
echo "numproc after the sleepers: $r"
[ "$(col "$r" 3)" -ge 30 ] || fail "numproc maxheld $(col "$r" 3) forgot the 30 sleepers"
[ "$(col "$r" 2)" -lt 30 ] || fail "the sleepers did not end"

vzctl stop $ctid >/dev/null 2>&1 || fail "stop failed"
r=$(row numproc)
[ "$(col "$r" 8)" = unknown ] || fail "a stopped CT still shows usage: $r"
echo "counters match the independent counts; maxheld held at $prev"
