/* SPDX-License-Identifier: MIT */
/*
 * kvm_loop.c - one vCPU thread: KVM's run loop (vcpu_run / vcpu_enter_guest)
 * and the guest it runs, as the host trace sees them.
 *
 * Per iteration: [kvm_x86_inj_virq] -> kvm_x86_entry -> guest -> kvm_x86_exit
 * -> root work -> next iteration, or a sched_switch out. The guest alternates
 * busy periods (guest.cpu_burst of guest time, cut by non-HLT exits every
 * `rate` of guest time and by its timer every guest.tick) and halts
 * (HLT exit -> block -> woken by its timer guest.idle after the HLT ->
 * timer vector injected before the next entry).
 *
 * A switch out only follows an exit (may_preempt): after HLT with
 * prev_state 1, or, when the host scheduler asked for the CPU
 * (need_resched), at the next iteration with prev_state 0. A vector pending
 * when the thread is preempted is injected again after it is switched back
 * in (KVM cancels and requeues the injection). The truth hooks are called at
 * these same state changes, from this state, never from emitted events.
 */
#include "synth/sim_internal.h"

#include "model/exit_reasons.h"

#define VMX_EXIT_PREEMPTION_TIMER 52
#define HOST_LOCAL_TIMER_VECTOR   0xec
#define GUEST_KERNEL_TEXT         0xffffffff81000000ull

static bool vcpu_has_exits(const struct vf_sim_thread *th)
{
	return th->vm->exit_count > 0 && th->exit_weight_total > 0;
}

static void start_busy_period(struct vf_sim *s, struct vf_sim_thread *th)
{
	th->work_left_ns = vf_sim_latency(th, &th->vm->guest_burst);
	if (th->vm->guest_tick_ns > 0) {
		th->tick_deadline_ns = s->now + th->vm->guest_tick_ns;
	}
}

/* Moves the tick deadline past now; true if at least one tick expired. */
static bool advance_tick(struct vf_sim *s, struct vf_sim_thread *th)
{
	int64_t period = th->vm->guest_tick_ns, missed;

	if (period <= 0 || th->tick_deadline_ns > s->now) {
		return false;
	}
	missed = (s->now - th->tick_deadline_ns) / period + 1;
	th->tick_deadline_ns += missed * period;
	return true;
}

void vf_sim_vcpu_prepare_wake(struct vf_sim *s, struct vf_sim_thread *th)
{
	if (th->woken_once) {
		th->pending_timer = true; /* woken by the guest timer */
	} else if (vcpu_has_exits(th)) {
		th->exit_left_ns = vf_sim_latency(th, &th->vm->exit_interval);
	}
	start_busy_period(s, th);
}

enum vf_status vf_sim_vcpu_switched_in(struct vf_sim *s, struct vf_sim_thread *th)
{
	enum vf_status st;

	th->may_preempt = false;
	if (s->truth && (st = vf_truth_switch_in(s->truth, th->truth_vcpu, s->base_ns + s->now,
	                                         s->err)) != VF_OK) {
		return st;
	}
	return vf_sim_schedule_step(s, th, VF_SIM_STEP_PRE_ENTRY,
	                            s->now + vf_sim_latency(th, &s->scn->host.latency.vcpu_load));
}

static uint32_t pick_reason(struct vf_sim_thread *th)
{
	const struct vf_scn_vm *vm = th->vm;
	double x = vf_rng_double(&th->rng) * th->exit_weight_total;
	size_t i;

	for (i = 0; i + 1 < vm->exit_count; i++) {
		if (x < vm->exits[i].weight) {
			return vm->exits[i].reason;
		}
		x -= vm->exits[i].weight;
	}
	return vm->exits[vm->exit_count - 1].reason;
}

static uint64_t random_gpa(struct vf_sim_thread *th)
{
	return (vf_rng_below(&th->rng, 0x100000) << 12) | (vf_rng_below(&th->rng, 512) << 3);
}

/* Plausible kvm_x86_exit payload for a reason (guest_rip, info1/2, intr_info). */
static void fill_exit(struct vf_sim_thread *th, uint32_t reason, struct vf_ev_kvm_exit *x)
{
	static const uint16_t ports[] = {0x70, 0x71, 0xcf8, 0xcfc, 0x3f8, 0x3fd};
	static const uint64_t ept_qual[] = {0x181, 0x182, 0x184, 0x83};
	uint32_t isa = th->vm->isa;

	x->exit_reason = reason;
	x->isa = isa;
	x->vcpu_id = th->vcpu_id;
	x->has_vcpu_id = true;
	x->guest_rip = GUEST_KERNEL_TEXT + vf_rng_below(&th->rng, 0xa00000);
	if (isa == VF_ISA_VMX) {
		switch (reason) {
		case VF_VMX_EXIT_EXTERNAL_INTERRUPT:
			x->intr_info = 0x80000000u | HOST_LOCAL_TIMER_VECTOR;
			break;
		case 48: /* EPT_VIOLATION: exit qualification, guest-physical address */
			x->info1 = ept_qual[vf_rng_below(&th->rng, 4)];
			x->info2 = random_gpa(th);
			break;
		case 30: { /* IO_INSTRUCTION: port << 16 | IN << 3 | size - 1 */
			uint16_t port = ports[vf_rng_below(&th->rng, 6)];
			uint64_t size = (port == 0xcf8 || port == 0xcfc) ? 4 : 1;

			x->info1 =
			    ((uint64_t)port << 16) | (vf_rng_below(&th->rng, 2) << 3) | (size - 1);
			break;
		}
		case 0: /* EXCEPTION_NMI: a guest #PF */
			x->intr_info = 0x80000b0eu;
			x->error_code = 0x6;
			break;
		default:
			break;
		}
		return;
	}
	switch (reason) {
	case VF_SVM_EXIT_NPF:
		x->info1 = 0x100000004ull | (vf_rng_below(&th->rng, 2) << 1);
		x->info2 = random_gpa(th);
		break;
	case 0x07b: { /* IOIO: port << 16 | size bits | IN */
		uint16_t port = ports[vf_rng_below(&th->rng, 6)];
		uint64_t size_bit = (port == 0xcf8 || port == 0xcfc) ? 0x40 : 0x10;

		x->info1 = ((uint64_t)port << 16) | size_bit | vf_rng_below(&th->rng, 2);
		x->info2 = x->guest_rip + 2;
		break;
	}
	case VF_SVM_EXIT_MSR:
		x->info1 = vf_rng_below(&th->rng, 2);
		break;
	default:
		break;
	}
}

static enum vf_status emit_exit(struct vf_sim *s, struct vf_sim_thread *th, uint32_t reason)
{
	struct vf_event ev;
	enum vf_status st;

	vf_sim_event_init(s, &ev, VF_EV_KVM_EXIT, th->cpu);
	fill_exit(th, reason, &ev.u.kvm_exit);
	if ((st = vf_sim_emit(s, &ev)) != VF_OK) {
		return st;
	}
	th->may_preempt = true;
	if (s->truth) {
		return vf_truth_exit(s->truth, th->truth_vcpu, s->base_ns + s->now, reason, s->err);
	}
	return VF_OK;
}

static enum vf_status do_entry(struct vf_sim *s, struct vf_sim_thread *th)
{
	struct vf_event ev;
	enum vf_status st;
	enum vf_sim_guest_end why = VF_SIM_GE_BURST;
	int64_t d;

	vf_sim_event_init(s, &ev, VF_EV_KVM_ENTRY, th->cpu);
	ev.u.kvm_entry.vcpu_id = th->vcpu_id;
	if ((st = vf_sim_emit(s, &ev)) != VF_OK) {
		return st;
	}
	if (s->truth &&
	    (st = vf_truth_entry(s->truth, th->truth_vcpu, s->base_ns + s->now, s->err)) != VF_OK) {
		return st;
	}
	th->in_guest = true;
	th->guest_start_ns = s->now;
	th->pending_timer = false;
	th->may_preempt = false;
	advance_tick(s, th); /* a tick that expired since the injection is delivered with it */
	d = th->work_left_ns > 0 ? th->work_left_ns : 1;
	if (th->vm->guest_tick_ns > 0 && th->tick_deadline_ns - s->now < d) {
		d = th->tick_deadline_ns - s->now;
		why = VF_SIM_GE_TICK;
	}
	if (vcpu_has_exits(th) && th->exit_left_ns < d) {
		d = th->exit_left_ns > 0 ? th->exit_left_ns : 1;
		why = VF_SIM_GE_EXIT;
	}
	if (th->need_resched && s->cpus[th->cpu].rq_head) {
		/* the slice expired during the injection: the host interrupt follows */
		int64_t di = vf_sim_latency(th, &s->scn->host.latency.interrupt);

		if (di < d) {
			d = di;
			why = VF_SIM_GE_INTR;
		}
	}
	th->guest_end = why;
	return vf_sim_schedule_step(s, th, VF_SIM_STEP_GUEST_END, s->now + d);
}

static enum vf_status pre_entry(struct vf_sim *s, struct vf_sim_thread *th)
{
	struct vf_event ev;
	enum vf_status st;

	if (th->need_resched) {
		if (th->may_preempt && s->cpus[th->cpu].rq_head) {
			return vf_sim_preempt(s, th);
		}
		th->need_resched = false;
		if ((st = vf_sim_rearm_slice(s, th->cpu)) != VF_OK) {
			return st;
		}
	}
	if (advance_tick(s, th)) {
		th->pending_timer = true;
	}
	if (!th->pending_timer) {
		return do_entry(s, th);
	}
	vf_sim_event_init(s, &ev, VF_EV_KVM_INJ_VIRQ, th->cpu);
	ev.u.inj_virq.irq = th->vm->timer_vector;
	if ((st = vf_sim_emit(s, &ev)) != VF_OK) {
		return st;
	}
	if (s->truth && (st = vf_truth_inject(s->truth, th->truth_vcpu, s->base_ns + s->now,
	                                      VF_TRUTH_WAKE_TIMER, s->err)) != VF_OK) {
		return st;
	}
	th->may_preempt = false;
	return vf_sim_schedule_step(s, th, VF_SIM_STEP_ENTRY,
	                            s->now + vf_sim_latency(th, &s->scn->host.latency.inject));
}

static enum vf_status guest_end(struct vf_sim *s, struct vf_sim_thread *th,
                                enum vf_sim_guest_end why)
{
	const struct vf_scn_vm *vm = th->vm;
	const struct vf_scn_latency *lat = &s->scn->host.latency;
	int64_t ran = s->now - th->guest_start_ns;
	enum vf_status st;

	th->in_guest = false;
	th->work_left_ns -= ran;
	if (vcpu_has_exits(th)) {
		th->exit_left_ns -= ran;
	}
	switch (why) {
	case VF_SIM_GE_BURST:
		if ((st = emit_exit(s, th,
		                    vm->isa == VF_ISA_SVM ? VF_SVM_EXIT_HLT : VF_VMX_EXIT_HLT)) !=
		    VF_OK) {
			return st;
		}
		th->wake_deadline_ns = s->now + vf_rng_sample(&th->rng, &vm->guest_idle);
		return vf_sim_schedule_step(s, th, VF_SIM_STEP_HLT_BLOCK,
		                            s->now + vf_sim_latency(th, &lat->block));
	case VF_SIM_GE_TICK:
		if ((st = emit_exit(s, th,
		                    vm->isa == VF_ISA_SVM ? VF_SVM_EXIT_INTR
		                                          : VMX_EXIT_PREEMPTION_TIMER)) != VF_OK) {
			return st;
		}
		advance_tick(s, th);
		th->pending_timer = true;
		return vf_sim_schedule_step(s, th, VF_SIM_STEP_PRE_ENTRY,
		                            s->now + vf_sim_latency(th, &lat->interrupt));
	case VF_SIM_GE_EXIT:
		if ((st = emit_exit(s, th, pick_reason(th))) != VF_OK) {
			return st;
		}
		th->exit_left_ns = vf_sim_latency(th, &vm->exit_interval);
		return vf_sim_schedule_step(s, th, VF_SIM_STEP_PRE_ENTRY,
		                            s->now + vf_sim_latency(th, &vm->exit_handling));
	case VF_SIM_GE_INTR:
	default:
		if ((st = emit_exit(s, th,
		                    vm->isa == VF_ISA_SVM ? VF_SVM_EXIT_INTR
		                                          : VF_VMX_EXIT_EXTERNAL_INTERRUPT)) !=
		    VF_OK) {
			return st;
		}
		return vf_sim_schedule_step(s, th, VF_SIM_STEP_PRE_ENTRY,
		                            s->now + vf_sim_latency(th, &lat->interrupt));
	}
}

static enum vf_status hlt_block(struct vf_sim *s, struct vf_sim_thread *th)
{
	enum vf_status st;

	if (th->wake_deadline_ns <= s->now) {
		/* the timer expired before the vCPU blocked: no switch, inject and go on */
		th->pending_timer = true;
		start_busy_period(s, th);
		return pre_entry(s, th);
	}
	if ((st = vf_sim_block(s, th, VF_TRUTH_OFF_HALTED)) != VF_OK) {
		return st;
	}
	return vf_sim_push(s, th->wake_deadline_ns, VF_SIM_ACT_WAKE, vf_sim_thread_index(s, th),
	                   th->gen);
}

enum vf_status vf_sim_vcpu_step(struct vf_sim *s, struct vf_sim_thread *th, enum vf_sim_step step)
{
	switch (step) {
	case VF_SIM_STEP_PRE_ENTRY:
		return pre_entry(s, th);
	case VF_SIM_STEP_ENTRY:
		return do_entry(s, th);
	case VF_SIM_STEP_GUEST_END:
		return guest_end(s, th, th->guest_end);
	case VF_SIM_STEP_HLT_BLOCK:
		return hlt_block(s, th);
	default:
		VF_ERROR_SET(s->err, VF_ERR_INTERNAL, NULL, "simulator: bad vCPU step %d",
		             (int)step);
		return VF_ERR_INTERNAL;
	}
}

enum vf_status vf_sim_vcpu_interrupt(struct vf_sim *s, struct vf_sim_thread *th)
{
	/* an exit due at this very ns happens instead of the interrupt exit */
	enum vf_sim_guest_end why = (th->step == VF_SIM_STEP_GUEST_END && th->step_t <= s->now)
	                                ? th->guest_end
	                                : VF_SIM_GE_INTR;

	if (s->now == th->guest_start_ns) {
		/* entered this very ns: exit 1 ns later, so no guest interval is empty */
		if (th->step == VF_SIM_STEP_GUEST_END && th->step_t <= s->now + 1) {
			return VF_OK;
		}
		th->guest_end = VF_SIM_GE_INTR;
		return vf_sim_schedule_step(s, th, VF_SIM_STEP_GUEST_END, s->now + 1);
	}
	th->gen++;
	th->step = VF_SIM_STEP_NONE;
	return guest_end(s, th, why);
}
