#!/bin/sh
# Stage 1 of the test guest, /init of the initramfs (busybox sh).
#
# Loads the modules that reach the host, mounts the host root read-only over virtio-9p
# (tag hostroot), lays a tmpfs overlay on it so the guest may write anywhere, and
# switches into it, handing over to stage2.sh.  The host root stays reachable read-only
# at /run/vz-vm/host: stage 2 mounts a fresh /tmp and binds host paths under /tmp
# (a build directory, say) back from there.
PATH=/bin
export PATH

# The archive holds no /dev/console (it is built without root), so the kernel started
# us with no stdio: take the console from devtmpfs first.
busybox mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1

fail() {
	echo "GUEST-FAIL stage 1: $*"
	busybox poweroff -f
	exit 1
}

busybox mount -t proc proc /proc || fail "cannot mount /proc"
busybox mount -t sysfs sysfs /sys || fail "cannot mount /sys"

while read -r m; do
	busybox insmod "/modules/$m" || fail "insmod $m failed"
done </modules/order

# multidevs=remap on the host side keeps inode numbers unique across host mounts;
# cache=loose is safe because the host tree does not change while a guest runs.
opts=trans=virtio,version=9p2000.L,ro,cache=loose,msize=512000
n=0
until busybox mount -t 9p -o "$opts" hostroot /mnt/lower 2>/dev/null; do
	n=$((n + 1))
	[ $n -lt 50 ] || fail "cannot mount the host root (9p tag hostroot): is qemu started with -virtfs ... mount_tag=hostroot?"
	busybox usleep 100000
done

busybox mount -t tmpfs -o mode=0755 tmpfs /mnt/rw || fail "cannot mount the overlay tmpfs"
busybox mkdir -p /mnt/rw/upper /mnt/rw/work
# Features that need trusted xattrs or file handles on the lower layer stay off:
# 9p gives neither reliably.
busybox mount -t overlay overlay \
	-o lowerdir=/mnt/lower,upperdir=/mnt/rw/upper,workdir=/mnt/rw/work,index=off,xino=off,redirect_dir=off,metacopy=off \
	/newroot || fail "cannot mount the overlay on the host root"

busybox mount -t tmpfs -o mode=0755,nosuid,nodev tmpfs /newroot/run || fail "cannot mount /run"
busybox mkdir -p /newroot/run/vz-vm/host
busybox cp /stage2.sh /newroot/run/vz-vm/stage2.sh
busybox mount --move /mnt/lower /newroot/run/vz-vm/host || fail "cannot move the host root mount"
busybox mount --move /dev /newroot/dev || fail "cannot move /dev"
busybox umount /proc /sys

[ -x /newroot/bin/bash ] || fail "the host root has no /bin/bash"
exec busybox switch_root /newroot /bin/bash /run/vz-vm/stage2.sh
