#!/usr/bin/env bash
# Builds another version of the project for the benchmarks to time beside this one
# (BENCH_BASE of bench/run.sh, VZ_BENCH_BASE of bench/exec-start.sh):
#
#   bench/build-base.sh REV DIR      the tree of git revision REV into DIR/src, built into
#                                    DIR/build (printed last); DIR/build/REV names it
#
# DIR must not be below /tmp: the test guest has a /tmp of its own.
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 REV DIR" >&2; exit 2; }
rev=$1
dir=$2
case $dir in /tmp | /tmp/*) echo "build-base: $dir is below /tmp, which the guest does not see" >&2; exit 2 ;; esac
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
full=$(git -C "$here" rev-parse --verify "$rev^{commit}")
rm -rf "$dir/src" "$dir/build"
mkdir -p "$dir/src"
git -C "$here" archive "$full" | tar -x -C "$dir/src"
make -s -C "$dir/src" BUILD="$dir/build" -j"$(nproc)" all >&2
echo "$full" >"$dir/build/REV"
echo "$dir/build"
