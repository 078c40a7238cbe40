#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test_sanity_real.sh - the trace-sanity warnings (exporter/analyses/trace_sanity.h)
# in summary.json for the real trace recorded with STOCK lttng-modules
# (corpora/real/tcg-svm-stock-lttng): the exact warning lines, with the numbers
# taken from its facts.tsv (babeltrace2 + awk, not vmflow), every pattern of its
# defects.txt, and none of these warnings on the traces of the patched tracer.
source "$VMFLOW_SOURCE_DIR/tests/lib/assert.sh"
command -v python3 >/dev/null || { echo "python3 needed"; exit 1; }
warnings() { python3 -c "import json,sys; print('\n'.join(json.load(open(sys.argv[1]))['warnings']))" "$1"; }

name=tcg-svm-stock-lttng
R=$VMFLOW_SOURCE_DIR/corpora/real/$name
F=$R/facts.tsv
fact() { awk -F'\t' -v k="$1" '$1 == k {print $2; exit}' "$F"; }
tar -xJf "$R/trace.tar.xz" -C "$T"
run_cmd "$VMFLOW" analyze "$T/$name" -o "$T/out"
expect_eq "$rc" 0 "$name: analyze succeeds"
W=$(warnings "$T/out/summary.json")

bad=$(fact bad_vcpu_id_events)
maxid=$(fact max_entry_vcpu_id)
vmrun=$(awk -F'\t' '$1 == "exit" && $5 == "VMRUN" {s += $6} END {print s + 0}' "$F")
nvr=$(awk -F'\t' '$1 == "event" && $2 == "kvm_x86_nested_vmrun" {print $3}' "$F")
expect_eq "${nvr:-0}" 0 "$name: facts: no kvm_x86_nested_vmrun recorded"
[ "$vmrun" -gt 0 ] && ok "$name: facts: $vmrun SVM VMRUN exits" || not_ok "$name: facts: VMRUN exits"
want1="$bad kvm entry/exit events carry a vcpu_id above 65535 (largest $maxid): lttng-modules recorded pointer bits, its kvm_x86_entry probe does not match this kernel (stock 2.13 on 6.1+; see vmtests/lttng-modules)"
want2="$vmrun SVM VMRUN exits but no kvm_x86_nested_vmrun event: nested guests ran but lttng-modules did not record their entries (stock 2.13 on 6.1+ probes the renamed tracepoint, or the event was not enabled); nested results are incomplete"
printf '%s\n' "$W" | grep -qxF -- "$want1" && ok "$name: warns: $bad vcpu ids with pointer bits (largest $maxid)" \
  || not_ok "$name: pointer-bits warning (got: $W)"
printf '%s\n' "$W" | grep -qxF -- "$want2" && ok "$name: warns: $vmrun VMRUN exits, no nested_vmrun" \
  || not_ok "$name: nested_vmrun warning (got: $W)"
expect_eq "$(printf '%s\n' "$W" | grep -c 'generic kvm events' || true)" 0 "$name: the kvm-x86 probe was built: no missing-probe warning"
while IFS= read -r pat; do
  [ -n "$pat" ] && [ "${pat#\#}" = "$pat" ] || continue
  printf '%s\n' "$W" | grep -qE -- "$pat" && ok "$name: defects.txt /$pat/" || not_ok "$name: defects.txt /$pat/ (got: $W)"
done < "$R/defects.txt"
rm -rf "$T/$name" "$T/out"

# The patched tracer's traces: none of the recording-defect warnings.
for name in tcg-svm-nested tcg-svm-l2-linux; do
  tar -xJf "$VMFLOW_SOURCE_DIR/corpora/real/$name/trace.tar.xz" -C "$T"
  run_cmd "$VMFLOW" analyze "$T/$name" -o "$T/out"
  expect_eq "$rc" 0 "$name: analyze succeeds"
  expect_eq "$(warnings "$T/out/summary.json" | grep -cE 'lttng-modules|nested_vmrun' || true)" 0 "$name: no recording-defect warning"
  rm -rf "$T/$name" "$T/out"
done
finish
