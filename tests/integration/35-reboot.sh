#!/bin/bash
# A reboot inside a CT starts it again, as on OpenVZ: the CT's monitor (the parent of
# its init, "vzmon <ctid>", out of the CT's cgroup and holding none of vzctl's fds)
# sees the init end as by SIGHUP and runs a start under the CT's lock; the CT then runs
# with a new init, exec works in it, its start and stop scripts ran.  A reboot while
# another command holds the CT's lock, and a power-off inside, leave the CT down with
# no monitor; stop and stop --fast leave no monitor either.  The kernel lets the CT's
# init call reboot(2) only with sys_boot in its bounding set, which the CT's config
# turns on here (by default the CT lacks it: its init's reboot fails and it ends).  A
# CT with LOCAL_UID has sys_boot in its own user namespace by default, and reboots.
set -u
. "$(dirname "$0")/common.bash"
need_ct_host

ctid=1035
ct_new $ctid reboot
echo 'CAPABILITY="sys_boot:on"' >>"$it/conf/$ctid.conf"
bootlog=$it/private/$ctid/var/log/boot.log

init_pid() { cat "$it/run/$ctid.pid" 2>/dev/null; }
# How many processes are named as the CT's monitor.
monitors() { grep -lx "vzmon $ctid" /proc/[0-9]*/comm 2>/dev/null | wc -l; }
expect_status() {
	local got
	got=$(vzctl status $ctid) || fail "status exited $?"
	[ "$got" = "CTID $ctid $1" ] || fail "status is '$got', not 'CTID $ctid $1'"
}
started_again() {
	local new
	new=$(init_pid)
	[ -n "$new" ] && [ "$new" != "$pid" ] && [ -d "/proc/$new" ] &&
		[ "$(vzctl status $ctid)" = "CTID $ctid exist mounted running" ]
}
gone() { [ ! -d "/proc/$1" ]; }
one_monitor() { [ "$(monitors)" -eq 1 ]; }
booted_twice() { [ "$(grep -c 'CT started' "$bootlog")" -eq 2 ]; }

vzctl start $ctid --wait >"$it/start.out" 2>&1 || fail "start failed: $(tail -n 1 "$it/start.out")"
pid=$(init_pid)
mon=$(awk '{ print $4 }' "/proc/$pid/stat")
echo "init $pid, its parent $mon ($(cat "/proc/$mon/comm")), cgroup $(cat "/proc/$mon/cgroup")"
[ "$(cat "/proc/$mon/comm")" = "vzmon $ctid" ] || fail "the init's parent is not the CT's monitor"
[ "$(cat "/proc/$mon/cgroup")" != "0::/$parent/$ctid" ] || fail "the monitor is in the CT's cgroup"
[ "$(monitors)" -eq 1 ] || fail "$(monitors) monitors run, not 1"
# 0..2 on /dev/null, the cgroup2 mount and the console's (its directory, log and
# socket, the ptys of the CT's devpts, init's pidfd): no lock, pipe, CT cgroup or
# terminal of vzctl's.
fds=$(ls -l "/proc/$mon/fd" | awk 'NR > 1 { print $NF }' | sort | tr '\n' ' ')
echo "the monitor's fds: $fds"
for fd in 0 1 2; do
	[ "$(readlink "/proc/$mon/fd/$fd")" = /dev/null ] || fail "the monitor's fd $fd is not /dev/null"
done
for f in $fds; do
	case $f in
	/dev/null | /sys/fs/cgroup | "$it/run/console" | "$it/run/console/$ctid.log" | \
		socket:* | anon_inode:* | */ptmx | */pts/[0-9]*) ;;
	*) fail "the monitor holds $f" ;;
	esac
done
[ "$(readlink "/proc/$mon/cwd")" = / ] || fail "the monitor's working directory is not /"
[ ! -e "$it/lock/$ctid.lck" ] || fail "the CT is still locked after start"

vzctl exec2 $ctid reboot </dev/null || fail "reboot inside failed"
t0=$SECONDS
wait_for 60 started_again || fail "the CT did not come back in 60 s: $(vzctl status $ctid)"
new=$(init_pid)
echo "rebooted in $((SECONDS - t0)) s: init $pid -> $new"
gone "$pid" || fail "the old init $pid still runs"
[ "$(vzctl exec2 $ctid cat /proc/1/comm </dev/null)" = init ] || fail "exec does not work after the reboot"
wait_for 30 booted_twice || fail "the CT's start script did not run again"
[ "$(grep -c 'CT stopping' "$bootlog")" -eq 1 ] || fail "the CT's stop script did not run once"
wait_for 10 one_monitor || fail "$(monitors) monitors run after the reboot, not 1"
mon=$(awk '{ print $4 }' "/proc/$new/stat")
[ "$(cat "/proc/$mon/comm")" = "vzmon $ctid" ] || fail "the new init's parent is not a monitor"
[ ! -e "$it/lock/$ctid.lck" ] || fail "the CT is still locked after the reboot"

vzctl stop $ctid >/dev/null || fail "stop after the reboot failed"
expect_status "exist unmounted down"
[ "$(monitors)" -eq 0 ] || fail "stop left a monitor"
[ ! -e "/sys/fs/cgroup/$parent/$ctid" ] || fail "stop left the cgroup"

# A reboot while somebody else holds the CT's lock (as a stop in progress does): the
# monitor leaves the CT down and exits.
vzctl start $ctid --wait >/dev/null || fail "start failed"
pid=$(init_pid)
mkdir -p "$it/lock"
(
	exec 9>"$it/lock/$ctid.lck"
	flock -n 9 || exit 1
	printf '%s\nstopping\n' "$BASHPID" >&9
	exec sleep 60 # the lock's pid, holding its flock
) &
holder=$!
sleep 0.5
vzctl exec2 $ctid reboot </dev/null || fail "reboot inside failed"
wait_for 30 gone "$pid" || fail "the init did not end after reboot"
sleep 3
expect_status "exist mounted down"
[ "$(monitors)" -eq 0 ] || fail "a monitor is left after a reboot of a locked CT"
kill "$holder"
wait "$holder" 2>/dev/null
vzctl stop $ctid >/dev/null 2>&1
[ $? -eq 31 ] || fail "stop of the locked-out CT did not exit 31"

# A power-off inside: down, and no monitor; stop then cleans up (31).
vzctl start $ctid --wait >/dev/null || fail "start failed"
pid=$(init_pid)
vzctl exec2 $ctid poweroff </dev/null || fail "poweroff inside failed"
wait_for 30 gone "$pid" || fail "the init did not end after poweroff"
sleep 2
expect_status "exist mounted down"
[ "$(monitors)" -eq 0 ] || fail "a monitor is left after poweroff"
vzctl stop $ctid >/dev/null 2>&1
[ $? -eq 31 ] || fail "stop of a powered-off CT did not exit 31"
[ ! -e "/sys/fs/cgroup/$parent/$ctid" ] || fail "the powered-off CT's cgroup is left"

# stop --fast (cgroup.kill) leaves no monitor either.
vzctl start $ctid >/dev/null || fail "start failed"
vzctl stop $ctid --fast >/dev/null || fail "stop --fast failed"
[ "$(monitors)" -eq 0 ] || fail "stop --fast left a monitor"

# With LOCAL_UID and no CAPABILITY line, the CT reboots too.
sed -i '/^CAPABILITY=/d' "$it/conf/$ctid.conf"
vzctl set $ctid --local_uid 100000 --save >/dev/null || fail "set --local_uid failed"
vzctl start $ctid --wait >/dev/null || fail "start with LOCAL_UID failed"
pid=$(init_pid)
grep -q '^CapBnd:.*' "/proc/$pid/status" || fail "no CapBnd"
vzctl exec2 $ctid reboot </dev/null || fail "reboot inside the LOCAL_UID CT failed"
wait_for 60 started_again || fail "the LOCAL_UID CT did not come back: $(vzctl status $ctid)"
echo "LOCAL_UID CT rebooted: init $pid -> $(init_pid)"
vzctl stop $ctid >/dev/null || fail "stop of the LOCAL_UID CT failed"
[ "$(monitors)" -eq 0 ] || fail "stop left a monitor"
vzctl destroy $ctid >/dev/null || fail "destroy failed"
echo "ok (${SECONDS}s)"
