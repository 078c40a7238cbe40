#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test_lami.sh - `vmflow lami`: LAMI 1.0 output checked against the spec's structure
# (lami_check.py: required keys, column classes, value objects), and its numbers against
# exits.tsv (perf kvm stat parity) and against states.tsv recomputed here in Python
# over a sub-range; LAMI-style errors.
source "$VMFLOW_SOURCE_DIR/tests/lib/assert.sh"
CHECK="python3 $VMFLOW_SOURCE_DIR/tests/exports/lami_check.py"

"$VMFLOW" synth "$VMFLOW_SOURCE_DIR/corpora/preempt-vm.yaml" -o "$T/trace" >/dev/null
"$VMFLOW" analyze "$T/trace" -o "$T/out" >/dev/null

# Version phase: one line "MAJOR.MINOR".
run_cmd "$VMFLOW" lami --mi-version
expect_eq "$rc:$out" "0:1.0" "--mi-version prints 1.0"
run_cmd "$VMFLOW" lami exits --mi-version
expect_eq "$rc:$out" "0:1.0" "--mi-version after an analysis name prints 1.0"

# Metadata phase: every analysis.
for a in exits waits vms all; do
  "$VMFLOW" lami $a --metadata >"$T/meta-$a.json"; rc=$?
  expect_eq "$rc" 0 "$a: --metadata exits 0"
  res=$($CHECK metadata "$T/meta-$a.json") && ok "$a: metadata follows LAMI 1.0" || not_ok "$a: metadata follows LAMI 1.0: $res"
done
classes=$(python3 -c 'import json,sys; print(" ".join(sorted(json.load(open(sys.argv[1]))["table-classes"])))' "$T/meta-all.json")
expect_eq "$classes" "vmflow-exits vmflow-exits-vm vmflow-vcpus vmflow-vms vmflow-waits" "all: the five table classes"
colclasses=$(python3 -c '
import json,sys
m=json.load(open(sys.argv[1]))["table-classes"]
print(sorted({c["class"] for t in m.values() for c in t["column-descriptions"]}))' "$T/meta-all.json")
expect_eq "$colclasses" "['duration', 'number', 'process', 'ratio', 'string', 'time-range']" "columns use time ranges, durations, numbers, ratios, strings and processes"

# Results phase: every analysis, whole trace.
for a in exits waits vms all; do
  "$VMFLOW" lami $a --mi "$T/trace" >"$T/res-$a.json"; rc=$?
  expect_eq "$rc" 0 "$a: results exit 0"
  res=$($CHECK results "$T/meta-$a.json" "$T/res-$a.json") && ok "$a: results follow LAMI 1.0 and the metadata" || not_ok "$a: results follow LAMI 1.0: $res"
done
head -n1 "$T/res-all.json" | grep -qx '{' && ok "the JSON object starts on its own line" || not_ok "the JSON object starts on its own line"

# A checker that accepts anything proves nothing: broken documents must fail it.
python3 - "$T/res-exits.json" "$T/broken.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
d["results"][0]["data"][0][5] = {"class": "duration", "value": "12"}   # value must be a number
d["results"][0]["data"][0][2] = {"class": "number", "value": 3}        # string column
del d["results"][0]["time-range"]
json.dump(d, open(sys.argv[2], "w"))
EOF
res=$($CHECK results "$T/meta-exits.json" "$T/broken.json")
n=0
for pat in "missing required time-range" "class 'number' in a 'string' column" "duration value '12' is not a number"; do
  printf '%s\n' "$res" | grep -qF "$pat" && n=$((n + 1))
done
expect_eq "$n" 3 "the checker finds the three defects of a broken results object"

# Whole trace: the exits table equals exits.tsv (the analysis' own perf-kvm-stat rows).
cmp=$(python3 - "$T/res-exits.json" "$T/out/exits.tsv" <<'EOF'
import json, sys
lami, tsv = {}, {}
for t in json.load(open(sys.argv[1]))["results"]:
    for r in t["data"]:
        if t["class"] == "vmflow-exits":
            lami[(r[0]["pid"], str(r[1]["value"]), r[2]["value"])] = (r[3]["value"], r[5]["value"], r[6]["value"], r[8]["value"])
        else:
            lami[(r[0]["pid"], "all", r[1]["value"])] = (r[2]["value"], r[4]["value"], r[5]["value"], r[7]["value"])
for line in open(sys.argv[2]).read().splitlines()[1:]:
    f = line.split("\t")
    tsv[(int(f[0]), f[1], f[2])] = (int(f[3]), int(f[5]), int(f[6]), int(f[7]))
diff = [k for k in set(lami) | set(tsv) if lami.get(k) != tsv.get(k)]
print(f"{len(tsv)} {len(diff)}")
EOF
)
rows=${cmp% *}; diffs=${cmp#* }
[ "$rows" -gt 10 ] && ok "exits.tsv has $rows rows to compare" || not_ok "exits.tsv has rows to compare ($rows)"
expect_eq "$diffs" 0 "LAMI exit counts, totals, min and max equal exits.tsv on every row"

# A sub-range: recompute exits (starting in the range, whole handling time) and waits
# (clipped to the range) from states.tsv here, and compare.
read -r b e < <(python3 -c '
import json,sys
tr=json.load(open(sys.argv[1]))["results"][0]["time-range"]
b,e=tr["begin"]["value"],tr["end"]["value"]; print(b+(e-b)//3, b+2*(e-b)//3)' "$T/res-all.json")
"$VMFLOW" lami all --begin "$b" --end "$e" "$T/trace" >"$T/res-range.json"; rc=$?
expect_eq "$rc" 0 "--begin/--end: exit 0"
res=$($CHECK results "$T/meta-all.json" "$T/res-range.json") && ok "sub-range results follow LAMI 1.0" || not_ok "sub-range results: $res"
"$VMFLOW" lami all --begin="$b" --end="$e" "$T/trace" >"$T/res-range2.json"
cmp -s "$T/res-range.json" "$T/res-range2.json" && ok "--begin=TS form gives the same output" || not_ok "--begin=TS form gives the same output"
cmp=$(python3 - "$T/res-range.json" "$T/out/states.tsv" "$b" "$e" <<'EOF'
import json, sys
from collections import defaultdict
res, states, B, E = json.load(open(sys.argv[1])), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
status, exitv = defaultdict(list), {}
for line in open(states).read().splitlines()[1:]:
    p, s, e, v = line.split("\t")
    parts = p.split("/")
    if len(parts) != 5 or parts[2] != "vCPUs":
        continue
    key = (int(parts[1]), int(parts[3]))
    if parts[4] == "Status":
        status[key].append((int(s), int(e), v))
    elif parts[4] == "Exit":
        exitv[(key, int(s))] = v
exits, waits, problems = defaultdict(lambda: [0, 0]), defaultdict(lambda: [0, 0]), 0
guest = lambda v: v == "guest" or v.startswith("guest_l")
for key, ivs in status.items():
    start = None
    for i, (s, e, v) in enumerate(ivs):
        contiguous = i > 0 and ivs[i - 1][1] == s
        if start is not None:
            if not contiguous or v == "unknown":
                start = None
            elif guest(v):
                if B <= start < E:
                    x = exits[key + (reason,)]
                    x[0] += 1
                    x[1] += s - start
                start = None
        if v == "hypervisor" and contiguous and guest(ivs[i - 1][2]):
            start, reason = s, exitv.get((key, s), "(unknown)")
        if v.startswith("wait_") and min(e, E) > max(s, B):
            w = waits[key + (v,)]
            w[0] += 1
            w[1] += min(e, E) - max(s, B)
cause = {"timer": "wait_timer", "task (IPI)": "wait_task", "disk": "wait_disk", "network": "wait_net", "host": "wait_host", "unknown": "wait_unknown"}
lx, lw = {}, {}
for t in res["results"]:
    for r in t["data"]:
        if t["class"] == "vmflow-exits":
            lx[(r[0]["pid"], r[1]["value"], r[2]["value"])] = [r[3]["value"], r[5]["value"]]
        if t["class"] == "vmflow-waits":
            lw[(r[0]["pid"], r[1]["value"], cause[r[2]["value"]])] = [r[3]["value"], r[4]["value"]]
dx = sum(1 for k in set(lx) | set(exits) if lx.get(k) != exits.get(k))
dw = sum(1 for k in set(lw) | set(waits) if lw.get(k) != waits.get(k))
print(len(exits), dx, len(waits), dw)
EOF
)
read -r nx dx nw dw <<<"$cmp"
[ "$nx" -gt 5 ] && [ "$nw" -gt 0 ] && ok "the sub-range has $nx exit rows and $nw wait rows" || not_ok "the sub-range has exit and wait rows ($nx, $nw)"
expect_eq "$dx" 0 "sub-range exits (count, total) equal the ones recomputed from states.tsv"
expect_eq "$dw" 0 "sub-range waits (count, clipped total) equal the ones recomputed from states.tsv"
tr=$(python3 -c 'import json,sys; t=json.load(open(sys.argv[1]))["results"][0]["time-range"]; print(t["begin"]["value"], t["end"]["value"])' "$T/res-range.json")
expect_eq "$tr" "$b $e" "the tables' time-range is the range asked for"

# --limit, --output-progress, --test-compatibility.
"$VMFLOW" lami exits --limit 2 "$T/trace" >"$T/res-limit.json"
max=$(python3 -c 'import json,sys; print(max(len(t["data"]) for t in json.load(open(sys.argv[1]))["results"]))' "$T/res-limit.json")
expect_eq "$max" 2 "--limit 2: at most two rows per table"
"$VMFLOW" lami vms --output-progress "$T/trace" >"$T/res-progress.txt"
first=$(head -n1 "$T/res-progress.txt")
case "$first" in "* "*) ok "--output-progress: progress lines first ($first)" ;; *) not_ok "--output-progress: progress lines first ($first)" ;; esac
sed -n '/^{/,$p' "$T/res-progress.txt" >"$T/res-progress.json"
res=$($CHECK results "$T/meta-vms.json" "$T/res-progress.json") && ok "--output-progress: the object after the progress lines is valid" || not_ok "--output-progress: $res"
bad=$(awk '/^\{/ { exit } !/^\* / { n++ } END { print n + 0 }' "$T/res-progress.txt")
expect_eq "$bad" 0 "progress lines all start with '* '"
run_cmd "$VMFLOW" lami exits --test-compatibility "$T/trace"
expect_eq "$rc:$out" "0:" "--test-compatibility on a KVM host trace: exit 0, no output"

# Errors the LAMI way: an error object on stdout, one line on stderr, non-zero exit.
mkdir -p "$T/notrace"; echo junk >"$T/notrace/metadata"
for args in "--test-compatibility $T/notrace" "$T/notrace" "$T/missing-trace"; do
  run_cmd "$VMFLOW" lami exits $args
  printf '%s\n' "$out" >"$T/err.json"
  res=$($CHECK error "$T/err.json") && [ "$rc" = 1 ] && ok "error object, exit 1: lami exits $(basename "${args##* }")" || not_ok "error object, exit 1 for '$args' (rc $rc, $out $res)"
done
grep -qF "$T/missing-trace" "$T/err.json" && ok "the error message names the trace" || not_ok "the error message names the trace"
run_cmd "$VMFLOW" lami all --begin 20 --end 10 "$T/trace"
printf '%s\n' "$out" >"$T/err.json"
res=$($CHECK error "$T/err.json") && [ "$rc" = 2 ] && ok "--begin after --end: error object, exit 2" || not_ok "--begin after --end (rc $rc, $out)"
run_cmd "$VMFLOW" lami all --begin 1 --end 2 "$T/trace"
printf '%s\n' "$out" >"$T/err.json"
res=$($CHECK error "$T/err.json") && [ "$rc" = 1 ] && ok "a range outside the trace: error object, exit 1" || not_ok "a range outside the trace (rc $rc, $out)"
run_cmd "$VMFLOW" lami all --limit lots "$T/trace"
expect_eq "$rc" 2 "--limit lots: usage error"
run_cmd "$VMFLOW" lami exits
expect_eq "$rc" 2 "no TRACE: usage error"

# Same input, same bytes.
"$VMFLOW" lami all "$T/trace" >"$T/res-again.json"
cmp -s "$T/res-all.json" "$T/res-again.json" && ok "two runs give identical output" || not_ok "two runs give identical output"
finish
