/* SPDX-License-Identifier: MIT */
/*
 * host_sched.c - the simulated host scheduler: a simple fair scheduler with
 * one FIFO run queue per pCPU.
 *
 * - A woken thread goes to an idle allowed CPU (its last CPU first), which
 *   switches to it after host.latency.wakeup; if none is idle it queues on
 *   the allowed CPU with the fewest threads.
 * - sched_waking is emitted on the wakee's last CPU in the context of
 *   whatever runs there (the hrtimer fires on the CPU that armed it); a vCPU
 *   in guest mode there takes an EXTERNAL_INTERRUPT exit first.
 * - A switched-in thread gets host.slice; at expiry, if its run queue is not
 *   empty, a host thread is preempted at once and a vCPU thread is asked to
 *   leave (kvm_loop.c exits the guest and switches out at its next entry).
 * - A CPU that goes idle steals the first allowed thread from the other run
 *   queues (idle balancing), scanning CPUs upward from its own.
 */
#include "synth/sim_internal.h"

#include <string.h>

static bool cpu_idle(const struct vf_sim_cpu *c)
{
	return !c->curr && !c->incoming;
}

static void rq_push(struct vf_sim_cpu *c, struct vf_sim_thread *th)
{
	th->rq_next = NULL;
	if (c->rq_tail) {
		c->rq_tail->rq_next = th;
	} else {
		c->rq_head = th;
	}
	c->rq_tail = th;
	c->rq_len++;
}

static struct vf_sim_thread *rq_pop(struct vf_sim_cpu *c)
{
	struct vf_sim_thread *th = c->rq_head;

	if (th) {
		c->rq_head = th->rq_next;
		if (!c->rq_head) {
			c->rq_tail = NULL;
		}
		th->rq_next = NULL;
		c->rq_len--;
	}
	return th;
}

/* Idle balancing: the first thread allowed on `cpu` in another CPU's queue. */
static struct vf_sim_thread *steal(struct vf_sim *s, uint32_t cpu)
{
	uint32_t i;

	for (i = 1; i < s->cpu_count; i++) {
		struct vf_sim_cpu *o = &s->cpus[(cpu + i) % s->cpu_count];
		struct vf_sim_thread *prev = NULL, *th;

		for (th = o->rq_head; th; prev = th, th = th->rq_next) {
			if (!vf_cpuset_has(th->affinity, cpu)) {
				continue;
			}
			if (prev) {
				prev->rq_next = th->rq_next;
			} else {
				o->rq_head = th->rq_next;
			}
			if (o->rq_tail == th) {
				o->rq_tail = prev;
			}
			th->rq_next = NULL;
			o->rq_len--;
			return th;
		}
	}
	return NULL;
}

static struct vf_sim_thread *pick_next(struct vf_sim *s, uint32_t cpu)
{
	struct vf_sim_thread *th = rq_pop(&s->cpus[cpu]);

	return th ? th : steal(s, cpu);
}

/* Where a woken thread goes; *idle tells whether that CPU is idle. */
static uint32_t pick_target(struct vf_sim *s, const struct vf_sim_thread *th, bool *idle)
{
	uint32_t i, best = 0, best_load = UINT32_MAX;

	for (i = 0; i < s->cpu_count; i++) {
		uint32_t c = (th->cpu + i) % s->cpu_count;

		if (vf_cpuset_has(th->affinity, c) && cpu_idle(&s->cpus[c])) {
			*idle = true;
			return c;
		}
	}
	for (i = 0; i < s->cpu_count; i++) {
		uint32_t c = (th->cpu + i) % s->cpu_count;

		if (vf_cpuset_has(th->affinity, c) && s->cpus[c].rq_len + 1 < best_load) {
			best = c;
			best_load = s->cpus[c].rq_len + 1;
		}
	}
	*idle = false;
	return best;
}

enum vf_status vf_sim_rearm_slice(struct vf_sim *s, uint32_t cpu)
{
	struct vf_sim_cpu *c = &s->cpus[cpu];

	c->slice_gen++;
	return vf_sim_push(s, s->now + s->scn->host.slice_ns, VF_SIM_ACT_SLICE, cpu, c->slice_gen);
}

/*
 * sched_switch on cpu from prev (NULL = swapper) to next (NULL = swapper).
 * The event carries prev's context; `why` is prev's truth state if prev is a
 * vCPU thread. The caller has already updated prev's own bookkeeping.
 */
static enum vf_status do_switch(struct vf_sim *s, uint32_t cpu, struct vf_sim_thread *prev,
                                struct vf_sim_thread *next, int64_t prev_state,
                                enum vf_truth_off why)
{
	struct vf_sim_cpu *c = &s->cpus[cpu];
	struct vf_ev_sched_switch *sw;
	struct vf_event *ev;
	enum vf_status st;

	ev = vf_sim_event_new(s, VF_EV_SCHED_SWITCH, cpu);
	sw = &ev->u.sched_switch;
	memcpy(sw->prev_comm, prev ? prev->comm : c->swapper_comm, VF_COMM_LEN);
	sw->prev_tid = prev ? prev->tid : 0;
	sw->prev_prio = VF_SIM_PRIO;
	sw->prev_state = prev_state;
	memcpy(sw->next_comm, next ? next->comm : c->swapper_comm, VF_COMM_LEN);
	sw->next_tid = next ? next->tid : 0;
	sw->next_prio = VF_SIM_PRIO;
	if ((st = vf_sim_emit(s, ev)) != VF_OK) {
		return st;
	}
	if (prev && prev->kind == VF_SIM_TH_VCPU && s->truth &&
	    (st = vf_truth_switch_out(s->truth, prev->truth_vcpu, s->base_ns + s->now, why,
	                              s->err)) != VF_OK) {
		return st;
	}
	c->curr = next;
	if (!next) {
		c->slice_gen++; /* no slice while idle */
		return VF_OK;
	}
	next->state = VF_SIM_TS_RUNNING;
	next->cpu = cpu;
	if ((st = vf_sim_rearm_slice(s, cpu)) != VF_OK) {
		return st;
	}
	if (next->kind == VF_SIM_TH_VCPU) {
		return vf_sim_vcpu_switched_in(s, next);
	}
	next->run_start_ns = s->now;
	if (next->work_left_ns < 1) {
		next->work_left_ns = 1;
	}
	return vf_sim_schedule_step(s, next, VF_SIM_STEP_BURST_END, s->now + next->work_left_ns);
}

/* sched_waking of th on waker_cpu (context: the thread current there), then place th. */
static enum vf_status wake_from(struct vf_sim *s, struct vf_sim_thread *th, uint32_t waker_cpu)
{
	struct vf_event *ev;
	enum vf_status st;
	uint32_t target;
	bool idle;

	target = pick_target(s, th, &idle);
	ev = vf_sim_event_new(s, VF_EV_SCHED_WAKING, waker_cpu);
	memcpy(ev->u.sched_wake.comm, th->comm, VF_COMM_LEN);
	ev->u.sched_wake.tid = th->tid;
	ev->u.sched_wake.prio = VF_SIM_PRIO;
	ev->u.sched_wake.target_cpu = (int32_t)target;
	if ((st = vf_sim_emit(s, ev)) != VF_OK) {
		return st;
	}
	th->cpu = target;
	if (idle) {
		s->cpus[target].incoming = th;
		th->state = VF_SIM_TS_INCOMING;
		return vf_sim_push(s, s->now + vf_sim_latency(th, &s->scn->host.latency.wakeup),
		                   VF_SIM_ACT_SWITCH_IN, target, 0);
	}
	rq_push(&s->cpus[target], th);
	th->state = VF_SIM_TS_QUEUED;
	return VF_OK;
}

enum vf_status vf_sim_wake(struct vf_sim *s, struct vf_sim_thread *th)
{
	uint32_t waker_cpu = th->cpu;
	struct vf_sim_thread *curr = s->cpus[waker_cpu].curr;
	enum vf_status st;

	/* a timer interrupt: a vCPU in guest mode on that CPU exits first */
	if (curr && curr->kind == VF_SIM_TH_VCPU && curr->in_guest &&
	    (st = vf_sim_vcpu_interrupt(s, curr)) != VF_OK) {
		return st;
	}
	return wake_from(s, th, waker_cpu);
}

enum vf_status vf_sim_wake_by(struct vf_sim *s, struct vf_sim_thread *th, uint32_t waker_cpu)
{
	return wake_from(s, th, waker_cpu);
}

enum vf_status vf_sim_switch_incoming(struct vf_sim *s, uint32_t cpu)
{
	struct vf_sim_cpu *c = &s->cpus[cpu];
	struct vf_sim_thread *th = c->incoming;

	if (!th || c->curr) {
		VF_ERROR_SET(s->err, VF_ERR_INTERNAL, NULL, "simulator: bad switch-in on cpu %u",
		             cpu);
		return VF_ERR_INTERNAL;
	}
	c->incoming = NULL;
	return do_switch(s, cpu, NULL, th, 0, VF_TRUTH_OFF_PREEMPTED_HOST);
}

enum vf_status vf_sim_block(struct vf_sim *s, struct vf_sim_thread *th, enum vf_truth_off why)
{
	uint32_t cpu = th->cpu;

	th->state = VF_SIM_TS_BLOCKED;
	th->need_resched = false;
	th->gen++;
	th->step = VF_SIM_STEP_NONE;
	return do_switch(s, cpu, th, pick_next(s, cpu), 1, why);
}

enum vf_status vf_sim_preempt(struct vf_sim *s, struct vf_sim_thread *th)
{
	uint32_t cpu = th->cpu;
	struct vf_sim_cpu *c = &s->cpus[cpu];
	struct vf_sim_thread *next = rq_pop(c);
	enum vf_status st;

	if (!next) {
		VF_ERROR_SET(s->err, VF_ERR_INTERNAL, NULL,
		             "simulator: preemption with an empty queue");
		return VF_ERR_INTERNAL;
	}
	if (th->kind != VF_SIM_TH_VCPU) {
		th->work_left_ns -= s->now - th->run_start_ns;
	}
	th->gen++;
	th->step = VF_SIM_STEP_NONE;
	th->need_resched = false;
	st = do_switch(s, cpu, th, next, 0,
	               next->kind == VF_SIM_TH_VCPU ? VF_TRUTH_OFF_PREEMPTED_VM
	                                            : VF_TRUTH_OFF_PREEMPTED_HOST);
	rq_push(c, th);
	th->state = VF_SIM_TS_QUEUED;
	return st;
}

enum vf_status vf_sim_slice(struct vf_sim *s, uint32_t cpu, uint64_t gen)
{
	struct vf_sim_cpu *c = &s->cpus[cpu];
	struct vf_sim_thread *th = c->curr;

	if (gen != c->slice_gen || !th) {
		return VF_OK;
	}
	if (!c->rq_head) {
		return vf_sim_push(s, s->now + s->scn->host.slice_ns, VF_SIM_ACT_SLICE, cpu, gen);
	}
	if (th->kind != VF_SIM_TH_VCPU) {
		return vf_sim_preempt(s, th);
	}
	th->need_resched = true;
	return th->in_guest ? vf_sim_vcpu_interrupt(s, th) : VF_OK;
}

enum vf_status vf_sim_proc_step(struct vf_sim *s, struct vf_sim_thread *th)
{
	if (th->dev) {
		return vf_sim_dev_step(s, th);
	}
	return vf_sim_proc_rest(s, th);
}

enum vf_status vf_sim_proc_rest(struct vf_sim *s, struct vf_sim_thread *th)
{
	int64_t sleep_ns;
	enum vf_status st;

	if (!th->sleep) {
		/* no own activity (vhost): sleep until the next request */
		th->work_left_ns = 0;
		return vf_sim_block(s, th, VF_TRUTH_OFF_WAIT_HOST);
	}
	sleep_ns = vf_rng_sample(&th->rng, th->sleep);

	if (sleep_ns <= 0) {
		/* never blocks: the next burst follows at once */
		th->work_left_ns = vf_sim_latency(th, th->burst);
		th->run_start_ns = s->now;
		return vf_sim_schedule_step(s, th, VF_SIM_STEP_BURST_END,
		                            s->now + th->work_left_ns);
	}
	th->work_left_ns = 0;
	if ((st = vf_sim_block(s, th, VF_TRUTH_OFF_WAIT_HOST)) != VF_OK) {
		return st;
	}
	return vf_sim_push(s, s->now + sleep_ns, VF_SIM_ACT_WAKE, vf_sim_thread_index(s, th),
	                   th->gen);
}
