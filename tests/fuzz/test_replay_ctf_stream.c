/* SPDX-License-Identifier: MIT */
/*
 * test_replay_ctf_stream.c - the CTF-stream fuzz harness over its corpus
 * (tests/fuzz/corpus/ctf_stream: seeds and crash reproducers), over fresh
 * seeds made by the current writer, and over mutations of one seed
 * (truncations, flipped bytes) made here deterministically, without
 * libFuzzer: any compiler, sanitizers in the sanitizer build.
 */
#include "common/testutil.h"

#include <stdlib.h>

#include "fuzz/fuzz_util.c"
#include "fuzz/fuzz_ctf_stream.c"
#include "fuzz/replay.c"

static void test_corpus(void **state)
{
	int n = 0;

	(void)state;
	assert_int_equal(vf_fuzz_replay(VMFLOW_SOURCE_DIR "/tests/fuzz/corpus/ctf_stream", &n), 0);
	assert_true(n >= 5);
}

static void test_fresh_seeds(void **state)
{
	const char *dir = vf_test_tmpdir("fuzz_ctf_seeds");
	int n = 0;

	(void)state;
	assert_int_equal(vf_fuzz_ctf_make_seeds(dir), 0);
	assert_int_equal(vf_fuzz_replay(dir, &n), 0);
	assert_int_equal(n, 5);
}

/* Cuts at every 97 bytes and single-byte flips at every 61 bytes of one seed. */
static void test_mutations(void **state)
{
	size_t size;
	char *seed = vf_test_read_file(VMFLOW_SOURCE_DIR "/tests/fuzz/corpus/ctf_stream/stream-1",
				       &size);
	uint8_t *buf;

	(void)state;
	assert_non_null(seed);
	buf = malloc(size);
	assert_non_null(buf);
	for (size_t cut = 0; cut < size; cut += 97) {
		LLVMFuzzerTestOneInput((const uint8_t *)seed, cut);
	}
	for (size_t at = 0; at < size; at += 61) {
		memcpy(buf, seed, size);
		buf[at] ^= (uint8_t)(0x5a + at);
		LLVMFuzzerTestOneInput(buf, size);
	}
	free(buf);
	free(seed);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_corpus),
	    cmocka_unit_test(test_fresh_seeds),
	    cmocka_unit_test(test_mutations),
	};

	setenv("TMPDIR", VMFLOW_TEST_TMP, 1);
	vf_test_tmpdir("fuzz_ctf_stream");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
