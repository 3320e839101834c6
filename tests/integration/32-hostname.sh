#!/bin/bash
# A hostname set on a stopped CT is the CT's hostname once it runs, even though the
# CT's own start script (the busybox template's rcS) sets the name from /etc/hostname:
# start writes HOSTNAME into the CT's /etc/hostname, as vzctl's setup scripts did.
set -u
. "$(dirname "$0")/common.bash"
need_root
need_cgroup2
need_built bin/vzctl
[ -x /bin/busybox ] || skip "/bin/busybox (busybox-static) is not installed"
[ -d /vz ] || skip "no /vz in this guest"

ctid=1032
it=/vz/itest-hostname
parent=itest-hostname.slice
vzctl() { "$BUILD/bin/vzctl" "$@"; }
cleanup() {
	local cg=/sys/fs/cgroup/$parent/$ctid
	vzctl stop $ctid --fast >/dev/null 2>&1
	[ -e "$cg/cgroup.kill" ] && echo 1 >"$cg/cgroup.kill" && sleep 0.3
	rmdir "$cg" "/sys/fs/cgroup/$parent" 2>/dev/null
	grep -q " $it/root/$ctid " /proc/self/mountinfo && umount -l "$it/root/$ctid"
	rm -rf "$it"
}
trap cleanup EXIT
mkdir -p "$it/conf" "$it/run" "$it/template/cache"
cp "$VZ_SRC"/conf/samples/*.conf-sample "$it/conf/"
printf '%s\n' "LOCKDIR=$it/lock" "DUMPDIR=$it/dump" "RUNDIR=$it/run" "VE_CONFDIR=$it/conf" \
	"TEMPLATE=$it/template" "VE_ROOT=$it/root/\$VEID" "VE_PRIVATE=$it/private/\$VEID" \
	"CT_CGROUP_PARENT=$parent" 'CONFIGFILE="vswap-256m"' >"$it/vz.conf"
export VZ_CONF=$it/vz.conf

bash "$VZ_SRC/scripts/vztmpl-busybox" -o "$it/template/cache/busybox.tar.gz" >/dev/null ||
	fail "cannot build the busybox template"
vzctl create $ctid --ostemplate busybox --hostname first.example >/dev/null || fail "create failed"
vzctl set $ctid --hostname second.example --save >/dev/null || fail "set --hostname failed"
vzctl start $ctid --wait >"$it/start.out" 2>&1 || fail "start failed: $(tail -n 1 "$it/start.out")"

name=$(vzctl exec2 $ctid hostname </dev/null)
file=$(vzctl exec2 $ctid cat /etc/hostname </dev/null)
echo "hostname inside: $name; /etc/hostname inside: $file"
[ "$name" = second.example ] || fail "the CT runs as '$name', not second.example"
[ "$file" = second.example ] || fail "the CT's /etc/hostname says '$file'"
[ "$(cat "$it/private/$ctid/etc/hostname")" = second.example ] ||
	fail "the private area's /etc/hostname was not updated"
