/* SPDX-License-Identifier: MIT */
/*
 * test_conformance.c - every row of shared/tracecompass-conformance/expected/
 * {intervals,points,segments}.tsv against the tcxml engine. Rows that need
 * JavaScript are printed as SKIP with the reason; every other row must pass.
 */
#include "common/testutil.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcxml/model.h"

#define CONF VMFLOW_SHARED_DIR "/tracecompass-conformance"

struct tcase {
	const char *id;       /* case column */
	const char *ssid;     /* state_system_id / analysis_id column */
	const char *analysis; /* file in analyses/ */
	const char *trace;    /* file in traces/ */
	struct vf_tcx_file *f;
	struct vf_tcx_run *r;
};

static struct tcase cases[] = {
	{"C1-attributes", "test.xml.attributes", "test_attributes.xml", "testTrace1.xml", 0, 0},
	{"C2-conditions", "test.xml.conditions", "test_conditions.xml", "testTrace2.xml", 0, 0},
	{"C3-doubles", "test.xml.doubles", "test_doubles.xml", "testTrace3.xml", 0, 0},
	{"C4-state-values", "test.xml.attributes", "test_state_values.xml", "testTrace4.xml", 0, 0},
	{"C5-pattern-pool", "org.eclipse.tracecompass.xml.tests.statevaluescenarios",
	 "test_state_values_pattern.xml", "testTrace4.xml", 0, 0},
	{"C6-fsm-initial", "test.analysis.1", "test_initialState_element1.xml", "testTrace4.xml", 0,
	 0},
	{"C6-fsm-initial", "test.analysis.2", "test_initialState_element2.xml", "testTrace4.xml", 0,
	 0},
	{"C7-consuming-fsm", "syscall.analysis", "test_consuming_fsm.xml", "testTrace5.xml", 0, 0},
	{"C8-pattern-segment", "xml test pattern segment", "test_pattern_segment.xml",
	 "testTrace2.xml", 0, 0},
	{"C9-segment-time", "test.seg.duration", "test_segment_timestamp.xml", "testTrace2.xml", 0,
	 0},
	{"C10-pattern-simple", "xml.core.tests.simple.pattern", "test_valid_pattern_simple.xml",
	 "testTrace4.xml", 0, 0},
	{"C10-pattern-simple-views", "xml.core.tests.simple.pattern",
	 "test_valid_pattern_simple.xml", "testTrace4.xml", 0, 0},
};

static int passed, skipped, failed;

static struct tcase *get_case(const char *id, const char *ssid)
{
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tcase *c = &cases[i];

		if (strcmp(c->id, id) == 0 && strcmp(c->ssid, ssid) == 0) {
			if (!c->r) {
				char a[4096], t[4096];
				struct vf_error err = {0};
				struct vf_tcx_load_opts lo = {.allow_script = true};

				snprintf(a, sizeof(a), "%s/analyses/%s", CONF, c->analysis);
				snprintf(t, sizeof(t), "%s/traces/%s", CONF, c->trace);
				c->f = vf_tcx_load(a, &lo, &err);
				if (!c->f) {
					fail_msg("%s: %s: %s", c->id, err.where, err.msg);
				}
				c->r = vf_tcx_run_trace(c->f, c->ssid, t, &err);
				if (!c->r) {
					fail_msg("%s: run: %s: %s", c->id, err.where, err.msg);
				}
			}
			return c;
		}
	}
	fail_msg("unknown case %s / %s", id, ssid);
	return NULL;
}

/* Splits a TSV line in place; returns the field count. */
static int split(char *line, char **f, int max)
{
	int n = 0;
	char *p = line;

	line[strcspn(line, "\r\n")] = '\0';
	while (n < max) {
		char *tab = strchr(p, '\t');

		f[n++] = p;
		if (!tab) {
			break;
		}
		*tab = '\0';
		p = tab + 1;
	}
	return n;
}

static bool value_is(const struct vf_tcv *v, const char *type, const char *value)
{
	char buf[64];

	if (strcmp(vf_tcv_type_name(v->type), type) != 0) {
		return false;
	}
	if (v->type == VF_TCV_NULL) {
		return true;
	}
	return strcmp(vf_tcv_to_string(v, buf, sizeof(buf)), value) == 0;
}

static void result(bool ok, const char *what, const char *detail)
{
	if (ok) {
		passed++;
	} else {
		failed++;
		printf("FAIL %s: %s\n", what, detail);
	}
}

static bool needs_js(const char *note)
{
	return strstr(note, "JavaScript") != NULL;
}

static void test_intervals(void **state)
{
	char path[4096], line[4096];
	FILE *fp;

	(void)state;
	snprintf(path, sizeof(path), "%s/expected/intervals.tsv", CONF);
	fp = fopen(path, "r");
	assert_non_null(fp);
	assert_non_null(fgets(line, sizeof(line), fp)); /* header */
	while (fgets(line, sizeof(line), fp)) {
		char *f[10] = {0}, what[1024], detail[1024];
		int n = split(line, f, 10);
		struct tcase *c;
		struct vf_tcss *ss;
		uint32_t q;
		int64_t start, end;
		const struct vf_tcss_interval *iv;
		const char *note = n > 9 ? f[9] : "";

		assert_true(n >= 9);
		snprintf(what, sizeof(what), "%s %s %s [%s,%s] %s", f[0], f[1], f[2], f[3], f[4], f[5]);
		if (needs_js(note)) {
			skipped++;
			printf("SKIP %s: %s (vmflow has no JavaScript engine)\n", what, note);
			continue;
		}
		c = get_case(f[0], f[1]);
		ss = vf_tcx_run_ss(c->r);
		start = strtoll(f[3], NULL, 10);
		end = strtoll(f[4], NULL, 10);
		q = vf_tcss_find(ss, f[2]);
		iv = vf_tcss_query(ss, q, start);
		if (!iv) {
			result(false, what, "no interval");
			continue;
		}
		if (iv->start != start || iv->end != end) {
			snprintf(detail, sizeof(detail), "interval is [%" PRId64 ",%" PRId64 "]",
			         iv->start, iv->end);
			result(false, what, detail);
			continue;
		}
		if (strcmp(f[5], "stacktop") == 0) {
			char name[32];
			uint32_t top;
			const struct vf_tcss_interval *tv = NULL;

			if (iv->v.type == VF_TCV_INT) {
				snprintf(name, sizeof(name), "%" PRId64, iv->v.i);
				top = vf_tcss_child(ss, q, name, false);
				tv = vf_tcss_query(ss, top, start);
			}
			result(tv && value_is(&tv->v, f[6], f[7]), what, "wrong stack top");
		} else {
			char buf[64];

			snprintf(detail, sizeof(detail), "value is %s %s", vf_tcv_type_name(iv->v.type),
			         vf_tcv_to_string(&iv->v, buf, sizeof(buf)));
			result(value_is(&iv->v, f[6], f[7]), what, detail);
		}
	}
	fclose(fp);
}

static void test_points(void **state)
{
	char path[4096], line[4096];
	FILE *fp;

	(void)state;
	snprintf(path, sizeof(path), "%s/expected/points.tsv", CONF);
	fp = fopen(path, "r");
	assert_non_null(fp);
	assert_non_null(fgets(line, sizeof(line), fp));
	while (fgets(line, sizeof(line), fp)) {
		char *f[9] = {0}, what[1024];
		int n = split(line, f, 9);
		struct tcase *c;
		struct vf_tcss *ss;
		uint32_t q;

		assert_true(n >= 8);
		snprintf(what, sizeof(what), "%s %s %s @%s %s", f[0], f[1], f[2], f[3], f[4]);
		c = get_case(f[0], f[1]);
		ss = vf_tcx_run_ss(c->r);
		q = strcmp(f[2], "(root)") == 0 ? VF_TCSS_ROOT : vf_tcss_find(ss, f[2]);
		if (strcmp(f[4], "absent") == 0) {
			result(q == VF_TCSS_NONE, what, "attribute exists");
		} else if (strcmp(f[4], "child_count") == 0) {
			uint32_t want = (uint32_t)strtoul(f[5], NULL, 10);
			/* the root of a pattern also holds "scenarios"; Trace Compass counts it too,
			 * and no pattern case asserts the root */
			result(q != VF_TCSS_NONE && ss->attrs[q].child_count == want, what,
			       "wrong child count");
		} else {
			const struct vf_tcss_interval *iv = vf_tcss_query(ss, q, strtoll(f[3], NULL, 10));

			result(iv && value_is(&iv->v, f[4], f[5]), what, "wrong value");
		}
	}
	fclose(fp);
}

static void test_segments(void **state)
{
	char path[4096], line[4096];
	FILE *fp;

	(void)state;
	snprintf(path, sizeof(path), "%s/expected/segments.tsv", CONF);
	fp = fopen(path, "r");
	assert_non_null(fp);
	assert_non_null(fgets(line, sizeof(line), fp));
	while (fgets(line, sizeof(line), fp)) {
		char *f[9] = {0}, what[1024], detail[1024];
		int n = split(line, f, 9);
		struct tcase *c;
		size_t count, idx;
		const struct vf_tcx_segment_out *segs;
		struct vf_tcx_segment_out *sorted;
		size_t i, j;

		assert_true(n >= 7);
		snprintf(what, sizeof(what), "%s %s segment %s", f[0], f[1], f[2]);
		c = get_case(f[0], f[1]);
		segs = vf_tcx_run_segments(c->r, &count);
		idx = strtoul(f[2], NULL, 10);
		/* store order: by start, then end (insertion sort keeps ties stable) */
		sorted = calloc(count ? count : 1, sizeof(*sorted));
		assert_non_null(sorted);
		for (i = 0; i < count; i++) {
			for (j = i; j > 0 && (sorted[j - 1].start > segs[i].start ||
			                      (sorted[j - 1].start == segs[i].start &&
			                       sorted[j - 1].end > segs[i].end));
			     j--) {
				sorted[j] = sorted[j - 1];
			}
			sorted[j] = segs[i];
		}
		if (idx >= count) {
			snprintf(detail, sizeof(detail), "only %zu segments", count);
			result(false, what, detail);
		} else {
			const struct vf_tcx_segment_out *s = &sorted[idx];

			snprintf(detail, sizeof(detail), "got [%" PRId64 ",%" PRId64 "] %s %s", s->start,
			         s->end, s->name, s->content);
			result(s->start == strtoll(f[3], NULL, 10) && s->end == strtoll(f[4], NULL, 10) &&
			           strcmp(s->name, f[5]) == 0 && strcmp(s->content, f[6]) == 0,
			       what, detail);
		}
		free(sorted);
	}
	fclose(fp);
}

static void test_segment_counts(void **state)
{
	/* C9: 4 segments (asserted); C6 analysis 2: exactly 1; C10: exactly 1; C8: 4 */
	static const struct {
		const char *id, *ssid;
		size_t n;
	} want[] = {{"C9-segment-time", "test.seg.duration", 4},
	            {"C6-fsm-initial", "test.analysis.2", 1},
	            {"C10-pattern-simple", "xml.core.tests.simple.pattern", 1},
	            {"C8-pattern-segment", "xml test pattern segment", 4},
	            {"C7-consuming-fsm", "syscall.analysis", 1}};
	size_t i, count;

	(void)state;
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		vf_tcx_run_segments(get_case(want[i].id, want[i].ssid)->r, &count);
		assert_int_equal(count, want[i].n);
	}
}

static void test_summary(void **state)
{
	size_t i;

	(void)state;
	printf("conformance rows: %d passed, %d skipped, %d failed\n", passed, skipped, failed);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		vf_tcx_run_free(cases[i].r);
		vf_tcx_file_free(cases[i].f);
		cases[i].r = NULL;
		cases[i].f = NULL;
	}
	assert_int_equal(failed, 0);
	/* 91 rows without JavaScript, 29 that need it (script values and script futureTime) */
	assert_int_equal(passed, 91);
	assert_int_equal(skipped, 29);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_intervals),
		cmocka_unit_test(test_points),
		cmocka_unit_test(test_segments),
		cmocka_unit_test(test_segment_counts),
		cmocka_unit_test(test_summary),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
