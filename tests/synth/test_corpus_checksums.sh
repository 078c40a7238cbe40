#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test_corpus_checksums.sh - byte-identical output: the trace and the truth of
# every focused corpus scenario have the pinned SHA-256 (same scenario and
# seed, any build, any machine), and a second run gives the same bytes.
# When the simulator changes on purpose, regenerate the pins and say why.
source "$VMFLOW_SOURCE_DIR/tests/lib/assert.sh"
C=$VMFLOW_SOURCE_DIR/corpora

sum_trace() { (cd "$1" && find . -type f ! -name '.vmflow-output' | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -c1-16); }

while read -r name trace truth; do
  "$VMFLOW" synth "$C/$name.yaml" -o "$T/$name" --truth "$T/$name.tsv" >/dev/null 2>"$T/err" || { not_ok "$name: synth ($(cat "$T/err"))"; continue; }
  got="$(sum_trace "$T/$name") $(sha256sum < "$T/$name.tsv" | cut -c1-16)"
  expect_eq "$got" "$trace $truth" "$name: pinned trace and truth checksums"
done <<'PINS'
ipi a041bd0af670a9a6 1f82c7683a953941
disk-net 1023a01104921ade de357d41d6cbb07e
wait-host 8edd670179e3192f 1cca112dbcc484f2
apicv bc6892e35e25cb66 0723cf81c3303f78
inter-vm 7dc3e172935da45f fc832490f00b2035
processes ec55999dbf76e006 de3d93f06cb7c988
processes-kvm-cr aad1eb9b72da83ed f945f7a6dd71f79a
nested 3964918ceb8194a6 137e01861bd1648c
nested-svm 990cd7087ef05601 9a1d00a1c4fd3c52
midrun 26359994d0409e26 9ef7906a59868859
discard 223b9690c8422033 b63b545224408bc8
halt-poll a295876d7a79f823 cde80c1eeb60d49d
legacy cae21ec6cb9478af f5ce05634e9106f4
nocontext 2353232661a326f1 6243be85ee0e4583
PINS

# a second run of one scenario: the same bytes
"$VMFLOW" synth "$C/nested.yaml" -o "$T/again" --truth "$T/again.tsv" >/dev/null
"$VMFLOW" synth "$C/nested.yaml" -o "$T/again2" --truth "$T/again2.tsv" >/dev/null
expect_eq "$(sum_trace "$T/again2")" "$(sum_trace "$T/again")" "nested: a second run writes the same trace"
cmp -s "$T/again.tsv" "$T/again2.tsv" && ok "nested: a second run writes the same truth" || not_ok "nested: a second run writes the same truth"

finish
