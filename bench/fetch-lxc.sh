#!/usr/bin/env bash
# Fetches Debian's LXC for the benchmarks without installing it: `apt-get download` of
# lxc, liblxc1 and liblxc-common, unpacked with `dpkg-deb -x` into bench/cache/lxc
# (git-ignored).  Installing the package would run its postinst (a bridge, services);
# the benchmarks need only the binaries, run with LD_LIBRARY_PATH and an explicit
# lxcpath and config.  The other libraries lxc needs (libcap2, libseccomp2,
# libapparmor1, libselinux1) are part of a Debian base system and come from the host.
#
#   bench/fetch-lxc.sh [--refresh]
#
# Leaves cache/lxc/<version>/{usr/bin/lxc-*,usr/lib/x86_64-linux-gnu/liblxc.so.1,
# usr/share/lxc,...} and cache/lxc/current -> <version>.  Idempotent: a complete cache
# is used as is, without asking apt.  Prints the unpacked root on stdout; everything
# else goes to stderr.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache=${VZ_BENCH_CACHE:-$here/cache}
pkgs=(lxc liblxc1 liblxc-common)
refresh=0

die() { echo "fetch-lxc: $*" >&2; exit 1; }
say() { echo "fetch-lxc: $*" >&2; }

# shellcheck source=scripts/debs.bash
. "$here/../scripts/debs.bash"
debs_args "$@"

# Complete when the tools and the library are there; .complete is written last.
complete() { [ -e "$1/.complete" ] && [ -x "$1/usr/bin/lxc-start" ] && [ -x "$1/usr/bin/lxc-attach" ]; }

if [ $refresh -eq 0 ] && [ -L "$cache/lxc/current" ] && complete "$(readlink -f "$cache/lxc/current")"; then
	readlink -f "$cache/lxc/current"
	exit 0
fi

mkdir -p "$cache/lxc"
exec 9>"$cache/.lock"
flock 9
if [ $refresh -eq 0 ] && [ -L "$cache/lxc/current" ] && complete "$(readlink -f "$cache/lxc/current")"; then
	readlink -f "$cache/lxc/current"
	exit 0
fi

debs_need apt-get apt-cache dpkg-deb

ver=$(apt-cache policy lxc 2>/dev/null | awk '$1 == "Candidate:" { print $2; exit }')
if [ -z "$ver" ] || [ "$ver" = "(none)" ]; then
	die "apt does not know the package lxc; run 'apt-get update' (Debian main in sources.list)"
fi
# The directory is named by the version without its epoch.
fver=${ver#*:}
dir=$cache/lxc/$fver

if ! complete "$dir"; then
	debs=()
	for p in "${pkgs[@]}"; do
		debs+=("$(debs_fetch "$cache/debs" "$p" "$ver")")
	done
	stage=$(mktemp -d "$cache/lxc/.stage.XXXXXX")
	trap 'rm -rf "$stage"' EXIT
	for deb in "${debs[@]}"; do
		say "extracting $(basename "$deb")"
		dpkg-deb -x "$deb" "$stage"
	done
	[ -x "$stage/usr/bin/lxc-start" ] || die "the packages hold no usr/bin/lxc-start"
	: >"$stage/.complete"
	rm -rf "$dir"
	mv "$stage" "$dir"
	trap - EXIT
fi
ln -sfn "$fver" "$cache/lxc/current"
say "lxc $ver ready in $dir"
echo "$dir"
