/* SPDX-License-Identifier: MIT */
/*
 * testutil.c - temporary folders, commands, files and corpus scenarios for the cmocka tests.
 */
#include "common/testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "common/atomic_out.h"
#include "synth/scenario.h"

struct vf_scenario *vf_test_corpus_scenario(const char *name)
{
	struct vf_error err = {0};
	char path[4096];
	struct vf_scenario *scn;

	snprintf(path, sizeof(path), "%s/corpora/%s.yaml", VMFLOW_SOURCE_DIR, name);
	scn = vf_scenario_new_from_file(path, &err);
	if (!scn) {
		fail_msg("%s: %s", err.where, err.msg);
	}
	return scn;
}

const char *vf_test_tmpdir(const char *name)
{
	static char path[4096];
	struct vf_error err = {0};

	snprintf(path, sizeof(path), "%s/%s", VMFLOW_TEST_TMP, name);
	vf_remove_tree(path);
	if (vf_mkdir_p(path, &err) != VF_OK) {
		fprintf(stderr, "cannot create %s\n", path);
		abort();
	}
	return path;
}

int vf_test_run(const char *cmd, char *out, size_t out_size)
{
	FILE *p = popen(cmd, "r");
	size_t len = 0;
	int status;

	if (!p) {
		return -1;
	}
	if (out && out_size) {
		len = fread(out, 1, out_size - 1, p);
		out[len] = '\0';
	} else {
		char sink[4096];

		while (fread(sink, 1, sizeof(sink), p) > 0) {
		}
	}
	status = pclose(p);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

char *vf_test_read_file(const char *path, size_t *size)
{
	FILE *fp = fopen(path, "rb");
	char *buf;
	long len;

	if (!fp) {
		return NULL;
	}
	fseek(fp, 0, SEEK_END);
	len = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	buf = malloc((size_t)len + 1);
	if (buf && fread(buf, 1, (size_t)len, fp) != (size_t)len) {
		free(buf);
		buf = NULL;
	}
	fclose(fp);
	if (buf) {
		buf[len] = '\0';
		if (size) {
			*size = (size_t)len;
		}
	}
	return buf;
}
