/* SPDX-License-Identifier: MIT */
/*
 * test_states_tsv.c - states.tsv writer (exact text, round trip, a file of
 * many MiB streamed to disk with the same bytes) and the validating reader:
 * every error names file:line and the problem.
 */
#include "common/testutil.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "exports/states_tsv.h"
#include "vmflow/history.h"

static const char *write_text(const char *dir, const char *name, const char *text, size_t len)
{
	static char path[4096];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fp = fopen(path, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(text, 1, len, fp), len);
	fclose(fp);
	return path;
}

static void test_writer_sorts_by_path_then_start_with_header(void **state)
{
	struct vf_error err = {0};
	struct vf_history *h = vf_history_new(NULL, &err);
	uint32_t b = vf_history_path(h, "VMs/2/vCPUs/0/Status");
	uint32_t a = vf_history_path(h, "VMs/10/vCPUs/0/Exit");
	uint32_t guest = vf_history_value(h, "guest"), hyp = vf_history_value(h, "hypervisor");
	uint32_t hlt = vf_history_value(h, "HLT");
	const char *dir = vf_test_tmpdir("states_tsv_writer");
	char path[4096], *text;
	FILE *fp;

	(void)state;
	assert_int_equal(vf_history_add(h, b, 0, 10, guest, &err), VF_OK);
	assert_int_equal(vf_history_add(h, a, -5, 7, hlt, &err), VF_OK);
	assert_int_equal(vf_history_add(h, b, 10, 20, hyp, &err), VF_OK);
	assert_int_equal(vf_history_add(h, b, 25, 9000000000000, guest, &err), VF_OK);
	snprintf(path, sizeof(path), "%s/states.tsv", dir);
	fp = fopen(path, "wb");
	assert_int_equal(vf_states_tsv_write(fp, h, &err), VF_OK);
	fclose(fp);
	text = vf_test_read_file(path, NULL);
	assert_string_equal(text, "path\tstart\tend\tvalue\n"
	                          "VMs/10/vCPUs/0/Exit\t-5\t7\tHLT\n"
	                          "VMs/2/vCPUs/0/Status\t0\t10\tguest\n"
	                          "VMs/2/vCPUs/0/Status\t10\t20\thypervisor\n"
	                          "VMs/2/vCPUs/0/Status\t25\t9000000000000\tguest\n");
	free(text);
	vf_history_free(h);
}

static void test_round_trip_reads_back_every_interval(void **state)
{
	struct vf_error err = {0};
	struct vf_history *h = vf_history_new(NULL, &err);
	uint32_t p[3], v[2];
	const char *dir = vf_test_tmpdir("states_tsv_round_trip");
	char path[4096];
	struct vf_states_tsv_reader *r;
	struct vf_states_tsv_row row;
	FILE *fp;
	int eof, i, k;

	(void)state;
	p[0] = vf_history_path(h, "c");
	p[1] = vf_history_path(h, "a");
	p[2] = vf_history_path(h, "b/x");
	v[0] = vf_history_value(h, "x y");
	v[1] = vf_history_value(h, "0x7f00aa");
	for (i = 0; i < 1000; i++) {
		for (k = 0; k < 3; k++) {
			assert_int_equal(
			    vf_history_add(h, p[k], i * 10, i * 10 + 3 + k, v[(i + k) % 2], &err),
			    VF_OK);
		}
	}
	snprintf(path, sizeof(path), "%s/states.tsv", dir);
	fp = fopen(path, "wb");
	assert_int_equal(vf_states_tsv_write(fp, h, &err), VF_OK);
	fclose(fp);

	r = vf_states_tsv_reader_open(path, &err);
	assert_non_null(r);
	/* order a, b/x, c; line 1 is the header */
	for (k = 0; k < 3; k++) {
		static const char *const names[] = {"a", "b/x", "c"};
		static const int pk[] = {1, 2, 0};

		for (i = 0; i < 1000; i++) {
			assert_int_equal(vf_states_tsv_reader_next(r, &row, &eof, &err), VF_OK);
			assert_int_equal(eof, 0);
			assert_string_equal(row.path, names[k]);
			assert_int_equal(row.start_ns, i * 10);
			assert_int_equal(row.end_ns, i * 10 + 3 + pk[k]);
			assert_string_equal(row.value, (i + pk[k]) % 2 ? "0x7f00aa" : "x y");
			assert_int_equal(row.line_no, 2 + k * 1000 + i);
		}
	}
	assert_int_equal(vf_states_tsv_reader_next(r, &row, &eof, &err), VF_OK);
	assert_int_equal(eof, 1);
	vf_states_tsv_reader_close(r);
	vf_history_free(h);
}

/* Writes h's states.tsv to path after `prefix` (may be ""); returns the file's bytes. */
static char *write_states(const char *path, const char *prefix, struct vf_history *h, size_t *size)
{
	struct vf_error err = {0};
	FILE *fp = fopen(path, "wb");

	assert_non_null(fp);
	fputs(prefix, fp);
	assert_int_equal(vf_states_tsv_write(fp, h, &err), VF_OK);
	assert_int_equal(fclose(fp), 0);
	return vf_test_read_file(path, size);
}

/*
 * A states.tsv of many MiB goes to disk as it is written (common/write_behind.h):
 * the same bytes as without write-behind, also when the file does not start at
 * offset 0, and its first MiB is no longer in the page cache at the end.
 */
static void test_large_file_is_streamed_with_the_same_bytes(void **state)
{
	struct vf_error err = {0};
	struct vf_history *h = vf_history_new(NULL, &err);
	const char *dir = vf_test_tmpdir("states_tsv_streamed");
	char a[4200], b[4200], c[4200];
	char *ta, *tb, *tc;
	size_t na, nb, nc;
	uint32_t p[3], v[3];
	unsigned char vec[256];
	void *map;
	int fd;

	(void)state;
	p[0] = vf_history_path(h, "VMs/4242/vCPUs/0/Status");
	p[1] = vf_history_path(h, "VMs/4242/vCPUs/1/Status");
	p[2] = vf_history_path(h, "VMs/4242/vCPUs/0/Exit");
	v[0] = vf_history_value(h, "guest");
	v[1] = vf_history_value(h, "hypervisor");
	v[2] = vf_history_value(h, "EPT_VIOLATION");
	for (int64_t i = 0; i < 100000; i++) {
		int64_t t = 1700000000000000000 + i * 1000;

		for (int k = 0; k < 3; k++) {
			assert_int_equal(vf_history_add(h, p[k], t, t + 500 + k, v[(i + k) % 3], &err),
					 VF_OK);
		}
	}
	snprintf(a, sizeof(a), "%s/streamed.tsv", dir);
	snprintf(b, sizeof(b), "%s/buffered.tsv", dir);
	snprintf(c, sizeof(c), "%s/prefixed.tsv", dir);
	setenv("VMFLOW_WRITE_BEHIND", "1", 1); /* from 1 MiB on (a real states.tsv: 64 MiB) */
	ta = write_states(a, "", h, &na);
	tc = write_states(c, "12345", h, &nc);
	setenv("VMFLOW_WRITE_BEHIND", "0", 1);
	tb = write_states(b, "", h, &nb);
	unsetenv("VMFLOW_WRITE_BEHIND");
	assert_true(na > 12u << 20); /* 300,000 rows: the write-behind (from 1 MiB) starts */
	assert_int_equal(na, nb);
	assert_memory_equal(ta, tb, na);
	assert_int_equal(nc, na + 5);
	assert_memory_equal(tc, "12345", 5);
	assert_memory_equal(tc + 5, ta, na);
	free(ta);
	free(tb);
	free(tc);
	vf_history_free(h);

	/* reading them back cached them: write it once more, then look */
	fd = open(a, O_RDONLY);
	assert_true(fd >= 0);
	if (sync_file_range(fd, 0, 4096, SYNC_FILE_RANGE_WRITE) != 0) {
		close(fd);
		skip(); /* no sync_file_range on this file system: nothing is streamed */
	}
	close(fd);
	h = vf_history_new(NULL, &err);
	p[0] = vf_history_path(h, "VMs/4242/vCPUs/0/Status");
	v[0] = vf_history_value(h, "guest");
	/* ~45 MB: beyond the 1 MiB start plus the write-behind window */
	for (int64_t i = 0; i < 900000; i++) {
		assert_int_equal(vf_history_add(h, p[0], i * 1000, i * 1000 + 500, v[0], &err), VF_OK);
	}
	{
		FILE *fp = fopen(a, "wb");

		assert_non_null(fp);
		setenv("VMFLOW_WRITE_BEHIND", "1", 1);
		assert_int_equal(vf_states_tsv_write(fp, h, &err), VF_OK);
		unsetenv("VMFLOW_WRITE_BEHIND");
		assert_int_equal(fclose(fp), 0);
	}
	vf_history_free(h);
	fd = open(a, O_RDONLY);
	map = mmap(NULL, 1u << 20, PROT_READ, MAP_SHARED, fd, 0);
	assert_true(map != MAP_FAILED);
	assert_int_equal(mincore(map, 1u << 20, vec), 0);
	for (size_t i = 0; i < (1u << 20) / (size_t)sysconf(_SC_PAGESIZE); i++) {
		if (vec[i] & 1) {
			fail_msg("page %zu of the first MiB of %s is still cached", i, a);
		}
	}
	munmap(map, 1u << 20);
	close(fd);
}

static void test_writer_refuses_a_value_with_a_tab(void **state)
{
	struct vf_error err = {0};
	struct vf_history *h = vf_history_new(NULL, &err);
	uint32_t p = vf_history_path(h, "a");
	FILE *fp = tmpfile();

	(void)state;
	assert_int_equal(vf_history_add(h, p, 0, 1, vf_history_value(h, "bad\tvalue"), &err),
	                 VF_OK);
	assert_int_equal(vf_states_tsv_write(fp, h, &err), VF_ERR_INTERNAL);
	assert_non_null(strstr(err.msg, "holds a tab or line break"));
	fclose(fp);
	vf_history_free(h);
}

static void test_reader_accepts_crlf_and_a_last_line_without_newline(void **state)
{
	const char *dir = vf_test_tmpdir("states_tsv_crlf");
	static const char text[] = "path\tstart\tend\tvalue\r\na\t1\t2\tx\r\na\t2\t5\ty";
	const char *path = write_text(dir, "crlf.tsv", text, sizeof(text) - 1);
	struct vf_error err = {0};
	struct vf_states_tsv_reader *r = vf_states_tsv_reader_open(path, &err);
	struct vf_states_tsv_row row;
	int eof;

	(void)state;
	assert_non_null(r);
	assert_int_equal(vf_states_tsv_reader_next(r, &row, &eof, &err), VF_OK);
	assert_string_equal(row.value, "x");
	assert_int_equal(vf_states_tsv_reader_next(r, &row, &eof, &err), VF_OK);
	assert_int_equal(eof, 0);
	assert_string_equal(row.path, "a");
	assert_int_equal(row.start_ns, 2);
	assert_int_equal(row.end_ns, 5);
	assert_string_equal(row.value, "y");
	assert_int_equal(vf_states_tsv_reader_next(r, &row, &eof, &err), VF_OK);
	assert_int_equal(eof, 1);
	vf_states_tsv_reader_close(r);
}

struct bad_case {
	const char *name;
	const char *text;
	size_t len;      /* 0: strlen(text) */
	int at_open;     /* the error comes from open (header) */
	unsigned line;   /* expected line in err.where */
	const char *msg; /* expected substring of err.msg */
};

#define H "path\tstart\tend\tvalue\n"
static const struct bad_case bad_cases[] = {
    {"empty", "", 0, 1, 1, "empty file"},
    {"header", "path\tstart\tend\n", 0, 1, 1, "not a states.tsv header"},
    {"header_case", "Path\tstart\tend\tvalue\n", 0, 1, 1, "not a states.tsv header"},
    {"three_fields", H "a\t1\t2\n", 0, 0, 2, "3 tab-separated fields, expected 4"},
    {"five_fields", H "a\t1\t2\tx\ty\n", 0, 0, 2, "more than 4 tab-separated fields"},
    {"empty_path", H "\t1\t2\tx\n", 0, 0, 2, "empty path"},
    {"empty_value", H "a\t1\t2\t\n", 0, 0, 2, "empty value"},
    {"start_text", H "a\t1\t2\tx\na\t3x\t4\tx\n", 0, 0, 3, "start '3x' is not an integer"},
    {"start_blank", H "a\t\t4\tx\n", 0, 0, 2, "start '' is not an integer"},
    {"end_overflow", H "a\t1\t9223372036854775808\tx\n", 0, 0, 2,
     "end '9223372036854775808' is not an integer"},
    {"end_float", H "a\t1\t2.5\tx\n", 0, 0, 2, "end '2.5' is not an integer"},
    {"start_not_before_end", H "a\t5\t5\tx\n", 0, 0, 2, "start 5 is not before end 5"},
    {"path_order", H "b\t1\t2\tx\na\t1\t2\tx\n", 0, 0, 3, "not sorted: path 'a' comes after 'b'"},
    {"path_returns", H "a\t1\t2\tx\nb\t1\t2\tx\na\t3\t4\tx\n", 0, 0, 4,
     "not sorted: path 'a' comes after 'b'"},
    {"start_order", H "a\t10\t20\tx\na\t1\t2\tx\n", 0, 0, 3,
     "not sorted: start 1 is before the previous start 10 of path 'a'"},
    {"overlap", H "a\t10\t20\tx\na\t15\t30\ty\n", 0, 0, 3,
     "interval [15, 30) overlaps the previous one [10, 20) of path 'a'"},
    {"empty_line", H "a\t1\t2\tx\n\na\t3\t4\tx\n", 0, 0, 3, "empty line"},
    {"nul_byte", H "a\t1\t2\tx\0y\n", sizeof(H "a\t1\t2\tx\0y\n") - 1, 0, 2, "NUL byte"},
};

static void test_reader_rejects_each_malformed_file_naming_file_and_line(void **state)
{
	const char *dir = vf_test_tmpdir("states_tsv_bad");
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];
		char name[64], where[4200];
		const char *path;
		struct vf_error err = {0};
		struct vf_states_tsv_reader *r;
		struct vf_states_tsv_row row;
		enum vf_status st = VF_OK;
		int eof = 0;

		snprintf(name, sizeof(name), "%s.tsv", c->name);
		path = write_text(dir, name, c->text, c->len ? c->len : strlen(c->text));
		r = vf_states_tsv_reader_open(path, &err);
		if (c->at_open) {
			assert_null(r);
			st = err.status;
		} else {
			assert_non_null(r);
			while ((st = vf_states_tsv_reader_next(r, &row, &eof, &err)) == VF_OK &&
			       !eof) {
			}
			vf_states_tsv_reader_close(r);
		}
		print_message("case %s: %s: %s\n", c->name, err.where, err.msg);
		assert_int_equal(st, VF_ERR_INPUT);
		snprintf(where, sizeof(where), "%s:%u", path, c->line);
		assert_string_equal(err.where, where);
		assert_non_null(strstr(err.msg, c->msg));
	}
}

static void test_reader_reports_a_missing_file_as_io_error(void **state)
{
	struct vf_error err = {0};

	(void)state;
	assert_null(vf_states_tsv_reader_open("/nonexistent/states.tsv", &err));
	assert_int_equal(err.status, VF_ERR_IO);
	assert_string_equal(err.where, "/nonexistent/states.tsv");
	assert_non_null(strstr(err.msg, "cannot open"));
}

static void test_reader_accepts_negative_and_extreme_times(void **state)
{
	const char *dir = vf_test_tmpdir("states_tsv_extreme");
	static const char text[] = H "a\t-9223372036854775808\t9223372036854775807\tx\n";
	const char *path = write_text(dir, "x.tsv", text, sizeof(text) - 1);
	struct vf_error err = {0};
	struct vf_states_tsv_reader *r = vf_states_tsv_reader_open(path, &err);
	struct vf_states_tsv_row row;
	int eof;

	(void)state;
	assert_non_null(r);
	assert_int_equal(vf_states_tsv_reader_next(r, &row, &eof, &err), VF_OK);
	assert_true(row.start_ns == INT64_MIN);
	assert_true(row.end_ns == INT64_MAX);
	vf_states_tsv_reader_close(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_writer_sorts_by_path_then_start_with_header),
	    cmocka_unit_test(test_round_trip_reads_back_every_interval),
	    cmocka_unit_test(test_large_file_is_streamed_with_the_same_bytes),
	    cmocka_unit_test(test_writer_refuses_a_value_with_a_tab),
	    cmocka_unit_test(test_reader_accepts_crlf_and_a_last_line_without_newline),
	    cmocka_unit_test(test_reader_rejects_each_malformed_file_naming_file_and_line),
	    cmocka_unit_test(test_reader_reports_a_missing_file_as_io_error),
	    cmocka_unit_test(test_reader_accepts_negative_and_extreme_times),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
