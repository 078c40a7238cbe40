/* SPDX-License-Identifier: MIT */
/*
 * sim.h - the synth simulator: a deterministic discrete-event model of a KVM
 * host (host scheduler on N pCPUs, KVM run loop per vCPU thread, guest
 * busy/idle cycles, host processes) that emits lttng-style events to a sink
 * and writes the ground truth from its own state.
 *
 * Same scenario (seed included) => the same events and the same truth, byte
 * for byte. Events go to the sink in non-decreasing time order; times are
 * scenario time + trace.clock_offset (ns from the trace clock's origin).
 */
#ifndef VMFLOW_SYNTH_SIM_H
#define VMFLOW_SYNTH_SIM_H

#include <stdint.h>

#include "synth/scenario.h"
#include "synth/sink.h"
#include "synth/truth.h"
#include "vmflow/error.h"
#include "vmflow/event.h"

struct vf_sim_stats {
	uint64_t event_count;
	uint64_t kind_count[VF_EV_KIND_COUNT]; /* events per vf_event_kind */
	int64_t begin_ns;                      /* trace start (clock_offset) */
	int64_t end_ns;                        /* trace end, passed to sink->finish() */
	uint32_t thread_count;
	uint32_t vcpu_count;
	uint64_t discarded; /* events dropped by trace.discard windows (not in event_count) */
};

/*
 * Runs the scenario: emits every event to sink, then calls sink->finish(end)
 * (not free). If truth is not NULL, declares every vCPU in it, writes their
 * Status/Exit intervals and closes them at the end. stats may be NULL.
 */
enum vf_status vf_sim_run(const struct vf_scenario *scn, struct vf_sink *sink,
                          struct vf_truth *truth, struct vf_sim_stats *stats, struct vf_error *err);

#endif /* VMFLOW_SYNTH_SIM_H */
