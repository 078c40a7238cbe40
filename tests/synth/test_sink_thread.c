/* SPDX-License-Identifier: MIT */
/*
 * test_sink_thread.c - the writer-thread sink (synth/sink_thread.c): the
 * wrapped back end sees exactly the calls of the simulator, in order, so a
 * trace written through the thread is byte-identical to one written
 * directly (events copied into the ring, or built in its slot); a back-end
 * error stops the run with that error; freeing before finish joins the
 * thread.
 */
#include "common/testutil.h"

#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "synth/scenario.h"
#include "synth/sim.h"
#include "synth/sink.h"

/* A back end that records the calls it gets (event ts/kind, losses) and can fail at call n. */
struct rec_sink {
	struct vf_sink base;
	uint64_t *log; /* per call: ts_ns * 64 + kind, or ~count for a loss */
	size_t len, cap;
	size_t fail_at; /* 0: never */
	int finish_count;
	int *free_count;
};

static void rec_push(struct rec_sink *r, uint64_t v)
{
	if (r->len == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 1024;
		r->log = realloc(r->log, r->cap * sizeof(*r->log));
		assert_non_null(r->log);
	}
	r->log[r->len++] = v;
}

static enum vf_status rec_emit(struct vf_sink *sink, const struct vf_event *ev,
			       struct vf_error *err)
{
	struct rec_sink *r = (struct rec_sink *)sink;

	if (r->fail_at && r->len + 1 == r->fail_at) {
		VF_ERROR_SET(err, VF_ERR_IO, "t/channel0_1", "disk full");
		return VF_ERR_IO;
	}
	rec_push(r, (uint64_t)ev->ts_ns * 64 + (uint64_t)ev->kind);
	return VF_OK;
}

static enum vf_status rec_discard(struct vf_sink *sink, uint32_t cpu, int64_t ts_ns,
				  uint64_t count, struct vf_error *err)
{
	(void)err;
	rec_push((struct rec_sink *)sink, ~(count * 1000003 + cpu + (uint64_t)ts_ns));
	return VF_OK;
}

static enum vf_status rec_finish(struct vf_sink *sink, int64_t end_ns, struct vf_error *err)
{
	(void)end_ns;
	(void)err;
	((struct rec_sink *)sink)->finish_count++;
	return VF_OK;
}

static void rec_free_keep(struct vf_sink *sink)
{
	struct rec_sink *r = (struct rec_sink *)sink;

	(*r->free_count)++; /* the test reads the log after the wrapper freed its inner sink */
}

static void rec_init(struct rec_sink *r, int *free_count)
{
	memset(r, 0, sizeof(*r));
	r->base.emit = rec_emit;
	r->base.finish = rec_finish;
	r->base.discard = rec_discard;
	r->base.free = rec_free_keep;
	r->free_count = free_count;
}

/* The discard scenario has losses: the wrapper must forward them in place, between the events. */
static void test_same_calls_in_same_order(void **state)
{
	struct vf_scenario *scn = vf_test_corpus_scenario("discard");
	struct rec_sink direct, inner;
	struct vf_sim_stats stats;
	struct vf_error err = {0};
	struct vf_sink *t;
	int frees = 0;
	size_t losses = 0;

	(void)state;
	rec_init(&direct, &frees);
	assert_int_equal(vf_sim_run(scn, &direct.base, NULL, &stats, &err), VF_OK);
	rec_init(&inner, &frees);
	t = vf_sink_thread_new(&inner.base, &err);
	assert_non_null(t);
	assert_int_equal(vf_sim_run(scn, t, NULL, NULL, &err), VF_OK);
	t->free(t);
	assert_int_equal(frees, 1);
	assert_int_equal(inner.finish_count, 1);
	assert_true(direct.len > 20000); /* several ring batches */
	assert_int_equal(inner.len, direct.len);
	assert_memory_equal(inner.log, direct.log, direct.len * sizeof(*direct.log));
	for (size_t i = 0; i < direct.len; i++) {
		losses += direct.log[i] >> 63; /* loss records are complemented: top bit set */
	}
	assert_true(losses > 0);
	free(direct.log);
	free(inner.log);
	vf_scenario_free(scn);
}

static void test_error_of_back_end_stops_the_run(void **state)
{
	struct vf_scenario *scn = vf_test_corpus_scenario("default");
	struct vf_error err = {0};
	struct rec_sink inner;
	struct vf_sink *t;
	int frees = 0;

	(void)state;
	rec_init(&inner, &frees);
	inner.fail_at = 50000;
	t = vf_sink_thread_new(&inner.base, &err);
	assert_non_null(t);
	assert_int_equal(vf_sim_run(scn, t, NULL, NULL, &err), VF_ERR_IO);
	assert_string_equal(err.msg, "disk full");
	assert_string_equal(err.where, "t/channel0_1");
	assert_int_equal(inner.len, 49999); /* nothing after the failing call */
	assert_int_equal(inner.finish_count, 0);
	t->free(t);
	assert_int_equal(frees, 1);
	free(inner.log);
	vf_scenario_free(scn);
}

static void test_free_before_finish_joins(void **state)
{
	struct vf_error err = {0};
	struct rec_sink inner;
	struct vf_event ev;
	struct vf_sink *t;
	int frees = 0;

	(void)state;
	rec_init(&inner, &frees);
	t = vf_sink_thread_new(&inner.base, &err);
	assert_non_null(t);
	memset(&ev, 0, sizeof(ev));
	ev.kind = VF_EV_KVM_ENTRY;
	for (int i = 0; i < 10; i++) {
		ev.ts_ns = 1000 + i;
		assert_int_equal(t->emit(t, &ev, &err), VF_OK);
	}
	t->free(t); /* no finish: the queued events still reach the back end, then it is freed */
	assert_int_equal(frees, 1);
	assert_int_equal(inner.len, 10);
	assert_int_equal(inner.log[9], (uint64_t)1009 * 64 + VF_EV_KVM_ENTRY);
	assert_int_equal(inner.finish_count, 0);
	free(inner.log);
}

/* Byte-identical CTF: the whole trace folder through the thread equals the direct one. */
static void synth_ctf(const struct vf_scenario *scn, const char *dir, bool threaded)
{
	struct vf_trace_desc desc;
	struct vf_error err = {0};
	struct vf_sink *sink;

	vf_scenario_trace_desc(scn, &desc);
	sink = vf_sink_ctf_new(dir, &desc, &err);
	assert_non_null(sink);
	if (threaded) {
		sink = vf_sink_thread_new(sink, &err);
		assert_non_null(sink);
	}
	if (vf_sim_run(scn, sink, NULL, NULL, &err) != VF_OK) {
		fail_msg("%s: %s", err.where, err.msg);
	}
	sink->free(sink);
}

/* Writes scn directly and through the thread, under names ending in tag: the same bytes? */
static void expect_same_bytes(const struct vf_scenario *scn, const char *tag)
{
	char a[4096], b[4096], name[128], cmd[8400];

	snprintf(name, sizeof(name), "sink_thread_direct_%s", tag);
	snprintf(a, sizeof(a), "%s", vf_test_tmpdir(name));
	snprintf(name, sizeof(name), "sink_thread_threaded_%s", tag);
	snprintf(b, sizeof(b), "%s", vf_test_tmpdir(name));
	synth_ctf(scn, a, false);
	synth_ctf(scn, b, true);
	snprintf(cmd, sizeof(cmd), "diff -r '%s' '%s' && test -s '%s/channel0_0'", a, b, b);
	if (vf_test_run(cmd, NULL, 0) != 0) {
		fail_msg("%s: the threaded trace differs from the direct one", tag);
	}
}

/*
 * discard: the events are copied into the ring (a loss may be queued while one is built);
 * the others are built in the ring's slot: every payload kind (devices, IPIs, nested
 * SVM, CR3 reports, statedump) must arrive whole.
 */
static void test_ctf_bytes_identical(void **state)
{
	static const char *const names[] = {"discard",    "disk-net",  "ipi",
	                                    "nested-svm", "processes", "default"};

	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct vf_scenario *scn = vf_test_corpus_scenario(names[i]);

		expect_same_bytes(scn, names[i]);
		vf_scenario_free(scn);
	}
}

/*
 * On one CPU the two sides do not spin (they would only delay each other):
 * the sleep-and-wake path alone, through 17 ring batches, gives the same bytes.
 */
static void test_one_cpu_same_bytes(void **state)
{
	struct vf_scenario *scn = vf_test_corpus_scenario("default");
	cpu_set_t all, one;

	(void)state;
	assert_int_equal(sched_getaffinity(0, sizeof(all), &all), 0);
	CPU_ZERO(&one);
	for (int c = 0; c < CPU_SETSIZE; c++) {
		if (CPU_ISSET(c, &all)) {
			CPU_SET(c, &one);
			break;
		}
	}
	/* both runs on the one CPU; the writer thread inherits it */
	assert_int_equal(sched_setaffinity(0, sizeof(one), &one), 0);
	expect_same_bytes(scn, "one_cpu");
	assert_int_equal(sched_setaffinity(0, sizeof(all), &all), 0);
	vf_scenario_free(scn);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_same_calls_in_same_order),
	    cmocka_unit_test(test_error_of_back_end_stops_the_run),
	    cmocka_unit_test(test_free_before_finish_joins),
	    cmocka_unit_test(test_ctf_bytes_identical),
	    cmocka_unit_test(test_one_cpu_same_bytes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
