# What the benchmarks that compare with LXC share (exec-start.sh, debian-boot.sh):
# finding the unpacked lxc, running its tools, and leaving nothing of it or of the
# vzctl CT behind.  Sourced after tests/integration/common.bash, once ct_host has set
# $it; the caller sets lxc_name and ctid first.
#
# Sets lxc (1 when VZ_BENCH_LXC holds a usable lxc, else 0 with lxc_why saying why),
# lxc_root, lxcpath ($it/lxc) and lxc_tried (set it to 1 before the first lxc-start).

lxc_root=${VZ_BENCH_LXC:-}
lxc=0
lxc_why=''
if [ -z "$lxc_root" ]; then
	lxc_why="VZ_BENCH_LXC is not set (bench/fetch-lxc.sh)"
elif [ ! -x "$lxc_root/usr/bin/lxc-start" ]; then
	lxc_why="no lxc-start in $lxc_root"
else
	lxc=1
fi
lxcpath=$it/lxc
lxc_cmd() { # lxc_cmd TOOL ARGS...: a tool of the unpacked lxc
	local tool=$1
	shift
	LD_LIBRARY_PATH=$lxc_root/usr/lib/x86_64-linux-gnu "$lxc_root/usr/bin/lxc-$tool" \
		-P "$lxcpath" -n "$lxc_name" "$@"
}

# What LXC makes at the cgroup root when started from it: lxc.payload.NAME (the
# container), lxc.monitor.NAME (its monitor) and lxc.pivot (where the monitor moves to
# leave its own; LXC does not remove it).  The last is removed only if this run made it.
lxc_tried=0
lxc_pivot_made=1
[ -d /sys/fs/cgroup/lxc.pivot ] && lxc_pivot_made=0

# rm_cgroup DIR: everything in the cgroup killed, then it and the cgroups made below it
# (systemd's, in a container that runs it) removed, the deepest first.
rm_cgroup() {
	local d
	[ -d "$1" ] || return 0
	echo 1 >"$1/cgroup.kill" 2>/dev/null
	for _ in $(seq 30); do
		find "$1" -depth -type d 2>/dev/null | while read -r d; do rmdir "$d" 2>/dev/null; done
		[ -d "$1" ] || return 0
		sleep 0.1
	done
}

# bench_cleanup: everything a benchmark started or made, however far it got: the LXC
# container and its monitor (lxc-stop -k, then their cgroups), lxc.pivot when made here,
# the CT (init, cgroups, mount, its monitor "vzmon CTID") and the tree under $it.
bench_cleanup() {
	local cg p
	if [ "$lxc_tried" = 1 ]; then
		lxc_cmd stop -k >/dev/null 2>&1
		for cg in /sys/fs/cgroup/lxc.payload."$lxc_name"* /sys/fs/cgroup/lxc.monitor."$lxc_name"*; do
			rm_cgroup "$cg"
		done
		[ "$lxc_pivot_made" = 1 ] && rmdir /sys/fs/cgroup/lxc.pivot 2>/dev/null
	fi
	vzctl stop "$ctid" --fast >/dev/null 2>&1
	rm_cgroup "/sys/fs/cgroup/$parent/$ctid"
	ct_host_cleanup "$ctid"
	grep -lx "vzmon $ctid" /proc/[0-9]*/comm 2>/dev/null | while read -r p; do
		p=${p#/proc/}
		kill -9 "${p%/comm}" 2>/dev/null
	done
}

# timed FILE CMD...: runs CMD once (stdio /dev/null, its errors appended to $err) and
# appends its wall time in microseconds to FILE.
timed() {
	local file=$1 t0 t1 rc
	shift
	t0=$EPOCHREALTIME
	"$@" </dev/null >/dev/null 2>>"$err"
	rc=$?
	t1=$EPOCHREALTIME
	if [ $rc -ne 0 ]; then
		echo "bench: '$*' exited $rc" >&2
		tail -n 5 "$err" >&2
		return 1
	fi
	echo $((${t1/./} - ${t0/./})) >>"$file"
}
