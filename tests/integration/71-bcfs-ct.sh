#!/bin/bash
# A CT sees only its own block: inside a CT, <BCFS_DIR>/proc/user_beancounters (the
# same path as on the host) is its block alone, with the numbers the host shows for
# it, and <BCFS_DIR>/proc/vz/veinfo its line alone.  Two CTs, one with LOCAL_UID (a
# user namespace), each read their own; the view is read-only, nosuid, nodev, noexec;
# no unprivileged host user (the LOCAL_UID one included) reads anything of the export.
# After bcfs is killed (kill -9) and started again, the CTs read live numbers again
# without a restart, and a CT started while bcfs was dead gets its view too, at a path
# made through a symlink of its own that leads nowhere out of it.  A CT whose tree has
# a file on that path starts without a view, and so does a CT while no bcfs runs.
set -u
. "$(dirname "$0")/common.bash"
need_ct_host
need_built bin/bcfs

need_fuse
command -v setpriv >/dev/null || skip "no setpriv (util-linux) to act as another user"

plain=1081
userns=1082
late=1083
cts="$plain $userns $late"
uid=100000
bcfs_host /vz/itest-bcfsct itest-bcfsct.slice
daemon=

cleanup() {
	[ -n "$daemon" ] && kill -9 "$daemon" 2>/dev/null
	bcfs_kill_all "$mnt"
	ct_host_cleanup $cts
	rm -rf /srv/itest-bcfsct-escape
}
trap cleanup EXIT

ct_template
for c in $cts; do
	vzctl create $c --ostemplate busybox >/dev/null || fail "create of CT $c failed"
done
vzctl set $userns --local_uid $uid --local_gid $uid --save >/dev/null || fail "set --local_uid failed"
# The owners of CTs $userns and $late made their /vz a symlink that would leave the CT
# if followed on the host: inside the CT it leads to /srv/itest-bcfsct-escape.
for c in $userns $late; do
	ln -s ../../../../../../../../srv/itest-bcfsct-escape "$it/private/$c/vz"
	mkdir -p "$it/private/$c/srv/itest-bcfsct-escape"
done
# A user of CT $userns other than its root.
echo 'u1000:x:1000:1000::/:/bin/sh' >>"$it/private/$userns/etc/passwd"

# inct CT CMD...: runs CMD inside CT (stdin /dev/null).
inct() { local c=$1; shift; vzctl exec2 "$c" "$@" </dev/null; }
# section FILE NAME: the lines after "== NAME" up to the next "== ".
section() { awk -v s="== $2" '$0 == s { on = 1; next } /^== / { on = 0 } on' "$1"; }
# views CT: the bcfs mounts inside CT, as its mountinfo has them (their mount point is
# where $mnt leads inside the CT).
views() { inct "$1" cat /proc/self/mountinfo | grep ' - fuse\.bcfs '; }
# row FILE CTID RES: "held maxheld barrier limit failcnt" of the CT's row.
row() {
	awk -v id="$2:" -v r="$3" '$1 ~ /^[0-9]+:$/ { cur = $1; $1 = ""; $0 = $0 }
		cur == id && $1 == r { print $2, $3, $4, $5, $6 }' "$1"
}
# one_block FILE CTID: FILE is Version 2.5, the header and the 24 rows of CTID alone.
one_block() {
	awk -v id="$2:" '
		NR == 1 { bad = ($0 != "Version: 2.5"); next }
		NR == 2 { if (NF != 7 || $1 != "uid" || $7 != "failcnt") bad = 1; next }
		{ rows++ }
		NF == 7 && $1 ~ /^[0-9]+:$/ { ids++; if ($1 != id) bad = 1; next }
		NF != 6 { bad = 1 }
		END { exit bad || rows != 24 || ids != 1 }' "$1"
}
# same_limits CTID INSIDE HOST: every row of CTID has the same barrier and limit inside
# the CT as in the host's file, and numproc's held is within 3 of the host's.
same_limits() {
	local r h1 b1 l1 h2 b2 l2
	for r in $(awk 'NR > 2 { n = ($1 ~ /:$/) ? $2 : $1; print n }' "$2"); do
		read -r h1 _ b1 l1 _ <<<"$(row "$2" "$1" "$r")"
		read -r h2 _ b2 l2 _ <<<"$(row "$3" "$1" "$r")"
		[ -n "$b2" ] && [ "$b1 $l1" = "$b2 $l2" ] ||
			fail "CT $1 $r: barrier:limit $b1:$l1 inside, '$b2:$l2' on the host"
	done
	read -r h1 _ <<<"$(row "$2" "$1" numproc)"
	read -r h2 _ <<<"$(row "$3" "$1" numproc)"
	d=$((h1 - h2))
	[ ${d#-} -le 3 ] || fail "CT $1 numproc held $h1 inside, $h2 on the host"
}
# check_view CTID: what the CT read ($it/in.CTID) is its own block, consistent with
# the host's file.
check_view() {
	cat "$mnt/proc/user_beancounters" >"$it/host.ubc" || fail "the host cannot read its file"
	one_block "$it/in.$1" "$1" || fail "CT $1 reads: $(cat "$it/in.$1")"
	same_limits "$1" "$it/in.$1" "$it/host.ubc"
}
view_ok() {
	inct "$1" cat "$mnt/proc/user_beancounters" >"$it/in.$1" 2>"$it/in.$1.err" ||
		fail "CT $1 cannot read $mnt/proc/user_beancounters: $(cat "$it/in.$1.err")"
	check_view "$1"
}
# wait_view CTID: waits (30 s at most) until the CT reads its view, then checks it and
# that the CT has no other bcfs mount (a dead view left beside it).
wait_view() {
	local i
	for i in $(seq 30); do
		inct "$1" "cat $mnt/proc/user_beancounters && grep -c ' - fuse\.bcfs ' /proc/self/mountinfo" \
			>"$it/in.$1" 2>"$it/in.$1.err" && break
		[ "$i" -lt 30 ] || fail "CT $1 has no view 30 s after bcfs started: $(cat "$it/in.$1.err")"
		sleep 1
	done
	n=$(tail -n 1 "$it/in.$1")
	sed -i '$d' "$it/in.$1"
	[ "$n" -eq 1 ] || fail "CT $1 has $n bcfs mounts after the restart"
	check_view "$1"
}

"$BUILD/bin/bcfs" -f >"$it/bcfs.log" 2>&1 &
daemon=$!
bcfs_serving
for c in $plain $userns; do
	vzctl start $c --wait >"$it/start.out" 2>&1 || fail "start of $c failed: $(tail -n 3 "$it/start.out")"
done

# --- each CT reads its own block at the host's path, and nothing else; the view is
# read-only, nosuid, nodev, noexec, and its files refuse writes.  (One exec per CT for
# the rest: execs are slow in the emulated guest.)
for c in $plain $userns; do
	view_ok $c
	echo "[$SECONDS s] CT $c reads its own block: $(grep -c . "$it/in.$c") lines"
	inct $c "echo '== veinfo'; cat $mnt/proc/vz/veinfo; echo '== ls'; ls -1 $mnt $mnt/proc;
		echo '== hidden'; ls $mnt/proc/bc $mnt/ct >/dev/null 2>&1 && echo seen;
		echo '== mounts'; grep ' - fuse\.bcfs ' /proc/self/mountinfo;
		echo '== writes'; (echo 1 >$mnt/proc/user_beancounters) 2>/dev/null && echo wrote;
		touch $mnt/new 2>/dev/null && echo made; echo '== end'" >"$it/look.$c"
	[ "$(section "$it/look.$c" veinfo | awk '{ print $1 }')" = "$c" ] ||
		fail "CT $c veinfo: $(section "$it/look.$c" veinfo)"
	# OpenVZ's in-CT shape: no bc/ (vzubc in the CT reads user_beancounters).
	[ "$(section "$it/look.$c" ls | tr '\n' ' ')" = "$mnt: proc  $mnt/proc: user_beancounters vz " ] ||
		fail "CT $c sees: $(section "$it/look.$c" ls)"
	[ -z "$(section "$it/look.$c" hidden)" ] || fail "CT $c sees bc/ or ct/"
	opts=$(section "$it/look.$c" mounts | awk '{ print $6 }')
	echo "CT $c: the view is mounted $opts"
	[ "$(echo "$opts" | wc -l)" -eq 1 ] || fail "CT $c has $(echo "$opts" | wc -l) bcfs mounts"
	for o in ro nosuid nodev noexec; do
		echo ",$opts," | grep -q ",$o," || fail "CT $c's view is not $o: $opts"
	done
	[ -z "$(section "$it/look.$c" writes)" ] || fail "CT $c $(section "$it/look.$c" writes) in its view"
done
[ "$(stat -c '%u %g %a' "$mnt/ct/$userns" "$mnt/ct/$userns/proc/user_beancounters" | tr '\n' ' ')" = \
  "$uid $uid 500 $uid $uid 400 " ] || fail "CT $userns's view: $(stat -c '%n %u %g %a' "$mnt/ct/$userns")"
[ "$(stat -c '%u %g %a' "$mnt/ct/$plain")" = "0 0 500" ] || fail "CT $plain's view: $(stat -c '%u %g %a' "$mnt/ct/$plain")"

# --- no unprivileged host user reads anything: not the LOCAL_UID, not nobody
for u in $uid 65534; do
	for p in proc/user_beancounters ct/$userns/proc/user_beancounters ct/$plain/proc/user_beancounters; do
		setpriv --reuid $u --regid $u --clear-groups cat "$mnt/$p" >/dev/null 2>&1 &&
			fail "host uid $u read $p"
	done
	setpriv --reuid $u --regid $u --clear-groups ls "$mnt" >/dev/null 2>&1 && fail "host uid $u listed $mnt"
done
# Nor a user of the LOCAL_UID CT other than its root (uid 1000 inside, $((uid + 1000)) here).
out=$(inct $userns "su u1000 -c 'id -u; cat $mnt/proc/user_beancounters >/dev/null 2>&1 && echo read'")
[ "$out" = 1000 ] || fail "uid 1000 of CT $userns: '$out' (want 1000, no read)"
echo "modes and owners keep each view to its CT's root"

# --- bcfs killed: the views fail; a CT started meanwhile starts
kill -9 "$daemon"
wait "$daemon" 2>/dev/null
daemon=
inct $plain cat "$mnt/proc/user_beancounters" >/dev/null 2>"$it/dead.err" && fail "a dead view was read"
echo "CT $plain, bcfs dead: $(cat "$it/dead.err")"
vzctl start $late --wait >"$it/start.out" 2>&1 || fail "start of $late with bcfs dead failed: $(cat "$it/start.out")"
cat "$it/start.out"
grep -q "bcfs on $mnt does not answer" "$it/start.out" || fail "start with bcfs dead said nothing of it"

# --- bcfs again: every running CT gets a live view, with no restart
"$BUILD/bin/bcfs" >"$it/bcfs.log" 2>&1 || fail "bcfs did not start again: $(cat "$it/bcfs.log")"
bcfs_serving
daemon=$(bcfs_pids)
echo "[$SECONDS s] bcfs serves again (pid $daemon)"
for c in $cts; do
	wait_view $c
	echo "[$SECONDS s] CT $c reads its view again"
done
# Live: a process more in the CT shows in numproc's held.
read -r before _ <<<"$(row "$it/in.$plain" $plain numproc)"
inct $plain "for i in 1 2 3; do sleep 60 </dev/null >/dev/null 2>&1 & done"
inct $plain cat "$mnt/proc/user_beancounters" >"$it/in.live" || fail "CT $plain cannot read after the restart"
read -r after _ <<<"$(row "$it/in.live" $plain numproc)"
echo "CT $plain numproc held $before, then $after with three sleeps more"
[ "$after" -ge $((before + 2)) ] || fail "numproc held did not follow: $before -> $after"
# CTs $userns (at start) and $late (by bcfs): the view lies where their symlink leads
# inside them, nothing was made on the host.
for c in $userns $late; do
	[ -d "$it/private/$c/srv/itest-bcfsct-escape/itest-bcfsct/export" ] ||
		fail "CT $c's view is not below its own /srv: $(ls -la "$it/private/$c")"
done
[ ! -e /srv/itest-bcfsct-escape ] || fail "the view's directory was made on the host"
echo "after kill -9 and a restart of bcfs, every CT reads live numbers"

# --- a CT whose tree cannot have the view's directory (a file on the path) starts
# without one, with a note
vzctl stop $late >/dev/null 2>&1 || fail "stop of $late failed"
rm "$it/private/$late/vz" && echo "not a directory" >"$it/private/$late/vz"
vzctl start $late --wait >"$it/start.out" 2>&1 || fail "start of $late with a file on the path failed: $(cat "$it/start.out")"
grep -q "gets no counters view: $mnt cannot be a directory" "$it/start.out" ||
	fail "start with a file on the path said: $(cat "$it/start.out")"
n=$(views $late | wc -l)
[ "$n" -eq 0 ] || fail "CT $late has $n views with a file on the path"
echo "[$SECONDS s] a CT with a file on the view's path starts without a view"

# --- no bcfs at all: a CT starts with no view and no note
kill -TERM "$daemon"
for _ in $(seq 50); do kill -0 "$daemon" 2>/dev/null || break; sleep 0.1; done
kill -0 "$daemon" 2>/dev/null && fail "bcfs still runs after SIGTERM"
daemon=
grep -q " $mnt .* - fuse.bcfs " /proc/self/mountinfo && fail "bcfs left its mount at SIGTERM"
vzctl stop $plain >/dev/null 2>&1 || fail "stop of $plain failed"
vzctl start $plain --wait >"$it/start.out" 2>&1 || fail "start of $plain without bcfs failed: $(cat "$it/start.out")"
grep -q bcfs "$it/start.out" && fail "start without bcfs said: $(cat "$it/start.out")"
n=$(views $plain | wc -l)
[ "$n" -eq 0 ] || fail "CT $plain has a view without bcfs"
echo "[$SECONDS s] without bcfs a CT starts with no view"
