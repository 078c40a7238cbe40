#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench/fuzz.sh - run one libFuzzer target for a given time.
#
#   bench/fuzz.sh TARGET SECONDS [-- LIBFUZZER_OPTIONS...]
#   bench/fuzz.sh --list
#
# TARGET is a harness tests/fuzz/fuzz_<TARGET>.c (scenario, ctf_stream,
# stub_xml, tcxml_load, ...). The script builds the clang fuzz build
# (build-fuzz/, -DVMFLOW_FUZZ=ON: libFuzzer + ASan/UBSan; installs clang with
# apt-get if missing), copies the target's corpus (tests/fuzz/corpus/TARGET,
# plus corpora/ and bench/scenarios/ for `scenario`) into a work folder, and
# fuzzes for SECONDS. New interesting inputs stay in the work folder; crashes,
# leaks and timeouts are written to WORK/crashes-TARGET/ and listed at the
# end: copy each one into tests/fuzz/corpus/TARGET/ (the ctest replay tests
# run every file there) once the bug is fixed. Exit code 1 if anything was
# found. WORK is $VMFLOW_FUZZ_WORK or /tmp/vmflow-fuzz.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
B=${VMFLOW_FUZZ_BUILD:-$ROOT/build-fuzz}
WORK=${VMFLOW_FUZZ_WORK:-${TMPDIR:-/tmp}/vmflow-fuzz}

targets() { for f in "$ROOT"/tests/fuzz/fuzz_*.c; do f=${f##*/fuzz_}; f=${f%.c}; [ "$f" = util ] || echo "$f"; done; }
usage() { sed -n '4,7p' "$0" | sed 's/^# \{0,1\}//'; echo "targets: $(targets | tr '\n' ' ')"; exit "${1:-0}"; }

[ $# -ge 1 ] || usage 2 >&2
case "$1" in -h|--help) usage 0;; --list) targets; exit 0;; esac
[ $# -ge 2 ] || usage 2 >&2
TARGET=$1 SECONDS_=$2
shift 2
[ "${1:-}" = "--" ] && shift
[ -f "$ROOT/tests/fuzz/fuzz_$TARGET.c" ] || { echo "bench/fuzz.sh: no target '$TARGET' (try --list)" >&2; exit 2; }
case "$SECONDS_" in ''|*[!0-9]*) echo "bench/fuzz.sh: SECONDS must be a number" >&2; exit 2;; esac

mkdir -p "$WORK"
if ! command -v clang >/dev/null; then
  echo "installing clang ..." >&2
  apt-get install -y clang >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y clang >/dev/null; }
fi
if [ ! -f "$B/CMakeCache.txt" ]; then
  CC=clang cmake -S "$ROOT" -B "$B" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang \
    -DVMFLOW_FUZZ=ON >/dev/null
fi
make -C "$B" -j"$(nproc)" "fuzz_$TARGET" >"$WORK.build.log" 2>&1 ||
  { tail -20 "$WORK.build.log" >&2; echo "bench/fuzz.sh: build failed (log: $WORK.build.log)" >&2; exit 1; }
BIN=$(find "$B" -type f -name "fuzz_$TARGET" -perm -u+x | head -1)
[ -n "$BIN" ] || { echo "bench/fuzz.sh: fuzz_$TARGET was not built" >&2; exit 1; }

CORPUS=$WORK/corpus-$TARGET
CRASHES=$WORK/crashes-$TARGET
mkdir -p "$CORPUS" "$CRASHES"
[ -d "$ROOT/tests/fuzz/corpus/$TARGET" ] && cp -n "$ROOT/tests/fuzz/corpus/$TARGET"/* "$CORPUS"/ 2>/dev/null || true
if [ "$TARGET" = scenario ]; then
  cp -n "$ROOT"/corpora/*.yaml "$ROOT"/bench/scenarios/*.yaml "$CORPUS"/ 2>/dev/null || true
fi
DICT=()
[ -f "$ROOT/tests/fuzz/$TARGET.dict" ] && DICT=(-dict="$ROOT/tests/fuzz/$TARGET.dict")

before=$(find "$CRASHES" -type f | wc -l)
echo "fuzzing $TARGET for ${SECONDS_}s: $BIN, corpus $CORPUS ($(ls "$CORPUS" | wc -l) inputs)" >&2
set +e
TMPDIR=$WORK "$BIN" "$CORPUS" -max_total_time="$SECONDS_" -timeout=10 -rss_limit_mb=2048 \
  -max_len=262144 -print_final_stats=1 -artifact_prefix="$CRASHES/" "${DICT[@]}" "$@" \
  2>"$WORK/fuzz-$TARGET.log"
rc=$?
set -e
grep -E '^(stat::|Done|#[0-9]+.*DONE)' "$WORK/fuzz-$TARGET.log" >&2 || tail -5 "$WORK/fuzz-$TARGET.log" >&2
after=$(find "$CRASHES" -type f | wc -l)
if [ "$rc" != 0 ] || [ "$after" -gt "$before" ]; then
  echo "bench/fuzz.sh: $TARGET: libFuzzer exit code $rc; findings in $CRASHES:" >&2
  ls -la "$CRASHES" >&2
  echo "log: $WORK/fuzz-$TARGET.log; reproduce with: $BIN FILE" >&2
  exit 1
fi
echo "bench/fuzz.sh: $TARGET: nothing found in ${SECONDS_}s ($(ls "$CORPUS" | wc -l) corpus inputs)" >&2
