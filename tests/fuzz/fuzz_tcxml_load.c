/* SPDX-License-Identifier: MIT */
/*
 * fuzz_tcxml_load.c - libFuzzer target for the Trace Compass XML loader and
 * engine: parse + (optionally) schema-validate + compile the input, then run
 * its analyses over a small built-in event stream, and its views over a
 * small stub trace written once to the scratch folder. Byte 0 of the input selects options (bit 0: skip the schema, so
 * the compiler sees invalid structures too; bit 1: allow script values).
 *
 * Built with clang -fsanitize=fuzzer when VMFLOW_FUZZ=ON (tests/fuzz/
 * CMakeLists.txt); tests/fuzz/test_replay_tcxml_load.c replays the corpus
 * with any compiler so regressions are caught by ctest.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>

#include "common/log.h"
#include "fuzz/fuzz.h"
#include "tcxml/model.h"

struct fz_field {
	const char *name;
	struct vf_field_value v;
};

struct fz_event {
	const char *name;
	int64_t ts;
	struct fz_field fields[4];
};

static const struct fz_event fz_events[] = {
	{"entry", 1, {{"cpu", {VF_FIELD_INT32, 0, 0, NULL}}, {"op", {VF_FIELD_STRING, 0, 0, "op1"}},
	              {"testField", {VF_FIELD_INT64, 10, 0, NULL}}, {NULL, {0, 0, 0, NULL}}}},
	{"exit", 2, {{"cpu", {VF_FIELD_INT32, 1, 0, NULL}}, {"curState", {VF_FIELD_STRING, 0, 0, "GOOD"}},
	             {"d", {VF_FIELD_DOUBLE, 0, 2.5, NULL}}, {NULL, {0, 0, 0, NULL}}}},
	{"kvm_exit", 2, {{"exit_reason", {VF_FIELD_INT64, 32, 0, NULL}}, {"cpu", {VF_FIELD_INT32, 0, 0, NULL}},
	                 {NULL, {0, 0, 0, NULL}}, {NULL, {0, 0, 0, NULL}}}},
	{"test", 5, {{"testField", {VF_FIELD_INT64, 200, 0, NULL}}, {"op", {VF_FIELD_STRING, 0, 0, "5"}},
	             {NULL, {0, 0, 0, NULL}}, {NULL, {0, 0, 0, NULL}}}},
	{"exit", 9, {{"cpu", {VF_FIELD_INT32, 0, 0, NULL}}, {"curState", {VF_FIELD_STRING, 0, 0, "BAD"}},
	             {NULL, {0, 0, 0, NULL}}, {NULL, {0, 0, 0, NULL}}}},
};

static bool fz_field(const struct vf_generic_event *g, const char *name, struct vf_field_value *out)
{
	const struct fz_event *e = g->impl;
	size_t i;

	for (i = 0; i < 4 && e->fields[i].name; i++) {
		if (strcmp(e->fields[i].name, name) == 0) {
			*out = e->fields[i].v;
			return true;
		}
	}
	memset(out, 0, sizeof(*out));
	return false;
}

static void fz_run(const struct vf_tcx_file *f, const struct vf_tcx_analysis *a)
{
	struct vf_error err = {0};
	struct vf_tcx_run *r = vf_tcx_run_new(f, a, "fuzz.xml", &err);
	struct vf_event ev;
	size_t i;

	if (!r) {
		return;
	}
	memset(&ev, 0, sizeof(ev));
	for (i = 0; i < sizeof(fz_events) / sizeof(fz_events[0]); i++) {
		struct vf_generic_event g = {.ev = &ev, .name = fz_events[i].name,
		                             .ts = fz_events[i].ts, .impl = (void *)&fz_events[i],
		                             .field = fz_field};

		ev.ts_ns = g.ts;
		ev.name = g.name;
		if (vf_tcx_run_event(r, &g, &err) != VF_OK) {
			break;
		}
	}
	vf_error_clear(&err);
	vf_tcx_run_finish(r, &err);
	vf_tcx_run_free(r);
}

/* A stub trace with the fields the built-in stream has (written once). */
static const char *fz_stub_trace(void)
{
	static char path[512];
	static const char text[] =
	    "<trace>\n"
	    "<event timestamp=\"1\" name=\"entry\"><field name=\"cpu\" type=\"int\" value=\"0\"/>"
	    "<field name=\"op\" type=\"string\" value=\"op1\"/></event>\n"
	    "<event timestamp=\"3\" name=\"exit\"><field name=\"cpu\" type=\"int\" value=\"1\"/>"
	    "<field name=\"testField\" type=\"long\" value=\"7\"/></event>\n"
	    "<event timestamp=\"6\" name=\"kvm_exit\"><field name=\"cpu\" type=\"int\" value=\"0\"/>"
	    "<field name=\"exit_reason\" type=\"long\" value=\"32\"/></event>\n"
	    "</trace>\n";

	if (!path[0]) {
		snprintf(path, sizeof(path), "%s/fuzz_trace.xml", vf_fuzz_scratch_dir());
		vf_fuzz_write_file(path, (const uint8_t *)text, sizeof(text) - 1);
	}
	return path;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vf_tcx_load_opts lo = {0};
	struct vf_error err = {0};
	struct vf_tcx_file *f;
	size_t i;

	if (size < 1) {
		return 0;
	}
	vf_log_current_level = VF_LOG_LEVEL_NONE; /* runtime warnings would flood the fuzzer */
	lo.skip_schema = (data[0] & 1) != 0;
	lo.allow_script = (data[0] & 2) != 0;
	f = vf_tcx_load_memory((const char *)data + 1, size - 1, "fuzz.xml", &lo, &err);
	if (!f) {
		return 0;
	}
	if (f->error_count == 0) {
		FILE *null_out = fopen("/dev/null", "w");

		for (i = 0; i < f->analysis_count && i < 4; i++) {
			fz_run(f, &f->analyses[i]);
		}
		for (i = 0; null_out && i < f->view_count && i < 2; i++) {
			const struct vf_tcx_file *files[1] = {f};

			vf_error_clear(&err);
			vf_tcx_view_write(files, 1, &f->views[i], fz_stub_trace(), NULL, 7, null_out, &err);
		}
		if (null_out) {
			fclose(null_out);
		}
	}
	vf_tcx_file_free(f);
	return 0;
}
