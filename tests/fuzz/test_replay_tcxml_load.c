/* SPDX-License-Identifier: MIT */
/*
 * test_replay_tcxml_load.c - replays the tcxml loader fuzz target (fuzz_tcxml_load.c)
 * without libFuzzer (any compiler, sanitizers in the sanitizer build) over its
 * corpus tests/fuzz/corpus/tcxml_load (seeds and crash reproducers), the
 * hostile and semantic test files of tests/tcxml/data and every conformance
 * analysis of shared/, each of those with option bytes 0..3.
 */
#include "common/testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz/fuzz_util.c"
#include "fuzz/fuzz_tcxml_load.c"
#include "fuzz/replay.c"

/* Every file of dir, prefixed with each option byte 0..3. */
static size_t replay_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t n = 0;

	if (!d) {
		return 0;
	}
	while ((de = readdir(d))) {
		char path[4096];
		size_t size;
		char *buf;
		unsigned opt;

		if (de->d_name[0] == '.') {
			continue;
		}
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		buf = vf_test_read_file(path, &size);
		if (!buf) {
			continue;
		}
		{
			uint8_t *in = malloc(size + 1);

			assert_non_null(in);
			memcpy(in + 1, buf, size);
			for (opt = 0; opt < 4; opt++) {
				in[0] = (uint8_t)opt;
				LLVMFuzzerTestOneInput(in, size + 1);
			}
			free(in);
		}
		free(buf);
		n++;
	}
	closedir(d);
	return n;
}

static void test_replay(void **state)
{
	size_t own, conf, data;

	(void)state;
	int n = 0;

	assert_int_equal(vf_fuzz_replay(VMFLOW_SOURCE_DIR "/tests/fuzz/corpus/tcxml_load", &n), 0);
	own = (size_t)n;
	data = replay_dir(VMFLOW_SOURCE_DIR "/tests/tcxml/data");
	conf = replay_dir(VMFLOW_SHARED_DIR "/tracecompass-conformance/analyses");
	conf += replay_dir(VMFLOW_SHARED_DIR "/tracecompass-conformance/validation/valid");
	conf += replay_dir(VMFLOW_SHARED_DIR "/tracecompass-conformance/validation/invalid");
	printf("replayed %zu own corpus files, %zu data files, %zu conformance files\n", own, data,
	       conf);
	assert_true(own >= 5);
	assert_true(data >= 5);
	assert_true(conf >= 30);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_replay),
	};

	setenv("TMPDIR", VMFLOW_TEST_TMP, 1);
	vf_test_tmpdir("fuzz_tcxml_load");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
