#!/bin/bash
# vzctl set on a running CT applies at once, without a restart, and saves only what was
# applied: numproc and ram raised and lowered; a ram limit the CT cannot shrink to is
# refused (exit 1, OpenVZ's message), and neither the kernel nor the file changes, not
# even for the other options of the same command; --reset_ub puts the config back.
set -u
. "$(dirname "$0")/common.bash"
need_ct_host

ctid=1066
ct_new $ctid setrun
conf=$it/conf/$ctid.conf

vzctl set $ctid --numproc 64 --ram 128M --swap 0 --save >/dev/null || fail "set failed"
ct_probe $ctid
vzctl start $ctid --wait >"$it/start.out" 2>&1 || fail "start failed: $(tail -n 3 "$it/start.out")"
init=$(cat "$it/run/$ctid.pid")

vzctl set $ctid --numproc 100 >"$it/set1.out" 2>&1 || fail "set --numproc 100 failed: $(cat "$it/set1.out")"
[ "$(cg_file $ctid pids.max)" = 100 ] || fail "pids.max is $(cg_file $ctid pids.max) after set --numproc 100"
expect_line "UB limits were set successfully" "$it/set1.out"
grep -q "not saved" "$it/set1.out" || fail "no warning that nothing was saved"
grep -qx 'NUMPROC="64"' "$conf" || fail "a set without --save changed the file"

vzctl set $ctid --numproc 80 --ram 256M --save >"$it/set2.out" 2>&1 || fail "set --save failed: $(cat "$it/set2.out")"
[ "$(cg_file $ctid pids.max)" = 80 ] || fail "pids.max is $(cg_file $ctid pids.max), not 80"
[ "$(cg_file $ctid memory.max)" = 268435456 ] || fail "memory.max is $(cg_file $ctid memory.max)"
grep -qx 'NUMPROC="80"' "$conf" || fail "NUMPROC was not saved"
grep -qx 'PHYSPAGES="0:65536"' "$conf" || fail "PHYSPAGES was not saved"
echo "raised and lowered: pids.max 64 -> 100 -> 80, memory.max 128M -> 256M"

# The CT holds 100 MiB it cannot give back (no swap): 64M is impossible.
vzctl exec $ctid 'ct-probe hold 100 >/dev/null 2>&1 &' </dev/null
for _ in $(seq 100); do
	[ "$(cg_file $ctid memory.current)" -ge $((100 << 20)) ] && break
	sleep 0.2
done
echo "memory.current: $(cg_file $ctid memory.current)"
vzctl set $ctid --numproc 50 --ram 64M --save >"$it/set3.out" 2>&1
rc=$?
cat "$it/set3.out"
[ $rc -eq 1 ] || fail "an impossible --ram gave exit $rc, not 1"
expect_line "Error: failed to apply some parameters, not saving configuration file!" "$it/set3.out"
grep -q "physpages" "$it/set3.out" || fail "the message does not name the resource"
[ "$(cg_file $ctid memory.max)" = 268435456 ] || fail "memory.max changed to $(cg_file $ctid memory.max)"
[ "$(cg_file $ctid pids.max)" = 80 ] || fail "pids.max was left at $(cg_file $ctid pids.max): not rolled back"
grep -qx 'PHYSPAGES="0:65536"' "$conf" && grep -qx 'NUMPROC="80"' "$conf" ||
	fail "the refused set changed the file"
[ "$(vzctl exec2 $ctid 'pidof ct-probe' </dev/null)" != "" ] || fail "the refusal killed the CT's process"

# --reset_ub: what the kernel holds goes back to the saved config.
echo 5 >"/sys/fs/cgroup/$parent/$ctid/pids.max"
vzctl set $ctid --reset_ub >"$it/reset.out" 2>&1 || fail "--reset_ub failed: $(cat "$it/reset.out")"
[ "$(cg_file $ctid pids.max)" = 80 ] || fail "--reset_ub left pids.max at $(cg_file $ctid pids.max)"

[ "$(cat "$it/run/$ctid.pid")" = "$init" ] || fail "the CT was restarted"
vzctl stop $ctid >/dev/null 2>&1 || fail "stop failed"
echo "set on a running CT: applied at once, refused whole, saved only when applied"
