#!/usr/bin/env bash
# Boots the test guest and runs the scripted demo session (tests/vm/demo-session.sh).
#   BUILD=<build dir> tests/vm/demo.sh [run-guest options]
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export BUILD=${BUILD:-$(cd "$here/../.." && pwd)/build}
[ -x "$BUILD/tests/cgtest" ] || { echo "demo: $BUILD/tests/cgtest is not built (make BUILD=$BUILD all)" >&2; exit 1; }
exec "$here/run-guest.sh" --vz-fs tmpfs "$@" "$here/demo-session.sh"
