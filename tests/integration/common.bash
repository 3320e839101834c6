# Sourced by the integration tests (tests/integration/*.sh).  They run as root in the
# test guest (tests/vm/run-suite.sh), or directly on a pure cgroup v2 host, with BUILD
# naming the directory of the built binaries and VZ_SRC the source tree.
#
# Exit status: 0 pass, 77 skip (after printing "SKIP: why"), anything else fails.

BUILD=${BUILD:?BUILD must name the build directory}
VZ_SRC=${VZ_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}

skip() {
	echo "SKIP: $*"
	exit 77
}

fail() {
	echo "FAIL: $*"
	exit 1
}

# expect_rc CODE CMD...: CMD exits with CODE; its output is shown and kept in $out.
out=''
expect_rc() {
	local want=$1 rc
	shift
	out=$("$@" 2>&1)
	rc=$?
	printf '%s -> %s\n' "$*" "$rc"
	[ -n "$out" ] && printf '%s\n' "$out" | sed 's/^/    /'
	[ "$rc" -eq "$want" ] || fail "$* exited $rc, not $want"
}

# wait_for SECONDS CMD...: polls CMD every 0.2 s until it succeeds; fails after SECONDS.
wait_for() {
	local n=$(($1 * 5))
	shift
	while ! "$@"; do
		n=$((n - 1))
		[ $n -gt 0 ] || return 1
		sleep 0.2
	done
}

# need_root, need_cgroup2: the preconditions every cgroup test has.
need_root() {
	[ "$(id -u)" -eq 0 ] || skip "needs root"
}

need_cgroup2() {
	[ "$(stat -fc %T /sys/fs/cgroup 2>/dev/null)" = cgroup2fs ] ||
		skip "/sys/fs/cgroup is not cgroup v2 (run the suite through tests/vm/run-suite.sh)"
}

# need_built PATH...: paths relative to BUILD that must exist.
need_built() {
	local p
	for p in "$@"; do
		[ -x "$BUILD/$p" ] || fail "$BUILD/$p is not built (run make BUILD=$BUILD all)"
	done
}

# expect_line TEXT FILE: FILE has a line that is exactly TEXT.
expect_line() {
	grep -qxF -- "$1" "$2" || fail "expected the line '$1'"
}

# need_ct_host: what a test that runs CTs with vzctl needs: root, cgroup v2, the built
# vzctl, busybox-static for the template, and /vz on a file system of its own.
need_ct_host() {
	need_root
	need_cgroup2
	need_built bin/vzctl
	[ -x /bin/busybox ] || skip "/bin/busybox (busybox-static) is not installed"
	[ -d /vz ] || skip "no /vz in this guest"
}

# ct_host DIR PARENT: a host of its own for the tools, under DIR: a vz.conf whose every
# path lies inside DIR (exported as VZ_CONF), the sample configs, CT cgroups under
# PARENT.  Sets $it and $parent, defines vzctl() for $BUILD/bin/vzctl.
ct_host() {
	it=$1
	parent=$2
	mkdir -p "$it/conf" "$it/run" "$it/template/cache"
	cp "$VZ_SRC"/conf/samples/*.conf-sample "$it/conf/"
	printf '%s\n' "LOCKDIR=$it/lock" "DUMPDIR=$it/dump" "RUNDIR=$it/run" "VE_CONFDIR=$it/conf" \
		"TEMPLATE=$it/template" "VE_ROOT=$it/root/\$VEID" "VE_PRIVATE=$it/private/\$VEID" \
		"CT_CGROUP_PARENT=$parent" 'CONFIGFILE="vswap-256m"' >"$it/vz.conf"
	export VZ_CONF=$it/vz.conf
}

vzctl() { "$BUILD/bin/vzctl" "$@"; }

# ct_template: the busybox template, built into the ct_host tree.
ct_template() {
	bash "$VZ_SRC/scripts/vztmpl-busybox" -o "$it/template/cache/busybox.tar.gz" >/dev/null ||
		fail "cannot build the busybox template"
}

# ct_host_cleanup CTID...: whatever a failed test left of each CT (its processes,
# cgroup, mount), then the CTs' parent cgroup and the ct_host tree.  For an EXIT trap.
ct_host_cleanup() {
	local ctid cg
	for ctid in "$@"; do
		cg=/sys/fs/cgroup/$parent/$ctid
		vzctl stop "$ctid" --fast >/dev/null 2>&1
		[ -e "$cg/cgroup.kill" ] && echo 1 >"$cg/cgroup.kill" && sleep 0.3
		rmdir "$cg" 2>/dev/null
		grep -q " $it/root/$ctid " /proc/self/mountinfo && umount -l "$it/root/$ctid"
	done
	rmdir "/sys/fs/cgroup/$parent" 2>/dev/null
	rm -rf "$it"
}

# need_fuse: skips the test where /dev/fuse is missing (the fuse module does not load).
need_fuse() {
	modprobe fuse 2>/dev/null
	[ -c /dev/fuse ] || skip "no /dev/fuse (the fuse module does not load)"
}

# bcfs_host DIR SLICE: ct_host DIR SLICE whose vz.conf has BCFS_DIR=$it/export, the
# export's mount point; sets mnt to it.
bcfs_host() {
	ct_host "$1" "$2"
	mnt=$it/export
	echo "BCFS_DIR=$mnt" >>"$it/vz.conf"
}

# bcfs_serving: waits (10 s at most) until the bcfs on $mnt answers; fails with its
# log ($it/bcfs.log) otherwise.
bcfs_serving() {
	local i
	for i in $(seq 100); do
		cat "$mnt/proc/vz/vswap" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	fail "bcfs does not serve on $mnt: $(cat "$it/bcfs.log" 2>/dev/null)"
}

# bcfs_pids: the pids running this build's bcfs.
bcfs_pids() {
	local p
	for p in /proc/[0-9]*; do
		[ "$(readlink "$p/exe" 2>/dev/null)" = "$BUILD/bin/bcfs" ] && echo "${p#/proc/}"
	done
}

# bcfs_kill_all MNT: every bcfs of this build killed, and its mounts on MNT detached.
bcfs_kill_all() {
	local p
	for p in $(bcfs_pids); do kill -9 "$p" 2>/dev/null; done
	while grep -q " $1 .* - fuse.bcfs " /proc/self/mountinfo; do umount -l "$1" || break; done
}

# ct_probe CTID: tests/ct-probe (static) copied into the CT's private area as
# /bin/ct-probe, for the tests that load a CT from inside.
ct_probe() {
	need_built tests/ct-probe
	install -m 0755 "$BUILD/tests/ct-probe" "$it/private/$1/bin/ct-probe" ||
		fail "cannot copy ct-probe into CT $1"
}

# probe_bg CTID NAME ARGS...: `ct-probe ARGS...` started in the background inside the
# running CT, its output in the CT's /tmp/NAME.out; waits (20 s at most) for the probe's
# "ready".  Sets probe_out to the host's path of that output.
probe_bg() {
	local ct=$1 name=$2 out i
	shift 2
	out=$it/private/$ct/tmp/$name.out
	probe_out=$out
	vzctl exec "$ct" "ct-probe $* >/tmp/$name.out 2>&1 &" </dev/null
	for i in $(seq 100); do
		grep -q ready "$out" 2>/dev/null && break
		sleep 0.2
	done
	grep -q ready "$out" || fail "ct-probe $1 did not start in CT $ct: $(cat "$out" 2>/dev/null)"
}

# ct_filtered STATUS: the text of a /proc/<pid>/status shows the CT's system-call
# filter: mode 2, one filter, and no no_new_privs (setuid programs work).
ct_filtered() {
	grep -qP '^Seccomp:\t2$' <<<"$1" && grep -qP '^Seccomp_filters:\t1$' <<<"$1" &&
		grep -qP '^NoNewPrivs:\t0$' <<<"$1"
}

# seccomp_line STATUS: those lines of it, on one line.
seccomp_line() {
	grep -E '^(Seccomp|Seccomp_filters|NoNewPrivs):' <<<"$1" | tr '\t\n' '  '
}

# cg_file CTID FILE: the content of one file of the CT's cgroup.
cg_file() {
	cat "/sys/fs/cgroup/$parent/$1/$2"
}

# ct_new CTID NAME: the usual start of a test: a host tree /vz/itest-NAME with CT
# cgroups under itest-NAME.slice (ct_host), its cleanup at exit, the busybox template,
# and CT CTID created from it.
ct_new() {
	ct_host "/vz/itest-$2" "itest-$2.slice"
	trap "ct_host_cleanup $1" EXIT
	ct_template
	vzctl create "$1" --ostemplate busybox >/dev/null || fail "create of CT $1 failed"
}

# ct_pair NAME PRIV UNPRIV: a ct_host tree /vz/itest-NAME (cgroups under itest-NAME.slice)
# with the busybox template and its cleanup at exit, and two CTs from it: PRIV
# privileged (--local_uid 0), UNPRIV in a user namespace of its own (host ids 1000000..).
# EXTRA_CLEANUP, when set, runs first at exit.
ct_pair() {
	ct_host "/vz/itest-$1" "itest-$1.slice"
	trap "${EXTRA_CLEANUP:-:}; ct_host_cleanup $2 $3" EXIT
	ct_template
	vzctl create "$2" --ostemplate busybox --local_uid 0 >/dev/null || fail "create $2 failed"
	vzctl create "$3" --ostemplate busybox --local_uid 1000000 >/dev/null ||
		fail "create $3 failed"
}

# The host's cgroup2 and nsdelegate, which vzctl start requires.  A mount of cgroup2 in
# the host's cgroup namespace (criu --manage-cgroups makes one) sets the mount options
# of the one superblock, nsdelegate dropped when not named.
# nsdelegate_on: whether /sys/fs/cgroup has it now.
nsdelegate_on() { grep -q ' /sys/fs/cgroup .* cgroup2 .*nsdelegate' /proc/self/mountinfo; }
# remount_cgroup2 OPTIONS: mount(2) itself with MS_REMOUNT (mount(8) would keep the
# options the remount does not name).
remount_cgroup2() {
	python3 -c 'import ctypes, sys
libc = ctypes.CDLL(None, use_errno=True)
sys.exit(libc.mount(None, b"/sys/fs/cgroup", None, 32, sys.argv[1].encode()) != 0)' "$1"
}
# nsdelegate_back: gives it back when a test or a tool took it; says so.
nsdelegate_back() {
	nsdelegate_on && return 0
	echo "cgroup2 on /sys/fs/cgroup lost nsdelegate; giving it back"
	remount_cgroup2 nsdelegate,memory_recursiveprot
	nsdelegate_on || echo "FAIL: cgroup2 could not be given nsdelegate back" >&2
}
