#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test_bad_input_ctf.sh - the bad-input matrix of issue 7 on traces with hand-chosen
# content (docs/bad-input.md): an LTTng userspace trace, event classes vmflow does not
# interpret, interpreted classes with missing or mistyped fields, exit reasons and
# vcpu ids out of range, timestamps going backwards within a stream and across
# streams, discarded events; and scenarios with wrong types. The CTF traces are
# written by tests/lib/ctfgen.py (lttng-modules 2.13 layout) and every one is first
# read by the real babeltrace2, which must accept or refuse it as stated.
source "$VMFLOW_SOURCE_DIR/tests/lib/assert.sh"
CTFGEN=$VMFLOW_SOURCE_DIR/tests/lib/ctfgen.py
# The CTF reader's checks of input/event_check.c are on once a CTF reader source calls them.
reader_calls() { grep -l "$1" "$VMFLOW_SOURCE_DIR"/exporter/input/*.c | grep -qvE '/(event_check|stub_reader)\.c$'; }
skip_count=0
skip() { skip_count=$((skip_count + 1)); echo "skip - $1"; }

no_output_left() { # DIR NAME
  if [ ! -e "$1" ] && ! compgen -G "$1.vmflow-tmp-*" >/dev/null; then ok "$2: nothing half-written"; else not_ok "$2: output left behind"; fi
}

# variant NAME PYTHON: $T/NAME.json = the base spec after PYTHON (which edits `s`, with
# e0/e1 = the events of CPU 0/1), then the trace $T/NAME written by ctfgen.py.
variant() {
  python3 - "$T/base.json" "$T/$1.json" "$2" <<'PY' || not_ok "$1: spec"
import json, sys
s = json.load(open(sys.argv[1]))
e0 = s["streams"][0]["packets"][0]["events"]
e1 = s["streams"][1]["packets"][0]["events"]
exec(sys.argv[3])
json.dump(s, open(sys.argv[2], "w"))
PY
  python3 "$CTFGEN" "$T/$1.json" "$T/$1" || not_ok "$1: ctfgen"
}

# bt_accepts NAME COUNT: babeltrace2 reads the whole trace $T/NAME: COUNT events, exit 0.
bt_accepts() {
  local n rc
  n=$(babeltrace2 "$T/$1" 2>"$T/$1.bt.err" | grep -c '') && rc=0 || rc=$?
  expect_eq "$rc $n" "0 $2" "$1: babeltrace2 reads it ($2 events)"
}

# Bare timestamps and event text as babeltrace2 prints them (no deltas), for comparing layouts.
bt_text() { babeltrace2 "$1" 2>/dev/null | sed -E 's/^\[([^]]*)\] \([^)]*\)/\1/'; }

O=1767225600000000000 # the clock offset (ctfgen.py): states.tsv times are from the clock origin
ns() { echo $((O + $1)); }

# ---------------------------------------------------------------- the base trace
# One VM (pid 100), vCPU 0 (tid 101) on CPU 0, vCPU 1 (tid 102) on CPU 1; times in ns.
cat > "$T/base.json" <<'JSON'
{"streams": [
 {"file": "channel0_0", "cpu": 0, "packets": [{"events": [
  [1000, "sched_switch", 0, 0, {"prev_comm": "swapper/0", "prev_tid": 0, "prev_prio": 20, "prev_state": 0, "next_comm": "CPU 0/KVM", "next_tid": 101, "next_prio": 20}],
  [2000, "kvm_x86_entry", 100, 101, {"vcpu_id": 0}],
  [5000, "kvm_x86_exit", 100, 101, {"exit_reason": 30, "isa": 1, "vcpu_id": 0}],
  [6000, "kvm_x86_entry", 100, 101, {"vcpu_id": 0}],
  [9000, "kvm_x86_exit", 100, 101, {"exit_reason": 12, "isa": 1, "vcpu_id": 0}],
  [9500, "sched_switch", 100, 101, {"prev_comm": "CPU 0/KVM", "prev_tid": 101, "prev_prio": 20, "prev_state": 1, "next_comm": "swapper/0", "next_tid": 0, "next_prio": 20}]
 ]}]},
 {"file": "channel0_1", "cpu": 1, "packets": [{"events": [
  [1500, "sched_switch", 0, 0, {"prev_comm": "swapper/1", "prev_tid": 0, "prev_prio": 20, "prev_state": 0, "next_comm": "CPU 1/KVM", "next_tid": 102, "next_prio": 20}],
  [2500, "kvm_x86_entry", 100, 102, {"vcpu_id": 1}],
  [4000, "kvm_x86_exit", 100, 102, {"exit_reason": 48, "isa": 1, "vcpu_id": 1}],
  [4200, "kvm_x86_entry", 100, 102, {"vcpu_id": 1}],
  [8000, "kvm_x86_exit", 100, 102, {"exit_reason": 1, "isa": 1, "vcpu_id": 1}],
  [8100, "kvm_x86_entry", 100, 102, {"vcpu_id": 1}],
  [10000, "kvm_x86_exit", 100, 102, {"exit_reason": 32, "isa": 1, "vcpu_id": 1}],
  [10300, "kvm_x86_entry", 100, 102, {"vcpu_id": 1}],
  [12000, "kvm_x86_exit", 100, 102, {"exit_reason": 30, "isa": 1, "vcpu_id": 1}]
 ]}]}
]}
JSON
python3 "$CTFGEN" "$T/base.json" "$T/base" || not_ok "base: ctfgen"
bt_accepts base 15
run_cmd "$VMFLOW" analyze "$T/base" -o "$T/o-base"
expect_eq "$rc" 0 "base: analyze succeeds ($err)"
# The states docs/states.md gives these events (worked out by hand).
cat > "$T/base-states.tsv" <<EOF
path	start	end	value
VMs/100/vCPUs/0/Exit	$(ns 5000)	$(ns 6000)	IO_INSTRUCTION
VMs/100/vCPUs/0/Exit	$(ns 9000)	$(ns 9500)	HLT
VMs/100/vCPUs/0/Status	$(ns 1000)	$(ns 2000)	hypervisor
VMs/100/vCPUs/0/Status	$(ns 2000)	$(ns 5000)	guest
VMs/100/vCPUs/0/Status	$(ns 5000)	$(ns 6000)	hypervisor
VMs/100/vCPUs/0/Status	$(ns 6000)	$(ns 9000)	guest
VMs/100/vCPUs/0/Status	$(ns 9000)	$(ns 9500)	hypervisor
VMs/100/vCPUs/0/Status	$(ns 9500)	$(ns 12000)	wait_unknown
VMs/100/vCPUs/1/Exit	$(ns 4000)	$(ns 4200)	EPT_VIOLATION
VMs/100/vCPUs/1/Exit	$(ns 8000)	$(ns 8100)	EXTERNAL_INTERRUPT
VMs/100/vCPUs/1/Exit	$(ns 10000)	$(ns 10300)	MSR_WRITE
VMs/100/vCPUs/1/Status	$(ns 1500)	$(ns 2500)	hypervisor
VMs/100/vCPUs/1/Status	$(ns 2500)	$(ns 4000)	guest
VMs/100/vCPUs/1/Status	$(ns 4000)	$(ns 4200)	hypervisor
VMs/100/vCPUs/1/Status	$(ns 4200)	$(ns 8000)	guest
VMs/100/vCPUs/1/Status	$(ns 8000)	$(ns 8100)	hypervisor
VMs/100/vCPUs/1/Status	$(ns 8100)	$(ns 10000)	guest
VMs/100/vCPUs/1/Status	$(ns 10000)	$(ns 10300)	hypervisor
VMs/100/vCPUs/1/Status	$(ns 10300)	$(ns 12000)	guest
EOF
cmp -s "$T/o-base/states.tsv" "$T/base-states.tsv" && ok "base: states.tsv as worked out by hand" || { not_ok "base: states.tsv"; diff "$T/base-states.tsv" "$T/o-base/states.tsv" | head; }
expect_eq "$(grep -cE '"uninterpreted_event_count": 0,' "$T/o-base/summary.json")" 1 "base: summary.json says 0 uninterpreted events"

# ---------------------------------------------------------------- 1. userspace trace
# The lttng session layout <session>/ust/uid/<uid>/64-bit/ with env domain "ust".
cat > "$T/ust.json" <<'JSON'
{"domain": "ust", "tracer_name": "lttng-ust", "streams": [
 {"file": "channel0_0", "cpu": 0, "packets": [{"events": [
  [1000, "lttng_ust_tracef:event", 4242, 4242, {"msg": "request 1 started"}],
  [2000, "lttng_ust_tracef:event", 4242, 4243, {"msg": "request 1 done"}],
  [3000, "lttng_ust_tracef:event", 4242, 4242, {"msg": "request 2 started"}]]}]}]}
JSON
mkdir -p "$T/ust-session/ust/uid/1000"
python3 "$CTFGEN" "$T/ust.json" "$T/ust-session/ust/uid/1000/64-bit" || not_ok "ust: ctfgen"
n=$(babeltrace2 "$T/ust-session" 2>/dev/null | grep -c 'lttng_ust_tracef:event')
expect_eq "$n" 3 "ust: babeltrace2 reads the userspace trace (3 events)"
expect_fail 1 "^vmflow: $T/ust-session/ust/uid/1000/64-bit: this is an LTTng userspace trace; vmflow needs a kernel trace of the host$" \
  "ust: analyze names the trace folder and says it is a userspace trace" -- "$VMFLOW" analyze "$T/ust-session" -o "$T/o-ust"
no_output_left "$T/o-ust" "ust"
expect_fail 1 "$T/ust-session.*userspace trace" "ust: stats refuses it the same way" -- "$VMFLOW" stats "$T/ust-session"

# ---------------------------------------------------------------- 2. unknown event classes
# A real kernel trace has hundreds of classes vmflow ignores. 30 unused classes take
# the ids 0-29, so most used classes need the extended event header (id >= 31).
variant unknown '
s["classes"] = {"lttng_filler_%d" % i: [["x", "u32"]] for i in range(30)}
e0 += [[1200, "irq_handler_entry", 100, 101, {"irq": 24, "name": "eth0"}],
       [1300, "irq_handler_exit", 100, 101, {"irq": 24, "ret": 1}],
       [5200, "kvm_userspace_exit", 100, 101, {"reason": 2}],
       [5400, "syscall_entry_read", 100, 101, {"fd": 12, "count": 8}],
       [5500, "syscall_exit_read", 100, 101, {"ret": 8, "buf": 140737488347136}],
       [9700, "softirq_entry", 0, 0, {"vec": 1}],
       [9800, "timer_hrtimer_start", 0, 0, {"hrtimer": 18446612686, "function": 1, "expires": 20000, "softexpires": 20000}],
       [11000, "rcu_utilization", 0, 0, {"s": "Start context switch"}],
       [11500, "block_rq_issue", 0, 0, {"dev": 8388608, "sector": 2048, "nr_sector": 8, "bytes": 4096, "tid": 0, "rwbs": 1, "cmd": [40, 0, 0, 8], "comm": "kworker/0:1"}]]
e1 += [[4100, "irq_handler_entry", 100, 102, {"irq": 30, "name": "nvme0q1"}],
       [4150, "irq_handler_exit", 100, 102, {"irq": 30, "ret": 1}],
       [8050, "softirq_entry", 100, 102, {"vec": 7}],
       [8060, "power_cpu_frequency", 100, 102, {"state": 2400000, "cpu_id": 1}],
       [8070, "lttng_test_float", 100, 102, {"ratio": 0.625, "name": "x"}]]
e0.sort(key=lambda e: e[0]); e1.sort(key=lambda e: e[0])'
bt_accepts unknown 29
run_cmd "$VMFLOW" analyze "$T/unknown" -o "$T/o-unknown"
expect_eq "$rc" 0 "unknown classes: analyze succeeds ($err)"
cmp -s "$T/o-unknown/states.tsv" "$T/o-base/states.tsv" && ok "unknown classes: the same states.tsv as without them" || not_ok "unknown classes: states.tsv differs"
cmp -s "$T/o-unknown/exits.tsv" "$T/o-base/exits.tsv" && ok "unknown classes: the same exits.tsv" || not_ok "unknown classes: exits.tsv differs"
expect_eq "$(grep -oE '"(event_count|kvm_event_count|uninterpreted_event_count)": [0-9]+' "$T/o-unknown/summary.json" | tr '\n' ' ')" \
  '"event_count": 29 "kvm_event_count": 12 "uninterpreted_event_count": 14 ' "unknown classes: summary.json counts the 14 uninterpreted events"

# An interpreted class (by its name) without a field vmflow needs, or with a field of a
# type vmflow cannot read: one line naming the trace, the class and the field. The check
# (vf_event_check_field(), input/event_check.c) must be called by the CTF reader.
variant noreason 's["classes"] = {"kvm_x86_exit": [[f, t] for f, t in [["guest_rip", "u64"], ["isa", "u32"], ["vcpu_id", "u32"]]]}
for e in e0 + e1:
    if e[1] == "kvm_x86_exit":
        e[4].pop("exit_reason", None)'
bt_accepts noreason 15
variant strreason 's["classes"] = {"kvm_x86_exit": [["exit_reason", "string"], ["guest_rip", "u64"], ["isa", "u32"], ["vcpu_id", "u32"]]}'
bt_accepts strreason 15
variant nonexttid 's["classes"] = {"sched_switch": [["prev_comm", "comm"], ["prev_tid", "s32"], ["prev_prio", "s32"], ["prev_state", "s64"], ["next_comm", "comm"], ["next_prio", "s32"]]}
for e in e0 + e1:
    if e[1] == "sched_switch":
        e[4].pop("next_tid", None)'
bt_accepts nonexttid 15
variant noguestrip 's["classes"] = {"kvm_x86_exit": [["exit_reason", "u32"], ["isa", "u32"], ["info1", "u64"], ["info2", "u64"]]}
for e in e0 + e1:
    if e[1] == "kvm_x86_exit":
        e[4].pop("vcpu_id", None)'
bt_accepts noguestrip 15
if reader_calls vf_event_check_field; then
  expect_fail 1 "^vmflow: $T/noreason: event class \`kvm_x86_exit\` has no field \`exit_reason\`" \
    "missing field: kvm_x86_exit without exit_reason is refused, naming class and field" -- "$VMFLOW" analyze "$T/noreason" -o "$T/o-noreason"
  no_output_left "$T/o-noreason" "missing field"
  expect_fail 1 "^vmflow: $T/strreason: event class \`kvm_x86_exit\`: field \`exit_reason\` (is a string, vmflow needs|has a type vmflow cannot read \(it needs) an integer" \
    "wrong type: a string exit_reason is refused, naming class and field" -- "$VMFLOW" analyze "$T/strreason" -o "$T/o-strreason"
  no_output_left "$T/o-strreason" "wrong field type"
  expect_fail 1 "^vmflow: $T/nonexttid: event class \`sched_switch\` has no field \`next_tid\`" \
    "missing field: sched_switch without next_tid is refused" -- "$VMFLOW" analyze "$T/nonexttid" -o "$T/o-nonexttid"
  no_output_left "$T/o-nonexttid" "missing next_tid"
else
  skip "PENDING-LEAD-READER-FIELD-CHECK: ctf_reader.c does not call vf_event_check_field() yet (class_info_new()), so a kvm_x86_exit without exit_reason, a string exit_reason and a sched_switch without next_tid are still read as 0 (3 refusals not checked)"
fi
# The same rule for a Trace Compass XML stub trace given to `vmflow analyze` (file:line);
# generic consumers (`vmflow tcxml run`) still read any event, as Trace Compass does.
stub_event() { # TS NAME FIELD=TYPE:VALUE...
  local ts=$1 name=$2 f
  shift 2
  printf '<event timestamp="%s" name="%s">\n<field name="cpu" value="0" type="int" />\n' "$ts" "$name"
  for f in "$@"; do printf '<field name="%s" value="%s" type="%s" />\n' "${f%%=*}" "${f#*:}" "$(t=${f#*=}; echo "${t%%:*}")"; done
  printf '</event>\n'
}
stub_trace() { # REASON_FIELD...
  printf '<?xml version="1.0" encoding="UTF-8"?>\n<trace>\n'
  stub_event 10 sched_switch prev_comm=string:swapper/0 prev_tid=int:0 prev_state=long:0 "next_comm=string:CPU 0/KVM" next_tid=int:101
  stub_event 20 kvm_entry vcpu_id=int:0
  stub_event 50 kvm_exit "$@" isa=int:1
  stub_event 60 kvm_entry vcpu_id=int:0
  printf '</trace>\n'
}
stub_trace exit_reason=int:30 > "$T/stub.xml"
stub_trace > "$T/stub-noreason.xml"
run_cmd "$VMFLOW" analyze "$T/stub.xml" -o "$T/o-stub"
expect_eq "$rc $(grep -c $'^VMs/101/vCPUs/0/Exit\t50\t60\tIO_INSTRUCTION$' "$T/o-stub/states.tsv")" "0 1" "stub trace: analyze reads the complete kvm_exit ($err)"
expect_fail 1 "^vmflow: $T/stub-noreason.xml:15: event class \`kvm_exit\` has no field \`exit_reason\`" \
  "stub trace: a kvm_exit without exit_reason is refused, naming file:line, class and field" -- "$VMFLOW" analyze "$T/stub-noreason.xml" -o "$T/o-stub-noreason"
no_output_left "$T/o-stub-noreason" "stub missing field"
if [ -f "$VMFLOW_SHARED_DIR/tracecompass-conformance/analyses/test_attributes.xml" ]; then
  run_cmd "$VMFLOW" tcxml run "$VMFLOW_SHARED_DIR/tracecompass-conformance/analyses/test_attributes.xml" "$T/stub-noreason.xml"
  expect_eq "$rc" 0 "stub trace: tcxml run still reads it (generic consumer) ($err)"
else
  skip "tcxml run on the stub trace (no \$VMFLOW_SHARED_DIR/tracecompass-conformance)"
fi

# Fields vmflow can do without (kvm_x86_exit before Linux 5.10: no vcpu_id, no guest_rip): fine.
run_cmd "$VMFLOW" analyze "$T/noguestrip" -o "$T/o-noguestrip"
expect_eq "$rc" 0 "optional fields missing (kvm_x86_exit without guest_rip, vcpu_id): analyze succeeds ($err)"
cmp -s "$T/o-noguestrip/states.tsv" "$T/o-base/states.tsv" && ok "optional fields missing: the same states.tsv" || not_ok "optional fields missing: states.tsv differs"

# ---------------------------------------------------------------- 3. exit reasons and vcpu ids out of range
# VMX keeps flags in bits 31:16 (masked off); codes without a name are UNKNOWN_<n>.
variant reasons 'e0[2][4]["exit_reason"] = 0x7fffffff
e1[2][4]["exit_reason"] = 77
e1[4][4]["exit_reason"] = 0x8000004D
e1[6][4]["exit_reason"] = 0xFFFF'
bt_accepts reasons 15
run_cmd "$VMFLOW" analyze "$T/reasons" -o "$T/o-reasons"
expect_eq "$rc" 0 "exit reasons out of range: analyze succeeds ($err)"
expect_eq "$(cut -f1-6 "$T/o-reasons/exits.tsv" | tr '\t\n' ' ;')" \
  "vm_pid vcpu_id reason count percent total_ns;100 0 UNKNOWN_65535 1 100.000 1000;100 1 UNKNOWN_77 2 66.667 300;100 1 UNKNOWN_65535 1 33.333 300;100 all UNKNOWN_65535 2 50.000 1300;100 all UNKNOWN_77 2 50.000 300;" \
  "exit reasons out of range: exits.tsv has UNKNOWN_<n>, flag bits masked (0x8000004D = 77)"
expect_eq "$(awk -F'\t' '$1 ~ /Exit$/ {print $4}' "$T/o-reasons/states.tsv" | tr '\n' ' ')" "UNKNOWN_65535 HLT UNKNOWN_77 UNKNOWN_77 UNKNOWN_65535 " \
  "exit reasons out of range: the Exit intervals carry the same names"
expect_eq "$(awk -F'\t' '$1 ~ /Status$/' "$T/o-reasons/states.tsv" | md5sum)" "$(awk -F'\t' '$1 ~ /Status$/' "$T/o-base/states.tsv" | md5sum)" \
  "exit reasons out of range: the Status intervals are unchanged"
run_cmd "$VMFLOW" stats "$T/reasons"
expect_eq "$rc $(printf '%s\n' "$out" | grep -E '^ +UNKNOWN_(77|65535) ' | awk '{print $1, $2}' | tr '\n' ' ')" "0 UNKNOWN_65535 2 UNKNOWN_77 2 " \
  "exit reasons out of range: vmflow stats lists UNKNOWN_65535 and UNKNOWN_77, 2 samples each"

# vcpu_id 3000000000 (lttng-modules' pointer-bits defect) and 5000 (above KVM's 4095).
variant vcpuid 'for e in e1:
    if "vcpu_id" in e[4]:
        e[4]["vcpu_id"] = 3000000000'
bt_accepts vcpuid 15
run_cmd "$VMFLOW" analyze "$T/vcpuid" -o "$T/o-vcpuid"
expect_eq "$rc" 0 "vcpu_id 3000000000: analyze succeeds with a warning ($err)"
grep -q '"8 kvm entry/exit events carry a vcpu_id above 65535 (largest 3000000000): lttng-modules recorded pointer bits' "$T/o-vcpuid/summary.json" \
  && ok "vcpu_id 3000000000: summary.json has the trace-sanity warning" || not_ok "vcpu_id 3000000000: no sanity warning"
grep -q '"8 kvm events carry an implausible vcpu_id (above 4095)"' "$T/o-vcpuid/summary.json" \
  && ok "vcpu_id 3000000000: summary.json says the events were not used" || not_ok "vcpu_id 3000000000: no implausible-id warning"
expect_eq "$(cut -f1 "$T/o-vcpuid/states.tsv" | sort -u | tr '\n' ' ')" "VMs/100/vCPUs/0/Exit VMs/100/vCPUs/0/Status path " \
  "vcpu_id 3000000000: no vCPU is made of them; vCPU 0 is intact"
printf '%s\n' "$err" | grep -q '^vmflow W analyze: 8 kvm entry/exit events carry a vcpu_id above 65535 (largest 3000000000)' \
  && ok "vcpu_id 3000000000: the warning is also printed on stderr" || not_ok "vcpu_id 3000000000: no warning on stderr ($err)"
variant vcpuid5000 'for e in e1:
    if "vcpu_id" in e[4]:
        e[4]["vcpu_id"] = 5000'
bt_accepts vcpuid5000 15
run_cmd "$VMFLOW" analyze "$T/vcpuid5000" -o "$T/o-vcpuid5000"
expect_eq "$rc $(grep -c '"8 kvm events carry an implausible vcpu_id (above 4095)"' "$T/o-vcpuid5000/summary.json")" "0 1" \
  "vcpu_id 5000: analyze succeeds and warns that 8 events carry an implausible vcpu_id"

# ---------------------------------------------------------------- 4a. backwards within a stream
# CPU 0's second entry at 4500, after its exit at 5000 in the same stream. babeltrace2
# 2.0.4 refuses it (its muxer: "timestamp is less than ... last returned timestamp").
variant backwards 'e0[3][0] = 4500'
run_cmd babeltrace2 "$T/backwards"
expect_eq "$rc $(printf '%s' "$err" | grep -c "timestamp is less than muxer's message iterator's last returned timestamp")" "1 1" \
  "backwards in a stream: babeltrace2 refuses it"
if reader_calls vf_stream_order_check; then
  expect_fail 1 "^vmflow: $T/backwards: .*channel0_0: timestamps go backwards: kvm_x86_entry at $(ns 4500) ns \\(cpu 0\\) is 500 ns earlier than the previous event of this stream \\($(ns 5000) ns\\)" \
    "backwards in a stream: one line naming the stream file and both times" -- "$VMFLOW" analyze "$T/backwards" -o "$T/o-backwards"
  no_output_left "$T/o-backwards" "backwards in a stream"
else
  skip "PENDING-LEAD-READER-ORDER-CHECK: ctf_reader.c does not call vf_stream_order_check() yet (deliver_event()), so a stream whose timestamps go backwards is still analysed (refusal not checked)"
fi

# ---------------------------------------------------------------- 4b. across streams: legal
# The same 15 events (i) in one stream, packets alternating cpu_id 0/1, well ordered;
# (ii) CPU 0's events split over two streams, the file that sorts first (channel0_0)
# holding the later ones (6000-9500 ns) and channel0_9 the earlier ones (1000-5000 ns).
python3 - "$T/base.json" "$T/single.json" "$T/split.json" <<'PY' || not_ok "layouts: spec"
import json, sys
s = json.load(open(sys.argv[1]))
e0 = s["streams"][0]["packets"][0]["events"]
e1 = s["streams"][1]["packets"][0]["events"]
packets = []
for cpu, e in sorted([(0, e) for e in e0] + [(1, e) for e in e1], key=lambda x: x[1][0]):
    if packets and packets[-1]["cpu"] == cpu:
        packets[-1]["events"].append(e)
    else:
        packets.append({"cpu": cpu, "events": [e]})
json.dump({"streams": [{"file": "channel0_0", "cpu": 0, "packets": packets}]}, open(sys.argv[2], "w"))
json.dump({"streams": [{"file": "channel0_0", "cpu": 0, "packets": [{"events": e0[3:]}]},
                       {"file": "channel0_1", "cpu": 1, "packets": [{"events": e1}]},
                       {"file": "channel0_9", "cpu": 0, "packets": [{"events": e0[:3]}]}]},
          open(sys.argv[3], "w"))
PY
for l in single split; do
  python3 "$CTFGEN" "$T/$l.json" "$T/$l" || not_ok "$l: ctfgen"
  bt_accepts "$l" 15
  expect_eq "$(bt_text "$T/$l" | md5sum)" "$(bt_text "$T/base" | md5sum)" "$l layout: babeltrace2 prints the same events in the same order"
  run_cmd "$VMFLOW" analyze "$T/$l" -o "$T/o-$l"
  expect_eq "$rc" 0 "$l layout: analyze succeeds ($err)"
  for f in states.tsv exits.tsv; do
    cmp -s "$T/o-$l/$f" "$T/o-base/$f" && ok "$l layout: the same $f as one stream per CPU" || not_ok "$l layout: $f differs"
  done
done
expect_eq "$(ls "$T/single" | tr '\n' ' ')$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["streams"][0]["packets"]))' "$T/single.json")" "channel0_0 metadata 8" \
  "single layout: one stream file of 8 packets (cpu_id changes 7 times)"

# ---------------------------------------------------------------- 5. discarded events
# CPU 0's stream in two packets; the second says the tracer discarded 7 events.
variant discard 's["streams"][0]["packets"] = [{"events": e0[:3]}, {"discarded": 7, "begin": 5600, "events": e0[3:]}]'
bt_accepts discard 15
grep -q 'WARNING: Tracer discarded 7 events between \[00:00:00.000005000\] and \[00:00:00.000009500\]' "$T/discard.bt.err" \
  && ok "discard: babeltrace2 reports 7 events lost on channel0_0" || not_ok "discard: babeltrace2 warning ($(head -c 300 "$T/discard.bt.err"))"
run_cmd "$VMFLOW" analyze "$T/discard" -o "$T/o-discard"
expect_eq "$rc" 0 "discard: analyze succeeds ($err)"
expect_eq "$(grep -E 'discarded_events|events discarded on cpu' "$T/o-discard/summary.json" | tr -d ' \n')" '"discarded_events":7,"7eventsdiscardedoncpu0",' \
  "discard: summary.json counts the 7 lost events and warns for cpu 0"
expect_eq "$(awk -F'\t' '$1 == "VMs/100/vCPUs/0/Status" && $4 == "unknown" {print $2, $3}' "$T/o-discard/states.tsv")" "$(ns 5000) $(ns 6000)" \
  "discard: vCPU 0 is unknown from the loss (5000 ns) to its next event (6000 ns)"
expect_eq "$(grep -c 'IO_INSTRUCTION' "$T/o-discard/states.tsv")" 0 "discard: the exit that ended in the loss has no Exit interval"
expect_eq "$(grep '^VMs/100/vCPUs/1/' "$T/o-discard/states.tsv" | md5sum)" "$(grep '^VMs/100/vCPUs/1/' "$T/o-base/states.tsv" | md5sum)" \
  "discard: vCPU 1 (other CPU) is unchanged"
# The corpus scenario with three loss windows (corpora/discard.yaml).
"$VMFLOW" synth "$VMFLOW_SOURCE_DIR/corpora/discard.yaml" -o "$T/corpus-discard" >/dev/null || not_ok "synth corpora/discard.yaml"
run_cmd "$VMFLOW" analyze "$T/corpus-discard" -o "$T/o-corpus-discard"
# babeltrace2's own count of the loss, per window (its WARNING lines), summed per CPU
bt_lost=$(babeltrace2 "$T/corpus-discard" 2>&1 >/dev/null |
  sed -nE 's/^WARNING: Tracer discarded ([0-9]+) events between .*channel0_([0-9]+)".*/\2 \1/p' |
  awk '{ n[$1] += $2; t += $2 } END { printf "%d %d %d", t, n[0], n[1] }')
read -r lost_all lost_0 lost_1 <<<"$bt_lost"
expect_eq "$lost_all" 478 "corpora/discard: babeltrace2 reports 478 lost events in its three windows"
expect_eq "$rc $(grep -oE '"discarded_events": [0-9]+' "$T/o-corpus-discard/summary.json")" "0 \"discarded_events\": $lost_all" \
  "corpora/discard: summary.json counts the events the windows dropped, as babeltrace2 does"
expect_eq "$(grep -cE "\"($lost_0 events discarded on cpu 0|$lost_1 events discarded on cpu 1)\"" "$T/o-corpus-discard/summary.json")" 2 \
  "corpora/discard: one warning per CPU with its count ($lost_0 on cpu 0, $lost_1 on cpu 1)"
# The vCPU running on the CPU of a window is unknown from the window's start until its
# next event, after the window (here every window found a vCPU running there).
expect_eq "$(awk -F'\t' '$1 ~ /Status$/ && $4 == "unknown" { print $1, $2 }' "$T/o-corpus-discard/states.tsv" | tr '\n' ';')" \
  "VMs/1000/vCPUs/0/Status $(ns 220000000);VMs/1000/vCPUs/1/Status $(ns 100000000);VMs/1000/vCPUs/1/Status $(ns 400000000);" \
  "corpora/discard: unknown intervals start at the loss windows (220 ms cpu 1, 100 and 400 ms cpu 0)"
# (19-digit numbers: a string comparison is a numeric one)
read -r e1 e2 e3 <<<"$(awk -F'\t' '$1 ~ /Status$/ && $4 == "unknown" { print $3 }' "$T/o-corpus-discard/states.tsv" | tr '\n' ' ')"
[ "${#e1}${#e2}${#e3}" = 191919 ] && [[ "$e1" > "$(ns 220499999)" && "$e2" > "$(ns 102999999)" && "$e3" > "$(ns 409999999)" ]] \
  && ok "corpora/discard: each unknown interval outlasts its window (until the vCPU's next event)" \
  || not_ok "corpora/discard: unknown interval ends ($e1 $e2 $e3)"

# ---------------------------------------------------------------- 6. scenario with wrong types
sc() { printf 'seed: 1\nduration: 10ms\n%b' "$2" > "$T/$1.yaml"; }
sc cpus-string 'host:\n  cpus: "eight"\n'
expect_fail 1 "^vmflow: $T/cpus-string.yaml:4:9: host.cpus: expected an integer from 1 to 1024, got 'eight'$" \
  "scenario: cpus: \"eight\" names file:line:col and the key" -- "$VMFLOW" synth "$T/cpus-string.yaml" -o "$T/s-1"
no_output_left "$T/s-1" "cpus string"
sc vcpus-list 'vms:\n  - name: a\n    vcpus: [1]\n'
expect_fail 1 "^vmflow: $T/vcpus-list.yaml:5:12: vms\\[0\\].vcpus: expected a single value, got a list$" \
  "scenario: vcpus: [1] names file:line:col and the key" -- "$VMFLOW" synth "$T/vcpus-list.yaml" -o "$T/s-2"
no_output_left "$T/s-2" "vcpus list"
printf 'seed: 1\nduration: fast\n' > "$T/duration-word.yaml"
expect_fail 1 "^vmflow: $T/duration-word.yaml:2:11: duration: expected a duration such as 2s, 500ms" \
  "scenario: duration: fast names file:line:col and the key" -- "$VMFLOW" synth "$T/duration-word.yaml" -o "$T/s-3"
no_output_left "$T/s-3" "duration word"
sc cpus-float 'host:\n  cpus: 2.5\n'
expect_fail 1 "^vmflow: $T/cpus-float.yaml:4:9: host.cpus: expected an integer" \
  "scenario: cpus: 2.5 is refused" -- "$VMFLOW" synth "$T/cpus-float.yaml" -o "$T/s-4"
sc cpus-map 'host:\n  cpus: {a: 1}\n'
expect_fail 1 "^vmflow: $T/cpus-map.yaml:4:9: host.cpus: expected a single value, got a mapping$" \
  "scenario: cpus: {a: 1} is refused" -- "$VMFLOW" synth "$T/cpus-map.yaml" -o "$T/s-5"
sc vms-scalar 'vms: 3\n'
expect_fail 1 "^vmflow: $T/vms-scalar.yaml:3:6: vms: expected a list, got a scalar$" \
  "scenario: vms: 3 is refused" -- "$VMFLOW" synth "$T/vms-scalar.yaml" -o "$T/s-6"
sc contexts-word 'trace:\n  contexts: maybe\n'
expect_fail 1 "^vmflow: $T/contexts-word.yaml:4:13: trace.contexts: expected true or false, got 'maybe'$" \
  "scenario: contexts: maybe is refused" -- "$VMFLOW" synth "$T/contexts-word.yaml" -o "$T/s-7"

echo "$pass_count passed, $fail_count failed, $skip_count skipped"
[ "$fail_count" -eq 0 ]
