#!/usr/bin/env bash
# Runs a script as root inside a throwaway QEMU guest (Debian's kernel, pure cgroup v2)
# whose root is this host's root, read-only over virtio-9p under a tmpfs overlay, so the
# guest sees the freshly built project and every installed package.
#
#   tests/vm/run-guest.sh [options] SCRIPT [ARGS...]
#
# Prints the script's output and exits with its status.  Exits 124 when the guest ran
# out of time (qemu is killed) and 125 when the guest could not be started or set up.
#
#   --timeout S          kill the guest after S seconds (900; env VZ_VM_TIMEOUT)
#   --mem M              guest memory in MiB (2048; env VZ_VM_MEM)
#   --smp N              guest CPUs (2; env VZ_VM_SMP)
#   --vz-fs ext4|tmpfs   what /vz is in the guest (ext4, a fresh sparse image; env VZ_VM_VZFS)
#   --vz-size SIZE       size of that image (4G; env VZ_VM_VZSIZE)
#   --env NAME=VALUE     put NAME in the script's environment (repeatable)
#   --keep PATH          a host path under /tmp the script needs (repeatable; BUILD,
#                        the source tree, the script's directory and the current
#                        directory are kept anyway): /tmp is a fresh tmpfs in the guest
#   --out DIR            a host directory the script may write into (OS templates it
#                        builds, say): shared read-write over virtio-9p at the same path
#   --hostname NAME      the guest's hostname (vz-guest)
#   --verbose            show the whole console, boot messages included (env VZ_VM_VERBOSE=1)
#   --direct             run the script on this host instead (env VZ_TEST_DIRECT=1): only
#                        on a host whose /sys/fs/cgroup is pure cgroup v2
#   VZ_VM_STATS=FILE     write ready=, kernel= and job= (seconds) into FILE
#
# Two guests as two hosts (migration tests): a QEMU socket network joins them over a
# loopback TCP port, a point-to-point Ethernet link that reaches nothing else.
#   --net-socket-listen [127.0.0.1:]PORT   this guest listens (start it first)
#   --net-socket-connect [127.0.0.1:]PORT  this guest connects to the listening one
#   --net-ip ADDR/PREFIX  eth0's address: documentation ranges only (192.0.2.0/24,
#                         198.51.100.0/24, 203.0.113.0/24)
#   --mac MAC             eth0's MAC (default derived from --net-ip)
# e.g.
#   run-guest.sh --net-socket-listen 10101 --net-ip 192.0.2.1/24 dst.sh &
#   run-guest.sh --net-socket-connect 10101 --net-ip 192.0.2.2/24 src.sh
#
# The script gets BUILD (directory of the built binaries, default <source>/build),
# VZ_SRC (the source tree), VZ_IN_GUEST=1, and every VZ_TEST_* variable of the caller.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "$here/../.." && pwd)

die() { echo "run-guest: $*" >&2; exit 125; }
usage() { awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "${BASH_SOURCE[0]}"; }

timeout_s=${VZ_VM_TIMEOUT:-900}
mem=${VZ_VM_MEM:-2048}
smp=${VZ_VM_SMP:-2}
vzfs=${VZ_VM_VZFS:-ext4}
vzsize=${VZ_VM_VZSIZE:-4G}
verbose=${VZ_VM_VERBOSE:-0}
direct=${VZ_TEST_DIRECT:-0}
hostname=vz-guest
net_mode='' net_addr='' net_ip='' mac=''
extra_env=() keep=() out=''

need_arg() { [ $# -ge 2 ] || die "option $1 needs a value (see --help)"; }
while [ $# -gt 0 ]; do
	case $1 in
	--timeout) need_arg "$@"; timeout_s=$2; shift 2 ;;
	--mem) need_arg "$@"; mem=$2; shift 2 ;;
	--smp) need_arg "$@"; smp=$2; shift 2 ;;
	--vz-fs) need_arg "$@"; vzfs=$2; shift 2 ;;
	--vz-size) need_arg "$@"; vzsize=$2; shift 2 ;;
	--env) need_arg "$@"; extra_env+=("$2"); shift 2 ;;
	--keep) need_arg "$@"; keep+=("$2"); shift 2 ;;
	--out) need_arg "$@"; out=$2; shift 2 ;;
	--hostname) need_arg "$@"; hostname=$2; shift 2 ;;
	--net-socket-listen) need_arg "$@"; net_mode=listen; net_addr=$2; shift 2 ;;
	--net-socket-connect) need_arg "$@"; net_mode=connect; net_addr=$2; shift 2 ;;
	--net-ip) need_arg "$@"; net_ip=$2; shift 2 ;;
	--mac) need_arg "$@"; mac=$2; shift 2 ;;
	--verbose) verbose=1; shift ;;
	--direct) direct=1; shift ;;
	-h|--help) usage; exit 0 ;;
	--) shift; break ;;
	-*) die "unknown option '$1' (see --help)" ;;
	*) break ;;
	esac
done
[ $# -ge 1 ] || die "no script given (see --help)"
script=$(realpath -e -- "$1" 2>/dev/null) || die "no such script: $1"
shift
args=("$@")

case $timeout_s in ''|*[!0-9]*) die "--timeout takes whole seconds, not '$timeout_s'" ;; esac
case $mem in ''|*[!0-9]*) die "--mem takes MiB, not '$mem'" ;; esac
case $smp in ''|*[!0-9]*) die "--smp takes a CPU count, not '$smp'" ;; esac
case $vzfs in ext4|tmpfs) ;; *) die "--vz-fs is ext4 or tmpfs, not '$vzfs'" ;; esac
for e in ${extra_env[@]+"${extra_env[@]}"}; do
	[[ $e =~ ^[A-Za-z_][A-Za-z0-9_]*= ]] || die "--env takes NAME=VALUE, not '$e'"
done

build=${BUILD:-$src/build}
case $build in /*) ;; *) build=$PWD/$build ;; esac

# The script's environment: nothing of the caller's leaks in but what is named here.
job_env=(PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root
	TERM=dumb LANG=C.UTF-8 BUILD="$build" VZ_SRC="$src")
for name in $(compgen -e); do
	[[ $name == VZ_TEST_* ]] && job_env+=("$name=${!name}")
done
job_env+=(${extra_env[@]+"${extra_env[@]}"})

# ---------------------------------------------------------------- direct mode

pure_cgroup2() {
	[ "$(stat -fc %T /sys/fs/cgroup 2>/dev/null)" = cgroup2fs ] &&
		! awk '$3 == "cgroup" { found = 1 } END { exit !found }' /proc/self/mounts
}

if [ "$direct" = 1 ]; then
	if ! pure_cgroup2; then
		die "--direct (VZ_TEST_DIRECT=1) needs a host with pure cgroup v2 at /sys/fs/cgroup; this host has cgroup v1 hierarchies (or no cgroup2 there), so the tests must run in the guest: drop --direct"
	fi
	[ "$(id -u)" -eq 0 ] || die "--direct needs root: the tests create cgroups"
	rc=0
	timeout -k 10 "$timeout_s" env -i "${job_env[@]}" VZ_IN_GUEST=0 /bin/bash "$script" ${args[@]+"${args[@]}"} </dev/null || rc=$?
	[ $rc -eq 124 ] && echo "run-guest: $script timed out after $timeout_s s (direct mode)" >&2
	exit $rc
fi

# ---------------------------------------------------------------- guest mode

qemu=${VZ_VM_QEMU:-qemu-system-x86_64}
command -v "$qemu" >/dev/null || die "$qemu is missing: install qemu-system-x86 ('make deps')"
[ -x /bin/busybox ] || die "/bin/busybox is missing: install busybox-static ('make deps')"
[ -x /bin/bash ] || die "/bin/bash is missing: the guest runs the host's bash"
if [ "$vzfs" = ext4 ]; then
	command -v mkfs.ext4 >/dev/null || die "mkfs.ext4 is missing: install e2fsprogs ('make deps') or use --vz-fs tmpfs"
fi

if [ -n "$net_mode" ]; then
	case $net_addr in
	127.0.0.1:*) ;;
	*:*) die "--net-socket-* only joins guests over 127.0.0.1, not '$net_addr'" ;;
	*) net_addr=127.0.0.1:$net_addr ;;
	esac
	[[ ${net_addr#127.0.0.1:} =~ ^[0-9]+$ ]] || die "bad port in '$net_addr'"
	[ -n "$net_ip" ] || die "--net-socket-* needs --net-ip ADDR/PREFIX"
fi
if [ -n "$net_ip" ]; then
	[[ $net_ip =~ ^(192\.0\.2|198\.51\.100|203\.0\.113)\.([0-9]{1,3})/(2[4-9]|3[0-2])$ ]] ||
		die "--net-ip must be in 192.0.2.0/24, 198.51.100.0/24 or 203.0.113.0/24 (prefix 24..32), not '$net_ip'"
	[ -n "$net_mode" ] || die "--net-ip needs --net-socket-listen or --net-socket-connect"
	if [ -z "$mac" ]; then
		# Locally administered, unique per address: two guests never clash.
		IFS=./ read -r a b c d _ <<<"$net_ip"
		mac=$(printf '52:54:%02x:%02x:%02x:%02x' "$a" "$b" "$c" "$d")
	fi
fi

kdir=$("$here/fetch-kernel.sh") || die "no guest kernel (see the message above)"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/vz-vm.XXXXXX")
# shellcheck disable=SC2317 # called through the trap
cleanup() {
	# qemu runs under timeout in a process group of its own, out of reach of ^C.
	[ -s "$tmp/qemu.pid" ] && kill "$(cat "$tmp/qemu.pid")" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'echo "run-guest: interrupted" >&2; exit 130' INT TERM

"$here/mkinitramfs.sh" "$kdir" "$tmp/initramfs.cpio" || die "cannot build the initramfs"

drive=()
if [ "$vzfs" = ext4 ]; then
	truncate -s "$vzsize" "$tmp/vz.img" || die "cannot create the /vz image ($vzsize) in $tmp"
	# Project quotas on, as diskspace per CT needs; lazy init keeps mkfs instant.
	mkfs.ext4 -F -q -O quota,project -E quotatype=prjquota,lazy_itable_init=1,lazy_journal_init=1 \
		-L vz "$tmp/vz.img" || die "mkfs.ext4 failed on $tmp/vz.img"
	drive=(-drive "file=$tmp/vz.img,format=raw,if=virtio,cache=unsafe")
fi

outshare=()
if [ -n "$out" ]; then
	mkdir -p "$out" || die "cannot create $out"
	out=$(cd "$out" && pwd -P)
	# security_model=none: the guest's root writes files owned by whoever runs qemu.
	outshare=(-virtfs "local,path=$out,mount_tag=out,security_model=none,multidevs=remap")
fi

netdev=(-nic none)
if [ -n "$net_mode" ]; then
	netdev=(-netdev "socket,id=n0,$net_mode=$net_addr" -device "virtio-net-pci,netdev=n0,mac=$mac")
fi

keep+=("$build" "$src" "$script" "$PWD")
# The script's directory too (it may source its neighbours), unless that is /tmp itself.
[ "$(dirname "$script")" = /tmp ] || keep+=("$(dirname "$script")")
token=$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
{
	printf 'VZ_VM_TOKEN=%q\n' "$token"
	printf 'VZ_VM_MODULES=%q\n' "$kdir/lib/modules/$(basename "$kdir")"
	printf 'VZ_VM_VZFS=%q\n' "$vzfs"
	printf 'VZ_VM_VERBOSE=%q\n' "$verbose"
	printf 'VZ_VM_HOSTNAME=%q\n' "$hostname"
	printf 'VZ_VM_NET_IP=%q\n' "$net_ip"
	printf 'VZ_VM_CWD=%q\n' "$PWD"
	printf 'VZ_VM_OUT=%q\n' "$out"
	VZ_VM_ENV=("${job_env[@]}" VZ_IN_GUEST=1)
	VZ_VM_ARGV=("$script" ${args[@]+"${args[@]}"})
	VZ_VM_KEEP=("${keep[@]}")
	declare -p VZ_VM_ENV VZ_VM_ARGV VZ_VM_KEEP
} >"$tmp/job"

# The unpacked kernel boots through its PVH entry, seconds faster under TCG.
kernel=$kdir/vmlinuz
[ -s "$kdir/vmlinux" ] && kernel=$kdir/vmlinux
# shellcheck disable=SC2054 # commas belong to qemu's option syntax
accel=(-accel tcg,thread=multi -cpu max)
[ -w /dev/kvm ] && accel=(-accel kvm -cpu host)
loglevel=4
[ "$verbose" = 1 ] && loglevel=7

# shellcheck disable=SC2054
qemu_cmd=("$qemu" -nodefaults -no-user-config -machine q35 "${accel[@]}" -smp "$smp" -m "$mem"
	-kernel "$kernel" -initrd "$tmp/initramfs.cpio"
	-append "console=ttyS0 panic=-1 rdinit=/init quiet loglevel=$loglevel 8250.nr_uarts=1 vz.job=$tmp/job"
	-display none -serial stdio -monitor none -no-reboot -pidfile "$tmp/qemu.pid"
	-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap
	${outshare[@]+"${outshare[@]}"} ${drive[@]+"${drive[@]}"} "${netdev[@]}")

# One pass over the console: boot messages are kept aside (shown with --verbose or
# when the guest fails), the job's lines go to stdout as they come.
t0=$EPOCHREALTIME
state=boot status='' fail_reason='' ready_at='' guest_uptime='' qemu_rc=''
: >"$tmp/console.log"
run_qemu() { # set -e holds in here too: keep qemu's status for the marker
	local rc=0
	timeout -k 5 "$timeout_s" "${qemu_cmd[@]}" </dev/null 2>"$tmp/qemu.err" || rc=$?
	echo "QEMU-RC $rc $token"
}
exec 3< <(run_qemu)
while IFS= read -r line <&3; do
	line=${line%$'\r'}
	# The marker ends the line when the console's last line had no newline.
	case $line in
	*"QEMU-RC "*" $token")
		qemu_rc=${line##*QEMU-RC }; qemu_rc=${qemu_rc%% *}
		line=${line%QEMU-RC *}
		[ -n "$line" ] || continue ;;
	esac
	echo "$line" >>"$tmp/console.log"
	case $state:$line in
	boot:GUEST-READY\ *)
		state=job
		guest_uptime=${line#GUEST-READY }
		ready_at=$EPOCHREALTIME
		continue ;;
	*:GUEST-FAIL\ *) fail_reason=${line#GUEST-FAIL } ;;
	job:*"GUEST-EXIT "*" $token")
		# The job's last line may lack its newline: the marker then ends that line.
		[ -n "${line%%GUEST-EXIT *}" ] && printf '%s\n' "${line%%GUEST-EXIT *}"
		status=${line##*GUEST-EXIT }; status=${status%% *}
		state=ended
		continue ;;
	esac
	if [ "$state" = job ]; then
		printf '%s\n' "$line"
	elif [ "$verbose" = 1 ]; then
		printf '%s\n' "$line" >&2
	fi
done
exec 3<&-
t1=$EPOCHREALTIME

secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
console_tail() {
	echo "run-guest: last console lines:" >&2
	tail -n 40 "$tmp/console.log" | sed 's/^/  | /' >&2
	[ -s "$tmp/qemu.err" ] && { echo "run-guest: qemu said:" >&2; sed 's/^/  | /' "$tmp/qemu.err" >&2; }
	return 0
}

if [ -n "$ready_at" ]; then
	echo "run-guest: guest ready in $(secs "$t0" "$ready_at") s (kernel uptime ${guest_uptime} s), job ran $(secs "$ready_at" "$t1") s" >&2
	# For run-suite.sh, which reports the boot time beside its summary.
	[ -n "${VZ_VM_STATS:-}" ] && printf 'ready=%s\nkernel=%s\njob=%s\n' "$(secs "$t0" "$ready_at")" \
		"$guest_uptime" "$(secs "$ready_at" "$t1")" >"$VZ_VM_STATS"
fi
if [ -n "$status" ]; then
	exit "$status"
fi
if [ "$qemu_rc" = 124 ] || [ "$qemu_rc" = 137 ]; then
	echo "run-guest: timed out after $timeout_s s: qemu was killed (raise --timeout if the job is just slow)" >&2
	[ "$state" = job ] || console_tail
	exit 124
fi
if [ -n "$fail_reason" ]; then
	echo "run-guest: the guest could not be set up: $fail_reason" >&2
else
	echo "run-guest: the guest stopped without reporting the script's status (qemu exit ${qemu_rc:-?})" >&2
fi
console_tail
exit 125
