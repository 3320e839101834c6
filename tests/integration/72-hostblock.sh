#!/bin/bash
# The host's block `0:` in bcfs: proc/user_beancounters, proc/bc/resources and
# proc/vz/veinfo end with it, as OpenVZ's host files did, and a CT's own view has none.
# Its limits and barriers are 9223372036854775807 and its failcnts 0; its numproc is the
# system's threads less the CTs' (counted here from /proc and the parent's
# pids.current), its physpages above 0; threads started on the host raise its numproc
# and its maxheld stays when they are gone.
set -u
. "$(dirname "$0")/common.bash"
need_ct_host
need_built bin/bcfs

need_fuse

cts="1081 1082"
bcfs_host /vz/itest-hostbc itest-hostbc.slice
daemon=
sleepers=()

cleanup() {
	[ ${#sleepers[@]} -gt 0 ] && kill "${sleepers[@]}" 2>/dev/null
	[ -n "$daemon" ] && kill "$daemon" 2>/dev/null && wait "$daemon" 2>/dev/null
	"$BUILD/bin/bcfs" -u 2>/dev/null
	ct_host_cleanup $cts
}
trap cleanup EXIT

ct_template
for c in $cts; do
	vzctl create $c --ostemplate busybox >/dev/null || fail "create of CT $c failed"
	vzctl start $c --wait >"$it/start.out" 2>&1 || fail "start of $c failed: $(tail -n 3 "$it/start.out")"
done

"$BUILD/bin/bcfs" -f >"$it/bcfs.log" 2>&1 &
daemon=$!
bcfs_serving
f=$mnt/proc/user_beancounters
cat "$f" >"$it/ubc" || fail "bcfs does not serve $f: $(cat "$it/bcfs.log")"

# ids FILE: the ids of the blocks, in order.
ids() { awk '$1 ~ /^[0-9]+:$/ { printf "%s ", $1 }' "$1"; }
# block FILE ID: the rows of one block, the id taken off its first row.
block() {
	awk -v id="$2:" '$1 ~ /^[0-9]+:$/ { cur = $1; $1 = ""; $0 = $0 } cur == id' "$1"
}
# host_threads: every thread of the system less the CTs' (the parent's pids.current).
host_threads() {
	local n
	n=$(ls -d /proc/[0-9]*/task/[0-9]* 2>/dev/null | wc -l)
	echo $((n - $(cat "/sys/fs/cgroup/$parent/pids.current")))
}

# --- where: last in the host's files, absent from a CT's own view
[ "$(ids "$it/ubc")" = "1081: 1082: 0: " ] || fail "user_beancounters blocks: $(ids "$it/ubc")"
block "$it/ubc" 0 >"$it/host"
cat "$it/host"
[ "$(wc -l <"$it/host")" -eq 24 ] || fail "the host's block has $(wc -l <"$it/host") rows, not 24"
cat "$mnt/proc/bc/resources" >"$it/res" || fail "cannot read proc/bc/resources"
[ "$(ids "$it/res")" = "1081: 1082: 0: " ] || fail "bc/resources blocks: $(ids "$it/res")"
[ "$(block "$it/res" 0 | wc -l)" -eq 21 ] || fail "bc/resources: the host's block is not 21 rows"
[ "$(block "$it/res" 0 | tail -n 1 | awk '{ print $1 }')" = swappages ] ||
	fail "bc/resources: the host's block does not end with swappages"
[ "$(awk '{ printf "%s ", $1 }' "$mnt/proc/vz/veinfo")" = "1081 1082 0 " ] ||
	fail "veinfo: $(cat "$mnt/proc/vz/veinfo")"
# A CT's view (its user_beancounters and veinfo, wherever under ct/<id> they are).
for c in $cts; do
	n=0
	for v in "$mnt/ct/$c/proc/user_beancounters" "$mnt/ct/$c/user_beancounters"; do
		[ -e "$v" ] || continue
		n=$((n + 1))
		[ "$(ids "$v")" = "$c: " ] || fail "${v#$mnt/} has blocks $(ids "$v")"
	done
	[ $n -gt 0 ] || fail "no user_beancounters under ct/$c: $(find "$mnt/ct/$c")"
	v=$mnt/ct/$c/proc/vz/veinfo
	[ ! -e "$v" ] || [ "$(awk '{ printf "%s ", $1 }' "$v")" = "$c " ] || fail "${v#$mnt/}: $(cat "$v")"
done
[ ! -e "$mnt/proc/bc/0" ] || fail "proc/bc/0 exists"

# --- values: nothing limits the host; held where the kernel gives it
awk '$1 != "dummy" && ($4 != 9223372036854775807 || $5 != 9223372036854775807 || $6 != 0) { bad = 1; print "bad row: " $0 }
	$1 != "dummy" && $3 < $2 { bad = 1; print "maxheld below held: " $0 }
	END { exit bad }' "$it/host" || fail "the host's rows are not unlimited with failcnt 0 and maxheld >= held"
before=$(host_threads)
cat "$f" >"$it/ubc2"
after=$(host_threads)
read -r held _ <<<"$(block "$it/ubc2" 0 | awk '$1 == "numproc" { print $2, $3 }')"
lo=$((before < after ? before : after))
hi=$((before > after ? before : after))
echo "host numproc $held; threads outside CTs counted here: $before, $after"
[ "$held" -ge $((lo * 8 / 10 - 5)) ] && [ "$held" -le $((hi * 12 / 10 + 5)) ] ||
	fail "host numproc $held, threads outside CTs $before..$after"
phys=$(block "$it/ubc2" 0 | awk '$1 == "physpages" { print $2 }')
echo "host physpages $phys"
[ "$phys" -gt 0 ] || fail "host physpages $phys"

# --- maxheld: 40 more threads on the host raise numproc; gone, maxheld stays
for _ in $(seq 40); do
	sleep 600 &
	sleepers+=($!)
done
cat "$f" >"$it/ubc3"
read -r up max_up <<<"$(block "$it/ubc3" 0 | awk '$1 == "numproc" { print $2, $3 }')"
kill "${sleepers[@]}" 2>/dev/null
wait "${sleepers[@]}" 2>/dev/null
sleepers=()
cat "$f" >"$it/ubc4"
read -r down max_down <<<"$(block "$it/ubc4" 0 | awk '$1 == "numproc" { print $2, $3 }')"
echo "host numproc with 40 sleepers: held $up maxheld $max_up; after: held $down maxheld $max_down"
[ "$up" -ge $((held + 30)) ] || fail "40 host threads raised numproc from $held to $up only"
[ "$down" -lt "$up" ] || fail "numproc held $down after the sleepers ended, $up with them"
[ "$max_down" -ge "$up" ] || fail "numproc maxheld went back: $max_up -> $max_down (held $up)"
[ -s "$it/run/0.bcstate" ] || fail "no $it/run/0.bcstate"
grep -q "^boot $(cat /proc/sys/kernel/random/boot_id)\$" "$it/run/0.bcstate" ||
	fail "0.bcstate is not this boot's: $(head -n 1 "$it/run/0.bcstate")"
echo "the host's block: last, unlimited, numproc and physpages as the kernel counts them"
