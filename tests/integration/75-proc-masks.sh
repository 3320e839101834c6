#!/bin/bash
# A CT's /proc and /sys show the host's kernel as runc and LXC let a container see it,
# in a privileged CT (no user namespace) and in one with a user namespace alike:
# /proc/sys (but its net), /proc/bus, /proc/fs, /proc/irq and /proc/sysrq-trigger
# are read-only (opening PCI configuration space, the default IRQ affinity or the
# sysrq trigger for writing fails, and writing the affinity's own value back fails);
# /proc/kcore, keys, timer_list (the CT's /dev/null), /proc/acpi, /proc/scsi and
# /sys/firmware (an empty read-only tmpfs) are masked; /sys is read-only but its
# cgroup, the CT's own.  The CT's root can take none of it off: umount (lazy too, and
# in a mount namespace of its own), remounting read-write and mounting a proc or sysfs
# of its own without the masks all fail.  /dev/console of the host (char 5:1) is
# refused by the device program: with CAPABILITY="mknod:on" the privileged CT makes
# /dev/null's twin and writes to it, but a node of 5:1 cannot be made or written.
set -u
. "$(dirname "$0")/common.bash"
need_ct_host

priv=1075
unpriv=1076
ct_pair masks $priv $unpriv
for ct in $priv $unpriv; do
	echo 'CAPABILITY="mknod:on"' >>"$it/conf/$ct.conf"
done

in_ct() { vzctl exec2 "$1" "$2" </dev/null 2>&1; }
# top_mount CT PATH: "fstype options" of the topmost mount on PATH inside CT.
top_mount() {
	in_ct "$1" 'cat /proc/self/mountinfo' |
		awk -v p="$2" '$5 == p { for (i = 7; $i != "-"; i++); t = $(i + 1) " " $6 } END { print t }'
}
# refused CT WHAT CMD: CMD, run by the CT's root, must fail; its message is shown.
refused() {
	local msg
	if msg=$(in_ct "$1" "$3"); then
		fail "CT $1: $2 succeeded"
	fi
	echo "CT $1: $2 refused: $(tr '\n' ' ' <<<"$msg")"
}

# What the host has, so that each check asks about a path this kernel shows.
pci=$(ls /proc/bus/pci/*/* 2>/dev/null | head -n 1)
[ -n "$pci" ] || skip "no /proc/bus/pci on this kernel"
sysfile=
for f in /sys/kernel/mm/transparent_hugepage/enabled /sys/kernel/uevent_helper /sys/power/state; do
	[ -e "$f" ] && { sysfile=$f; break; }
done
[ -n "$sysfile" ] || fail "none of the writable /sys files the test knows is on this kernel"
masked_files= masked_dirs=
for f in /proc/kcore /proc/keys /proc/timer_list; do
	if [ -f "$f" ]; then masked_files="$masked_files $f"; else echo "no $f on this kernel"; fi
done
for d in /proc/acpi /proc/scsi /sys/firmware; do
	if [ -d "$d" ]; then masked_dirs="$masked_dirs $d"; else echo "no $d on this kernel"; fi
done
[ -n "$masked_files" ] && [ -n "$masked_dirs" ] || fail "this kernel has none of the masked files or directories"

for ct in $priv $unpriv; do
	vzctl start $ct --wait >"$it/start.out" 2>&1 || fail "start of $ct failed: $(cat "$it/start.out")"

	# Read-only: opening for writing (O_APPEND, so nothing would be written) fails.
	for f in "$pci" /proc/irq/default_smp_affinity /proc/sysrq-trigger /proc/sys/kernel/sysrq; do
		refused $ct "opening $f for writing" ": >>$f"
	done
	refused $ct "writing /proc/irq/default_smp_affinity's own value back" \
		'v=$(cat /proc/irq/default_smp_affinity) && echo $v >/proc/irq/default_smp_affinity'
	# ... and still readable, as are the CT's own files.
	in_ct $ct "head -c 4 $pci | wc -c" | grep -qx 4 || fail "CT $ct cannot read $pci"
	in_ct $ct 'cat /proc/sys/kernel/ostype' | grep -qx Linux || fail "CT $ct cannot read /proc/sys"
	in_ct $ct 'echo 1 >/proc/sys/net/ipv4/ip_forward' || fail "CT $ct cannot write its own net sysctls"

	# Masked: files are the CT's /dev/null (1:3), empty; directories an empty tmpfs.
	for f in $masked_files; do
		[ "$(in_ct $ct "stat -c %t:%T $f")" = 1:3 ] || fail "CT $ct: $f is not masked: $(in_ct $ct "ls -l $f")"
		[ "$(in_ct $ct "wc -c <$f")" = 0 ] || fail "CT $ct reads something in $f"
	done
	for d in $masked_dirs; do
		[ "$(top_mount $ct $d | cut -d' ' -f1)" = tmpfs ] || fail "CT $ct: $d is not masked ($(top_mount $ct $d))"
		[ -z "$(in_ct $ct "ls -A $d")" ] || fail "CT $ct sees $(in_ct $ct "ls -A $d") in $d"
		refused $ct "making a file in $d" "touch $d/x"
	done
	echo "CT $ct:$masked_files$masked_dirs masked"

	# /sys read-only, its cgroup the CT's own and writable.
	case ",$(top_mount $ct /sys | cut -d' ' -f2)," in *,ro,*) ;; *) fail "CT $ct: /sys is not read-only" ;; esac
	refused $ct "opening $sysfile for writing" ": >>$sysfile"
	in_ct $ct 'mkdir /sys/fs/cgroup/masks && rmdir /sys/fs/cgroup/masks' ||
		fail "CT $ct cannot make a cgroup in its /sys/fs/cgroup"

	# None of it comes off.
	for m in /proc/kcore /proc/keys /proc/sysrq-trigger /proc/bus /proc/sys /sys/firmware /sys /proc; do
		refused $ct "umount $m" "umount $m"
		refused $ct "umount -l $m" "umount -l $m"
	done
	refused $ct "umount of /proc/kcore in a mount namespace of its own" \
		'unshare -m sh -c "umount /proc/kcore || umount -l /proc/kcore; stat -c %t:%T /proc/kcore | grep -qx 1:3 && exit 1; exit 0"'
	refused $ct "remounting /sys read-write" 'mount -o remount,rw /sys'
	refused $ct "remounting /proc/sys read-write" 'mount -o remount,bind,rw /proc/sys'
	refused $ct "remounting /proc/bus read-write" 'mount -o remount,bind,rw /proc/bus'
	refused $ct "mounting a proc of its own" 'mkdir -p /tmp/p && mount -t proc proc /tmp/p'
	refused $ct "mounting a sysfs of its own" 'mkdir -p /tmp/s && mount -t sysfs sysfs /tmp/s'
	[ "$(in_ct $ct 'stat -c %t:%T /proc/kcore')" = 1:3 ] || fail "CT $ct took the mask off /proc/kcore"
	[ "$(top_mount $ct /sys/firmware | cut -d' ' -f1)" = tmpfs ] || fail "CT $ct took the mask off /sys/firmware"

	# The host's console: no node of 5:1 the CT can write to.
	refused $ct "writing to a node of the host's console (5:1)" \
		'mknod /dev/hostcon c 5 1; [ -c /dev/hostcon ] && echo x >/dev/hostcon'
	in_ct $ct 'rm -f /dev/hostcon'
	if [ $ct = $priv ]; then
		# mknod itself works there: it is the device program that refuses 5:1.
		in_ct $ct 'mknod /dev/null2 c 1 3 && echo x >/dev/null2 && rm /dev/null2' ||
			fail "CT $ct cannot make and write a node of 1:3 with mknod:on"
	fi
	in_ct $ct 'echo x >/dev/console' || fail "CT $ct cannot write to its own /dev/console"

	vzctl stop $ct >/dev/null 2>&1 || fail "stop of $ct failed"
done
echo "both CTs: host-wide /proc and /sys files read-only or masked, for good; no host console"
