#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test_synth_tcxml.sh - `vmflow synth --format tcxml`: one XML stub-trace file,
# valid against Trace Compass's TmfXmlDevelopmentTrace.xsd (xmllint), with the
# same events (count, per event name, per CPU, times) as the CTF written for
# the same scenario and seed and read by babeltrace2; byte-identical reruns;
# one-line errors and nothing left behind on failure.
source "$VMFLOW_SOURCE_DIR/tests/lib/assert.sh"
XSD=$VMFLOW_SOURCE_DIR/exporter/tcxml/xsd/TmfXmlDevelopmentTrace.xsd

cat > "$T/s.yaml" <<'YAML'
seed: 5
duration: 200ms
host:
  cpus: 3
  processes:
    - {name: worker, count: 2, cpu_burst: 500us, sleep: 3ms}
vms:
  - {vcpus: 2, affinity: [[0, 1], [1, 2]]}
  - {vcpus: 2, isa: svm}
YAML

run_cmd "$VMFLOW" synth "$T/s.yaml" -o "$T/host.xml" --format tcxml --truth "$T/x-truth.tsv"
expect_eq "$rc" 0 "tcxml: synth succeeds"
n_xml=$(printf '%s' "$out" | sed -n 's/^vmflow synth: wrote \([0-9]*\) events.*/\1/p' | head -1)
run_cmd "$VMFLOW" synth "$T/s.yaml" -o "$T/ctf" --truth "$T/c-truth.tsv"
expect_eq "$rc" 0 "ctf: synth succeeds"
n_ctf=$(printf '%s' "$out" | sed -n 's/^vmflow synth: wrote \([0-9]*\) events.*/\1/p' | head -1)
expect_eq "$n_xml" "$n_ctf" "synth reports the same event count for both formats"
if [ "${n_xml:-0}" -gt 1000 ]; then ok "the scenario has events ($n_xml)"; else not_ok "the scenario has events ($n_xml)"; fi

if xmllint --noout --schema "$XSD" "$T/host.xml" 2>"$T/xmllint.err"; then
  ok "valid against TmfXmlDevelopmentTrace.xsd"
else
  not_ok "valid against TmfXmlDevelopmentTrace.xsd: $(head -3 "$T/xmllint.err")"
fi
expect_eq "$(head -c 24 "$T/host.xml")" "<!-- vmflow synth: Trace" "starts with the provenance comment (no XML declaration)"
expect_eq "$(sed -n '2,5p' "$T/host.xml" | tr '\n' '|')" \
  '<trace>|<set_aspects>|<field name="cpu" value="1" type="int" />|</set_aspects>|' \
  "the set_aspects block of Trace Compass's VM stubs"
expect_eq "$(tail -n 1 "$T/host.xml")" "</trace>" "ends with </trace>"
cmp -s "$T/x-truth.tsv" "$T/c-truth.tsv" && ok "same ground truth for both formats" || not_ok "same ground truth for both formats"

# The same events as babeltrace2 reads from the CTF: "ns name cpu" per event, sorted.
babeltrace2 --clock-cycles "$T/ctf" > "$T/bt.txt"
expect_eq "$(grep -c '' "$T/bt.txt")" "$n_ctf" "babeltrace2 reads as many events as synth reports"
off=$(sed -n 's/^\toffset = \([0-9]*\);/\1/p' "$T/ctf/metadata")
awk -v off="$off" '{ ts = substr($1, 2, length($1) - 2); name = $4; sub(/:$/, "", name);
  match($0, /cpu_id = [0-9]+/); cpu = substr($0, RSTART + 9, RLENGTH - 9);
  printf "%d %s %s\n", ts + 0, name, cpu }' "$T/bt.txt" | sort > "$T/bt.key"
awk -v off="$off" '/^<event / { match($0, /timestamp="[0-9]+"/); ts = substr($0, RSTART + 11, RLENGTH - 12);
    match($0, /name="[^"]*"/); name = substr($0, RSTART + 6, RLENGTH - 7) }
  /^<field name="cpu" / { match($0, /value="[0-9]+"/); cpu = substr($0, RSTART + 7, RLENGTH - 8) }
  /^<\/event>/ { printf "%s %s %s\n", ts, name, cpu }' "$T/host.xml" > "$T/xml.raw"
# XML times include the clock offset; babeltrace2's cycles do not (awk's doubles are
# exact only below 2^53, so subtract with the shell on the first event and compare the rest).
first_xml=$(head -1 "$T/xml.raw" | cut -d' ' -f1)
first_bt=$(babeltrace2 --clock-cycles "$T/ctf" | head -1 | sed 's/^\[0*\([0-9]*\)\].*/\1/')
expect_eq "$first_xml" "$((off + first_bt))" "first event: XML timestamp = clock offset + cycles"
while read -r ts rest; do echo "$((ts - off)) $rest"; done < "$T/xml.raw" | sort > "$T/xml.key"
if cmp -s "$T/bt.key" "$T/xml.key"; then
  ok "every event has the same time, name and CPU in both formats"
else
  not_ok "every event has the same time, name and CPU in both formats: $(diff "$T/bt.key" "$T/xml.key" | head -4)"
fi
expect_eq "$(cut -d' ' -f2 "$T/xml.key" | sort | uniq -c | tr -s ' ' | tr '\n' ';')" \
          "$(cut -d' ' -f2 "$T/bt.key" | sort | uniq -c | tr -s ' ' | tr '\n' ';')" "same count per event name"
expect_eq "$(grep -c 'name="kvm_x86_exit">' "$T/host.xml")" "$(grep -c ' kvm_x86_exit: ' "$T/bt.txt")" "same kvm_x86_exit count"

# Deterministic: byte-identical on a rerun, and --seed changes it.
"$VMFLOW" synth "$T/s.yaml" -o "$T/again.xml" --format tcxml >/dev/null
cmp -s "$T/host.xml" "$T/again.xml" && ok "byte-identical rerun" || not_ok "byte-identical rerun"
"$VMFLOW" synth "$T/s.yaml" -o "$T/seed9.xml" --format tcxml --seed 9 >/dev/null
cmp -s "$T/host.xml" "$T/seed9.xml" && not_ok "another seed gives another trace" || ok "another seed gives another trace"
# Rewriting over a previous output replaces it.
"$VMFLOW" synth "$T/s.yaml" -o "$T/seed9.xml" --format tcxml >/dev/null
cmp -s "$T/host.xml" "$T/seed9.xml" && ok "an existing file is replaced" || not_ok "an existing file is replaced"

# Legacy naming: the kvm_entry/kvm_exit names of Trace Compass's VM stub layout.
cat > "$T/legacy.yaml" <<'YAML'
duration: 20ms
host: {cpus: 1}
vms: [{vcpus: 1}]
trace: {naming: legacy, contexts: false}
YAML
"$VMFLOW" synth "$T/legacy.yaml" -o "$T/legacy.xml" --format tcxml >/dev/null
if grep -q 'name="kvm_entry">' "$T/legacy.xml" && ! grep -q 'kvm_x86' "$T/legacy.xml"; then
  ok "legacy naming: kvm_entry/kvm_exit"
else
  not_ok "legacy naming: kvm_entry/kvm_exit"
fi
grep -q 'context\._tid' "$T/legacy.xml" && not_ok "contexts off: no context fields" || ok "contexts off: no context fields"

# Errors: one line, exit code, nothing half-written.
mkdir -p "$T/adir"
expect_fail 1 "^vmflow: $T/adir: is a folder: --format tcxml writes one XML file\$" \
  "-o naming a folder is refused" -- "$VMFLOW" synth "$T/s.yaml" -o "$T/adir" --format tcxml
expect_fail 1 "^vmflow: $T/nodir/x.xml: cannot create output file" \
  "-o in a missing folder is refused" -- "$VMFLOW" synth "$T/s.yaml" -o "$T/nodir/x.xml" --format tcxml
printf 'host:\n  cpus: 0\n' > "$T/bad.yaml"
expect_fail 1 "host.cpus" "bad scenario: one line" -- "$VMFLOW" synth "$T/bad.yaml" -o "$T/bad.xml" --format tcxml
if [ ! -e "$T/bad.xml" ] && ! compgen -G "$T/*.vmflow-tmp-*" >/dev/null; then
  ok "nothing left behind after errors"
else
  not_ok "nothing left behind after errors"
fi
run_cmd "$VMFLOW" synth --help
case "$out" in *"--format ctf"*"tcxml"*) ok "--help lists tcxml";; *) not_ok "--help lists tcxml";; esac

finish
