/* SPDX-License-Identifier: MIT */
/*
 * test_features.c - features.tsv (thesis §8 feature vectors) from a
 * hand-built event sequence: state counts and durations, injections per
 * class, switch counts and exact exit histograms (thesis §11.10: repeated
 * identical consecutive reasons are each counted).
 */
#include "analyses/feed.h"

#include "analyses/features.h"

/* The value of column `col` in the row whose first three fields are kind, pid, id. */
static const char *cell(const char *tsv, const char *kind, const char *pid, const char *id,
			const char *col)
{
	static char out[64];
	char key[64];
	const char *hdr_end = strchr(tsv, '\n'), *row, *p;
	int want = -1, i = 0;
	size_t len;

	assert_non_null(hdr_end);
	for (p = tsv; p < hdr_end; i++) {
		const char *e = p;

		while (e < hdr_end && *e != '\t') {
			e++;
		}
		if ((size_t)(e - p) == strlen(col) && strncmp(p, col, (size_t)(e - p)) == 0) {
			want = i;
		}
		p = e + 1;
	}
	if (want < 0) {
		fail_msg("no column %s", col);
	}
	snprintf(key, sizeof(key), "\n%s\t%s\t%s\t", kind, pid, id);
	row = strstr(tsv, key);
	if (!row) {
		fail_msg("no row %s %s %s", kind, pid, id);
	}
	row++;
	for (i = 0; i < want; i++) {
		row = strchr(row, '\t') + 1;
	}
	len = strcspn(row, "\t\n");
	snprintf(out, sizeof(out), "%.*s", (int)len, row);
	return out;
}

static void test_features_of_a_vcpu_and_its_processes(void **state)
{
	struct fx f;
	struct vf_error err = {0};
	char *text = NULL;
	size_t size = 0;
	FILE *fp;

	(void)state;
	fx_open(&f, NULL);
	sw(&f, 100, 0, 0, RUNNABLE, 1001);
	enter_guest(&f, 150, 0, 1001, 0, 0xa000, 0xffff888000010000ULL);
	entry(&f, 200, 0, 1001, 0);
	vexit(&f, 300, 0, 1001, 0, EPT_VIOLATION);
	entry(&f, 310, 0, 1001, 0);
	vexit(&f, 400, 0, 1001, 0, EPT_VIOLATION); /* the same reason again */
	entry(&f, 420, 0, 1001, 0);
	vexit(&f, 500, 0, 1001, 0, HLT);
	sw(&f, 510, 0, 1001, BLOCKED, 0);
	sw(&f, 1000, 0, 0, RUNNABLE, 1001);
	inj(&f, 1010, 0, 1001, 236);
	enter_guest(&f, 1015, 0, 1001, 0, 0xb000, 0xffff888000020000ULL);
	entry(&f, 1020, 0, 1001, 0);
	vexit(&f, 1100, 0, 1001, 0, EXTERNAL_INTERRUPT);
	sw(&f, 1110, 0, 1001, RUNNABLE, 300);
	sw(&f, 1200, 0, 300, BLOCKED, 1001);
	inj(&f, 1210, 0, 1001, 251);
	entry(&f, 1220, 0, 1001, 0);
	finish(&f, 1300);

	fp = open_memstream(&text, &size);
	assert_non_null(fp);
	assert_int_equal(vf_features_tsv_write(fp, f.h, f.a, &err), VF_OK);
	fclose(fp);
	assert_string_equal(cell(text, "vcpu", "1000", "0", "line_ns"), "1200");
	assert_string_equal(cell(text, "vcpu", "1000", "0", "guest_count"), "5");
	assert_string_equal(cell(text, "vcpu", "1000", "0", "guest_total_ns"), "430");
	assert_string_equal(cell(text, "vcpu", "1000", "0", "guest_mean_ns"), "86.0");
	assert_string_equal(cell(text, "vcpu", "1000", "0", "wait_timer_count"), "1");
	assert_string_equal(cell(text, "vcpu", "1000", "0", "wait_timer_total_ns"), "490");
	assert_string_equal(cell(text, "vcpu", "1000", "0", "preempted_host_count"), "1");
	assert_string_equal(cell(text, "vcpu", "1000", "0", "inj_timer"), "1");
	assert_string_equal(cell(text, "vcpu", "1000", "0", "inj_ipi"), "1");
	assert_string_equal(cell(text, "vcpu", "1000", "0", "inj_other"), "0");
	assert_string_equal(cell(text, "vcpu", "1000", "0", "process_switches"), "1");
	assert_string_equal(cell(text, "vcpu", "1000", "0", "exits"), "4");
	assert_string_equal(cell(text, "vcpu", "1000", "0", "exit_EPT_VIOLATION"), "2");
	assert_string_equal(cell(text, "vcpu", "1000", "0", "exit_HLT"), "1");
	/* processes: 0xa000 ran [200,300) [310,400) [420,500); its exits are exact too */
	assert_string_equal(cell(text, "process", "1000", "0xa000", "running_count"), "3");
	assert_string_equal(cell(text, "process", "1000", "0xa000", "wait_timer_total_ns"), "490");
	assert_string_equal(cell(text, "process", "1000", "0xa000", "preempted_guest_count"), "1");
	assert_string_equal(cell(text, "process", "1000", "0xa000", "exit_EPT_VIOLATION"), "2");
	/* the timer interrupt went to the halted process (still loaded), the IPI to 0xb000 */
	assert_string_equal(cell(text, "process", "1000", "0xa000", "inj_timer"), "1");
	assert_string_equal(cell(text, "process", "1000", "0xa000", "inj_ipi"), "0");
	assert_string_equal(cell(text, "process", "1000", "0xb000", "inj_ipi"), "1");
	assert_string_equal(cell(text, "process", "1000", "0xb000", "process_switches"), "NA");
	assert_string_equal(cell(text, "process", "1000", "0xb000", "preempted_host_count"), "1");
	assert_string_equal(cell(text, "process", "1000", "0xb000", "exit_EXTERNAL_INTERRUPT"), "1");
	free(text);
	fx_close(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_features_of_a_vcpu_and_its_processes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
