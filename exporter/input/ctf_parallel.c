/* SPDX-License-Identifier: MIT */
/*
 * ctf_parallel.c - reads a CTF trace with several babeltrace2 graphs at once.
 *
 * Decoding is most of the cost of reading a trace and libbabeltrace2 decodes
 * on the thread that runs the graph, so the data streams are split into parts
 * (ctf_part.h): each part is read by its own graph on its own thread, merged
 * there in time order, and handed over in fixed batches through a bounded
 * ring. The caller's thread merges the parts on (timestamp, cpu, port) - the
 * one-graph reader's key - and runs the callbacks: the analyses see the same
 * events in the same order as with one graph, on one thread.
 *
 * Memory: parts x RING_BATCHES x BATCH_RECORDS records, whatever the trace
 * length. A callback error stops every part; a part's error (a corrupt
 * stream) stops the merge when it is reached, like the one-graph reader.
 *
 * Owns the parts' threads, rings and trace facts until they are merged into
 * the caller's vf_trace_info.
 */
#include "input/ctf_part.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define BATCH_RECORDS 4096
#define RING_BATCHES 4

struct rec {
	struct vf_event ev; /* ev.ts_ns / ev.cpu are the merge key, also for a loss */
	uint32_t port;
	bool loss;
	uint64_t count;   /* loss */
	int64_t end_ns;   /* loss */
};

struct batch {
	struct rec recs[BATCH_RECORDS];
	size_t len;
};

struct par;

struct part {
	struct par *par;
	uint32_t index;
	pthread_t thread;
	bool started;
	struct batch *ring; /* owned: RING_BATCHES */
	/* under par->lock */
	size_t head;   /* batches published */
	size_t tail;   /* batches consumed */
	bool done;     /* the graph has run: nothing more will be published */
	bool released; /* the merge no longer reads this part's names: the graph may go */
	/* the part's thread only (read by the merge after `done`) */
	struct batch *cur;
	struct vf_trace_info info;
	struct vf_error err;
	/* the merge only */
	const struct batch *rd;
	size_t rpos;
	bool exhausted;
};

struct par {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool stop; /* the merge gave up: parts stop at their next record */
	const char *trace_dir;
	struct part *parts;
	uint32_t count;
};

/* ---- a part's thread ---- */

/* Publishes the batch being filled and waits for room for the next one (unless last). */
static bool publish(struct part *w, bool last)
{
	struct par *par = w->par;
	bool stop;

	pthread_mutex_lock(&par->lock);
	w->head++;
	pthread_cond_broadcast(&par->cond);
	while (!last && !par->stop && w->head - w->tail >= RING_BATCHES) {
		pthread_cond_wait(&par->cond, &par->lock);
	}
	stop = par->stop;
	pthread_mutex_unlock(&par->lock);
	if (!last) {
		w->cur = &w->ring[w->head % RING_BATCHES];
		w->cur->len = 0;
	}
	return !stop;
}

static enum vf_status on_item(void *user, const struct vf_ctf_item *item, struct vf_error *err)
{
	struct part *w = user;
	struct rec *r;

	if (w->cur->len == BATCH_RECORDS && !publish(w, false)) {
		VF_ERROR_SET(err, VF_ERR_INTERNAL, NULL, "reading stopped");
		return VF_ERR_INTERNAL;
	}
	r = &w->cur->recs[w->cur->len++];
	r->port = item->port;
	r->loss = item->ev == NULL;
	if (item->ev) {
		r->ev = *item->ev;
	} else {
		r->ev.ts_ns = item->begin_ns;
		r->ev.cpu = item->cpu;
		r->count = item->count;
		r->end_ns = item->end_ns;
	}
	return VF_OK;
}

static void on_drained(void *user)
{
	struct part *w = user;
	struct par *par = w->par;

	if (w->cur->len > 0) {
		(void)publish(w, true);
	}
	pthread_mutex_lock(&par->lock);
	w->done = true;
	pthread_cond_broadcast(&par->cond);
	while (!w->released) {
		pthread_cond_wait(&par->cond, &par->lock);
	}
	pthread_mutex_unlock(&par->lock);
}

static void *part_main(void *arg)
{
	struct part *w = arg;
	struct vf_ctf_part part = {.part_index = w->index,
	                           .part_count = w->par->count,
	                           .item = on_item,
	                           .drained = on_drained,
	                           .user = w};

	(void)vf_ctf_read_part(w->par->trace_dir, &part, &w->info, &w->err);
	return NULL;
}

/* ---- the merge, on the caller's thread ---- */

/* Makes w->rd->recs[w->rpos] the part's next record; false when the part has no more. */
static bool part_fetch(struct par *par, struct part *w)
{
	while (!w->rd || w->rpos >= w->rd->len) {
		pthread_mutex_lock(&par->lock);
		if (w->rd) {
			w->tail++; /* that batch is read: the part may refill it */
			w->rd = NULL;
			pthread_cond_broadcast(&par->cond);
		}
		while (w->tail == w->head && !w->done) {
			pthread_cond_wait(&par->cond, &par->lock);
		}
		if (w->tail != w->head) {
			w->rd = &w->ring[w->tail % RING_BATCHES];
			w->rpos = 0;
		}
		pthread_mutex_unlock(&par->lock);
		if (!w->rd) {
			w->exhausted = true;
			return false;
		}
	}
	return true;
}

static bool rec_before(const struct rec *a, const struct rec *b)
{
	if (a->ev.ts_ns != b->ev.ts_ns) {
		return a->ev.ts_ns < b->ev.ts_ns;
	}
	if (a->ev.cpu != b->ev.cpu) {
		return a->ev.cpu < b->ev.cpu;
	}
	return a->port < b->port;
}

/* Merges the parts' trace facts and counts into info (whose path is already set). */
static void merge_info(struct par *par, struct vf_trace_info *info)
{
	const struct vf_trace_info *facts = NULL;

	for (uint32_t k = 0; k < par->count; k++) {
		const struct vf_trace_info *pi = &par->parts[k].info;

		if (!facts && pi->stream_count > 0) {
			facts = pi;
		}
		if (pi->begin_ns < info->begin_ns) {
			info->begin_ns = pi->begin_ns;
		}
		if (pi->end_ns > info->end_ns) {
			info->end_ns = pi->end_ns;
		}
		info->event_count += pi->event_count;
		info->kvm_event_count += pi->kvm_event_count;
		info->other_event_count += pi->other_event_count;
		info->discarded_count += pi->discarded_count;
		info->stream_count += pi->stream_count;
		if (pi->cpu_count > info->cpu_count) {
			info->cpu_count = pi->cpu_count;
		}
		info->has_pid_context |= pi->has_pid_context;
		info->has_tid_context |= pi->has_tid_context;
		if (pi->naming == VF_NAMING_LEGACY) {
			info->naming = VF_NAMING_LEGACY;
		}
	}
	if (facts) {
		memcpy(info->hostname, facts->hostname, sizeof(info->hostname));
		memcpy(info->domain, facts->domain, sizeof(info->domain));
		memcpy(info->tracer_name, facts->tracer_name, sizeof(info->tracer_name));
		info->tracer_major = facts->tracer_major;
		info->tracer_minor = facts->tracer_minor;
		memcpy(info->kernel_release, facts->kernel_release, sizeof(info->kernel_release));
		memcpy(info->clock_name, facts->clock_name, sizeof(info->clock_name));
		info->clock_frequency = facts->clock_frequency;
		info->clock_offset_seconds = facts->clock_offset_seconds;
		info->clock_offset_cycles = facts->clock_offset_cycles;
		info->clock_has_uuid = facts->clock_has_uuid;
		memcpy(info->clock_uuid, facts->clock_uuid, sizeof(info->clock_uuid));
	}
}

/* The merge proper: returns the first callback or part error in merge order. */
static enum vf_status merge(struct par *par, const struct vf_reader_callbacks *cbs,
                            struct vf_error *err)
{
	for (;;) {
		struct part *best = NULL;
		const struct rec *r;
		enum vf_status st = VF_OK;

		for (uint32_t k = 0; k < par->count; k++) {
			struct part *w = &par->parts[k];

			if (w->exhausted) {
				continue;
			}
			if (!part_fetch(par, w)) {
				if (w->err.status != VF_OK) { /* the part stopped on an error here */
					*err = w->err;
					return err->status;
				}
				continue;
			}
			if (!best || rec_before(&w->rd->recs[w->rpos], &best->rd->recs[best->rpos])) {
				best = w;
			}
		}
		if (!best) {
			return VF_OK;
		}
		r = &best->rd->recs[best->rpos++];
		if (!r->loss) {
			if (cbs->event) {
				st = cbs->event(cbs->user, &r->ev, err);
			}
		} else if (cbs->discarded) {
			st = cbs->discarded(cbs->user, r->ev.cpu, r->count, r->ev.ts_ns, r->end_ns, err);
		}
		if (st != VF_OK) {
			return st;
		}
	}
}

enum vf_status vf_ctf_read_parallel(const char *trace_dir, const struct vf_reader_callbacks *cbs,
                                    uint32_t parts, struct vf_trace_info *info,
                                    struct vf_error *err)
{
	static const struct vf_reader_callbacks no_callbacks;
	struct par par;
	enum vf_status st = VF_OK;

	memset(&par, 0, sizeof(par));
	par.trace_dir = trace_dir;
	par.count = parts;
	par.parts = calloc(parts, sizeof(*par.parts));
	if (!par.parts) {
		VF_ERROR_SET(err, VF_ERR_NOMEM, trace_dir, "out of memory");
		return VF_ERR_NOMEM;
	}
	pthread_mutex_init(&par.lock, NULL);
	pthread_cond_init(&par.cond, NULL);
	for (uint32_t k = 0; k < parts && st == VF_OK; k++) {
		struct part *w = &par.parts[k];

		w->par = &par;
		w->index = k;
		vf_trace_info_init(&w->info);
		vf_error_clear(&w->err);
		w->ring = calloc(RING_BATCHES, sizeof(*w->ring));
		if (!w->ring) {
			VF_ERROR_SET(err, VF_ERR_NOMEM, trace_dir, "out of memory");
			st = VF_ERR_NOMEM;
			break;
		}
		w->cur = &w->ring[0];
		if (pthread_create(&w->thread, NULL, part_main, w) != 0) {
			VF_ERROR_SET(err, VF_ERR_NOMEM, trace_dir, "cannot start a reader thread");
			st = VF_ERR_NOMEM;
			break;
		}
		w->started = true;
	}
	if (st == VF_OK) {
		st = merge(&par, cbs ? cbs : &no_callbacks, err);
	}

	/* Stop the parts still running, let every graph go, join. */
	pthread_mutex_lock(&par.lock);
	par.stop = st != VF_OK;
	for (uint32_t k = 0; k < parts; k++) {
		par.parts[k].released = true;
	}
	pthread_cond_broadcast(&par.cond);
	pthread_mutex_unlock(&par.lock);
	for (uint32_t k = 0; k < parts; k++) {
		if (par.parts[k].started) {
			pthread_join(par.parts[k].thread, NULL);
		}
	}
	merge_info(&par, info);
	for (uint32_t k = 0; k < parts; k++) {
		free(par.parts[k].ring);
	}
	free(par.parts);
	pthread_cond_destroy(&par.cond);
	pthread_mutex_destroy(&par.lock);
	return st;
}
