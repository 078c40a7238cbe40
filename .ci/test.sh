#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The whole test suite: installs dependencies, builds the normal and the
# sanitizer (ASan+UBSan) builds, and runs every test of both through ctest;
# then a ThreadSanitizer build runs the tests that exercise vmflow's threads
# (parallel CTF reading, the synth writer thread, the parallel exports).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
bash "$top/.ci/install-deps.sh"
# The vmtests need QEMU, lttng-tools/ust and shellcheck, and lttng-modules built
# (once, cached) for the TCG lab's guest kernel: outside ctest's per-test timeout.
bash "$top/vmtests/install-deps.sh"
bash "$top/vmtests/tcg/build-modules.sh"
status=0
for kind in normal sanitize; do
  dir=$(bash "$top/.ci/build.sh" "$kind")
  echo "== ctest ($kind build: $dir)"
  # The QEMU/TCG recordings (real KVM inside an emulated AMD host) run once, in the normal build.
  tcg=0
  [ "$kind" = normal ] && tcg=1
  VMFLOW_VMTESTS_TCG=$tcg \
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir "$dir" --output-on-failure -j "$(nproc)" --timeout 900 || status=1
done
dir=$(bash "$top/.ci/build.sh" tsan)
echo "== ctest (ThreadSanitizer build: $dir; the threaded paths)"
# GLib's quark table is locked by futexes TSan does not see (tests/tsan.supp).
TSAN_OPTIONS="suppressions=$top/tests/tsan.supp:halt_on_error=1:second_deadlock_stack=1" \
  ctest --test-dir "$dir" --output-on-failure -j "$(nproc)" --timeout 900 \
  -R 'test_parallel_read|test_sink_thread|test_end_to_end|test_hardening|test_outputs_stable|test_replay_ctf_stream|test_ctf_reader|test_bad_input' || status=1
exit $status
