/* SPDX-License-Identifier: MIT */
/*
 * fuzz_stub_xml.c - fuzz target: the Trace Compass XML stub-trace reader
 * (vf_stub_read: libxml2's streaming reader with the safe options, then
 * typed fields and vf_event decoding). The input is written as a .xml file
 * and read with generic field access; any input must end in events or a
 * one-line error, never a crash, and never an entity expansion.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "input/reader.h"

static char xml_path[512];

static enum vf_status stub_on_event(void *user, const struct vf_event *ev, struct vf_error *err)
{
	uint64_t *h = user;

	(void)err;
	*h = *h * 31 + (uint64_t)ev->ts_ns + ev->cpu + (uint64_t)ev->kind + (uint64_t)ev->tid;
	return VF_OK;
}

static enum vf_status stub_on_generic(void *user, const struct vf_generic_event *g,
				 struct vf_error *err)
{
	static const char *const names[] = {"cpu", "tid", "next_tid", "exit_reason", "vtids",
					    "context._tid", "prev_comm", "missing"};
	uint64_t *h = user;
	struct vf_field_value v;

	(void)err;
	*h += strlen(g->name) + (uint64_t)g->ts;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (g->field(g, names[i], &v)) {
			*h += (uint64_t)v.i + (v.kind == VF_FIELD_STRING && v.s ? strlen(v.s) : 0);
		}
	}
	return VF_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t h = 0;
	struct vf_reader_callbacks cbs = {.user = &h, .event = stub_on_event};
	struct vf_trace_info info;
	struct vf_error err = {0};

	if (!xml_path[0]) {
		snprintf(xml_path, sizeof(xml_path), "%s/host.xml", vf_fuzz_scratch_dir());
	}
	vf_fuzz_write_file(xml_path, data, size);
	vf_trace_info_init(&info);
	if (vf_stub_read(xml_path, &cbs, stub_on_generic, &info, &err) != VF_OK &&
	    (err.msg[0] == '\0' || strchr(err.msg, '\n'))) {
		abort(); /* a refusal must come with a one-line message */
	}
	return 0;
}
