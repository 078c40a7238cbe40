#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test_corpus_faults.sh - the trace-shape scenarios of corpora/: a mid-run start
# (midrun), lost events (discard), halt polling and vCPU migration (halt-poll),
# legacy event names (legacy) and no pid/tid contexts (nocontext). Each is
# synthesized, read back by babeltrace2 (counts pinned, the fault itself
# checked), its truth checked, analysed, and the agreement pinned.
source "$VMFLOW_SOURCE_DIR/tests/lib/assert.sh"
source "$VMFLOW_SOURCE_DIR/tests/synth/corpus_lib.sh"

# ---------------------------------------------------------------- midrun
run_scenario midrun
expect_eq "$(counts "$TAB")" \
  "kvm_x86_entry 12929 kvm_x86_exit 12929 kvm_x86_inj_virq 261 sched_switch 478 sched_waking 274 " \
  "midrun: event counts per class"
first=$(head -n1 "$TAB" | cut -d' ' -f1)
[ "$((10#$first))" -ge 100000000 ] && ok "midrun: no event before the session start (first at $((10#$first)) ns)" || not_ok "midrun: first event at $first"
expect_eq "$(awk -F'\t' 'NR > 1 && $1 ~ /Status$/ {print $2}' "$TRUTH" | sort -n | head -n1)" 1767225600100000000 "midrun: the truth begins at the session start"
expect_eq "$(awk -F'\t' 'NR > 1 && $1 ~ /Status$/ && !seen[$1]++ {print $2}' "$TRUTH" | sort -u | tr '\n' ' ')" "1767225600100000000 " \
  "midrun: every vCPU is already running at the start (its line starts there)"
expect_eq "$(truth_consistent "$TRUTH" 1767225600600000000)" ok "midrun: truth intervals sorted, disjoint, gap-free to the end"
compare_min midrun 99.5

# ---------------------------------------------------------------- discard
run_scenario discard
expect_eq "$(counts "$TAB")" \
  "kvm_x86_entry 15916 kvm_x86_exit 15913 kvm_x86_inj_virq 367 sched_switch 667 sched_waking 346 " \
  "discard: event counts per class"
babeltrace2 "$T/discard-trace" 2>"$T/bt-discard.err" >/dev/null
lost=$(sed -nE 's/^WARNING: Tracer discarded ([0-9]+) events between \[([0-9:.]+)\].*channel0_([0-9]+)".*/\3 \2 \1/p' "$T/bt-discard.err" | tr '\n' ';')
# the same run without the windows: the events it has more are exactly the lost ones
sed -e '/^  discard:/,$d' "$C/discard.yaml" > "$T/nodiscard.yaml"
full=$("$VMFLOW" synth "$T/nodiscard.yaml" -o "$T/nodiscard-trace" | sed -nE 's/.*wrote ([0-9]+) events.*/\1/p')
total=$(printf '%s' "$lost" | tr ';' '\n' | awk '{s += $3} END {print s + 0}')
expect_eq "$((full - $(grep -c '' "$TAB")))" "$total" "discard: babeltrace2 reports exactly the events the windows dropped ($total)"
expect_eq "$(printf '%s' "$lost" | tr ';' '\n' | awk '{print $1, $2}' | tr '\n' ';')" \
  "0 00:00:00.100000000;1 00:00:00.220000000;0 00:00:00.400000000;" "discard: one loss per window, on its CPU, from its start"
expect_eq "$(truth_consistent "$TRUTH" $END_NS_500MS)" ok "discard: truth intervals sorted, disjoint, gap-free to the end"
"$VMFLOW" synth "$T/nodiscard.yaml" -o "$T/nodiscard-trace3" --truth "$T/nodiscard-truth.tsv" >/dev/null
cmp -s "$TRUTH" "$T/nodiscard-truth.tsv" && ok "discard: the truth is the one of the run without losses" || not_ok "discard: the truth is the one of the run without losses"
compare_min discard 98

# ---------------------------------------------------------------- halt-poll (and migration)
run_scenario halt-poll
expect_eq "$(counts "$TAB")" \
  "kvm_x86_entry 36367 kvm_x86_exit 36365 kvm_x86_inj_virq 4161 sched_switch 6693 sched_waking 3637 " \
  "halt-poll: event counts per class"
polls=$(awk '$3 == "kvm_x86_exit" { hlt[$4] = ($0 ~ / exit_reason=12 /) }
  $3 == "sched_switch" { for (i = 5; i <= NF; i++) if ($i ~ /^prev_tid=/) hlt[substr($i, 10)] = 0 }
  $3 == "kvm_x86_entry" && hlt[$4] { n++; hlt[$4] = 0 } END { print n + 0 }' "$TAB")
[ "$polls" -gt 500 ] && ok "halt-poll: $polls HLT exits re-entered without a switch" || not_ok "halt-poll: halt polling ($polls)"
cpus=$(awk '$3 == "sched_switch" { for (i = 5; i <= NF; i++) if ($i ~ /^next_tid=/) t = substr($i, 10); if (t >= 1010 && t <= 1012) seen[t " " $2] = 1 }
  END { for (k in seen) { split(k, a, " "); n[a[1]]++ } for (t in n) if (n[t] < 3) bad = bad t " "; print bad }' "$TAB")
expect_eq "$cpus" "" "halt-poll: every vCPU thread runs on at least 3 of the 4 pCPUs (migration)"
expect_eq "$(truth_consistent "$TRUTH" $END_NS_500MS)" ok "halt-poll: truth intervals sorted, disjoint, gap-free to the end"
compare_min halt-poll 99.9

# ---------------------------------------------------------------- legacy
run_scenario legacy
expect_eq "$(counts "$TAB")" \
  "kvm_apic_accept_irq 63 kvm_entry 23011 kvm_exit 23009 kvm_inj_virq 640 sched_switch 732 sched_waking 565 " \
  "legacy: event counts per class (legacy names only)"
expect_eq "$(truth_consistent "$TRUTH" $END_NS_500MS)" ok "legacy: truth intervals sorted, disjoint, gap-free to the end"
compare_min legacy 99.9

# ---------------------------------------------------------------- nocontext
TRUTH=$T/nocontext-truth.tsv
run_cmd "$VMFLOW" synth "$C/nocontext.yaml" -o "$T/nocontext-trace" --truth "$TRUTH"
expect_eq "$rc" 0 "nocontext: synth succeeds"
bt_head=$(babeltrace2 "$T/nocontext-trace" | head -n 200)
if printf '%s' "$bt_head" | grep -q 'tid = .*}, { \|{ pid = '; then not_ok "nocontext: events carry no pid/tid context"; else ok "nocontext: events carry no pid/tid context"; fi
expect_eq "$(truth_consistent "$TRUTH" $END_NS_500MS)" ok "nocontext: truth intervals sorted, disjoint, gap-free to the end"
run_cmd "$VMFLOW" analyze "$T/nocontext-trace" -o "$T/nocontext-out"
expect_eq "$rc" 0 "nocontext: analyze maps threads to VMs through the state dump"
OUT=$T/nocontext-out
compare_min nocontext 99.9

finish
