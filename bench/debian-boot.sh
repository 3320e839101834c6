#!/bin/bash
# Booting and stopping a Debian 12 systemd CT, unprivileged, against LXC running the
# same rootfs unprivileged:
#
#   boot   `vzctl start CT`, then `vzctl exec2 CT systemctl is-system-running` polled
#          until it prints running or degraded, against `lxc-start -n CT` (daemonized)
#          polled with `lxc-attach -n CT -- systemctl is-system-running` (the baseline);
#          the time from the start command to the answer
#   stop   `vzctl stop CT` against `lxc-stop -n CT` (a clean shutdown, not -k; the
#          baseline), each until it returns; the container is then checked to be gone
#
#   bench/debian-boot.sh [ROUNDS [WARMUP [INTERVAL]]]          (5, 1, 0.2)
#
# Runs as root on a pure cgroup v2 host: in the test guest, through bench/run.sh (or
# `make bench`).  BUILD names the built tools; VZ_BENCH_LXC the root of an unpacked
# Debian lxc (bench/fetch-lxc.sh; without it the LXC rows are left out); the template is
# tests/vm/cache/templates/debian-12-systemd-x86_64.tar.gz (make template-debian;
# VZ_DEBIAN_TEMPLATES names another directory), skipped without it.
#
# The vzctl CT is created from the template with USERNS=yes in vz.conf, as the guest
# test 80-debian-systemd does: a user namespace with a LOCAL_UID range of its own, the
# private area seen through an idmapped mount.  The LXC container's rootfs is the same
# tarball unpacked again, owned by 0 on disk as the private area is, mounted idmapped
# into a user namespace of 0 -> 300000 (65536 ids) by LXC (`lxc.rootfs.options =
# idmap=container`): nothing chowned, the same mechanism as vzctl's.  Its config gives
# it what vzctl gives the CT: new pid, mount, uts, ipc, net (loopback only), cgroup and
# user namespaces; proc, read-only sys and a writable cgroup2 of its own (`cgroup:rw`:
# its delegated subtree, where systemd makes its units' cgroups); a tmpfs /dev with the
# same devices allowed by a device program, a devpts of its own and a console pty;
# tmpfs /dev/shm and /run; the bounding set of a vzctl CT in a user namespace
# (core/model/caps.c: the default plus sys_admin, sys_boot, mknod, sys_ptrace and
# dac_read_search); no AppArmor profile; LXC's default seccomp profile (vzctl's filter
# refuses that list and more); SIGRTMIN+3 to halt, as vzctl sends systemd.  No
# lxc.tty.max: LXC would name its ttys in container_ttys and systemd would run a getty
# on each, while a vzctl CT's tty1..2 get none; both run a getty on the console.
#
# Both polls cost an exec into the container per try (vzctl exec2 or lxc-attach, then
# systemctl); both sleep INTERVAL seconds between tries, so both answers come at most
# one exec plus INTERVAL after the state was reached.  Each round boots and stops both,
# one after the other, the order swapped every round; WARMUP rounds first, untimed (the
# first boot of each writes its machine-id and journal, and the guest reads the
# binaries over 9p until they are cached).  Times are wall clock as a shell sees them.
# Prints, per command, the runs, the median in ms, its ratio to LXC's median and the
# states reached; nothing is asserted.  Then where the time goes, untimed after each
# boot from systemd's own timestamps (`systemctl show`: UserspaceTimestampMonotonic,
# when it started as pid 1; FinishTimestampMonotonic, when its boot jobs were done and
# is-system-running left `starting`), against /proc/uptime read before the start
# command: the boot to systemd's finish without what the polls add, as a row of its
# own, and the start command alone, systemd's start, one poll and the failed units.
set -u
# shellcheck source=tests/integration/common.bash
. "$(dirname "$0")/../tests/integration/common.bash"

rounds=${1:-5}
warmup=${2:-1}
interval=${3:-0.2}
usage() { echo "usage: $0 [ROUNDS [WARMUP [INTERVAL]]] (rounds at least 1, interval in s)" >&2; exit 2; }
for n in "$rounds" "$warmup"; do
	case $n in '' | *[!0-9]*) usage ;; esac
done
case $interval in '' | *[!0-9.]* | *.*.*) usage ;; esac
[ "$rounds" -ge 1 ] || usage
need_ct_host

tmpl=debian-12-systemd-x86_64
tmpl_file=${VZ_DEBIAN_TEMPLATES:-$VZ_SRC/tests/vm/cache/templates}/$tmpl.tar.gz
[ -s "$tmpl_file" ] || skip "no $tmpl template at $tmpl_file (make template-debian)"

ctid=1200
lxc_name=bench-deb
lxc_ids=300000
boot_timeout=300 # seconds from the start command to running or degraded
ct_host /vz/bench-deb bench-deb.slice
echo 'USERNS="yes"' >>"$it/vz.conf"
out=$it/times
mkdir -p "$out" "$it/warm"
err=$it/errors.log

# shellcheck source=bench/lxc.bash
. "$(dirname "$0")/lxc.bash"
trap bench_cleanup EXIT

now_us() { echo "${EPOCHREALTIME/./}"; }

# The CT, and the LXC container of the same tarball.
ln -s "$tmpl_file" "$it/template/cache/$tmpl.tar.gz"
vzctl create $ctid --ostemplate $tmpl --hostname bench-vz >"$it/create.out" 2>&1 ||
	fail "vzctl create failed: $(cat "$it/create.out")"
grep -q '^LOCAL_UID="[1-9]' "$it/conf/$ctid.conf" || fail "CT $ctid was created without a user namespace"
if [ $lxc = 1 ]; then
	mkdir -p "$lxcpath/$lxc_name/rootfs" "$lxcpath/rootfs-mount"
	tar --numeric-owner -xzf "$tmpl_file" -C "$lxcpath/$lxc_name/rootfs" ||
		fail "cannot unpack the template for LXC"
	{
		printf '%s\n' \
			"lxc.uts.name = bench-lxc" \
			"lxc.rootfs.path = dir:$lxcpath/$lxc_name/rootfs" \
			"lxc.rootfs.mount = $lxcpath/rootfs-mount" \
			"lxc.rootfs.options = idmap=container" \
			"lxc.idmap = u 0 $lxc_ids 65536" \
			"lxc.idmap = g 0 $lxc_ids 65536" \
			"lxc.init.cmd = /sbin/init" \
			"lxc.signal.halt = SIGRTMIN+3" \
			"lxc.net.0.type = empty" \
			"lxc.apparmor.profile = unconfined" \
			"lxc.seccomp.profile = $lxc_root/usr/share/lxc/config/common.seccomp" \
			"lxc.mount.auto = proc:mixed sys:ro cgroup:rw" \
			"lxc.mount.entry = tmpfs dev/shm tmpfs rw,nosuid,nodev,create=dir 0 0" \
			"lxc.mount.entry = tmpfs run tmpfs rw,nosuid,nodev,mode=0755 0 0" \
			"lxc.autodev = 1" \
			"lxc.pty.max = 255" \
			"lxc.tty.max = 0" \
			"lxc.cap.keep = chown dac_override dac_read_search fowner fsetid kill setgid setuid" \
			"lxc.cap.keep = setpcap linux_immutable net_bind_service net_broadcast net_admin" \
			"lxc.cap.keep = net_raw ipc_lock ipc_owner sys_chroot sys_ptrace sys_nice" \
			"lxc.cap.keep = sys_resource sys_tty_config lease audit_write setfcap" \
			"lxc.cap.keep = sys_admin sys_boot mknod" \
			"lxc.cgroup2.devices.deny = a"
		for d in 1:3 1:5 1:7 1:8 1:9 5:0 5:1 5:2 '136:*'; do
			echo "lxc.cgroup2.devices.allow = c $d rwm"
		done
		printf '%s\n' "lxc.log.file = $lxcpath/$lxc_name.log" "lxc.log.level = ${VZ_BENCH_LXC_LOGLEVEL:-ERROR}"
	} >"$lxcpath/$lxc_name/config"
fi

# The two sides, each: start, stop, whether it is gone, and a command inside.
vz_start() { "$BUILD/bin/vzctl" start $ctid; }
vz_stop() { "$BUILD/bin/vzctl" stop $ctid; }
vz_in() { "$BUILD/bin/vzctl" exec2 $ctid "$@"; }
vz_gone() {
	[ ! -e "/sys/fs/cgroup/$parent/$ctid" ] && ! grep -q " $it/root/$ctid " /proc/self/mountinfo
}
lxc_start() { lxc_tried=1; lxc_cmd start; }
lxc_stop() { lxc_cmd stop; }
lxc_in() { lxc_cmd attach -- "$@"; }
lxc_gone() {
	[ ! -e "/sys/fs/cgroup/lxc.payload.$lxc_name" ] && lxc_cmd info -s 2>/dev/null | grep -q STOPPED
}

# us_since UP0 STAMP: microseconds from UP0 (/proc/uptime's first field, read just
# before the start command) to STAMP (a systemd ...TimestampMonotonic, in microseconds;
# CLOCK_MONOTONIC, the same inside and outside: neither tool makes a time namespace,
# and the guest never suspends, so its boottime is its monotonic time).  /proc/uptime
# has a resolution of 10 ms.
us_since() {
	local s=${1%.*} c=${1#*.}
	[ -n "$2" ] && [ "$2" != 0 ] || return 1
	echo $(($2 - (s * 1000000 + 10#$c * 10000)))
}

# boot_stop SIDE DIR: one boot and stop of SIDE (vz or lxc): the start command, the
# polls until running or degraded, then, untimed, systemd's timestamps, its units'
# start times and the failed units, then the stop; each figure appended to DIR/SIDE-*.  Returns 1 when a command fails or
# the state is not reached within boot_timeout.
boot_stop() {
	local side=$1 dir=$2 t0 t1 tp s n=0 deadline up0 v v2
	read -r up0 _ </proc/uptime
	t0=$(now_us)
	"${side}_start" </dev/null >/dev/null 2>>"$err" || {
		echo "bench: $side start failed: $(tail -n 3 "$err")" >&2
		return 1
	}
	t1=$(now_us)
	echo $((t1 - t0)) >>"$dir/$side-start"
	deadline=$((t0 + boot_timeout * 1000000))
	while :; do
		tp=$(now_us)
		s=$("${side}_in" systemctl is-system-running </dev/null 2>/dev/null)
		t1=$(now_us)
		n=$((n + 1))
		echo $((t1 - tp)) >>"$dir/$side-poll"
		case $s in running | degraded) break ;; esac
		if [ "$t1" -gt "$deadline" ]; then
			echo "bench: $side not running nor degraded ${boot_timeout} s after start (last: '$s')" >&2
			"${side}_in" systemctl list-jobs </dev/null 2>&1 | tail -n 8 >&2
			echo "timeout" >>"$dir/$side-state"
			return 1
		fi
		sleep "$interval"
	done
	echo $((t1 - t0)) >>"$dir/$side-boot"
	echo "$s" >>"$dir/$side-state"
	echo "$n" >>"$dir/$side-polls"
	# When systemd, by its own clock, started as pid 1 and finished its boot (is-system-
	# running changes from starting to running or degraded then): the time to the answer
	# less what the polls add.
	s=$("${side}_in" systemctl show -p UserspaceTimestampMonotonic -p FinishTimestampMonotonic </dev/null 2>/dev/null)
	v=$(us_since "$up0" "$(sed -n 's/^UserspaceTimestampMonotonic=//p' <<<"$s")") &&
		v2=$(us_since "$up0" "$(sed -n 's/^FinishTimestampMonotonic=//p' <<<"$s")") && {
		echo "$v" >>"$dir/$side-init"
		echo "$v2" >>"$dir/$side-finish"
		echo $((v2 - v)) >>"$dir/$side-systemd"
	}
	# Each unit's start time ("1.203s unit", "1min 2.5s unit", "812ms unit") in ms.
	"${side}_in" systemd-analyze blame </dev/null 2>/dev/null | awk '{
		ms = 0
		for (i = 1; i < NF; i++) {
			v = $i
			if (v ~ /min$/) ms += v * 60000
			else if (v ~ /ms$/) ms += v
			else if (v ~ /us$/) ms += v / 1000
			else if (v ~ /s$/) ms += v * 1000
		}
		if (NF > 1) printf "%s %.0f\n", $NF, ms }' >>"$dir/$side-blame"
	"${side}_in" systemctl --failed --plain --no-legend </dev/null 2>/dev/null |
		awk '{ print $1 }' >>"$dir/$side-failed"
	sleep 1 # the boot's last jobs settle before the stop, for both alike
	timed "$dir/$side-stop" "${side}_stop" || return 1
	"${side}_gone" || {
		echo "bench: $side stop returned before the container was gone" >&2
		echo 1 >>"$dir/$side-early"
		for _ in $(seq 100); do "${side}_gone" && break; sleep 0.1; done
	}
	"${side}_gone" || { echo "bench: $side still there 10 s after its stop" >&2; return 1; }
	sleep 1 # what the stop left to the kernel (cgroups freed, memory) settles
	return 0
}

sides=(vz)
[ $lxc = 1 ] && sides=(lxc vz)
round_no=0
round() { # round DIR: every side booted and stopped once, the order swapped every round
	local s order
	round_no=$((round_no + 1))
	order=("${sides[@]}")
	[ $((round_no % 2)) = 0 ] && [ ${#sides[@]} = 2 ] && order=("${sides[1]}" "${sides[0]}")
	for s in "${order[@]}"; do
		if ! boot_stop "$s" "$1"; then
			if [ "$s" = lxc ]; then
				lxc=0
				lxc_why="the LXC container did not boot or stop: $(grep -E ' (ERROR|WARN) ' "$lxcpath/$lxc_name.log" 2>/dev/null | tail -n 6 | tr '\n' ' ')"
				echo "bench: $lxc_why" >&2
				lxc_cmd stop -k >/dev/null 2>&1
				sides=(vz)
			else
				fail "the vzctl CT did not boot or stop"
			fi
		fi
	done
}
for _ in $(seq "$warmup"); do round "$it/warm"; done
for _ in $(seq "$rounds"); do round "$out"; done

# ---------------------------------------------------------------- table
median() { # median of a file of numbers
	sort -n "$1" | awk '{ v[NR] = $1 } END { if (NR) printf "%.0f", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
median_ms() { # median of a file of microseconds, in ms; "-" without figures
	if [ -s "$1" ]; then median "$1" | awk '{ printf "%.1f", $1 / 1000 }'; else echo -; fi
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a != "-" && b > 0) printf "%.2f", a / b; else printf "-" }'; }
states() { # states SIDE: "running 5" / "degraded 3, running 2"
	[ -s "$out/$1-state" ] || { echo "-"; return; }
	sort "$out/$1-state" | uniq -c | awk '{ printf "%s%s %s", (NR > 1 ? ", " : ""), $2, $1 }'
}
row() { # row LABEL FILE BASE_MEDIAN_MS STATES
	local m
	[ -s "$2" ] || return 0
	m=$(median_ms "$2")
	printf '%-44s %4d %10s %6s  %s\n' "$1" "$(wc -l <"$2")" "$m" "$(ratio "$m" "$3")" "$4"
}
base=lxc
[ $lxc = 1 ] || base=vz
echo
printf '%-44s %4s %10s %6s  %s\n' benchmark runs "median ms" ratio states
[ $lxc = 1 ] && row "boot  lxc-start, lxc-attach polls" "$out/lxc-boot" "$(median_ms "$out/lxc-boot")" "$(states lxc)"
row "boot  vzctl start, vzctl exec2 polls" "$out/vz-boot" "$(median_ms "$out/$base-boot")" "$(states vz)"
[ $lxc = 1 ] && row "stop  lxc-stop -n CT" "$out/lxc-stop" "$(median_ms "$out/lxc-stop")" ""
row "stop  vzctl stop CT" "$out/vz-stop" "$(median_ms "$out/$base-stop")" ""
[ $lxc = 1 ] && row "boot  lxc-start, to systemd's finish" "$out/lxc-finish" "$(median_ms "$out/lxc-finish")" ""
row "boot  vzctl start, to systemd's finish" "$out/vz-finish" "$(median_ms "$out/$base-finish")" ""
echo
if [ $lxc = 1 ]; then
	echo "ratio: the median over LXC's median of the same step"
else
	echo "ratio: the median over vzctl's own; LXC left out: $lxc_why"
fi
echo "boot: from the start command to the first poll that answered running or degraded, a poll"
echo "every $interval s after the last one's answer; to systemd's finish: to the boot's end as"
echo "systemd's FinishTimestampMonotonic has it, without what the polls add"
echo
name() { if [ "$1" = vz ]; then echo vzctl; else echo lxc; fi; }
line() { # line LABEL NAME: one figure per side
	local s
	printf '%-44s' "$1"
	for s in "${sides[@]}"; do printf ' %10s' "$(median_ms "$out/$s-$2")"; done
	echo
}
printf '%-44s' "where the time goes, medians in ms"
for s in "${sides[@]}"; do printf ' %10s' "$(name "$s")"; done
echo
line "start command returned" start
line "systemd started as pid 1 (its clock)" init
line "systemd's own boot, pid 1 to finish" systemd
line "boot finished (its clock)" finish
line "answer of the polls" boot
line "one poll (exec, systemctl)" poll
line "stop" stop
# The units that took longest to start (systemd-analyze blame), the median of each over
# the rounds, the 10 largest on either side.
if [ -s "$out/${sides[0]}-blame" ]; then
	echo
	printf '%-44s' "units, medians in ms (systemd-analyze blame)"
	for s in "${sides[@]}"; do printf ' %10s' "$(name "$s")"; done
	echo
	for s in "${sides[@]}"; do
		[ -s "$out/$s-blame" ] && awk -v s="$s" '{ print $1, s, $2 }' "$out/$s-blame"
	done | sort -k1,1 -k2,2 -k3,3n | awk -v sides="${sides[*]}" '
		function flush() { if (key != "") { m[key] = n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2 } }
		{ k = $1 " " $2; if (k != key) { flush(); key = k; n = 0 } v[++n] = $3; units[$1] = 1 }
		END {
			flush()
			ns = split(sides, sd, " ")
			for (u in units) {
				top = 0
				for (i = 1; i <= ns; i++) if ((u " " sd[i]) in m && m[u " " sd[i]] > top) top = m[u " " sd[i]]
				line = sprintf("%-44s", u)
				for (i = 1; i <= ns; i++) line = line sprintf(" %10s", (u " " sd[i]) in m ? m[u " " sd[i]] : "-")
				printf "%d\t%s\n", top, line
			}
		}' | sort -rn | head -n 10 | cut -f2-
fi
for s in "${sides[@]}"; do
	[ -s "$out/$s-polls" ] && echo "polls per boot, $(name "$s"): $(sort -n "$out/$s-polls" | tr '\n' ' ')"
	[ -s "$out/$s-failed" ] && echo "failed units, $(name "$s"): $(sort "$out/$s-failed" | uniq -c | awk '{ printf "%s%s x%s", (NR > 1 ? ", " : ""), $2, $1 }')"
	[ -s "$out/$s-early" ] && echo "stops that returned before the container was gone, $(name "$s"): $(wc -l <"$out/$s-early")"
done
echo "rounds: $rounds after $warmup warm-up, the order swapped every round; CPUs: $(nproc), kernel $(uname -r)"
exit 0
