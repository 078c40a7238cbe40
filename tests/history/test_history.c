/* SPDX-License-Identifier: MIT */
/*
 * test_history.c - the state history: ordering, spilling, open intervals, errors.
 */
#include "common/testutil.h"

#include <stdbool.h>

#include <string.h>

#include "vmflow/history.h"

static void test_intervals_come_back_sorted_by_path_then_start(void **state)
{
	struct vf_error err = {0};
	struct vf_history *h = vf_history_new(NULL, &err);
	uint32_t b = vf_history_path(h, "VMs/2/vCPUs/0/Status");
	uint32_t a = vf_history_path(h, "VMs/10/vCPUs/0/Status");
	uint32_t guest = vf_history_value(h, "guest"), hyp = vf_history_value(h, "hypervisor");
	uint32_t p, v;
	int64_t s, e;
	struct vf_history_iter *it;

	(void)state;
	assert_int_equal(vf_history_add(h, b, 0, 10, guest, &err), VF_OK);
	assert_int_equal(vf_history_add(h, a, 5, 7, hyp, &err), VF_OK);
	assert_int_equal(vf_history_add(h, b, 10, 20, hyp, &err), VF_OK);
	it = vf_history_iter_new(h, &err);
	/* "VMs/10/..." sorts before "VMs/2/..." (byte order, as design §4 asks) */
	assert_true(vf_history_iter_next(it, &p, &s, &e, &v));
	assert_int_equal(p, a);
	assert_int_equal(s, 5);
	assert_int_equal(e, 7);
	assert_int_equal(v, hyp);
	assert_true(vf_history_iter_next(it, &p, &s, &e, &v));
	assert_int_equal(p, b);
	assert_int_equal(s, 0);
	assert_true(vf_history_iter_next(it, &p, &s, &e, &v));
	assert_int_equal(s, 10);
	assert_int_equal(e, 20);
	assert_false(vf_history_iter_next(it, &p, &s, &e, &v));
	assert_int_equal(vf_history_iter_free(it, &err), VF_OK);
	assert_int_equal(vf_history_interval_count(h), 3);
	vf_history_free(h);
}

static bool ends_with_status(const char *path, void *ctx)
{
	size_t n = strlen(path);

	++*(int *)ctx; /* each path is asked once */
	return n >= 7 && strcmp(path + n - 7, "/Status") == 0;
}

/* A selected iterator reads only the kept paths, still in name order. */
static void test_selected_iterator_reads_only_the_kept_paths(void **state)
{
	struct vf_error err = {0};
	struct vf_history *h = vf_history_new(NULL, &err);
	uint32_t st1 = vf_history_path(h, "VMs/2/vCPUs/0/Status");
	uint32_t ex = vf_history_path(h, "VMs/1/vCPUs/0/Exit");
	uint32_t st0 = vf_history_path(h, "VMs/1/vCPUs/0/Status");
	uint32_t v = vf_history_value(h, "guest"), got_v, p;
	int64_t s, e;
	int asked = 0;
	struct vf_history_iter *it;

	(void)state;
	for (int64_t i = 0; i < 1000; i++) { /* beyond a chunk: spilled ones too */
		assert_int_equal(vf_history_add(h, ex, i * 10, i * 10 + 5, v, &err), VF_OK);
		assert_int_equal(vf_history_add(h, st1, i * 10, i * 10 + 6, v, &err), VF_OK);
		assert_int_equal(vf_history_add(h, st0, i * 10, i * 10 + 7, v, &err), VF_OK);
	}
	it = vf_history_iter_new_selected(h, ends_with_status, &asked, &err);
	assert_non_null(it);
	assert_int_equal(asked, 3);
	for (int k = 0; k < 2; k++) {
		for (int64_t i = 0; i < 1000; i++) {
			assert_true(vf_history_iter_next(it, &p, &s, &e, &got_v));
			assert_int_equal(p, k == 0 ? st0 : st1);
			assert_int_equal(s, i * 10);
			assert_int_equal(e, i * 10 + (k == 0 ? 7 : 6));
		}
	}
	assert_false(vf_history_iter_next(it, &p, &s, &e, &got_v));
	assert_int_equal(vf_history_iter_free(it, &err), VF_OK);
	vf_history_free(h);
}

static void test_many_intervals_spill_to_disk_and_read_back_in_order(void **state)
{
	struct vf_error err = {0};
	struct vf_history *h = vf_history_new(NULL, &err);
	uint32_t paths[3], vals[2], p, v, expected_path = 0;
	int64_t s, e, i, count = 0, next_start[3] = {0, 0, 0};
	struct vf_history_iter *it;

	(void)state;
	paths[0] = vf_history_path(h, "a");
	paths[1] = vf_history_path(h, "b");
	paths[2] = vf_history_path(h, "c");
	vals[0] = vf_history_value(h, "x");
	vals[1] = vf_history_value(h, "y");
	/* 100k intervals per path, interleaved across paths: forces many chunk spills. */
	for (i = 0; i < 100000; i++) {
		for (int k = 0; k < 3; k++) {
			assert_int_equal(vf_history_add(h, paths[k], i * 10, i * 10 + 5 + k,
							vals[(i + k) & 1], &err),
					 VF_OK);
		}
	}
	it = vf_history_iter_new(h, &err);
	while (vf_history_iter_next(it, &p, &s, &e, &v)) {
		int k = (int)(count / 100000);

		if (p != paths[expected_path]) {
			expected_path++;
		}
		assert_int_equal(p, paths[k]);
		assert_int_equal(s, next_start[k]);
		assert_int_equal(e, s + 5 + k);
		assert_int_equal(v, vals[((s / 10) + k) & 1]);
		next_start[k] += 10;
		count++;
	}
	assert_int_equal(count, 300000);
	assert_int_equal(vf_history_iter_free(it, &err), VF_OK);
	assert_int_equal(vf_history_check(h, &err), VF_OK);
	vf_history_free(h);
}

/*
 * The spill file holds chunks compressed as varints of differences: extreme
 * values must come back exactly - negative starts, a zero crossing, gaps and
 * durations up to 2^51, value ids above 2^16 - from several chunks, through
 * both readers.
 */
#define EXTREME_N 1000 /* about four chunks */

/* A sorted, disjoint sequence from -2^58 to positive times: gaps 0 to 2^50, lengths 1 to 2^51. */
static void extreme_intervals(int64_t *s, int64_t *e, uint32_t *v)
{
	static const int64_t gaps[] = {0, 1, 977, (int64_t)1 << 40, (int64_t)1 << 50};
	int64_t at = -((int64_t)1 << 58);

	for (int64_t i = 0; i < EXTREME_N; i++) {
		s[i] = at + gaps[i % 5];
		e[i] = s[i] + (i % 5 == 4 ? ((int64_t)1 << 51) : 1 + i % 977);
		v[i] = (uint32_t)(i % 7 == 0 ? 70000 + i : i % 3);
		at = e[i];
	}
}

static void test_spill_keeps_extreme_values(void **state)
{
	static int64_t es[EXTREME_N], ee[EXTREME_N];
	static uint32_t ev[EXTREME_N];
	struct vf_error err = {0};
	struct vf_history *h = vf_history_new(NULL, &err);
	uint32_t path = vf_history_path(h, "x"), p, v;
	int64_t s, e, i;
	struct vf_history_path_iter *pi;
	struct vf_history_iter *it;

	(void)state;
	for (i = 0; i < 70000 + EXTREME_N; i++) {
		char name[16];

		snprintf(name, sizeof(name), "v%lld", (long long)i);
		assert_int_not_equal(vf_history_value(h, name), VF_HISTORY_NONE);
	}
	extreme_intervals(es, ee, ev);
	assert_true(es[0] < 0 && es[EXTREME_N - 1] > 0);
	for (i = 0; i < EXTREME_N; i++) {
		assert_int_equal(vf_history_add(h, path, es[i], ee[i], ev[i], &err), VF_OK);
	}
	pi = vf_history_path_iter_new(h, path, &err);
	it = vf_history_iter_new(h, &err);
	assert_non_null(pi);
	assert_non_null(it);
	for (i = 0; i < EXTREME_N; i++) {
		assert_true(vf_history_path_iter_next(pi, &s, &e, &v));
		assert_int_equal(s, es[i]);
		assert_int_equal(e, ee[i]);
		assert_int_equal(v, ev[i]);
		assert_true(vf_history_iter_next(it, &p, &s, &e, &v));
		assert_true(p == path && s == es[i] && e == ee[i] && v == ev[i]);
	}
	assert_false(vf_history_path_iter_next(pi, &s, &e, &v));
	assert_int_equal(vf_history_path_iter_free(pi, &err), VF_OK);
	assert_int_equal(vf_history_iter_free(it, &err), VF_OK);
	vf_history_free(h);
}

static void test_set_continues_same_value_and_end_closes(void **state)
{
	struct vf_error err = {0};
	struct vf_history *h = vf_history_new(NULL, &err);
	uint32_t path = vf_history_path(h, "p"), g = vf_history_value(h, "guest");
	uint32_t r = vf_history_value(h, "hypervisor"), p, v;
	int64_t s, e;
	struct vf_history_iter *it;

	(void)state;
	assert_int_equal(vf_history_set(h, path, 100, g, &err), VF_OK);
	assert_int_equal(vf_history_set(h, path, 150, g, &err), VF_OK); /* same value: continues */
	assert_int_equal(vf_history_current(h, path), g);
	assert_int_equal(vf_history_current_start(h, path), 100);
	assert_int_equal(vf_history_set(h, path, 200, r, &err), VF_OK);
	assert_int_equal(vf_history_end(h, path, 250, &err), VF_OK);
	assert_int_equal(vf_history_current(h, path), VF_HISTORY_NONE);
	assert_int_equal(vf_history_set(h, path, 300, g, &err), VF_OK);
	assert_int_equal(vf_history_close_all(h, 400, &err), VF_OK);
	it = vf_history_iter_new(h, &err);
	assert_true(vf_history_iter_next(it, &p, &s, &e, &v));
	assert_true(s == 100 && e == 200 && v == g);
	assert_true(vf_history_iter_next(it, &p, &s, &e, &v));
	assert_true(s == 200 && e == 250 && v == r);
	assert_true(vf_history_iter_next(it, &p, &s, &e, &v));
	assert_true(s == 300 && e == 400 && v == g);
	assert_false(vf_history_iter_next(it, &p, &s, &e, &v));
	vf_history_iter_free(it, &err);
	vf_history_free(h);
}

static void test_overlapping_interval_is_rejected(void **state)
{
	struct vf_error err = {0};
	struct vf_history *h = vf_history_new(NULL, &err);
	uint32_t path = vf_history_path(h, "VMs/1/vCPUs/0/Status"), g = vf_history_value(h, "guest");

	(void)state;
	assert_int_equal(vf_history_add(h, path, 0, 10, g, &err), VF_OK);
	assert_int_equal(vf_history_add(h, path, 9, 12, g, &err), VF_ERR_INTERNAL);
	assert_non_null(strstr(err.msg, "overlaps"));
	assert_non_null(strstr(err.msg, "VMs/1/vCPUs/0/Status"));
	/* empty intervals are ignored, not errors */
	vf_error_clear(&err);
	assert_int_equal(vf_history_add(h, path, 20, 20, g, &err), VF_OK);
	assert_int_equal(vf_history_interval_count(h), 1);
	vf_history_free(h);
}

static void test_interning_is_stable(void **state)
{
	struct vf_error err = {0};
	struct vf_history *h = vf_history_new(NULL, &err);
	char name[32];
	uint32_t i;

	(void)state;
	for (i = 0; i < 5000; i++) {
		snprintf(name, sizeof(name), "VMs/%u/vCPUs/0/Status", i);
		assert_int_equal(vf_history_path(h, name), i);
	}
	assert_int_equal(vf_history_find_path(h, "VMs/4999/vCPUs/0/Status"), 4999);
	assert_int_equal(vf_history_find_path(h, "nope"), VF_HISTORY_NONE);
	assert_string_equal(vf_history_path_name(h, 17), "VMs/17/vCPUs/0/Status");
	assert_int_equal(vf_history_path_count(h), 5000);
	vf_history_free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_intervals_come_back_sorted_by_path_then_start),
		cmocka_unit_test(test_selected_iterator_reads_only_the_kept_paths),
		cmocka_unit_test(test_many_intervals_spill_to_disk_and_read_back_in_order),
		cmocka_unit_test(test_spill_keeps_extreme_values),
		cmocka_unit_test(test_set_continues_same_value_and_end_closes),
		cmocka_unit_test(test_overlapping_interval_is_rejected),
		cmocka_unit_test(test_interning_is_stable),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
