#!/usr/bin/env bash
# Installs every Debian package the project builds, tests and runs with.
# Idempotent: packages already present are skipped, and the package lists are
# refreshed at most once per run, only when something is missing.
set -euo pipefail

packages=(
	build-essential pkg-config make clang llvm lld
	libcgroup-dev libiniparser-dev libcriterion-dev
	libnl-3-dev libnl-route-3-dev libcap-dev libfuse3-dev fuse3
	libbpf-dev bpftool libjson-c-dev libseccomp-dev
	qemu-system-x86 qemu-utils busybox-static cpio kmod e2fsprogs xz-utils zstd
	criu rsync openssh-client iproute2 iptables nftables procps util-linux python3
	mmdebstrap apt-utils dpkg-dev
)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	echo "deps: all ${#packages[@]} packages present"
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing packages: ${missing[*]}; run 'make deps' as root" >&2
	exit 1
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
