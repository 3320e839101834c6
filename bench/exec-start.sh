#!/bin/bash
# Getting into a CT and starting one, against the nearest peers, on the same rootfs:
#
#   exec   `vzctl exec CT true` against `nsenter -t <init> -a true` into the same CT
#          (the baseline) and `lxc-attach -n CT -- true` into an LXC container
#   start  `vzctl start CT` (returns once the CT's /sbin/init runs) against `lxc-start`
#          (the baseline; daemonized, returns once the container is RUNNING)
#
#   bench/exec-start.sh [EXEC_RUNS [START_RUNS [WARMUP]]]      (100, 15, 5)
#
# Runs as root on a pure cgroup v2 host: in the test guest, through bench/run.sh (or
# `make bench`).  BUILD names the built tools; VZ_BENCH_LXC the root of an unpacked
# Debian lxc (bench/fetch-lxc.sh; without it the LXC rows are left out); VZ_BENCH_BASE,
# when set, the build directory of another version of the project (bench/build-base.sh),
# whose vzctl exec and vzctl start are timed in the same rounds, as rows of their own: a
# change is measured against what it changed, on the same machine in the same run.
#
# Both CTs come from the busybox template: the vzctl CT is created from it, the LXC
# container's rootfs is the same tarball unpacked again.  The LXC config gives it what
# vzctl gives its CT: new pid, mount, uts, ipc, net (loopback only) and cgroup
# namespaces, proc, read-only sys and cgroup2, a tmpfs /dev with the same devices
# allowed by a device program, a devpts of its own, tmpfs /dev/shm and /run, and the
# same capability bounding set (vzctl's default, core/model/caps.c); no AppArmor profile
# (vzctl has none) and LXC's default seccomp profile (common.seccomp; vzctl's filter
# refuses that list and more).  Both bounding sets are printed.
#
# Each round runs every command of a benchmark once, in turn, so that a slow spell of
# the machine falls on all of them alike; each command's stdin, stdout and stderr are
# /dev/null.  Times are wall clock around the command (fork and exec included, as a
# user sees them).  Prints, per command, the runs, the median in ms and its ratio to
# the baseline's median; nothing is asserted.
set -u
# shellcheck source=tests/integration/common.bash
. "$(dirname "$0")/../tests/integration/common.bash"

exec_runs=${1:-100}
start_runs=${2:-15}
warmup=${3:-5}
usage() { echo "usage: $0 [EXEC_RUNS [START_RUNS [WARMUP]]] (runs at least 1)" >&2; exit 2; }
for n in "$exec_runs" "$start_runs" "$warmup"; do
	case $n in '' | *[!0-9]*) usage ;; esac
done
{ [ "$exec_runs" -ge 1 ] && [ "$start_runs" -ge 1 ]; } || usage
need_ct_host
command -v nsenter >/dev/null || skip "no nsenter (util-linux)"

ctid=1100
lxc_name=bench
ct_host /vz/bench bench.slice
out=$it/times
mkdir -p "$out"
err=$it/errors.log

base_build=${VZ_BENCH_BASE:-}
if [ -n "$base_build" ] && [ ! -x "$base_build/bin/vzctl" ]; then
	echo "bench: no $base_build/bin/vzctl (VZ_BENCH_BASE); the base rows are left out" >&2
	base_build=''
fi
# shellcheck source=bench/lxc.bash
. "$(dirname "$0")/lxc.bash"
trap bench_cleanup EXIT

# The busybox CT for vzctl and an LXC container of the same tarball.
ct_template
vzctl create $ctid --ostemplate busybox --hostname bench-vz >/dev/null || fail "vzctl create failed"
if [ $lxc = 1 ]; then
	mkdir -p "$lxcpath/$lxc_name/rootfs" "$lxcpath/rootfs-mount"
	tar -xzf "$it/template/cache/busybox.tar.gz" -C "$lxcpath/$lxc_name/rootfs" ||
		fail "cannot unpack the template for LXC"
	printf '%s\n' >"$lxcpath/$lxc_name/config" \
		"lxc.uts.name = bench-lxc" \
		"lxc.rootfs.path = dir:$lxcpath/$lxc_name/rootfs" \
		"lxc.rootfs.mount = $lxcpath/rootfs-mount" \
		"lxc.init.cmd = /sbin/init" \
		"lxc.net.0.type = empty" \
		"lxc.apparmor.profile = unconfined" \
		"lxc.seccomp.profile = $lxc_root/usr/share/lxc/config/common.seccomp" \
		"lxc.mount.auto = proc:mixed sys:ro cgroup:ro" \
		"lxc.mount.entry = tmpfs dev/shm tmpfs rw,nosuid,nodev,create=dir 0 0" \
		"lxc.mount.entry = tmpfs run tmpfs rw,nosuid,nodev,mode=0755 0 0" \
		"lxc.autodev = 1" \
		"lxc.pty.max = 255" \
		"lxc.tty.max = 0" \
		"lxc.console.path = none" \
		"lxc.cap.keep = chown dac_override fowner fsetid kill setgid setuid" \
		"lxc.cap.keep = setpcap linux_immutable net_bind_service net_broadcast net_admin" \
		"lxc.cap.keep = net_raw ipc_lock ipc_owner sys_chroot sys_nice" \
		"lxc.cap.keep = sys_resource sys_tty_config lease audit_write setfcap" \
		"lxc.cgroup2.devices.deny = a" \
		"lxc.cgroup2.devices.allow = c 1:3 rwm" \
		"lxc.cgroup2.devices.allow = c 1:5 rwm" \
		"lxc.cgroup2.devices.allow = c 1:7 rwm" \
		"lxc.cgroup2.devices.allow = c 1:8 rwm" \
		"lxc.cgroup2.devices.allow = c 1:9 rwm" \
		"lxc.cgroup2.devices.allow = c 5:0 rwm" \
		"lxc.cgroup2.devices.allow = c 5:1 rwm" \
		"lxc.cgroup2.devices.allow = c 5:2 rwm" \
		"lxc.cgroup2.devices.allow = c 136:* rwm" \
		"lxc.log.file = $lxcpath/$lxc_name.log" \
		"lxc.log.level = ERROR"
fi

start_all() {
	vzctl start $ctid --wait >/dev/null 2>>"$err" || fail "vzctl start failed: $(tail -n 2 "$err")"
	[ $lxc = 1 ] && lxc_tried=1
	if [ $lxc = 1 ] && ! lxc_cmd start >/dev/null 2>>"$err"; then
		lxc=0
		lxc_why="lxc-start failed: $(tail -n 3 "$lxcpath/$lxc_name.log" "$err" 2>/dev/null | grep -v '^==>' | grep . | tail -n 2 | tr '\n' ' ')"
	fi
}
start_all
init=$(cat "$it/run/$ctid.pid")
if [ $lxc = 1 ]; then
	lxc_init=$(lxc_cmd info -p -H 2>/dev/null)
	echo "bench: vzctl CT $ctid init $init CapBnd $(awk '/CapBnd/ { print $2 }' "/proc/$init/status");" \
		"LXC $lxc_name init $lxc_init CapBnd $(awk '/CapBnd/ { print $2 }' "/proc/$lxc_init/status" 2>/dev/null)"
	[ "$(lxc_cmd attach -- hostname </dev/null 2>>"$err")" = bench-lxc ] ||
		{ lxc=0; lxc_why="lxc-attach does not reach the container"; }
fi
[ "$(vzctl exec2 $ctid hostname </dev/null)" = bench-vz ] || fail "vzctl exec does not reach the CT"
[ "$(nsenter -t "$init" -a hostname </dev/null)" = bench-vz ] || fail "nsenter does not reach the CT"

# ---------------------------------------------------------------- exec
# With a base build, the two vzctl take turns at going first: the first command after
# lxc-attach pays for what that leaves behind, which must not fall on one build only
# (measured with this build always first: 135 ms against the base's 82; without LXC 87
# against 90; taking turns 122 against 125).
round_no=0
exec_vzctl() { # exec_vzctl DIR
	timed "$1/vzctl-exec" "$BUILD/bin/vzctl" exec $ctid true
}
exec_base() {
	[ -z "$base_build" ] || timed "$1/base-exec" "$base_build/bin/vzctl" exec $ctid true
}
exec_round() { # exec_round DIR
	timed "$1/nsenter" nsenter -t "$init" -a true || return 1
	round_no=$((round_no + 1))
	if [ $((round_no % 2)) = 0 ]; then
		exec_base "$1" && exec_vzctl "$1" || return 1
	else
		exec_vzctl "$1" && exec_base "$1" || return 1
	fi
	if [ $lxc = 1 ]; then
		timed "$1/lxc-attach" lxc_cmd attach -- true || return 1
	fi
}
mkdir -p "$it/warm"
for _ in $(seq "$warmup"); do exec_round "$it/warm" || fail "exec warm-up failed"; done
for _ in $(seq "$exec_runs"); do exec_round "$out" || fail "exec round failed"; done

# ---------------------------------------------------------------- start
vzctl stop $ctid --fast >/dev/null 2>>"$err" || fail "vzctl stop failed"
[ $lxc = 1 ] && { lxc_cmd stop -k >/dev/null 2>>"$err" || fail "lxc-stop failed"; }
# How often the CT's pid 1 had not yet executed /sbin/init when the start returned.
early_lxc=0 early_vz=0
is_init() { [ "$(cat "/proc/$1/comm" 2>/dev/null)" = init ]; }
start_round() { # start_round DIR: each start timed, each stop not
	if [ $lxc = 1 ]; then
		timed "$1/lxc-start" lxc_cmd start || return 1
		is_init "$(lxc_cmd info -p -H 2>/dev/null)" || early_lxc=$((early_lxc + 1))
		lxc_cmd stop -k >/dev/null 2>>"$err" || return 1
	fi
	timed "$1/vzctl-start" "$BUILD/bin/vzctl" start $ctid || return 1
	is_init "$(cat "$it/run/$ctid.pid")" || early_vz=$((early_vz + 1))
	vzctl stop $ctid --fast >/dev/null 2>>"$err" || return 1
	if [ -n "$base_build" ]; then
		timed "$1/base-start" "$base_build/bin/vzctl" start $ctid || return 1
		vzctl stop $ctid --fast >/dev/null 2>>"$err" || return 1
	fi
}
for _ in $(seq $((warmup < 2 ? warmup : 2))); do start_round "$it/warm" || fail "start warm-up failed"; done
early_lxc=0 early_vz=0
for _ in $(seq "$start_runs"); do start_round "$out" || fail "start round failed"; done

# ---------------------------------------------------------------- table
median_ms() { # median of a file of microseconds, in ms
	sort -n "$1" | awk '{ v[NR] = $1 } END {
		m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%.2f", m / 1000 }'
}
row() { # row LABEL FILE BASE_MEDIAN
	local m
	m=$(median_ms "$2")
	printf '%-34s %5d %10s %7s\n' "$1" "$(wc -l <"$2")" "$m" "$(ratio "$m" "$3")"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
echo
printf '%-34s %5s %10s %7s\n' benchmark runs "median ms" ratio
base=$(median_ms "$out/nsenter")
row "exec  nsenter -t PID -a true" "$out/nsenter" "$base"
row "exec  vzctl exec CT true" "$out/vzctl-exec" "$base"
[ -n "$base_build" ] && row "exec  vzctl exec (base build)" "$out/base-exec" "$base"
if [ $lxc = 1 ]; then
	row "exec  lxc-attach -n CT -- true" "$out/lxc-attach" "$base"
	base=$(median_ms "$out/lxc-start")
	row "start lxc-start -n CT" "$out/lxc-start" "$base"
else
	base=$(median_ms "$out/vzctl-start")
fi
row "start vzctl start CT" "$out/vzctl-start" "$base"
[ -n "$base_build" ] && row "start vzctl start (base build)" "$out/base-start" "$base"
echo
if [ -n "$base_build" ]; then
	echo "base build: $base_build ($(cat "$base_build/REV" 2>/dev/null || echo "revision unknown"))"
	echo "this build / base build: exec $(ratio "$(median_ms "$out/vzctl-exec")" "$(median_ms "$out/base-exec")")," \
		"start $(ratio "$(median_ms "$out/vzctl-start")" "$(median_ms "$out/base-start")")"
fi
if [ $lxc = 1 ]; then
	echo "ratio: the median over the first row of its group (nsenter for exec, lxc-start for start)"
	echo "vzctl exec / lxc-attach: $(ratio "$(median_ms "$out/vzctl-exec")" "$(median_ms "$out/lxc-attach")")"
	echo "starts that returned before pid 1 ran /sbin/init: lxc-start $early_lxc, vzctl start $early_vz"
else
	echo "ratio: the median over the first row of its group (nsenter for exec, vzctl start for start)"
	echo "starts that returned before pid 1 ran /sbin/init: vzctl start $early_vz"
	echo "LXC left out: $lxc_why"
fi
echo "CPUs: $(nproc), kernel $(uname -r)"
