#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test_scripts.sh - every vmtests script passes shellcheck, and --dry-run
# prints the exact commands (checked for the options that matter) without
# running anything.
source "$VMFLOW_SOURCE_DIR/tests/lib/assert.sh"
V=$VMFLOW_SOURCE_DIR/vmtests
command -v shellcheck >/dev/null || { not_ok "shellcheck installed (vmtests/install-deps.sh)"; finish; exit 1; }
while IFS= read -r f; do
  rel=${f#"$VMFLOW_SOURCE_DIR"/}
  if out=$(cd "$(dirname "$f")" && shellcheck -x "$(basename "$f")" 2>&1); then ok "shellcheck $rel"
  else not_ok "shellcheck $rel: $(printf '%s' "$out" | head -5)"; fi
done < <(find "$V" -name '*.sh' | sort)

# launch-vm.sh: -cpu host with the flag and enforce, named threads, iothread,
# vhost with vhostforce, pinning by thread name
run_cmd bash "$V/launch-vm.sh" --dry-run --name l1 --cpu-flag vmx --pin 2,3 --kernel k --initrd i --disk d.img --net vhost
expect_eq "$rc" 0 "launch-vm.sh --dry-run"
for want in '-cpu host,+vmx,enforce' '-name l1,debug-threads=on' '-object iothread,id=io0' 'iothread=io0' \
            'vhost=on,vhostforce=on' 'accel=kvm' "taskset -p -c 2" "'^CPU 1/KVM\$'" 'timeout --kill-after=10 600'; do
  printf '%s' "$out" | grep -qF -- "$want" && ok "launch-vm.sh prints '$want'" || not_ok "launch-vm.sh prints '$want' (got: $out)"
done
run_cmd bash "$V/launch-vm.sh" --dry-run --cpu-flag svm --kernel k --initrd i
printf '%s' "$out" | grep -qF -- '-cpu host,+svm,enforce' && ok "launch-vm.sh --cpu-flag svm" || not_ok "launch-vm.sh --cpu-flag svm"
expect_fail 1 'must be none, user or vhost' "launch-vm.sh rejects a bad --net" -- bash "$V/launch-vm.sh" --dry-run --net x --kernel k --initrd i

# record.sh: channel sizes, both namings, nested events, kvm_x86_cr, contexts, start/stop around the command
run_cmd bash "$V/record.sh" --dry-run --output /tmp/x -- sleep 1
expect_eq "$rc" 0 "record.sh --dry-run"
for want in 'enable-channel -k --subbuf-size=2M --num-subbuf=8 ch' 'kvm_x86_exit' ',kvm_exit,' 'kvm_x86_cr' \
            'kvm_x86_nested_vmrun' 'kvm_nested_vmexit' '-t pid -t tid -t procname' 'lttng start vmflow'; do
  printf '%s' "$out" | grep -qF -- "$want" && ok "record.sh prints '$want'" || not_ok "record.sh prints '$want'"
done
expect_eq "$(printf '%s\n' "$out" | grep -n '' | grep -E 'lttng start|sleep 1|lttng stop' | cut -d: -f2 | tr '\n' '|')" \
  "lttng start vmflow|sleep 1|lttng stop vmflow|" "record.sh: start, command, stop in that order"

run_cmd bash "$V/tcg/record-tcg.sh" --dry-run
expect_eq "$rc" 0 "record-tcg.sh --dry-run"
printf '%s' "$out" | grep -qF -- 'KCFLAGS=-DLTTNG_HRTIMER_START_WAS_ARMED' && ok "record-tcg.sh prints the module build" || not_ok "record-tcg.sh prints the module build"
printf '%s' "$out" | grep -qF -- '-accel tcg -cpu max' && ok "record-tcg.sh prints the L0 QEMU" || not_ok "record-tcg.sh prints the L0 QEMU"
run_cmd bash "$V/check-host.sh" --dry-run --probe-test
expect_eq "$rc" 0 "check-host.sh --dry-run"
printf '%s' "$out" | grep -qF -- 'lttng enable-event -k kvm_x86_entry,kvm_x86_exit' && ok "check-host.sh prints the probe test" || not_ok "check-host.sh prints the probe test"
run_cmd bash "$V/install-deps.sh" --dry-run
expect_eq "$rc" 0 "install-deps.sh --dry-run"

# the lttng-modules patch applies to the Debian source layout it names
p=$V/lttng-modules/0001-kvm-x86-and-hrtimer-for-debian-6.1.patch
grep -q '^SPDX-License-Identifier: GPL-2.0-only' "$p" && ok "patch carries its licence" || not_ok "patch carries its licence"
[ -f "$V/lttng-modules/COPYING-GPL-2.0" ] && ok "GPL-2.0 text beside the patch" || not_ok "GPL-2.0 text beside the patch"
expect_eq "$(grep -c '^+++ b/' "$p")" 2 "patch touches the two event headers"
finish
