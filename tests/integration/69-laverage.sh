#!/bin/bash
# vzlist's laverage of running CTs, sampled every 5 s by each CT's monitor
# (core/acct/sampler.c) with the kernel's moving averages over the CT's threads in state R
# or D: a CT running 2 spinners for 45 s shows a 1-minute average above a bound taken
# from the average itself (2 * (1 - e^(-t/60)), halved, for a slow and noisy guest),
# rising averages in order 1 > 5 > 15 minutes, and more than an idle CT, which stays
# below 0.5; columns (a/b/c) and JSON ([a, b, c]) agree; -s laverage sorts by it with
# the stopped CT first.  A stopped CT shows "-" and null.  The file the monitor
# publishes is believed only for the run it names.  vzctl stop leaves no file.
set -u
. "$(dirname "$0")/common.bash"
need_ct_host
need_built bin/vzlist tests/ct-probe
command -v python3 >/dev/null || skip "python3 is not installed"

busy=1690 idle=1691 down=1692
mon=
ct_host /vz/itest-laverage itest-laverage.slice
trap "[ -n \"\$mon\" ] && kill -CONT \$mon 2>/dev/null; ct_host_cleanup $busy $idle $down" EXIT
vzlist() { "$BUILD/bin/vzlist" "$@"; }
la_of() { vzlist -H -o laverage "$1" | tr -d ' '; }
# How many spinners of ct-probe run in the CT.
spinners() {
	local p n=0
	for p in $(cat "/sys/fs/cgroup/$parent/$1/cgroup.procs"); do
		[ "$(cat "/proc/$p/comm" 2>/dev/null)" = ct-probe ] && n=$((n + 1))
	done
	echo $n
}

ct_template
for c in $busy $idle $down; do
	vzctl create $c --ostemplate busybox >/dev/null || fail "create $c failed"
done
ct_probe $busy
for c in $busy $idle; do
	vzctl start $c --wait >"$it/start.out" 2>&1 || fail "start $c failed: $(tail -n 3 "$it/start.out")"
done

vzctl exec $busy "ct-probe spin 300 >/dev/null 2>&1 & ct-probe spin 300 >/dev/null 2>&1 &" </dev/null ||
	fail "starting the spinners failed"
for _ in $(seq 50); do
	[ "$(spinners $busy)" -eq 2 ] && break
	sleep 0.2
done
[ "$(spinners $busy)" -eq 2 ] || fail "$(spinners $busy) spinners run in CT $busy, not 2"
t0=$SECONDS
echo "2 spinners run in CT $busy after ${SECONDS}s"

# The file of a running CT names its run: init's pid and start time.
for _ in $(seq 40); do
	[ -e "$it/run/$busy.loadavg" ] && break
	sleep 0.5
done
[ -e "$it/run/$busy.loadavg" ] || fail "no $it/run/$busy.loadavg 20 s after the start"
init=$(cat "$it/run/$busy.pid")
start=$(awk '{ sub(/.*\) /, ""); print $20 }' "/proc/$init/stat")
head -n 1 "$it/run/$busy.loadavg" | grep -qx "run $init $start" ||
	fail "the file names '$(head -n 1 "$it/run/$busy.loadavg")', not 'run $init $start'"

[ $((SECONDS - t0)) -ge 45 ] || sleep $((45 - (SECONDS - t0)))
t=$((SECONDS - t0))
vzlist -a -H -o ctid,laverage >"$it/cols" || fail "vzlist -o laverage failed"
vzlist -a -j -o ctid,laverage >"$it/json" || fail "vzlist -j failed"
# The rest needs no load, and the guest's CPUs are better free.
for p in $(cat "/sys/fs/cgroup/$parent/$busy/cgroup.procs"); do
	[ "$(cat "/proc/$p/comm" 2>/dev/null)" = ct-probe ] && kill "$p"
done
cat "$it/cols"
# The last sample may be 5 s old and the first one came up to 5 s after the spinners.
bound=$(awk -v t=$t 'BEGIN { printf "%.2f", 0.5 * 2 * (1 - exp(-(t - 10) / 60)) }')
echo "after $t s of 2 spinners: the 1-minute average must exceed $bound"

python3 - "$it/cols" "$it/json" "$busy" "$idle" "$down" "$bound" <<'EOF' || fail "laverage is wrong"
import json, sys

busy, idle, down = (int(a) for a in sys.argv[3:6])
bound = float(sys.argv[6])
cols = {int(l.split()[0]): l.split()[1] for l in open(sys.argv[1]) if l.strip()}
js = {ct["ctid"]: ct["laverage"] for ct in json.load(open(sys.argv[2]))}
errors = []

def check(ok, what):
    if not ok:
        errors.append(what)

def parse(col):
    return [float(x) for x in col.split("/")]

check(sorted(cols) == [busy, idle, down], "columns list %s" % sorted(cols))
check(cols.get(down) == "-", "stopped CT: '%s'" % cols.get(down))
check(js.get(down, 0) is None, "stopped CT in JSON: %s" % js.get(down, 0))
for c in (busy, idle):
    col, arr = cols.get(c, "-"), js.get(c)
    check(col != "-" and isinstance(arr, list) and len(arr) == 3, "%s: '%s' / %s" % (c, col, arr))
    if errors:
        continue
    check(len(col.split("/")) == 3 and all(len(x.split(".")[1]) == 2 for x in col.split("/")),
          "%s: column '%s' is not a/b/c with 2 decimals" % (c, col))
    # Two reads a moment apart: a tick may fall between them.
    check(all(abs(a - b) <= 0.3 for a, b in zip(parse(col), arr)), "%s: '%s' / %s" % (c, col, arr))
if not errors:
    b, i = parse(cols[busy]), parse(cols[idle])
    check(b[0] > bound, "busy 1-minute %.2f is not above %.2f" % (b[0], bound))
    check(b[0] > b[1] > b[2] > 0, "busy averages not rising in order: %s" % b)
    check(b[0] <= 2.5, "busy 1-minute %.2f is more than 2 spinners give" % b[0])
    check(i[0] < 0.5, "idle 1-minute %.2f" % i[0])
    check(b[0] > i[0] + 0.3, "busy %.2f not clearly above idle %.2f" % (b[0], i[0]))
for e in errors:
    print("mismatch:", e)
sys.exit(1 if errors else 0)
EOF

order=$(vzlist -a -H -s laverage -o ctid | tr -d ' ' | tr '\n' ' ')
[ "$order" = "$down $idle $busy " ] || fail "-s laverage gave '$order', not '$down $idle $busy'"
order=$(vzlist -a -H -s -laverage -o ctid | tr -d ' ' | tr '\n' ' ')
[ "$order" = "$busy $idle $down " ] || fail "-s -laverage gave '$order', not '$busy $idle $down'"

# With the idle CT's monitor held still, the file is read only for the run it names.
init=$(cat "$it/run/$idle.pid")
mon=$(awk '{ sub(/.*\) /, ""); print $2 }' "/proc/$init/stat")
[ "$(cat "/proc/$mon/comm")" = "vzmon $idle" ] || fail "the init's parent is not the monitor"
kill -STOP "$mon"
start=$(awk '{ sub(/.*\) /, ""); print $20 }' "/proc/$init/stat")
now=$(awk '{ printf "%d", $1 }' /proc/uptime)
printf 'run %s %s\nat %s\nload 4096 2048 1024\n' "$init" "$((start + 1))" "$now" >"$it/run/$idle.loadavg"
[ "$(la_of $idle)" = - ] || fail "a file about another run of the CT was believed: $(la_of $idle)"
printf 'run %s %s\nat %s\nload 4096 2048 1024\n' "$init" "$start" "$((now - 60))" >"$it/run/$idle.loadavg"
[ "$(la_of $idle)" = - ] || fail "a file 60 s old was believed: $(la_of $idle)"
printf 'run %s %s\nat %s\nload 4096 2048 1024\n' "$init" "$start" "$now" >"$it/run/$idle.loadavg"
[ "$(la_of $idle)" = 2.00/1.00/0.50 ] || fail "the current file shows '$(la_of $idle)', not 2.00/1.00/0.50"
kill -CONT "$mon"
for _ in $(seq 40); do
	[ "$(la_of $idle)" != 2.00/1.00/0.50 ] && break
	sleep 0.5
done
[ "$(la_of $idle)" != 2.00/1.00/0.50 ] || fail "the monitor did not write the file again"

# stop waits for the monitor, which takes its file with it.
for c in $busy $idle; do
	vzctl stop $c >/dev/null || fail "stop $c failed"
	[ ! -e "$it/run/$c.loadavg" ] || fail "stop left $it/run/$c.loadavg"
done
left=$(ls "$it/run" | grep loadavg)
[ -z "$left" ] || fail "left in RUNDIR: $left"
[ "$(la_of $busy)" = - ] || fail "stopped CT $busy shows '$(la_of $busy)'"
echo "ok: busy $(awk -v c=$busy '$1 == c { print $2 }' "$it/cols"), idle $(awk -v c=$idle '$1 == c { print $2 }' "$it/cols") (${SECONDS}s)"
