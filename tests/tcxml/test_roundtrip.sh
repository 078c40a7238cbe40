# SPDX-License-Identifier: MIT
# The Trace Compass bundle vmflow exports does in Trace Compass what vmflow computed:
# `vmflow analyze` writes states.tsv and tracecompass/{vmflow.xml,results}; running the
# exported org.vmflow.results analysis over the results trace with the tcxml engine (Trace
# Compass semantics) rebuilds every interval of states.tsv. Status is stored as an int code
# (Trace Compass colours by int); the file's own definedValues map the codes back to names.
set -u
V="$VMFLOW"
T="$VMFLOW_TEST_TMP"
rm -rf "$T"
mkdir -p "$T"
sed 's/^duration: 2s/duration: 300ms/' "$VMFLOW_SOURCE_DIR/corpora/default.yaml" >"$T/s.yaml"
"$V" synth "$T/s.yaml" -o "$T/trace" >/dev/null 2>&1 || { echo "FAIL: synth"; exit 1; }
"$V" analyze "$T/trace" -o "$T/an" >/dev/null || { echo "FAIL: analyze"; exit 1; }
"$V" tcxml validate "$T/an/tracecompass/vmflow.xml" >/dev/null || { echo "FAIL: exported XML does not validate"; exit 1; }
"$V" tcxml run "$T/an/tracecompass/vmflow.xml" "$T/an/tracecompass/results" --id org.vmflow.results -o "$T/tc" \
	2>"$T/err" || { echo "FAIL: tcxml run: $(cat "$T/err")"; exit 1; }
grep -v '^Derived/' "$T/tc/states.tsv" |
	awk -F'"' 'FNR == NR { if ($0 ~ /<definedValue name=/ && !($4 in m)) m[$4] = $2; next }
	{ if ($0 ~ /\/Status\t/) { split($0, f, "\t"); if (f[4] in m) f[4] = m[f[4]]; print f[1] "\t" f[2] "\t" f[3] "\t" f[4] } else print }' \
		"$T/an/tracecompass/vmflow.xml" - >"$T/rebuilt.tsv"
n=$(($(wc -l <"$T/an/states.tsv") - 1))
if ! diff -q "$T/rebuilt.tsv" "$T/an/states.tsv" >/dev/null; then
	echo "FAIL: the exported analysis does not rebuild states.tsv:"
	diff "$T/rebuilt.tsv" "$T/an/states.tsv" | head -20
	exit 1
fi
[ "$n" -gt 1000 ] || { echo "FAIL: only $n intervals"; exit 1; }
echo "ok - org.vmflow.results rebuilds all $n intervals of states.tsv"
