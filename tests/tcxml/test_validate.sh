# SPDX-License-Identifier: MIT
# `vmflow tcxml validate`: every conformance file in validation/valid/ passes the schema
# check, every file in validation/invalid/ is rejected naming the problem, semantic
# (compile) errors come with their line, and hostile XML (XXE, billion laughs, network
# DTDs) is refused without reading files or expanding entities.
set -u
V="$VMFLOW"
C="$VMFLOW_SHARED_DIR/tracecompass-conformance/validation"
D="$VMFLOW_SOURCE_DIR/tests/tcxml/data"
mkdir -p "$VMFLOW_TEST_TMP"
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# expect RC PATTERN CMD...: runs CMD, checks the exit code and that stdout+stderr matches PATTERN
expect() {
	local want_rc=$1 pattern=$2
	shift 2
	local out rc
	out=$(timeout 20 "$@" 2>&1)
	rc=$?
	[ "$rc" = "$want_rc" ] || fail "$* -> rc $rc, want $want_rc: $out"
	if [ -n "$pattern" ] && ! grep -qE -- "$pattern" <<<"$out"; then
		fail "$* -> output does not match /$pattern/: $out"
	fi
}

# valid/: schema check passes for all; full validation for all but two
for f in "$C"/valid/*.xml "$C"/test_builtin.xml; do
	b=$(basename "$f")
	case "$b" in
	test_valid_extended.xml)
		expect 1 "test_valid_extended.xml:15: Element 'my': This element is not expected" "$V" tcxml validate "$f"
		expect 0 "valid: stateProvider 'kernel.kvm.exit.sp'" "$V" tcxml validate --extension "$C/extension.xsd" "$f"
		;;
	test_condition_operators.xml)
		expect 0 "valid: schema ok" "$V" tcxml validate --schema-only "$f"
		# Trace Compass would not create this analysis: it uses undeclared locations and values
		out=$("$V" tcxml validate "$f" 2>&1)
		[ $? = 1 ] || fail "test_condition_operators.xml should have compile errors"
		for l in "69: location 'newCurrentThread' is not defined" "75: location 'CurrentCPU' is not defined" \
			"77: int stateValue: '\\\$CPU_STATUS_RUN_USERMODE' is not an int" "109: location 'CurrentIRQ' is not defined"; do
			grep -q "test_condition_operators.xml:$l" <<<"$out" || fail "missing '$l' in: $out"
		done
		[ "$(grep -c 'test_condition_operators.xml:' <<<"$out")" = 6 ] || fail "want 6 errors: $out"
		;;
	test_state_values.xml)
		expect 0 "warning: .*test_state_values.xml:81: script stateValue is not supported by vmflow" "$V" tcxml validate "$f"
		;;
	*)
		expect 0 "^.*$b: valid:" "$V" tcxml validate "$f"
		;;
	esac
done

# invalid/: rejected, with the line and libxml2's reason
expect 1 "invalid_condition_operators.xml:24: .*'an_invalid_operator' is not an element of the set" "$V" tcxml validate "$C/invalid/invalid_condition_operators.xml"
expect 1 "invalid_view_multipledisplays.xml:34: Element 'display': This element is not expected" "$V" tcxml validate "$C/invalid/invalid_view_multipledisplays.xml"
expect 1 "invalid_xyview_multipleentry.xml:28: Element 'entry': This element is not expected" "$V" tcxml validate "$C/invalid/invalid_xyview_multipleentry.xml"
expect 1 "state_provider_placement.xml:15: Element 'stateProvider': Missing child element" "$V" tcxml validate "$C/invalid/state_provider_placement.xml"
expect 1 "test_invalid.xml:6: Element 'element': This element is not expected" "$V" tcxml validate "$C/invalid/test_invalid.xml"
n=$(ls "$C"/invalid/*.xml | wc -l)
[ "$n" = 5 ] || fail "validation/invalid/ has $n files; this test knows 5"

# semantic errors, one per line, all reported
out=$("$V" tcxml validate "$D/semantic_errors.xml" 2>&1)
[ $? = 1 ] || fail "semantic_errors.xml must fail"
for l in "11: location 'nowhere' is not defined" "16: int stateValue: '\\\$MISSING' is not an int" \
	"20: long stateValue: '12x' is not a long" "24: mappingGroup 'nogroup' is not defined" \
	"28: stack=\"push\" cannot be combined with increment" "37: transition target 'nostate' is not a state of fsm 'f'" \
	"38: test 'notest' is not defined in this pattern" "38: action 'noaction' is not defined in this pattern"; do
	grep -q "semantic_errors.xml:$l" <<<"$out" || fail "missing '$l' in: $out"
done
# warnings: valid for Trace Compass, but not doing what they seem to
out=$("$V" tcxml validate "$D/semantic_warnings.xml" 2>&1)
[ $? = 0 ] || fail "semantic_warnings.xml must validate: $out"
for l in "9: update=\"true\" is applied at the event time: futureTime is ignored" \
	"15: elapsedTime since=\"nosuchstate\": no fsm of this pattern has that state" \
	"16: fsmScheduleAction does nothing in Trace Compass"; do
	grep -q "warning: .*semantic_warnings.xml:$l" <<<"$out" || fail "missing warning '$l' in: $out"
done
expect 0 "warning: .*test_data_provider_simple.xml:15: view 'xml.core.tests.simple.pattern.timegraph' reads analysis 'xml.core.tests.simple.pattern', which is not in this file" \
	"$V" tcxml validate "$VMFLOW_SHARED_DIR/tracecompass-conformance/analyses/test_data_provider_simple.xml"
# run refuses a file with compile errors; and a script value unless --allow-script
expect 1 "semantic_errors.xml:11: location 'nowhere'" "$V" tcxml run "$D/semantic_errors.xml" "$VMFLOW_SHARED_DIR/tracecompass-conformance/traces/testTrace1.xml"
expect 1 "test_state_values.xml:81: script stateValue is not supported: vmflow does not run JavaScript" "$V" tcxml run "$C/valid/test_state_values.xml" "$VMFLOW_SHARED_DIR/tracecompass-conformance/traces/testTrace4.xml"

# hostile XML: refused, fast, nothing read from /etc/passwd, no entity expansion
for f in xxe_file.xml xxe_network.xml billion_laughs.xml billion_laughs_text.xml doctype_internal.xml; do
	start=$(date +%s)
	out=$(timeout 20 "$V" tcxml validate "$D/$f" 2>&1)
	rc=$?
	[ "$rc" = 1 ] || fail "$f: rc $rc, want 1: $out"
	grep -q "root:" <<<"$out" && fail "$f: leaked /etc/passwd content"
	[ ${#out} -lt 1000 ] || fail "$f: output too long (entity expanded?)"
	[ $(($(date +%s) - start)) -lt 10 ] || fail "$f: too slow (network or expansion?)"
done
expect 1 "xxe_file.xml:10: Attribute references external entity 'xxe'" "$V" tcxml validate "$D/xxe_file.xml"
expect 1 "billion_laughs.xml:[0-9]+: Detected an entity reference loop" "$V" tcxml validate "$D/billion_laughs.xml"
expect 1 "doctype_internal.xml:[0-9]+: a DOCTYPE is not allowed" "$V" tcxml validate "$D/doctype_internal.xml"
expect 1 "xxe_trace.xml:4: .*external entity 'xxe'" "$V" tcxml run "$VMFLOW_SHARED_DIR/tracecompass-conformance/analyses/test_attributes.xml" "$D/xxe_trace.xml"

# usage
expect 2 "expects exactly one FILE.xml" "$V" tcxml validate
expect 2 "unknown subcommand 'frob'" "$V" tcxml frob
expect 1 "nosuch.xml: cannot open" "$V" tcxml validate "$VMFLOW_TEST_TMP/nosuch.xml"

if [ "$fails" != 0 ]; then
	echo "$fails failure(s)"
	exit 1
fi
echo "ok"
