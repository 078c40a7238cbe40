# SPDX-License-Identifier: MIT
# assert.sh - tiny assertion helpers for the bash tests (sourced).
# Each test script: `source "$VMFLOW_SOURCE_DIR/tests/lib/assert.sh"`, then checks;
# it ends with `finish`, which prints "N passed, N failed" and sets the exit code.
set -u
pass_count=0
fail_count=0
: "${VMFLOW:?VMFLOW must point to the vmflow binary}"
: "${VMFLOW_TEST_TMP:?}"
rm -rf "$VMFLOW_TEST_TMP"
mkdir -p "$VMFLOW_TEST_TMP"
T=$VMFLOW_TEST_TMP

ok() { pass_count=$((pass_count + 1)); echo "ok - $1"; }
not_ok() { fail_count=$((fail_count + 1)); echo "not ok - $1"; }

# expect_eq ACTUAL EXPECTED NAME
expect_eq() {
  if [ "$1" = "$2" ]; then ok "$3"; else not_ok "$3 (got '$1', expected '$2')"; fi
}

# run_cmd: runs "$@", sets $rc, $out (stdout) and $err (stderr).
run_cmd() {
  out=$("$@" 2>"$T/.stderr") && rc=0 || rc=$?
  err=$(cat "$T/.stderr")
}

# expect_fail CODE PATTERN NAME -- CMD...: exit code CODE, exactly one stderr line matching PATTERN.
expect_fail() {
  local code=$1 pattern=$2 name=$3
  shift 4
  run_cmd "$@"
  local lines
  lines=$(printf '%s' "$err" | grep -c '' || true)
  if [ "$rc" = "$code" ] && [ "$lines" = 1 ] && printf '%s' "$err" | grep -qE -- "$pattern"; then
    ok "$name"
  else
    not_ok "$name (exit $rc, stderr: $err)"
  fi
}

finish() {
  echo "$pass_count passed, $fail_count failed"
  [ "$fail_count" -eq 0 ]
}
