#!/bin/bash
# cpulimit and cpuunits reach cpu.max and cpu.weight at start: a spinner in a CT with
# cpulimit 50 gets at most 55 % of a CPU, and two CTs sharing one CPU with cpuunits 1000
# and 3000 split it 1:3 within 15 %.  The time is read from each CT's cpu.stat.
set -u
. "$(dirname "$0")/common.bash"
need_ct_host

ct_host /vz/itest-cpu itest-cpu.slice
trap "ct_host_cleanup 1063 1064 1065" EXIT

usage() { awk '$1 == "usage_usec" { print $2 }' "/sys/fs/cgroup/$parent/$1/cpu.stat"; }

ct_template
for c in 1063 1064 1065; do
	vzctl create $c --ostemplate busybox >/dev/null || fail "create $c failed"
	ct_probe $c
done
vzctl set 1063 --cpulimit 50 --save >/dev/null || fail "set --cpulimit failed"
vzctl set 1064 --cpuunits 1000 --cpumask 0 --save >/dev/null || fail "set 1064 failed"
vzctl set 1065 --cpuunits 3000 --cpumask 0 --save >/dev/null || fail "set 1065 failed"
for c in 1063 1064 1065; do
	vzctl start $c --wait >"$it/start.out" 2>&1 || fail "start $c failed: $(tail -n 3 "$it/start.out")"
done
[ "$(cg_file 1063 cpu.max)" = "50000 100000" ] || fail "cpu.max is $(cg_file 1063 cpu.max)"
[ "$(cg_file 1064 cpu.weight)" = 100 ] || fail "cpu.weight of 1064 is $(cg_file 1064 cpu.weight)"
[ "$(cg_file 1065 cpu.weight)" = 300 ] || fail "cpu.weight of 1065 is $(cg_file 1065 cpu.weight)"
[ "$(cg_file 1065 cpuset.cpus)" = 0 ] || fail "cpuset.cpus of 1065 is $(cg_file 1065 cpuset.cpus)"

u0=$(usage 1063)
vzctl exec2 1063 ct-probe spin 3 </dev/null || fail "spin failed"
share=$(( ($(usage 1063) - u0) / 30000 ))
echo "cpulimit 50: the spinner got $share % of a CPU over 3 s"
[ "$share" -le 55 ] || fail "cpulimit 50 let the spinner have $share %"
[ "$share" -ge 25 ] || fail "the spinner got only $share %: it did not run"

a0=$(usage 1064)
b0=$(usage 1065)
vzctl exec2 1064 ct-probe spin 8 </dev/null &
vzctl exec2 1065 ct-probe spin 8 </dev/null &
wait
a=$(( $(usage 1064) - a0 ))
b=$(( $(usage 1065) - b0 ))
ratio=$(( b * 100 / a ))
echo "cpuunits 1000 : 3000 on one CPU: $a us : $b us (ratio $ratio/100)"
[ "$ratio" -ge 255 ] && [ "$ratio" -le 345 ] || fail "the split is $ratio/100, not 3 within 15 %"
