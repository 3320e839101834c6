# Sourced, after common.bash, by the tests that boot the Debian templates
# (8x-debian-*.sh): what each of the three inits is checked for, in the same order.
# The templates come from tests/vm/cache/templates (make template-debian); a test
# skips, saying so, where they were not built.
#
# A CT of each init gets a service of its own, `stopmark`, whose start writes
# /run/stopmark.started and whose stop writes /var/lib/stopmark.stopped: the first
# shows the init ran its boot scripts, the second that a stop or reboot ran the CT's
# own shutdown.

# debian_new INIT CTID: a host tree with USERNS=yes in its vz.conf, the template, and
# CT CTID created from it by default (a user namespace of its own); sets tmpl, priv.
debian_new() {
	init=$1
	ctid=$2
	tmpl=debian-12-$init-x86_64
	local src=${VZ_DEBIAN_TEMPLATES:-$VZ_SRC/tests/vm/cache/templates}/$tmpl.tar.gz
	[ -s "$src" ] || skip "no $tmpl template in $(dirname "$src") (make template-debian)"
	command -v python3 >/dev/null || skip "no python3 to drive the console"
	ct_host "/vz/itest-deb-$init" "itest-deb-$init.slice"
	trap "ct_host_cleanup $ctid $((ctid + 1))" EXIT
	echo 'USERNS="yes"' >>"$it/vz.conf"
	ln -s "$src" "$it/template/cache/$tmpl.tar.gz"
	vzctl create "$ctid" --ostemplate "$tmpl" --hostname "deb-$init" >"$it/create.out" 2>&1 ||
		fail "create failed: $(cat "$it/create.out")"
	priv=$it/private/$ctid
}

conf_id() { sed -n "s/^$2=\"\\([0-9]*\\)\"/\\1/p" "$it/conf/$1.conf"; }

# debian_ids: the CT has a uid and gid range of its own, not the host's, and a second
# CT created beside it gets another one.
debian_ids() {
	local uid gid uid2
	uid=$(conf_id "$ctid" LOCAL_UID)
	gid=$(conf_id "$ctid" LOCAL_GID)
	[ -n "$uid" ] && [ "$uid" -gt 0 ] && [ "$gid" -gt 0 ] ||
		fail "created without a user namespace (LOCAL_UID '$uid', LOCAL_GID '$gid')"
	vzctl create $((ctid + 1)) --ostemplate "$tmpl" >/dev/null 2>&1 || fail "a second create failed"
	uid2=$(conf_id $((ctid + 1)) LOCAL_UID)
	[ -n "$uid2" ] && { [ $((uid2 - uid)) -ge 65536 ] || [ $((uid - uid2)) -ge 65536 ]; } ||
		fail "two CTs share ids: $uid and $uid2"
	vzctl destroy $((ctid + 1)) >/dev/null 2>&1 || fail "destroy of the second CT failed"
	echo "ids: CT $ctid has $uid.., a second CT had $uid2.."
}

# in_ct CMD: CMD run by the CT's sh as its root (stdin /dev/null).
in_ct() { vzctl exec2 "$ctid" "$1" </dev/null; }

# debian_inside: exec reaches the CT, a Debian 12, running in a user namespace of its
# own (uid_map not the identity); its init and what exec runs carry the CT's
# system-call filter.
debian_inside() {
	local map status
	for status in "$(cat "/proc/$(init_pid)/status")" "$(in_ct 'cat /proc/self/status')"; do
		ct_filtered "$status" || fail "a process of the CT lacks its filter: $(seccomp_line "$status")"
	done
	[ "$(in_ct 'cat /etc/debian_version' | cut -d. -f1)" = 12 ] || fail "exec: no Debian 12 inside"
	map=$(in_ct 'cat /proc/self/uid_map' | tr -s ' ')
	echo "uid_map inside: $map"
	[ "$map" != " 0 0 4294967295" ] && [ -n "$map" ] || fail "the CT runs with the host's ids"
}

# debian_start: start --wait, then the init's normal state within 60 s (normal_state,
# defined by the test, says whether it is reached and prints what it saw).
debian_start() {
	local t0=$EPOCHREALTIME
	vzctl start "$ctid" --wait >"$it/start.out" 2>&1 || fail "start failed: $(cat "$it/start.out")"
	wait_for 60 normal_state >"$it/state.out" 2>&1 ||
		fail "not in its normal state 60 s after start: $(tail -n 20 "$it/state.out")"
	echo "normal state $(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }') s after start: $(tail -n 1 "$it/state.out")"
}

init_pid() { cat "$it/run/$ctid.pid" 2>/dev/null; }

# debian_console: `vzctl console`, driven through a pty, shows getty's login prompt.
debian_console() {
	python3 "$VZ_SRC/tests/integration/console-drive.py" "$it/console.out" \
		"$BUILD/bin/vzctl" console "$ctid" <<STEPS || fail "no login prompt on the console: $(tail -c 600 "$it/console.out")"
expect 20 Attached to CT $ctid
send \r
expect 30 deb-$init login:
send \x1b.
exit 20 0
STEPS
	echo "console: the login prompt is there"
}

# debian_reboot: reboot inside brings the CT back with a new init, to its normal state,
# after running its shutdown (stopmark stopped) and its boot scripts again.
debian_reboot() {
	local old new
	old=$(init_pid)
	rm -f "$priv/var/lib/stopmark.stopped"
	in_ct 'reboot' >/dev/null 2>&1
	started_again() {
		new=$(init_pid)
		[ -n "$new" ] && [ "$new" != "$old" ] && [ -d "/proc/$new" ]
	}
	wait_for 60 started_again || fail "no new init 60 s after reboot (old $old, now '$(init_pid)')"
	[ -e "$priv/var/lib/stopmark.stopped" ] || fail "the reboot did not run the CT's shutdown"
	wait_for 60 normal_state >"$it/state.out" 2>&1 ||
		fail "not in its normal state 60 s after reboot: $(tail -n 20 "$it/state.out")"
	wait_for 60 in_ct 'test -e /run/stopmark.started' ||
		fail "the boot after the reboot did not start stopmark"
	echo "reboot: init $old -> $new, stopmark stopped and started again"
}

# debian_stop [MAX]: vzctl stop runs the CT's shutdown (stopmark's stop writes its
# file) in under MAX s (10), and leaves nothing: no process, cgroup, mount or console
# socket.
debian_stop() {
	local t0 secs cg=/sys/fs/cgroup/$parent/$ctid max=${1:-10}
	rm -f "$priv/var/lib/stopmark.stopped"
	t0=$EPOCHREALTIME
	vzctl stop "$ctid" >"$it/stop.out" 2>&1 || fail "stop failed: $(cat "$it/stop.out")"
	secs=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
	echo "stop: $secs s"
	[ -e "$priv/var/lib/stopmark.stopped" ] || fail "vzctl stop did not run the CT's shutdown"
	awk -v s="$secs" -v m="$max" 'BEGIN { exit !(s < m) }' || fail "the stop took $secs s ($max s at most)"
	[ ! -e "$cg" ] || fail "the CT's cgroup is left: $cg"
	grep -q " $it/root/$ctid " /proc/self/mountinfo && fail "the root area is still mounted"
	[ ! -e "$it/run/console/$ctid.sock" ] || fail "the console socket is left"
	local uid p
	uid=$(conf_id "$ctid" LOCAL_UID)
	for p in /proc/[0-9]*; do
		[ "$(stat -c %u "$p" 2>/dev/null)" = "$uid" ] && fail "process ${p#/proc/} of the CT is left"
	done
	return 0
}
