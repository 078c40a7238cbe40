/* SPDX-License-Identifier: MIT */
/*
 * ctf_part.h - between the CTF reader (ctf_reader.c) and its parallel driver
 * (ctf_parallel.c): reading one part of a trace's data streams.
 *
 * A part is the src.ctf.fs output ports p with p % part_count == part_index,
 * read by its own babeltrace2 graph and merged in time order like the whole
 * trace is (key: timestamp, cpu, port). Each merged item goes to a callback
 * with its port's index among all the trace's ports, so that a merge of the
 * parts on (timestamp, cpu, port) gives exactly the order of the one-graph
 * reader. Each part loads its own babeltrace2 `ctf` plugin (under a lock):
 * libbabeltrace2 objects are not shared between threads.
 */
#ifndef VMFLOW_INPUT_CTF_PART_H
#define VMFLOW_INPUT_CTF_PART_H

#include <stdint.h>

#include "input/reader.h"

/* One merged item of a part: an event, or a loss (discarded events) when ev is NULL. */
struct vf_ctf_item {
	const struct vf_event *ev; /* borrowed; its name lives until the part's drained() returns */
	uint32_t port;             /* index among all the trace's ports */
	uint32_t cpu;              /* loss: its cpu */
	uint64_t count;            /* loss: events lost (0: unknown) */
	int64_t begin_ns;          /* loss: interval */
	int64_t end_ns;
};

struct vf_ctf_part {
	uint32_t part_index;
	uint32_t part_count;
	/* Called for every item in this part's time order; a non-OK status stops the part. */
	enum vf_status (*item)(void *user, const struct vf_ctf_item *item, struct vf_error *err);
	/*
	 * Called once the graph has run (to its end or to an error), before it is
	 * destroyed: the event names handed to item() are still valid until it returns.
	 */
	void (*drained)(void *user);
	void *user;
};

/*
 * Reads one part of the CTF trace in trace_dir (a trace folder, already found
 * and probed by vf_ctf_read_generic()). info (initialised by the caller)
 * receives the trace facts and this part's counts; err the part's error.
 */
enum vf_status vf_ctf_read_part(const char *trace_dir, const struct vf_ctf_part *part,
				struct vf_trace_info *info, struct vf_error *err);

/*
 * Reads trace_dir with `parts` graphs on as many threads and merges them on
 * the caller's thread, which runs cbs->event / cbs->discarded exactly as
 * the one-graph reader would (same events, same order). ctf_parallel.c.
 */
enum vf_status vf_ctf_read_parallel(const char *trace_dir, const struct vf_reader_callbacks *cbs,
				    uint32_t parts, struct vf_trace_info *info,
				    struct vf_error *err);

#endif /* VMFLOW_INPUT_CTF_PART_H */
