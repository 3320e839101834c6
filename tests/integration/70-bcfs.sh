#!/bin/bash
# bcfs serves the counters export live: three running CTs (one with numproc 64 and a
# fork bomb) and a stopped one.  The files have OpenVZ's shape and modes, their numbers
# are the cgroup files' (read here), the bomb's refusals show as numproc's failcnt, each
# CT's own view holds its block alone (71-bcfs-ct.sh reads it inside CTs); locks a CT
# takes show in its numflock within a second and leave with their holder; 100
# concurrent readers for 10 s all get well-formed files; a killed daemon makes readers
# fail at once, and a restart (which detaches the dead mount) serves the same maxheld
# and failcnt as before and binds a view into each running CT.
set -u
. "$(dirname "$0")/common.bash"
need_ct_host
need_built bin/bcfs tests/ct-probe

need_fuse

cts="1071 1072 1073"
bomb=1073
stopped=1074
bcfs_host /vz/itest-bcfs itest-bcfs.slice
daemon=

cleanup() {
	[ -n "$daemon" ] && kill -9 "$daemon" 2>/dev/null
	"$BUILD/bin/bcfs" -u 2>/dev/null
	bcfs_kill_all "$mnt"
	ct_host_cleanup $cts $stopped
}
trap cleanup EXIT

ct_template
for c in $cts $stopped; do
	vzctl create $c --ostemplate busybox >/dev/null || fail "create of CT $c failed"
done
vzctl set $bomb --numproc 64 --save >/dev/null || fail "set --numproc failed"
ct_probe $bomb
for c in $cts; do
	vzctl start $c --wait >"$it/start.out" 2>&1 || fail "start of $c failed: $(tail -n 3 "$it/start.out")"
done

"$BUILD/bin/bcfs" -f >"$it/bcfs.log" 2>&1 &
daemon=$!
bcfs_serving
grep " $mnt " /proc/self/mountinfo
f=$mnt/proc/user_beancounters

# row FILE CTID RES: "held maxheld barrier limit failcnt" of the CT's row.
row() {
	awk -v id="$2:" -v r="$3" '$1 ~ /^[0-9]+:$/ { cur = $1; $1 = ""; $0 = $0 }
		cur == id && $1 == r { print $2, $3, $4, $5, $6 }' "$1"
}
# well_formed [ROWS] FILE...: every file is Version, header, then ROWS rows of 7 fields
# (a block's first, with its id) or 6, numbers only.  Prints the files it checked.
well_formed() {
	awk -v want="$1" '
		function num(from,   i) { for (i = from; i <= NF; i++) if ($i !~ /^[0-9]+$/) return 0; return 1 }
		function done_file() { if (files && (rows != want || bad_here)) { print FILENAME_prev ": malformed"; bad++ } }
		FNR == 1 { done_file(); files++; FILENAME_prev = FILENAME; rows = 0; bad_here = ($0 != "Version: 2.5"); next }
		FNR == 2 { if (NF != 7 || $1 != "uid" || $2 != "resource" || $7 != "failcnt") bad_here = 1; next }
		{ rows++ }
		NF == 7 && $1 ~ /^[0-9]+:$/ && $2 ~ /^[a-z]+$/ && num(3) { next }
		NF == 6 && $1 ~ /^[a-z]+$/ && num(2) { next }
		{ bad_here = 1 }
		END { done_file(); print files " files"; exit bad != 0 }' "${@:2}"
}

# --- shape: Version 2.5, 24 rows per running CT, none for the stopped one, the host's
# block 0: last (72-hostblock.sh tests its numbers)
cat "$f" >"$it/ubc" || fail "cannot read $f"
cat "$it/ubc"
well_formed 96 "$it/ubc" || fail "user_beancounters is not 4 blocks of 24 well-formed rows"
ids=$(awk '$1 ~ /^[0-9]+:$/ { printf "%s ", $1 }' "$it/ubc")
[ "$ids" = "1071: 1072: 1073: 0: " ] || fail "blocks '$ids', want 1071 1072 1073 0 (not $stopped)"
for c in $cts; do
	n=$(awk -v id="$c:" '$1 ~ /^[0-9]+:$/ { cur = $1 } cur == id' "$it/ubc" | wc -l)
	[ "$n" -eq 24 ] || fail "CT $c has $n rows, not 24"
done

# --- numbers: the cgroup files read here
for c in $cts; do
	cat "$f" >"$it/ubc.$c"
	pids=$(cg_file $c pids.current)
	mem=$(( $(cg_file $c memory.current) / 4096 ))
	read -r held _ <<<"$(row "$it/ubc.$c" $c numproc)"
	d=$((held - pids))
	[ ${d#-} -le 1 ] || fail "CT $c numproc held $held, pids.current $pids"
	read -r phys _ <<<"$(row "$it/ubc.$c" $c physpages)"
	d=$((phys - mem))
	[ $((${d#-} * 100)) -le $((mem * 5 + 100)) ] || fail "CT $c physpages held $phys, memory.current $mem pages"
	echo "CT $c: numproc $held (pids.current $pids), physpages $phys (memory.current $mem pages)"
done

# --- numflock: locks taken in a CT show in the file within a second (bcfs's reads share
# one reading of /proc/locks for that long) and leave with the process that held them
flocks_now() { cat "$f" >"$it/ubc.fl" && row "$it/ubc.fl" $bomb numflock | awk '{ print $1 }'; }
# until_flocks WANT: polls the file, 3 s at most; prints within how long it saw WANT.
until_flocks() {
	local i
	for i in $(seq 30); do
		[ "$(flocks_now)" = "$1" ] && { echo "$((i * 100)) ms"; return 0; }
		sleep 0.1
	done
	return 1
}
base=$(flocks_now)
probe_bg $bomb load load 5
took=$(until_flocks $((base + 5))) || fail "numflock $(flocks_now), not $((base + 5)), 3 s after 5 flocks"
echo "numflock $base -> $((base + 5)) within $took of the locks"
for p in $(cat "/sys/fs/cgroup/$parent/$bomb/cgroup.procs"); do
	[ "$(cat "/proc/$p/comm" 2>/dev/null)" = ct-probe ] && kill "$p"
done
took=$(until_flocks "$base") || fail "numflock $(flocks_now), not $base, 3 s after the holder ended"
echo "numflock back to $base within $took of the holder's end"

# --- the fork bomb: numproc's failcnt is the kernel's count of refusals
read -r _ _ _ _ before <<<"$(row "$it/ubc" $bomb numproc)"
out=$(vzctl exec2 $bomb ct-probe forks 300 </dev/null)
echo "fork bomb: $out"
cat "$f" >"$it/ubc.bomb"
events=$(awk '$1 == "max" { print $2 }' "/sys/fs/cgroup/$parent/$bomb/pids.events")
read -r _ maxheld bar lim failcnt <<<"$(row "$it/ubc.bomb" $bomb numproc)"
echo "numproc of $bomb: maxheld $maxheld barrier $bar limit $lim failcnt $before -> $failcnt (pids.events max $events)"
[ "$failcnt" -gt "$before" ] || fail "numproc failcnt did not grow: $before -> $failcnt"
[ "$failcnt" -eq "$events" ] || fail "numproc failcnt $failcnt, pids.events max $events"
[ "$bar" -eq 64 ] && [ "$lim" -eq 64 ] || fail "numproc barrier:limit $bar:$lim, not 64:64"

# --- each CT's own files
cat "$mnt/proc/bc/$bomb/resources" >"$it/bc.res" || fail "no proc/bc/$bomb/resources"
[ "$(wc -l <"$it/bc.res")" -eq 21 ] || fail "proc/bc/$bomb/resources has $(wc -l <"$it/bc.res") rows, not 21"
awk 'NF != 6 || $1 == "dummy" || /:/ { exit 1 }' "$it/bc.res" || fail "proc/bc/$bomb/resources: rows with ids or dummies"
[ "$(awk '$1 == "numproc" { print $4, $5 }' "$it/bc.res")" = "64 64" ] || fail "proc/bc/$bomb/resources is not CT $bomb's"
[ "$(awk '{ print $1 }' "$it/bc.res" | tr '\n' ' ')" = \
  "$(awk '$1 ~ /^[0-9]+:$/ { $1 = ""; $0 = $0 } NR > 2 && $1 != "dummy" { print $1 }' "$it/ubc" | head -n 20 | tr '\n' ' ')swappages " ] ||
	fail "proc/bc/$bomb/resources rows are not the kernel's order with swappages last"
cat "$mnt/ct/$bomb/proc/user_beancounters" >"$it/ct.ubc" || fail "no ct/$bomb/proc/user_beancounters"
well_formed 24 "$it/ct.ubc" || fail "ct/$bomb/proc/user_beancounters is not one well-formed block"
[ "$(awk '$1 ~ /^[0-9]+:$/' "$it/ct.ubc" | cut -c1-11)" = "      $bomb:" ] ||
	fail "ct/$bomb/proc/user_beancounters shows other CTs"
[ "$(awk '{ print $1 }' "$mnt/ct/$bomb/proc/vz/veinfo")" = "$bomb" ] ||
	fail "ct/$bomb/proc/vz/veinfo: $(cat "$mnt/ct/$bomb/proc/vz/veinfo")"
# OpenVZ's in-CT /proc: no bc/ (systemd tells the host by it), no vswap.
[ "$(ls "$mnt/ct/$bomb" "$mnt/ct/$bomb/proc" "$mnt/ct/$bomb/proc/vz" | tr '\n' ' ')" = \
  "$mnt/ct/$bomb: proc  $mnt/ct/$bomb/proc: user_beancounters vz  $mnt/ct/$bomb/proc/vz: veinfo " ] ||
	fail "a CT's view holds: $(ls -R "$mnt/ct/$bomb")"
[ ! -e "$mnt/proc/bc/$stopped" ] || fail "proc/bc/$stopped exists for a stopped CT"
[ "$(wc -l <"$mnt/ct/$stopped/proc/user_beancounters")" -eq 2 ] || fail "a stopped CT's view has a block"
[ "$(wc -c <"$mnt/ct/$stopped/proc/vz/veinfo")" -eq 0 ] || fail "a stopped CT's veinfo has a line"
[ "$(ls "$mnt/proc/bc" | tr '\n' ' ')" = "1071 1072 1073 resources " ] || fail "proc/bc lists $(ls "$mnt/proc/bc")"
[ "$(awk '{ print $1 }' "$mnt/proc/vz/veinfo" | tr '\n' ' ')" = "1071 1072 1073 0 " ] || fail "veinfo: $(cat "$mnt/proc/vz/veinfo")"
[ "$(cat "$mnt/proc/vz/vswap")" = "Version: 1.0" ] || fail "vswap: $(cat "$mnt/proc/vz/vswap")"
well_formed 84 "$mnt/proc/bc/resources" || fail "proc/bc/resources is not 4 blocks of 21 rows"

# --- modes as OpenVZ's: files 0400, directories 0500, root's
for p in proc/user_beancounters proc/bc/resources proc/bc/$bomb/resources proc/vz/veinfo \
	proc/vz/vswap ct/$bomb/proc/user_beancounters ct/$bomb/proc/vz/veinfo; do
	[ -f "$mnt/$p" ] && [ "$(stat -c '%a %u %g' "$mnt/$p")" = "400 0 0" ] ||
		fail "$p: $(stat -c '%a %u %g %F' "$mnt/$p")"
done
for p in "" proc proc/bc proc/bc/$bomb proc/vz ct ct/$bomb ct/$bomb/proc ct/$bomb/proc/vz; do
	[ -d "$mnt/$p" ] && [ "$(stat -c '%a %u %g' "$mnt/$p")" = "500 0 0" ] ||
		fail "${p:-/}: $(stat -c '%a %u %g %F' "$mnt/$p")"
done
if command -v setpriv >/dev/null; then
	setpriv --reuid 65534 --regid 65534 --clear-groups cat "$f" >/dev/null 2>&1 &&
		fail "a user other than root read $f"
fi
echo "shape, numbers and modes as expected"

# --- 100 concurrent readers for 10 s
t0=${EPOCHREALTIME/./}
for _ in $(seq 10); do cat "$f" >/dev/null || fail "a read failed"; done
echo "10 reads one after the other: $(( (${EPOCHREALTIME/./} - t0) / 10000 )) ms each"
rd=$it/readers
mkdir -p "$rd"
# Each reader reads for 10 s from its own start (starting 100 shells takes a while
# in an emulated guest), at least once.
reader() {
	local n=$1 i=0 end=$((EPOCHSECONDS + 10))
	while [ $i -eq 0 ] || [ "$EPOCHSECONDS" -lt "$end" ]; do
		i=$((i + 1))
		cat "$f" >"$rd/$n.$i" || : >"$rd/failed.$n.$i"
	done
}
t0=$EPOCHSECONDS
rpids=()
for n in $(seq 100); do
	reader "$n" &
	rpids+=($!)
done
wait "${rpids[@]}"
echo "the readers ran $((EPOCHSECONDS - t0)) s"
ls "$rd"/failed.* >/dev/null 2>&1 && fail "reads failed: $(ls "$rd" | grep -c failed)"
for n in $(seq 100); do
	[ -e "$rd/$n.1" ] || fail "reader $n got no file in 10 s"
done
checked=$(well_formed 96 "$rd"/*) || fail "malformed reads: $(echo "$checked" | head -n 5)"
echo "100 readers for 10 s: $checked, all well-formed"
rm -rf "$rd"

# --- a killed daemon: readers fail at once, a restart serves the same counters
cat "$f" >"$it/ubc.before"
kill -9 "$daemon"
wait "$daemon" 2>/dev/null
daemon=
t0=${EPOCHREALTIME/./}
timeout 5 cat "$f" >/dev/null 2>"$it/dead.err"
rc=$?
ms=$(( (${EPOCHREALTIME/./} - t0) / 1000 ))
echo "read of a dead mount: status $rc after $ms ms: $(cat "$it/dead.err")"
[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] || fail "a read of the dead mount gave status $rc"
[ "$ms" -lt 4000 ] || fail "a read of the dead mount took $ms ms"
grep -q 'not connected' "$it/dead.err" || fail "the dead mount said: $(cat "$it/dead.err")"

# This time as a daemon: bcfs returns once it serves.
"$BUILD/bin/bcfs" >"$it/bcfs.log" 2>&1 || fail "bcfs did not start again: $(cat "$it/bcfs.log")"
bcfs_serving
daemon=$(bcfs_pids)
[ -n "$daemon" ] || fail "no bcfs process after it daemonized"
[ "$(grep -c " $mnt .* - fuse.bcfs " /proc/self/mountinfo)" -eq 1 ] ||
	fail "the dead mount was not detached: $(grep " $mnt " /proc/self/mountinfo)"
cat "$f" >"$it/ubc.after" || fail "cannot read $f after the restart"
well_formed 96 "$it/ubc.after" || fail "malformed after the restart"
read -r _ m1 _ _ f1 <<<"$(row "$it/ubc.before" $bomb numproc)"
read -r _ m2 _ _ f2 <<<"$(row "$it/ubc.after" $bomb numproc)"
echo "numproc of $bomb before the kill: maxheld $m1 failcnt $f1; after the restart: maxheld $m2 failcnt $f2"
[ "$m1" = "$m2" ] && [ "$f1" = "$f2" ] || fail "numproc maxheld/failcnt changed across the restart"
# No row's maxheld or failcnt went back.
for r in $(awk 'NR > 2 { n = ($1 ~ /:$/) ? $2 : $1 } NR > 2 && n != "dummy" { print n }' "$it/ubc.before" | sort -u); do
	for c in $cts; do
		read -r _ a _ _ fa <<<"$(row "$it/ubc.before" $c "$r")"
		read -r _ b _ _ fb <<<"$(row "$it/ubc.after" $c "$r")"
		[ "$b" -ge "$a" ] && [ "$fb" -ge "$fa" ] || fail "CT $c $r went back: maxheld $a -> $b, failcnt $fa -> $fb"
	done
done

# The restarted daemon bound a view into each running CT (CTs started before any bcfs ran).
for i in $(seq 40); do
	vzctl exec2 $bomb cat "$mnt/proc/user_beancounters" </dev/null >"$it/view" 2>/dev/null && break
	[ "$i" -lt 40 ] || fail "CT $bomb has no view 20 s after bcfs started"
	sleep 0.5
done
well_formed 24 "$it/view" || fail "CT $bomb's view is not its block"
# bcfs -u detaches the host's mount; the daemon keeps serving the views bound into the
# running CTs, until SIGTERM ends it.
"$BUILD/bin/bcfs" -u || fail "bcfs -u failed"
grep -q " $mnt .* - fuse.bcfs " /proc/self/mountinfo && fail "bcfs -u left the mount"
vzctl exec2 $bomb cat "$mnt/proc/user_beancounters" </dev/null >"$it/view" ||
	fail "CT $bomb lost its view with the host's mount"
kill -TERM "$daemon"
for _ in $(seq 50); do
	kill -0 "$daemon" 2>/dev/null || break
	sleep 0.1
done
kill -0 "$daemon" 2>/dev/null && fail "the daemon still runs after SIGTERM"
daemon=
timeout 5 vzctl exec2 $bomb cat "$mnt/proc/user_beancounters" </dev/null >/dev/null 2>&1 &&
	fail "CT $bomb read its view after the daemon ended"
echo "bcfs served through load, a kill and a restart"
