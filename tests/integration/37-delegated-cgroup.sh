#!/bin/bash
# A CT's cgroup is delegated to it: /sys/fs/cgroup inside is its own cgroup, writable, so
# its init can make cgroups below it, move its processes there and enable controllers
# below its root, as systemd does; its own limits stay out of its reach (nsdelegate).
# For a CT in a user namespace the delegated files belong to its root.  exec then
# starts commands beside the init, the counters count the processes below, and stop
# removes the cgroups the CT made.  A host whose cgroup2 lacks nsdelegate is refused.
set -u
. "$(dirname "$0")/common.bash"
need_ct_host

priv=1037
unpriv=1038
EXTRA_CLEANUP=nsdelegate_back ct_pair deleg $priv $unpriv

in_ct() { vzctl exec2 "$1" "$2" </dev/null; }

for ct in $priv $unpriv; do
	cg=/sys/fs/cgroup/$parent/$ct
	vzctl start $ct --wait >/dev/null 2>&1 || fail "start of $ct failed"
	in_ct $ct 'mkdir /sys/fs/cgroup/sub' || fail "CT $ct cannot make a cgroup below its own"
	[ -d "$cg/sub" ] || fail "CT $ct's cgroup has no sub on the host"
	# At most 32 levels below its own (cgroup.max.depth, out of its reach): what the
	# counters walk and stop removes.
	[ "$(cat "$cg/cgroup.max.depth")" = 32 ] || fail "CT $ct's cgroup.max.depth is $(cat "$cg/cgroup.max.depth")"
	deep=$(in_ct $ct 'p=/sys/fs/cgroup i=0; while [ $i -lt 40 ] && mkdir $p/d 2>/dev/null; do
		p=$p/d i=$((i + 1)); done; echo $i')
	[ "$deep" = 32 ] || fail "CT $ct made $deep levels of cgroups below its own, not 32"
	in_ct $ct 'echo 32 >/sys/fs/cgroup/cgroup.max.depth' 2>/dev/null && fail "CT $ct wrote its cgroup.max.depth"
	in_ct $ct 'echo 10 >/sys/fs/cgroup/pids.max' 2>/dev/null && fail "CT $ct wrote its own pids.max"
	in_ct $ct 'echo 10 >/sys/fs/cgroup/memory.max' 2>/dev/null && fail "CT $ct wrote its own memory.max"
	[ "$(cat "$cg/pids.max")" = max ] || fail "CT $ct's pids.max is $(cat "$cg/pids.max")"
	if [ $ct = $unpriv ]; then
		owner=$(in_ct $ct 'stat -c %u:%g /sys/fs/cgroup/cgroup.procs /sys/fs/cgroup/sub')
		echo "CT $ct: cgroup.procs and sub owned by $(echo $owner)"
		[ "$(echo $owner)" = "0:0 0:0" ] || fail "the delegated files are not the CT root's: $owner"
		[ "$(stat -c %u "$cg/pids.max")" = 0 ] || fail "pids.max was handed to the CT"
	fi
	# As systemd does: its processes into a cgroup of their own (init first), then a
	# controller below the root.  (A process outside the CT's pid namespace, the one
	# exec runs this through, shows as 0 and ends with it; cat's own pid is gone.)
	in_ct $ct 'for p in 1 $(cat /sys/fs/cgroup/cgroup.procs); do
		[ "$p" = 0 ] || echo $p >/sys/fs/cgroup/sub/cgroup.procs 2>/dev/null ||
		[ ! -d /proc/$p ] || exit 1; done' ||
		fail "CT $ct cannot move its processes"
	in_ct $ct 'echo +pids >/sys/fs/cgroup/cgroup.subtree_control' ||
		fail "CT $ct cannot enable pids below its root"
	in_ct $ct 'echo 50 >/sys/fs/cgroup/sub/pids.max' || fail "CT $ct cannot limit its own sub"
	[ "$(in_ct $ct 'cat /proc/self/cgroup')" = "0::/sub" ] ||
		fail "exec does not start beside the init: $(in_ct $ct 'cat /proc/self/cgroup')"
	in_ct $ct 'sleep 1000037 </dev/null >/dev/null 2>&1 &' || fail "exec into CT $ct failed"
	grep -q . "$cg/sub/cgroup.procs" || fail "nothing runs in $cg/sub"
	nfile=$("$BUILD/tests/bctable" $ct | awk '$1 == "numfile" { print $2 }')
	echo "CT $ct: numfile $nfile with every process below its root"
	[ "${nfile:-0}" -gt 0 ] || fail "the counters miss the processes in the CT's own cgroups"
	vzctl stop $ct >/dev/null 2>&1 || fail "stop of $ct failed"
	[ -e "$cg" ] && fail "the CT's cgroup (with its sub and 32 levels below) is left after stop"
done

# Without nsdelegate the CT could write its own limits: start refuses, leaving nothing.
remount_cgroup2 memory_recursiveprot || skip "cannot remount cgroup2 without nsdelegate"
if nsdelegate_on; then
	skip "this kernel keeps nsdelegate on a remount"
fi
out=$(vzctl start $priv 2>&1)
rc=$?
nsdelegate_back
nsdelegate_on || fail "cgroup2 could not be given nsdelegate back"
echo "$out"
[ $rc = 50 ] || fail "start without nsdelegate exited $rc, not 50"
printf '%s\n' "$out" | grep -q "remount,nsdelegate" || fail "the message does not name the fix"
vzctl status $priv | grep -q "unmounted down" || fail "the refused start left: $(vzctl status $priv)"
echo "PASS: a delegated cgroup"
