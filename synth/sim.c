/* SPDX-License-Identifier: MIT */
/*
 * sim.c - the simulator's frame: builds the threads and CPUs from the
 * scenario, runs the action queue in time order and stamps events.
 *
 * Threads, in this order (the order also numbers their random streams):
 * every host process instance, then per VM its QEMU main thread (tid = pid,
 * comm "qemu-system-x86") and its vCPU threads (tid = pid + 1 + n, comm
 * "CPU n/KVM"). All start blocked; the k-th thread that runs is first woken
 * at (k + 1) * 10 us. Ties between actions at the same ns run in insertion
 * order, so a run is a pure function of the scenario and its seed.
 *
 * Owns the threads, CPUs and the action heap; borrows scenario, sink, truth.
 */
#include "synth/sim_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STAGGER_NS 10000

enum vf_status vf_sim_push(struct vf_sim *s, int64_t t, enum vf_sim_act type, uint32_t id,
                           uint64_t gen)
{
	struct vf_sim_action a = {t, s->seq++, gen, id, (uint32_t)type};
	size_t i;

	if (s->heap_len == s->heap_cap) {
		size_t cap = s->heap_cap ? s->heap_cap * 2 : 256;
		struct vf_sim_action *n = realloc(s->heap, cap * sizeof(*n));

		if (!n) {
			VF_ERROR_SET(s->err, VF_ERR_NOMEM, NULL, "out of memory (simulator queue)");
			return VF_ERR_NOMEM;
		}
		s->heap = n;
		s->heap_cap = cap;
	}
	i = s->heap_len++;
	while (i > 0) {
		size_t parent = (i - 1) / 2;
		struct vf_sim_action *p = &s->heap[parent];

		if (p->t < a.t || (p->t == a.t && p->seq < a.seq)) {
			break;
		}
		s->heap[i] = *p;
		i = parent;
	}
	s->heap[i] = a;
	return VF_OK;
}

static bool action_before(const struct vf_sim_action *a, const struct vf_sim_action *b)
{
	return a->t < b->t || (a->t == b->t && a->seq < b->seq);
}

static struct vf_sim_action pop(struct vf_sim *s)
{
	struct vf_sim_action top = s->heap[0], last = s->heap[--s->heap_len];
	size_t i = 0, n = s->heap_len;

	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		const struct vf_sim_action *mv = &last;

		if (l < n && action_before(&s->heap[l], mv)) {
			m = l;
			mv = &s->heap[l];
		}
		if (r < n && action_before(&s->heap[r], mv)) {
			m = r;
		}
		if (m == i) {
			break;
		}
		s->heap[i] = s->heap[m];
		i = m;
	}
	if (n > 0) {
		s->heap[i] = last;
	}
	return top;
}

enum vf_status vf_sim_schedule_step(struct vf_sim *s, struct vf_sim_thread *th,
                                    enum vf_sim_step step, int64_t t)
{
	th->gen++;
	th->step = step;
	th->step_t = t;
	return vf_sim_push(s, t, VF_SIM_ACT_STEP, vf_sim_thread_index(s, th), th->gen);
}

void vf_sim_event_init(struct vf_sim *s, struct vf_event *ev, enum vf_event_kind kind, uint32_t cpu)
{
	const struct vf_sim_thread *curr = s->cpus[cpu].curr;

	memset(ev, 0, sizeof(*ev));
	ev->ts_ns = s->base_ns + s->now;
	ev->cpu = cpu;
	ev->kind = kind;
	ev->name = s->names[kind];
	if (s->scn->trace.contexts) {
		ev->pid = curr ? curr->pid : 0;
		ev->tid = curr ? curr->tid : 0;
	} else {
		ev->pid = -1;
		ev->tid = -1;
	}
}

enum vf_status vf_sim_emit(struct vf_sim *s, const struct vf_event *ev)
{
	s->stats->event_count++;
	s->stats->kind_count[ev->kind]++;
	return s->sink->emit(s->sink, ev, s->err);
}

int64_t vf_sim_latency(struct vf_sim_thread *th, const struct vf_dist *d)
{
	int64_t v = vf_rng_sample(&th->rng, d);

	return v < 1 ? 1 : v;
}

static uint32_t first_allowed_from(const struct vf_sim *s, const struct vf_cpuset *set,
                                   uint32_t from)
{
	uint32_t i;

	for (i = 0; i < s->cpu_count; i++) {
		uint32_t c = (from + i) % s->cpu_count;

		if (vf_cpuset_has(set, c)) {
			return c;
		}
	}
	return 0;
}

static enum vf_status build(struct vf_sim *s)
{
	const struct vf_scenario *scn = s->scn;
	uint64_t total = 0;
	uint32_t i, k, runnable = 0;
	size_t p, v;

	for (p = 0; p < scn->host.process_count; p++) {
		total += scn->host.processes[p].count;
	}
	for (v = 0; v < scn->vm_count; v++) {
		total += scn->vms[v].vcpu_count + 1u;
	}
	if (total > VF_SCN_MAX_THREADS) {
		VF_ERROR_SET(s->err, VF_ERR_INPUT, scn->source, "too many threads (%llu)",
		             (unsigned long long)total);
		return VF_ERR_INPUT;
	}
	s->cpu_count = scn->host.cpu_count;
	s->cpus = calloc(s->cpu_count, sizeof(*s->cpus));
	s->threads = calloc(total ? total : 1, sizeof(*s->threads));
	if (!s->cpus || !s->threads) {
		VF_ERROR_SET(s->err, VF_ERR_NOMEM, NULL, "out of memory");
		return VF_ERR_NOMEM;
	}
	for (i = 0; i < s->cpu_count; i++) {
		snprintf(s->cpus[i].swapper_comm, VF_COMM_LEN, "swapper/%u", i);
		vf_cpuset_add(&s->all_cpus, i);
	}
	for (p = 0; p < scn->host.process_count; p++) {
		const struct vf_scn_process *proc = &scn->host.processes[p];

		for (k = 0; k < proc->count; k++) {
			struct vf_sim_thread *th = &s->threads[s->thread_count++];

			th->kind = VF_SIM_TH_PROC;
			th->pid = th->tid = proc->first_pid + (int32_t)k;
			snprintf(th->comm, VF_COMM_LEN, "%s", proc->name);
			th->affinity = &proc->affinity;
			th->burst = &proc->cpu_burst;
			th->sleep = &proc->sleep;
		}
	}
	for (v = 0; v < scn->vm_count; v++) {
		const struct vf_scn_vm *vm = &scn->vms[v];
		struct vf_sim_thread *th = &s->threads[s->thread_count++];

		th->kind = VF_SIM_TH_QEMU_MAIN;
		th->pid = th->tid = vm->pid;
		snprintf(th->comm, VF_COMM_LEN, "qemu-system-x86");
		th->affinity = &s->all_cpus;
		th->burst = &vm->main_burst;
		th->sleep = &vm->main_sleep;
		th->vm = vm;
		for (k = 0; k < vm->vcpu_count; k++) {
			th = &s->threads[s->thread_count++];
			th->kind = VF_SIM_TH_VCPU;
			th->pid = vm->pid;
			th->tid = vm->pid + 1 + (int32_t)k;
			snprintf(th->comm, VF_COMM_LEN, "CPU %u/KVM", k);
			th->affinity = &vm->vcpu_affinity[k];
			th->vm = vm;
			th->vcpu_id = k;
			for (i = 0; i < vm->exit_count; i++) {
				th->exit_weight_total += vm->exits[i].weight;
			}
			s->stats->vcpu_count++;
			if (s->truth && vf_truth_add_vcpu(s->truth, vm->pid, k, vm->isa,
			                                  &th->truth_vcpu, s->err) != VF_OK) {
				return s->err->status;
			}
		}
	}
	s->stats->thread_count = s->thread_count;
	for (i = 0; i < s->thread_count; i++) {
		struct vf_sim_thread *th = &s->threads[i];

		vf_rng_seed(&th->rng, scn->seed, i);
		th->state = VF_SIM_TS_BLOCKED;
		if (th->kind == VF_SIM_TH_QEMU_MAIN && !th->vm->main_thread_runs) {
			th->cpu = 0;
			continue;
		}
		th->cpu = first_allowed_from(s, th->affinity, runnable % s->cpu_count);
		if (vf_sim_push(s, (int64_t)(runnable + 1) * STAGGER_NS, VF_SIM_ACT_WAKE, i,
		                th->gen) != VF_OK) {
			return VF_ERR_NOMEM;
		}
		runnable++;
	}
	return VF_OK;
}

static enum vf_status run_action(struct vf_sim *s, const struct vf_sim_action *a)
{
	struct vf_sim_thread *th;
	enum vf_sim_step step;

	switch (a->type) {
	case VF_SIM_ACT_STEP:
		th = &s->threads[a->id];
		if (a->gen != th->gen || th->step == VF_SIM_STEP_NONE) {
			return VF_OK; /* cancelled */
		}
		step = th->step;
		th->step = VF_SIM_STEP_NONE;
		if (th->kind == VF_SIM_TH_VCPU) {
			return vf_sim_vcpu_step(s, th, step);
		}
		return vf_sim_proc_step(s, th);
	case VF_SIM_ACT_WAKE:
		th = &s->threads[a->id];
		if (a->gen != th->gen || th->state != VF_SIM_TS_BLOCKED) {
			return VF_OK;
		}
		if (th->kind == VF_SIM_TH_VCPU) {
			vf_sim_vcpu_prepare_wake(s, th);
		} else {
			th->work_left_ns = vf_sim_latency(th, th->burst);
		}
		th->woken_once = true;
		return vf_sim_wake(s, th);
	case VF_SIM_ACT_SLICE:
		return vf_sim_slice(s, a->id, a->gen);
	case VF_SIM_ACT_SWITCH_IN:
		return vf_sim_switch_incoming(s, a->id);
	default:
		VF_ERROR_SET(s->err, VF_ERR_INTERNAL, NULL, "simulator: bad action type %u",
		             a->type);
		return VF_ERR_INTERNAL;
	}
}

enum vf_status vf_sim_run(const struct vf_scenario *scn, struct vf_sink *sink,
                          struct vf_truth *truth, struct vf_sim_stats *stats, struct vf_error *err)
{
	struct vf_sim_stats local_stats;
	struct vf_sim s;
	enum vf_status st;

	memset(&s, 0, sizeof(s));
	if (!stats) {
		stats = &local_stats;
	}
	memset(stats, 0, sizeof(*stats));
	s.scn = scn;
	s.sink = sink;
	s.truth = truth;
	s.err = err;
	s.stats = stats;
	s.base_ns = scn->trace.clock_offset_ns;
	stats->begin_ns = s.base_ns;
	stats->end_ns = s.base_ns + scn->duration_ns;
	for (int k = 0; k < VF_EV_KIND_COUNT; k++) {
		s.names[k] = vf_event_kind_name((enum vf_event_kind)k, scn->trace.naming);
	}
	st = build(&s);
	while (st == VF_OK && s.heap_len > 0 && s.heap[0].t < scn->duration_ns) {
		struct vf_sim_action a = pop(&s);

		s.now = a.t;
		st = run_action(&s, &a);
	}
	if (st == VF_OK) {
		s.now = scn->duration_ns;
		st = sink->finish(sink, stats->end_ns, err);
	}
	if (st == VF_OK && truth) {
		st = vf_truth_finish(truth, stats->end_ns, err);
	}
	free(s.heap);
	free(s.threads);
	free(s.cpus);
	return st;
}
