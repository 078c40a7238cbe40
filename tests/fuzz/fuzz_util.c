/* SPDX-License-Identifier: MIT */
/*
 * fuzz_util.c - scratch folder and file helpers shared by the fuzz harnesses.
 */
#include "fuzz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/atomic_out.h"

static char scratch[256];

static void remove_scratch(void)
{
	if (scratch[0]) {
		vf_remove_tree(scratch);
	}
}

const char *vf_fuzz_scratch_dir(void)
{
	if (!scratch[0]) {
		const char *tmp = getenv("TMPDIR");

		snprintf(scratch, sizeof(scratch), "%s/vmflow-fuzz-XXXXXX", tmp && *tmp ? tmp : "/tmp");
		if (!mkdtemp(scratch)) {
			perror("vmflow fuzz: mkdtemp");
			abort();
		}
		atexit(remove_scratch);
	}
	return scratch;
}

void vf_fuzz_write_file(const char *path, const uint8_t *data, size_t size)
{
	FILE *fp = fopen(path, "wb");

	if (!fp || (size && fwrite(data, 1, size, fp) != size) || fclose(fp) != 0) {
		perror(path);
		abort();
	}
}
