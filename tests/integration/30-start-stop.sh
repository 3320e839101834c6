#!/bin/bash
# start, stop and restart of a busybox CT on a real kernel, and what the CT's root can
# and cannot do.  A script the CT's init runs once at boot (so with exactly the CT's
# capabilities and namespaces) records inside the CT: its hostname, the processes it
# sees, and the refusals of insmod, date -s, mknod of a block device, mounting a
# devtmpfs, writing pids.max of its own cgroup, and whether any host file is visible.
# From the host: the run state (<RUNDIR>/<ctid>.pid, the init in <parent>/<ctid>), the
# init's CapBnd, exit codes 32 / 31 / 47, a CT whose init was killed with kill -9 is
# down and starts again, STOP_TIMEOUT falls back to cgroup.kill for an init that
# ignores the request.  With CAPABILITY="mknod:on" the device program still refuses
# a block device node and lets /dev/null's numbers through.  (31-start-cycles.sh: 20
# start/stop cycles leave nothing behind.)  The next stop of a CT whose init died
# removes its cgroup, pid file and mount and exits 31.
set -u
. "$(dirname "$0")/common.bash"
need_ct_host

ctid=1030
ct_host /vz/itest-start itest-start.slice
trap "ct_host_cleanup $ctid" EXIT
private=$it/private/$ctid
root=$it/root/$ctid
marker=$it/HOST-ONLY-FILE
touch "$marker"

expect_out() {
	printf '%s\n' "$out" | grep -qxF -- "$1" || fail "expected the line '$1'"
}
expect_status() {
	local got
	got=$(vzctl status $ctid) || fail "status exited $?"
	echo "status: $got"
	[ "$got" = "CTID $ctid $1" ] || fail "status is '$got', not 'CTID $ctid $1'"
}
init_pid() { cat "$it/run/$ctid.pid"; }

make -s -C "$VZ_SRC" template TEMPLATE_OUT="$it/template/cache/busybox.tar.gz" >/dev/null ||
	fail "make template failed"
expect_rc 0 vzctl create $ctid --ostemplate busybox --hostname ct$ctid.example
expect_status "exist unmounted down"

# The checks the CT's root runs at boot; results in the CT's /var/log/checks.log.
cat >"$private/etc/checks.sh" <<'EOF'
#!/bin/sh
exec >/var/log/checks.tmp 2>&1
try() { if "$@" >/dev/null 2>&1; then echo "ALLOWED: $*"; else echo "refused: $*"; fi; }
echo "hostname: $(hostname)"
echo "cgroup: $(cat /proc/self/cgroup)"
echo "pid1: $(cat /proc/1/comm)"
echo "procs: $(ps -o comm | tail -n +2 | sort | tr '\n' ' ')"
echo "host sleeper visible: $(ps -o args | grep -c '[s]leep 4242')"
echo "host file visible: $([ -e /vz/itest-start/HOST-ONLY-FILE ] && echo yes || echo no)"
echo "9p or overlay mounts: $(grep -cE ' (9p|overlay) ' /proc/self/mountinfo)"
echo junk >/tmp/junk.ko
try insmod /tmp/junk.ko
# busybox date reports a refused clock but exits 0.
echo "clock refused: $(date -s '2001-01-01 00:00:00' 2>&1 | grep -c "can't set")"
try mknod /tmp/blk b 8 0
try mknod /tmp/mem c 1 1
try mknod /tmp/null2 c 1 3
try sh -c 'echo x >/tmp/null2'
try mkdir /tmp/dt
try mount -t devtmpfs none /tmp/dt
try sh -c 'echo 10 >/sys/fs/cgroup/pids.max'
try sh -c 'echo 1 >/proc/sys/kernel/sysrq'
try ls /dev/pts/ptmx
try sh -c 'echo 1 >/proc/sys/net/ipv4/ip_forward'
try sh -c 'echo x >/dev/null'
mv /var/log/checks.tmp /var/log/checks.log
EOF
chmod 755 "$private/etc/checks.sh"
echo "::once:/etc/checks.sh" >>"$private/etc/inittab"
# mknod in the bounding set: what the CT may create is then the device program's call.
echo 'CAPABILITY="mknod:on"' >>"$it/conf/$ctid.conf"

sleep 4242 &
sleeper=$!
mounts_before=$(wc -l </proc/self/mountinfo)

expect_rc 0 vzctl start $ctid --wait
expect_out "Starting container..."
expect_out "Container is mounted"
expect_out "Container start in progress..."
expect_status "exist mounted running"
pid=$(init_pid)
[ -d "/proc/$pid" ] || fail "the pid file names $pid, which does not run"
[ "$(cat /proc/$pid/cgroup)" = "0::/$parent/$ctid" ] || fail "init is in $(cat /proc/$pid/cgroup)"
echo "init: pid $pid, $(cat /proc/$pid/comm), cgroup $(cat /proc/$pid/cgroup)"
for ns in pid mnt uts ipc net cgroup; do
	[ "$(readlink /proc/$pid/ns/$ns)" != "$(readlink /proc/self/ns/$ns)" ] ||
		fail "the CT shares the host's $ns namespace"
done
capbnd=$(sed -n 's/^CapBnd:\t//p' /proc/$pid/status)
echo "CapBnd: $capbnd"
for bit in 16:sys_module 17:sys_rawio 21:sys_admin 22:sys_boot 25:sys_time; do
	(( (16#$capbnd >> ${bit%%:*}) & 1 )) && fail "CapBnd keeps ${bit#*:}"
done
(( (16#$capbnd >> 0) & 1 )) || fail "CapBnd lost chown"
(( (16#$capbnd >> 27) & 1 )) || fail "CapBnd lacks mknod, which CAPABILITY turned on"
# The CT's own netns: only the loopback, and up.
ls "/proc/$pid/root/sys/class/net" >/dev/null 2>&1
links=$(nsenter -t "$pid" -n ip -o link | awk -F': ' '{print $2}' | tr '\n' ' ')
echo "links in the CT: $links"
[ "$links" = "lo " ] || fail "the CT has links '$links', not just lo"
nsenter -t "$pid" -n ip -o link | grep -q 'state UNKNOWN\|UP' || fail "lo is down in the CT"

for i in $(seq 50); do [ -e "$private/var/log/checks.log" ] && break; sleep 0.1; done
[ -e "$private/var/log/checks.log" ] || fail "the CT's check script did not run"
log=$private/var/log/checks.log
sed 's/^/    CT: /' "$log"
expect_line "hostname: ct$ctid.example" "$log"
expect_line "cgroup: 0::/" "$log"
expect_line "pid1: init" "$log"
expect_line "host sleeper visible: 0" "$log"
expect_line "host file visible: no" "$log"
expect_line "9p or overlay mounts: 0" "$log"
expect_line "clock refused: 1" "$log"
expect_line "ALLOWED: mknod /tmp/null2 c 1 3" "$log"
expect_line "ALLOWED: sh -c echo x >/tmp/null2" "$log"
for what in "insmod /tmp/junk.ko" "mknod /tmp/blk b 8 0" "mknod /tmp/mem c 1 1" \
	"mount -t devtmpfs none /tmp/dt" \
	"sh -c echo 10 >/sys/fs/cgroup/pids.max" "sh -c echo 1 >/proc/sys/kernel/sysrq"; do
	expect_line "refused: $what" "$log"
done
expect_line "ALLOWED: ls /dev/pts/ptmx" "$log"
expect_line "ALLOWED: sh -c echo 1 >/proc/sys/net/ipv4/ip_forward" "$log"
expect_line "ALLOWED: sh -c echo x >/dev/null" "$log"
[ "$(date +%Y)" != 2001 ] || fail "the CT set the host's clock"
[ "$(cat /sys/fs/cgroup/$parent/$ctid/pids.max)" = max ] || fail "the CT changed its pids.max"

expect_rc 32 vzctl start $ctid
expect_out "Container is already running"

expect_rc 0 vzctl stop $ctid
expect_out "Stopping container..."
expect_out "Container was stopped"
expect_out "Container is unmounted"
expect_status "exist unmounted down"
[ ! -e "$it/run/$ctid.pid" ] || fail "the pid file is left"
[ ! -e "/sys/fs/cgroup/$parent/$ctid" ] || fail "the cgroup is left"
[ -d "/proc/$pid" ] && fail "init $pid still runs"
expect_rc 31 vzctl stop $ctid
expect_out "Container is not running"
sed -i '/checks.sh/d' "$private/etc/inittab"
sed -i '/^CAPABILITY=/d' "$it/conf/$ctid.conf"

# kill -9 of the init from the host: down, and start works again.
expect_rc 0 vzctl start $ctid
pid=$(init_pid)
kill -9 "$pid"
for i in $(seq 50); do [ -d "/proc/$pid" ] || break; sleep 0.1; done
expect_status "exist mounted down"
expect_rc 0 vzctl start $ctid
expect_status "exist mounted running"
[ "$(init_pid)" != "$pid" ] || fail "start kept the dead init's pid"
expect_rc 0 vzctl restart $ctid
expect_out "Container was stopped"
expect_out "Container start in progress..."
expect_status "exist mounted running"
# The next stop of a CT whose init died cleans what its start made, then says 31.
pid=$(init_pid)
kill -9 "$pid"
for i in $(seq 50); do [ -d "/proc/$pid" ] || break; sleep 0.1; done
expect_rc 31 vzctl stop $ctid
expect_out "Container is not running"
expect_status "exist unmounted down"
[ ! -e "$it/run/$ctid.pid" ] || fail "the dead CT's pid file is left"
[ ! -e "/sys/fs/cgroup/$parent/$ctid" ] || fail "the dead CT's cgroup is left"
expect_rc 0 vzctl start $ctid
expect_rc 0 vzctl stop $ctid --fast
expect_status "exist unmounted down"

# An init that ignores the request: STOP_TIMEOUT later, cgroup.kill.
mv "$private/sbin/init" "$private/sbin/init.busybox"
printf '#!/bin/sh\ntrap "" USR2 TERM INT\nwhile :; do sleep 1; done\n' >"$private/sbin/init"
chmod 755 "$private/sbin/init"
echo 'STOP_TIMEOUT=2' >>"$it/conf/$ctid.conf"
expect_rc 0 vzctl start $ctid
t0=$(date +%s)
expect_rc 0 vzctl stop $ctid
t=$(( $(date +%s) - t0 ))
echo "stop of an init that ignores it took ${t}s (STOP_TIMEOUT=2)"
[ "$t" -ge 2 ] && [ "$t" -le 8 ] || fail "stop took ${t}s"
expect_status "exist unmounted down"

# A CT without /sbin/init: 47, and nothing left behind.
rm "$private/sbin/init"
expect_rc 47 vzctl start $ctid
expect_status "exist unmounted down"
[ ! -e "/sys/fs/cgroup/$parent/$ctid" ] || fail "a failed start left the cgroup"
mv "$private/sbin/init.busybox" "$private/sbin/init"
sed -i '/STOP_TIMEOUT/d' "$it/conf/$ctid.conf"

kill "$sleeper"
mounts_after=$(wc -l </proc/self/mountinfo)
[ "$mounts_after" -eq "$mounts_before" ] || fail "mounts left behind: $mounts_before -> $mounts_after"
expect_rc 0 vzctl destroy $ctid
echo "ok (${SECONDS}s)"
