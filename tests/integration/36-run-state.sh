#!/bin/bash
# One notion of a running CT: its init, named by <RUNDIR>/<ctid>.pid, lives in the
# CT's cgroup.  A CT whose init died while a process it did not own stayed in its
# cgroup (here a host process moved there, as the helper of a `vzctl exec` would be)
# is down to every command alike: status, vzlist, vzctl set (which then saves without
# touching the cgroup), exec (31) and the counters; the next start takes the leftover
# away and starts a new init.  A start killed before it wrote the pid file (its init
# and monitor running, no pid file) is cleaned up by the next stop: no process, no
# cgroup, the root area unmounted; destroy and umount refuse until then.
set -u
. "$(dirname "$0")/common.bash"
need_ct_host

ctid=1036
ct_new $ctid run-state
cg=/sys/fs/cgroup/$parent/$ctid

vzctl start $ctid >/dev/null || fail "start failed"
pid=$(cat "$it/run/$ctid.pid")
# A process of the host's in the CT's cgroup, outside its pid namespace: it outlives
# the init.
sleep 1000036 &
stray=$!
echo "$stray" >"$cg/cgroup.procs" || fail "cannot move a process into $cg"
kill -9 "$pid"
for i in $(seq 50); do [ -d "/proc/$pid" ] || break; sleep 0.1; done
[ -d "/proc/$pid" ] && fail "init $pid still runs"
grep -qx "$stray" "$cg/cgroup.procs" || fail "the stray process left the cgroup"

got=$(vzctl status $ctid)
echo "status: $got"
[ "$got" = "CTID $ctid exist mounted down" ] || fail "status says '$got'"
got=$("$BUILD/bin/vzlist" -a -H -o ctid,status $ctid | tr -s ' ')
echo "vzlist: $got"
# Down with its root area still mounted: vzlist's "mounted", as OpenVZ's.
[ "$got" = " $ctid mounted" ] || fail "vzlist says '$got'"
out=$(vzctl set $ctid --numproc 77 --save 2>&1)
echo "$out"
printf '%s\n' "$out" | grep -q "UB limits were set" && fail "set took the CT for a running one"
grep -q '^NUMPROC="77' "$it/conf/$ctid.conf" || fail "set did not save NUMPROC"
[ "$(cat "$cg/pids.max")" != 77 ] || fail "set wrote pids.max of a CT that is down"
vzctl exec $ctid true >/dev/null 2>&1
rc=$?
[ "$rc" = 31 ] || fail "exec into the CT whose init died exited $rc, not 31"
got=$("$BUILD/tests/bctable" $ctid | grep '^numproc ')
echo "counters: $got"
[ "${got##* }" = unknown ] || fail "the counters show usage of a CT that is down"

# The next start takes the leftover away and runs a new init.
vzctl start $ctid >/dev/null || fail "start after the init died failed"
# gone, or a zombie of this shell's
gone() { local st; st=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null); [ -z "$st" ] || [ "$st" = Z ]; }
for i in $(seq 50); do gone "$stray" && break; sleep 0.1; done
gone "$stray" || fail "the stray process survived the start"
new=$(cat "$it/run/$ctid.pid")
[ "$new" != "$pid" ] || fail "the start kept the dead init's pid"
[ "$(vzctl status $ctid)" = "CTID $ctid exist mounted running" ] || fail "not running after start"
[ "$(cat "$cg/pids.max")" = 77 ] || fail "the new start did not write the saved numproc"
vzctl stop $ctid >/dev/null || fail "stop failed"

# A start killed part way: the init and its monitor run, the pid file is not there.
vzctl start $ctid >/dev/null || fail "start failed"
init=$(cat "$it/run/$ctid.pid")
rm -f "$it/run/$ctid.pid"
# Its processes still use the root area: destroy and umount refuse, as for a running CT.
expect_rc 32 vzctl destroy $ctid
expect_rc 32 vzctl umount $ctid
[ -d "$it/private/$ctid/bin" ] || fail "destroy removed the files of a CT whose processes run"
vzctl stop $ctid >"$it/stop.out" 2>&1
echo "stop after a killed start -> $?: $(tr '\n' ' ' <"$it/stop.out")"
gone "$init" || fail "the killed start's init survived the next stop"
[ ! -e "$cg" ] || fail "the killed start's cgroup survived the next stop"
grep -q " $it/root/$ctid " /proc/self/mountinfo && fail "the killed start's mount survived the next stop"
[ "$(vzctl status $ctid)" = "CTID $ctid exist unmounted down" ] || fail "status: $(vzctl status $ctid)"
echo "PASS: one notion of running"
