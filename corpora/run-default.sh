#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The main job on the shipped default scenario: install, build, synthesize the
# default host trace, analyse it, and say where the results are.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
out=${VMFLOW_OUT:-$top/out}
bash "$top/.ci/install-deps.sh"
dir=$(bash "$top/.ci/build.sh" normal)
vmflow="$dir/vmflow"
mkdir -p "$out"
echo "== synthesizing corpora/default.yaml into $out/default-trace"
"$vmflow" synth "$top/corpora/default.yaml" -o "$out/default-trace" --truth "$out/default-truth.tsv"
echo "== analysing $out/default-trace"
"$vmflow" analyze "$out/default-trace" -o "$out/default-analysis"
echo "== agreement with the ground truth"
"$vmflow" compare "$out/default-truth.tsv" "$out/default-analysis/states.tsv" | head -n 3
