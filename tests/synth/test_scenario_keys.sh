#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test_scenario_keys.sh - the scenario keys of the full language (guest.waits,
# ipi, apicv, disk, net, host_block, guest.processes, guest.switch, nested,
# trace.cr3, trace.start, trace.discard): each bad value is one line naming
# file:line:col and the key, exit code 1, nothing written.
source "$VMFLOW_SOURCE_DIR/tests/lib/assert.sh"

# bad NAME YAML PATTERN: synth must fail with exactly that message
bad() {
  printf '%s' "$2" > "$T/$1.yaml"
  expect_fail 1 "^vmflow: $T/$1.yaml:$3\$" "$1" -- "$VMFLOW" synth "$T/$1.yaml" -o "$T/$1-out"
  [ ! -e "$T/$1-out" ] || not_ok "$1: nothing written"
}

bad task-one-vcpu $'vms:\n  - guest:\n      waits: {task: 1}\n' \
  "3:7: vms\\[0\\].guest.waits: task waits need at least 2 vCPUs \\(another vCPU sends the IPI\\)"
bad disk-no-main $'vms:\n  - main_thread: none\n    guest: {waits: {disk: 1}}\n' \
  "3:12: vms\\[0\\].guest.waits: disk waits need the QEMU I/O thread \\(main_thread is none\\)"
bad waits-zero $'vms:\n  - guest: {waits: {timer: 0}}\n' \
  "2:20: vms\\[0\\].guest.waits: at least one wait class needs a weight above 0"
bad waits-unknown $'vms:\n  - guest: {waits: {cpu: 1}}\n' \
  "2:21: vms\\[0\\].guest.waits: unknown key 'cpu'"
bad ipi-vector $'vms:\n  - vcpus: 2\n    ipi: {vectors: [251, 300]}\n' \
  "3:26: vms\\[0\\].ipi.vectors: 300 is out of range: expected an integer from 32 to 255"
bad ipi-empty $'vms:\n  - vcpus: 2\n    ipi: {vectors: []}\n' \
  "3:20: vms\\[0\\].ipi.vectors: expected a non-empty list of vectors"
bad ipi-many $'vms:\n  - vcpus: 2\n    ipi: {vectors: [251, 252, 253, 251, 252, 253, 251, 252, 253]}\n' \
  "3:20: vms\\[0\\].ipi.vectors: at most 8 vectors"
bad block-reasons-empty $'vms:\n  - host_block: {reasons: []}\n' \
  "2:27: vms\\[0\\].host_block.reasons: expected a non-empty list of exit reasons"
bad block-reasons-bad $'vms:\n  - host_block: {reasons: [NOPE]}\n' \
  "2:28: vms\\[0\\].host_block.reasons: unknown exit reason 'NOPE' for isa vmx"
bad disk-len $'vms:\n  - disk: {len: 100}\n' \
  "2:12: vms\\[0\\].disk: unknown key 'len' \\(it applies to net only\\)"
bad net-notify $'vms:\n  - net: {notify: HLT}\n' \
  "2:19: vms\\[0\\].net.notify: HLT is not allowed here"
bad notify-svm-name $'vms:\n  - isa: svm\n    disk: {notify: EPT_MISCONFIG}\n' \
  "3:20: vms\\[0\\].disk.notify: unknown exit reason 'EPT_MISCONFIG' for isa svm"
bad block-prob $'vms:\n  - host_block: {probability: 2}\n' \
  "2:31: vms\\[0\\].host_block.probability: expected a number from 0 to 1, got '2'"
bad apicv-word $'vms:\n  - apicv: maybe\n' \
  "2:12: vms\\[0\\].apicv: expected true or false, got 'maybe'"
bad procs-few $'vms:\n  - vcpus: 3\n    guest: {processes: 2}\n' \
  "3:12: vms\\[0\\].guest.processes: 2 guest processes for 3 vCPUs: each vCPU needs its own"
bad procs-noname $'vms:\n  - guest:\n      processes: [{count: 2}]\n' \
  "3:19: vms\\[0\\].guest.processes\\[0\\]: missing key 'name'"
bad nested-nocr3 $'vms:\n  - nested: {}\n' \
  "2:13: vms\\[0\\].nested: nesting needs guest CR3s in the trace \\(trace.cr3: addons or kvm-cr\\)"
bad nested-hyp $'vms:\n  - nested: {hypervisor: xen}\ntrace: {cr3: addons}\n' \
  "2:26: vms\\[0\\].nested.hypervisor: no guest process is named 'xen'"
bad cr3-word $'trace: {cr3: ept}\n' \
  "1:14: trace.cr3: expected addons, kvm-cr or none, got 'ept'"
bad start-late $'duration: 10ms\ntrace: {start: 10ms}\n' \
  "2:16: trace.start: must be before the end \\(duration\\)"
bad discard-cpu $'host: {cpus: 2}\ntrace:\n  discard: [{cpu: 2, at: 1ms, duration: 1ms}]\n' \
  "3:19: trace.discard\\[0\\].cpu: 2 is out of range: expected an integer from 0 to 1"
bad discard-missing $'trace:\n  discard: [{cpu: 0, at: 1ms}]\n' \
  "2:13: trace.discard\\[0\\]: missing key 'duration'"
bad discard-overlap $'trace:\n  discard: [{cpu: 0, at: 1ms, duration: 2ms}, {cpu: 0, at: 2ms, duration: 1ms}]\n' \
  "2:47: trace.discard\\[1\\]: overlaps trace.discard\\[0\\] on cpu 0"

# the vhost thread takes the thread id after the vCPUs, also in pid overlap checks
printf 'vms:\n  - pid: 2000\n    vcpus: 1\n    guest: {waits: {net: 1}}\n  - pid: 2002\n' > "$T/vhost-overlap.yaml"
expect_fail 1 "vms\\[1\\].pid: thread ids 2002..2003 overlap those of vms\\[0\\] \\(2000..2002\\)" \
  "vhost tid counts in the pid ranges" -- "$VMFLOW" synth "$T/vhost-overlap.yaml" -o "$T/x"

# --truth-summary writes the JSON summary (atomically, also without --truth)
run_cmd "$VMFLOW" synth "$VMFLOW_SOURCE_DIR/corpora/inter-vm.yaml" -o "$T/iv" --truth-summary "$T/iv.json"
expect_eq "$rc" 0 "--truth-summary: synth succeeds"
expect_eq "$(sed -n 2p "$T/iv.json")" '  "format": "vmflow-truth-summary-1",' "--truth-summary: the summary's format line"
grep -q '{"waker": "vhost-1004/1007", "wakee": "VMs/1004/vCPUs/0", "class": "net", "count": [0-9]*}' "$T/iv.json" \
  && ok "--truth-summary: the peer VM's vhost thread wakes its vCPUs" || not_ok "--truth-summary: peer wake-up edge"
"$VMFLOW" synth "$VMFLOW_SOURCE_DIR/corpora/inter-vm.yaml" -o "$T/iv2" --truth-summary "$T/iv2.json" >/dev/null
cmp -s "$T/iv.json" "$T/iv2.json" && ok "--truth-summary: deterministic" || not_ok "--truth-summary: deterministic"
expect_fail 2 "option --truth-summary needs a file" "--truth-summary without a file: usage error" -- "$VMFLOW" synth "$VMFLOW_SOURCE_DIR/corpora/ipi.yaml" -o "$T/x" --truth-summary

finish
