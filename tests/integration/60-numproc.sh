#!/bin/bash
# numproc 64 reaches pids.max at start: a fork bomb in the CT is refused past 64
# processes, the kernel counts each refusal, the host can still start processes, and
# the CT still stops in time.
set -u
. "$(dirname "$0")/common.bash"
need_ct_host
need_built tests/bctable

ctid=1060
ct_new $ctid numproc
vzctl set $ctid --numproc 64 --save >/dev/null || fail "set --numproc failed"
ct_probe $ctid
vzctl start $ctid --wait >"$it/start.out" 2>&1 || fail "start failed: $(tail -n 3 "$it/start.out")"

[ "$(cg_file $ctid pids.max)" = 64 ] || fail "pids.max is $(cg_file $ctid pids.max), not 64"
before=$(awk '$1 == "max" { print $2 }' "/sys/fs/cgroup/$parent/$ctid/pids.events")
out=$(vzctl exec2 $ctid ct-probe forks 300 </dev/null)
echo "fork bomb: $out"
read -r _ forked _ refused _ current <<<"$out"
after=$(awk '$1 == "max" { print $2 }' "/sys/fs/cgroup/$parent/$ctid/pids.events")
echo "pids.events max: $before -> $after"
[ "$refused" -gt 0 ] || fail "no fork was refused"
[ "$current" -le 64 ] || fail "the CT held $current processes with numproc 64"
[ $((forked + refused)) -eq 300 ] || fail "the probe made $forked and lost $refused of 300"
[ $((after - before)) -ge "$refused" ] ||
	fail "the kernel counted $((after - before)) refusals, the CT saw $refused"

# The table's numproc row: failcnt is the kernel's count, held within the limit.
r=$("$BUILD/tests/bctable" $ctid | awk '$1 == "numproc"')
echo "numproc row: $r"
read -r _ held maxheld bar lim failcnt _ <<<"$r"
[ "$failcnt" -eq "$after" ] || fail "numproc failcnt $failcnt, the kernel counted $after"
[ "$failcnt" -gt 0 ] && [ "$held" -le 64 ] && [ "$lim" -eq 64 ] || fail "numproc row: $r"
# The bomb stood at the limit, though no read saw it there.
[ "$maxheld" -eq 64 ] || fail "numproc maxheld $maxheld after a bomb refused at 64"

# The host is not affected: 100 processes start there.
pids=()
for i in $(seq 100); do
	sleep 30 &
	pids+=($!)
done
alive=0
for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=$((alive + 1)); done
kill "${pids[@]}" 2>/dev/null
wait 2>/dev/null
[ "$alive" -eq 100 ] || fail "only $alive of 100 host processes started"

# A bomb still running does not keep the CT from stopping within 10 s.
vzctl exec $ctid 'ct-probe forks 300 >/dev/null &' </dev/null
t0=$(date +%s%N)
vzctl stop $ctid >/dev/null 2>&1 || fail "stop failed"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
echo "stop took $ms ms"
[ "$ms" -lt 10000 ] || fail "stop took $ms ms"
echo "numproc 64: $refused forks refused, at most $current processes"
