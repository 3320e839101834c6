#!/bin/bash
# numsiginfo: the kernel counts queued siginfos per (user namespace, uid) and shows a
# task's count as SigQ.  In a CT with LOCAL_UID those counts are the CT's alone: held
# grows by exactly the signals queued to a stopped task inside (standard signals once
# each, real-time ones every time), matches the SigQ the test reads itself, and goes back
# once they are delivered.  A CT in the host's user namespace shares its uids' counts
# with the host, so there the row says "not available".
set -u
. "$(dirname "$0")/common.bash"
need_ct_host
need_built tests/bctable

ctid=1073
other=1074
ct_new $ctid numsiginfo
trap "ct_host_cleanup $ctid $other" EXIT
vzctl create $other --ostemplate busybox >/dev/null || fail "create of CT $other failed"
vzctl set $ctid --local_uid 200000 --local_gid 200000 --save >/dev/null || fail "set --local_uid failed"
for c in $ctid $other; do
	vzctl start $c --wait >"$it/start.out" 2>&1 || fail "start of $c failed: $(tail -n 3 "$it/start.out")"
done

held() { "$BUILD/tests/bctable" "$1" | awk '$1 == "numsiginfo" { print $2, $7, $8 }'; }

r=$(held $other)
echo "CT $other (host user namespace): $r"
[ "$r" = "0 not_available unknown" ] || fail "numsiginfo of a CT without LOCAL_UID: $r"

before=$(held $ctid)
echo "CT $ctid before: $before"
set -- $before
[ "$2 $3" = "accounted known" ] || fail "numsiginfo of a LOCAL_UID CT: $before"
base=$1

# A stopped task keeps every signal sent to it pending.  It must have stopped before
# the others come: a task dequeues the lowest signal number first, and SIGHUP would
# end it before SIGSTOP stopped it.
vzctl exec $ctid 'sleep 600 </dev/null >/dev/null 2>&1 & echo $! >/tmp/sleeper' </dev/null ||
	fail "cannot start the sleeper"
inner=$(cat "$it/private/$ctid/tmp/sleeper")
# The sleeper's host pid: the task of the CT whose pid inside is $inner.
host_pid=
for p in $(cat "/sys/fs/cgroup/$parent/$ctid/cgroup.procs"); do
	[ "$(awk '/^NSpid:/ { print $NF }' "/proc/$p/status" 2>/dev/null)" = "$inner" ] && host_pid=$p
done
[ -n "$host_pid" ] || fail "no task of the CT has pid $inner inside"
vzctl exec $ctid "kill -STOP $inner" </dev/null || fail "cannot stop the sleeper"
for _ in $(seq 50); do
	grep -q '^State:.*T' "/proc/$host_pid/status" && break
	sleep 0.1
done
grep -q '^State:.*T' "/proc/$host_pid/status" || fail "the sleeper did not stop"
vzctl exec $ctid "kill -USR1 $inner; kill -USR2 $inner; kill -HUP $inner;" \
	"kill -34 $inner; kill -34 $inner; kill -34 $inner" </dev/null || fail "cannot signal the sleeper"
sigq=$(awk '/^SigQ:/ { split($2, a, "/"); print a[1] }' "/proc/$host_pid/status")
after=$(held $ctid)
echo "CT $ctid after 6 signals: $after (SigQ of the sleeper's uid: $sigq)"
set -- $after
[ "$1" -eq $((base + 6)) ] || fail "numsiginfo held $1, expected $base + 6"
[ "$1" -eq "$sigq" ] || fail "numsiginfo held $1, the sleeper's SigQ says $sigq"
maxheld=$("$BUILD/tests/bctable" $ctid | awk '$1 == "numsiginfo" { print $3 }')
[ "$maxheld" -ge "$1" ] || fail "maxheld $maxheld below held $1"

# Delivered (SIGCONT then the default action of SIGHUP ends it): the queue empties.
kill -CONT "$host_pid"
for _ in $(seq 50); do
	[ -e "/proc/$host_pid" ] || break
	sleep 0.1
done
r=$(held $ctid)
echo "CT $ctid once delivered: $r"
set -- $r
[ "$1" -eq "$base" ] || fail "numsiginfo held $1 once the signals were delivered, expected $base"
maxheld=$("$BUILD/tests/bctable" $ctid | awk '$1 == "numsiginfo" { print $3 }')
[ "$maxheld" -ge $((base + 6)) ] || fail "maxheld went back to $maxheld"

for c in $ctid $other; do
	vzctl stop $c >/dev/null 2>&1 || fail "stop of $c failed"
done
echo "numsiginfo ok"
