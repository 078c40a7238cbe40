/* SPDX-License-Identifier: MIT */
/*
 * test_manifest.c - corpus/manifest: read, put (add and replace), remove,
 * write sorted, and one-line errors naming file:line for malformed rows.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "corpus/manifest.h"

#define DIR VMFLOW_TEST_TMP "/manifest"

static void put_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

static char *slurp(const char *path)
{
	static char buf[4096];
	FILE *fp = fopen(path, "r");
	size_t n;

	assert_non_null(fp);
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	buf[n] = '\0';
	fclose(fp);
	return buf;
}

static void test_round_trip(void **state)
{
	struct vf_manifest m = {0};
	struct vf_error err = {0};
	struct vf_manifest_row r = {"alpha", "7", "aa", "bb", "all=99.000"}, *got;

	(void)state;
	put_file(DIR "/m.tsv", "# comment\n\nzeta\t1\tt1\tu1\tall=100.000\nreal/x\t-\tt2\t-\t-\n");
	assert_int_equal(vf_manifest_read(DIR "/m.tsv", &m, &err), VF_OK);
	assert_int_equal(m.count, 2);
	got = vf_manifest_find(&m, "real/x");
	assert_non_null(got);
	assert_string_equal(got->trace_sha256, "t2");
	assert_string_equal(got->truth_sha256, "-");
	assert_int_equal(vf_manifest_put(&m, &r, &err), VF_OK);
	r.seed = "8";
	r.name = "zeta";
	assert_int_equal(vf_manifest_put(&m, &r, &err), VF_OK);
	assert_int_equal(m.count, 3);
	assert_string_equal(vf_manifest_find(&m, "zeta")->seed, "8");
	vf_manifest_remove(&m, "real/x");
	vf_manifest_remove(&m, "not-there");
	assert_int_equal(m.count, 2);
	assert_int_equal(vf_manifest_write(&m, DIR "/out.tsv", &err), VF_OK);
	vf_manifest_free(&m);
	assert_string_equal(strchr(strchr(slurp(DIR "/out.tsv"), '\n') + 1, '\n') + 1,
			    "alpha\t7\taa\tbb\tall=99.000\nzeta\t8\taa\tbb\tall=99.000\n");
}

static void test_missing_is_empty(void **state)
{
	struct vf_manifest m = {0};
	struct vf_error err = {0};

	(void)state;
	assert_int_equal(vf_manifest_read(DIR "/none.tsv", &m, &err), VF_OK);
	assert_int_equal(m.count, 0);
}

static void test_malformed(void **state)
{
	struct vf_manifest m = {0};
	struct vf_error err = {0};

	(void)state;
	put_file(DIR "/bad.tsv", "# c\na\t1\tt\tu\tx\nb\t1\tt\n");
	assert_int_equal(vf_manifest_read(DIR "/bad.tsv", &m, &err), VF_ERR_INPUT);
	assert_string_equal(err.where, DIR "/bad.tsv:3");
	assert_non_null(strstr(err.msg, "expected 5 tab-separated fields"));
	vf_manifest_free(&m);

	memset(&err, 0, sizeof(err));
	put_file(DIR "/dup.tsv", "a\t1\tt\tu\tx\na\t2\tt\tu\tx\n");
	assert_int_equal(vf_manifest_read(DIR "/dup.tsv", &m, &err), VF_ERR_INPUT);
	assert_string_equal(err.where, DIR "/dup.tsv:2");
	assert_string_equal(err.msg, "scenario 'a' listed twice");
	vf_manifest_free(&m);

	memset(&err, 0, sizeof(err));
	put_file(DIR "/six.tsv", "a\t1\tt\tu\tx\textra\n");
	assert_int_equal(vf_manifest_read(DIR "/six.tsv", &m, &err), VF_ERR_INPUT);
	assert_string_equal(err.where, DIR "/six.tsv:1");
	vf_manifest_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_trip),
	    cmocka_unit_test(test_missing_is_empty),
	    cmocka_unit_test(test_malformed),
	};

	mkdir(VMFLOW_TEST_TMP, 0755);
	mkdir(DIR, 0755);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
