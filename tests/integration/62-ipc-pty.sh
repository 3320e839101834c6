#!/bin/bash
# shmpages reaches the CT's IPC namespace (shmall, shmmax) and numpty its devpts: a
# shared memory segment past the limit and ptys past the count are refused inside.
set -u
. "$(dirname "$0")/common.bash"
need_ct_host

ctid=1062
ct_new $ctid ipc
vzctl set $ctid --shmpages 256 --numpty 4 --save >/dev/null || fail "set failed"
ct_probe $ctid
vzctl start $ctid --wait >"$it/start.out" 2>&1 || fail "start failed: $(tail -n 3 "$it/start.out")"

host_shmall=$(cat /proc/sys/kernel/shmall)
shmall=$(vzctl exec2 $ctid cat /proc/sys/kernel/shmall </dev/null)
echo "shmall inside $shmall, on the host $host_shmall"
[ "$shmall" = 256 ] || fail "shmall inside is $shmall"
[ "$(cat /proc/sys/kernel/shmall)" = "$host_shmall" ] || fail "the host's shmall changed"
small=$(vzctl exec2 $ctid ct-probe shm $((512 << 10)) </dev/null)
big=$(vzctl exec2 $ctid ct-probe shm $((2 << 20)) </dev/null)
echo "512 KiB segment: $small; 2 MiB segment: $big"
[ "$small" = ok ] || fail "a segment within shmpages was refused: $small"
case $big in refused*) ;; *) fail "a segment past shmpages was allowed: $big" ;; esac

pty=$(vzctl exec2 $ctid ct-probe pty 10 </dev/null)
echo "ptys: $pty"
case $pty in "opened 4, then "*) ;; *) fail "numpty 4 gave: $pty" ;; esac
vzctl stop $ctid >/dev/null 2>&1 || fail "stop failed"
