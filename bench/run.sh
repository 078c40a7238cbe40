#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench/run.sh - every vmflow benchmark in one run; each figure is a ratio to a
# reference tool measured in the same run on the same input (hyperfine medians,
# peak RSS from /usr/bin/time -v). Results are printed and written to a file.
#
#   bench/run.sh [--sizes "1M 10M 50M"] [--scaling-size 2M] [--runs 5] [--metric wall|cpu]
#                [--only "A B ..."] [--vmflow PATH] [--work DIR] [--out FILE] [--no-install] [--keep]
#
# Figures (docs/performance.md explains them and the targets):
#   A  synth write rate (events/s) vs babeltrace2 reading the same trace
#   A2 the CTF and XML writers alone (bench/writer_rate.c), same reference
#   B  analyze vs `babeltrace2 TRACE -c sink.utils.dummy` per trace size
#   C  peak RSS of analyze per size (ratio to the smallest size)
#   D  analyze cost per event with 1, 8 and 64 VMs at the same event count
#   E  `vmflow stats` vs lttng-analyses' lttng-cputop / lttng-schedtop
#   F  `vmflow tcxml run` events/s (skipped while not implemented)
#   G  synth --format tcxml write rate (XML stub trace) vs the CTF writer
# Timing belongs here, never in the unit tests.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SIZES="1M"
SCALING_SIZE="1M"
RUNS=5
METRIC=wall
VMFLOW=${VMFLOW:-}
WORK=${TMPDIR:-/tmp}/vmflow-bench
OUT=""
INSTALL=1
KEEP=0
ONLY="A A2 B C D E F G"

usage() { sed -n '7,8p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }
while [ $# -gt 0 ]; do
  case "$1" in
    --sizes) SIZES=$2; shift 2;;
    --scaling-size) SCALING_SIZE=$2; shift 2;;
    --runs) RUNS=$2; shift 2;;
    --metric) METRIC=$2; shift 2;;
    --only) ONLY=$2; shift 2;;
    --vmflow) VMFLOW=$2; shift 2;;
    --work) WORK=$2; shift 2;;
    --out) OUT=$2; shift 2;;
    --no-install) INSTALL=0; shift;;
    --keep) KEEP=1; shift;;
    -h|--help) usage 0;;
    *) echo "bench/run.sh: unknown option '$1'" >&2; usage 2 >&2;;
  esac
done

die() { echo "bench/run.sh: $*" >&2; exit 1; }
case "$METRIC" in wall|cpu) ;; *) die "--metric must be wall or cpu";; esac
# need COMMAND DEBIAN_PACKAGE: installs the package if the command is missing (and allowed)
need() {
  command -v "$1" >/dev/null && return 0
  if [ "$INSTALL" = 1 ] && [ "$(id -u)" = 0 ]; then
    echo "installing $2 ..." >&2
    apt-get install -y "$2" >/dev/null 2>&1 ||
      { apt-get update >/dev/null 2>&1 && apt-get install -y "$2" >/dev/null 2>&1; } || true
  fi
  command -v "$1" >/dev/null || die "$1 is missing (apt-get install $2)"
}
need hyperfine hyperfine
need babeltrace2 babeltrace2
need jq jq
need /usr/bin/time time

if ! command -v lttng-cputop >/dev/null && [ "$INSTALL" = 1 ]; then
  echo "installing python3-lttnganalyses (lttng-cputop, lttng-schedtop) ..." >&2
  apt-get install -y python3-lttnganalyses >/dev/null 2>&1 ||
    { apt-get update >/dev/null 2>&1 && apt-get install -y python3-lttnganalyses >/dev/null 2>&1; } ||
    echo "  could not install python3-lttnganalyses: figure E will be skipped" >&2
fi

# An optimised vmflow: build one beside the tree unless given.
if [ -z "$VMFLOW" ]; then
  B=$ROOT/build-bench
  if [ ! -x "$B/vmflow" ] || [ -n "$(find "$ROOT/exporter" "$ROOT/synth" -newer "$B/vmflow" -name '*.[ch]' -print -quit)" ]; then
    echo "building $B (RelWithDebInfo) ..." >&2
    cmake -S "$ROOT" -B "$B" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
    make -C "$B" -j"$(nproc)" vmflow >/dev/null
  fi
  VMFLOW=$B/vmflow
fi
[ -x "$VMFLOW" ] || die "$VMFLOW is not executable"
if ldd "$VMFLOW" | grep -q libasan; then
  echo "warning: $VMFLOW is a sanitizer build: timings will be meaningless" >&2
fi

mkdir -p "$WORK"
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT=${OUT:-$WORK/results-$STAMP.txt}
: > "$OUT"
say() { printf '%s\n' "$*" | tee -a "$OUT"; }

# "10M" -> 10000000
count_of() {
  local s=$1
  case "$s" in
    *K|*k) echo $(( ${s%?} * 1000 ));;
    *M|*m) echo $(( ${s%?} * 1000000 ));;
    *G|*g) echo $(( ${s%?} * 1000000000 ));;
    *) echo "$s";;
  esac
}

# hf NAME RUNS WARMUP PREPARE CMD WALL_FIELD: runs hyperfine, prints the time the metric
# asks for. --metric wall: WALL_FIELD of the JSON result (median, or times[0] of a single
# run); --metric cpu: the mean user + system time (hyperfine exports no CPU-time median),
# which other jobs on a shared machine disturb much less.
hf() {
  local name=$1 runs=$2 warmup=$3 prepare=$4 cmd=$5 field=$6 json="$WORK/hf-$1.json"
  hyperfine --style none --runs "$runs" --warmup "$warmup" ${prepare:+--prepare "$prepare"} \
    --export-json "$json" "$cmd" >"$WORK/hf-$name.log" 2>&1 ||
    die "hyperfine failed for $name: $(tail -3 "$WORK/hf-$name.log")"
  if [ "$METRIC" = cpu ]; then
    jq -r '.results[0].user + .results[0].system' "$json"
  else
    jq -r ".results[0].$field" "$json"
  fi
}

# Time (s) of a command over RUNS runs after a warm-up: median_of NAME PREPARE CMD.
median_of() { hf "$1" "$RUNS" 1 "$2" "$3" median; }

# One timed run of a command (the pairs below), after WARMUP untimed ones (default 0):
# one_run NAME PREPARE CMD [WARMUP].
one_run() { hf "$1" 1 "${4:-0}" "$2" "$3" 'times[0]'; }

median() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2) }'; }

# paired NAME PREP_A CMD_A PREP_B CMD_B [WARMUP]: runs A and B alternately, one warm-up
# pair then RUNS pairs, so that a slow spell of a shared machine (this one's speed drifts by
# tens of percent over minutes) hits both sides of a ratio alike. WARMUP (default 0):
# untimed runs of the same command right before each timed one, for commands so short that
# their first touch of memory shows (figure A: on a VM that hands freed memory back to its
# host, a 1 M synth takes 57 ms right after another, 68 ms after 1.5 s idle). Prints
# "median_A median_B median_of_the_pairs'_A/B".
paired() {
  local name=$1 pa=$2 ca=$3 pb=$4 cb=$5 warm=${6:-0} i ta tb
  local -a as=() bs=() rs=()
  for i in $(seq 0 "$RUNS"); do
    ta=$(one_run "$name-a$i" "$pa" "$ca" "$warm")
    tb=$(one_run "$name-b$i" "$pb" "$cb" "$warm")
    [ "$i" = 0 ] && continue
    as+=("$ta"); bs+=("$tb"); rs+=("$(awk -v a="$ta" -v b="$tb" 'BEGIN { printf "%.6f", (b > 0 ? a / b : 0) }')")
  done
  echo "$(median "${as[@]}") $(median "${bs[@]}") $(median "${rs[@]}")"
}

# Peak RSS (kB) of a command, as /usr/bin/time -v reports it (file-backed pages included)
rss_of() {
  /usr/bin/time -v "$@" 2>&1 >/dev/null | sed -n 's/.*Maximum resident set size (kbytes): //p' | tail -1
}

# Peak anonymous RSS (kB) of a command, sampled every 5 ms from /proc/PID/status
# (RssAnon: the heap and stacks, without the trace files libbabeltrace2 maps)
anon_of() {
  local pid max=0 a
  "$@" >/dev/null 2>&1 &
  pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    a=$(awk '/^RssAnon:/ { print $2 }' "/proc/$pid/status" 2>/dev/null || true)
    if [ -n "$a" ] && [ "$a" -gt "$max" ]; then max=$a; fi
    sleep 0.005
  done
  wait "$pid" || true
  echo "$max"
}
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

# x / y with 2 decimals (awk: no 64-bit integers involved)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
per_s() { awk -v n="$1" -v t="$2" 'BEGIN { printf "%.2f", n / t / 1e6 }'; } # M events/s
ns_per() { awk -v n="$1" -v t="$2" 'BEGIN { printf "%.1f", t * 1e9 / n }'; }

synth_count() { sed -n 's/^vmflow synth: wrote \([0-9]*\) events.*/\1/p' | head -1; }

# make_scenario SCENARIO TARGET_EVENTS OUT.yaml: the scenario with the duration that
# gives about TARGET events (calibrated on 1 simulated second).
make_scenario() {
  local scn=$1 target=$2 out=$3 n ms
  sed 's/^duration:.*/duration: 1s/' "$scn" > "$WORK/cal.yaml"
  rm -rf "$WORK/cal"
  n=$("$VMFLOW" synth "$WORK/cal.yaml" -o "$WORK/cal" | synth_count)
  rm -rf "$WORK/cal"
  ms=$(awk -v t="$target" -v n="$n" 'BEGIN { m = int(t * 1000 / n + 0.5); print (m < 1 ? 1 : m) }')
  sed "s/^duration:.*/duration: ${ms}ms/" "$scn" > "$out"
}

# trace_for NAME SCENARIO SIZE: synthesizes WORK/NAME/kernel (lttng session layout, as
# lttng-analyses wants), once; prints its event count.
trace_for() {
  local name=$1 scn=$2 size=$3 dir="$WORK/$1"
  if [ ! -s "$dir/count" ]; then
    rm -rf "$dir"; mkdir -p "$dir"
    make_scenario "$scn" "$(count_of "$size")" "$dir/scenario.yaml"
    "$VMFLOW" synth "$dir/scenario.yaml" -o "$dir/kernel" | synth_count > "$dir/count"
  fi
  cat "$dir/count"
}

cleanup() { [ "$KEEP" = 1 ] || rm -rf "$WORK"/t-* "$WORK"/out-* "$WORK"/scale-* "$WORK"/xml-*; }
trap cleanup EXIT

say "# vmflow benchmarks, $STAMP"
say "machine: $(nproc) CPUs ($(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)), $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo) RAM, load average $(cut -d' ' -f1-3 /proc/loadavg)"
say "vmflow: $VMFLOW ($("$VMFLOW" --version 2>/dev/null | head -1)); $(babeltrace2 --version | head -1); $(hyperfine --version)"
if [ "$METRIC" = cpu ]; then what="mean user+system CPU time"; else what="median wall time"; fi
say "hyperfine: $RUNS runs + 1 warm-up, $what (A, B, D: the two commands alternate, run by run, and a ratio is"
say "the median of the runs' ratios); traces in the page cache; sizes: $SIZES; scaling: $SCALING_SIZE"
say ""

BUSY=$ROOT/bench/scenarios/busy.yaml
first_size=${SIZES%% *}
declare -A N T_BT T_AN RSS_AN RSS_BT ANON_AN ANON_BT

want() { [[ " $ONLY " == *" $1 "* ]]; }
for size in $SIZES; do
  N[$size]=$(trace_for "t-$size" "$BUSY" "$size")
done
trace=$WORK/t-$first_size
# babeltrace2's time on the first size, for the figures that compare with it (A measures it)
bt_first() {
  [ -n "${T_BT[$first_size]:-}" ] ||
    T_BT[$first_size]=$(median_of "bt2-$first_size" "" "babeltrace2 $trace/kernel -c sink.utils.dummy")
}

# ---- A, B, C: per size ----
if want A; then
say "## A. synth write rate vs babeltrace2 read (busy.yaml)"
say "$(printf '%-6s %12s %10s %12s %12s %8s' size events synth_s 'synth_Mev/s' 'bt2_Mev/s' ratio)"
for size in $SIZES; do
  name=t-$size
  read -r T_BT[$size] t_synth r <<<"$(paired "a-$size" "" "babeltrace2 $WORK/$name/kernel -c sink.utils.dummy" \
    "rm -rf $WORK/$name/synth-out" "$VMFLOW synth $WORK/$name/scenario.yaml -o $WORK/$name/synth-out" 1)"
  rm -rf "$WORK/$name/synth-out"
  say "$(printf '%-6s %12s %10.3f %12s %12s %7.2fx' "$size" "${N[$size]}" "$t_synth" \
    "$(per_s "${N[$size]}" "$t_synth")" "$(per_s "${N[$size]}" "${T_BT[$size]}")" "$r")"
done
say "(target: >= 15 M events/s, >= 5x babeltrace2's read rate; synth time includes the simulation;"
say " ratio: median over the pairs of babeltrace2's time / synth's, run alternately; each timed"
say " run right after an untimed one of the same command)"
say ""
fi

# ---- A2: the writers alone ----
if want A2; then
bt_first
say "## A2. the writers alone (no simulation): the $first_size trace's events, in memory, written again"
LIB=$(dirname "$VMFLOW")/libvmflow_core.a
if [ -f "$LIB" ] && cc -O2 -std=c11 -D_GNU_SOURCE -I"$ROOT/exporter/include" -I"$ROOT/exporter" -I"$ROOT" \
     "$ROOT/bench/writer_rate.c" "$LIB" $(pkg-config --libs babeltrace2 libxml-2.0 yaml-0.1) -lm \
     -o "$WORK/writer_rate" 2>"$WORK/writer_rate.log"; then
  mkdir -p "$WORK/xml-wr"
  "$WORK/writer_rate" "$WORK/t-$first_size/kernel" "$WORK/xml-wr" "$RUNS" > "$WORK/writer_rate.out"
  while read -r w n t; do
    say "$(printf '%-6s %10s events in %.3f s: %6s M events/s, %6sx babeltrace2 read rate' "$w" "$n" "$t" \
      "$(per_s "$n" "$t")" "$(ratio "${T_BT[$first_size]}" "$t")")"
  done < "$WORK/writer_rate.out"
  rm -rf "$WORK/xml-wr"
  say "(best of $RUNS; the ctf line is the synth target's writer: >= 15 M events/s)"
else
  say "skipped: no $LIB to link bench/writer_rate.c with (give --vmflow from a CMake build folder)"
fi
say ""
fi

if want B; then
say "## B. vmflow analyze vs babeltrace2 -c sink.utils.dummy (same trace)"
say "$(printf '%-6s %12s %10s %10s %12s %12s %8s' size events bt2_s analyze_s 'bt2_Mev/s' 'an_Mev/s' speed)"
for size in $SIZES; do
  name=t-$size
  read -r tb T_AN[$size] r <<<"$(paired "b-$size" "" "babeltrace2 $WORK/$name/kernel -c sink.utils.dummy" \
    "rm -rf $WORK/out-$size" "$VMFLOW analyze $WORK/$name/kernel -o $WORK/out-$size")"
  say "$(printf '%-6s %12s %10.3f %10.3f %12s %12s %7.2fx' "$size" "${N[$size]}" "$tb" \
    "${T_AN[$size]}" "$(per_s "${N[$size]}" "$tb")" "$(per_s "${N[$size]}" "${T_AN[$size]}")" "$r")"
done
say "(speed = babeltrace2 time / analyze time; target >= 0.75x)"
say ""
fi

if want C; then
say "## C. peak memory of vmflow analyze (babeltrace2 for reference), MiB"
say "max_rss: /usr/bin/time -v (counts the trace pages babeltrace2 mmaps); anon: peak RssAnon (heap, stacks)"
say "$(printf '%-6s %10s %11s %8s %11s %8s %10s %10s' size events an_max_rss an_anon bt2_max_rss bt2_anon 'rss_vs_1st' 'anon_vs_1st')"
for size in $SIZES; do
  name=t-$size
  rm -rf "$WORK/out-$size"
  RSS_AN[$size]=$(rss_of "$VMFLOW" analyze "$WORK/$name/kernel" -o "$WORK/out-$size")
  rm -rf "$WORK/out-$size"
  ANON_AN[$size]=$(anon_of "$VMFLOW" analyze "$WORK/$name/kernel" -o "$WORK/out-$size")
  RSS_BT[$size]=$(rss_of babeltrace2 "$WORK/$name/kernel" -c sink.utils.dummy)
  ANON_BT[$size]=$(anon_of babeltrace2 "$WORK/$name/kernel" -c sink.utils.dummy)
  say "$(printf '%-6s %10s %11s %8s %11s %8s %9sx %9sx' "$size" "${N[$size]}" \
    "$(mib "${RSS_AN[$size]}")" "$(mib "${ANON_AN[$size]}")" "$(mib "${RSS_BT[$size]}")" \
    "$(mib "${ANON_BT[$size]}")" "$(ratio "${RSS_AN[$size]}" "${RSS_AN[$first_size]}")" \
    "$(ratio "${ANON_AN[$size]}" "${ANON_AN[$first_size]}")")"
done
say "(target: the largest size within 1.2x of the smallest)"
say ""
fi

# ---- D: scaling with the entity count ----
if want D; then
say "## D. scaling: analyze cost per event with 1, 8 and 64 VMs (16 vCPUs / 64 vCPUs, ~$SCALING_SIZE events)"
say "$(printf '%-8s %10s %10s %12s %12s %11s %12s' scenario events vCPUs 'an_ns/ev' 'bt2_ns/ev' 'an/bt2' 'an_vs_1vm')"
base=""
for v in 1 8 64; do
  name=scale-$v
  n=$(trace_for "$name" "$ROOT/bench/scenarios/vms-$v.yaml" "$SCALING_SIZE")
  read -r t_an t_bt r <<<"$(paired "d-$v" "rm -rf $WORK/out-scale" "$VMFLOW analyze $WORK/$name/kernel -o $WORK/out-scale" \
    "" "babeltrace2 $WORK/$name/kernel -c sink.utils.dummy")"
  ns=$(ns_per "$n" "$t_an")
  base=${base:-$r}
  vcpus=$(grep -o 'vcpus: [0-9]*' "$WORK/$name/scenario.yaml" | awk '{ s += $2 } END { print s }')
  say "$(printf '%-8s %10s %10s %12s %12s %10.2fx %11sx' "vms-$v" "$n" "$vcpus" "$ns" "$(ns_per "$n" "$t_bt")" "$r" "$(ratio "$r" "$base")")"
done
say "(target: cost per event flat, within 1.2x of 1 VM; an/bt2: median over pairs run alternately of analyze's"
say " time / babeltrace2's on the same trace, so the machine's drift between scenarios cancels; an_vs_1vm: that ratio"
say " relative to 1 VM's)"
say ""
fi

# ---- E: vmflow stats vs lttng-analyses ----
if want E; then
say "## E. vmflow stats vs lttng-analyses on the $first_size trace"
stats_out=$("$VMFLOW" stats "$trace/kernel" 2>&1 || true)
if printf '%s' "$stats_out" | grep -q "not implemented yet"; then
  say "skipped: vmflow stats is not implemented yet"
elif ! command -v lttng-cputop >/dev/null; then
  say "skipped: lttng-cputop is not installed (Debian python3-lttnganalyses)"
else
  t_stats=$(median_of "stats" "" "$VMFLOW stats $trace/kernel")
  t_cpu=$(median_of "cputop" "" "lttng-cputop --skip-validation $trace")
  t_sched=$(median_of "schedtop" "" "lttng-schedtop --skip-validation $trace")
  say "$(printf '%-26s %10s %12s %10s' tool seconds 'M events/s' 'vmflow_x')"
  say "$(printf '%-26s %10.3f %12s %10s' 'vmflow stats' "$t_stats" "$(per_s "${N[$first_size]}" "$t_stats")" 1.00x)"
  say "$(printf '%-26s %10.3f %12s %9sx' 'lttng-cputop' "$t_cpu" "$(per_s "${N[$first_size]}" "$t_cpu")" "$(ratio "$t_cpu" "$t_stats")")"
  say "$(printf '%-26s %10.3f %12s %9sx' 'lttng-schedtop' "$t_sched" "$(per_s "${N[$first_size]}" "$t_sched")" "$(ratio "$t_sched" "$t_stats")")"
  say "(vmflow_x = that tool's time / vmflow stats' time: how many times faster vmflow is)"
fi
say ""
fi

# ---- F: tcxml run ----
if want F; then
bt_first
say "## F. vmflow tcxml run"
XML_ANALYSIS=${VMFLOW_BENCH_XML:-}
tcxml_help=$("$VMFLOW" tcxml --help 2>&1 || true)
if printf '%s' "$tcxml_help" | grep -q "not implemented yet"; then
  say "skipped: vmflow tcxml is not implemented yet"
else
  # a typical analysis: bench/tcxml/vm_states.xml (also used by bench/tcxml.sh), else
  # Trace Compass's own kvm_exits.xml conformance file
  if [ -z "$XML_ANALYSIS" ] && [ -f "$ROOT/bench/tcxml/vm_states.xml" ]; then
    XML_ANALYSIS=$ROOT/bench/tcxml/vm_states.xml
  fi
  XML_ANALYSIS=${XML_ANALYSIS:-$ROOT/../shared/tracecompass-conformance/validation/valid/kvm_exits.xml}
  if [ -f "$XML_ANALYSIS" ] && "$VMFLOW" tcxml run "$XML_ANALYSIS" "$trace/kernel" -o "$WORK/xml-out" >/dev/null 2>&1; then
    t_x=$(median_of "tcxml" "rm -rf $WORK/xml-out" "$VMFLOW tcxml run $XML_ANALYSIS $trace/kernel -o $WORK/xml-out")
    say "$(printf '%s on %s events: %.3f s, %s M events/s, %sx babeltrace2 read speed' \
      "${XML_ANALYSIS##*/}" "${N[$first_size]}" "$t_x" "$(per_s "${N[$first_size]}" "$t_x")" "$(ratio "${T_BT[$first_size]}" "$t_x")")"
  else
    say "skipped: \`vmflow tcxml run ANALYSIS.xml TRACE -o OUT\` did not run (see \`vmflow tcxml --help\`)"
  fi
fi
say ""
fi

# ---- G: the XML stub-trace writer ----
if want G; then
say "## G. synth --format tcxml (Trace Compass XML stub trace) vs the CTF writer, $first_size events"
t_ctf=$(median_of "synth-ctf-g" "rm -rf $WORK/xml-ctf" "$VMFLOW synth $trace/scenario.yaml -o $WORK/xml-ctf")
t_xml=$(median_of "synth-xml-g" "rm -f $WORK/xml-host.xml" "$VMFLOW synth $trace/scenario.yaml -o $WORK/xml-host.xml --format tcxml")
xml_mib=$(du -m "$WORK/xml-host.xml" | cut -f1)
ctf_mib=$(du -m -s "$WORK/xml-ctf" | cut -f1)
say "$(printf 'ctf: %.3f s (%s M events/s, %s MiB); tcxml: %.3f s (%s M events/s, %s MiB); tcxml/ctf time %sx' \
  "$t_ctf" "$(per_s "${N[$first_size]}" "$t_ctf")" "$ctf_mib" "$t_xml" "$(per_s "${N[$first_size]}" "$t_xml")" "$xml_mib" "$(ratio "$t_xml" "$t_ctf")")"
say ""
fi
say "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
say "results written to $OUT"
