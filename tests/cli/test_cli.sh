#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test_cli.sh - global options, verb table and exit codes of the vmflow program.
source "$VMFLOW_SOURCE_DIR/tests/lib/assert.sh"

run_cmd "$VMFLOW" --version
expect_eq "$rc" 0 "--version exits 0"
printf '%s' "$out" | grep -qE '^vmflow [0-9]+\.[0-9]+\.[0-9]+$' && ok "--version prints the version" || not_ok "--version output: $out"

run_cmd "$VMFLOW" --mi-version
expect_eq "$out" "1.0" "--mi-version answers the LAMI version (Trace Compass asks the program itself)"

run_cmd "$VMFLOW" --help
expect_eq "$rc" 0 "--help exits 0"
for verb in analyze synth compare stats tcxml corpus lami; do
  printf '%s' "$out" | grep -q "^  $verb " && ok "--help lists $verb" || not_ok "--help lists $verb"
done

expect_fail 2 "'frobnicate' is not a vmflow verb" "unknown verb is a usage error" -- "$VMFLOW" frobnicate
expect_fail 2 "unknown option '--bogus'" "unknown global option is a usage error" -- "$VMFLOW" --bogus
run_cmd "$VMFLOW"
expect_eq "$rc" 2 "no verb is a usage error"

for verb in analyze synth compare stats tcxml corpus lami; do
  run_cmd "$VMFLOW" "$verb" --help
  expect_eq "$rc" 0 "$verb --help exits 0"
  printf '%s' "$out" | grep -q "Usage: vmflow $verb" && ok "$verb --help shows usage" || not_ok "$verb --help shows usage"
done

# Missing operands are usage errors (exit 2), for every verb that takes one.
for verb in analyze synth stats lami; do
  run_cmd "$VMFLOW" "$verb"
  expect_eq "$rc" 2 "$verb without operands is a usage error"
done

finish
