/* SPDX-License-Identifier: MIT */
/*
 * test_maps.c - u64map and strtab against a plain array reference.
 */
#include "common/testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/strtab.h"
#include "common/u64map.h"

static void test_u64map_matches_array_reference(void **state)
{
	enum { N = 20000 };
	static int present[N];
	struct vf_u64map m;
	uint64_t seed = 42;
	size_t cursor = 0, live = 0, seen = 0;
	uint64_t k;
	void *v;

	(void)state;
	vf_u64map_init(&m);
	for (int round = 0; round < 200000; round++) {
		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		k = (seed >> 33) % N;
		if ((seed >> 20) & 1) {
			assert_true(vf_u64map_put(&m, k * 0x100000001ULL, (void *)(uintptr_t)(k + 1)));
			present[k] = 1;
		} else {
			void *old = vf_u64map_remove(&m, k * 0x100000001ULL);

			assert_ptr_equal(old, present[k] ? (void *)(uintptr_t)(k + 1) : NULL);
			present[k] = 0;
		}
	}
	for (k = 0; k < N; k++) {
		assert_ptr_equal(vf_u64map_get(&m, k * 0x100000001ULL),
				 present[k] ? (void *)(uintptr_t)(k + 1) : NULL);
		live += (size_t)present[k];
	}
	assert_int_equal(m.used_count, live);
	while (vf_u64map_next(&m, &cursor, &k, &v)) {
		assert_true(present[k / 0x100000001ULL]);
		seen++;
	}
	assert_int_equal(seen, live);
	vf_u64map_fini(&m);
}

static void test_strtab_ids_are_dense_and_stable(void **state)
{
	struct vf_strtab t;
	char buf[32];

	(void)state;
	vf_strtab_init(&t);
	for (uint32_t i = 0; i < 3000; i++) {
		snprintf(buf, sizeof(buf), "value-%u", i);
		assert_int_equal(vf_strtab_intern(&t, buf), i);
	}
	for (uint32_t i = 0; i < 3000; i++) {
		snprintf(buf, sizeof(buf), "value-%u", i);
		assert_int_equal(vf_strtab_intern(&t, buf), i);
		assert_string_equal(vf_strtab_get(&t, i), buf);
	}
	assert_int_equal(vf_strtab_find(&t, "missing"), VF_STRTAB_NONE);
	assert_null(vf_strtab_get(&t, 3000));
	vf_strtab_fini(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_u64map_matches_array_reference),
		cmocka_unit_test(test_strtab_ids_are_dense_and_stable),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
