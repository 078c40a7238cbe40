#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test_corpus_guest.sh - the guest-side scenarios of corpora/: guest processes
# by CR3 through the addons probe and through kvm_x86_cr (processes,
# processes-kvm-cr). Each is synthesized, read back by babeltrace2 (counts
# pinned, per-iteration order and CR3/SP shapes checked), its truth checked
# for self-consistency, analysed, and the agreement pinned.
source "$VMFLOW_SOURCE_DIR/tests/lib/assert.sh"
source "$VMFLOW_SOURCE_DIR/tests/synth/corpus_lib.sh"

CR3S="0x11a3c0000 0x11a675000 0x11a92a000 0x11abdf000 0x11ae94000"

# ---------------------------------------------------------------- processes (addons)
run_scenario processes
expect_eq "$(counts "$TAB")" \
  "addons_vcpu_enter_guest 18488 kvm_x86_entry 18488 kvm_x86_exit 18486 kvm_x86_inj_virq 880 sched_switch 380 sched_waking 217 " \
  "processes: event counts per class"
# One addons event per iteration: after the vCPU's previous exit / switch in, before its
# injections and its entry, with the entry's vcpu id.
bad=$(awk '
  $3 == "addons_vcpu_enter_guest" { if (open[$4]) { print "two reports in one iteration: " $0; exit }
    open[$4] = 1; for (i = 5; i <= NF; i++) if ($i ~ /^vcpuID=/) id[$4] = substr($i, 8) }
  $3 == "kvm_x86_inj_virq" && !open[$4] { print "injection before the report: " $0; exit }
  $3 == "kvm_x86_entry" { if (!open[$4]) { print "entry without a report: " $0; exit }
    for (i = 5; i <= NF; i++) if ($i ~ /^vcpu_id=/ && substr($i, 9) != id[$4]) { print "vcpu id differs: " $0; exit }
    open[$4] = 0 }' "$TAB")
expect_eq "$bad" "" "processes: addons_vcpu_enter_guest -> [inj_virq] -> entry in every iteration"
# CR3s: the five processes; kernel SPs name 4 + 4 + 8 + 1 + 1 = 18 threads by 64 KiB window.
grep ' addons_vcpu_enter_guest ' "$TAB" | sed -E 's/.*cr3tmp=([0-9]+) sptmp=([0-9]+) .*/\1 \2/' > "$T/cr3sp"
cr3s=$(cut -d' ' -f1 "$T/cr3sp" | sort -u | while read -r c; do printf '0x%x ' "$c"; done)
expect_eq "$cr3s" "$CR3S " "processes: the five guest CR3s"
windows=$(while read -r c sp; do
  if [ ${#sp} -ge 19 ] && [ $((sp >> 48 & 0xffff)) = $((0xffff)) ]; then printf '%x %x\n' "$c" $(((sp >> 16) & 0xffffffffffff)); fi
done < "$T/cr3sp" | sort -u | wc -l)
expect_eq "$windows" 18 "processes: 18 guest threads by kernel-stack window"
user=$(while read -r c sp; do [ ${#sp} -le 15 ] && echo u; done < "$T/cr3sp" | wc -l)
[ "$user" -gt 1000 ] && ok "processes: user-mode SPs too ($user)" || not_ok "processes: user-mode SPs ($user)"
expect_eq "$(truth_consistent "$TRUTH" $END_NS_500MS)" ok "processes: truth intervals sorted, disjoint, gap-free to the end"
expect_eq "$(awk -F'\t' '$1 ~ /\/Processes\//' "$TRUTH" | cut -f1 | sort -u | sed -E 's,VMs/1001/Processes/(0x[0-9a-f]+)/Status,\1,' | tr '\n' ' ')" "$CR3S " \
  "processes: one truth Status line per guest process"
expect_eq "$(awk -F'\t' '$1 ~ /\/Processes\// {print $4}' "$TRUTH" | sort -u | tr '\n' ' ')" \
  "hypervisor preempted_guest preempted_host preempted_vm running wait_timer " "processes: process states in the truth"
switches=$(awk -F'\t' '$1 ~ /vCPUs\/.\/Process$/' "$TRUTH" | wc -l)
[ "$switches" -gt 100 ] && ok "processes: > 100 guest context switches ($switches)" || not_ok "processes: guest context switches ($switches)"
# no process is loaded on both vCPUs at once (the truth's running intervals never overlap per process
# is implied by one line per process; check the two Process lines never hold the same CR3 at once)
both=$(awk -F'\t' '$1 ~ /vCPUs\/[01]\/Process$/ {print substr($2, 9) + 0, substr($3, 9) + 0, $4, $1}' "$TRUTH" | sort -n | awk '
  { for (k in e) if (e[k] > $1 && k != $4 && v[k] == $3) { print "both at " $1; exit } e[$4] = $2; v[$4] = $3 }')
expect_eq "$both" "" "processes: a process is loaded on one vCPU at a time"
compare_min processes 99.9

# ---------------------------------------------------------------- processes-kvm-cr
run_scenario processes-kvm-cr
expect_eq "$(counts "$TAB")" \
  "kvm_x86_cr 350 kvm_x86_entry 19179 kvm_x86_exit 19178 kvm_x86_inj_virq 890 sched_switch 370 sched_waking 213 " \
  "processes-kvm-cr: event counts per class"
expect_eq "$(grep -c ' addons_vcpu_enter_guest ' "$TAB")" 0 "processes-kvm-cr: no addons events"
# every CR3 write but each vCPU's first follows a CR_ACCESS exit (28) of the same thread
bad=$(awk '
  $3 == "kvm_x86_exit" { for (i = 5; i <= NF; i++) if ($i ~ /^exit_reason=/) r[$4] = substr($i, 13) }
  $3 == "kvm_x86_cr" { if ($0 !~ /rw=1 cr=3 val=/) { print "not a CR3 write: " $0; exit }
    if (seen[$4]++ && r[$4] != 28) { print "CR3 write after exit " r[$4] ": " $0; exit } }' "$TAB")
expect_eq "$bad" "" "processes-kvm-cr: kvm_x86_cr(rw=1, cr=3) in the root period of a CR_ACCESS exit"
expect_eq "$(truth_consistent "$TRUTH" $END_NS_500MS)" ok "processes-kvm-cr: truth intervals sorted, disjoint, gap-free to the end"
compare_min processes-kvm-cr 99.9

# ---------------------------------------------------------------- nested (VMX, addons)
# nested_order TABLE ENTER_REASONS: checks the nesting event order, prints the first problem
nested_order() {
  awk -v enter="$2" '
    $3 == "kvm_x86_exit" { for (i = 5; i <= NF; i++) if ($i ~ /^exit_reason=/) r[$4] = substr($i, 13); last[$4] = "exit"
      if (index(" " enter " ", " " r[$4] " ")) { if (nest[$4]) { print "enter while nested: " $0; exit } pending[$4] = 1 } next }
    $3 == "kvm_x86_nested_vmexit" { if (last[$4] != "exit" || !nest[$4]) { print "nested_vmexit not right after an L2 exit: " $0; exit }
      for (i = 5; i <= NF; i++) if ($i ~ /^exit_code=/ && substr($i, 11) != r[$4]) { print "exit_code differs: " $0; exit }
      last[$4] = "nvx"; n++; next }
    $3 == "kvm_x86_nested_vmexit_inject" { if (last[$4] != "nvx" && last[$4] != "root") { print "inject without nested_vmexit: " $0; exit }
      nest[$4] = 0; last[$4] = "inj"; k++; next }
    $3 == "kvm_x86_entry" { if (pending[$4]) { nest[$4] = 1; pending[$4] = 0; l2++ } last[$4] = "entry"; next }
    $3 ~ /^kvm_x86_/ || $3 == "addons_vcpu_enter_guest" { if (last[$4] == "nvx") last[$4] = "root" }
    $3 == "sched_switch" { }
    END { if (n == 0 || k == 0 || l2 == 0) print n " nested exits, " k " reflected, " l2 " L2 periods" }' "$1"
}
run_scenario nested
expect_eq "$(counts "$TAB")" \
  "addons_vcpu_enter_guest 39151 kvm_x86_entry 39151 kvm_x86_exit 39149 kvm_x86_inj_virq 1010 kvm_x86_nested_vmexit 14711 kvm_x86_nested_vmexit_inject 7498 sched_switch 297 sched_waking 153 " \
  "nested: event counts per class"
expect_eq "$(nested_order "$TAB" "20 24")" "" "nested: VMLAUNCH/VMRESUME -> L2 entries; L2 exits followed by nested_vmexit, reflected ones by nested_vmexit_inject"
expect_eq "$(grep -c ' kvm_x86_exit .*exit_reason=20 ' "$TAB")" 2 "nested: one VMLAUNCH per vCPU"
# after a VMRESUME exit, the next report on that thread is an L2 CR3 (0x2a1e00000 ...)
bad=$(awk '$3 == "kvm_x86_exit" && $0 ~ /exit_reason=(20|24) / { want[$4] = 1; next }
  $3 == "addons_vcpu_enter_guest" && want[$4] { want[$4] = 0; for (i = 5; i <= NF; i++) if ($i ~ /^cr3tmp=/) c = substr($i, 8) + 0
    if (c < 11300000000 || c > 11320000000) { print "not an L2 CR3: " $0; exit } }' "$TAB")
expect_eq "$bad" "" "nested: the iteration after VMLAUNCH/VMRESUME reports an L2 CR3"
expect_eq "$(truth_consistent "$TRUTH" $END_NS_500MS)" ok "nested: truth intervals sorted, disjoint, gap-free to the end"
[ "$(truth_time "$TRUTH" guest_l2)" -gt 50000000 ] && ok "nested: the truth has > 50 ms of guest_l2" || not_ok "nested: guest_l2 time $(truth_time "$TRUTH" guest_l2)"
expect_eq "$(cut -f1 "$TRUTH" | grep -c '^VMs/1000/Nested/0x11a3c0000/' | sed 's/^0$/none/; s/^[0-9]*$/some/')" some "nested: Nested/<h> paths keyed by the L1 hypervisor's CR3"
expect_eq "$(awk -F'\t' '$1 ~ /^VMs\/1000\/Nested\/0x11a3c0000\/vCPUs\/.\/Status$/ {print $4}' "$TRUTH" | sort -u | tr '\n' ' ')" \
  "guest hypervisor preempted_guest preempted_host wait_timer " "nested: nested vCPU states in the truth"
expect_eq "$(awk -F'\t' '$1 ~ /Nested\/.*\/Processes\//' "$TRUTH" | cut -f1 | sort -u | sed -E 's,.*/Processes/(0x[0-9a-f]+)/Status,\1,' | tr '\n' ' ')" \
  "0x2a1e00000 0x2a1fc3000 0x2a2186000 " "nested: one truth line per L2 process"
compare_min nested 99.9

# ---------------------------------------------------------------- nested-svm (kvm-cr)
run_scenario nested-svm
expect_eq "$(counts "$TAB")" \
  "kvm_x86_cr 1752 kvm_x86_entry 34650 kvm_x86_exit 34648 kvm_x86_inj_virq 996 kvm_x86_nested_vmexit 13166 kvm_x86_nested_vmexit_inject 5455 kvm_x86_nested_vmrun 5456 sched_switch 225 sched_waking 120 " \
  "nested-svm: event counts per class"
expect_eq "$(nested_order "$TAB" "128")" "" "nested-svm: VMRUN -> L2 entries; L2 exits followed by nested_vmexit, reflected ones by nested_vmexit_inject"
bad=$(awk '$3 == "kvm_x86_exit" { r[$4] = $0 ~ /exit_reason=128 / } $3 == "kvm_x86_nested_vmrun" && !r[$4] { print "vmrun not after a VMRUN exit: " $0; exit }' "$TAB")
expect_eq "$bad" "" "nested-svm: kvm_x86_nested_vmrun follows each VMRUN exit"
expect_eq "$(grep -c ' kvm_x86_nested_vmrun ' "$TAB")" "$(grep -c ' kvm_x86_exit .*exit_reason=128 ' "$TAB")" "nested-svm: one nested_vmrun per VMRUN exit"
expect_eq "$(truth_consistent "$TRUTH" $END_NS_500MS)" ok "nested-svm: truth intervals sorted, disjoint, gap-free to the end"
# Measured 99.992 % (waits still open at the end of the trace).
compare_min nested-svm 99.9

finish
