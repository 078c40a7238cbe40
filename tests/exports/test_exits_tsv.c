/* SPDX-License-Identifier: MIT */
/*
 * test_exits_tsv.c - exits.tsv from hand-built statistics rows: exact text,
 * sort order, per-vCPU shares, the per-VM "all" rows, unknown reason names.
 */
#include "common/testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exports/exits_tsv.h"
#include "model/exit_reasons.h"

static char *write_to_string(const struct vf_exit_stats *s)
{
	struct vf_error err = {0};
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	assert_non_null(fp);
	assert_int_equal(vf_exits_tsv_write(fp, s, &err), VF_OK);
	fclose(fp);
	return buf;
}

static void test_exits_tsv_is_exact_for_hand_built_rows(void **state)
{
	/* durations: VM 20 vCPU 1 HLT {100, 200}; vCPU 0 EPT_VIOLATION {5, 10, 15}, HLT {1000},
	 * reason 999 {7}; VM 5 (SVM) vCPU 0 HLT {100 x4}. Rows in "first appearance" order. */
	struct vf_exit_stat_row rows[] = {
	    {20, 1, VF_ISA_VMX, VF_VMX_EXIT_HLT, 2, 300, 100, 200, 100.0 * 100 + 200.0 * 200, 0},
	    {20, 0, VF_ISA_VMX, 999, 1, 7, 7, 7, 49.0, 0},
	    {20, 0, VF_ISA_VMX, VF_VMX_EXIT_HLT, 1, 1000, 1000, 1000, 1e6, 0},
	    {5, 0, VF_ISA_SVM, VF_SVM_EXIT_HLT, 4, 400, 100, 100, 40000.0, 0},
	    {20, 0, VF_ISA_VMX, 48, 3, 30, 5, 15, 25.0 + 100.0 + 225.0, 0},
	};
	struct vf_exit_stats s;
	char *text;

	(void)state;
	memset(&s, 0, sizeof(s));
	s.rows = rows;
	s.row_count = sizeof(rows) / sizeof(rows[0]);
	text = write_to_string(&s);
	assert_string_equal(text, "vm_pid\tvcpu_id\treason\tcount\tpercent\ttotal_ns\tmin_ns\tmax_"
	                          "ns\tmean_ns\tstddev_ns\n"
	                          "5\t0\tHLT\t4\t100.000\t400\t100\t100\t100.0\t0.0\n"
	                          "5\tall\tHLT\t4\t100.000\t400\t100\t100\t100.0\t0.0\n"
	                          /* vCPU 0: 5 exits; equal counts sort by reason name */
	                          "20\t0\tEPT_VIOLATION\t3\t60.000\t30\t5\t15\t10.0\t4.1\n"
	                          "20\t0\tHLT\t1\t20.000\t1000\t1000\t1000\t1000.0\t0.0\n"
	                          "20\t0\tUNKNOWN_999\t1\t20.000\t7\t7\t7\t7.0\t0.0\n"
	                          "20\t1\tHLT\t2\t100.000\t300\t100\t200\t150.0\t50.0\n"
	                          /* all vCPUs of VM 20: 7 exits; HLT merges {100, 200, 1000} */
	                          "20\tall\tEPT_VIOLATION\t3\t42.857\t30\t5\t15\t10.0\t4.1\n"
	                          "20\tall\tHLT\t3\t42.857\t1300\t100\t1000\t433.3\t402.8\n"
	                          "20\tall\tUNKNOWN_999\t1\t14.286\t7\t7\t7\t7.0\t0.0\n");
	free(text);
}

static void test_exits_tsv_of_no_exits_is_the_header(void **state)
{
	struct vf_exit_stats s;
	char *text;

	(void)state;
	memset(&s, 0, sizeof(s));
	text = write_to_string(&s);
	assert_string_equal(text, VF_EXITS_TSV_HEADER "\n");
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_exits_tsv_is_exact_for_hand_built_rows),
	    cmocka_unit_test(test_exits_tsv_of_no_exits_is_the_header),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
