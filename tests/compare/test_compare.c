/* SPDX-License-Identifier: MIT */
/*
 * test_compare.c - `vmflow compare` and compare/compare.c on hand-written
 * states.tsv pairs with exactly known agreement: overall, per value, the
 * confusion matrix, missing and extra paths, --min exit codes, --json,
 * --path-prefix, malformed input and usage errors.
 */
#include "common/testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare/compare.h"

#define H    "path\tstart\tend\tvalue\n"
#define CPU0 "VMs/1/vCPUs/0/Status"
#define CPU1 "VMs/1/vCPUs/1/Status"

static char dir[4096];

static void put(const char *name, const char *text)
{
	char path[4200];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fp = fopen(path, "wb");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

/* Runs `vmflow compare ARGS` inside dir; stdout (and stderr with "2>&1" in args) into out. */
static int run(const char *args, char *out, size_t out_size)
{
	char cmd[9000];

	snprintf(cmd, sizeof(cmd), "cd '%s' && '%s' compare %s", dir, VMFLOW_BIN, args);
	return vf_test_run(cmd, out, out_size);
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "%s", vf_test_tmpdir("compare"));
	/* 3 of 4 ms agree: the truth's last ms is hypervisor, the result says guest */
	put("t1.tsv", H CPU0 "\t0\t3000000\tguest\n" CPU0 "\t3000000\t4000000\thypervisor\n");
	put("r1.tsv", H CPU0 "\t0\t4000000\tguest\n");
	/* the result misses vCPU 1 entirely and adds a path the truth does not have */
	put("t2.tsv", H CPU0 "\t0\t1000\tguest\n" CPU1 "\t0\t1000\tguest\n");
	put("r2.tsv", H CPU0 "\t0\t1000\tguest\n"
	                     "VMs/1/vCPUs/2/Status\t0\t500\twait_timer\n");
	/* partial overlaps and result time outside the truth */
	put("t3.tsv", H "a\t0\t10\tA\n"
	                "a\t10\t20\tB\n");
	put("r3.tsv", H "a\t5\t15\tA\n"
	                "a\t15\t30\tB\n");
	put("bad.tsv", H CPU0 "\t0\t10\tguest\n" CPU0 "\tx\t20\tguest\n");
	put("empty.tsv", H);
	return 0;
}

static void test_three_of_four_ms_agree_is_75_percent(void **state)
{
	char out[8192];

	(void)state;
	assert_int_equal(run("t1.tsv r1.tsv 2>&1", out, sizeof(out)), 0);
	assert_string_equal(
	    out,
	    "truth:  t1.tsv\n"
	    "result: r1.tsv\n"
	    "agreement: 75.000% (3000000 of 4000000 ns of truth time, 1 path)\n"
	    "result time where the truth has no value: 0 ns\n"
	    "extra paths (only in the result): 0 (0 ns)\n"
	    "\n"
	    "per truth value:\n"
	    "  value       truth_ns  agreed_ns  agreement\n"
	    "  guest        3000000    3000000   100.000%\n"
	    "  hypervisor   1000000          0     0.000%\n"
	    "\n"
	    "confusion matrix (truth value -> result value; percent of the truth value's time):\n"
	    "  truth       result  time_ns   percent\n"
	    "  guest       guest   3000000  100.000%\n"
	    "  hypervisor  guest   1000000  100.000%\n"
	    "\n"
	    "worst paths (lowest agreement first, 1 of 1):\n"
	    "  path                  truth_ns  agreed_ns  agreement\n"
	    "  VMs/1/vCPUs/0/Status   4000000    3000000    75.000%\n");
}

static void test_min_sets_the_exit_code(void **state)
{
	char out[8192];

	(void)state;
	assert_int_equal(run("t1.tsv r1.tsv --min 75 >/dev/null 2>&1", NULL, 0), 0);
	assert_int_equal(run("--min 75.001 t1.tsv r1.tsv 2>&1 >/dev/null", out, sizeof(out)), 1);
	assert_string_equal(out, "vmflow: agreement 75.000% is below --min 75.001\n");
	assert_int_equal(run("t1.tsv r1.tsv --min=99.9 2>&1 >/dev/null", out, sizeof(out)), 1);
	assert_string_equal(out, "vmflow: agreement 75.000% is below --min 99.9\n");
	assert_int_equal(run("t1.tsv t1.tsv --min 100 >/dev/null 2>&1", NULL, 0), 0);
	/* no truth time: the bound cannot be met */
	assert_int_equal(run("empty.tsv r1.tsv --min 0 2>&1 >/dev/null", out, sizeof(out)), 1);
	assert_non_null(strstr(out, "the truth has no interval"));
	assert_int_equal(run("empty.tsv r1.tsv >/dev/null 2>&1", NULL, 0), 0);
}

static void test_missing_result_path_disagrees_and_extra_path_is_apart(void **state)
{
	char out[8192];

	(void)state;
	assert_int_equal(run("t2.tsv r2.tsv 2>&1", out, sizeof(out)), 0);
	assert_string_equal(
	    out,
	    "truth:  t2.tsv\n"
	    "result: r2.tsv\n"
	    "agreement: 50.000% (1000 of 2000 ns of truth time, 2 paths)\n"
	    "result time where the truth has no value: 0 ns\n"
	    "extra paths (only in the result): 1 (500 ns)\n"
	    "  VMs/1/vCPUs/2/Status\n"
	    "\n"
	    "per truth value:\n"
	    "  value  truth_ns  agreed_ns  agreement\n"
	    "  guest      2000       1000    50.000%\n"
	    "\n"
	    "confusion matrix (truth value -> result value; percent of the truth value's time):\n"
	    "  truth  result  time_ns  percent\n"
	    "  guest  (none)     1000  50.000%\n"
	    "  guest  guest      1000  50.000%\n"
	    "\n"
	    "worst paths (lowest agreement first, 2 of 2):\n"
	    "  path                  truth_ns  agreed_ns  agreement\n"
	    "  VMs/1/vCPUs/1/Status      1000          0     0.000%\n"
	    "  VMs/1/vCPUs/0/Status      1000       1000   100.000%\n");
}

static void test_partial_overlaps_are_cut_exactly(void **state)
{
	struct vf_error err = {0};
	struct vf_compare_result *r = NULL;
	char t[4200], res[4200];
	size_t i;
	uint64_t a_a = 0, a_none = 0, b_a = 0, b_b = 0;

	(void)state;
	snprintf(t, sizeof(t), "%s/t3.tsv", dir);
	snprintf(res, sizeof(res), "%s/r3.tsv", dir);
	assert_int_equal(vf_compare_files(t, res, NULL, &r, &err), VF_OK);
	/* truth A [0,10) vs result A [5,15): 5 none + 5 agreed; truth B [10,20): 5 as A, 5 agreed
	 */
	assert_int_equal(r->truth_ns, 20);
	assert_int_equal(r->agreed_ns, 10);
	/* result [20,30) has no truth under it */
	assert_int_equal(r->result_only_ns, 10);
	assert_int_equal(r->truth_path_count, 1);
	assert_int_equal(r->extra_path_count, 0);
	for (i = 0; i < r->cell_count; i++) {
		const char *tv = vf_compare_value_name(r, r->cells[i].truth_value);
		const char *rv = vf_compare_value_name(r, r->cells[i].result_value);

		if (!strcmp(tv, "A") && !strcmp(rv, "A")) {
			a_a = r->cells[i].ns;
		} else if (!strcmp(tv, "A") && !strcmp(rv, "(none)")) {
			a_none = r->cells[i].ns;
		} else if (!strcmp(tv, "B") && !strcmp(rv, "A")) {
			b_a = r->cells[i].ns;
		} else if (!strcmp(tv, "B") && !strcmp(rv, "B")) {
			b_b = r->cells[i].ns;
		} else {
			fail_msg("unexpected cell %s -> %s", tv, rv);
		}
	}
	assert_int_equal(r->cell_count, 4);
	assert_int_equal(a_a, 5);
	assert_int_equal(a_none, 5);
	assert_int_equal(b_a, 5);
	assert_int_equal(b_b, 5);
	assert_int_equal(r->paths[0].result_ns, 25);
	vf_compare_result_free(r);
}

static void test_json_report_is_exact(void **state)
{
	char path[4200], *text;

	(void)state;
	assert_int_equal(run("t2.tsv r2.tsv --json out.json >/dev/null 2>&1", NULL, 0), 0);
	snprintf(path, sizeof(path), "%s/out.json", dir);
	text = vf_test_read_file(path, NULL);
	assert_non_null(text);
	assert_string_equal(
	    text,
	    "{\n"
	    "  \"truth\": \"t2.tsv\",\n"
	    "  \"result\": \"r2.tsv\",\n"
	    "  \"path_prefix\": null,\n"
	    "  \"truth_ns\": 2000,\n"
	    "  \"agreed_ns\": 1000,\n"
	    "  \"agreement_percent\": 50.000,\n"
	    "  \"result_only_ns\": 0,\n"
	    "  \"extra_path_count\": 1,\n"
	    "  \"extra_ns\": 500,\n"
	    "  \"values\": [\n"
	    "    {\"value\": \"guest\", \"truth_ns\": 2000, \"agreed_ns\": 1000, "
	    "\"agreement_percent\": 50.000}\n"
	    "  ],\n"
	    "  \"confusion\": [\n"
	    "    {\"truth\": \"guest\", \"result\": \"(none)\", \"ns\": 1000, \"percent\": "
	    "50.000},\n"
	    "    {\"truth\": \"guest\", \"result\": \"guest\", \"ns\": 1000, \"percent\": 50.000}\n"
	    "  ],\n"
	    "  \"paths\": [\n"
	    "    {\"path\": \"VMs/1/vCPUs/0/Status\", \"truth_ns\": 1000, \"agreed_ns\": 1000, "
	    "\"result_ns\": 1000, \"agreement_percent\": 100.000},\n"
	    "    {\"path\": \"VMs/1/vCPUs/1/Status\", \"truth_ns\": 1000, \"agreed_ns\": 0, "
	    "\"result_ns\": 0, \"agreement_percent\": 0.000}\n"
	    "  ],\n"
	    "  \"extra_paths\": [\n"
	    "    {\"path\": \"VMs/1/vCPUs/2/Status\", \"result_ns\": 500}\n"
	    "  ]\n"
	    "}\n");
	free(text);
}

static void test_path_prefix_selects_paths(void **state)
{
	char out[8192];

	(void)state;
	assert_int_equal(run("t2.tsv r2.tsv --path-prefix VMs/1/vCPUs/0/ 2>&1", out, sizeof(out)),
	                 0);
	assert_non_null(strstr(out,
	                       "paths:  VMs/1/vCPUs/0/*\n"
	                       "agreement: 100.000% (1000 of 1000 ns of truth time, 1 path)\n"));
	assert_non_null(strstr(out, "extra paths (only in the result): 0 (0 ns)\n"));
	assert_int_equal(run("t2.tsv r2.tsv --path-prefix VMs/9/ 2>&1", out, sizeof(out)), 0);
	assert_non_null(
	    strstr(out, "agreement: n/a (the truth has no interval under that prefix)\n"));
}

static void test_malformed_input_is_one_line_with_file_and_line(void **state)
{
	char out[8192];

	(void)state;
	assert_int_equal(run("t1.tsv bad.tsv 2>&1", out, sizeof(out)), 1);
	assert_string_equal(out, "vmflow: bad.tsv:3: start 'x' is not an integer number of ns\n");
	assert_int_equal(run("bad.tsv t1.tsv 2>&1", out, sizeof(out)), 1);
	assert_string_equal(out, "vmflow: bad.tsv:3: start 'x' is not an integer number of ns\n");
	assert_int_equal(run("missing.tsv t1.tsv 2>&1", out, sizeof(out)), 1);
	assert_string_equal(out, "vmflow: missing.tsv: cannot open: No such file or directory\n");
}

static void test_usage_errors_exit_2_and_help_exits_0(void **state)
{
	char out[8192];

	(void)state;
	assert_int_equal(run("2>&1", out, sizeof(out)), 2);
	assert_non_null(strstr(out, "expected TRUTH.tsv and RESULT.tsv, got 0 files"));
	assert_int_equal(run("t1.tsv >/dev/null 2>&1", NULL, 0), 2);
	assert_int_equal(run("t1.tsv r1.tsv extra.tsv >/dev/null 2>&1", NULL, 0), 2);
	assert_int_equal(run("t1.tsv r1.tsv --min abc 2>&1", out, sizeof(out)), 2);
	assert_non_null(strstr(out, "--min needs a percentage between 0 and 100, not 'abc'"));
	assert_int_equal(run("t1.tsv r1.tsv --min 101 >/dev/null 2>&1", NULL, 0), 2);
	assert_int_equal(run("t1.tsv r1.tsv --min >/dev/null 2>&1", NULL, 0), 2);
	assert_int_equal(run("t1.tsv r1.tsv --frobnicate 2>&1", out, sizeof(out)), 2);
	assert_non_null(strstr(out, "unknown option '--frobnicate'"));
	assert_int_equal(run("--help 2>/dev/null", out, sizeof(out)), 0);
	assert_non_null(strstr(out, "Usage: vmflow compare TRUTH.tsv RESULT.tsv"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_three_of_four_ms_agree_is_75_percent),
	    cmocka_unit_test(test_min_sets_the_exit_code),
	    cmocka_unit_test(test_missing_result_path_disagrees_and_extra_path_is_apart),
	    cmocka_unit_test(test_partial_overlaps_are_cut_exactly),
	    cmocka_unit_test(test_json_report_is_exact),
	    cmocka_unit_test(test_path_prefix_selects_paths),
	    cmocka_unit_test(test_malformed_input_is_one_line_with_file_and_line),
	    cmocka_unit_test(test_usage_errors_exit_2_and_help_exits_0),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
