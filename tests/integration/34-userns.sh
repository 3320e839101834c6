#!/bin/bash
# LOCAL_UID/LOCAL_GID: the CT runs in a user namespace whose root is host uid/gid
# 100000, through an idmapped mount of its root area, so its files keep the CT's own
# owners on disk.  exec joins the namespace as the CT's root.  A private area on a
# file system that cannot map owners is refused with a clear message and nothing left.
# With USERNS=yes a new CT gets a range of its own, and --local_uid 0 a privileged CT.
set -u
. "$(dirname "$0")/common.bash"
need_ct_host

ctid=1034
ct_host /vz/itest-userns itest-userns.slice
trap "ct_host_cleanup $ctid 1035 1036; umount -l /tmp/itest-userns-tmpfs 2>/dev/null" EXIT

ct_template
vzctl create $ctid --ostemplate busybox >/dev/null || fail "create failed"
vzctl set $ctid --local_uid 100000 --local_gid 100000 --save >/dev/null || fail "set --local_uid failed"
vzctl start $ctid --wait >"$it/start.out" 2>&1 || fail "start failed: $(tail -n 3 "$it/start.out")"

init=$(cat "$it/run/$ctid.pid")
host_uid=$(awk '/^Uid:/ { print $2 }' /proc/$init/status)
host_gid=$(awk '/^Gid:/ { print $2 }' /proc/$init/status)
echo "the CT's init is uid $host_uid gid $host_gid on the host"
[ "$host_uid" = 100000 ] || fail "the CT's init runs as host uid $host_uid"
[ "$host_gid" = 100000 ] || fail "the CT's init runs as host gid $host_gid"
[ "$(readlink /proc/$init/ns/user)" != "$(readlink /proc/self/ns/user)" ] ||
	fail "the CT's init is in the host's user namespace"

map=$(vzctl exec2 $ctid cat /proc/self/uid_map </dev/null | tr -s ' ')
echo "uid_map inside: $map"
[ "$map" = " 0 100000 65536" ] || fail "uid_map inside is '$map'"
[ "$(vzctl exec2 $ctid id -u </dev/null)" = 0 ] || fail "exec does not run as the CT's root"
# Files the template unpacked as root are the CT's root's, not nobody's.
owner=$(vzctl exec2 $ctid stat -c %u:%g /etc/passwd </dev/null)
[ "$owner" = 0:0 ] || fail "/etc/passwd inside is owned by $owner"
# Files the CT makes keep the CT's ids on disk.
# (exec joins its words for sh -c, as vzctl does: one word keeps the script whole.)
vzctl exec2 $ctid 'touch /made-inside && chown 1000:1000 /made-inside && touch /root-file' \
	</dev/null || fail "cannot create files inside"
[ "$(stat -c %u:%g "$it/private/$ctid/root-file")" = 0:0 ] ||
	fail "a file of the CT's root is $(stat -c %u:%g "$it/private/$ctid/root-file") on disk"
[ "$(stat -c %u:%g "$it/private/$ctid/made-inside")" = 1000:1000 ] ||
	fail "a file chowned to 1000 is $(stat -c %u:%g "$it/private/$ctid/made-inside") on disk"
# The CT's processes are all in its namespace, and ps sees only them.
n=$(vzctl exec2 $ctid ps </dev/null | awk 'NR > 1 && $1 != "" { n++ } END { print n + 0 }')
[ "$n" -ge 2 ] && [ "$n" -le 20 ] || fail "ps inside shows $n processes"
# Root of the CT is not root of the host: its capabilities end at its namespace.
vzctl exec2 $ctid 'echo 1 >/proc/sys/kernel/panic_on_oops' </dev/null 2>/dev/null &&
	fail "the CT's root wrote a host sysctl"
vzctl exec2 $ctid mknod /dev/sdz b 8 0 </dev/null 2>/dev/null && fail "the CT's root made a block device"

vzctl stop $ctid >/dev/null 2>&1 || fail "stop failed"
vzctl status $ctid | grep -q "exist unmounted down" || fail "status after stop: $(vzctl status $ctid)"
[ -d /sys/fs/cgroup/itest-userns.slice/$ctid ] && fail "the CT's cgroup is left"

# Unprivileged by default: with USERNS=yes in vz.conf a new CT gets a range of its own
# (from USERNS_ID_BASE, default 1000000) and starts in it; --local_uid 0 is privileged.
echo USERNS=yes >>"$it/vz.conf"
vzctl create 1035 --ostemplate busybox >/dev/null || fail "create with USERNS=yes failed"
vzctl create 1036 --ostemplate busybox --local_uid 0 >/dev/null || fail "create --local_uid 0 failed"
grep -qx 'LOCAL_UID="1000000"' "$it/conf/1035.conf" || fail "1035 got no range: $(grep LOCAL "$it/conf/1035.conf")"
vzctl start 1035 --wait >/dev/null 2>&1 || fail "the CT with a range of its own does not start"
vzctl start 1036 --wait >/dev/null 2>&1 || fail "the privileged CT does not start"
map=$(vzctl exec2 1035 cat /proc/self/uid_map </dev/null | tr -s ' ')
echo "uid_map of a CT created with USERNS=yes: $map"
[ "$map" = " 0 1000000 65536" ] || fail "its uid_map is '$map'"
map=$(vzctl exec2 1036 cat /proc/self/uid_map </dev/null | tr -s ' ')
echo "uid_map of a CT created with --local_uid 0: $map"
[ "$map" = " 0 0 4294967295" ] || fail "the privileged CT's uid_map is '$map'"
vzctl stop 1035 >/dev/null 2>&1 && vzctl stop 1036 >/dev/null 2>&1 || fail "stop failed"
vzctl destroy 1035 >/dev/null && vzctl destroy 1036 >/dev/null || fail "destroy failed"

# A private area on a file system that cannot map owners (tmpfs on 6.1): refused, 50.
if [ "$(uname -r | cut -d. -f1)" -lt 6 ] || { [ "$(uname -r | cut -d. -f1)" -eq 6 ] &&
	[ "$(uname -r | cut -d. -f2)" -lt 3 ]; }; then
	mkdir -p /tmp/itest-userns-tmpfs
	mount -t tmpfs tmpfs /tmp/itest-userns-tmpfs
	cp -a "$it/private/$ctid" /tmp/itest-userns-tmpfs/
	echo "VE_PRIVATE=/tmp/itest-userns-tmpfs/$ctid" >>"$it/conf/$ctid.conf"
	vzctl start $ctid >"$it/start2.out" 2>&1
	rc=$?
	cat "$it/start2.out"
	[ $rc -eq 50 ] || fail "a CT on tmpfs with LOCAL_UID gave $rc, not 50"
	grep -q "cannot map owners" "$it/start2.out" || fail "the message does not say why"
	vzctl status $ctid | grep -q "unmounted down" || fail "the refused start left: $(vzctl status $ctid)"
	[ -d /sys/fs/cgroup/itest-userns.slice/$ctid ] && fail "the refused start left its cgroup"
fi
echo "a LOCAL_UID CT runs as host uid 100000 and keeps its own owners on disk"
