#!/bin/bash
# Files a CT's root controls, made into what the host does not expect, do not hang the
# host's commands: with /etc/hostname a FIFO (which the CT's root can make), `vzctl
# start` still starts the CT within its bound instead of waiting for a reader for ever
# while holding the CT's lock, the FIFO is left as it is, and stop works; for a CT in a
# user namespace of its own and a privileged one.  The private and root areas' parents,
# made 0755 beforehand by the admin, are closed to host users by create and start: the
# host user nobody cannot run a setuid-root program of the privileged CT.
set -u
. "$(dirname "$0")/common.bash"
need_ct_host

ct_host /vz/itest-hostile itest-hostile.slice
trap "ct_host_cleanup 1077 1078" EXIT
ct_template
mkdir -m 0755 "$it/private" "$it/root"
vzctl create 1077 --ostemplate busybox --hostname fifo.example --local_uid 0 >/dev/null ||
	fail "create of the privileged CT failed"
vzctl create 1078 --ostemplate busybox --hostname fifo.example --local_uid 1000000 \
	--local_gid 1000000 >/dev/null || fail "create of the user-namespace CT failed"

for ctid in 1077 1078; do
	etc=$it/private/$ctid/etc
	rm -f "$etc/hostname"
	mkfifo "$etc/hostname"
	timeout 90 "$BUILD/bin/vzctl" start $ctid --wait >"$it/start.out" 2>&1
	rc=$?
	[ $rc -ne 124 ] || fail "CT $ctid: start still waits 90 s on a FIFO at /etc/hostname"
	[ $rc -eq 0 ] || fail "CT $ctid: start failed ($rc): $(cat "$it/start.out")"
	name=$(vzctl exec2 $ctid hostname </dev/null)
	[ "$name" = fifo.example ] || fail "CT $ctid runs as '$name', not fifo.example"
	[ -p "$etc/hostname" ] || fail "CT $ctid: /etc/hostname is no longer the FIFO"
	timeout 60 "$BUILD/bin/vzctl" stop $ctid >/dev/null 2>&1 || fail "CT $ctid: stop failed"
	echo "CT $ctid ($( [ $ctid = 1077 ] && echo privileged || echo user namespace)): started past the FIFO, hostname $name"
done
for d in "$it/private" "$it/root"; do
	[ "$(stat -c %a "$d")" = 700 ] || fail "$d is $(stat -c %a "$d"), open to host users"
done
# A setuid-root busybox of the CT's (its name is its applet's: busybox id).
mkdir -p "$it/private/1077/suid"
cp /bin/busybox "$it/private/1077/suid/busybox"
chmod 4755 "$it/private/1077/suid/busybox"
# The host user nobody, with no capability left (setpriv keeps them until the exec
# otherwise), execs it from a shell of its own.
as_nobody() {
	setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all \
		/bin/busybox sh -c "$1" 2>&1
}
[ "$(as_nobody '/bin/busybox id -u')" = 65534 ] || fail "cannot run a program as nobody here"
out=$(as_nobody "$it/private/1077/suid/busybox id -u")
echo "nobody runs the CT's setuid program: $out"
case $out in *"Permission denied"*) ;; *) fail "the host user nobody reached the CT's setuid program: $out" ;; esac
vzctl start 1077 >/dev/null 2>&1 || fail "the CT does not start again"
out=$(as_nobody "$it/root/1077/suid/busybox id -u")
echo "nobody runs it through the root area: $out"
case $out in *"Permission denied"*) ;; *) fail "the host user nobody reached it through the root area: $out" ;; esac
vzctl stop 1077 >/dev/null 2>&1
echo PASS
