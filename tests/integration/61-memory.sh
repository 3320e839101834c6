#!/bin/bash
# --ram 64M --swap 0 reach memory.max and memory.swap.max at start: a memory hog in the
# CT is OOM-killed alone (the CT's init and the host's processes live on), the kernel
# counts it, and the peak use is the limit's size.
set -u
. "$(dirname "$0")/common.bash"
need_ct_host
need_built tests/bctable

ctid=1061
ct_new $ctid memory
vzctl set $ctid --ram 64M --swap 0 --save >/dev/null || fail "set --ram failed"
ct_probe $ctid
vzctl start $ctid --wait >"$it/start.out" 2>&1 || fail "start failed: $(tail -n 3 "$it/start.out")"

[ "$(cg_file $ctid memory.max)" = 67108864 ] || fail "memory.max is $(cg_file $ctid memory.max)"
[ "$(cg_file $ctid memory.swap.max)" = 0 ] || fail "memory.swap.max is $(cg_file $ctid memory.swap.max)"

sleep 300 &
canary=$!
vzctl exec2 $ctid ct-probe hog 200 >"$it/hog.out" </dev/null 2>&1
rc=$?
echo "hog: exit $rc after $(tail -n 1 "$it/hog.out") MiB"
[ $rc -eq 137 ] || fail "the hog was not killed (exit $rc)"
kill -0 $canary 2>/dev/null || fail "a host process died"
kill $canary
oom=$(awk '$1 == "oom_kill" { print $2 }' "/sys/fs/cgroup/$parent/$ctid/memory.events")
peak=$(cg_file $ctid memory.peak)
echo "memory.events oom_kill $oom, memory.peak $peak"
[ "$oom" -ge 1 ] || fail "memory.events counts no OOM kill"
[ "$peak" -ge $((60 << 20)) ] || fail "memory.peak is only $peak"
[ "$peak" -le $((64 << 20)) ] || fail "memory.peak $peak is above the limit"
r=$("$BUILD/tests/bctable" $ctid | awk '$1 == "physpages"')
echo "physpages row: $r"
read -r _ held maxheld bar lim failcnt _ <<<"$r"
[ "$failcnt" -gt 0 ] || fail "physpages failcnt is $failcnt after the OOM kill"
[ "$maxheld" -ge $(( (60 << 20) / 4096 )) ] || fail "physpages maxheld $maxheld is below 60 MiB"
[ "$lim" -eq 16384 ] || fail "physpages limit $lim"
vzctl status $ctid | grep -q " running" || fail "the CT went down with its hog"
[ "$(vzctl exec2 $ctid echo alive </dev/null)" = alive ] || fail "the CT does not answer after the OOM kill"
vzctl stop $ctid >/dev/null 2>&1 || fail "stop failed"
echo "ram 64M: the hog alone was killed at $(tail -n 1 "$it/hog.out") MiB"
