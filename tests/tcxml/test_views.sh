# SPDX-License-Identifier: MIT
# `vmflow tcxml view`: the four views of the conformance case C10 give exactly the files in
# expected/simple_dataprovider/ (Trace Compass's data-provider tests).
set -u
V="$VMFLOW"
C="$VMFLOW_SHARED_DIR/tracecompass-conformance"
E="$C/expected/simple_dataprovider"
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

view() { # view ID PART
	"$V" tcxml view "$C/analyses/test_data_provider_simple.xml" "$C/traces/testTrace4.xml" \
		--analysis "$C/analyses/test_valid_pattern_simple.xml" --view "xml.core.tests.simple.pattern.$1" --part "$2"
}
same() { # same NAME EXPECTED_FILE ACTUAL_TEXT
	if ! diff <(cat "$2"; echo) <(printf '%s\n' "$3") >/dev/null; then
		fail "$1 differs from $(basename "$2"):"
		diff <(cat "$2"; echo) <(printf '%s\n' "$3")
	else
		echo "ok - $1"
	fi
}

same "timegraph tree" "$E/expectedTimeGraphTree" "$(view timegraph tree)"
same "timegraph rows" "$E/expectedTimeGraphRows" "$(view timegraph rows)"
# timegraph2: the CPU entry has no display, so no row (the Java test drops the first line)
same "timegraph2 rows" <(tail -n +2 "$E/expectedTimeGraphRows") "$(view timegraph2 rows)"
same "timegraph2 tree" "$E/expectedTimeGraphTree" "$(view timegraph2 tree)"
same "xy tree" "$E/expectedXYTree" "$(view xy tree)"
same "xy data" "$E/expectedXYData" "$(view xy data)"
same "xy delta tree" "$E/expectedXYTree" "$(view xy.delta tree)"
same "xy delta data" "$E/expectedXYDataDelta" "$(view xy.delta data)"

# name / id / parent (re-parenting) and entry/@analysisId, on a small stub trace
out=$("$V" tcxml view "$VMFLOW_SOURCE_DIR/tests/tcxml/data/view_features.xml" "$VMFLOW_SOURCE_DIR/tests/tcxml/data/view_trace.xml" --view threads)
want=$'[tree]\nview_trace.xml,1,5,null\ninit,3,5,view_trace.xml\nchild,4,5,init\nfork,1,5,view_trace.xml\nrun,3,5,view_trace.xml\n[rows]\ninit:1,2,-2147483648,null,3,2,1,1\nchild:1,3,-2147483648,null,4,1,1,1\nfork:1,1,1,1,2,3,2,2\nrun:1,2,-2147483648,null,3,1,1,1,4,1,2,2,5,0,3,3'
[ "$out" = "$want" ] && echo "ok - name/id/parent/analysisId" || fail "view features: $out"

# errors
out=$("$V" tcxml view "$C/analyses/test_data_provider_simple.xml" "$C/traces/testTrace4.xml" --view nosuch 2>&1)
[ $? = 2 ] && grep -q "no timeGraphView or xyView with id 'nosuch'" <<<"$out" || fail "unknown view: $out"
out=$("$V" tcxml view "$C/analyses/test_data_provider_simple.xml" "$C/traces/testTrace4.xml" --view xml.core.tests.simple.pattern.xy 2>&1)
[ $? = 1 ] && grep -q "reads no stateProvider or pattern loaded" <<<"$out" || fail "missing analysis: $out"
out=$(view xy rows 2>&1)
[ $? = 2 ] && grep -q "has no part 'rows'" <<<"$out" || fail "bad part: $out"

[ "$fails" = 0 ] || { echo "$fails failure(s)"; exit 1; }
