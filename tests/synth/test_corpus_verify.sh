#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test_corpus_verify.sh - `vmflow corpus`: the whole regression corpus
# (corpora/, docs/corpus.md) verifies: every scenario regenerated gives the
# pinned trace and truth SHA-256, the golden summary.json / exits.tsv byte for
# byte, the pinned agreement per path family, and the real traces their
# babeltrace2 facts. Then, on a copy of part of the corpus: each kind of
# mismatch is caught (one FAILED line, exit 1), and `corpus build` repairs it.
# This replaces test_corpus_checksums.sh (its pins are the first 16 hex digits
# of the manifest's checksums, checked below).
source "$VMFLOW_SOURCE_DIR/tests/lib/assert.sh"
C=$VMFLOW_SOURCE_DIR/corpora

# --- the scenario list
run_cmd "$VMFLOW" corpus list
expect_eq "$rc" 0 "corpus list exits 0"
nsynth=$(printf '%s\n' "$out" | grep -vc '^real/')
nreal=$(printf '%s\n' "$out" | grep -c '^real/')
[ "$nsynth" -ge 20 ] && ok "corpus list: $nsynth synthetic scenarios (>= 20)" || not_ok "corpus list: only $nsynth synthetic scenarios"
expect_eq "$nsynth" "$(ls "$C"/*.yaml | wc -l)" "corpus list: one name per corpora/*.yaml"
[ "$nreal" -ge 1 ] && ok "corpus list: $nreal real trace(s)" || not_ok "corpus list: no real trace"
for s in timer-only overcommit vcpu-migration svm-exits l2-context-switch large-mixed \
         thesis-vcpu-state thesis-w2a thesis-virtflow thesis-critical-path real/tcg-svm-nested; do
  printf '%s\n' "$out" | grep -qx -- "$s" && ok "corpus list has $s" || not_ok "corpus list lacks $s"
done
# every scenario is in the manifest and documented
while read -r s; do
  grep -q "^$s"$'\t' "$C/manifest.tsv" || not_ok "$s is not in corpora/manifest.tsv"
  grep -q "\`$s\`" "$VMFLOW_SOURCE_DIR/docs/corpus.md" || not_ok "$s is not documented in docs/corpus.md"
done <<<"$out"
ok "every scenario has a manifest row and a docs/corpus.md entry (failures above if not)"

# --- a second pin of four rows (trace, truth: first 16 hex digits), kept apart from the
# manifest so that a careless `corpus build` shows here too (re-made with the simulator's
# exponential sampler change, docs/corpus.md "When a result changes")
while read -r name trace truth; do
  got=$(awk -F'\t' -v n="$name" '$1 == n { print substr($3, 1, 16), substr($4, 1, 16) }' "$C/manifest.tsv")
  expect_eq "$got" "$trace $truth" "$name: manifest checksums extend the former pins"
done <<'PINS'
ipi c59c963a0306399b 973263b665d724fa
nested 8c2f27c393c8a895 33f44e2176e8a0b6
nested-svm 2509db69645f30f1 63c98bdad522b814
legacy 54b2b7f8125aaff5 7eaaf6a547f70d61
PINS

# --- verify everything
run_cmd "$VMFLOW" corpus verify --keep -o "$T/work"
expect_eq "$rc" 0 "corpus verify: every scenario passes"
printf '%s\n' "$out" | grep -v '^ok ' | head -n 20
n=$(printf '%s\n' "$out" | grep -c '^ok ')
expect_eq "$n" "$((nsynth + nreal))" "corpus verify: one ok line per scenario"
expect_eq "$(printf '%s\n' "$out" | grep -c '^corpus verify: ')" 1 "corpus verify: one summary line"

# the trace checksum is the sha256sum of the sorted `sha256sum` listing (computed here with coreutils)
sum_trace() { (cd "$1" && find . -type f ! -name '.vmflow-output' | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -d' ' -f1); }
for s in default thesis-w2a; do
  want=$(awk -F'\t' -v n="$s" '$1 == n { print $3 " " $4 }' "$C/manifest.tsv")
  expect_eq "$(sum_trace "$T/work/$s/trace") $(sha256sum < "$T/work/$s/truth.tsv" | cut -d' ' -f1)" "$want" \
    "$s: manifest checksums = coreutils sha256sum of the regenerated trace and truth"
done
expect_eq "$(awk -F'\t' '$1 == "real/tcg-svm-nested" { print $3 }' "$C/manifest.tsv")" \
  "$(sha256sum < "$C/real/tcg-svm-nested/trace.tar.xz" | cut -d' ' -f1)" "real/tcg-svm-nested: manifest pins the trace.tar.xz checksum"
# golden summary.json: the analysis output with the trace path replaced
expect_eq "$(sed 's|"path": "[^"]*"|"path": "<trace>"|' "$T/work/default/out/summary.json" | cmp - "$C/expected/default/summary.json" && echo same)" same \
  "default: golden summary.json = the analysis output with the trace path as <trace>"
# the seed column is the scenario's seed
expect_eq "$(awk -F'\t' '$1 == "timer-only" { print $2 }' "$C/manifest.tsv")" 131 "timer-only: manifest seed 131"

# --- mismatches, on a copy of part of the corpus
K=$T/corpus
mkdir -p "$K/expected" "$K/real"
cp "$C"/timer-only.yaml "$C"/svm-exits.yaml "$C"/manifest.tsv "$K/"
cp -r "$C/expected/timer-only" "$C/expected/svm-exits" "$K/expected/"
run_cmd "$VMFLOW" corpus verify --corpus "$K"
expect_eq "$rc" 0 "copy: verify passes"
expect_eq "$(printf '%s\n' "$out" | awk '/^ok /{print $2}' | tr '\n' ' ')" "svm-exits timer-only " "copy: verifies its two scenarios"

printf 'x' >> "$K/expected/timer-only/exits.tsv"
run_cmd "$VMFLOW" corpus verify timer-only --corpus "$K"
expect_eq "$rc" 1 "a changed golden exits.tsv: exit 1"
printf '%s\n' "$out" | grep -q '^FAILED  timer-only .*exits.tsv differs from .*expected/timer-only/exits.tsv at line' \
  && ok "a changed golden exits.tsv: FAILED line names the file" || not_ok "golden exits.tsv mismatch not reported: $out"
cp "$C/expected/timer-only/exits.tsv" "$K/expected/timer-only/exits.tsv"

sed -i 's/"event_count": [0-9]*/"event_count": 1/' "$K/expected/svm-exits/summary.json"
run_cmd "$VMFLOW" corpus verify svm-exits --corpus "$K"
expect_eq "$rc" 1 "a changed golden summary.json: exit 1"
printf '%s\n' "$out" | grep -q 'summary.json differs' && ok "a changed golden summary.json is reported" || not_ok "summary.json mismatch not reported: $out"

sed -i -E 's/^(timer-only\t[^\t]*\t[^\t]*\t)[0-9a-f]/\1z/' "$K/manifest.tsv"
run_cmd "$VMFLOW" corpus verify timer-only --corpus "$K"
expect_eq "$rc" 1 "a wrong truth checksum: exit 1"
printf '%s\n' "$out" | grep -q '^FAILED  timer-only .*truth checksum' && ok "a wrong truth checksum is reported" || not_ok "truth checksum mismatch not reported: $out"

cp "$C/manifest.tsv" "$K/m.orig"
truth=$(awk -F'\t' '$1 == "timer-only" { print $4 }' "$K/m.orig")
awk -F'\t' -v OFS='\t' -v t="$truth" '$1 == "timer-only" { $4 = t; sub(/Status=[0-9.]+/, "Status=99.999", $5) } { print }' "$K/m.orig" > "$K/manifest.tsv"
run_cmd "$VMFLOW" corpus verify timer-only --corpus "$K"
expect_eq "$rc" 1 "agreement below the pin: exit 1"
printf '%s\n' "$out" | grep -q '^FAILED  timer-only .*Status agreement 99.883 % < pinned 99.999 %' \
  && ok "agreement below the pin names the family and both values" || not_ok "agreement mismatch not reported: $out"

sed -i 's/^seed: 131/seed: 132/' "$K/timer-only.yaml"
run_cmd "$VMFLOW" corpus verify timer-only --corpus "$K"
expect_eq "$rc" 1 "a changed scenario seed: exit 1"
printf '%s\n' "$out" | grep -q '^FAILED  timer-only .*seed 132, manifest 131' && ok "a changed seed is reported" || not_ok "seed change not reported: $out"

# build repairs the row and the golden files; then verify passes again
run_cmd "$VMFLOW" corpus build timer-only svm-exits --corpus "$K" -o "$T/bwork"
expect_eq "$rc" 0 "corpus build of the copy"
expect_eq "$(awk -F'\t' '$1 == "timer-only" { print $2 }' "$K/manifest.tsv")" 132 "build rewrites the manifest row (seed 132)"
[ -f "$T/bwork/timer-only/trace/metadata" ] && ok "build leaves the trace in the -o folder" || not_ok "no trace in the build folder"
run_cmd "$VMFLOW" corpus verify --corpus "$K"
expect_eq "$rc" 0 "verify passes after build"

# a broken scenario and one missing from the manifest: one FAILED line each
printf 'seed: 5\nduration: -3s\n' > "$K/broken.yaml"
cp "$C/svm-exits.yaml" "$K/newone.yaml"
run_cmd "$VMFLOW" corpus verify broken newone svm-exits --corpus "$K"
expect_eq "$rc" 1 "a broken and an unpinned scenario: exit 1"
printf '%s\n' "$out" | grep -q '^FAILED  broken .*synth failed: .*broken.yaml' && ok "a broken scenario: FAILED line with synth's error" || not_ok "broken scenario not reported: $out"
printf '%s\n' "$out" | grep -q "^FAILED  newone .*not in the manifest: run \`vmflow corpus build newone\`" && ok "an unpinned scenario: FAILED line says to build it" || not_ok "unpinned scenario not reported: $out"
printf '%s\n' "$out" | grep -q '^ok      svm-exits ' && ok "the other scenarios still verify" || not_ok "svm-exits not verified after failures: $out"
expect_eq "$(printf '%s\n' "$out" | tail -n 2 | head -n 1)" "corpus verify: 3 scenario(s), 2 failed" "summary line counts the failures"
printf '%s\n' "$out" | grep -q '^work folder kept: ' && ok "the work folder is kept after a failure" || not_ok "no 'work folder kept' line"
rm -rf "$(printf '%s\n' "$out" | sed -n 's/^work folder kept: //p')"
rm -f "$K/broken.yaml" "$K/newone.yaml"

# --- usage errors and refusals
expect_fail 2 "no scenario 'nope'" "an unknown scenario is a usage error" -- "$VMFLOW" corpus verify nope --corpus "$K"
expect_fail 2 "unknown action 'check'" "an unknown action is a usage error" -- "$VMFLOW" corpus check
expect_fail 2 "missing action" "no action is a usage error" -- "$VMFLOW" corpus
mkdir -p "$T/mine" && echo keep > "$T/mine/notes.txt"
expect_fail 2 "mine: not empty and not a vmflow corpus work folder" "build refuses a foreign non-empty -o folder" -- "$VMFLOW" corpus build timer-only --corpus "$K" -o "$T/mine"
expect_eq "$(cat "$T/mine/notes.txt")" keep "the foreign folder is untouched"
printf 'timer-only\t1\n' > "$K/manifest.tsv"
expect_fail 1 "manifest.tsv:1: expected 5 tab-separated fields" "a malformed manifest: one line naming file:line" -- "$VMFLOW" corpus verify --corpus "$K"

finish
