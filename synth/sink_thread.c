/* SPDX-License-Identifier: MIT */
/*
 * sink_thread.c - runs a sink on its own thread: the simulator produces
 * events on the caller's thread while the back end serialises and writes
 * them on another (synth is ~2/3 simulation, ~1/3 serialisation and write).
 *
 * Events and losses cross in fixed batches through a bounded ring (memory is
 * VF_SINK_THREAD_BATCHES x VF_SINK_THREAD_BATCH records whatever the trace
 * length). The producer may build each event in the ring itself (base.slot:
 * the record after the last one queued), which then crosses without a copy.
 * The back end sees exactly the calls the simulator made, in the
 * same order, so the output bytes do not depend on the threading. finish()
 * drains the ring, joins the thread and finishes the back end on the
 * caller's thread. The first error of the back end is kept and returned by
 * the next emit/discard/finish of the caller.
 *
 * Owns the wrapped sink, the ring and the thread.
 */
#include "synth/sink.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define cpu_relax() _mm_pause()
#else
#define cpu_relax() ((void)0)
#endif

#define VF_SINK_THREAD_BATCH 8192 /* 1024: 15 % slower, 32768: 13 % (1 M events) */
#define VF_SINK_THREAD_BATCHES 4
/*
 * How long a side whose turn has not come spins before it sleeps on the
 * condition variable (only with two CPUs or more). The consumer is faster
 * than the simulator, so a sleeping one needs a wake-up (a futex call, an
 * inter-processor interrupt in a VM) for every batch; a spinning one sees the
 * batch at once: 1 M events 9-15 % faster than without spinning. The spin
 * yields the CPU every 64 pauses: when the other CPU is busy (another
 * program) both threads may share one, and a spinner that did not yield
 * made the run 2.3x slower than sleeping; yielding, it stays 2-3 % faster.
 * Longer than the producer takes to fill a batch (~0.5 ms).
 */
#define VF_SINK_THREAD_SPIN_NS 2000000

enum rec_type { REC_EVENT = 0, REC_DISCARD };

struct rec {
	uint32_t type;
	uint32_t cpu;     /* REC_DISCARD */
	int64_t ts_ns;    /* REC_DISCARD */
	uint64_t count;   /* REC_DISCARD */
	struct vf_event ev; /* REC_EVENT */
};

struct batch {
	struct rec recs[VF_SINK_THREAD_BATCH];
	size_t len;
	bool last; /* the producer finished: the consumer stops after this batch */
};

struct sink_thread {
	struct vf_sink base;
	struct vf_sink *inner; /* owned */
	struct batch *ring;    /* owned: VF_SINK_THREAD_BATCHES batches */
	pthread_t thread;
	bool thread_running;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool spin; /* two CPUs or more: wait by spinning first (VF_SINK_THREAD_SPIN_NS) */
	/* each written under lock by its own side, which reads it freely; the other side
	 * reads it without the lock only while spinning */
	_Atomic size_t head; /* batches published by the producer */
	_Atomic size_t tail; /* batches consumed */
	/* under lock */
	bool failed;    /* the back end returned an error: err holds it */
	struct vf_error err;
	/* producer only */
	struct batch *cur; /* the batch being filled (ring[head % N]) */
};

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/*
 * Spins until *v differs from `from` (true), or VF_SINK_THREAD_SPIN_NS have
 * passed (false: the caller sleeps on the condition variable instead),
 * yielding the CPU now and then.
 */
static bool spin_while_equal(const _Atomic size_t *v, size_t from)
{
	int64_t deadline = 0;

	for (unsigned i = 1;; i++) {
		if (atomic_load_explicit(v, memory_order_acquire) != from) {
			return true;
		}
		cpu_relax();
		if ((i & 63) == 0) {
			int64_t t;

			/* the other side may wait for this CPU (another program holds the other) */
			sched_yield();
			t = now_ns();

			if (!deadline) {
				deadline = t + VF_SINK_THREAD_SPIN_NS;
			} else if (t > deadline) {
				return false;
			}
		}
	}
}

static void *consumer_main(void *arg)
{
	struct sink_thread *t = arg;
	/* read once: the producer writes base.slot, on the same cache line, at every event */
	struct vf_sink *inner = t->inner;
	bool failed = false;
	struct vf_error err;

	vf_error_clear(&err);
	for (;;) {
		size_t tail = atomic_load_explicit(&t->tail, memory_order_relaxed); /* ours */
		struct batch *b;

		if (t->spin) {
			(void)spin_while_equal(&t->head, tail);
		}
		pthread_mutex_lock(&t->lock);
		while (tail == atomic_load_explicit(&t->head, memory_order_relaxed)) {
			pthread_cond_wait(&t->cond, &t->lock);
		}
		b = &t->ring[tail % VF_SINK_THREAD_BATCHES];
		pthread_mutex_unlock(&t->lock);

		for (size_t i = 0; i < b->len && !failed; i++) {
			const struct rec *r = &b->recs[i];
			enum vf_status st =
				r->type == REC_EVENT
					? inner->emit(inner, &r->ev, &err)
					: inner->discard(inner, r->cpu, r->ts_ns, r->count, &err);

			failed = st != VF_OK;
		}
		bool last = b->last;

		pthread_mutex_lock(&t->lock);
		if (failed && !t->failed) {
			t->failed = true;
			t->err = err;
		}
		atomic_store_explicit(&t->tail, tail + 1, memory_order_release);
		pthread_cond_broadcast(&t->cond);
		pthread_mutex_unlock(&t->lock);
		if (last) {
			return NULL;
		}
	}
}

/*
 * Publishes the current batch (full, or the last one) and waits for a free one;
 * returns the back end's error if any.
 */
static enum vf_status publish(struct sink_thread *t, bool last, struct vf_error *err)
{
	enum vf_status st = VF_OK;
	size_t head = atomic_load_explicit(&t->head, memory_order_relaxed) + 1; /* ours */

	t->cur->last = last;
	pthread_mutex_lock(&t->lock);
	atomic_store_explicit(&t->head, head, memory_order_release);
	pthread_cond_broadcast(&t->cond);
	pthread_mutex_unlock(&t->lock);
	if (!last && t->spin) {
		size_t tail = atomic_load_explicit(&t->tail, memory_order_acquire);

		if (head - tail >= VF_SINK_THREAD_BATCHES) {
			(void)spin_while_equal(&t->tail, tail); /* the ring is full */
		}
	}
	pthread_mutex_lock(&t->lock);
	while (!last && head - atomic_load_explicit(&t->tail, memory_order_relaxed) >=
	                    VF_SINK_THREAD_BATCHES) {
		pthread_cond_wait(&t->cond, &t->lock);
	}
	if (t->failed) {
		*err = t->err;
		st = err->status != VF_OK ? err->status : VF_ERR_IO;
	}
	pthread_mutex_unlock(&t->lock);
	if (!last) { /* after the last batch the ring may be full: no slot to take */
		t->cur = &t->ring[head % VF_SINK_THREAD_BATCHES];
		t->cur->len = 0;
	}
	return st;
}

/* The record after the last one queued: the producer's next event or loss goes there. */
static struct rec *free_rec(struct sink_thread *t)
{
	return &t->cur->recs[t->cur->len];
}

/* Queues the record free_rec() returned: a full batch goes to the consumer at once. */
static enum vf_status queued(struct sink_thread *t, struct vf_error *err)
{
	enum vf_status st = VF_OK;

	if (++t->cur->len == VF_SINK_THREAD_BATCH) {
		st = publish(t, false, err);
	}
	t->base.slot = &free_rec(t)->ev;
	return st;
}

/* An event built in base.slot is queued where it lies; any other is copied. */
static enum vf_status sink_emit(struct vf_sink *base, const struct vf_event *ev,
				struct vf_error *err)
{
	struct sink_thread *t = (struct sink_thread *)base;
	struct rec *r = free_rec(t);

	if (ev != &r->ev) {
		r->ev = *ev;
	}
	r->type = REC_EVENT;
	return queued(t, err);
}

static enum vf_status sink_discard(struct vf_sink *base, uint32_t cpu, int64_t ts_ns,
				   uint64_t count, struct vf_error *err)
{
	struct sink_thread *t = (struct sink_thread *)base;
	struct rec *r = free_rec(t);

	r->type = REC_DISCARD;
	r->cpu = cpu;
	r->ts_ns = ts_ns;
	r->count = count;
	return queued(t, err);
}

/* Sends the last batch and joins the consumer; returns its error if any. */
static enum vf_status stop_thread(struct sink_thread *t, struct vf_error *err)
{
	enum vf_status st = VF_OK;

	if (!t->thread_running) {
		return VF_OK;
	}
	st = publish(t, true, err);
	pthread_join(t->thread, NULL);
	t->thread_running = false;
	t->base.slot = NULL;
	if (st == VF_OK && t->failed) {
		*err = t->err;
		st = err->status != VF_OK ? err->status : VF_ERR_IO;
	}
	return st;
}

static enum vf_status sink_finish(struct vf_sink *base, int64_t end_ns, struct vf_error *err)
{
	struct sink_thread *t = (struct sink_thread *)base;
	enum vf_status st = stop_thread(t, err);

	return st != VF_OK ? st : t->inner->finish(t->inner, end_ns, err);
}

static void sink_free(struct vf_sink *base)
{
	struct sink_thread *t = (struct sink_thread *)base;
	struct vf_error ignored;

	if (!t) {
		return;
	}
	vf_error_clear(&ignored);
	(void)stop_thread(t, &ignored);
	t->inner->free(t->inner);
	pthread_cond_destroy(&t->cond);
	pthread_mutex_destroy(&t->lock);
	free(t->ring);
	free(t);
}

struct vf_sink *vf_sink_thread_new(struct vf_sink *inner, struct vf_error *err)
{
	struct sink_thread *t;

	if (!inner) {
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (t) {
		t->ring = calloc(VF_SINK_THREAD_BATCHES, sizeof(*t->ring));
	}
	if (!t || !t->ring) {
		free(t);
		inner->free(inner);
		VF_ERROR_SET(err, VF_ERR_NOMEM, NULL, "out of memory creating the writer thread");
		return NULL;
	}
	t->inner = inner;
	t->base.emit = sink_emit;
	t->base.finish = sink_finish;
	t->base.free = sink_free;
	t->base.discard = inner->discard ? sink_discard : NULL;
	t->cur = &t->ring[0];
	t->base.slot = &free_rec(t)->ev;
	atomic_init(&t->head, 0);
	atomic_init(&t->tail, 0);
	{
		cpu_set_t cpus;

		t->spin = sched_getaffinity(0, sizeof(cpus), &cpus) == 0 && CPU_COUNT(&cpus) >= 2;
	}
	vf_error_clear(&t->err);
	pthread_mutex_init(&t->lock, NULL);
	pthread_cond_init(&t->cond, NULL);
	if (pthread_create(&t->thread, NULL, consumer_main, t) != 0) {
		pthread_cond_destroy(&t->cond);
		pthread_mutex_destroy(&t->lock);
		free(t->ring);
		free(t);
		inner->free(inner);
		VF_ERROR_SET(err, VF_ERR_NOMEM, NULL, "cannot start the writer thread");
		return NULL;
	}
	t->thread_running = true;
	return &t->base;
}
