#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The whole test suite: installs dependencies, builds the normal and the
# sanitizer (ASan+UBSan) builds, and runs every test of both through ctest.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
bash "$top/.ci/install-deps.sh"
status=0
for kind in normal sanitize; do
  dir=$(bash "$top/.ci/build.sh" "$kind")
  echo "== ctest ($kind build: $dir)"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir "$dir" --output-on-failure -j "$(nproc)" --timeout 900 || status=1
done
exit $status
