# SPDX-License-Identifier: MIT
# l2_intervals.awk - the L2 guest intervals of a real KVM host trace, from
# `babeltrace2 --clock-seconds` text only (no vmflow), for the real-trace tests.
# Per vCPU thread (tid context): nested mode starts at kvm_x86_nested_vmrun
# (with -v by_exit=1: at an SVM VMRUN exit, isa 2 / exit_reason 128, for traces
# that never record nested_vmrun) and ends at kvm_x86_nested_vmexit_inject;
# each kvm_x86_entry in nested mode opens an interval, the thread's next
# kvm_x86_exit closes it. Prints "<tid> <start_ns> <end_ns>" per interval.
{
  ts = substr($1, 2, length($1) - 2); split(ts, p, ".");
  name = $4; sub(/:$/, "", name);
  tid = ""; if (match($0, /tid = [0-9]+/)) tid = substr($0, RSTART + 6, RLENGTH - 6);
}
by_exit && name == "kvm_x86_exit" && $0 ~ /exit_reason = 128,/ && $0 ~ /isa = 2,/ && !(tid in open) { nested[tid] = 1 }
!by_exit && name == "kvm_x86_nested_vmrun" { nested[tid] = 1 }
name == "kvm_x86_nested_vmexit_inject" { nested[tid] = 0 }
name == "kvm_x86_exit" && (tid in open) { print tid, open[tid], p[1] p[2]; delete open[tid] }
name == "kvm_x86_entry" && nested[tid] { open[tid] = p[1] p[2] }
END { for (t in open) print t, open[t], "open" }
