#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Counts the facts of a real KVM host trace with babeltrace2's text output
# and awk only (independently of vmflow): the VMs (QEMU pids of the
# kvm_x86_exit events), their vCPUs, exits per vCPU and SVM/VMX exit reason,
# nested events and the injected vectors. The exit-reason names come from the
# kernel's uapi svm.h/vmx.h given with --svm-h/--vmx-h. Writes TSV on stdout
# (format: corpora/real/README.md).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../lib/common.sh
. "$here/../lib/common.sh"

usage() { echo "usage: ${0##*/} [--svm-h FILE] [--vmx-h FILE] [--dry-run] TRACE_DIR"; }
svm_h='' vmx_h='' trace=''
while [ $# -gt 0 ]; do
  case $1 in
    --svm-h) svm_h=$2; shift ;;
    --vmx-h) vmx_h=$2; shift ;;
    --dry-run) VT_DRY_RUN=1 ;;
    -h|--help) usage; exit 0 ;;
    -*) usage >&2; exit 2 ;;
    *) trace=$1 ;;
  esac
  shift
done
[ -n "$trace" ] || { usage >&2; exit 2; }
# default: the uapi headers of linux-libc-dev (a dependency of libc6-dev)
inc=/usr/include/x86_64-linux-gnu/asm
[ -n "$svm_h" ] || svm_h=$inc/svm.h
[ -n "$vmx_h" ] || vmx_h=$inc/vmx.h
if [ "$VT_DRY_RUN" = 1 ]; then
  echo "babeltrace2 $trace | awk -f <counting program of $0> $svm_h $vmx_h"
  exit 0
fi
vt_need babeltrace2 awk
[ -r "$svm_h" ] || vt_die "$svm_h not found (install linux-libc-dev, or give --svm-h)"
[ -r "$vmx_h" ] || vt_die "$vmx_h not found (install linux-libc-dev, or give --vmx-h)"

# Exception mnemonics for SVM_EXIT_EXCP_BASE + vector.
excp="DE DB NMI BP OF BR UD NM DF 09 TS NP SS GP PF 15 MF AC MC XF 20 VE CP 23 24 25 26 27 28 HV VC 31"

echo "# facts of $(basename "$(cd "$trace" && pwd)"), counted by vmtests/tcg/trace-facts.sh with babeltrace2 $(babeltrace2 --version | awk 'NR==1{print $2}') and awk"
babeltrace2 "$trace" | awk -v svm_h="$svm_h" -v vmx_h="$vmx_h" -v excp="$excp" '
function field(name,    r) {
  if (match($0, "[{ ]" name " = [0-9]+")) { r = substr($0, RSTART + 1, RLENGTH - 1); sub(/.* = /, "", r); return r + 0 }
  return -1
}
BEGIN {
  while ((getline l < svm_h) > 0)
    if (l ~ /^#define SVM_EXIT_[A-Z0-9_]+[ \t]+0x[0-9a-fA-F]+[ \t]*$/) {
      split(l, parts, /[ \t]+/); n = parts[2]; sub(/^SVM_EXIT_/, "", n)
      code = strtonum_(parts[3]); if (!(code in svm)) svm[code] = n
    }
  while ((getline l < vmx_h) > 0)
    if (l ~ /^#define EXIT_REASON_[A-Z0-9_]+[ \t]+[0-9]+[ \t]*$/) {
      split(l, parts, /[ \t]+/); n = parts[2]; sub(/^EXIT_REASON_/, "", n)
      if (!((parts[3] + 0) in vmx)) vmx[parts[3] + 0] = n
    }
  split(excp, ex, " ")
  for (v = 0; v < 32; v++) svm[64 + v] = "EXCP_" ex[v + 1]
}
function strtonum_(h,    i, c, r) {
  h = tolower(h); sub(/^0x/, "", h); r = 0
  for (i = 1; i <= length(h); i++) { c = index("0123456789abcdef", substr(h, i, 1)) - 1; r = r * 16 + c }
  return r
}
{
  events++
  if (match($0, /\) [^ ]+ [a-z0-9_]+: /)) {
    s = substr($0, RSTART, RLENGTH); n = split(s, w, " "); name = w[3]; sub(/:$/, "", name)
    host = w[2]
    count[name]++
  } else next
  if (name == "kvm_x86_exit" || name == "kvm_exit") {
    pid = field("pid"); vcpu = field("vcpu_id"); reason = field("exit_reason"); isa = field("isa")
    vms[pid] = 1; vcpus[pid SUBSEP vcpu] = 1; vexits[pid SUBSEP vcpu]++
    k = pid SUBSEP vcpu SUBSEP isa SUBSEP reason; exits[k]++
    if (vcpu > maxv) maxv = vcpu
    isas[isa] = 1
    last[pid SUBSEP vcpu] = k; lasttid[pid SUBSEP vcpu] = field("tid")
  } else if (name == "kvm_x86_entry" || name == "kvm_entry") {
    ev = field("vcpu_id"); if (ev > maxe) maxe = ev
    if (ev > 65535) bad++
    # an exit followed by an entry of the same vCPU thread is closed (by the
    # thread: a stale probe may record garbage vcpu ids in entries)
    ep = field("pid"); et = field("tid")
    for (lk in last) { split(lk, a, SUBSEP); if (a[1] == ep && lasttid[lk] == et) delete last[lk] }
  } else if (name == "kvm_x86_inj_virq" || name == "kvm_inj_virq") {
    vec[field("irq")]++
  }
}
END {
  printf "hostname\t%s\n", host
  printf "events\t%d\n", events
  for (i in isas) printf "isa\t%d\n", i
  printf "max_vcpu_id\t%d\n", maxv
  printf "max_entry_vcpu_id\t%d\n", maxe
  printf "bad_vcpu_id_events\t%d\n", bad
  nvm = 0; for (p in vms) nvm++
  printf "vms\t%d\n", nvm
  for (p in vms) { nv = 0; for (k in vcpus) { split(k, a, SUBSEP); if (a[1] == p) nv++ } printf "vm\t%d\t%d\n", p, nv }
  for (k in vexits) { split(k, a, SUBSEP); printf "vcpu\t%d\t%d\t%d\n", a[1], a[2], vexits[k] }
  for (k in exits) {
    split(k, a, SUBSEP); r = a[4]
    nm = (a[3] == 2) ? ((r in svm) ? svm[r] : sprintf("SVM_0x%03x", r)) : ((r in vmx) ? vmx[r] : sprintf("VMX_%d", r))
    printf "exit\t%d\t%d\t0x%03x\t%s\t%d\n", a[1], a[2], r, nm, exits[k]
  }
  for (lk in last) {
    split(last[lk], a, SUBSEP); r = a[4]
    nm = (a[3] == 2) ? ((r in svm) ? svm[r] : sprintf("SVM_0x%03x", r)) : ((r in vmx) ? vmx[r] : sprintf("VMX_%d", r))
    printf "open_exit\t%d\t%d\t0x%03x\t%s\n", a[1], a[2], r, nm
  }
  for (n in count) printf "event\t%s\t%d\n", n, count[n]
  for (v in vec) printf "vector\t%d\t%d\n", v, vec[v]
}' | LC_ALL=C sort -t"$(printf '\t')" -k1,1 -k2,2n -k3,3n -k4,4 -k5,5
