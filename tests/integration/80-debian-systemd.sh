#!/bin/bash
# A Debian 12 CT with systemd, created unprivileged by default (a user namespace and
# an id range of its own): `systemctl is-system-running` says running with no failed
# unit within 60 s of start; exec works; the console shows getty's login prompt;
# `reboot` inside comes back with a new init; `vzctl stop` runs the CT's shutdown (a
# unit's ExecStop writes a file) in under 10 s and leaves nothing.  Limits hold on the
# delegated cgroup: a fork bomb in a unit of the CT is held at numproc 100 and counted
# in failcnt, `vzctl set --ram` on the running CT takes effect, and the CT's root
# cannot write its own pids.max or memory.max.
set -u
. "$(dirname "$0")/common.bash"
. "$(dirname "$0")/debian.bash"
need_ct_host
debian_new systemd 1080
debian_ids

cat >"$priv/etc/systemd/system/stopmark.service" <<'UNIT'
[Unit]
Description=a service whose stop leaves a mark
[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/bin/touch /run/stopmark.started
ExecStop=/bin/touch /var/lib/stopmark.stopped
[Install]
WantedBy=multi-user.target
UNIT
ln -s ../stopmark.service "$priv/etc/systemd/system/multi-user.target.wants/stopmark.service"

normal_state() {
	local s failed
	s=$(in_ct 'systemctl is-system-running' 2>&1)
	failed=$(in_ct 'systemctl --failed --plain --no-legend' 2>&1)
	echo "is-system-running: $s; failed units: ${failed:-none}"
	[ "$s" = running ] && [ -z "$failed" ]
}

debian_start
debian_inside
in_ct 'test -e /run/stopmark.started' || fail "systemd did not start the CT's own unit"
debian_console

echo "-- limits on the delegated cgroup"
cg=/sys/fs/cgroup/$parent/$ctid
in_ct 'echo 1000000 >/sys/fs/cgroup/pids.max' 2>/dev/null && fail "the CT's root wrote its pids.max"
in_ct 'echo max >/sys/fs/cgroup/memory.max' 2>/dev/null && fail "the CT's root wrote its memory.max"
vzctl set $ctid --ram 384M --save >"$it/set.out" 2>&1 || fail "set --ram failed: $(cat "$it/set.out")"
[ "$(cg_file $ctid memory.max)" = $((384 << 20)) ] || fail "memory.max is $(cg_file $ctid memory.max) after --ram 384M"
vzctl set $ctid --numproc 100 --save >"$it/set.out" 2>&1 || fail "set --numproc failed: $(cat "$it/set.out")"
ct_probe $ctid
# The bomb runs as a unit of the CT's own, without the unit's own TasksMax (systemd
# gives each unit a share of the CT's pids.max): only the CT's numproc holds it.
# (systemd-run --wait needs D-Bus, which minbase lacks: the output goes to a file.)
# The unit stays (its sleep) until the counters are read: before Linux 6.8 a refused
# fork is counted only in the cgroup that forked, and systemd removes a unit's cgroup,
# its count with it, once the unit ends.
in_ct 'systemd-run --unit=bomb --quiet -p TasksMax=infinity /bin/sh -c "ct-probe forks 400 >/run/bomb.out 2>&1; exec sleep 600"' ||
	fail "systemd-run failed"
bomb_done() { grep -q '^forked' "$it/bomb.out" 2>/dev/null; }
copy_out() { in_ct 'cat /run/bomb.out' >"$it/bomb.out" 2>/dev/null; bomb_done; }
wait_for 60 copy_out || fail "the bomb unit did not report: $(cat "$it/bomb.out")"
cat "$it/bomb.out"
read -r _ forked _ refused _ <<<"$(grep '^forked' "$it/bomb.out")"
[ "${refused:-0}" -gt 0 ] && [ "${forked:-999}" -lt 100 ] || fail "the bomb was not held: $(cat "$it/bomb.out")"
r=$("$BUILD/tests/bctable" $ctid | awk '$1 == "numproc"')
echo "numproc row after the bomb: $r"
read -r _ held maxheld _ lim failcnt _ <<<"$r"
[ "$lim" -eq 100 ] && [ "$maxheld" -le 100 ] && [ "$maxheld" -ge 95 ] && [ "$failcnt" -ge "$refused" ] ||
	fail "numproc row: $r"
in_ct 'systemctl stop bomb' || fail "cannot stop the bomb unit"
echo "bomb: $forked forked, $refused refused; maxheld $maxheld of 100, failcnt $failcnt"
vzctl set $ctid --numproc 1000 --save >/dev/null 2>&1 || fail "set --numproc 1000 failed"

debian_reboot
debian_stop
echo "PASS"
