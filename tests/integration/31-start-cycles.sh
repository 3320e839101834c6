#!/bin/bash
# 20 start/stop cycles of a busybox CT leave no cgroup, mount or process behind: the
# lines of /proc/self/mountinfo, the cgroups under the CT parent and the processes
# whose root is not the host's are the same before and after, and no CT monitor
# ("vzmon <ctid>", a host process) is left.  Every other stop is --fast (cgroup.kill
# at once), so both ways of stopping are counted.
set -u
. "$(dirname "$0")/common.bash"
need_ct_host

ctid=1031
ct_host /vz/itest-cycles itest-cycles.slice
trap "ct_host_cleanup $ctid" EXIT
root=$it/root/$ctid
make -s -C "$VZ_SRC" template TEMPLATE_OUT="$it/template/cache/busybox.tar.gz" >/dev/null ||
	fail "make template failed"
vzctl create $ctid --ostemplate busybox >/dev/null || fail "create failed"

# Processes whose root is not the host's: a CT's.
ct_procs() {
	local p n=0
	for p in /proc/[0-9]*; do
		[ "$(readlink "$p/root" 2>/dev/null)" = / ] || [ ! -e "$p/root" ] || n=$((n + 1))
	done
	echo $n
}
mounts_before=$(wc -l </proc/self/mountinfo)
cgroups_before=$(find /sys/fs/cgroup/$parent -mindepth 1 -type d 2>/dev/null | wc -l)
procs_before=$(ct_procs)
for i in $(seq 20); do
	vzctl start $ctid >/dev/null || fail "start $i failed"
	[ "$(vzctl status $ctid)" = "CTID $ctid exist mounted running" ] || fail "not running after start $i"
	if [ $((i % 2)) -eq 0 ]; then
		vzctl stop $ctid --fast >/dev/null || fail "stop --fast $i failed"
	else
		vzctl stop $ctid >/dev/null || fail "stop $i failed"
	fi
done
mounts_after=$(wc -l </proc/self/mountinfo)
cgroups_after=$(find /sys/fs/cgroup/$parent -mindepth 1 -type d 2>/dev/null | wc -l)
procs_after=$(ct_procs)
echo "after 20 cycles: mountinfo $mounts_before -> $mounts_after lines, cgroups" \
	"$cgroups_before -> $cgroups_after, CT processes $procs_before -> $procs_after"
[ "$mounts_after" -eq "$mounts_before" ] || fail "mounts left behind"
[ "$cgroups_after" -eq "$cgroups_before" ] || fail "cgroups left behind"
[ "$procs_after" -eq "$procs_before" ] || fail "processes left behind"
monitors=$(grep -lx "vzmon $ctid" /proc/[0-9]*/comm 2>/dev/null | wc -l)
[ "$monitors" -eq 0 ] || fail "$monitors monitors left behind"
[ "$(vzctl status $ctid)" = "CTID $ctid exist unmounted down" ] || fail "status: $(vzctl status $ctid)"
[ ! -e "$it/run/$ctid.pid" ] || fail "the pid file is left"
vzctl destroy $ctid >/dev/null || fail "destroy failed"
echo "ok (${SECONDS}s)"
