#!/bin/bash
# A hostname set on a stopped CT is the CT's hostname once it runs, even though the
# CT's own start script (the busybox template's rcS) sets the name from /etc/hostname:
# start writes HOSTNAME into the CT's /etc/hostname, as vzctl's setup scripts did.
set -u
. "$(dirname "$0")/common.bash"
need_ct_host

ctid=1032
ct_host /vz/itest-hostname itest-hostname.slice
trap "ct_host_cleanup $ctid" EXIT

ct_template
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
