#!/bin/bash
# The action scripts <CTID>.start and <CTID>.stop run inside the CT (reference §4.1):
# after start and before stop, with VEID and VE_CONFFILE, their output shown.  A failing
# start script takes the CT down again (79); a failing stop script leaves it running
# (79) until it is fixed or --fast skips it.  DISABLED=yes refuses start (105) unless
# --force.
set -u
. "$(dirname "$0")/common.bash"
need_ct_host

ctid=1033
ct_new $ctid actions

# Both scripts leave a mark in the CT's own files: proof they ran inside.
printf '%s\n' '#!/bin/sh' 'echo "started $VEID $VE_CONFFILE" >/start.mark' \
	'echo "start script says hello"' >"$it/conf/$ctid.start"
printf '%s\n' 'echo "stopping $VEID" >/stop.mark' 'cat /proc/1/comm >>/stop.mark' \
	>"$it/conf/$ctid.stop"

vzctl start $ctid >"$it/start.out" 2>&1 || fail "start failed: $(tail -n 3 "$it/start.out")"
cat "$it/start.out"
grep -qx "start script says hello" "$it/start.out" || fail "the start script's output was not shown"
[ "$(cat "$it/private/$ctid/start.mark")" = "started $ctid $it/conf/$ctid.conf" ] ||
	fail "start.mark: '$(cat "$it/private/$ctid/start.mark" 2>&1)'"
[ -e /start.mark ] && fail "the start script ran on the host"

vzctl stop $ctid >"$it/stop.out" 2>&1 || fail "stop failed: $(tail -n 3 "$it/stop.out")"
[ "$(head -n 1 "$it/private/$ctid/stop.mark")" = "stopping $ctid" ] || fail "the stop script did not run"
# It ran while the CT's init was still there.
[ "$(sed -n 2p "$it/private/$ctid/stop.mark")" = init ] || fail "the stop script ran after init was gone"

# A failing start script: exit 79, the CT is down and leaves nothing behind.
printf '%s\n' 'echo "no good"' 'exit 3' >"$it/conf/$ctid.start"
vzctl start $ctid >"$it/start2.out" 2>&1
rc=$?
cat "$it/start2.out"
[ $rc -eq 79 ] || fail "a failing start script gave $rc, not 79"
grep -q "exit status 3" "$it/start2.out" || fail "the failure does not say the exit status"
vzctl status $ctid | grep -q " down" || fail "the CT runs after its start script failed"
[ -d /sys/fs/cgroup/itest-actions.slice/$ctid ] && fail "the CT's cgroup is left"
rm "$it/conf/$ctid.start"

# A failing stop script: 79, the CT still runs; --fast skips the script.
printf '%s\n' 'exit 5' >"$it/conf/$ctid.stop"
vzctl start $ctid >/dev/null 2>&1 || fail "start without a start script failed"
vzctl stop $ctid >"$it/stop2.out" 2>&1
rc=$?
[ $rc -eq 79 ] || fail "a failing stop script gave $rc, not 79: $(cat "$it/stop2.out")"
vzctl status $ctid | grep -q " running" || fail "the CT went down although its stop script failed"
vzctl stop $ctid --fast >/dev/null 2>&1 || fail "stop --fast failed"
vzctl status $ctid | grep -q " down" || fail "stop --fast left the CT running"

# DISABLED: 105 unless --force.
vzctl set $ctid --disabled yes --save >/dev/null || fail "set --disabled yes failed"
grep -qx 'DISABLED="yes"' "$it/conf/$ctid.conf" || fail "DISABLED was not saved"
vzctl start $ctid >"$it/start3.out" 2>&1
rc=$?
[ $rc -eq 105 ] || fail "starting a disabled CT gave $rc, not 105: $(cat "$it/start3.out")"
vzctl status $ctid | grep -q " down" || fail "a disabled CT was started"
rm "$it/conf/$ctid.stop"
vzctl start $ctid --force >/dev/null 2>&1 || fail "start --force of a disabled CT failed"
vzctl stop $ctid >/dev/null 2>&1 || fail "stop failed"
vzctl set $ctid --disabled maybe --save >/dev/null 2>&1
[ $? -eq 21 ] || fail "--disabled maybe was not refused with 21"
echo "in-CT action scripts and DISABLED behave"
