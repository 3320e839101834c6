#!/bin/bash
# create, mount, umount, destroy and status of a busybox CT on the guest's /vz (ext4),
# with the exit codes of OpenVZ: 41 mounted twice, 40 not mounted, 44 private area
# exists, 91 no template, 51 root area busy, 79 failing action script, 32 umount or
# destroy of a running CT.  The bind mount is private (no propagation) and nothing is
# left under /vz afterwards.
set -u
. "$(dirname "$0")/common.bash"
need_root
need_built bin/vzctl
[ -x /bin/busybox ] || skip "/bin/busybox (busybox-static) is not installed"
[ -d /vz ] || skip "no /vz in this guest"

it=/vz/itest-create
conf=$it/conf
cat_conf() {
	cat <<EOF
LOCKDIR=$it/lock
DUMPDIR=$it/dump
RUNDIR=$it/run
VE_CONFDIR=$conf
TEMPLATE=$it/template
VE_ROOT=/vz/root/\$VEID
VE_PRIVATE=/vz/private/\$VEID
CT_CGROUP_PARENT=itest-create.slice
CONFIGFILE="vswap-256m"
EOF
}
sleeper=
cleanup() {
	[ -n "$sleeper" ] && kill "$sleeper" 2>/dev/null && wait "$sleeper" 2>/dev/null
	"$BUILD/bin/vzctl" stop 101 --fast >/dev/null 2>&1
	umount /vz/root/101 2>/dev/null
	rmdir /sys/fs/cgroup/itest-create.slice/101 /sys/fs/cgroup/itest-create.slice 2>/dev/null
	rm -rf /vz/private/101 /vz/root/101 "$it"
}
trap cleanup EXIT
mkdir -p "$conf"
cp "$VZ_SRC"/conf/samples/*.conf-sample "$conf/"
cat_conf >"$it/vz.conf"
export VZ_CONF=$it/vz.conf
vzctl() { "$BUILD/bin/vzctl" "$@"; }

expect_status() {
	local got
	got=$(vzctl status 101) || fail "status exited $?"
	echo "status: $got"
	[ "$got" = "$1" ] || fail "status is '$got', not '$1'"
}

time make -s -C "$VZ_SRC" template TEMPLATE_OUT="$it/template/cache/busybox.tar.gz" ||
	fail "make template failed"

expect_rc 0 vzctl create 101 --ostemplate busybox --hostname ct101.example
expect_status "CTID 101 exist unmounted down"
[ -L /vz/private/101/sbin/init ] || fail "no /sbin/init in the private area"
grep -qx 'OSTEMPLATE="busybox"' "$conf/101.conf" || fail "OSTEMPLATE not in 101.conf"

expect_rc 0 vzctl mount 101
expect_status "CTID 101 exist mounted down"
[ -x /vz/root/101/bin/busybox ] || fail "/vz/root/101/bin/busybox is not there after mount"
touch /vz/private/101/seen-through-the-bind
[ -e /vz/root/101/seen-through-the-bind ] || fail "the root area does not show the private area"
line=$(awk '$5 == "/vz/root/101"' /proc/self/mountinfo)
echo "mountinfo: $line"
[ -n "$line" ] || fail "/vz/root/101 is not in mountinfo"
case $line in *shared:*|*master:*) fail "the CT's root mount propagates: $line" ;; esac
expect_rc 41 vzctl mount 101

# A process with its cwd in the root area keeps it busy: 51, and still mounted.
(cd /vz/root/101 && exec sleep 60) &
sleeper=$!
sleep 0.5
expect_rc 51 vzctl umount 101
expect_status "CTID 101 exist mounted down"
kill "$sleeper"; wait "$sleeper" 2>/dev/null; sleeper=

expect_rc 0 vzctl umount 101
expect_status "CTID 101 exist unmounted down"
expect_rc 40 vzctl umount 101

# Action scripts around mount and umount, with VEID and VE_CONFFILE.
for ev in premount mount umount postumount; do
	printf '#!/bin/sh\necho "%s $VEID $VE_CONFFILE" >>%s/events\n' "$ev" "$it" >"$conf/vps.$ev"
	chmod +x "$conf/vps.$ev"
done
printf '#!/bin/sh\necho "101.premount $VEID" >>%s/events\n' "$it" >"$conf/101.premount"
chmod +x "$conf/101.premount"
expect_rc 0 vzctl mount 101
expect_rc 0 vzctl umount 101
cat "$it/events"
printf '%s\n' "premount 101 $conf/101.conf" "101.premount 101" "mount 101 $conf/101.conf" \
	"umount 101 $conf/101.conf" "postumount 101 $conf/101.conf" | cmp -s - "$it/events" ||
	fail "the action scripts did not run in order with VEID and VE_CONFFILE"
printf '#!/bin/sh\nexit 1\n' >"$conf/101.premount"
expect_rc 79 vzctl mount 101
expect_status "CTID 101 exist unmounted down"
rm -f "$conf"/vps.* "$conf/101.premount"

expect_rc 44 vzctl create 101 --ostemplate busybox
expect_rc 91 vzctl create 102 --ostemplate nosuch
[ ! -e /vz/private/102 ] && [ ! -e "$conf/102.conf" ] || fail "a failed create left files"

# A running CT can be neither unmounted nor destroyed.
expect_rc 0 vzctl start 101
expect_status "CTID 101 exist mounted running"
expect_rc 32 vzctl umount 101
expect_rc 32 vzctl destroy 101
expect_status "CTID 101 exist mounted running"
expect_rc 0 vzctl stop 101 --fast
expect_status "CTID 101 exist unmounted down"

# A dump file of a stopped CT shows as suspended.
mkdir -p "$it/dump" && touch "$it/dump/Dump.101"
expect_status "CTID 101 exist unmounted down suspended"
rm -f "$it/dump/Dump.101"

# destroy unmounts a mounted CT first.
expect_rc 0 vzctl mount 101
expect_rc 0 vzctl destroy 101
expect_status "CTID 101 deleted unmounted down"
[ -e "$conf/101.conf.destroyed" ] || fail "101.conf was not renamed to 101.conf.destroyed"
left=$(find /vz/private /vz/root -mindepth 1 2>/dev/null)
[ -z "$left" ] || fail "left under /vz/private or /vz/root: $left"
awk '$5 ~ "^/vz/root"' /proc/self/mountinfo | grep -q . && fail "a mount is left under /vz/root"
echo "create, mount, umount, destroy: as OpenVZ"
