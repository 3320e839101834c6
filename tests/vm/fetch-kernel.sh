#!/usr/bin/env bash
# Fetches the test guest's kernel: the versioned linux-image-<ver>-amd64 package that
# Debian's linux-image-amd64 depends on, into tests/vm/cache/ (git-ignored).
#
#   tests/vm/fetch-kernel.sh [--refresh]
#
# Leaves cache/kernel/<ver>/{vmlinuz,vmlinux,config,lib/modules/<ver>} (modules.dep made
# by depmod, which the package leaves to its postinst) and cache/kernel/current -> <ver>.
# vmlinux is the kernel unpacked from vmlinuz: qemu boots it through its PVH entry,
# skipping the firmware's real-mode path and the decompressor, some 3 s under TCG.
# Idempotent: a complete cache is used as is, without asking apt, so later runs work
# offline and keep testing the same kernel.  --refresh fetches the version apt offers now.
# Prints the kernel directory on stdout; everything else goes to stderr.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache=${VZ_VM_CACHE:-$here/cache}
refresh=0

die() { echo "fetch-kernel: $*" >&2; exit 1; }
say() { echo "fetch-kernel: $*" >&2; }

# shellcheck source=scripts/debs.bash
. "$here/../../scripts/debs.bash"
debs_args "$@"

# A kernel directory is complete when the kernel, its modules and modules.dep exist;
# modules.dep is written last, so a fetch cut short never looks complete.
kernel_complete() {
	local dir=$1 ver
	ver=$(basename "$dir")
	[ -s "$dir/vmlinuz" ] && [ -s "$dir/lib/modules/$ver/modules.dep" ]
}

# The bzImage carries the kernel as one compressed stream after the setup code: find
# its magic and unpack it.  Only an ELF with the PVH note is worth keeping.
unpack_vmlinux() {
	local in=$1 out=$2 magic tool off
	for magic in 'xz:\xfd7zXZ\x00' 'zstd:\x28\xb5\x2f\xfd' 'gzip:\x1f\x8b\x08'; do
		tool=${magic%%:*}
		off=$(LC_ALL=C grep -obUaP "${magic#*:}" "$in" | head -n 1 | cut -d: -f1)
		[ -n "$off" ] || continue
		case $tool in
		xz) tail -c +$((off + 1)) "$in" | xz -dc --single-stream >"$out.tmp" 2>/dev/null ;;
		zstd) tail -c +$((off + 1)) "$in" | zstd -qdc >"$out.tmp" 2>/dev/null ;;
		gzip) tail -c +$((off + 1)) "$in" | gzip -dc >"$out.tmp" 2>/dev/null ;;
		esac
		# 0x12: XEN_ELFNOTE_PHYS32_ENTRY, the PVH entry point.
		if [ "$(head -c 4 "$out.tmp" 2>/dev/null | od -An -tx1 | tr -d ' ')" = 7f454c46 ] &&
			readelf -n "$out.tmp" 2>/dev/null | grep -q 'Xen.*0x00000012'; then
			mv "$out.tmp" "$out"
			return 0
		fi
	done
	rm -f "$out.tmp"
	return 1
}

if [ $refresh -eq 0 ] && [ -L "$cache/kernel/current" ]; then
	cur=$(readlink -f "$cache/kernel/current")
	if kernel_complete "$cur"; then
		# Caches made before vmlinux was kept get it now, or a note not to try again.
		if [ ! -e "$cur/vmlinux" ] && [ ! -e "$cur/.no-vmlinux" ]; then
			unpack_vmlinux "$cur/vmlinuz" "$cur/vmlinux" || : >"$cur/.no-vmlinux"
		fi
		echo "$cur"
		exit 0
	fi
fi

# Two runs at once (two engineers, two guests) fetch once: the second waits here and
# then finds the cache complete.
mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9
if [ $refresh -eq 0 ] && [ -L "$cache/kernel/current" ] && kernel_complete "$(readlink -f "$cache/kernel/current")"; then
	readlink -f "$cache/kernel/current"
	exit 0
fi

debs_need apt-get apt-cache dpkg-deb depmod

# The meta package names the real one: "Depends: linux-image-6.1.0-NN-amd64".
pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
	awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9].*-amd64$/ { print $2; exit }') || true
[ -n "$pkg" ] || die "apt does not know linux-image-amd64 or what it depends on; run 'apt-get update' (and check /etc/apt/sources.list has Debian main)"
ver=${pkg#linux-image-}
case $ver in
6.1.*) ;;
*) say "warning: apt offers kernel $ver, not 6.1 as the design assumes; using it anyway" ;;
esac

kdir=$cache/kernel/$ver
if ! kernel_complete "$kdir"; then
	deb=$(debs_fetch "$cache/debs" "$pkg")

	mkdir -p "$cache/kernel"
	stage=$(mktemp -d "$cache/kernel/.stage.XXXXXX")
	trap 'rm -rf "$stage"' EXIT
	say "extracting $(basename "$deb")"
	dpkg-deb -x "$deb" "$stage/x"
	# Debian 12 keeps modules in /lib; merged-/usr packages may put them in /usr/lib.
	mods=$stage/x/lib/modules/$ver
	[ -d "$mods" ] || mods=$stage/x/usr/lib/modules/$ver
	[ -d "$mods" ] || die "$(basename "$deb") holds no modules for $ver"
	[ -f "$stage/x/boot/vmlinuz-$ver" ] || die "$(basename "$deb") holds no /boot/vmlinuz-$ver"

	mkdir -p "$stage/k/lib/modules"
	mv "$stage/x/boot/vmlinuz-$ver" "$stage/k/vmlinuz"
	mv "$stage/x/boot/config-$ver" "$stage/k/config"
	mv "$mods" "$stage/k/lib/modules/$ver"
	if ! unpack_vmlinux "$stage/k/vmlinuz" "$stage/k/vmlinux"; then
		say "warning: cannot unpack vmlinux from vmlinuz; the guest boots the slower way"
		: >"$stage/k/.no-vmlinux"
	fi
	rm -f "$stage/k/lib/modules/$ver/modules.dep"
	depmod -b "$stage/k" "$ver" || die "depmod failed on the extracted modules"
	rm -rf "$kdir"
	mv "$stage/k" "$kdir"
fi
ln -sfn "$ver" "$cache/kernel/current"
kernel_complete "$kdir" || die "the kernel cache $kdir is incomplete; remove it and run again"
say "kernel $ver ready in $kdir"
echo "$kdir"
