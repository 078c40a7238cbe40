#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test_workload_ust.sh - the workload generator traced by a real
# lttng-sessiond (userspace only, started here as user nobody with its own
# LTTNG_HOME, stopped at the end): its phase markers are checked with
# babeltrace2 against the workload's own stdout log, and vmflow analyze must
# say that a userspace trace is not a kernel trace of a host.
source "$VMFLOW_SOURCE_DIR/tests/lib/assert.sh"
W=$VMFLOW_SOURCE_DIR/vmtests/workload
for c in lttng lttng-sessiond babeltrace2 setpriv; do
  command -v "$c" >/dev/null || { not_ok "$c installed (vmtests/install-deps.sh)"; finish; exit 1; }
done

D=$T/ust
mkdir -p "$D"
chmod 777 "$T" "$D"
bin=$(dirname "$VMFLOW")/vmtests/workload/vmflow-workload
if [ ! -x "$bin" ]; then
  # not built by CMake (VMFLOW_WORKLOAD off or not wired): build it here
  bin=$D/vmflow-workload
  gcc -O2 -Wall -Wextra -Werror -DVMFLOW_WORKLOAD_UST -I"$W" -o "$bin" "$W/workload.c" "$W/workload_tp.c" \
    $(pkg-config --libs lttng-ust) -ldl -lpthread || { not_ok "workload builds with lttng-ust"; finish; exit 1; }
fi
cp "$bin" "$D/workload"
chmod 755 "$D/workload"

cat > "$D/run.sh" <<'RUN'
set -eu
export LTTNG_HOME=$1 HOME=$1
cd "$1"
lttng-sessiond --daemonize --no-kernel
lttng create s --output="$1/trace" >/dev/null
lttng enable-event -u 'vmflow_workload:*' >/dev/null
lttng add-context -u -t vpid -t vtid -t procname >/dev/null
lttng start >/dev/null
./workload --rounds 4 --phases cpu,sleep,disk,net,ipi --cpu-ms 2 --sleep-ms 1 --disk ./workload --ipi-count 5 > "$1/workload.log"
lttng stop >/dev/null
lttng destroy >/dev/null
RUN
timeout 60 setpriv --reuid=65534 --regid=65534 --clear-groups bash "$D/run.sh" "$D" 2>"$D/run.err"
rc=$?
pidf=$D/.lttng/lttng-sessiond.pid
if [ -f "$pidf" ]; then
  spid=$(cat "$pidf")
  kill "$spid" 2>/dev/null
  for _ in $(seq 50); do kill -0 "$spid" 2>/dev/null || break; sleep 0.1; done
fi
expect_eq "$rc" 0 "workload traced by a userspace lttng-sessiond ($(head -c 300 "$D/run.err"))"

bt=$(babeltrace2 "$D/trace" 2>/dev/null)
expect_eq "$(printf '%s\n' "$bt" | grep -c 'vmflow_workload:phase_begin: ')" 20 "20 phase_begin markers (4 rounds x 5 phases)"
expect_eq "$(printf '%s\n' "$bt" | grep -c 'vmflow_workload:phase_end: ')" 20 "20 phase_end markers"
for ph in cpu sleep disk net ipi; do
  expect_eq "$(printf '%s\n' "$bt" | grep -c "phase_begin: .*phase = \"$ph\"")" 4 "4 '$ph' phases"
done
# markers in the trace = the workload's own log, in the same order
trace_seq=$(printf '%s\n' "$bt" | sed -nE 's/.*phase_(begin|end): .*phase = "([a-z]+)", round = ([0-9]+).*/\1 \2 \3/p')
log_seq=$(awk '$3 == "begin" || $3 == "end" {print $3, $4, $5}' "$D/workload.log")
expect_eq "$trace_seq" "$log_seq" "marker sequence equals the workload's log"
expect_eq "$(printf '%s\n' "$bt" | grep 'phase_end: ' | grep 'phase = "disk"' | grep -c 'result = 4096')" 4 "each disk phase read 4096 bytes"
expect_eq "$(printf '%s\n' "$bt" | grep 'phase_end: ' | grep 'phase = "ipi"' | grep -c 'result = 5')" 4 "each ipi phase woke the other thread 5 times"
expect_eq "$(printf '%s\n' "$bt" | grep -c 'procname = "workload"')" 40 "markers carry the procname context"
# the cpu phase lasted at least its 2 ms: end - begin timestamps of round 0
d=$(printf '%s\n' "$bt" | grep 'phase = "cpu", round = 0' | sed -E 's/^\[([0-9:.]+)\].*/\1/' |
    awk -F: '{t = $1 * 3600 + $2 * 60 + $3; if (NR == 1) a = t; else printf "%d\n", (t - a) * 1e6}')
[ "${d:-0}" -ge 2000 ] && ok "cpu phase lasted >= 2 ms (${d} us)" || not_ok "cpu phase lasted >= 2 ms (${d:-?} us)"

# vmflow refuses a userspace trace with one clear line
expect_fail 1 'userspace trace.*kernel trace' "analyze says a userspace trace has no kernel events" -- \
  "$VMFLOW" analyze "$D/trace" -o "$T/out"
finish
