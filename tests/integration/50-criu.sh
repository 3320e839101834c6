#!/bin/bash
# Checkpointable by design (issue 4, item 5): a running busybox CT started by vzctl is
# dumped with `criu dump` and restored with `criu restore` (Debian's criu 3.17) and is
# the same CT again: the init's pid namespace with the same pids inside (a `sleep
# 1000042` left running keeps its pid), a counter loop that goes on from where it was
# (not from 1), the CT's cgroup, hostname and loopback (its httpd answers), and vzctl
# status / exec2 / stop work on it once <RUNDIR>/<ctid>.pid names the restored init;
# the init keeps its system-call filter.
# What the runtime's CT is made of dumps as it is: the root is /vz's ext4 (the private
# area bound on the root area, then pivot_root), proc with its read-only /proc/sys
# binds, read-only sysfs, cgroup2 on /sys/fs/cgroup in a cgroup namespace, a tmpfs /dev
# with device nodes and the /dev/console bind, a devpts instance of its own, /dev/shm,
# /run; the device BPF program stays on the cgroup, which the dump leaves in place.
# bcfs runs, as on any host, so the CT holds its view of the export, a FUSE mount criu
# cannot dump: it is declared external at the dump and bound again from the host's
# export at the restore, where the CT reads its own block again.
# The console and tty1..N are ptys of the CT's devpts whose masters the CT's monitor
# holds, outside the dumped tree.  criu 3.17 dumps a bind of dev/pts/<n> only when the
# master of pty <n> is among the dumped files ("tty: Unable to find a master for /<n>"),
# and a slave fd only with its master or as an external tty.  So the dump declares
# external: each pty (--external tty[rdev:dev], read from the host through
# /proc/<init>/root), each bind (--external mnt[/dev/console]:console ...), and the
# CT's /dev/tty (5:0), which the console's shell holds with the console as its
# controlling terminal (else "ctty inheritance detected ... no PTY peer").  The restore
# is run by criu-console.py, which makes a new pty per tty, gives criu its slave for
# each id (--inherit-fd, the console's also for /dev/tty) and as the bind's source
# (--external mnt[console]:/dev/pts/<n>), and keeps the masters as the monitor would:
# the restored CT's consoles are ptys of the restorer's devpts (here the host's, owned
# by the CT's root), no longer of the CT's own, whose indexes the console's ptys leave
# free.  vzctl console still answers 3 (no monitor) on the restored CT; the masters
# are the keeper's, through which the test types at the console's shell, which kept
# its pid.  migrate/README.md has what this means for the checkpoint feature.
# Each criu option is explained where it is used.
set -u
. "$(dirname "$0")/common.bash"
need_ct_host
need_built bin/bcfs
need_fuse
command -v criu >/dev/null || skip "criu is not installed"

ctid=1050
bcfs_host /vz/itest-criu itest-criu.slice
daemon= keeper=
cleanup() {
	nsdelegate_back
	[ -n "$keeper" ] && kill "$keeper" 2>/dev/null
	[ -n "$daemon" ] && kill "$daemon" 2>/dev/null
	bcfs_kill_all "$mnt"
	ct_host_cleanup $ctid
}
trap cleanup EXIT
"$BUILD/bin/bcfs" -f >"$it/bcfs.log" 2>&1 &
daemon=$!
bcfs_serving
img=$it/img
mkdir -p "$img"
showlog() {
	echo "--- $1 (errors and last lines)"
	grep -B3 -E 'Error|Warn' "$1" | head -n 60 | sed 's/^/    /'
	tail -n 25 "$1" | sed 's/^/    /'
}

ct_template
vzctl create $ctid --ostemplate busybox --hostname criu$ctid >/dev/null || fail "create failed"
# Probes run inside the CT: the CT's httpd over its loopback (the network must work
# after restore), the counter, the sleeper's pid as the CT sees it.
cat >"$it/private/$ctid/probe" <<'END_OF_PROBE'
#!/bin/sh
case $1 in
http) printf 'GET / HTTP/1.0\r\n\r\n' | timeout 5 nc 127.0.0.1 80 | head -n 1 | tr -d "\r" ;;
counter) cat /run/counter ;;
sleeper) ps -o pid,args | awk '$2 == "sleep" && $3 == "1000042" { print $1 }' ;;
shell) ps -o pid,args | awk '$2 ~ /^-(\/bin\/)?sh$/ { print $1 }' ;;
console) test -t 0 </dev/console && stat -c '%t:%T' /dev/console ;;
view) awk '$1 ~ /^[0-9]+:$/ { print $1 } $1 == "numproc" { print $2 }' "$2/proc/user_beancounters" | tr '\n' ' ' ;;
esac
END_OF_PROBE
chmod 755 "$it/private/$ctid/probe"
vzctl start $ctid --wait >"$it/start.out" 2>&1 || skip "vzctl start failed: $(tail -n 1 "$it/start.out")"
init=$(cat "$it/run/$ctid.pid")
probe() { vzctl exec2 $ctid /probe "$@" </dev/null; }
elapsed() { echo "$(date +%s.%N) - $1" | bc | sed 's/^\./0./'; }

# The marker: a counter loop (its count lives in the shell's memory, a copy in the CT's
# /run, a tmpfs of the CT's own) and a sleep with a known argv, both left running.
vzctl exec $ctid 'setsid sh -c "i=0; while :; do i=\$((i+1)); echo \$i >/run/counter; sleep 0.2; done" </dev/null >/dev/null 2>&1 &' </dev/null ||
	fail "cannot start the counter loop"
vzctl exec $ctid 'setsid sleep 1000042 </dev/null >/dev/null 2>&1 &' </dev/null || fail "cannot start the sleeper"
sleep 1
sleeper=$(probe sleeper)
[ -n "$sleeper" ] || fail "the sleeper does not run"
[ "$(probe http)" = "HTTP/1.1 200 OK" ] || fail "the CT's httpd does not answer before the dump"
before=$(probe counter)
[ -n "$before" ] || fail "no counter"
# view_ok WHEN: the CT's view shows its block alone, with a numproc of its running tasks.
view_ok() {
	local v w
	v=$(probe view "$mnt")
	read -ra w <<<"$v"
	[ "${w[0]:-}" = "$ctid:" ] && [ ${#w[@]} -eq 2 ] && [ "${w[1]}" -ge 3 ] ||
		fail "the CT's view $1: '$v'"
	echo "the CT's view $1: block ${w[0]} numproc ${w[1]}"
}
view_ok "before the dump"
shell=$(probe shell)
[ -n "$shell" ] || fail "no shell on the console before the dump"
echo "before: init host pid $init, sleeper pid $sleeper in the CT, counter $before, httpd answers"
echo "before: /dev/console is a tty ($(probe console)), its shell pid $shell in the CT"

# The console and tty1..N: each a pty of the CT's devpts, bound from dev/pts/<n>, its
# master in the CT's monitor, outside the dumped tree.  From the host, through the
# init's root: its tty[rdev:dev] (hex, as criu names it) and the uid the CT's root has.
tty_id() {
	python3 -c 'import os, sys
st = os.stat(sys.argv[1])
print("tty[%x:%x]" % (st.st_rdev, st.st_dev))' "$1"
}
devtty=$(tty_id "/proc/$init/root/dev/tty")
ttys=()
for dev in "/proc/$init/root/dev/console" "/proc/$init/root/dev/tty"[0-9]*; do
	[ -e "$dev" ] || continue
	ttys+=("${dev##*/}=$(tty_id "$dev")")
done
ttys[0]+=,$devtty
echo "console ptys: ${ttys[*]}"
[ ${#ttys[@]} -eq 3 ] || fail "expected the console, tty1 and tty2"
ctuid=$(awk '$1 == 0 { print $2 }' "/proc/$init/uid_map")
ctgid=$(awk '$1 == 0 { print $2 }' "/proc/$init/gid_map")
ext_ttys=(--external "$devtty")
for t in "${ttys[@]}"; do
	t=${t%,*}
	ext_ttys+=(--external "${t#*=}" --external "mnt[/dev/${t%%=*}]:${t%%=*}")
done

# criu finds the CT's pid, mount, uts, ipc, net and cgroup namespaces by itself (each
# differs from its own) and dumps them; the root mount (ext4 of /vz, the private area
# bound onto the root area) is the mount namespace's root and needs no --external.
#   --manage-cgroups   records the CT's cgroup (<parent>/<ctid>) so that restore puts
#                      the tasks back in it (the default "soft" mode: the cgroup that
#                      vzctl made, with its device program, still exists after the
#                      dump, and the tasks join it); without it they would land in
#                      criu's own cgroup and vzctl would not see the CT as running.
#   --file-locks       in case a CT process holds a lock (busybox's do not; a real
#                      distribution's do).
#   --network-lock nftables: criu blocks the CT's network namespace while it dumps; the
#                      default method runs iptables-restore, which is not installed
#                      ("execvp("iptables-restore", ...) failed", "Locking network
#                      failed: iptables-restore returned -1", "Dumping FAILED"); nftables
#                      goes through libnftables, which criu links.
#   --external mnt[<BCFS_DIR>]:bcfs  the CT's view of the export (a bind of a directory
#                      of the host's FUSE mount, at the same path inside the CT):
#                      without it the dump fails ("mnt: 47:./<BCFS_DIR> doesn't have a
#                      proper root mount": its source is not in the CT's namespace);
#                      with it the image records the mount point under the key "bcfs".
#   -v4 -o dump.log    the log in the image directory, shown when something fails.
# The processes are gone after a successful dump (no --leave-running).
t0=$(date +%s.%N)
criu dump -t "$init" -D "$img" -v4 -o dump.log --manage-cgroups --file-locks \
	--network-lock nftables --external "mnt[$mnt]:bcfs" "${ext_ttys[@]}"
rc=$?
echo "criu dump -> $rc ($(elapsed "$t0") s)"
[ $rc -eq 0 ] || { showlog "$img/dump.log"; fail "criu dump failed"; }
for i in $(seq 50); do [ -d "/proc/$init" ] || break; sleep 0.1; done
[ -d "/proc/$init" ] && fail "init $init still runs after the dump"
[ "$(vzctl status $ctid)" = "CTID $ctid exist mounted down" ] || fail "status after the dump: $(vzctl status $ctid)"

# Restore into the root area, which is still mounted (criu pivot_roots the restored
# mount namespace into --root and rebuilds proc, sysfs, cgroup2, the tmpfs /dev with its
# nodes and the console bind, devpts, /dev/shm and /run from the image).
#   -d (--restore-detached)  criu exits once the tree runs; the init is nobody's child
#                      in this shell (after vzctl start its parent is the CT's
#                      monitor, which a restored CT has none of: the dump takes the
#                      init's tree, and the monitor, seeing the init killed, exits).
#   --pidfile          the restored init's host pid, which becomes <RUNDIR>/<ctid>.pid
#                      so that vzctl status, exec and stop find the CT.
#   --manage-cgroups   puts the tasks back in <parent>/<ctid> (without it they would
#                      stay in the cgroup criu runs in).
#   --file-locks       restores the locks the dump recorded.
#   --network-lock nftables: restore locks and unlocks the netns too, so the iptables
#                      default fails here as on dump.
#   --external mnt[bcfs]:<BCFS_DIR>/ct/<ctid>  the view, bound again from the host's
#                      export onto its mount point.
t0=$(date +%s.%N)
cons=$it/console
mkdir -p "$cons"
python3 "$VZ_SRC/tests/integration/criu-console.py" "$cons" "$ctuid" "$ctgid" "${ttys[@]}" -- \
	criu restore -D "$img" -v4 -o restore.log -d --root "$it/root/$ctid" --pidfile "$it/restored.pid" \
	--manage-cgroups --file-locks --network-lock nftables --external "mnt[bcfs]:$mnt/ct/$ctid" \
	>"$it/keeper.out" 2>&1 &
keeper=$!
wait_for 300 test -e "$cons/rc" || { cat "$it/keeper.out"; fail "criu restore did not end"; }
rc=$(cat "$cons/rc")
cat "$it/keeper.out"
echo "criu restore -> $rc ($(elapsed "$t0") s)"
[ $rc -eq 0 ] || { showlog "$img/restore.log"; fail "criu restore failed"; }
# criu mounts cgroup2 in the host's cgroup namespace, which drops nsdelegate from the
# host's mount (the options belong to the one superblock): vzctl start would then
# refuse every CT.  Said here, and given back for what follows.
nsdelegate_on || echo "criu dropped nsdelegate from the host's cgroup2 mount"
nsdelegate_back
new=$(cat "$it/restored.pid")
[ -d "/proc/$new" ] || fail "the restored init $new does not run"
[ "$(cat /proc/$new/cgroup)" = "0::/$parent/$ctid" ] || fail "the restored init is in $(cat /proc/$new/cgroup)"
for ns in pid mnt uts ipc net cgroup; do
	[ "$(readlink /proc/$new/ns/$ns)" != "$(readlink /proc/self/ns/$ns)" ] ||
		fail "the restored CT shares the host's $ns namespace"
done
# criu dumps the system-call filter with each process and loads it back.
ct_filtered "$(cat /proc/$new/status)" ||
	fail "the restored init lost its system-call filter: $(seccomp_line "$(cat /proc/$new/status)")"
cp "$it/restored.pid" "$it/run/$ctid.pid"
[ "$(vzctl status $ctid)" = "CTID $ctid exist mounted running" ] || fail "status after the restore: $(vzctl status $ctid)"
[ "$(vzctl exec2 $ctid hostname </dev/null)" = criu$ctid ] || fail "hostname after the restore"
[ "$(probe sleeper)" = "$sleeper" ] || fail "the sleeper is not back as pid $sleeper: '$(probe sleeper)'"
after=$(probe counter)
sleep 1
later=$(probe counter)
echo "after: init host pid $new, sleeper pid $sleeper in the CT, counter $after then $later"
[ "$after" -ge "$before" ] || fail "the counter restarted: $before before the dump, $after after the restore"
[ "$later" -gt "$after" ] || fail "the counter loop does not run after the restore"

# criu 3.17's nftables lock is a table "inet CRIU-<pid of the dumped init>" made in the
# CT's netns during the dump; the restored netns has it (seemingly dumped with the
# netns, whose rules are saved after the lock);
# restore then deletes "CRIU-<restored init's host pid>" ("Error: No such file or
# directory; did you mean table 'CRIU-<old pid>' in family inet?", restore still exits
# 0) and the CT's loopback stays blocked.  No nft binary here: the table goes through
# libnftables from python's ctypes, inside the CT's netns.
nsenter -t "$new" -n python3 - "CRIU-$init" <<'END_OF_PY' || fail "cannot delete criu's lock table"
import ctypes, sys
nft = ctypes.CDLL("libnftables.so.1")
nft.nft_ctx_new.restype = ctypes.c_void_p
nft.nft_run_cmd_from_buffer.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
ctx = nft.nft_ctx_new(0)
sys.exit(nft.nft_run_cmd_from_buffer(ctx, ("delete table inet %s" % sys.argv[1]).encode()) != 0)
END_OF_PY
[ "$(probe http)" = "HTTP/1.1 200 OK" ] || fail "the CT's httpd does not answer after the restore"
echo "after: httpd answers over the CT's loopback"
expect_rc 3 vzctl console $ctid
c=$(probe console) || fail "/dev/console is not a tty after the restore"
echo "after: /dev/console is a tty ($c)"
[ "$(probe shell)" = "$shell" ] || fail "the console's shell $shell is gone: '$(probe shell)'"
printf 'echo criu-$((6*7))\r' >"$cons/console.in"
wait_for 20 grep -q criu-42 "$cons/console.log" ||
	fail "the console's shell does not answer: '$(cat "$cons/console.log")'"
echo "after: the console's shell (pid $shell in the CT) answers on the new pty"
view_ok "after the restore"
grep " $mnt " "/proc/$new/mountinfo" | grep -q " ro,nosuid,nodev,noexec" ||
	fail "the restored view is not read-only, nosuid, nodev, noexec: $(grep " $mnt " "/proc/$new/mountinfo")"

out=$(vzctl stop $ctid 2>&1) || fail "stop of the restored CT failed: $out"
[ "$(vzctl status $ctid)" = "CTID $ctid exist unmounted down" ] || fail "status after stop: $(vzctl status $ctid)"
[ -d "/proc/$new" ] && fail "the restored init still runs after stop"
[ ! -e "/sys/fs/cgroup/$parent/$ctid" ] || fail "stop left the cgroup"
echo "ok (${SECONDS}s)"
