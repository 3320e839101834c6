#!/bin/bash
# vzctl console: the CT's /dev/console and /dev/tty1..2 are ptys whose masters its
# monitor holds.  Driven through a pty (console-drive.py) as a user at a terminal: the
# backlog shows the boot line rcS printed before anyone attached, a command typed at
# the console's shell (the busybox template's inittab keeps one there) runs, `Esc .`
# detaches with 0 and leaves the terminal's settings as they were.  One client at a
# time (a second gets 9); tty1 keeps what the CT wrote to /dev/tty1, tty5 does not
# exist (21); the backlog and the socket outlive a reboot inside the CT; a CT flooding
# its console leaves a log bounded at 2 MiB and a monitor that still answers, and one
# hanging a tty up leaves a monitor that does not spin; the
# socket is root's alone (0600 in a 0700 directory); a stop removes the socket and
# keeps the log, the next start begins a new log; a CT whose monitor is gone (as after
# a CRIU restore) says so (3); a start whose init exits names the log, which holds what
# that init printed.
set -u
. "$(dirname "$0")/common.bash"
need_ct_host
command -v python3 >/dev/null || skip "no python3 to drive a pty"

ctid=1038
ct_new $ctid console
echo 'CAPABILITY="sys_boot:on"' >>"$it/conf/$ctid.conf"
cdir=$it/run/console
sock=$cdir/$ctid.sock
log=$cdir/$ctid.log
drive() { python3 "$VZ_SRC/tests/integration/console-drive.py" "$it/drive.out" "$@"; }

init_pid() { cat "$it/run/$ctid.pid" 2>/dev/null; }
monitor_pid() { awk '{ print $4 }' "/proc/$(init_pid)/stat"; }
started_again() {
	local new
	new=$(init_pid)
	[ -n "$new" ] && [ "$new" != "$pid" ] && [ -d "/proc/$new" ] &&
		[ "$(vzctl status $ctid)" = "CTID $ctid exist mounted running" ]
}
log_has() { grep -q -- "$1" "$log" 2>/dev/null; }

expect_rc 31 vzctl console $ctid
grep -q 'not running' <<<"$out" || fail "console of a stopped CT does not say so"

vzctl start $ctid --wait >"$it/start.out" 2>&1 || fail "start failed: $(cat "$it/start.out")"
[ "$(stat -c %a "$cdir")" = 700 ] || fail "$cdir is $(stat -c %a "$cdir"), not 0700"
[ -S "$sock" ] || fail "no socket $sock"
[ "$(stat -c %a "$sock")" = 600 ] || fail "the socket is $(stat -c %a "$sock"), not 0600"
[ "$(stat -c %a "$log")" = 600 ] || fail "the log is $(stat -c %a "$log"), not 0600"
wait_for 20 log_has "rcS: starting CT" || fail "the log lacks rcS's boot line: $(cat "$log")"
# Inside, /dev/console and /dev/tty1 are ptys of the CT's own devpts.
vzctl exec2 $ctid 'stat -c "%t %n" /dev/console /dev/tty1 /dev/tty2' </dev/null >"$it/devs" ||
	fail "stat of the ttys inside failed"
cat "$it/devs"
[ "$(grep -c '^8[89a-f] ' "$it/devs")" -eq 3 ] || fail "the ttys are not ptys (major 136..143)"

echo "-- attach, backlog, a command at the console's shell, Esc ."
drive "$BUILD/bin/vzctl" console $ctid <<'STEPS' || fail "console session 1"
expect 20 Attached to CT 1038 \(ESC \. to detach\)
expect 20 rcS: starting CT
send \r
expect 20 / # 
send echo hello-$((6*7))\r
expect 20 hello-42
send \r\x1b.
exit 20 0
STEPS
grep -q 'Detached from CT' "$it/drive.out" || fail "no 'Detached' line"
log_has hello-42 || fail "the log lacks the command's output"

echo "-- one client at a time"
# The first client's input is a fifo held open here: it stays attached until killed.
mkfifo "$it/hold"
"$BUILD/bin/vzctl" console $ctid <"$it/hold" >"$it/holder.out" 2>&1 &
holder=$!
exec 8>"$it/hold"
# The second client comes once the first is attached, or it could take the place first.
holder_in() { grep -q 'Attached to CT' "$it/holder.out" 2>/dev/null; }
wait_for 20 holder_in || fail "the first client did not attach: $(cat "$it/holder.out")"
second() { "$BUILD/bin/vzctl" console $ctid </dev/null >"$it/second.out" 2>&1; [ $? -eq 9 ]; }
wait_for 20 second || fail "a second client was not refused with 9: $(cat "$it/second.out")"
cat "$it/second.out"
grep -q 'another vzctl console is attached' "$it/second.out" || fail "the refusal does not say why"
kill $holder
wait $holder 2>/dev/null
exec 8>&-
attach_ok() { "$BUILD/bin/vzctl" console $ctid </dev/null >/dev/null 2>&1; }
wait_for 20 attach_ok || fail "no attach once the first client left"

echo "-- tty1, and a tty the CT does not have"
vzctl exec $ctid 'echo on-tty1 >/dev/tty1' </dev/null || fail "writing /dev/tty1 inside failed"
drive "$BUILD/bin/vzctl" console $ctid 1 <<'STEPS' || fail "console session on tty1"
expect 20 Attached to CT 1038 tty1
expect 20 on-tty1
send \x1b.
exit 20 0
STEPS
expect_rc 21 vzctl console $ctid 5
grep -q 'no tty5' <<<"$out" || fail "tty5 is not named"

echo "-- the backlog outlives a reboot inside"
pid=$(init_pid)
vzctl exec2 $ctid reboot </dev/null || fail "reboot inside failed"
wait_for 90 started_again || fail "the CT did not come back: $(vzctl status $ctid)"
[ -S "$sock" ] || fail "no socket after the reboot"
drive "$BUILD/bin/vzctl" console $ctid <<'STEPS' || fail "console session after the reboot"
expect 20 Attached to CT
expect 20 rcS: starting CT.*rcS: starting CT
send \r\x1b.
exit 20 0
STEPS

echo "-- a flood: the log stays bounded, the monitor answers"
mon=$(monitor_pid)
vzctl exec2 $ctid 'head -c 3000000 /dev/zero | tr "\0" x >/dev/console' </dev/null ||
	fail "the flood failed"
vzctl exec2 $ctid 'echo after-flood >/dev/console' </dev/null
wait_for 60 log_has after-flood || fail "the log lacks what came after the flood"
size=$(stat -c %s "$log")
echo "log $size bytes, log.1 $(stat -c %s "$log.1" 2>/dev/null) bytes"
[ "$size" -le $((2 * 1024 * 1024)) ] || fail "the log grew to $size bytes"
[ -f "$log.1" ] || fail "the log was not moved to .1 at 2 MiB"
drive "$BUILD/bin/vzctl" console $ctid <<'STEPS' || fail "console session after the flood"
expect 20 after-flood
send \r\x1b.
exit 20 0
STEPS
[ "$(monitor_pid)" = "$mon" ] || fail "the monitor changed"

echo "-- a tty hung up inside: the monitor does not spin"
ticks() { awk '{ print $14 + $15 }' "/proc/$mon/stat"; }
vzctl exec $ctid 'setsid getty -n -l /bin/true 0 tty2 </dev/null >/dev/null 2>&1 &' </dev/null
t0=$(ticks)
sleep 3 # a measured span, not a synchronisation
t1=$(ticks)
echo "the monitor used $((t1 - t0)) ticks in 3 s"
[ $((t1 - t0)) -lt 100 ] || fail "the monitor spins ($((t1 - t0)) ticks in 3 s)"

echo "-- stop: the socket goes, the log stays; the next start begins a new log"
vzctl stop $ctid >/dev/null || fail "stop failed"
[ ! -e "$sock" ] || fail "stop left the socket"
[ -f "$log" ] || fail "stop removed the log"
expect_rc 31 vzctl console $ctid
vzctl start $ctid --wait >/dev/null 2>&1 || fail "the second start failed"
wait_for 20 log_has "rcS: starting CT" || fail "the new log lacks the boot line"
[ "$(grep -c 'rcS: starting CT' "$log")" -eq 1 ] || fail "the new log holds more than this start"
grep -q after-flood "$log.1" || fail "the last start's log is not in .1"
drive "$BUILD/bin/vzctl" console $ctid <<'STEPS' || fail "console session after a second start"
expect 20 rcS: starting CT
send \r
expect 20 / # 
send \x1b\x1b.
exit 20 0
STEPS

echo "-- a CT without its monitor"
kill -9 "$(monitor_pid)"
expect_rc 3 vzctl console $ctid
grep -q 'without a monitor' <<<"$out" || fail "the missing monitor is not named"
vzctl stop $ctid --fast >/dev/null 2>&1

echo "-- a start whose init exits names its log"
private=$it/private/$ctid
mv "$private/sbin/init" "$private/sbin/init.real"
printf '#!/bin/sh\necho "init: cannot go on: broken-%s"\nexit 1\n' 7 >"$private/sbin/init"
chmod 755 "$private/sbin/init"
expect_rc 133 vzctl start $ctid --wait
named=$(grep -o "$it/run/console/$ctid.log" <<<"$out")
[ -n "$named" ] || fail "the error does not name $log"
wait_for 20 log_has broken-7 || fail "the named log lacks what init printed: $(cat "$named")"
rm -f "$private/sbin/init"
mv "$private/sbin/init.real" "$private/sbin/init"

vzctl destroy $ctid >/dev/null 2>&1 || { vzctl stop $ctid --fast >/dev/null 2>&1; vzctl destroy $ctid >/dev/null; }
echo "ok (${SECONDS}s)"
