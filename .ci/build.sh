#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Configures and builds vmflow. Usage: .ci/build.sh [normal|sanitize|tsan]
#   normal   -> build/       (RelWithDebInfo)
#   sanitize -> build-asan/  (Debug, AddressSanitizer + UndefinedBehaviorSanitizer)
#   tsan     -> build-tsan/  (RelWithDebInfo, ThreadSanitizer)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
kind=${1:-normal}
case "$kind" in
  normal)   dir="$top/build";      args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo) ;;
  sanitize) dir="$top/build-asan"; args=(-DCMAKE_BUILD_TYPE=Debug -DVMFLOW_SANITIZE=ON) ;;
  tsan)     dir="$top/build-tsan"; args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DVMFLOW_TSAN=ON) ;;
  *) echo "build.sh: unknown build kind '$kind' (normal, sanitize or tsan)" >&2; exit 2 ;;
esac
cmake -S "$top" -B "$dir" "${args[@]}" >/dev/null
cmake --build "$dir" -j "$(nproc)" >/dev/null
echo "$dir"
