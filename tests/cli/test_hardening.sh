#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test_hardening.sh - vmflow analyze under hostile conditions: a symlink loop as
# trace, a full disk, a read-only output, a trace with no VM, SIGKILL at random
# points (never an output folder that looks complete), and two concurrent runs.
source "$VMFLOW_SOURCE_DIR/tests/lib/assert.sh"
C=$VMFLOW_SOURCE_DIR/corpora
skip_count=0
skip() { skip_count=$((skip_count + 1)); echo "skip - $1"; }

"$VMFLOW" synth "$C/default.yaml" -o "$T/trace" >/dev/null || not_ok "synth the fixture trace"

# A trace "folder" that is a symlink loop.
ln -s "$T/loop-b" "$T/loop-a"
ln -s "$T/loop-a" "$T/loop-b"
expect_fail 1 "$T/loop-a" "symlink loop as trace: one-line error" -- "$VMFLOW" analyze "$T/loop-a" -o "$T/o-loop"
[ ! -e "$T/o-loop" ] && ok "symlink loop: no output" || not_ok "symlink loop: no output"

# A trace without any VM: a clear message, not an empty result.
cat > "$T/novm.yaml" <<'YAML'
seed: 1
duration: 100ms
host:
  processes:
    - name: stress
      count: 2
      cpu_burst: 1ms
      sleep: 1ms
vms: []
YAML
"$VMFLOW" synth "$T/novm.yaml" -o "$T/novm" >/dev/null
expect_fail 1 "$T/novm: no VM activity found" "kernel trace without kvm events: no VM activity found" -- "$VMFLOW" analyze "$T/novm" -o "$T/o-novm"

# A full disk and a read-only output folder (small tmpfs mounts; needs root).
mkdir -p "$T/full" "$T/ro"
if mount -t tmpfs -o size=96k none "$T/full" 2>/dev/null; then
  expect_fail 1 "$T/full/out.*(No space left|disk full|cannot)" "full disk: one-line error naming the output" -- "$VMFLOW" analyze "$T/trace" -o "$T/full/out"
  left=$(find "$T/full" -mindepth 1 | head -n 3)
  expect_eq "$left" "" "full disk: nothing half-written (temporary folder removed)"
  expect_fail 1 "$T/full/t.*(No space left|disk full|cannot)" "full disk: synth fails cleanly" -- "$VMFLOW" synth "$C/default.yaml" -o "$T/full/t"
  expect_eq "$(find "$T/full" -mindepth 1 | head -n 3)" "" "full disk: synth leaves nothing"
  umount "$T/full"
else
  skip "full disk (cannot mount a tmpfs: not root?)"
fi
if mount -t tmpfs -o ro,size=64k none "$T/ro" 2>/dev/null; then
  expect_fail 1 "$T/ro/out" "read-only output: one-line error naming the output" -- "$VMFLOW" analyze "$T/trace" -o "$T/ro/out"
  umount "$T/ro"
else
  skip "read-only output (cannot mount a tmpfs: not root?)"
fi

# SIGKILL at random points: OUT either does not exist or is complete.
"$VMFLOW" synth "$C/default.yaml" --seed 7 -o "$T/big" >/dev/null
complete_files="states.tsv summary.json exits.tsv report.html tracecompass/vmflow.xml tracecompass/README.md tracecompass/results/metadata"
bad=0
for i in $(seq 1 12); do
  rm -rf "$T/k-out"
  "$VMFLOW" analyze "$T/big" -o "$T/k-out" >/dev/null 2>&1 &
  pid=$!
  sleep "0.$((RANDOM % 4))$((RANDOM % 10))"
  kill -9 "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  if [ -e "$T/k-out" ]; then
    for f in $complete_files; do [ -s "$T/k-out/$f" ] || { bad=$((bad + 1)); echo "  run $i: $f missing in an output that exists"; }; done
  fi
  rm -rf "$T"/k-out.vmflow-tmp-*
done
expect_eq "$bad" 0 "SIGKILL at 12 random points: never an incomplete output folder"

# Two runs at once on the same trace, into different folders: identical results.
"$VMFLOW" analyze "$T/trace" -o "$T/c1" >/dev/null & p1=$!
"$VMFLOW" analyze "$T/trace" -o "$T/c2" >/dev/null & p2=$!
wait $p1; r1=$?; wait $p2; r2=$?
expect_eq "$r1$r2" "00" "two concurrent runs succeed"
same=1
for f in states.tsv summary.json exits.tsv report.html tracecompass/vmflow.xml; do
  cmp -s "$T/c1/$f" "$T/c2/$f" || { same=0; echo "  $f differs"; }
done
expect_eq "$same" 1 "two concurrent runs give identical files"

echo "$pass_count passed, $fail_count failed, $skip_count skipped"
[ "$fail_count" -eq 0 ]
