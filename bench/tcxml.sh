#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench/tcxml.sh - speed of the headless Trace Compass XML engine: events/s of
# `vmflow tcxml run` with a typical analysis (bench/tcxml/vm_states.xml) on a
# synthesized lttng CTF trace, next to `babeltrace2 TRACE -c sink.utils.dummy`
# (reading the same trace and doing nothing) and `vmflow analyze`.
#
#   bench/tcxml.sh [--events 10M] [--runs 3] [--vmflow PATH] [--work DIR] [--keep]
#
# Timing belongs here, never in the unit tests. Needs hyperfine and babeltrace2.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
EVENTS=10M
RUNS=3
VMFLOW=${VMFLOW:-$ROOT/build/vmflow}
WORK=${TMPDIR:-/tmp}/vmflow-bench-tcxml
KEEP=0
while [ $# -gt 0 ]; do
	case "$1" in
	--events) EVENTS=$2; shift 2 ;;
	--runs) RUNS=$2; shift 2 ;;
	--vmflow) VMFLOW=$2; shift 2 ;;
	--work) WORK=$2; shift 2 ;;
	--keep) KEEP=1; shift ;;
	-h | --help) sed -n '3,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "bench/tcxml.sh: unknown option $1" >&2; exit 2 ;;
	esac
done
for tool in hyperfine babeltrace2; do
	command -v "$tool" >/dev/null || { echo "bench/tcxml.sh: $tool is not installed" >&2; exit 1; }
done
[ -x "$VMFLOW" ] || { echo "bench/tcxml.sh: no vmflow at $VMFLOW (use --vmflow)" >&2; exit 1; }

case "$EVENTS" in
*M) n=$((${EVENTS%M} * 1000000)) ;;
*k) n=$((${EVENTS%k} * 1000)) ;;
*) n=$EVENTS ;;
esac
mkdir -p "$WORK"
trap '[ "$KEEP" = 1 ] || rm -rf "$WORK"' EXIT

# calibrate: events per simulated ms of the busy scenario, then scale its duration
sed "s/^duration: .*/duration: 200ms/" "$ROOT/bench/scenarios/busy.yaml" >"$WORK/calib.yaml"
"$VMFLOW" synth "$WORK/calib.yaml" -o "$WORK/calib" >/dev/null
per_ms=$(babeltrace2 "$WORK/calib" -c sink.utils.counter 2>/dev/null | awk '/Event messages/ {c = $1} END {print int(c / 200)}')
rm -rf "$WORK/calib" "$WORK/calib.yaml"
[ "${per_ms:-0}" -gt 0 ] || { echo "bench/tcxml.sh: calibration failed" >&2; exit 1; }
ms=$((n / per_ms + 1))
sed "s/^duration: .*/duration: ${ms}ms/" "$ROOT/bench/scenarios/busy.yaml" >"$WORK/scenario.yaml"
echo "synthesizing ~$EVENTS events ($ms ms of the busy scenario, $per_ms events/ms)..."
"$VMFLOW" synth "$WORK/scenario.yaml" -o "$WORK/trace" >/dev/null
count=$(babeltrace2 "$WORK/trace" -c sink.utils.counter 2>/dev/null | awk '/Event messages/ {c = $1} END {print c}')
count=${count:-$n}
echo "trace: $WORK/trace, $count events"

ANALYSIS="$ROOT/bench/tcxml/vm_states.xml"
hyperfine --warmup 1 --runs "$RUNS" --export-json "$WORK/h.json" \
	-n "babeltrace2 -c sink.utils.dummy" "babeltrace2 $WORK/trace -c sink.utils.dummy" \
	-n "vmflow tcxml run vm_states.xml" "rm -rf $WORK/out; $VMFLOW tcxml run $ANALYSIS $WORK/trace -o $WORK/out" \
	-n "vmflow analyze" "rm -rf $WORK/an; $VMFLOW analyze $WORK/trace -o $WORK/an" >/dev/null

python3 - "$WORK/h.json" "$count" <<'EOF'
import json, sys
res = json.load(open(sys.argv[1]))["results"]
n = int(sys.argv[2])
base = res[0]["median"]
print(f"{'command':36s} {'median s':>9s} {'M events/s':>11s} {'vs babeltrace2':>15s}")
for r in res:
    m = r["median"]
    print(f"{r['command']:36s} {m:9.3f} {n / m / 1e6:11.2f} {base / m:14.2f}x")
print("(vs babeltrace2 > 1: faster than babeltrace2 reading the trace and doing nothing)")
print("(medians of wall-clock times: run on an otherwise idle machine for meaningful figures)")
EOF
