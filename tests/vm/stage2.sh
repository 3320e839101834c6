#!/bin/bash
# Stage 2 of the test guest: PID 1 in the overlay over the host root (see init.sh).
#
# Mounts what a cgroup v2 host has (proc, sys, devtmpfs, devpts, cgroup2 with every
# controller enabled at the root, bpffs, securityfs, tmpfs /tmp and /run), puts /vz on a
# filesystem of its own, runs the job that run-guest.sh described in the file named by
# vz.job= on the kernel command line, and reports its status on the console as
# `GUEST-EXIT <status> <token>` before powering off.  Lines for the runner:
#   GUEST-READY <uptime>        the job starts now
#   GUEST-EXIT <status> <token> the job ended (token: the run's, so a job cannot fake it)
#   GUEST-FAIL <why>            the guest could not be set up
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
host=/run/vz-vm/host

power_off() {
	sync
	/bin/busybox poweroff -f 2>/dev/null || echo o >/proc/sysrq-trigger
	# PID 1 must not return: the kernel would panic (and, with panic=-1, reboot).
	sleep 60
}

fail() {
	echo "GUEST-FAIL stage 2: $*"
	power_off
}

# Every command is an exec from the 9p root, and a dynamically linked one (util-linux
# mount: ld.so, libmount, libblkid, libselinux...) costs a few hundred ms under TCG.
# So bash does what it can itself (tests, reads, writes to /proc) and the rest is the
# static busybox, one file to map.
bb() { /bin/busybox "$@"; }

mounted() { # mounted DIR: whether something is mounted on DIR
	local _id _parent _dev _root point _rest
	while read -r _id _parent _dev _root point _rest; do
		[ "$point" = "$1" ] && return 0
	done </proc/self/mountinfo
	return 1
}

mnt() { # mnt TYPE SOURCE TARGET [OPTIONS]: mounts unless something is mounted there
	local type=$1 src=$2 dir=$3 opts=${4:-}
	[ -d "$dir" ] || bb mkdir -p "$dir"
	[ -r /proc/self/mountinfo ] && mounted "$dir" && return 0
	bb mount -t "$type" ${opts:+-o "$opts"} "$src" "$dir" || fail "cannot mount $type on $dir"
}

cmdline_value() { # cmdline_value KEY: the value of KEY= on the kernel command line
	local w words
	read -r -a words </proc/cmdline
	for w in "${words[@]}"; do
		case $w in "$1="*) echo "${w#*=}"; return 0 ;; esac
	done
	return 1
}

mount_system() {
	mnt proc proc /proc nosuid,nodev,noexec
	mnt sysfs sysfs /sys nosuid,nodev,noexec
	mnt devtmpfs devtmpfs /dev mode=0755,nosuid
	mnt devpts devpts /dev/pts gid=5,mode=0620,ptmxmode=0666,nosuid,noexec
	mnt tmpfs tmpfs /dev/shm mode=1777,nosuid,nodev
	mnt tmpfs tmpfs /run mode=0755,nosuid,nodev
	# The options systemd uses on a Debian 12 host, so tests see what users have.
	mnt cgroup2 cgroup2 /sys/fs/cgroup nsdelegate,memory_recursiveprot,nosuid,nodev,noexec
	mnt bpf bpf /sys/fs/bpf mode=0700
	mnt securityfs securityfs /sys/kernel/security nosuid,nodev,noexec
	mnt debugfs debugfs /sys/kernel/debug nosuid,nodev,noexec
	mnt tracefs tracefs /sys/kernel/tracing nosuid,nodev,noexec
	mnt tmpfs tmpfs /tmp mode=1777,nosuid,nodev
	# What udev or systemd would have made.
	[ -e /dev/fd ] || bb ln -s /proc/self/fd /dev/fd
	[ -e /dev/stdin ] || bb ln -s /proc/self/fd/0 /dev/stdin
	[ -e /dev/stdout ] || bb ln -s /proc/self/fd/1 /dev/stdout
	[ -e /dev/stderr ] || bb ln -s /proc/self/fd/2 /dev/stderr
}

enable_controllers() {
	local c list
	read -r -a list </sys/fs/cgroup/cgroup.controllers
	for c in "${list[@]}"; do
		echo "+$c" >/sys/fs/cgroup/cgroup.subtree_control ||
			fail "cannot enable the $c controller at the cgroup root"
	done
}

# The host's /lib/modules is for the host's kernel: give the guest its own tree, so
# modprobe (and the kernel's request_module) find every module by name.
bind_modules() {
	local src=$host${VZ_VM_MODULES:?} dst kver
	read -r kver </proc/sys/kernel/osrelease
	dst=/lib/modules/$kver
	[ -d "$src" ] || fail "no module tree at $VZ_VM_MODULES"
	[ -d "$dst" ] || bb mkdir -p "$dst" || fail "cannot create $dst"
	bb mount --bind "$src" "$dst" || fail "cannot bind the module tree on $dst"
}

mount_vz() {
	local dev=/dev/vda n=0
	bb mkdir -p /vz
	case ${VZ_VM_VZFS:-tmpfs} in
	tmpfs) bb mount -t tmpfs -o mode=0755 tmpfs /vz || fail "cannot mount tmpfs on /vz" ;;
	ext4)
		modprobe -a virtio_blk ext4 || fail "cannot load virtio_blk/ext4"
		while [ ! -b $dev ] && [ $n -lt 50 ]; do bb usleep 100000; n=$((n + 1)); done
		[ -b $dev ] || fail "no $dev for /vz: is the disk image attached?"
		# prjquota turns on project quota enforcement (diskspace per CT).
		bb mount -t ext4 -o prjquota $dev /vz 2>/dev/null || bb mount -t ext4 $dev /vz ||
			fail "cannot mount $dev (ext4) on /vz"
		;;
	*) fail "unknown /vz filesystem '$VZ_VM_VZFS'" ;;
	esac
	bb mkdir -p /vz/private /vz/root /vz/lock /vz/dump /vz/template/cache
}

# Paths under /tmp that the job needs (build directory, a checkout, the script) come
# back from the host, read-only, over the fresh /tmp.
bind_keep() {
	local p
	for p in "${VZ_VM_KEEP[@]}"; do
		case $p in /tmp/*) ;; *) continue ;; esac
		if [ -d "$host$p" ]; then
			[ -d "$p" ] || bb mkdir -p "$p"
		elif [ -f "$host$p" ]; then
			{ [ -d "${p%/*}" ] || bb mkdir -p "${p%/*}"; } && : >>"$p"
		else
			continue
		fi
		mounted "$p" || bb mount --bind "$host$p" "$p" || fail "cannot bind $p from the host"
	done
}

# --out: a host directory shared read-write, at its host path.
mount_out() {
	[ -n "${VZ_VM_OUT:-}" ] || return 0
	[ -d "$VZ_VM_OUT" ] || bb mkdir -p "$VZ_VM_OUT"
	bb mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000,cache=none out "$VZ_VM_OUT" ||
		fail "cannot mount the output directory $VZ_VM_OUT (9p tag out)"
}

setup_net() {
	bb ip link set lo up || fail "cannot bring up lo"
	[ -n "${VZ_VM_NET_IP:-}" ] || return 0
	modprobe virtio_net || fail "cannot load virtio_net"
	if ! bb ip addr add "$VZ_VM_NET_IP" dev eth0 || ! bb ip link set eth0 up; then
		fail "cannot configure eth0 with $VZ_VM_NET_IP"
	fi
}

run_job() {
	local rc cwd=${VZ_VM_CWD:-/} up _
	[ -d "$cwd" ] || cwd=/
	read -r up _ </proc/uptime
	echo "GUEST-READY $up"
	if [ -x "${VZ_VM_ARGV[0]}" ]; then
		(cd "$cwd" && exec env -i "${VZ_VM_ENV[@]}" "${VZ_VM_ARGV[@]}") </dev/null
	else
		(cd "$cwd" && exec env -i "${VZ_VM_ENV[@]}" /bin/bash "${VZ_VM_ARGV[@]}") </dev/null
	fi
	rc=$?
	echo "GUEST-EXIT $rc $VZ_VM_TOKEN"
}

mount_system
job=$(cmdline_value vz.job) || fail "no vz.job= on the kernel command line"
# shellcheck source=/dev/null
. "$host$job" || fail "cannot read the job file $job"
# Kernel messages would land in the middle of the job's output: emergencies only.
[ "${VZ_VM_VERBOSE:-0}" = 1 ] || echo 1 >/proc/sys/kernel/printk
echo "${VZ_VM_HOSTNAME:-vz-guest}" >/proc/sys/kernel/hostname
enable_controllers
bind_modules
mount_vz
bind_keep
mount_out
setup_net
run_job
power_off
