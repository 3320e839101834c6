#!/bin/bash
# Getting into a running CT: vzctl exec, exec2, exec -, runscript and enter on a real
# kernel.  The CT is made here by hand (a busybox root on /vz, a cgroup under the test's
# parent, an init in its own pid, mount, uts, ipc, net and cgroup namespaces with a
# reduced capability bounding set, its pid in <RUNDIR>/<ctid>.pid), so the test depends
# only on ct_init_pid's contract, not on `vzctl start`.
#
# Checked: the exec'd program is the CT's file (/proc/self/exe, its inode), no host fd
# reaches it, a 50 MB binary stream passes unchanged, exit codes (exec2 42, exec 8),
# the command from stdin, a host script run inside, ps and hostname inside, the CT's
# cgroup seen from both sides, the init's CapBnd, enter through a pty (terminal size
# passed on, "exited from CT"), and 31 for a CT that does not run.
set -u
. "$(dirname "$0")/common.bash"
need_root
need_cgroup2
need_built bin/vzctl
command -v unshare >/dev/null && command -v setpriv >/dev/null || skip "needs unshare and setpriv (util-linux)"
[ -x /bin/busybox ] || skip "needs busybox-static's /bin/busybox"
command -v python3 >/dev/null || skip "needs python3 for the pty driver"

ctid=1040
parent=itest-exec.slice
cg=/sys/fs/cgroup/$parent/$ctid
[ -d /vz ] || skip "no /vz in this guest"
work=$(mktemp -d /tmp/itest-exec.XXXXXX)
root=/vz/root/$ctid
vzctl() { "$BUILD/bin/vzctl" "$@"; }
export VZ_CONF=$work/vz.conf
cts=()

cleanup() {
	local id
	for id in "${cts[@]}"; do
		[ -e "/sys/fs/cgroup/$parent/$id/cgroup.kill" ] && echo 1 >"/sys/fs/cgroup/$parent/$id/cgroup.kill"
	done
	sleep 0.3
	for id in "${cts[@]}"; do
		rmdir "/sys/fs/cgroup/$parent/$id" 2>/dev/null
		rm -rf "/vz/root/$id"
	done
	rmdir "/sys/fs/cgroup/$parent" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$work/conf" "$work/lock" "$work/run"
cat >"$work/vz.conf" <<END_OF_CONF
VE_CONFDIR="$work/conf"
LOCKDIR="$work/lock"
RUNDIR="$work/run"
VE_ROOT="/vz/root/\$VEID"
VE_PRIVATE="/vz/private/\$VEID"
CT_CGROUP_PARENT="$parent"
END_OF_CONF

# The cgroup parent hands down every controller of the root.
mkdir -p "/sys/fs/cgroup/$parent"
for c in $(cat /sys/fs/cgroup/$parent/cgroup.controllers); do
	echo "+$c" >"/sys/fs/cgroup/$parent/cgroup.subtree_control"
done

# make_ct CTID [UNSHARE-OPTION...]: a busybox root on /vz with a /dev holding its own
# devpts, the cgroup <parent>/CTID, and an init that enters the cgroup first (so its
# cgroup namespace is rooted there), then the namespaces; pid 1 mounts its devpts,
# drops two capabilities from its bounding set and chroots.  Sets init_pid and writes
# it to <RUNDIR>/CTID.pid.
make_ct() {
	local id=$1 r=/vz/root/$1 upid
	shift
	[ -n "$id" ] && [ -n "$parent" ] && [ -d "/sys/fs/cgroup/$parent" ] || fail "make_ct: bad setup"
	cts+=("$id")
	: >"$work/conf/$id.conf"
	mkdir -p "$r"/{bin,proc,dev/pts,tmp,root,etc}
	cp /bin/busybox "$r/bin/busybox"
	chroot "$r" /bin/busybox --install -s /bin
	mknod -m 666 "$r/dev/null" c 1 3
	ln -s pts/ptmx "$r/dev/ptmx"
	echo 'root:x:0:0:root:/root:/bin/sh' >"$r/etc/passwd"
	mkdir "/sys/fs/cgroup/$parent/$id"
	(
		echo "$BASHPID" >"/sys/fs/cgroup/$parent/$id/cgroup.procs"
		exec unshare "$@" --pid --mount --uts --ipc --net --cgroup --fork --mount-proc="$r/proc" \
			/bin/sh -c "mount -t devpts -o newinstance,ptmxmode=0666,mode=620 devpts '$r/dev/pts' &&
				exec setpriv --bounding-set -sys_module,-sys_time chroot '$r' \
				/bin/sh -c 'hostname ct$id; exec sleep 100000'"
	) </dev/null >/dev/null 2>&1 &
	upid=$!
	disown
	init_pid=''
	for _ in $(seq 50); do
		init_pid=$(cat "/proc/$upid/task/$upid/children" 2>/dev/null | awk '{print $1}')
		[ -n "$init_pid" ] && [ "$(readlink "/proc/$init_pid/exe")" = "$r/bin/busybox" ] && break
		init_pid=''
		sleep 0.1
	done
	[ -n "$init_pid" ] || fail "the hand-made CT $id's init did not start"
	echo "$init_pid" >"$work/run/$id.pid"
	echo "CT $id: init pid $init_pid"
}

make_ct $ctid

# ---------------------------------------------------------------- exit codes
vzctl exec2 $ctid exit 42 </dev/null
rc=$?; [ $rc -eq 42 ] || fail "exec2 'exit 42' returned $rc"
vzctl exec $ctid false </dev/null
rc=$?; [ $rc -eq 8 ] || fail "exec false returned $rc, not 8"
vzctl exec $ctid true </dev/null || fail "exec true failed"
echo "exit codes: exec2 42, exec false 8, exec true 0"

# ----------------------------------------------------------- what runs inside
out=$(vzctl exec2 $ctid hostname </dev/null) || fail "exec hostname failed"
[ "$out" = "ct$ctid" ] || fail "hostname inside is '$out'"
out=$(vzctl exec2 $ctid readlink /proc/self/exe </dev/null)
[ "$out" = /bin/busybox ] || fail "/proc/self/exe inside is '$out', not the CT's /bin/busybox"
in_ct=$(vzctl exec2 $ctid stat -L -c '%d:%i' /proc/self/exe </dev/null)
host_file=$(stat -c '%d:%i' "$root/bin/busybox")
[ "$in_ct" = "$host_file" ] || fail "the exec'd binary is $in_ct, the CT's busybox is $host_file"
[ "$in_ct" != "$(stat -c '%d:%i' "$BUILD/bin/vzctl")" ] || fail "the exec'd binary is vzctl"
echo "/proc/self/exe: /bin/busybox ($in_ct, the CT's file)"

# No host fd: even one the caller has open stays outside.
exec 7</etc/hostname
out=$(vzctl exec2 $ctid ls /proc/self/fd </dev/null | tr '\n' ' ')
exec 7<&-
[ "$out" = "0 1 2 3 " ] || fail "fds open in the CT: '$out' (expected 0 1 2 and ls's own)"
echo "fds inside: $out"

ps_out=$(vzctl exec2 $ctid ps -o pid,comm </dev/null)
echo "$ps_out"
n=$(echo "$ps_out" | tail -n +2 | wc -l)
[ "$n" -le 3 ] || fail "ps inside lists $n processes"
echo "$ps_out" | grep -qE '^ *1 +sleep$' || fail "ps inside does not show the CT's init as pid 1"

# ------------------------------------------------------------- cgroup, caps
out=$(vzctl exec2 $ctid cat /proc/self/cgroup </dev/null)
[ "$out" = "0::/" ] || fail "/proc/self/cgroup inside is '$out'"
"$BUILD/bin/vzctl" exec2 $ctid sleep 37 </dev/null &
bg=$!
found=''
for _ in $(seq 50); do
	for p in $(cat "$cg/cgroup.procs"); do
		[ "$(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)" = "sleep 37 " ] && found=$p
	done
	[ -n "$found" ] && break
	sleep 0.1
done
[ -n "$found" ] || fail "the exec'd sleep is not in $cg"
[ "$(cat "/proc/$found/cgroup")" = "0::/$parent/$ctid" ] || fail "host view: $(cat "/proc/$found/cgroup")"
[ "$(readlink "/proc/$found/exe")" = "$root/bin/busybox" ] || fail "host view of exe: $(readlink "/proc/$found/exe")"
kill "$found"; wait $bg
echo "cgroup: 0::/ inside, 0::/$parent/$ctid from the host"

# SIGTERM to vzctl reaches the command, and exec2 reports it as 128 + 15.
"$BUILD/bin/vzctl" exec2 $ctid sleep 51 </dev/null &
bg=$!
found=''
for _ in $(seq 50); do
	for p in $(cat "$cg/cgroup.procs"); do
		[ "$(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)" = "sleep 51 " ] && found=$p
	done
	[ -n "$found" ] && break
	sleep 0.1
done
[ -n "$found" ] || fail "the exec'd sleep 51 is not in $cg"
kill -TERM $bg
wait $bg
rc=$?
[ $rc -eq 143 ] || fail "exec2 killed by SIGTERM returned $rc, not 143"
sleep 0.2
# Dead, or a zombie left to the CT's init (this test's init, a sleep, reaps nothing).
[ ! -e "/proc/$found" ] || grep -q '^State:.*zombie' "/proc/$found/status" ||
	fail "the command outlived SIGTERM to vzctl: $(grep State "/proc/$found/status")"
echo "SIGTERM to vzctl: the command got it, 143"

want=$(grep CapBnd "/proc/$init_pid/status")
got=$(vzctl exec2 $ctid grep CapBnd /proc/self/status </dev/null)
[ "$got" = "$want" ] || fail "CapBnd inside '$got', init's '$want'"
[ "$want" != "$(grep CapBnd /proc/self/status)" ] || fail "the test's init kept the full bounding set"
echo "capabilities: $got (the init's)"

# ---------------------------------------------------------------- streams
head -c 50M /dev/urandom >"$work/in"
vzctl exec2 $ctid cat <"$work/in" >"$work/out" || fail "exec2 cat failed"
a=$(sha256sum <"$work/in") b=$(sha256sum <"$work/out")
[ "$a" = "$b" ] || fail "50 MB through exec2 cat changed: $(stat -c %s "$work/out") bytes back"
rm -f "$work/in" "$work/out"
echo "50 MB binary stream: identical"

out=$(printf 'echo from-stdin\nhostname\nexit 5\n' | vzctl exec2 $ctid -)
rc=$?
[ $rc -eq 5 ] && [ "$out" = "from-stdin
ct$ctid" ] || fail "exec2 - gave rc $rc and '$out'"
echo 'echo piped' | vzctl exec $ctid - | grep -qx piped || fail "exec - did not run the command"

printf '#!/bin/sh\necho "script $0 on $(hostname)"\nexit 3\n' >"$work/script.sh"
out=$(vzctl runscript $ctid "$work/script.sh" </dev/null)
rc=$?
[ $rc -eq 3 ] && [ "$out" = "script $work/script.sh on ct$ctid" ] ||
	fail "runscript gave rc $rc and '$out'"
echo "exec -, runscript: ok"

# ------------------------------------------------------------------ enter
# A small pty driver: runs argv on a pty of 33x101, and once TRIGGER has appeared in
# the output types SEND; prints everything the program wrote, exits with its status.
cat >"$work/ptydrive.py" <<'EOF'
import os, pty, sys, fcntl, termios, struct, select, time
argv = sys.argv[1:]
trigger = os.environ.get("TRIGGER", "entered into CT").encode()
send = os.environ.get("SEND", "stty size; echo IN-$((6*7)) $(hostname); exit\r").encode()
pid, fd = pty.fork()
if pid == 0:
    os.execv(argv[0], argv)
fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 33, 101, 0, 0))
out = b""
sent = False
deadline = time.time() + 30
while time.time() < deadline:
    r, _, _ = select.select([fd], [], [], 0.5)
    if not sent and trigger in out:
        time.sleep(0.5)
        os.write(fd, send)
        sent = True
    if r:
        try:
            data = os.read(fd, 4096)
        except OSError:
            break
        if not data:
            break
        out += data
_, st = os.waitpid(pid, 0)
sys.stdout.write(out.decode(errors="replace"))
sys.exit(os.waitstatus_to_exitcode(st))
EOF
out=$(python3 "$work/ptydrive.py" "$BUILD/bin/vzctl" enter $ctid)
rc=$?
echo "$out" | sed 's/^/enter| /'
[ $rc -eq 0 ] || fail "enter exited $rc"
echo "$out" | grep -q "IN-42 ct$ctid" || fail "the command typed into enter did not run in the CT"
echo "$out" | grep -q "^33 101" || fail "the terminal size did not reach the CT"
echo "$out" | grep -q "exited from CT $ctid" || fail "no 'exited from CT $ctid'"
# --exec types its command into the shell, which then stays (as vzctl does).
out=$(TRIGGER=X-2 SEND=$'echo STILL-$((2*2)); exit\r' python3 "$work/ptydrive.py" \
	"$BUILD/bin/vzctl" enter $ctid --exec 'tty; echo X-$((1+1))' | tr -d '\r')
echo "$out" | grep -qx '/dev/pts/[0-9]*' || fail "enter --exec: no pty of the CT's devpts: '$out'"
echo "$out" | grep -qx 'X-2' || fail "enter --exec did not run the command: '$out'"
echo "$out" | grep -qx 'STILL-4' || fail "enter --exec did not leave the shell to the user: '$out'"
echo "enter: ok"

# exec from a terminal: the host's terminal is not handed in (a pipe relayed by vzctl
# instead), and what is typed still reaches the command.
out=$(TRIGGER=READY SEND=$'abc\r\x04' python3 "$work/ptydrive.py" "$BUILD/bin/vzctl" exec2 $ctid \
	'tty; echo READY; read x; echo "got-$x"; cat; echo done' | tr -d '\r')
rc=$?
echo "$out" | sed 's/^/exec on a tty| /'
[ $rc -eq 0 ] || fail "exec2 from a terminal exited $rc"
echo "$out" | grep -qx 'not a tty' || fail "the command got a terminal"
echo "$out" | grep -qx 'got-abc' || fail "typed input did not reach the command"
echo "$out" | grep -qx 'done' || fail "the end of the typed input did not reach the command"

# ------------------------------------------------------------- not running
vzctl exec 1041 true </dev/null 2>"$work/err"
rc=$?
[ $rc -eq 31 ] || fail "exec on a CT that does not run returned $rc"
grep -q "not running" "$work/err" || fail "no 'not running' message: $(cat "$work/err")"
vzctl enter 1041 </dev/null >/dev/null 2>&1
rc=$?; [ $rc -eq 31 ] || fail "enter on a CT that does not run returned $rc"
echo "not running: 31"

# ------------------------------------------------------- a user namespace
# A CT in a user namespace of its own (what LOCAL_UID gives; Debian has no newuidmap
# here, so root maps to root: "0 0 1" against the host's "0 0 4294967295").  exec joins
# that user namespace too, and the command sees the CT's map.
make_ct 1042 --map-root-user
out=$(vzctl exec2 1042 'id -u; cat /proc/self/uid_map; hostname' </dev/null | tr -s ' ')
[ "$out" = "0
 0 0 1
ct1042" ] || fail "exec into the CT with a user namespace gave '$out'"
[ "$(readlink /proc/self/ns/user)" != "$(readlink "/proc/$init_pid/ns/user")" ] ||
	fail "CT 1042 has no user namespace of its own"
"$BUILD/bin/vzctl" exec2 1042 sleep 36 </dev/null &
bg=$!
found=''
for _ in $(seq 50); do
	for p in $(cat "/sys/fs/cgroup/$parent/1042/cgroup.procs"); do
		[ "$(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)" = "sleep 36 " ] && found=$p
	done
	[ -n "$found" ] && break
	sleep 0.1
done
[ -n "$found" ] || fail "the exec'd sleep is not in the cgroup of CT 1042"
ns=$(readlink "/proc/$found/ns/user")
kill "$found"; wait $bg
[ "$ns" = "$(readlink "/proc/$init_pid/ns/user")" ] || fail "the exec'd process is in user namespace $ns"
echo "user namespace: joined ($ns)"
