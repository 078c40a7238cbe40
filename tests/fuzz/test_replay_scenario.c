/* SPDX-License-Identifier: MIT */
/*
 * test_replay_scenario.c - the scenario-parser fuzz harness over its corpus
 * (tests/fuzz/corpus/scenario: seeds and crash reproducers), the shipped
 * scenarios (corpora/, bench/scenarios/) and every truncation of one of
 * them, without libFuzzer: any compiler, sanitizers in the sanitizer build.
 */
#include "common/testutil.h"

#include <stdlib.h>

#include "fuzz/fuzz_util.c"
#include "fuzz/fuzz_scenario.c"
#include "fuzz/replay.c"

static void test_corpus(void **state)
{
	int n = 0;

	(void)state;
	assert_int_equal(vf_fuzz_replay(VMFLOW_SOURCE_DIR "/tests/fuzz/corpus/scenario", &n), 0);
	assert_true(n >= 10);
	assert_int_equal(vf_fuzz_replay(VMFLOW_SOURCE_DIR "/corpora", &n), 0);
	assert_int_equal(vf_fuzz_replay(VMFLOW_SOURCE_DIR "/bench/scenarios", &n), 0);
}

/* Every prefix of a real scenario: YAML cut anywhere. */
static void test_truncations(void **state)
{
	size_t size;
	char *text = vf_test_read_file(VMFLOW_SOURCE_DIR "/bench/scenarios/busy.yaml", &size);

	(void)state;
	assert_non_null(text);
	for (size_t cut = 0; cut <= size; cut++) {
		LLVMFuzzerTestOneInput((const uint8_t *)text, cut);
	}
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_corpus),
	    cmocka_unit_test(test_truncations),
	};

	setenv("TMPDIR", VMFLOW_TEST_TMP, 1);
	vf_test_tmpdir("fuzz_scenario");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
