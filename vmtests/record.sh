#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Records an LTTng kernel trace of a KVM host around one command (the
# workload, e.g. vmtests/launch-vm.sh ...): the scheduler, IRQ and KVM events
# the vmflow analyses read, in both lttng-modules namings (kvm_x86_* and the
# legacy kvm_*), the nested SVM/VMX events and kvm_x86_cr, with pid, tid and
# procname contexts, on a channel whose sub-buffers are large enough not to
# discard events. Tracing starts right before the command and stops right
# after it, also when it fails. --dry-run prints the exact commands.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
. "$here/lib/common.sh"

usage() {
  cat <<'USAGE'
usage: record.sh [options] -- COMMAND [ARGS...]
  --output DIR         where the trace goes (default ./trace-<date>)
  --session NAME       LTTng session name (default vmflow)
  --subbuf-size SIZE   per-CPU sub-buffer size (default 2M)
  --num-subbuf N       sub-buffers per CPU (default 8)
  --kmod-probes LIST   when record.sh starts lttng-sessiond: probes to load
                       (default sched,irq,kvm,kvm-x86,kvm-x86-mmu,net)
  --syscalls           also record the preadv/pwritev/io_submit syscalls (disk waits)
  --no-net             do not record net_if_rx / net_dev_xmit
  --dry-run            print the commands, run nothing
USAGE
}

out="trace-$(date +%Y%m%d-%H%M%S)" session=vmflow subbuf=2M nsub=8
probes=sched,irq,kvm,kvm-x86,kvm-x86-mmu,net syscalls=0 net=1
while [ $# -gt 0 ]; do
  case $1 in
    --output) out=$2; shift ;;
    --session) session=$2; shift ;;
    --subbuf-size) subbuf=$2; shift ;;
    --num-subbuf) nsub=$2; shift ;;
    --kmod-probes) probes=$2; shift ;;
    --syscalls) syscalls=1 ;;
    --no-net) net=0 ;;
    --dry-run) VT_DRY_RUN=1 ;;
    -h|--help) usage; exit 0 ;;
    --) shift; break ;;
    *) usage >&2; exit 2 ;;
  esac
  shift
done
[ $# -gt 0 ] || { usage >&2; exit 2; }

# Modern names (lttng-modules >= 2.7 kvm_x86_*) then the legacy ones; only
# the names this host's lttng-modules knows are enabled.
wanted=(sched_switch sched_waking sched_wakeup sched_wakeup_new sched_process_fork sched_process_exit
  irq_handler_entry irq_handler_exit
  kvm_x86_entry kvm_x86_exit kvm_x86_inj_virq kvm_x86_apic_accept_irq kvm_x86_cr kvm_x86_hypercall
  kvm_x86_pio kvm_x86_msr kvm_x86_cpuid
  kvm_x86_nested_vmrun kvm_x86_nested_vmexit kvm_x86_nested_vmexit_inject kvm_x86_nested_intr_vmexit
  kvm_x86_nested_intercepts
  kvm_userspace_exit kvm_set_irq
  kvm_entry kvm_exit kvm_inj_virq kvm_apic_accept_irq kvm_cr kvm_hypercall
  kvm_nested_vmrun kvm_nested_vmexit kvm_nested_vmexit_inject)
[ "$net" = 0 ] || wanted+=(net_if_rx net_dev_xmit)

vt_need lttng
if [ "$VT_DRY_RUN" = 0 ] && ! pgrep -x lttng-sessiond >/dev/null 2>&1 && ! lttng list >/dev/null 2>&1; then
  started_sessiond=1
fi
if [ "${started_sessiond:-0}" = 1 ] || [ "$VT_DRY_RUN" = 1 ]; then
  vt_run lttng-sessiond --daemonize "--kmod-probes=$probes"
fi

events=()
if [ "$VT_DRY_RUN" = 1 ]; then
  events=("${wanted[@]}")
  echo "# only the names that 'lttng list -k' shows are enabled:"
else
  known=$(lttng list -k 2>/dev/null | awk '{print $1}')
  for e in "${wanted[@]}"; do
    if grep -qx "$e" <<<"$known"; then events+=("$e"); fi
  done
  if ! grep -qxE 'kvm_x86_exit|kvm_exit' <<<"$known"; then
    vt_die "lttng-modules has no kvm_x86_exit/kvm_exit event: the kvm-x86 probe is not built or not loaded (run vmtests/check-host.sh)"
  fi
fi
list=$(IFS=,; echo "${events[*]}")

vt_run lttng create "$session" "--output=$out"
cleanup() { lttng destroy "$session" >/dev/null 2>&1 || true; }
[ "$VT_DRY_RUN" = 1 ] || trap cleanup EXIT
vt_run lttng enable-channel -k "--subbuf-size=$subbuf" "--num-subbuf=$nsub" ch
vt_run lttng enable-event -k -c ch "$list"
if [ "$syscalls" = 1 ]; then
  vt_run lttng enable-event -k -c ch --syscall preadv,pwritev,preadv2,pwritev2,io_submit,io_getevents
fi
vt_run lttng add-context -k -c ch -t pid -t tid -t procname
vt_run lttng start "$session"
rc=0
vt_run "$@" || rc=$?
vt_run lttng stop "$session"
vt_run lttng destroy "$session"
trap - EXIT
if [ "$VT_DRY_RUN" = 0 ]; then
  vt_note "trace in $out (command exit status $rc)"
  if command -v babeltrace2 >/dev/null 2>&1; then
    lost=$(babeltrace2 "$out" 2>&1 >/dev/null | grep -ci 'discarded' || true)
    [ "${lost:-0}" = 0 ] || vt_note "WARNING: events were discarded; raise --subbuf-size/--num-subbuf"
  fi
fi
exit "$rc"
