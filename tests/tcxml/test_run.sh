# SPDX-License-Identifier: MIT
# `vmflow tcxml run`: outputs, Trace Compass's example kvm_exits.xml end to end (on a
# synthesized CTF trace, counted independently with babeltrace2, and on the Trace Compass
# VM stub traces), futureTime, runtime type errors, and `vmflow analyze` on a stub trace.
set -u
V="$VMFLOW"
C="$VMFLOW_SHARED_DIR/tracecompass-conformance"
P="$VMFLOW_SHARED_DIR/peer-traces/tracecompass-vm"
D="$VMFLOW_SOURCE_DIR/tests/tcxml/data"
T="$VMFLOW_TEST_TMP"
KVM="$C/validation/valid/kvm_exits.xml"
rm -rf "$T"
mkdir -p "$T"
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok - $*"; }

# 1. run -o: states.tsv (contract), states_typed.tsv, segments.tsv for a pattern
"$V" tcxml run "$C/analyses/test_attributes.xml" "$C/traces/testTrace1.xml" -o "$T/attr" || fail "run attributes"
want=$'path\tstart\tend\tvalue\ntest\t1\t5\t1\ntest\t5\t8\t2\ntest1\t3\t7\t1\ntest1\t7\t8\t2'
[ "$(cat "$T/attr/states.tsv")" = "$want" ] && ok "states.tsv" || fail "states.tsv: $(cat "$T/attr/states.tsv")"
want=$'path\tstart\tend\ttype\tvalue\ntest\t1\t5\tint\t1\ntest\t5\t8\tint\t2\ntest1\t1\t3\tnull\t\ntest1\t3\t7\tint\t1\ntest1\t7\t8\tint\t2'
[ "$(cat "$T/attr/states_typed.tsv")" = "$want" ] && ok "states_typed.tsv" || fail "states_typed.tsv: $(cat "$T/attr/states_typed.tsv")"
[ ! -e "$T/attr/segments.tsv" ] || fail "a state provider has no segments.tsv"
"$V" tcxml run "$C/analyses/test_pattern_segment.xml" "$C/traces/testTrace2.xml" -o "$T/seg" || fail "run pattern"
want=$'start\tend\tduration\tname\tcontent\n1\t1\t0\ttest1\t{}\n1\t3\t2\ttest2\t{field1:long=100, field2:string=test, field3:int=1}\n1\t5\t4\ttest1\t{}\n1\t7\t6\ttest2\t{field1:long=200, field2:string=test, field3:int=1}'
[ "$(cat "$T/seg/segments.tsv")" = "$want" ] && ok "segments.tsv" || fail "segments.tsv: $(cat "$T/seg/segments.tsv")"
# --id picks the analysis; an unknown id is a usage error
out=$("$V" tcxml run "$C/analyses/test_state_values.xml" "$C/traces/testTrace4.xml" --allow-script --id nosuch 2>&1)
[ $? = 2 ] && grep -q "no stateProvider or pattern with id 'nosuch'" <<<"$out" && ok "unknown --id" || fail "unknown --id: $out"

# 2. kvm_exits.xml on a synthesized CTF trace (legacy kvm_exit naming, as the example expects):
#    the final count of every Reasons/<code> equals babeltrace2's count of kvm_exit events
sed 's/naming: lttng-2.13/naming: legacy/; s/^duration: 2s/duration: 300ms/' \
	"$VMFLOW_SOURCE_DIR/corpora/default.yaml" >"$T/legacy.yaml"
"$V" synth "$T/legacy.yaml" -o "$T/ctf" >/dev/null 2>&1 || fail "synth"
"$V" tcxml run "$KVM" "$T/ctf" -o "$T/kvm" || fail "run kvm_exits on CTF"
got=$(awk -F'\t' 'NR>1 && $4=="int" {m[$1]=$5} END {for (k in m) print substr(k,9), m[k]}' "$T/kvm/states_typed.tsv" | sort)
want=$(babeltrace2 "$T/ctf" | grep "kvm_exit:" | grep -o "exit_reason = [0-9]*" | awk '{print $3}' | sort | uniq -c | awk '{print $2, $1}' | sort)
[ -n "$want" ] && [ "$got" = "$want" ] && ok "kvm_exits.xml counts = babeltrace2 counts ($(wc -l <<<"$want") reasons)" || fail "kvm_exits counts: got [$got] want [$want]"
# its xyView, 3 samples: the last sample of each series is the final count (delta of it)
"$V" tcxml view "$KVM" "$T/ctf" --view kernel.kvm.exit.xychart --part tree >"$T/kvm_tree" || fail "kvm view"
[ "$(head -1 "$T/kvm_tree")" = "ctf,null" ] && [ "$(wc -l <"$T/kvm_tree")" = $(($(wc -l <<<"$want") + 1)) ] && ok "kvm_exits xyView tree" || fail "kvm view tree: $(cat "$T/kvm_tree")"

# special fields on CTF: hostID = the env hostname, Trace = the folder name, cpu int, timestamp long
out=$("$V" tcxml run "$D/special_fields.xml" "$T/ctf" | awk -F'\t' 'NR > 1 && $4 != "null" {print $1, $4, $5}' | sort -u -k1,2 | awk '{print $1, $2}' | sort -u | tr '\n' ' ')
[ "$out" = "cpu int host string tid long trace string ts long type string " ] && ok "special field types" || fail "special field types: $out"
out=$("$V" tcxml run "$D/special_fields.xml" "$T/ctf" | awk -F'\t' '($1 == "host" || $1 == "trace" || $1 == "type") && $4 != "null" {print $1 "=" $5}' | sort -u | tr '\n' ' ')
[ "$out" = "host=vmflow-host trace=ctf type=kvm_exit " ] && ok "hostID / Trace / Event type" || fail "special values: $out"

out=$("$V" tcxml run "$D/special_fields.xml" "$T/ctf" --host-id other | awk -F'\t' '$1 == "host" && $4 != "null" {print $5}' | sort -u)
[ "$out" = "other" ] && ok "--host-id" || fail "--host-id: $out"

# 3. kvm_exits.xml on the Trace Compass VM stub traces (exit_reason long in one, int in the other)
for t in OneQemuKvm QemuContainer; do
	out=$("$V" tcxml run "$KVM" "$P/$t/host.xml" | grep -v '^path')
	want=$'Reasons\t1\t356\tnull\t\nReasons/32\t1\t45\tnull\t\nReasons/32\t45\t95\tint\t1\nReasons/32\t95\t195\tint\t2\nReasons/32\t195\t245\tint\t3\nReasons/32\t245\t295\tint\t4\nReasons/32\t295\t356\tint\t5'
	[ "$out" = "$want" ] && ok "kvm_exits.xml on $t/host.xml" || fail "$t: $out"
done
for t in OneQemuKvm/guest.xml QemuContainer/guest.xml Containers/withContainers.xml; do
	"$V" tcxml run "$KVM" "$P/$t" >/dev/null || fail "run on $t"
done

# 4. vmflow analyze reads stub traces: OneQemuKvm host = 1 VM (thread 31), vCPU 0
rm -rf "$T/an"
"$V" analyze "$P/OneQemuKvm/host.xml" -o "$T/an" >/dev/null || fail "analyze host.xml"
grep -q $'^VMs/31/vCPUs/0/Status\t5\t45\tguest$' "$T/an/states.tsv" && grep -q $'^VMs/31/vCPUs/0/Status\t100\t150\tpreempted_host$' "$T/an/states.tsv" \
	&& ok "analyze OneQemuKvm/host.xml" || fail "analyze host.xml: $(head -5 "$T/an/states.tsv")"

# 5. futureTime (no script): same rows as Trace Compass's C4 'future' case, and a change
#    scheduled after the last event stretches the end and is lost
out=$("$V" tcxml run "$D/future.xml" "$C/traces/testTrace4.xml" | grep -E '^(future|late)')
want=$'future\t1\t3\tint\t100\nfuture\t3\t5\tint\t101\nfuture\t5\t7\tint\t100\nfuture\t7\t10\tint\t101\nfuture\t10\t12\tint\t100\nfuture\t12\t25\tint\t101\nlate\t1\t25\tnull\t'
[ "$out" = "$want" ] && ok "futureTime" || fail "futureTime: $out"

# 6. runtime errors name the analysis line and the time
out=$("$V" tcxml run "$D/type_error.xml" "$C/traces/testTrace2.xml" 2>&1)
[ $? = 1 ] && grep -q "type_error.xml:14: type error at t=3: attribute 'value' holds long values, cannot write int 0" <<<"$out" && ok "type lock" || fail "type lock: $out"
out=$("$V" tcxml run "$D/forced_error.xml" "$C/traces/testTrace4.xml" 2>&1)
[ $? = 1 ] && grep -q "forced_error.xml:8: forcedType=\"int\": 'op1' is not a valid int" <<<"$out" && ok "forcedType error" || fail "forcedType: $out"

# 7. bad stub traces
printf '<trace>\n<event timestamp="x" name="a"/>\n</trace>\n' >"$T/bad1.xml"
out=$("$V" tcxml run "$C/analyses/test_attributes.xml" "$T/bad1.xml" 2>&1)
[ $? = 1 ] && grep -q "bad1.xml:2: a stub <event> needs an integer timestamp and a name" <<<"$out" && ok "bad timestamp" || fail "bad timestamp: $out"
printf '<trace>\n<event timestamp="5" name="a"/>\n<event timestamp="2" name="a"/>\n</trace>\n' >"$T/bad2.xml"
out=$("$V" tcxml run "$C/analyses/test_attributes.xml" "$T/bad2.xml" 2>&1)
[ $? = 1 ] && grep -q "bad2.xml:3: .*earlier than the previous one" <<<"$out" && ok "out of order" || fail "out of order: $out"
printf '<trace>\n<event timestamp="5" name="a">\n<field name="x" type="long" value="1"/>\n' >"$T/bad3.xml"
out=$("$V" tcxml run "$C/analyses/test_attributes.xml" "$T/bad3.xml" 2>&1)
[ $? = 1 ] && grep -q "bad3.xml" <<<"$out" && ok "truncated stub" || fail "truncated: $out"

[ "$fails" = 0 ] || { echo "$fails failure(s)"; exit 1; }
