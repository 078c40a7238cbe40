/* SPDX-License-Identifier: MIT */
/*
 * sink.h - where the simulator's events go: one interface, several back ends
 * (sink_ctf.c: lttng-modules 2.13 CTF; sink_tcxml.c: Trace Compass XML
 * stub trace; sink_memory.c: straight into the analyses).
 *
 * The simulator calls emit() in non-decreasing ts_ns order (globally, hence
 * per CPU too), then finish() once with the trace end time, then free().
 * A sink borrows each event only for the duration of emit() (unless it is
 * the sink's own slot, see below).
 */
#ifndef VMFLOW_SYNTH_SINK_H
#define VMFLOW_SYNTH_SINK_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "vmflow/error.h"
#include "vmflow/event.h"

struct vf_sink {
	enum vf_status (*emit)(struct vf_sink *sink, const struct vf_event *ev,
			       struct vf_error *err);
	enum vf_status (*finish)(struct vf_sink *sink, int64_t end_ns, struct vf_error *err);
	void (*free)(struct vf_sink *sink); /* accepts a sink whose finish failed or never ran */
	/*
	 * Optional (NULL: the back end cannot record losses). `count` events of
	 * `cpu` were lost from ts_ns on (the simulator did not emit them), as when
	 * lttng's ring buffer is full. Called in time order with the events, before
	 * the first event of that CPU after the loss. The CTF back end switches the
	 * stream's packet at ts_ns and counts the loss in the new packet's
	 * `events_discarded` (cumulative per stream, as lttng does).
	 */
	enum vf_status (*discard)(struct vf_sink *sink, uint32_t cpu, int64_t ts_ns, uint64_t count,
				  struct vf_error *err);
	/*
	 * Optional (NULL: none). Storage for the next event, owned by the sink: a
	 * caller may build the event there and pass this pointer to emit(), which
	 * then takes it without a copy. Valid until the next emit(), discard() or
	 * finish(); the sink may change it at each of those calls.
	 */
	struct vf_event *slot;
};

/* What the trace says about the host it was recorded on (CTF env + clock). */
struct vf_trace_desc {
	char hostname[64];
	char kernel_release[64];     /* e.g. "6.1.0-27-amd64" */
	char kernel_version[128];    /* e.g. "#1 SMP PREEMPT_DYNAMIC Debian 6.1.115-1 (2024-11-01)" */
	char trace_name[128];        /* env trace_name */
	char creation_datetime[32];  /* env trace_creation_datetime, e.g. "20261126T010203+0000" */
	uint8_t clock_uuid[16];      /* clock uuid (= host boot_id; Trace Compass host id) */
	uint8_t trace_uuid[16];      /* packet header uuid */
	int64_t clock_offset_ns;     /* clock offset: realtime - monotonic; ts_ns = offset + cycles */
	uint32_t cpu_count;          /* one stream per CPU: channel0_<cpu> */
	uint32_t packet_size;        /* bytes per packet, multiple of 4096 (lttng subbuffer size) */
	enum vf_event_naming naming; /* kvm_x86_* or legacy kvm_* */
	bool pid_tid_context;        /* stream event context with pid and tid */
};

/*
 * CTF back end: creates trace_dir (must not exist or be empty) and writes
 * trace_dir/metadata and trace_dir/channel0_<cpu> exactly as lttng-modules 2.13
 * would. Memory is bounded by cpu_count * packet_size.
 */
struct vf_sink *vf_sink_ctf_new(const char *trace_dir, const struct vf_trace_desc *desc,
				struct vf_error *err);

/*
 * Trace Compass XML stub-trace back end (sink_tcxml.c): streams one
 * <trace> document, valid against TmfXmlDevelopmentTrace.xsd and laid out
 * like Trace Compass's VM stub traces (ns timestamps, a `cpu` int field on
 * every event), into out (borrowed: the caller opens and closes it, e.g. as a
 * vf_atomic_file). `path` names the file in errors. Memory is one 64 KiB
 * buffer whatever the trace length. finish() writes </trace> and flushes.
 */
struct vf_sink *vf_sink_tcxml_new(FILE *out, const char *path, const struct vf_trace_desc *desc,
				  struct vf_error *err);

/*
 * Runs inner (taken: freed with the returned sink, or at once on error) on a
 * writer thread of its own (sink_thread.c): emit() and discard() queue the
 * call, finish() drains the queue, joins the thread and finishes inner.
 * inner sees the same calls in the same order, so the output is the same
 * bytes as without the thread. Memory: a fixed ring of events.
 */
struct vf_sink *vf_sink_thread_new(struct vf_sink *inner, struct vf_error *err);

#endif /* VMFLOW_SYNTH_SINK_H */
