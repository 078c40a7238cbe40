#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs one experiment of vmtests/experiments/ on a real KVM lab host:
# check-host -> build the guest initramfs -> start the host-side disturbance
# (if any) -> record (record.sh) around the VMs (launch-vm.sh, one per VM,
# running vmflow-workload with the experiment's phases) -> vmflow analyze ->
# a short report comparing vmflow's findings with the workload's markers
# (the guest serial logs). --dry-run prints every command.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
. "$here/lib/common.sh"

usage() {
  cat <<'USAGE'
usage: run-experiment.sh [options] EXPERIMENT   (a name in vmtests/experiments/ or a .conf path)
  --kernel FILE      guest kernel (default /boot/vmlinuz-$(uname -r))
  --out DIR          results folder (default ./results/<experiment>-<date>)
  --vmflow PATH      vmflow binary (default: vmflow in PATH, else build/vmflow)
  --skip-check       do not run check-host.sh first
  --dry-run          print the commands, run nothing
  --list             list the experiments
USAGE
}
kernel=/boot/vmlinuz-$(uname -r) out='' vmflow='' skip=0 exp=''
while [ $# -gt 0 ]; do
  case $1 in
    --kernel) kernel=$2; shift ;;
    --out) out=$2; shift ;;
    --vmflow) vmflow=$2; shift ;;
    --skip-check) skip=1 ;;
    --dry-run) VT_DRY_RUN=1 ;;
    --list) for f in "$here"/experiments/*.conf; do
              printf '%-22s %s\n' "$(basename "$f" .conf)" "$(sed -n 's/^description="\(.*\)"$/\1/p' "$f")"
            done; exit 0 ;;
    -h|--help) usage; exit 0 ;;
    -*) usage >&2; exit 2 ;;
    *) exp=$1 ;;
  esac
  shift
done
[ -n "$exp" ] || { usage >&2; exit 2; }
conf=$exp
[ -f "$conf" ] || conf=$here/experiments/$exp.conf
[ -f "$conf" ] || vt_die "no experiment '$exp' (see --list)"
name=$(basename "$conf" .conf)

# experiment defaults, then the definition
description='' vms=1 smp=2 mem=512 pin='' net=none disk_mb='' disturb=none disturb_cpu=''
workload='--rounds 50 --phases cpu,sleep' timeout=600
# shellcheck disable=SC1090
. "$conf"
out=${out:-$PWD/results/$name-$(date +%Y%m%d-%H%M%S)}
if [ -z "$vmflow" ]; then
  vmflow=$(command -v vmflow || echo "$here/../build/vmflow")
fi
dry=()
[ "$VT_DRY_RUN" = 1 ] && dry=(--dry-run)

echo "# experiment $name: $description"
if [ "$skip" = 0 ] && [ "$VT_DRY_RUN" = 0 ]; then
  bash "$here/check-host.sh" || vt_die "host not ready (see above); --skip-check to run anyway"
fi
vt_run mkdir -p "$out"
# Debian kernels have virtio as modules: take them from this host's kernel
# (the guest boots the same kernel by default).
mods=()
for m in virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci virtio_blk failover net_failover virtio_net; do
  if find "/lib/modules/$(uname -r)" -name "$m.ko*" 2>/dev/null | grep -q .; then mods+=(--module "$m"); fi
done
bash "$here/build-initramfs.sh" "${dry[@]}" --output "$out/initrd.gz" --modules "/lib/modules/$(uname -r)" "${mods[@]}"

# one launcher per VM, all under one recording
vmcmd=$out/vms.sh
vmfile=$vmcmd
[ "$VT_DRY_RUN" = 0 ] || { echo "cat > $vmcmd <<'VMS'"; vmfile=/dev/stdout; }
wl=$(echo "$workload" | tr ' ' '+')
{
  echo "#!/usr/bin/env bash"
  echo "# the VMs of experiment $name, started together by record.sh"
  for i in $(seq 1 "$vms"); do
    p=()
    if [ -n "$pin" ]; then p=(--pin "$(echo "$pin" | cut -d' ' -f"$i")"); fi
    if [ -n "$disk_mb" ]; then p+=(--disk "$out/vm$i.img"); fi
    printf '%s > %q 2>&1 &\n' "$(vt_print bash "$here/launch-vm.sh" --name "vm$i" --smp "$smp" --mem "$mem" "${p[@]}" \
      --net "$net" --kernel "$kernel" --initrd "$out/initrd.gz" --timeout "$timeout" \
      --append "console=ttyS0 panic=-1 quiet vmflow.workload=$wl")" "$out/vm$i.serial"
  done
  echo "wait"
} > "$vmfile"
[ "$VT_DRY_RUN" = 0 ] || echo "VMS"

if [ -n "$disk_mb" ]; then
  for i in $(seq 1 "$vms"); do vt_run dd if=/dev/urandom of="$out/vm$i.img" bs=1M count="$disk_mb" status=none; done
fi

# host-side disturbance: a busy loop on the vCPUs' CPU (preemption by a host process)
if [ "$disturb" = host-cpu ]; then
  vt_sh "taskset -c ${disturb_cpu:-0} timeout $timeout sh -c 'while :; do :; done' & echo \$! > '$out/disturb.pid'"
fi
bash "$here/record.sh" "${dry[@]}" --output "$out/trace" -- bash "$vmcmd"
if [ "$disturb" = host-cpu ]; then
  vt_sh "kill \"\$(cat '$out/disturb.pid')\" 2>/dev/null || true"
fi
vt_run "$vmflow" analyze "$out/trace" -o "$out/vmflow"

# report: the guests' markers against vmflow's states
if [ "$VT_DRY_RUN" = 1 ]; then
  echo "# then: report.txt from $out/vm*.serial (WORKLOAD markers) and $out/vmflow/summary.json"
  exit 0
fi
{
  echo "experiment: $name - $description"
  for i in $(seq 1 "$vms"); do
    s=$out/vm$i.serial
    echo "vm$i markers (guest truth):"
    for ph in cpu sleep disk net ipi; do
      n=$(grep -c "^WORKLOAD [0-9]* begin $ph " "$s" || true)
      [ "$n" = 0 ] || echo "  $ph phases: $n"
    done
    grep -q 'GUEST: done' "$s" && echo "  workload finished" || echo "  WORKLOAD DID NOT FINISH (see $s)"
  done
  echo "vmflow (host-side):"
  python3 - "$out/vmflow/summary.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for vm in d["vms"]:
    print("  VM pid %d: %d vCPUs" % (vm["pid"], len(vm["vcpus"])))
    for k, v in sorted(vm["wait_counts"].items()):
        if v:
            print("    %-12s %6d waits, %.3f s" % (k, v, vm["wait_ns_by_class"][k] / 1e9))
for w in d.get("warnings", []):
    print("  warning: " + w)
PY
} | tee "$out/report.txt"
