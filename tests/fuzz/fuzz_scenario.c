/* SPDX-License-Identifier: MIT */
/*
 * fuzz_scenario.c - fuzz target: the scenario parser (YAML via libyaml, then
 * every key's checks). Any input must give a scenario or a one-line error
 * naming a place; never a crash, a leak or an out-of-memory. A parsed
 * scenario is also turned into its trace description.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "synth/scenario.h"
#include "synth/sink.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vf_error err = {0};
	struct vf_scenario *scn;

	scn = vf_scenario_new_from_string((const char *)data, size, "fuzz.yaml", &err);
	if (scn) {
		struct vf_trace_desc desc;

		vf_scenario_trace_desc(scn, &desc);
		if (desc.cpu_count == 0 || desc.packet_size % 4096 != 0) {
			abort(); /* a scenario that parsed must describe a writable trace */
		}
		vf_scenario_free(scn);
	} else if (err.status == VF_OK || err.msg[0] == '\0' || strchr(err.msg, '\n')) {
		abort(); /* a refusal must come with a one-line message */
	}
	return 0;
}
