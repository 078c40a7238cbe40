#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test_cmd_synth.sh - `vmflow synth`: usage and exit codes, one-line errors
# naming file:line:col, atomic outputs, and a hand-checked tiny scenario
# written as CTF (read back by babeltrace2) with its exact ground truth.
source "$VMFLOW_SOURCE_DIR/tests/lib/assert.sh"
C=$VMFLOW_SOURCE_DIR/corpora

# --- usage ---
run_cmd "$VMFLOW" synth --help
expect_eq "$rc" 0 "--help exits 0"
case "$out" in "Usage: vmflow synth SCENARIO -o TRACE_DIR"*) ok "--help prints the usage";; *) not_ok "--help prints the usage";; esac
expect_fail 2 "missing the SCENARIO" "no scenario: usage error" -- "$VMFLOW" synth
expect_fail 2 "missing -o" "no -o: usage error" -- "$VMFLOW" synth "$C/default.yaml"
expect_fail 2 "unknown option '--bogus'" "unknown option: usage error" -- "$VMFLOW" synth "$C/default.yaml" -o "$T/x" --bogus
expect_fail 2 "--seed needs an integer" "bad seed: usage error" -- "$VMFLOW" synth "$C/default.yaml" -o "$T/x" --seed abc
expect_fail 2 "unknown format 'pcap'" "bad format: usage error" -- "$VMFLOW" synth "$C/default.yaml" -o "$T/x" --format pcap

# --- bad scenarios: exit 1, one line, nothing left behind ---
printf 'host:\n  cpus: 0\n' > "$T/bad.yaml"
expect_fail 1 "^vmflow: $T/bad.yaml:2:9: host.cpus: 0 is out of range: expected an integer from 1 to 1024\$" \
  "out-of-range value: file:line:col and the key" -- "$VMFLOW" synth "$T/bad.yaml" -o "$T/bad-out"
printf 'vms:\n  - vcpus: 2\n    gest: {}\n' > "$T/typo.yaml"
expect_fail 1 "^vmflow: $T/typo.yaml:3:5: vms\\[0\\]: unknown key 'gest'\$" \
  "unknown key: file:line:col and the key" -- "$VMFLOW" synth "$T/typo.yaml" -o "$T/bad-out"
expect_fail 1 "$T/missing.yaml.*No such file" "missing scenario" -- "$VMFLOW" synth "$T/missing.yaml" -o "$T/bad-out"
if [ ! -e "$T/bad-out" ] && ! compgen -G "$T/bad-out.vmflow-tmp-*" >/dev/null; then ok "no output left after errors"; else not_ok "no output left after errors"; fi

# --- a scenario worked out by hand (see tests/synth/test_sim.c) ---
cat > "$T/one.yaml" <<'YAML'
seed: 7
duration: 5ms
host:
  cpus: 1
  latency: {wakeup: 2us, vcpu_load: 3us, inject: 1us, block: 2us, interrupt: 1us}
vms:
  - pid: 1000
    main_thread: none
    guest: {cpu_burst: 1ms, idle: 500us, tick: 0}
    exits: none
trace: {clock_offset: 0}
YAML
run_cmd "$VMFLOW" synth "$T/one.yaml" -o "$T/one" --truth "$T/one.tsv"
expect_eq "$rc" 0 "tiny scenario: synth succeeds"
case "$out" in *"wrote 21 events"*) ok "reports 21 events";; *) not_ok "reports 21 events ($out)";; esac
bt=$(babeltrace2 "$T/one" 2>&1)
expect_eq "$(printf '%s\n' "$bt" | grep -c '')" 21 "babeltrace2 reads the 21 events"
expect_eq "$(printf '%s\n' "$bt" | grep -c ' kvm_x86_entry: ')" 4 "4 entries"
expect_eq "$(printf '%s\n' "$bt" | grep -c ' kvm_x86_exit: .*exit_reason = 12,')" 3 "3 HLT exits"
expect_eq "$(printf '%s\n' "$bt" | grep -c ' kvm_x86_inj_virq: .*irq = 236')" 3 "3 timer injections"
expect_eq "$(printf '%s\n' "$bt" | grep -c 'sched_switch: .*prev_comm = "CPU 0/KVM", prev_tid = 1001, prev_prio = 20, prev_state = 1,')" 3 "3 switches out after HLT"
printf 'path\tstart\tend\tvalue\n' > "$T/one.expect"
for r in "1015000 1017000" "1517000 1521000" "2521000 2523000" "3023000 3027000" "4027000 4029000" "4529000 4533000"; do
  set -- $r; printf 'VMs/1000/vCPUs/0/Exit\t%s\t%s\tHLT\n' "$1" "$2" >> "$T/one.expect"
done
while read -r s e v; do printf 'VMs/1000/vCPUs/0/Status\t%s\t%s\t%s\n' "$s" "$e" "$v" >> "$T/one.expect"; done <<'TSV'
12000 15000 hypervisor
15000 1015000 guest
1015000 1017000 hypervisor
1017000 1517000 wait_timer
1517000 1521000 hypervisor
1521000 2521000 guest
2521000 2523000 hypervisor
2523000 3023000 wait_timer
3023000 3027000 hypervisor
3027000 4027000 guest
4027000 4029000 hypervisor
4029000 4529000 wait_timer
4529000 4533000 hypervisor
4533000 5000000 guest
TSV
cmp -s "$T/one.tsv" "$T/one.expect" && ok "truth file is exactly the hand-computed intervals" || not_ok "truth file differs: $(diff "$T/one.expect" "$T/one.tsv" | head -5)"

# --- atomic output: replaces its own output, refuses a user's folder ---
run_cmd "$VMFLOW" synth "$T/one.yaml" -o "$T/one" --seed 8
expect_eq "$rc" 0 "replaces a previous synth output"
mkdir -p "$T/user" && echo precious > "$T/user/notes.txt"
expect_fail 1 "$T/user" "refuses to replace a folder it did not write" -- "$VMFLOW" synth "$T/one.yaml" -o "$T/user"
expect_eq "$(cat "$T/user/notes.txt")" precious "the user's folder is untouched"

# --- determinism through the CLI ---
"$VMFLOW" synth "$C/preempt-vm.yaml" -o "$T/a" --truth "$T/a.tsv" >/dev/null
"$VMFLOW" synth "$C/preempt-vm.yaml" -o "$T/b" --truth "$T/b.tsv" >/dev/null
diff -r "$T/a" "$T/b" >/dev/null && ok "same scenario: identical trace folders" || not_ok "same scenario: identical trace folders"
cmp -s "$T/a.tsv" "$T/b.tsv" && ok "same scenario: identical truth" || not_ok "same scenario: identical truth"
"$VMFLOW" synth "$C/preempt-vm.yaml" -o "$T/c" --seed 99 --truth "$T/c.tsv" >/dev/null
cmp -s "$T/a.tsv" "$T/c.tsv" && not_ok "--seed changes the truth" || ok "--seed changes the truth"

# --- the stream files go to disk as they grow (common/write_behind.h: per stream from
# 512 MiB / CPUs, at least 16 MiB; VMFLOW_WRITE_BEHIND=1 moves that to 1 MiB): same bytes, and all but the last
# 32 MiB window of a 43 MiB stream left the page cache; =0 leaves it all there, and so
# does the default on one CPU (512 MiB per stream).
printf 'seed: 5\nduration: 3s\nhost:\n  cpus: 1\nvms:\n  - name: busy\n    vcpus: 1\n    exits:\n      rate: 2us\n      handling: {dist: exp, mean: 1us}\n' > "$T/stream.yaml"
VMFLOW_WRITE_BEHIND=1 "$VMFLOW" synth "$T/stream.yaml" -o "$T/streamed" >/dev/null
VMFLOW_WRITE_BEHIND=0 "$VMFLOW" synth "$T/stream.yaml" -o "$T/cached" >/dev/null
env -u VMFLOW_WRITE_BEHIND "$VMFLOW" synth "$T/stream.yaml" -o "$T/default" >/dev/null
# (residency first: reading the files back caches them)
read -r res size <<<"$(fincore --bytes --noheadings --output RES,SIZE "$T/streamed/channel0_0")"
read -r res0 size0 <<<"$(fincore --bytes --noheadings --output RES,SIZE "$T/cached/channel0_0")"
read -r resd sized <<<"$(fincore --bytes --noheadings --output RES,SIZE "$T/default/channel0_0")"
diff -r "$T/streamed" "$T/cached" >/dev/null && ok "write-behind: the same trace bytes" || not_ok "write-behind changed the trace"
if [ "$(stat -f -c %T "$T")" = tmpfs ]; then
  ok "write-behind: not checked on tmpfs (no sync_file_range)"
else
  [ "$size" -gt $((40 << 20)) ] && [ "$res" -le $((34 << 20)) ] \
    && ok "write-behind: $res of $size bytes still cached (the last window)" \
    || not_ok "write-behind: $res of $size bytes still cached"
  expect_eq "$res0" "$size0" "VMFLOW_WRITE_BEHIND=0: the whole stream file stays cached"
  expect_eq "$resd" "$sized" "default, one CPU: a 43 MiB stream stays cached (streamed from 512 MiB)"
fi

finish
