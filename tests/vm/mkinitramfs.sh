#!/usr/bin/env bash
# Builds the test guest's initramfs: busybox-static, the modules that reach the host
# root (virtio-pci, 9p over virtio, overlay) with their dependencies in load order,
# the stage-1 /init and the stage-2 script it hands over to.
#
#   tests/vm/mkinitramfs.sh KERNEL_DIR OUT.cpio
#
# KERNEL_DIR is what fetch-kernel.sh prints.  The archive is left uncompressed: it is
# a few MB, and unpacking gzip under software emulation costs more than reading it.
# No root needed: /dev/console is not in the archive; /init opens it from devtmpfs.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
die() { echo "mkinitramfs: $*" >&2; exit 1; }

[ $# -eq 2 ] || die "usage: mkinitramfs.sh KERNEL_DIR OUT.cpio"
kdir=$1
out=$2
ver=$(basename "$(readlink -f "$kdir")")
mods=$kdir/lib/modules/$ver
busybox=${VZ_VM_BUSYBOX:-/bin/busybox}

[ -s "$mods/modules.dep" ] || die "no $mods/modules.dep; run tests/vm/fetch-kernel.sh"
[ -x "$busybox" ] || die "no $busybox; install busybox-static ('make deps')"
# A dynamically linked busybox would need the host's libc inside the initramfs.
if file -L "$busybox" 2>/dev/null | grep -q 'dynamically linked'; then
	die "$busybox is dynamically linked; install busybox-static ('make deps')"
fi
command -v cpio >/dev/null || die "cpio is missing ('make deps')"

# What stage 1 needs to reach the host root; anything else is loaded by stage 2 with
# the real modprobe, from the whole module tree bind-mounted in the guest.
wanted=(virtio_pci 9pnet_virtio 9p overlay)

declare -A dep_of=() seen=()
order=()
while IFS= read -r line; do
	name=${line%%:*}
	name=${name##*/}
	name=${name%%.ko*}
	dep_of[${name//-/_}]=$line
done <"$mods/modules.dep"

# modules.dep lists every transitive dependency of a module, the deepest last, so
# they load from the end of the list backwards, each before its users.
add_module() {
	local name=${1//-/_} line deps i
	[ -n "${seen[$name]:-}" ] && return 0
	if [ -z "${dep_of[$name]:-}" ]; then
		grep -q "/${name}.ko" "$mods/modules.builtin" 2>/dev/null && { seen[$name]=1; return 0; }
		die "module $name is neither in modules.dep nor built in (kernel $ver)"
	fi
	line=${dep_of[$name]}
	read -r -a deps <<<"${line#*:}"
	for ((i = ${#deps[@]} - 1; i >= 0; i--)); do
		local dep=${deps[i]##*/}
		add_module "${dep%%.ko*}"
	done
	seen[$name]=1
	order+=("${line%%:*}")
}
for m in "${wanted[@]}"; do add_module "$m"; done

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,dev,proc,sys,newroot,mnt/lower,mnt/rw,modules}
cp "$busybox" "$root/bin/busybox"
ln -s busybox "$root/bin/sh"

: >"$root/modules/order"
for rel in "${order[@]}"; do
	base=$(basename "$rel")
	# busybox insmod takes plain ELF objects: unpack what the package compressed.
	case $base in
	*.ko.xz) xz -dc "$mods/$rel" >"$root/modules/${base%.xz}"; base=${base%.xz} ;;
	*.ko.zst) zstd -qdc "$mods/$rel" >"$root/modules/${base%.zst}"; base=${base%.zst} ;;
	*.ko.gz) gzip -dc "$mods/$rel" >"$root/modules/${base%.gz}"; base=${base%.gz} ;;
	*.ko) cp "$mods/$rel" "$root/modules/$base" ;;
	*) die "unexpected module file $rel" ;;
	esac
	echo "$base" >>"$root/modules/order"
done

install -m 0755 "$here/init.sh" "$root/init"
install -m 0755 "$here/stage2.sh" "$root/stage2.sh"

(cd "$root" && find . -mindepth 1 | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0) >"$out.tmp"
mv "$out.tmp" "$out"
