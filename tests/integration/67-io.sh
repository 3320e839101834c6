#!/bin/bash
# ioprio, iolimit and iopslimit reach io.weight and io.max on the disk of the private
# area at start; a synced 3 MiB write in a CT limited to 1 MB/s takes its time; a set on
# the running CT lifts the limit at once.
set -u
. "$(dirname "$0")/common.bash"
need_ct_host

ctid=1068
ct_new $ctid io
vzctl set $ctid --ioprio 6 --iolimit 1 --iopslimit 200 --save >/dev/null || fail "set failed"
grep -qx 'IOLIMIT="1048576"' "$it/conf/$ctid.conf" || fail "IOLIMIT is not kept in bytes/s"
vzctl start $ctid --wait >"$it/start.out" 2>&1 || fail "start failed: $(tail -n 3 "$it/start.out")"

dev=$(stat -c '%d' "$it/private/$ctid")
disk="$((dev >> 8)):$((dev & 255))"
[ -e "/sys/dev/block/$disk/partition" ] && disk=$(cat "$(readlink -f /sys/dev/block/$disk)/../dev")
echo "io.max: $(cg_file $ctid io.max); io.weight: $(cg_file $ctid io.weight | head -n 1)"
grep -qx "$disk rbps=1048576 wbps=1048576 riops=200 wiops=200" "/sys/fs/cgroup/$parent/$ctid/io.max" ||
	fail "io.max holds no limit for $disk"
[ "$(cg_file $ctid io.weight | head -n 1)" = "default 400" ] || fail "io.weight: $(cg_file $ctid io.weight)"

t0=$(date +%s%N)
vzctl exec2 $ctid 'dd if=/dev/zero of=/io.test bs=1M count=3 conv=fsync 2>/dev/null' </dev/null ||
	fail "the write failed"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
echo "3 MiB synced at 1 MB/s: $ms ms"
[ "$ms" -ge 1500 ] || fail "3 MiB went through in $ms ms: the limit did not hold"

vzctl set $ctid --iolimit 0 --iopslimit 0 --save >/dev/null || fail "lifting the limit failed"
grep -q "^$disk .*rbps=1048576" "/sys/fs/cgroup/$parent/$ctid/io.max" && fail "the limit is still there"
vzctl stop $ctid >/dev/null 2>&1 || fail "stop failed"
echo "io limits: applied at start, held, lifted on the running CT"
