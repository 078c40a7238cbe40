/* SPDX-License-Identifier: MIT */
/*
 * test_sim.c - the synth simulator with an in-memory sink.
 *
 * Two tiny scenarios with constant distributions are checked event by event
 * and interval by interval against values worked out by hand. The corpora
 * scenarios are checked against invariants and against a reference built
 * here from the emitted events alone (docs/states.md applied to the event
 * stream): the truth the simulator writes from its own state must be the
 * same intervals, exit counts and guest time.
 */
#include "common/testutil.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/exit_reasons.h"
#include "synth/scenario.h"
#include "synth/sim.h"
#include "synth/sink.h"
#include "synth/truth.h"
#include "vmflow/history.h"

/* ---- an in-memory sink ---- */

struct mem_sink {
	struct vf_sink base;
	struct vf_event *evs;
	size_t count;
	size_t cap;
	int finish_count;
	int64_t end_ns;
	bool emitted_after_finish;
};

static enum vf_status mem_emit(struct vf_sink *sink, const struct vf_event *ev,
                               struct vf_error *err)
{
	struct mem_sink *m = (struct mem_sink *)sink;

	(void)err;
	if (m->finish_count) {
		m->emitted_after_finish = true;
	}
	if (m->count == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 4096;
		m->evs = realloc(m->evs, m->cap * sizeof(*m->evs));
		assert_non_null(m->evs);
	}
	m->evs[m->count++] = *ev;
	return VF_OK;
}

static enum vf_status mem_finish(struct vf_sink *sink, int64_t end_ns, struct vf_error *err)
{
	struct mem_sink *m = (struct mem_sink *)sink;

	(void)err;
	m->finish_count++;
	m->end_ns = end_ns;
	return VF_OK;
}

static void mem_free(struct vf_sink *sink)
{
	struct mem_sink *m = (struct mem_sink *)sink;

	free(m->evs);
	free(m);
}

static struct mem_sink *mem_sink_new(void)
{
	struct mem_sink *m = calloc(1, sizeof(*m));

	assert_non_null(m);
	m->base.emit = mem_emit;
	m->base.finish = mem_finish;
	m->base.free = mem_free;
	return m;
}

/* ---- running a scenario ---- */

struct run {
	struct vf_scenario *scn;
	struct mem_sink *sink;
	struct vf_history *h;
	struct vf_truth *truth;
	struct vf_sim_stats stats;
	char *tsv;
	size_t tsv_len;
};

static struct vf_scenario *scenario_text(const char *text)
{
	struct vf_error err = {0};
	struct vf_scenario *scn = vf_scenario_new_from_string(text, strlen(text), "t.yaml", &err);

	if (!scn) {
		fail_msg("%s: %s", err.where, err.msg);
	}
	return scn;
}

/* Runs scn (taken) and writes the truth as states.tsv into r->tsv. */
static void run_scenario(struct vf_scenario *scn, struct run *r)
{
	struct vf_error err = {0};
	FILE *fp;

	memset(r, 0, sizeof(*r));
	r->scn = scn;
	r->sink = mem_sink_new();
	r->h = vf_history_new(NULL, &err);
	assert_non_null(r->h);
	r->truth = vf_truth_new(r->h, &err);
	assert_non_null(r->truth);
	if (vf_sim_run(scn, &r->sink->base, r->truth, &r->stats, &err) != VF_OK) {
		fail_msg("sim: %s: %s", err.where, err.msg);
	}
	assert_int_equal(vf_history_check(r->h, &err), VF_OK);
	fp = open_memstream(&r->tsv, &r->tsv_len);
	assert_non_null(fp);
	assert_int_equal(vf_truth_write_tsv(r->h, fp, &err), VF_OK);
	fclose(fp);
}

static void run_free(struct run *r)
{
	vf_truth_free(r->truth);
	vf_history_free(r->h);
	r->sink->base.free(&r->sink->base);
	vf_scenario_free(r->scn);
	free(r->tsv);
}

/* One line per event with every field the simulator sets. */
static void format_event(const struct vf_event *ev, char *buf, size_t size)
{
	int n = snprintf(buf, size, "%" PRId64 " c%u %s [%d/%d]", ev->ts_ns, ev->cpu, ev->name,
	                 ev->pid, ev->tid);

	switch (ev->kind) {
	case VF_EV_SCHED_SWITCH: {
		const struct vf_ev_sched_switch *s = &ev->u.sched_switch;

		snprintf(buf + n, size - (size_t)n, " %s %d p%d st=%" PRId64 " -> %s %d p%d",
		         s->prev_comm, s->prev_tid, s->prev_prio, s->prev_state, s->next_comm,
		         s->next_tid, s->next_prio);
		break;
	}
	case VF_EV_SCHED_WAKING:
		snprintf(buf + n, size - (size_t)n, " %s %d p%d target=%d", ev->u.sched_wake.comm,
		         ev->u.sched_wake.tid, ev->u.sched_wake.prio, ev->u.sched_wake.target_cpu);
		break;
	case VF_EV_KVM_ENTRY:
		snprintf(buf + n, size - (size_t)n, " vcpu=%u", ev->u.kvm_entry.vcpu_id);
		break;
	case VF_EV_KVM_EXIT: {
		const struct vf_ev_kvm_exit *x = &ev->u.kvm_exit;

		snprintf(buf + n, size - (size_t)n,
		         " reason=%u isa=%u vcpu=%u%s rip=0x%" PRIx64 " info1=0x%" PRIx64
		         " info2=0x%" PRIx64 " intr=0x%x err=0x%x",
		         x->exit_reason, x->isa, x->vcpu_id, x->has_vcpu_id ? "" : "?",
		         x->guest_rip, x->info1, x->info2, x->intr_info, x->error_code);
		break;
	}
	case VF_EV_KVM_INJ_VIRQ:
		snprintf(buf + n, size - (size_t)n, " irq=%u", ev->u.inj_virq.irq);
		break;
	default:
		snprintf(buf + n, size - (size_t)n, " ?");
		break;
	}
}

/* The events as text, without the exit payload details (for hand-written expectations). */
static char *events_text(const struct mem_sink *m)
{
	size_t cap = m->count * 160 + 1, len = 0, i;
	char *out = malloc(cap);

	assert_non_null(out);
	out[0] = '\0';
	for (i = 0; i < m->count; i++) {
		char line[512];
		char *cut;

		format_event(&m->evs[i], line, sizeof(line));
		if ((cut = strstr(line, " rip="))) {
			*cut = '\0';
		}
		len += (size_t)snprintf(out + len, cap - len, "%s\n", line);
	}
	return out;
}

/* ---- a reference vCPU state machine built from the events alone (docs/states.md) ---- */

#define MAX_TID 200000

enum { K_NONE = 0, K_ENTRY, K_EXIT, K_INJ };

struct ival {
	int64_t start;
	int64_t end;
	char value[32];
};

struct ilist {
	struct ival *v;
	size_t n;
	size_t cap;
	bool open;
	int64_t open_start;
	char open_value[32];
};

struct ref_vcpu {
	bool is_vcpu;
	int32_t pid;
	uint32_t vcpu_id;
	uint32_t isa;
	int last_kvm;
	bool started;
	int64_t first_in;
	int64_t entry_ts;
	int64_t guest_total;
	bool has_exit;
	char last_exit[32];
	bool exit_open;
	int64_t exit_ts;
	uint32_t exit_reason;
	long wait_idx;          /* interval index of an unclassified wait, or -1 */
	bool wait_classifiable; /* switched in after the wait, no inj/entry yet */
	struct ilist status;
	struct ilist exit;
	struct ilist truth_status;
	struct ilist truth_exit;
};

struct ref_exit_row {
	int32_t pid;
	uint32_t vcpu;
	uint32_t reason;
	uint64_t count;
	int64_t total;
};

struct ref {
	struct ref_vcpu *t; /* indexed by tid */
	int32_t *on_cpu;    /* tid -> cpu + 1 (0 = off CPU) */
	struct ref_exit_row rows[512];
	size_t row_count;
	int64_t value_total[8]; /* truth time per Status value, see value_index() */
};

static const char *const value_names[8] = {"guest",        "hypervisor", "preempted_host",
                                           "preempted_vm", "wait_timer", "wait_unknown",
                                           "wait_host",    "other"};

static int value_index(const char *v)
{
	int i;

	for (i = 0; i < 7; i++) {
		if (!strcmp(v, value_names[i])) {
			return i;
		}
	}
	return 7;
}

static void il_add(struct ilist *l, int64_t start, int64_t end, const char *value)
{
	if (start >= end) {
		return;
	}
	if (l->n && l->v[l->n - 1].end == start && !strcmp(l->v[l->n - 1].value, value)) {
		l->v[l->n - 1].end = end; /* merge contiguous equal values */
		return;
	}
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->v = realloc(l->v, l->cap * sizeof(*l->v));
		assert_non_null(l->v);
	}
	l->v[l->n].start = start;
	l->v[l->n].end = end;
	snprintf(l->v[l->n].value, sizeof(l->v[l->n].value), "%s", value);
	l->n++;
}

static void il_end(struct ilist *l, int64_t ts)
{
	if (l->open) {
		il_add(l, l->open_start, ts, l->open_value);
		l->open = false;
	}
}

static void il_set(struct ilist *l, int64_t ts, const char *value)
{
	if (l->open && !strcmp(l->open_value, value)) {
		return;
	}
	il_end(l, ts);
	l->open = true;
	l->open_start = ts;
	snprintf(l->open_value, sizeof(l->open_value), "%s", value);
}

static void classify_wait(struct ref_vcpu *v, const char *value)
{
	if (v->wait_idx >= 0) {
		assert_string_equal(v->status.v[v->wait_idx].value, "wait?");
		snprintf(v->status.v[v->wait_idx].value, sizeof(v->status.v[0].value), "%s", value);
	}
	v->wait_idx = -1;
	v->wait_classifiable = false;
}

static void count_exit(struct ref *r, struct ref_vcpu *v, int64_t ts)
{
	size_t i;

	for (i = 0; i < r->row_count; i++) {
		if (r->rows[i].pid == v->pid && r->rows[i].vcpu == v->vcpu_id &&
		    r->rows[i].reason == v->exit_reason) {
			break;
		}
	}
	if (i == r->row_count) {
		assert_true(r->row_count < 512);
		r->rows[r->row_count++] =
		    (struct ref_exit_row){v->pid, v->vcpu_id, v->exit_reason, 0, 0};
	}
	r->rows[i].count++;
	r->rows[i].total += ts - v->exit_ts;
	v->exit_open = false;
}

static const struct vf_scn_vm *vm_of(const struct vf_scenario *scn, int32_t pid)
{
	size_t i;

	for (i = 0; i < scn->vm_count; i++) {
		if (scn->vms[i].pid == pid) {
			return &scn->vms[i];
		}
	}
	return NULL;
}

/*
 * Replays the events: checks the invariants, builds the reference intervals
 * and exit counts, then compares them with the truth. Needs pid/tid contexts.
 */
static void check_run(struct run *run, struct ref *r)
{
	const struct vf_scenario *scn = run->scn;
	const struct mem_sink *m = run->sink;
	int64_t begin = run->stats.begin_ns, end = run->stats.end_ns, prev_ts = INT64_MIN;
	int32_t cur[64] = {0};
	struct vf_history_iter *it;
	struct vf_error err = {0};
	uint32_t path_id, value_id;
	int64_t s, e;
	size_t i, tid;
	const struct vf_truth_exit_row *rows;
	size_t row_count;

	assert_true(scn->host.cpu_count <= 64);
	memset(r, 0, sizeof(*r));
	r->t = calloc(MAX_TID, sizeof(*r->t));
	r->on_cpu = calloc(MAX_TID, sizeof(*r->on_cpu));
	assert_non_null(r->t);
	assert_non_null(r->on_cpu);
	assert_int_equal(m->finish_count, 1);
	assert_false(m->emitted_after_finish);
	assert_int_equal(m->end_ns, end);
	assert_int_equal(end - begin, scn->duration_ns);
	assert_int_equal(run->stats.event_count, m->count);

	/* vCPU threads are the threads that emit KVM events */
	for (i = 0; i < m->count; i++) {
		const struct vf_event *ev = &m->evs[i];

		if (ev->kind == VF_EV_KVM_ENTRY || ev->kind == VF_EV_KVM_EXIT) {
			struct ref_vcpu *v;
			uint32_t id = ev->kind == VF_EV_KVM_ENTRY ? ev->u.kvm_entry.vcpu_id
			                                          : ev->u.kvm_exit.vcpu_id;

			assert_true(ev->tid > 0 && ev->tid < MAX_TID);
			v = &r->t[ev->tid];
			if (!v->is_vcpu) {
				v->is_vcpu = true;
				v->pid = ev->pid;
				v->vcpu_id = id;
				v->isa = vm_of(scn, ev->pid)->isa;
				v->wait_idx = -1;
			}
			assert_int_equal(v->pid, ev->pid);
			assert_int_equal(v->vcpu_id, id);
		}
	}

	for (i = 0; i < m->count; i++) {
		const struct vf_event *ev = &m->evs[i];
		struct ref_vcpu *v = ev->tid > 0 && ev->tid < MAX_TID ? &r->t[ev->tid] : NULL;
		char name[32];

		assert_true(ev->ts_ns >= prev_ts); /* globally time-ordered */
		assert_true(ev->ts_ns >= begin && ev->ts_ns < end);
		prev_ts = ev->ts_ns;
		assert_true(ev->cpu < scn->host.cpu_count);
		assert_int_equal(ev->tid, cur[ev->cpu]); /* context = the CPU's current thread */
		assert_string_equal(ev->name, vf_event_kind_name(ev->kind, scn->trace.naming));
		switch (ev->kind) {
		case VF_EV_SCHED_SWITCH: {
			const struct vf_ev_sched_switch *sw = &ev->u.sched_switch;
			struct ref_vcpu *p = sw->prev_tid > 0 ? &r->t[sw->prev_tid] : NULL;
			struct ref_vcpu *n = sw->next_tid > 0 ? &r->t[sw->next_tid] : NULL;

			assert_int_equal(sw->prev_tid, cur[ev->cpu]);
			assert_int_not_equal(sw->prev_tid, sw->next_tid);
			if (sw->prev_tid > 0) {
				assert_int_equal(r->on_cpu[sw->prev_tid], (int32_t)ev->cpu + 1);
				r->on_cpu[sw->prev_tid] = 0;
			}
			if (sw->next_tid > 0) {
				assert_int_equal(r->on_cpu[sw->next_tid],
				                 0); /* not on another CPU */
				r->on_cpu[sw->next_tid] = (int32_t)ev->cpu + 1;
			}
			cur[ev->cpu] = sw->next_tid;
			if (p && p->is_vcpu) {
				/* a vCPU thread leaves its pCPU only after an exit */
				assert_int_equal(p->last_kvm, K_EXIT);
				if (sw->prev_state == 0) {
					il_set(&p->status, ev->ts_ns,
					       n && n->is_vcpu ? "preempted_vm" : "preempted_host");
				} else {
					il_set(&p->status, ev->ts_ns, "wait?");
				}
				il_end(&p->exit, ev->ts_ns);
			}
			if (n && n->is_vcpu) {
				bool was_wait =
				    n->status.open && !strcmp(n->status.open_value, "wait?");

				if (!n->started) {
					n->started = true;
					n->first_in = ev->ts_ns;
				}
				il_set(&n->status, ev->ts_ns, "hypervisor");
				if (was_wait) {
					n->wait_idx = (long)n->status.n - 1;
					n->wait_classifiable = true;
				}
				if (n->has_exit) {
					il_set(&n->exit, ev->ts_ns, n->last_exit);
				}
			}
			break;
		}
		case VF_EV_SCHED_WAKING:
			assert_int_equal(r->on_cpu[ev->u.sched_wake.tid], 0);
			assert_true(ev->u.sched_wake.target_cpu >= 0 &&
			            (uint32_t)ev->u.sched_wake.target_cpu < scn->host.cpu_count);
			break;
		case VF_EV_KVM_INJ_VIRQ:
			assert_non_null(v);
			assert_true(v->is_vcpu);
			assert_int_not_equal(v->last_kvm,
			                     K_ENTRY); /* injections happen in root mode */
			if (v->wait_classifiable) {
				classify_wait(v,
				              ev->u.inj_virq.irq == vm_of(scn, v->pid)->timer_vector
				                  ? "wait_timer"
				                  : "wait_unknown");
			}
			v->last_kvm = K_INJ;
			break;
		case VF_EV_KVM_ENTRY:
			assert_true(v->started);
			assert_int_not_equal(v->last_kvm, K_ENTRY); /* entry/exit alternate */
			if (v->wait_classifiable) {
				classify_wait(v, "wait_unknown");
			}
			il_set(&v->status, ev->ts_ns, "guest");
			il_end(&v->exit, ev->ts_ns);
			if (v->exit_open) {
				count_exit(r, v, ev->ts_ns);
			}
			v->last_kvm = K_ENTRY;
			v->entry_ts = ev->ts_ns;
			break;
		case VF_EV_KVM_EXIT:
			assert_int_equal(v->last_kvm, K_ENTRY);
			assert_int_equal(ev->u.kvm_exit.isa, v->isa);
			assert_true(ev->u.kvm_exit.has_vcpu_id);
			assert_true(ev->u.kvm_exit.guest_rip >= 0xffffffff81000000ull);
			v->guest_total += ev->ts_ns - v->entry_ts;
			snprintf(v->last_exit, sizeof(v->last_exit), "%s",
			         vf_exit_reason_name(v->isa, ev->u.kvm_exit.exit_reason, name,
			                             sizeof(name)));
			v->has_exit = true;
			il_set(&v->status, ev->ts_ns, "hypervisor");
			il_end(&v->exit, ev->ts_ns); /* each exit is its own Exit interval */
			il_set(&v->exit, ev->ts_ns, v->last_exit);
			v->exit_open = true;
			v->exit_ts = ev->ts_ns;
			v->exit_reason = ev->u.kvm_exit.exit_reason;
			v->last_kvm = K_EXIT;
			break;
		default:
			fail_msg("unexpected event kind %d", (int)ev->kind);
		}
	}
	for (tid = 0; tid < MAX_TID; tid++) {
		struct ref_vcpu *v = &r->t[tid];

		if (v->is_vcpu) {
			if (v->last_kvm == K_ENTRY) {
				v->guest_total += end - v->entry_ts;
			}
			il_end(&v->status, end);
			il_end(&v->exit, end);
			/*
			 * A halt the trace does not resolve (switched in but not injected yet, or
			 * still waiting): the truth names what the simulator scheduled to end it,
			 * and these scenarios only ever halt for their timer.
			 */
			if (v->wait_idx >= 0) {
				classify_wait(v, "wait_timer");
			} else if (v->status.n &&
			           !strcmp(v->status.v[v->status.n - 1].value, "wait?")) {
				v->wait_idx = (long)v->status.n - 1; /* still waiting at the end */
				classify_wait(v, "wait_timer");
			}
		}
	}

	/* the truth, split per vCPU */
	it = vf_history_iter_new(run->h, &err);
	assert_non_null(it);
	while (vf_history_iter_next(it, &path_id, &s, &e, &value_id)) {
		const char *path = vf_history_path_name(run->h, path_id);
		const char *value = vf_history_value_name(run->h, value_id);
		int pid;
		unsigned vcpu;
		char leaf[16];
		struct ref_vcpu *v = NULL;

		assert_int_equal(sscanf(path, "VMs/%d/vCPUs/%u/%15s", &pid, &vcpu, leaf), 3);
		for (tid = 0; tid < MAX_TID && !v; tid++) {
			if (r->t[tid].is_vcpu && r->t[tid].pid == pid &&
			    r->t[tid].vcpu_id == vcpu) {
				v = &r->t[tid];
			}
		}
		assert_non_null(v);
		if (!strcmp(leaf, "Status")) {
			il_add(&v->truth_status, s, e, value);
			r->value_total[value_index(value)] += e - s;
		} else {
			assert_string_equal(leaf, "Exit");
			il_add(&v->truth_exit, s, e, value);
		}
	}
	assert_int_equal(vf_history_iter_free(it, &err), VF_OK);

	for (tid = 0; tid < MAX_TID; tid++) {
		struct ref_vcpu *v = &r->t[tid];
		int64_t guest = 0;
		size_t k;

		if (!v->is_vcpu) {
			continue;
		}
		/* the line covers [first switch-in, end) without a gap */
		assert_true(v->truth_status.n > 0);
		assert_int_equal(v->truth_status.v[0].start, v->first_in);
		assert_int_equal(v->truth_status.v[v->truth_status.n - 1].end, end);
		for (k = 1; k < v->truth_status.n; k++) {
			assert_int_equal(v->truth_status.v[k].start, v->truth_status.v[k - 1].end);
		}
		/* same intervals as the reference built from the events */
		assert_int_equal(v->truth_status.n, v->status.n);
		for (k = 0; k < v->status.n; k++) {
			const struct ival *a = &v->truth_status.v[k], *b = &v->status.v[k];

			if (a->start != b->start || a->end != b->end ||
			    strcmp(a->value, b->value)) {
				fail_msg("vCPU %d/%u interval %zu: truth [%" PRId64 ", %" PRId64
				         ") %s, events [%" PRId64 ", %" PRId64 ") %s",
				         v->pid, v->vcpu_id, k, a->start, a->end, a->value,
				         b->start, b->end, b->value);
			}
			if (!strcmp(a->value, "guest")) {
				guest += a->end - a->start;
			}
		}
		assert_int_equal(v->truth_exit.n, v->exit.n);
		for (k = 0; k < v->exit.n; k++) {
			assert_int_equal(v->truth_exit.v[k].start, v->exit.v[k].start);
			assert_int_equal(v->truth_exit.v[k].end, v->exit.v[k].end);
			assert_string_equal(v->truth_exit.v[k].value, v->exit.v[k].value);
		}
		/* truth guest time = sum of (exit - entry) over the events */
		assert_int_equal(guest, v->guest_total);
	}
	rows = vf_truth_exit_rows(run->truth, &row_count);
	assert_int_equal(row_count, r->row_count);
	for (i = 0; i < row_count; i++) {
		size_t k;

		for (k = 0; k < r->row_count; k++) {
			if (r->rows[k].pid == rows[i].vm_pid &&
			    r->rows[k].vcpu == rows[i].vcpu_id &&
			    r->rows[k].reason == rows[i].reason) {
				break;
			}
		}
		assert_true(k < r->row_count);
		assert_int_equal(rows[i].count, r->rows[k].count);
		assert_int_equal(rows[i].total_ns, r->rows[k].total);
	}
}

static void ref_free(struct ref *r)
{
	size_t tid;

	for (tid = 0; tid < MAX_TID; tid++) {
		free(r->t[tid].status.v);
		free(r->t[tid].exit.v);
		free(r->t[tid].truth_status.v);
		free(r->t[tid].truth_exit.v);
	}
	free(r->t);
	free(r->on_cpu);
}

/* ---- hand-computed scenarios ---- */

static const char one_vcpu_yaml[] =
    "seed: 7\n"
    "duration: 5ms\n"
    "host:\n"
    "  cpus: 1\n"
    "  latency: {wakeup: 2us, vcpu_load: 3us, inject: 1us, block: 2us, interrupt: 1us}\n"
    "vms:\n"
    "  - pid: 1000\n"
    "    main_thread: none\n"
    "    guest: {cpu_burst: 1ms, idle: 500us, tick: 0}\n"
    "    exits: none\n"
    "trace: {clock_offset: 0}\n";

static void test_sim_one_vcpu_halts_and_timer_wakeups(void **state)
{
	static const char expected_events[] =
	    "10000 c0 sched_waking [0/0] CPU 0/KVM 1001 p20 target=0\n"
	    "12000 c0 sched_switch [0/0] swapper/0 0 p20 st=0 -> CPU 0/KVM 1001 p20\n"
	    "15000 c0 kvm_x86_entry [1000/1001] vcpu=0\n"
	    "1015000 c0 kvm_x86_exit [1000/1001] reason=12 isa=1 vcpu=0\n"
	    "1017000 c0 sched_switch [1000/1001] CPU 0/KVM 1001 p20 st=1 -> swapper/0 0 p20\n"
	    "1515000 c0 sched_waking [0/0] CPU 0/KVM 1001 p20 target=0\n"
	    "1517000 c0 sched_switch [0/0] swapper/0 0 p20 st=0 -> CPU 0/KVM 1001 p20\n"
	    "1520000 c0 kvm_x86_inj_virq [1000/1001] irq=236\n"
	    "1521000 c0 kvm_x86_entry [1000/1001] vcpu=0\n"
	    "2521000 c0 kvm_x86_exit [1000/1001] reason=12 isa=1 vcpu=0\n"
	    "2523000 c0 sched_switch [1000/1001] CPU 0/KVM 1001 p20 st=1 -> swapper/0 0 p20\n"
	    "3021000 c0 sched_waking [0/0] CPU 0/KVM 1001 p20 target=0\n"
	    "3023000 c0 sched_switch [0/0] swapper/0 0 p20 st=0 -> CPU 0/KVM 1001 p20\n"
	    "3026000 c0 kvm_x86_inj_virq [1000/1001] irq=236\n"
	    "3027000 c0 kvm_x86_entry [1000/1001] vcpu=0\n"
	    "4027000 c0 kvm_x86_exit [1000/1001] reason=12 isa=1 vcpu=0\n"
	    "4029000 c0 sched_switch [1000/1001] CPU 0/KVM 1001 p20 st=1 -> swapper/0 0 p20\n"
	    "4527000 c0 sched_waking [0/0] CPU 0/KVM 1001 p20 target=0\n"
	    "4529000 c0 sched_switch [0/0] swapper/0 0 p20 st=0 -> CPU 0/KVM 1001 p20\n"
	    "4532000 c0 kvm_x86_inj_virq [1000/1001] irq=236\n"
	    "4533000 c0 kvm_x86_entry [1000/1001] vcpu=0\n";
	static const char expected_tsv[] = "path\tstart\tend\tvalue\n"
	                                   "VMs/1000/vCPUs/0/Exit\t1015000\t1017000\tHLT\n"
	                                   "VMs/1000/vCPUs/0/Exit\t1517000\t1521000\tHLT\n"
	                                   "VMs/1000/vCPUs/0/Exit\t2521000\t2523000\tHLT\n"
	                                   "VMs/1000/vCPUs/0/Exit\t3023000\t3027000\tHLT\n"
	                                   "VMs/1000/vCPUs/0/Exit\t4027000\t4029000\tHLT\n"
	                                   "VMs/1000/vCPUs/0/Exit\t4529000\t4533000\tHLT\n"
	                                   "VMs/1000/vCPUs/0/Status\t12000\t15000\thypervisor\n"
	                                   "VMs/1000/vCPUs/0/Status\t15000\t1015000\tguest\n"
	                                   "VMs/1000/vCPUs/0/Status\t1015000\t1017000\thypervisor\n"
	                                   "VMs/1000/vCPUs/0/Status\t1017000\t1517000\twait_timer\n"
	                                   "VMs/1000/vCPUs/0/Status\t1517000\t1521000\thypervisor\n"
	                                   "VMs/1000/vCPUs/0/Status\t1521000\t2521000\tguest\n"
	                                   "VMs/1000/vCPUs/0/Status\t2521000\t2523000\thypervisor\n"
	                                   "VMs/1000/vCPUs/0/Status\t2523000\t3023000\twait_timer\n"
	                                   "VMs/1000/vCPUs/0/Status\t3023000\t3027000\thypervisor\n"
	                                   "VMs/1000/vCPUs/0/Status\t3027000\t4027000\tguest\n"
	                                   "VMs/1000/vCPUs/0/Status\t4027000\t4029000\thypervisor\n"
	                                   "VMs/1000/vCPUs/0/Status\t4029000\t4529000\twait_timer\n"
	                                   "VMs/1000/vCPUs/0/Status\t4529000\t4533000\thypervisor\n"
	                                   "VMs/1000/vCPUs/0/Status\t4533000\t5000000\tguest\n";
	struct run run;
	struct ref ref;
	const struct vf_truth_exit_row *rows;
	size_t row_count;
	char *text;

	(void)state;
	run_scenario(scenario_text(one_vcpu_yaml), &run);
	text = events_text(run.sink);
	assert_string_equal(text, expected_events);
	free(text);
	assert_string_equal(run.tsv, expected_tsv);
	assert_int_equal(run.stats.begin_ns, 0);
	assert_int_equal(run.stats.end_ns, 5000000);
	assert_int_equal(run.stats.vcpu_count, 1);
	rows = vf_truth_exit_rows(run.truth, &row_count);
	assert_int_equal(row_count, 1);
	assert_int_equal(rows[0].vm_pid, 1000);
	assert_int_equal(rows[0].vcpu_id, 0);
	assert_int_equal(rows[0].reason, 12);
	assert_int_equal(rows[0].count, 3); /* HLT at 1015000, 2521000, 4027000 */
	assert_int_equal(rows[0].total_ns, 3 * 506000);
	check_run(&run, &ref);
	ref_free(&ref);
	run_free(&run);
}

static const char two_vms_one_cpu_yaml[] =
    "duration: 5ms\n"
    "host:\n"
    "  cpus: 1\n"
    "  slice: 1ms\n"
    "  latency: {wakeup: 2us, vcpu_load: 3us, inject: 1us, block: 2us, interrupt: 1us}\n"
    "vms:\n"
    "  - {pid: 1000, main_thread: none, exits: none, guest: {cpu_burst: 10ms, tick: 0}}\n"
    "  - {pid: 2000, main_thread: none, exits: none, guest: {cpu_burst: 10ms, tick: 0}}\n"
    "trace: {clock_offset: 0}\n";

static void test_sim_two_vms_preempt_each_other(void **state)
{
	static const char expected_events[] =
	    "10000 c0 sched_waking [0/0] CPU 0/KVM 1001 p20 target=0\n"
	    "12000 c0 sched_switch [0/0] swapper/0 0 p20 st=0 -> CPU 0/KVM 1001 p20\n"
	    "15000 c0 kvm_x86_entry [1000/1001] vcpu=0\n"
	    "20000 c0 kvm_x86_exit [1000/1001] reason=1 isa=1 vcpu=0\n"
	    "20000 c0 sched_waking [1000/1001] CPU 0/KVM 2001 p20 target=0\n"
	    "21000 c0 kvm_x86_entry [1000/1001] vcpu=0\n"
	    "1012000 c0 kvm_x86_exit [1000/1001] reason=1 isa=1 vcpu=0\n"
	    "1013000 c0 sched_switch [1000/1001] CPU 0/KVM 1001 p20 st=0 -> CPU 0/KVM 2001 p20\n"
	    "1016000 c0 kvm_x86_entry [2000/2001] vcpu=0\n"
	    "2013000 c0 kvm_x86_exit [2000/2001] reason=1 isa=1 vcpu=0\n"
	    "2014000 c0 sched_switch [2000/2001] CPU 0/KVM 2001 p20 st=0 -> CPU 0/KVM 1001 p20\n"
	    "2017000 c0 kvm_x86_entry [1000/1001] vcpu=0\n"
	    "3014000 c0 kvm_x86_exit [1000/1001] reason=1 isa=1 vcpu=0\n"
	    "3015000 c0 sched_switch [1000/1001] CPU 0/KVM 1001 p20 st=0 -> CPU 0/KVM 2001 p20\n"
	    "3018000 c0 kvm_x86_entry [2000/2001] vcpu=0\n"
	    "4015000 c0 kvm_x86_exit [2000/2001] reason=1 isa=1 vcpu=0\n"
	    "4016000 c0 sched_switch [2000/2001] CPU 0/KVM 2001 p20 st=0 -> CPU 0/KVM 1001 p20\n"
	    "4019000 c0 kvm_x86_entry [1000/1001] vcpu=0\n";
	static const char expected_tsv[] =
	    "path\tstart\tend\tvalue\n"
	    "VMs/1000/vCPUs/0/Exit\t20000\t21000\tEXTERNAL_INTERRUPT\n"
	    "VMs/1000/vCPUs/0/Exit\t1012000\t1013000\tEXTERNAL_INTERRUPT\n"
	    "VMs/1000/vCPUs/0/Exit\t2014000\t2017000\tEXTERNAL_INTERRUPT\n"
	    "VMs/1000/vCPUs/0/Exit\t3014000\t3015000\tEXTERNAL_INTERRUPT\n"
	    "VMs/1000/vCPUs/0/Exit\t4016000\t4019000\tEXTERNAL_INTERRUPT\n"
	    "VMs/1000/vCPUs/0/Status\t12000\t15000\thypervisor\n"
	    "VMs/1000/vCPUs/0/Status\t15000\t20000\tguest\n"
	    "VMs/1000/vCPUs/0/Status\t20000\t21000\thypervisor\n"
	    "VMs/1000/vCPUs/0/Status\t21000\t1012000\tguest\n"
	    "VMs/1000/vCPUs/0/Status\t1012000\t1013000\thypervisor\n"
	    "VMs/1000/vCPUs/0/Status\t1013000\t2014000\tpreempted_vm\n"
	    "VMs/1000/vCPUs/0/Status\t2014000\t2017000\thypervisor\n"
	    "VMs/1000/vCPUs/0/Status\t2017000\t3014000\tguest\n"
	    "VMs/1000/vCPUs/0/Status\t3014000\t3015000\thypervisor\n"
	    "VMs/1000/vCPUs/0/Status\t3015000\t4016000\tpreempted_vm\n"
	    "VMs/1000/vCPUs/0/Status\t4016000\t4019000\thypervisor\n"
	    "VMs/1000/vCPUs/0/Status\t4019000\t5000000\tguest\n"
	    "VMs/2000/vCPUs/0/Exit\t2013000\t2014000\tEXTERNAL_INTERRUPT\n"
	    "VMs/2000/vCPUs/0/Exit\t3015000\t3018000\tEXTERNAL_INTERRUPT\n"
	    "VMs/2000/vCPUs/0/Exit\t4015000\t4016000\tEXTERNAL_INTERRUPT\n"
	    "VMs/2000/vCPUs/0/Status\t1013000\t1016000\thypervisor\n"
	    "VMs/2000/vCPUs/0/Status\t1016000\t2013000\tguest\n"
	    "VMs/2000/vCPUs/0/Status\t2013000\t2014000\thypervisor\n"
	    "VMs/2000/vCPUs/0/Status\t2014000\t3015000\tpreempted_vm\n"
	    "VMs/2000/vCPUs/0/Status\t3015000\t3018000\thypervisor\n"
	    "VMs/2000/vCPUs/0/Status\t3018000\t4015000\tguest\n"
	    "VMs/2000/vCPUs/0/Status\t4015000\t4016000\thypervisor\n"
	    "VMs/2000/vCPUs/0/Status\t4016000\t5000000\tpreempted_vm\n";
	struct run run;
	struct ref ref;
	char *text;

	(void)state;
	run_scenario(scenario_text(two_vms_one_cpu_yaml), &run);
	text = events_text(run.sink);
	assert_string_equal(text, expected_events);
	free(text);
	assert_string_equal(run.tsv, expected_tsv);
	/* the host interrupt exit carries the host timer vector */
	assert_int_equal(run.sink->evs[3].u.kvm_exit.intr_info, 0x800000ec);
	check_run(&run, &ref);
	ref_free(&ref);
	run_free(&run);
}

/* ---- corpora: invariants and the reference ---- */

static void check_corpus(const char *name, struct ref *ref, struct run *run)
{
	run_scenario(vf_test_corpus_scenario(name), run);
	check_run(run, ref);
}

static void test_sim_default_corpus_matches_reference(void **state)
{
	struct run run;
	struct ref ref;

	(void)state;
	check_corpus("default", &ref, &run);
	print_message("default: %" PRIu64 " events (%" PRIu64 " entries, %" PRIu64
	              " exits, %" PRIu64 " switches)\n",
	              run.stats.event_count, run.stats.kind_count[VF_EV_KVM_ENTRY],
	              run.stats.kind_count[VF_EV_KVM_EXIT],
	              run.stats.kind_count[VF_EV_SCHED_SWITCH]);
	print_message("default: guest %.1f%%, hypervisor %.1f%%, wait_timer %.1f%%, preempted_host "
	              "%.1f%%, preempted_vm %.1f%%\n",
	              100.0 * (double)ref.value_total[0] / (4.0 * (double)run.scn->duration_ns),
	              100.0 * (double)ref.value_total[1] / (4.0 * (double)run.scn->duration_ns),
	              100.0 * (double)ref.value_total[4] / (4.0 * (double)run.scn->duration_ns),
	              100.0 * (double)ref.value_total[2] / (4.0 * (double)run.scn->duration_ns),
	              100.0 * (double)ref.value_total[3] / (4.0 * (double)run.scn->duration_ns));
	assert_true(run.stats.event_count >= 100000 && run.stats.event_count <= 300000);
	assert_int_equal(run.stats.vcpu_count, 4);
	assert_true(ref.value_total[value_index("guest")] > 0);
	assert_true(ref.value_total[value_index("wait_timer")] > 0);
	assert_true(run.stats.kind_count[VF_EV_KVM_INJ_VIRQ] > 0);
	/* every halt waits for the timer, also one the trace end cuts */
	assert_int_equal(ref.value_total[value_index("wait_unknown")], 0);
	assert_int_equal(ref.value_total[value_index("other")], 0);
	ref_free(&ref);
	run_free(&run);
}

static void test_sim_preempt_host_corpus(void **state)
{
	struct run run;
	struct ref ref;
	int64_t vcpu_time;

	(void)state;
	check_corpus("preempt-host", &ref, &run);
	vcpu_time = 2 * run.scn->duration_ns;
	print_message(
	    "preempt-host: %" PRIu64 " events, preempted_host %.1f%%, preempted_vm "
	    "%.1f%%\n",
	    run.stats.event_count,
	    100.0 * (double)ref.value_total[value_index("preempted_host")] / (double)vcpu_time,
	    100.0 * (double)ref.value_total[value_index("preempted_vm")] / (double)vcpu_time);
	/* 2 busy vCPUs + 3 CPU hogs on 2 pCPUs: the vCPUs wait for the hogs a lot */
	assert_true(ref.value_total[value_index("preempted_host")] > vcpu_time / 5);
	ref_free(&ref);
	run_free(&run);
}

static void test_sim_preempt_vm_corpus(void **state)
{
	struct run run;
	struct ref ref;
	int64_t vcpu_time;

	(void)state;
	check_corpus("preempt-vm", &ref, &run);
	vcpu_time = 4 * run.scn->duration_ns;
	print_message(
	    "preempt-vm: %" PRIu64 " events, preempted_vm %.1f%%, preempted_host "
	    "%.1f%%\n",
	    run.stats.event_count,
	    100.0 * (double)ref.value_total[value_index("preempted_vm")] / (double)vcpu_time,
	    100.0 * (double)ref.value_total[value_index("preempted_host")] / (double)vcpu_time);
	/* two busy vCPUs per pCPU: each one is preempted by the other VM's vCPU a lot */
	assert_true(ref.value_total[value_index("preempted_vm")] > vcpu_time / 4);
	assert_true(ref.value_total[value_index("preempted_vm")] >
	            4 * ref.value_total[value_index("preempted_host")]);
	ref_free(&ref);
	run_free(&run);
}

static void test_sim_svm_legacy_names(void **state)
{
	static const char yaml[] = "duration: 50ms\n"
	                           "host: {cpus: 2}\n"
	                           "vms:\n"
	                           "  - {vcpus: 2, isa: svm, guest: {cpu_burst: 1ms, idle: 1ms}}\n"
	                           "trace: {naming: legacy}\n";
	struct run run;
	struct ref ref;
	size_t i, hlt = 0, npf = 0;

	(void)state;
	run_scenario(scenario_text(yaml), &run);
	check_run(&run, &ref);
	for (i = 0; i < run.sink->count; i++) {
		const struct vf_event *ev = &run.sink->evs[i];

		if (ev->kind == VF_EV_KVM_EXIT) {
			assert_string_equal(ev->name, "kvm_exit");
			assert_int_equal(ev->u.kvm_exit.isa, 2);
			hlt += ev->u.kvm_exit.exit_reason == 0x78;
			npf += ev->u.kvm_exit.exit_reason == 0x400;
		} else if (ev->kind == VF_EV_KVM_ENTRY) {
			assert_string_equal(ev->name, "kvm_entry");
		}
	}
	assert_true(hlt > 10);
	assert_true(npf > 10);
	assert_non_null(strstr(run.tsv, "\tNPF\n"));
	ref_free(&ref);
	run_free(&run);
}

static void test_sim_without_contexts(void **state)
{
	static const char yaml[] = "duration: 20ms\nvms: [{}]\ntrace: {contexts: false}\n";
	struct run run;
	size_t i;

	(void)state;
	run_scenario(scenario_text(yaml), &run);
	assert_true(run.sink->count > 100);
	for (i = 0; i < run.sink->count; i++) {
		assert_int_equal(run.sink->evs[i].pid, -1);
		assert_int_equal(run.sink->evs[i].tid, -1);
	}
	run_free(&run);
}

/* ---- determinism ---- */

static bool same_events(const struct mem_sink *a, const struct mem_sink *b)
{
	size_t i;

	if (a->count != b->count) {
		return false;
	}
	for (i = 0; i < a->count; i++) {
		char la[512], lb[512];

		format_event(&a->evs[i], la, sizeof(la));
		format_event(&b->evs[i], lb, sizeof(lb));
		if (strcmp(la, lb)) {
			return false;
		}
	}
	return true;
}

static void test_sim_same_seed_same_output(void **state)
{
	struct run a, b;

	(void)state;
	run_scenario(vf_test_corpus_scenario("default"), &a);
	run_scenario(vf_test_corpus_scenario("default"), &b);
	assert_true(same_events(a.sink, b.sink));
	assert_int_equal(a.tsv_len, b.tsv_len);
	assert_memory_equal(a.tsv, b.tsv, a.tsv_len);
	run_free(&a);
	run_free(&b);
}

static void test_sim_other_seed_other_output(void **state)
{
	struct vf_scenario *scn = vf_test_corpus_scenario("default");
	struct run a, b;

	(void)state;
	run_scenario(vf_test_corpus_scenario("default"), &a);
	scn->seed = 12345;
	run_scenario(scn, &b);
	assert_false(same_events(a.sink, b.sink));
	assert_true(a.tsv_len != b.tsv_len || memcmp(a.tsv, b.tsv, a.tsv_len) != 0);
	run_free(&a);
	run_free(&b);
}

/* ---- a failing sink stops the run with its error ---- */

static enum vf_status failing_emit(struct vf_sink *sink, const struct vf_event *ev,
                                   struct vf_error *err)
{
	struct mem_sink *m = (struct mem_sink *)sink;

	if (m->count == 100) {
		VF_ERROR_SET(err, VF_ERR_IO, "t/channel0_0", "disk full");
		return VF_ERR_IO;
	}
	return mem_emit(sink, ev, err);
}

static void test_sim_sink_error_stops(void **state)
{
	struct vf_scenario *scn = vf_test_corpus_scenario("default");
	struct mem_sink *m = mem_sink_new();
	struct vf_error err = {0};

	(void)state;
	m->base.emit = failing_emit;
	assert_int_equal(vf_sim_run(scn, &m->base, NULL, NULL, &err), VF_ERR_IO);
	assert_string_equal(err.msg, "disk full");
	assert_int_equal(m->count, 100);
	assert_int_equal(m->finish_count, 0);
	m->base.free(&m->base);
	vf_scenario_free(scn);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sim_one_vcpu_halts_and_timer_wakeups),
	    cmocka_unit_test(test_sim_two_vms_preempt_each_other),
	    cmocka_unit_test(test_sim_default_corpus_matches_reference),
	    cmocka_unit_test(test_sim_preempt_host_corpus),
	    cmocka_unit_test(test_sim_preempt_vm_corpus),
	    cmocka_unit_test(test_sim_svm_legacy_names),
	    cmocka_unit_test(test_sim_without_contexts),
	    cmocka_unit_test(test_sim_same_seed_same_output),
	    cmocka_unit_test(test_sim_other_seed_other_output),
	    cmocka_unit_test(test_sim_sink_error_stops),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
