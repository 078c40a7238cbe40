/* SPDX-License-Identifier: MIT */
/*
 * sim.c - the simulator's frame: builds the threads and CPUs from the
 * scenario, runs the action queue in time order and stamps events.
 *
 * Threads, in this order (the order also numbers their random streams):
 * every host process instance, then per VM its QEMU main thread (tid = pid,
 * comm "qemu-system-x86"), its vCPU threads (tid = pid + 1 + n, comm
 * "CPU n/KVM") and, with network waits, its vhost thread (tid = pid + 1 +
 * vcpus, comm "vhost-<pid>", only woken by requests). All start blocked; the k-th thread that runs is first woken
 * at (k + 1) * 10 us. Ties between actions at the same ns run in insertion
 * order, so a run is a pure function of the scenario and its seed.
 *
 * Events before trace.start are not written (a mid-run start; the truth is
 * clipped there) and events inside a trace.discard window are dropped and
 * reported to the sink as lost.
 *
 * Owns the threads, CPUs, per-VM tables and the action queue; borrows
 * scenario, sink, truth.
 */
#include "synth/sim_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STAGGER_NS 10000

/* The queue is full: doubles it (vf_sim_push, inline in sim_internal.h). */
enum vf_status vf_sim_queue_grow(struct vf_sim *s)
{
	size_t cap = s->queue_cap ? s->queue_cap * 2 : 256;
	struct vf_sim_action *n = realloc(s->queue, cap * sizeof(*n));

	if (!n) {
		VF_ERROR_SET(s->err, VF_ERR_NOMEM, NULL, "out of memory (simulator queue)");
		return VF_ERR_NOMEM;
	}
	s->queue = n;
	s->queue_cap = cap;
	return VF_OK;
}

/*
 * trace.discard: *drop is set when ev falls in a window of its CPU (counted,
 * not written). The first event of that CPU after a window reports the loss
 * to the sink first.
 */
enum vf_status vf_sim_apply_discards(struct vf_sim *s, const struct vf_event *ev, bool *drop)
{
	const struct vf_scenario *scn = s->scn;
	size_t i;

	*drop = false;
	for (i = 0; i < scn->trace.discard_count; i++) {
		const struct vf_scn_discard *d = &scn->trace.discards[i];
		int64_t a = s->base_ns + d->at_ns, b = a + d->duration_ns;

		if (d->cpu != ev->cpu || ev->ts_ns < a || s->discard_done[i]) {
			continue;
		}
		if (ev->ts_ns < b) {
			s->discard_count[i]++;
			s->stats->discarded++;
			*drop = true;
			return VF_OK;
		}
		s->discard_done[i] = true;
		if (s->discard_count[i] && s->sink->discard &&
		    s->sink->discard(s->sink, d->cpu, a, s->discard_count[i], s->err) != VF_OK) {
			return s->err->status;
		}
	}
	return VF_OK;
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

static enum vf_status add_device(struct vf_sim *s, struct vf_sim_thread *th,
                                 const struct vf_scn_device *dev, bool is_net, uint32_t vcpus)
{
	th->dev = dev;
	th->dev_is_net = is_net;
	th->dev_cap = vcpus;
	th->dev_queue = calloc(vcpus, sizeof(*th->dev_queue));
	if (!th->dev_queue) {
		VF_ERROR_SET(s->err, VF_ERR_NOMEM, NULL, "out of memory");
		return VF_ERR_NOMEM;
	}
	return VF_OK;
}

/* Guest processes of VM v: ownership table and truth handles (only with a CR3 source). */
static enum vf_status setup_procs(struct vf_sim *s, size_t v, uint64_t *procs_so_far)
{
	const struct vf_scn_vm *vm = &s->scn->vms[v];
	struct vf_sim_vm *svm = &s->vms[v];
	size_t k;

	svm->proc_first = *procs_so_far;
	*procs_so_far += vm->gproc_count;
	if (s->scn->trace.cr3 == VF_SCN_CR3_NONE) {
		return VF_OK;
	}
	svm->proc_owner = malloc(vm->gproc_count * sizeof(*svm->proc_owner));
	if (!svm->proc_owner) {
		VF_ERROR_SET(s->err, VF_ERR_NOMEM, NULL, "out of memory");
		return VF_ERR_NOMEM;
	}
	for (k = 0; k < vm->gproc_count; k++) {
		uint32_t idx;

		svm->proc_owner[k] = VF_SIM_NONE;
		if (s->truth && vf_truth_add_process(s->truth, vm->pid, vm->gprocs[k].cr3, &idx,
		                                     s->err) != VF_OK) {
			return s->err->status;
		}
		if (k == 0) {
			svm->proc_truth = idx;
		}
	}
	return VF_OK;
}

/* The nested VM of VM v (truth handles of it and of its L2 processes). */
static enum vf_status setup_nested(struct vf_sim *s, size_t v)
{
	const struct vf_scn_vm *vm = &s->scn->vms[v];
	const struct vf_scn_nested *ns = &vm->nested;
	struct vf_sim_vm *svm = &s->vms[v];
	uint32_t h_proc = UINT32_MAX;
	size_t k;

	if (!ns->on || !s->truth) {
		return VF_OK;
	}
	if (s->scn->trace.cr3 != VF_SCN_CR3_NONE) {
		h_proc = svm->proc_truth + ns->hypervisor;
	}
	if (vf_truth_add_nested(s->truth, vm->pid, vm->gprocs[ns->hypervisor].cr3, h_proc,
	                        &svm->nest_truth, s->err) != VF_OK) {
		return s->err->status;
	}
	for (k = 0; k < ns->proc_count; k++) {
		uint32_t idx;

		if (vf_truth_add_nested_process(s->truth, svm->nest_truth, ns->procs[k].cr3, &idx,
		                                s->err) != VF_OK) {
			return s->err->status;
		}
		if (k == 0) {
			svm->l2_truth = idx;
		}
	}
	return VF_OK;
}

static enum vf_status build(struct vf_sim *s)
{
	const struct vf_scenario *scn = s->scn;
	uint64_t total = 0;
	uint32_t i, k, runnable = 0;
	uint64_t procs_so_far = 0;
	size_t p, v;

	for (p = 0; p < scn->host.process_count; p++) {
		total += scn->host.processes[p].count;
	}
	for (v = 0; v < scn->vm_count; v++) {
		total += scn->vms[v].vcpu_count + 1u + (scn->vms[v].has_vhost ? 1u : 0u);
	}
	if (total > VF_SCN_MAX_THREADS) {
		VF_ERROR_SET(s->err, VF_ERR_INPUT, scn->source, "too many threads (%llu)",
		             (unsigned long long)total);
		return VF_ERR_INPUT;
	}
	s->cpu_count = scn->host.cpu_count;
	s->cpus = calloc(s->cpu_count, sizeof(*s->cpus));
	s->threads = calloc(total ? total : 1, sizeof(*s->threads));
	s->vms = calloc(scn->vm_count ? scn->vm_count : 1, sizeof(*s->vms));
	if (!s->cpus || !s->threads || !s->vms) {
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
		th->vm_index = (uint32_t)v;
		s->vms[v].main = s->thread_count - 1;
		s->vms[v].first_vcpu = s->thread_count;
		s->vms[v].vhost = VF_SIM_NONE;
		if (setup_procs(s, v, &procs_so_far) != VF_OK || setup_nested(s, v) != VF_OK) {
			return s->err->status;
		}
		if (vm->wait_weight[VF_SCN_WAIT_DISK] > 0 &&
		    add_device(s, th, &vm->disk, false, vm->vcpu_count) != VF_OK) {
			return VF_ERR_NOMEM;
		}
		for (k = 0; k < vm->vcpu_count; k++) {
			th = &s->threads[s->thread_count++];
			th->vm_index = (uint32_t)v;
			th->ipi_target = VF_SIM_NONE;
			th->cur_proc = VF_SIM_NONE;
			th->next_proc = VF_SIM_NONE;
			th->iter_proc = VF_SIM_NONE;
			th->l2_reported = VF_SIM_NONE;
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
			if (s->vms[v].proc_owner) {
				/* vCPU n starts with guest process n */
				th->next_proc = k;
				s->vms[v].proc_owner[k] = s->thread_count - 1;
			}
			if (s->truth && vf_truth_add_vcpu(s->truth, vm->pid, k, vm->isa,
			                                  &th->truth_vcpu, s->err) != VF_OK) {
				return s->err->status;
			}
		}
		if (vm->has_vhost) {
			th = &s->threads[s->thread_count++];
			th->kind = VF_SIM_TH_VHOST;
			th->pid = th->tid = vm->pid + 1 + (int32_t)vm->vcpu_count; /* a kthread */
			snprintf(th->comm, VF_COMM_LEN, "vhost-%d", (int)vm->pid);
			th->affinity = &s->all_cpus;
			th->burst = &vm->main_burst;
			th->vm = vm;
			th->vm_index = (uint32_t)v;
			s->vms[v].vhost = s->thread_count - 1;
			/* a peer server queues the requests of other VMs' vCPUs too */
			if (add_device(s, th, &vm->net, true,
			               vm->net.serves_peer ? (uint32_t)total : vm->vcpu_count) != VF_OK) {
				return VF_ERR_NOMEM;
			}
		}
	}
	s->stats->thread_count = s->thread_count;
	for (i = 0; i < s->thread_count; i++) {
		struct vf_sim_thread *th = &s->threads[i];

		vf_rng_seed(&th->rng, scn->seed, i);
		th->state = VF_SIM_TS_BLOCKED;
		if ((th->kind == VF_SIM_TH_QEMU_MAIN && !th->vm->main_thread_runs) ||
		    th->kind == VF_SIM_TH_VHOST) {
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
		} else if (!th->dev_completing && !th->peer_reply) {
			th->work_left_ns = vf_sim_latency(th, th->burst);
		}
		th->woken_once = true;
		return vf_sim_wake(s, th);
	case VF_SIM_ACT_SLICE:
		return vf_sim_slice(s, a->id, a->gen);
	case VF_SIM_ACT_SWITCH_IN:
		return vf_sim_switch_incoming(s, a->id);
	case VF_SIM_ACT_IPI:
		return vf_sim_vcpu_ipi_due(s, a->id, a->gen);
	case VF_SIM_ACT_DEV_DONE:
		return vf_sim_dev_done(s, a->id, a->gen);
	case VF_SIM_ACT_PEER_REPLY:
		return vf_sim_peer_reply(s, a->id, a->gen);
	default:
		VF_ERROR_SET(s->err, VF_ERR_INTERNAL, NULL, "simulator: bad action type %u",
		             a->type);
		return VF_ERR_INTERNAL;
	}
}

/*
 * What lttng-sessiond's state dump writes when the session starts: one
 * lttng_statedump_process_state per thread (tid, pid, name; type 0 = user
 * thread, status 5 = waiting, 6 = running), from CPU 0 at the session start.
 */
static enum vf_status emit_statedump(struct vf_sim *s)
{
	int64_t saved_now = s->now;
	enum vf_status st = VF_OK;
	uint32_t i;

	s->now = s->scn->trace.start_ns;
	for (i = 0; st == VF_OK && i < s->thread_count; i++) {
		const struct vf_sim_thread *th = &s->threads[i];
		struct vf_event *ev;

		ev = vf_sim_event_new(s, VF_EV_STATEDUMP_PROCESS_STATE, 0);
		ev->u.statedump.tid = th->tid;
		ev->u.statedump.pid = th->pid;
		ev->u.statedump.ppid = 1;
		memcpy(ev->u.statedump.name, th->comm, VF_COMM_LEN);
		ev->u.statedump.status = s->cpus[th->cpu].curr == th ? 6 : 5;
		ev->u.statedump.cpu = th->cpu;
		st = vf_sim_emit(s, ev);
	}
	s->now = saved_now;
	return st;
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
	s.start_abs_ns = s.base_ns + scn->trace.start_ns;
	s.has_discards = scn->trace.discard_count > 0;
	stats->begin_ns = s.base_ns;
	stats->end_ns = s.base_ns + scn->duration_ns;
	for (int k = 0; k < VF_EV_KIND_COUNT; k++) {
		s.names[k] = vf_event_kind_name((enum vf_event_kind)k, scn->trace.naming);
	}
	if (truth && scn->trace.start_ns > 0) {
		vf_truth_set_begin(truth, s.base_ns + scn->trace.start_ns);
	}
	st = build(&s);
	if (st == VF_OK && scn->trace.statedump) {
		st = emit_statedump(&s);
	}
	while (st == VF_OK && s.queue_len > 0 && s.queue[s.queue_len - 1].t < scn->duration_ns) {
		struct vf_sim_action a = s.queue[--s.queue_len];

		s.now = a.t;
		st = run_action(&s, &a);
	}
	for (size_t i = 0; st == VF_OK && i < scn->trace.discard_count; i++) {
		/* a window still unreported at the end */
		const struct vf_scn_discard *d = &scn->trace.discards[i];

		if (!s.discard_done[i] && s.discard_count[i] && sink->discard) {
			st = sink->discard(sink, d->cpu, s.base_ns + d->at_ns, s.discard_count[i], err);
		}
	}
	if (st == VF_OK) {
		s.now = scn->duration_ns;
		st = sink->finish(sink, stats->end_ns, err);
	}
	if (st == VF_OK && truth) {
		st = vf_truth_finish(truth, stats->end_ns, err);
	}
	free(s.queue);
	for (uint32_t i = 0; i < s.thread_count; i++) {
		free(s.threads[i].dev_queue);
	}
	for (size_t v = 0; s.vms && v < scn->vm_count; v++) {
		free(s.vms[v].proc_owner);
	}
	free(s.vms);
	free(s.threads);
	free(s.cpus);
	return st;
}
