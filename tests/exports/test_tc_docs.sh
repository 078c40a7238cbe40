#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test_tc_docs.sh - docs/tracecompass.md keeps the same GUI steps as the README.md that
# `vmflow analyze` writes into every Trace Compass bundle.
source "$VMFLOW_SOURCE_DIR/tests/lib/assert.sh"
"$VMFLOW" synth "$VMFLOW_SOURCE_DIR/corpora/preempt-host.yaml" -o "$T/trace" >/dev/null
"$VMFLOW" analyze "$T/trace" -o "$T/out" >/dev/null
readme=$T/out/tracecompass/README.md
[ -s "$readme" ] && ok "the bundle has a README.md" || not_ok "the bundle has a README.md"
grep -qF "$T/trace" "$readme" && ok "the README names the analysed host trace" || not_ok "the README names the analysed host trace"
missing=0
while IFS= read -r line; do
  case "$line" in *"The host trace vmflow analysed"*|"") continue ;; esac
  grep -qxF -- "$line" "$VMFLOW_SOURCE_DIR/docs/tracecompass.md" || { missing=$((missing + 1)); echo "  missing from docs: $line"; }
done < <(sed -n '/^## 1\./,$p' "$readme")
expect_eq "$missing" 0 "docs/tracecompass.md has every line of the bundle README's steps"
finish
