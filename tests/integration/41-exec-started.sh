#!/bin/bash
# exec and enter into a CT made the real way: the busybox template, `vzctl create`,
# `vzctl start`.  (40-exec.sh checks the details on a hand-made CT; this one checks that
# they hold for what the runtime starts.)  Skips when `vzctl start` fails: that is
# 30-start-stop.sh's failure to report, not this test's.
set -u
. "$(dirname "$0")/common.bash"
need_ct_host
command -v python3 >/dev/null || skip "needs python3 for the pty driver"

ctid=1041
ct_host /vz/itest-exec-started itest-exec-started.slice
trap "ct_host_cleanup $ctid" EXIT

ct_template
vzctl create $ctid --ostemplate busybox --hostname started$ctid >/dev/null || fail "create failed"
vzctl start $ctid --wait >"$it/start.out" 2>&1 || skip "vzctl start failed: $(tail -n 1 "$it/start.out")"
init=$(cat "$it/run/$ctid.pid")

out=$(vzctl exec2 $ctid hostname </dev/null)
[ "$out" = started$ctid ] || fail "hostname inside is '$out'"
[ "$(vzctl exec2 $ctid readlink /proc/self/exe </dev/null)" = /bin/busybox ] ||
	fail "/proc/self/exe inside is not the CT's /bin/busybox"
[ "$(vzctl exec2 $ctid ls /proc/self/fd </dev/null | tr '\n' ' ')" = "0 1 2 3 " ] ||
	fail "a host fd reached the CT"
[ "$(vzctl exec2 $ctid cat /proc/self/cgroup </dev/null)" = "0::/" ] || fail "not in the CT's cgroup"
[ "$(vzctl exec2 $ctid grep CapBnd /proc/self/status </dev/null)" = "$(grep CapBnd "/proc/$init/status")" ] ||
	fail "CapBnd differs from the init's"
vzctl exec2 $ctid ps -o pid,comm </dev/null | awk 'NR > 1 && $1 > 100 { bad = 1 } END { exit bad }' ||
	fail "ps inside shows a host pid"
vzctl exec2 $ctid exit 42 </dev/null
rc=$?; [ $rc -eq 42 ] || fail "exec2 'exit 42' returned $rc"
echo "exec: hostname, /proc/self/exe, fds, cgroup, CapBnd, ps, exit codes"

out=$(python3 - "$BUILD/bin/vzctl" $ctid <<'END_OF_PY'
import os, pty, sys, select, time
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], [sys.argv[1], "enter", sys.argv[2]])
out, sent, end = b"", False, time.time() + 30
while time.time() < end:
    r, _, _ = select.select([fd], [], [], 0.5)
    if not sent and b"entered into CT" in out:
        time.sleep(0.5)
        os.write(fd, b"tty; echo E-$((2*21)) $(hostname); exit\r")
        sent = True
    if r:
        try:
            d = os.read(fd, 4096)
        except OSError:
            break
        if not d:
            break
        out += d
os.waitpid(pid, 0)
sys.stdout.write(out.decode(errors="replace").replace("\r", ""))
END_OF_PY
)
echo "$out" | sed 's/^/enter| /'
echo "$out" | grep -qx '/dev/pts/[0-9]*' || fail "enter: no pty of the CT's devpts"
echo "$out" | grep -qx "E-42 started$ctid" || fail "enter: the command did not run in the CT"
echo "$out" | grep -qx "exited from CT $ctid" || fail "enter: no 'exited from CT $ctid'"

vzctl stop $ctid >/dev/null 2>&1 || fail "stop failed"
vzctl exec $ctid true </dev/null 2>/dev/null
rc=$?; [ $rc -eq 31 ] || fail "exec on the stopped CT returned $rc, not 31"
echo "enter: ok; stopped: 31"
