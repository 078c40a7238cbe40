/* SPDX-License-Identifier: MIT */
/*
 * test_replay_stub_xml.c - the XML stub-trace reader fuzz harness over its
 * corpus (tests/fuzz/corpus/stub_xml: seeds, hostile XML, crash
 * reproducers) and over every truncation of one seed, without libFuzzer:
 * any compiler, sanitizers in the sanitizer build.
 */
#include "common/testutil.h"

#include <stdlib.h>

#include "fuzz/fuzz_util.c"
#include "fuzz/fuzz_stub_xml.c"
#include "fuzz/replay.c"

static void test_corpus(void **state)
{
	int n = 0;

	(void)state;
	assert_int_equal(vf_fuzz_replay(VMFLOW_SOURCE_DIR "/tests/fuzz/corpus/stub_xml", &n), 0);
	assert_true(n >= 5);
}

static void test_truncations(void **state)
{
	size_t size;
	char *seed = vf_test_read_file(VMFLOW_SOURCE_DIR "/tests/fuzz/corpus/stub_xml/synth-small.xml",
				       &size);

	(void)state;
	assert_non_null(seed);
	for (size_t cut = 0; cut <= size; cut += 7) {
		LLVMFuzzerTestOneInput((const uint8_t *)seed, cut);
	}
	free(seed);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_corpus),
	    cmocka_unit_test(test_truncations),
	};

	setenv("TMPDIR", VMFLOW_TEST_TMP, 1);
	vf_test_tmpdir("fuzz_stub_xml");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
