/* SPDX-License-Identifier: MIT */
/*
 * test_atomic_out.c - output folders and files appear whole or not at all, and
 * vmflow never replaces a folder it did not write.
 */
#include "common/testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/atomic_out.h"

static int exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

static void test_dir_appears_only_at_commit(void **state)
{
	char out[4200], file[4300];
	struct vf_atomic_dir d;
	struct vf_error err = {0};
	FILE *fp;

	(void)state;
	snprintf(out, sizeof(out), "%s/out", vf_test_tmpdir("atomic_dir"));
	assert_int_equal(vf_atomic_dir_begin(&d, out, &err), VF_OK);
	assert_false(exists(out));
	snprintf(file, sizeof(file), "%s/a.txt", d.tmp_path);
	fp = fopen(file, "w");
	fputs("x\n", fp);
	fclose(fp);
	assert_int_equal(vf_atomic_dir_commit(&d, &err), VF_OK);
	snprintf(file, sizeof(file), "%s/a.txt", out);
	assert_true(exists(file));
	snprintf(file, sizeof(file), "%s/" VF_OUTPUT_MARKER, out);
	assert_true(exists(file));
	/* a second run replaces the first */
	assert_int_equal(vf_atomic_dir_begin(&d, out, &err), VF_OK);
	assert_int_equal(vf_atomic_dir_commit(&d, &err), VF_OK);
	snprintf(file, sizeof(file), "%s/a.txt", out);
	assert_false(exists(file));
}

static void test_abort_leaves_nothing(void **state)
{
	char out[4200], tmp[4200];
	struct vf_atomic_dir d;
	struct vf_error err = {0};

	(void)state;
	snprintf(out, sizeof(out), "%s/out", vf_test_tmpdir("atomic_abort"));
	assert_int_equal(vf_atomic_dir_begin(&d, out, &err), VF_OK);
	snprintf(tmp, sizeof(tmp), "%s", d.tmp_path);
	vf_atomic_dir_abort(&d);
	assert_false(exists(tmp));
	assert_false(exists(out));
}

static void test_foreign_folder_is_not_replaced(void **state)
{
	char out[4200], file[4300];
	struct vf_atomic_dir d;
	struct vf_error err = {0};
	FILE *fp;

	(void)state;
	snprintf(out, sizeof(out), "%s/mine", vf_test_tmpdir("atomic_foreign"));
	mkdir(out, 0755);
	snprintf(file, sizeof(file), "%s/thesis.tex", out);
	fp = fopen(file, "w");
	fputs("precious\n", fp);
	fclose(fp);
	assert_int_equal(vf_atomic_dir_begin(&d, out, &err), VF_ERR_IO);
	assert_string_equal(err.where, out);
	assert_non_null(strstr(err.msg, "not written by vmflow"));
	assert_true(exists(file));
}

static void test_file_commit_and_abort(void **state)
{
	char out[4200];
	struct vf_atomic_file f;
	struct vf_error err = {0};
	char *text;

	(void)state;
	snprintf(out, sizeof(out), "%s/truth.tsv", vf_test_tmpdir("atomic_file"));
	assert_int_equal(vf_atomic_file_begin(&f, out, &err), VF_OK);
	fputs("hello\n", f.fp);
	assert_false(exists(out));
	assert_int_equal(vf_atomic_file_commit(&f, &err), VF_OK);
	text = vf_test_read_file(out, NULL);
	assert_string_equal(text, "hello\n");
	free(text);
	assert_int_equal(vf_atomic_file_begin(&f, out, &err), VF_OK);
	fputs("half", f.fp);
	vf_atomic_file_abort(&f);
	text = vf_test_read_file(out, NULL);
	assert_string_equal(text, "hello\n");
	free(text);
}

static void test_file_in_missing_folder_names_the_path(void **state)
{
	struct vf_atomic_file f;
	struct vf_error err = {0};

	(void)state;
	assert_int_equal(vf_atomic_file_begin(&f, "/nonexistent-vmflow/x.tsv", &err), VF_ERR_IO);
	assert_string_equal(err.where, "/nonexistent-vmflow/x.tsv");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dir_appears_only_at_commit),
		cmocka_unit_test(test_abort_leaves_nothing),
		cmocka_unit_test(test_foreign_folder_is_not_replaced),
		cmocka_unit_test(test_file_commit_and_abort),
		cmocka_unit_test(test_file_in_missing_folder_names_the_path),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
