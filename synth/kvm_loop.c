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
 * A halt waits for one class (guest.waits): its timer; an IPI that a sibling
 * vCPU sends (ICR write exit -> kvm_x86_apic_accept_irq -> sched_waking, in
 * the sender's context); or a disk / network request: a queue-notify exit
 * hands it to the device thread (devices.c), the guest halts shortly after,
 * and the completion's interrupt wakes it. With apicv the vectors are
 * delivered without kvm_x86_inj_virq. A non-HLT exit may also block the
 * thread in the host (host_block: wait_host).
 *
 * With a CR3 source (trace.cr3) each iteration reports the CR3 its entry
 * loads (addons_vcpu_enter_guest, or kvm_x86_cr when it changes); guest
 * context switches are decided at guest ticks and take effect at an entry.
 * Nesting (vms[i].nested): while the L1 hypervisor process is loaded, L1
 * enters L2 (VMLAUNCH/VMRESUME, SVM VMRUN + kvm_x86_nested_vmrun); L2 exits
 * are kvm_x86_exit + kvm_x86_nested_vmexit, and reflected ones add
 * kvm_x86_nested_vmexit_inject (the next entry runs L1 again).
 *
 * A switch out only follows an exit (may_preempt): after HLT with
 * prev_state 1, or, when the host scheduler asked for the CPU
 * (need_resched), at the next iteration with prev_state 0. A vector pending
 * when the thread is preempted is injected again after it is switched back
 * in (KVM cancels and requeues the injection). The truth hooks are called at
 * these same state changes, from this state, never from emitted events.
 */
#include "synth/sim_internal.h"

#include <string.h>

#include "model/exit_reasons.h"

#define VMX_EXIT_PREEMPTION_TIMER 52
#define HOST_LOCAL_TIMER_VECTOR   0xec
#define GUEST_KERNEL_TEXT         0xffffffff81000000ull

static void pend_add(struct vf_sim_thread *th, uint32_t vec)
{
	uint32_t i;

	for (i = 0; i < th->pending_count; i++) {
		if (th->pending[i] == vec) {
			return;
		}
	}
	if (th->pending_count < VF_SIM_MAX_PENDING) {
		th->pending[th->pending_count++] = vec;
	}
}

static void pend_pop(struct vf_sim_thread *th)
{
	uint32_t i;

	for (i = 1; i < th->pending_count; i++) {
		th->pending[i - 1] = th->pending[i];
	}
	th->pending_count--;
}

static bool vcpu_has_exits(const struct vf_sim_thread *th)
{
	return th->vm->exit_count > 0 && th->exit_weight_total > 0;
}

static void start_busy_period(struct vf_sim *s, struct vf_sim_thread *th)
{
	th->l1_halting = false;
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
	if (th->host_blocked) {
		th->host_blocked = false; /* the host let it go: the busy period goes on */
		return;
	}
	if (th->halted && s->truth) {
		(void)vf_truth_wakeup(s->truth, th->truth_vcpu, "timer", VF_TRUTH_WAKE_TIMER, s->err);
	}
	th->halted = false;
	if (th->woken_once) {
		pend_add(th, th->vm->timer_vector); /* woken by the guest timer */
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
	struct vf_event *ev;
	enum vf_status st;

	ev = vf_sim_event_new(s, VF_EV_KVM_EXIT, th->cpu);
	fill_exit(th, reason, &ev->u.kvm_exit);
	if ((st = vf_sim_emit(s, ev)) != VF_OK) {
		return st;
	}
	th->may_preempt = true;
	if (s->truth) {
		return vf_truth_exit(s->truth, th->truth_vcpu, s->base_ns + s->now, reason, s->err);
	}
	return VF_OK;
}

static enum vf_scn_cr3 cr3_mode(const struct vf_sim *s)
{
	return s->scn->trace.cr3;
}

/* Guest stack and instruction pointers of the loaded thread, as vcpu_enter_guest reads them. */
static void guest_sp_ip(struct vf_sim *s, struct vf_sim_thread *th, uint32_t proc,
                        uint64_t *sp, uint64_t *ip)
{
	uint64_t global = s->vms[th->vm_index].proc_first + proc;
	uint64_t thread = th->cur_gthread;

	if (th->user_mode) {
		*sp = 0x7ffc00000000ull - thread * 0x1000000ull - (vf_rng_below(&th->rng, 0x10000) << 4);
		*ip = 0x55d0c0000000ull + vf_rng_below(&th->rng, 0x100000);
	} else {
		/* a 16 KiB kernel stack in its own 64 KiB window */
		*sp = 0xffffc90000000000ull + ((global * 256 + thread) << 16) + 0x3e00 -
		      (vf_rng_below(&th->rng, 0x200) << 3);
		*ip = GUEST_KERNEL_TEXT + vf_rng_below(&th->rng, 0xa00000);
	}
}

/* In nested mode the iteration loads the L2 process' CR3 (vmcs02); the L1 process stays. */
static enum vf_status report_l2_cr3(struct vf_sim *s, struct vf_sim_thread *th)
{
	const struct vf_scn_nested *ns = &th->vm->nested;
	uint32_t l2 = s->vms[th->vm_index].l2_cur;
	struct vf_event *ev;

	th->iter_proc = th->cur_proc;
	th->iter_open = true;
	if (cr3_mode(s) == VF_SCN_CR3_ADDONS) {
		ev = vf_sim_event_new(s, VF_EV_ADDONS_VCPU_ENTER_GUEST, th->cpu);
		ev->u.enter_guest.vcpu_id = th->vcpu_id;
		ev->u.enter_guest.cr3 = ns->procs[l2].cr3;
		ev->u.enter_guest.sp = 0xffffc90100000000ull + ((uint64_t)l2 << 16) + 0x3e00 -
		                       (vf_rng_below(&th->rng, 0x200) << 3);
		ev->u.enter_guest.ip = GUEST_KERNEL_TEXT + vf_rng_below(&th->rng, 0xa00000);
		th->l2_reported = l2;
		return vf_sim_emit(s, ev);
	}
	if (l2 == th->l2_reported) {
		return VF_OK;
	}
	th->l2_reported = l2;
	ev = vf_sim_event_new(s, VF_EV_KVM_CR, th->cpu);
	ev->u.kvm_cr.rw = 1;
	ev->u.kvm_cr.cr = 3;
	ev->u.kvm_cr.val = ns->procs[l2].cr3;
	return vf_sim_emit(s, ev);
}

static enum vf_status report_cr3(struct vf_sim *s, struct vf_sim_thread *th);
static enum vf_status emit_nested(struct vf_sim *s, struct vf_sim_thread *th,
                                  enum vf_event_kind kind, uint32_t code);
static enum vf_status leave_nested(struct vf_sim *s, struct vf_sim_thread *th, uint32_t code);

/* The start of a run-loop iteration: the CR3 the entry will load, as the trace shows it. */
static enum vf_status report_cr3(struct vf_sim *s, struct vf_sim_thread *th)
{
	const struct vf_scn_vm *vm = th->vm;
	uint32_t proc = th->cur_proc;
	struct vf_event *ev;

	if (th->nested) {
		return report_l2_cr3(s, th);
	}
	if (proc == VF_SIM_NONE || th->sw == VF_SIM_SW_READY) {
		proc = th->next_proc; /* the first process, or a guest context switch */
		th->cur_gthread = (uint32_t)vf_rng_below(&th->rng, vm->gprocs[proc].threads);
	}
	th->iter_proc = proc;
	th->iter_open = true;
	if (cr3_mode(s) == VF_SCN_CR3_ADDONS) {
		ev = vf_sim_event_new(s, VF_EV_ADDONS_VCPU_ENTER_GUEST, th->cpu);
		ev->u.enter_guest.vcpu_id = th->vcpu_id;
		ev->u.enter_guest.cr3 = vm->gprocs[proc].cr3;
		guest_sp_ip(s, th, proc, &ev->u.enter_guest.sp, &ev->u.enter_guest.ip);
		return vf_sim_emit(s, ev);
	}
	if (proc == th->cur_proc) {
		return VF_OK;
	}
	ev = vf_sim_event_new(s, VF_EV_KVM_CR, th->cpu);
	ev->u.kvm_cr.rw = 1;
	ev->u.kvm_cr.cr = 3;
	ev->u.kvm_cr.val = vm->gprocs[proc].cr3;
	return vf_sim_emit(s, ev);
}

/* At an entry: load the iteration's process (truth first, the entry follows at the same ns). */
static enum vf_status load_process(struct vf_sim *s, struct vf_sim_thread *th)
{
	struct vf_sim_vm *svm = &s->vms[th->vm_index];
	enum vf_status st;

	if (!th->iter_open) {
		return VF_OK;
	}
	th->iter_open = false;
	if (th->iter_proc != th->cur_proc) {
		if (th->cur_proc != VF_SIM_NONE) {
			svm->proc_owner[th->cur_proc] = VF_SIM_NONE;
		}
		th->cur_proc = th->iter_proc;
		th->next_proc = VF_SIM_NONE;
		th->sw = VF_SIM_SW_NONE;
		if (s->truth && (st = vf_truth_load_process(s->truth, th->truth_vcpu,
		                                            svm->proc_truth + th->cur_proc,
		                                            s->base_ns + s->now, s->err)) != VF_OK) {
			return st;
		}
	} else if (th->sw == VF_SIM_SW_DECIDED) {
		th->sw = VF_SIM_SW_ENTERED;
	}
	return VF_OK;
}

/* At a guest tick: the guest scheduler may switch to another process (or thread). */
static void maybe_switch(struct vf_sim *s, struct vf_sim_thread *th)
{
	const struct vf_scn_vm *vm = th->vm;
	struct vf_sim_vm *svm = &s->vms[th->vm_index];
	uint32_t n = (uint32_t)vm->gproc_count, start, i;

	if (cr3_mode(s) == VF_SCN_CR3_NONE || vm->proc_switch <= 0 ||
	    th->cur_proc == VF_SIM_NONE) {
		return;
	}
	if (vm->gprocs[th->cur_proc].threads > 1) {
		th->cur_gthread = (uint32_t)vf_rng_below(&th->rng, vm->gprocs[th->cur_proc].threads);
	}
	if (th->sw != VF_SIM_SW_NONE || vf_rng_double(&th->rng) >= vm->proc_switch) {
		return;
	}
	start = (uint32_t)vf_rng_below(&th->rng, n);
	for (i = 0; i < n; i++) {
		uint32_t k = (start + i) % n;

		if (svm->proc_owner[k] == VF_SIM_NONE) {
			svm->proc_owner[k] = vf_sim_thread_index(s, th); /* reserved */
			th->next_proc = k;
			th->sw = VF_SIM_SW_DECIDED;
			return;
		}
	}
}

/* CR_ACCESS (VMX, MOV to CR3 from a register) / WRITE_CR3 (SVM). */
static enum vf_status emit_cr_exit(struct vf_sim *s, struct vf_sim_thread *th)
{
	uint32_t reason = th->vm->isa == VF_ISA_SVM ? 0x013 : 28;
	struct vf_event *ev = vf_sim_event_new(s, VF_EV_KVM_EXIT, th->cpu);

	fill_exit(th, reason, &ev->u.kvm_exit);
	if (th->vm->isa == VF_ISA_VMX) {
		ev->u.kvm_exit.info1 = 3 | ((uint64_t)vf_rng_below(&th->rng, 16) << 8);
	}
	th->may_preempt = true;
	if (vf_sim_emit(s, ev) != VF_OK) {
		return s->err->status;
	}
	if (s->truth) {
		return vf_truth_exit(s->truth, th->truth_vcpu, s->base_ns + s->now, reason, s->err);
	}
	return VF_OK;
}

static enum vf_status do_entry(struct vf_sim *s, struct vf_sim_thread *th)
{
	struct vf_event *ev;
	enum vf_status st;
	enum vf_sim_guest_end why = VF_SIM_GE_BURST;
	int64_t d;

	ev = vf_sim_event_new(s, VF_EV_KVM_ENTRY, th->cpu);
	ev->u.kvm_entry.vcpu_id = th->vcpu_id;
	if ((st = vf_sim_emit(s, ev)) != VF_OK) {
		return st;
	}
	if (th->nested) {
		const struct vf_sim_vm *svm = &s->vms[th->vm_index];

		th->iter_open = false;
		if (s->truth && (st = vf_truth_entry_l2(s->truth, th->truth_vcpu,
		                                        svm->l2_truth + svm->l2_cur,
		                                        s->base_ns + s->now, s->err)) != VF_OK) {
			return st;
		}
	} else {
		if (cr3_mode(s) != VF_SCN_CR3_NONE && (st = load_process(s, th)) != VF_OK) {
			return st;
		}
		if (s->truth && (st = vf_truth_entry(s->truth, th->truth_vcpu, s->base_ns + s->now,
		                                     s->err)) != VF_OK) {
			return st;
		}
	}
	th->in_guest = true;
	th->guest_start_ns = s->now;
	th->pending_count = 0;
	th->may_preempt = false;
	advance_tick(s, th); /* a tick that expired since the injection is delivered with it */
	d = th->work_left_ns > 0 ? th->work_left_ns : 1;
	if (th->vm->guest_tick_ns > 0 && th->tick_deadline_ns - s->now < d) {
		d = th->tick_deadline_ns - s->now;
		why = VF_SIM_GE_TICK;
	}
	if (th->nested) {
		/* L2 code: its own exits, not L1's mix */
		int64_t dx = vf_sim_latency(th, &th->vm->nested.exit_rate);

		if (dx < d) {
			d = dx;
			why = VF_SIM_GE_L2EXIT;
		}
	} else if (vcpu_has_exits(th) && th->exit_left_ns < d) {
		d = th->exit_left_ns > 0 ? th->exit_left_ns : 1;
		why = VF_SIM_GE_EXIT;
	}
	if (!th->nested && th->vm->nested.on && !th->l1_halting &&
	    th->cur_proc == th->vm->nested.hypervisor) {
		/* the L1 hypervisor process enters its guest again */
		int64_t dv = vf_sim_latency(th, &th->vm->nested.l1_time);

		if (dv < d) {
			d = dv;
			why = VF_SIM_GE_VMENTER;
		}
	}
	if (!th->nested && th->sw == VF_SIM_SW_ENTERED && cr3_mode(s) == VF_SCN_CR3_KVM_CR) {
		/* shadow paging: the guest scheduler's MOV to CR3 exits shortly */
		int64_t dc = vf_sim_latency(th, &s->scn->host.latency.block);

		if (dc < d) {
			d = dc;
			why = VF_SIM_GE_CR3;
		}
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

/* What an injected vector delivers, as the simulator knows it. */
static enum vf_truth_wake vector_class(const struct vf_sim_thread *th, uint32_t vec)
{
	const struct vf_scn_vm *vm = th->vm;
	uint32_t i;

	if (vec == vm->timer_vector) {
		return VF_TRUTH_WAKE_TIMER;
	}
	for (i = 0; i < vm->ipi_vector_count; i++) {
		if (vec == vm->ipi_vectors[i]) {
			return VF_TRUTH_WAKE_TASK;
		}
	}
	if (vm->wait_weight[VF_SCN_WAIT_DISK] > 0 && vec == vm->disk.vector) {
		return VF_TRUTH_WAKE_DISK;
	}
	if ((vm->wait_weight[VF_SCN_WAIT_NET] > 0 || vm->net.serves_peer) && vec == vm->net.vector) {
		return VF_TRUTH_WAKE_NET;
	}
	return VF_TRUTH_WAKE_UNKNOWN;
}

static enum vf_status pre_entry(struct vf_sim *s, struct vf_sim_thread *th)
{
	struct vf_event *ev;
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
	if (th->nested && th->pending_count > 0 && !th->vm->apicv) {
		/* an interrupt for L1 while in L2: L0 reflects an external interrupt exit */
		if ((st = leave_nested(s, th, VF_VMX_EXIT_EXTERNAL_INTERRUPT)) != VF_OK) {
			return st;
		}
	}
	if (cr3_mode(s) != VF_SCN_CR3_NONE && !th->iter_open &&
	    (st = report_cr3(s, th)) != VF_OK) {
		return st;
	}
	if (advance_tick(s, th)) {
		pend_add(th, th->vm->timer_vector);
	}
	if (th->pending_count == 0 || th->vm->apicv) {
		return do_entry(s, th); /* APICv: posted interrupts, no injection event */
	}
	/* one kvm_x86_inj_virq per pending vector, the wake-up's vector first */
	ev = vf_sim_event_new(s, VF_EV_KVM_INJ_VIRQ, th->cpu);
	ev->u.inj_virq.irq = th->pending[0];
	if ((st = vf_sim_emit(s, ev)) != VF_OK) {
		return st;
	}
	if (s->truth && (st = vf_truth_inject(s->truth, th->truth_vcpu, s->base_ns + s->now,
	                                      vector_class(th, th->pending[0]), s->err)) != VF_OK) {
		return st;
	}
	pend_pop(th);
	th->may_preempt = false;
	return vf_sim_schedule_step(s, th,
	                            th->pending_count ? VF_SIM_STEP_PRE_ENTRY : VF_SIM_STEP_ENTRY,
	                            s->now + vf_sim_latency(th, &s->scn->host.latency.inject));
}

static enum vf_scn_wait pick_wait(struct vf_sim_thread *th)
{
	const double *w = th->vm->wait_weight;
	double total = 0, x;
	int i;

	for (i = 0; i < VF_SCN_WAIT_COUNT; i++) {
		total += w[i];
	}
	if (total <= 0 || w[VF_SCN_WAIT_TIMER] == total) {
		return VF_SCN_WAIT_TIMER; /* no draw: the timer-only stream stays as it was */
	}
	x = vf_rng_double(&th->rng) * total;
	for (i = 0; i < VF_SCN_WAIT_COUNT - 1; i++) {
		if (x < w[i]) {
			return (enum vf_scn_wait)i;
		}
		x -= w[i];
	}
	return (enum vf_scn_wait)(VF_SCN_WAIT_COUNT - 1);
}

static bool blocks_in_host(struct vf_sim_thread *th, uint32_t reason)
{
	const struct vf_scn_vm *vm = th->vm;
	uint32_t i;

	if (vm->host_block_prob <= 0) {
		return false;
	}
	for (i = 0; i < vm->host_block_reason_count; i++) {
		if (vm->host_block_reasons[i] == reason) {
			break;
		}
	}
	if (vm->host_block_reason_count && i == vm->host_block_reason_count) {
		return false;
	}
	return vf_rng_double(&th->rng) < vm->host_block_prob;
}

static uint32_t msr_write_reason(const struct vf_sim_thread *th)
{
	return th->vm->isa == VF_ISA_SVM ? VF_SVM_EXIT_MSR : 32; /* MSR_WRITE */
}

static enum vf_status emit_nested(struct vf_sim *s, struct vf_sim_thread *th,
                                  enum vf_event_kind kind, uint32_t code)
{
	struct vf_event *ev;

	ev = vf_sim_event_new(s, kind, th->cpu);
	ev->u.nested_vmexit.exit_code = code;
	ev->u.nested_vmexit.isa = th->vm->isa;
	ev->u.nested_vmexit.rip = GUEST_KERNEL_TEXT + vf_rng_below(&th->rng, 0xa00000);
	if (kind == VF_EV_KVM_NESTED_VMRUN) {
		memset(&ev->u, 0, sizeof(ev->u));
		ev->u.nested_vmrun.rip = GUEST_KERNEL_TEXT + vf_rng_below(&th->rng, 0xa00000);
		ev->u.nested_vmrun.vmcb = 0x10f000000ull + ((uint64_t)th->vcpu_id << 12);
		ev->u.nested_vmrun.nested_rip =
		    GUEST_KERNEL_TEXT + vf_rng_below(&th->rng, 0xa00000);
		ev->u.nested_vmrun.npt = true;
	}
	return vf_sim_emit(s, ev);
}

/* A reflected exit: kvm_x86_nested_vmexit_inject, nested mode ends, the next entry is L1. */
static enum vf_status leave_nested(struct vf_sim *s, struct vf_sim_thread *th, uint32_t code)
{
	const struct vf_scn_nested *ns = &th->vm->nested;
	struct vf_sim_vm *svm = &s->vms[th->vm_index];
	enum vf_status st;

	if (th->vm->isa == VF_ISA_SVM && code == VF_VMX_EXIT_EXTERNAL_INTERRUPT) {
		code = VF_SVM_EXIT_INTR;
	}
	if ((st = emit_nested(s, th, VF_EV_KVM_NESTED_VMEXIT_INJECT, code)) != VF_OK) {
		return st;
	}
	th->nested = false;
	th->iter_open = false;
	if (ns->proc_count > 1 && vf_rng_double(&th->rng) < ns->sw) {
		/* L1 schedules another L2 process next time */
		svm->l2_cur = (svm->l2_cur + 1 +
		               (uint32_t)vf_rng_below(&th->rng, ns->proc_count - 1)) %
		              (uint32_t)ns->proc_count;
	}
	if (s->truth) {
		return vf_truth_nested_mode(s->truth, th->truth_vcpu, svm->nest_truth, false,
		                            s->base_ns + s->now, s->err);
	}
	return VF_OK;
}

/* An exit taken in L2: kvm_x86_exit, kvm_x86_nested_vmexit, then L0 handles it or reflects it. */
static enum vf_status l2_exit(struct vf_sim *s, struct vf_sim_thread *th,
                              enum vf_sim_guest_end why)
{
	const struct vf_scn_vm *vm = th->vm;
	const struct vf_scn_nested *ns = &vm->nested;
	const struct vf_scn_latency *lat = &s->scn->host.latency;
	bool svm = vm->isa == VF_ISA_SVM, reflect;
	uint32_t reason, inject;
	enum vf_status st;

	switch (why) {
	case VF_SIM_GE_L2EXIT:
		reason = ns->reasons[vf_rng_below(&th->rng, ns->reason_count)];
		reflect = vf_rng_double(&th->rng) < ns->reflect;
		inject = reason;
		break;
	case VF_SIM_GE_TICK: /* L1's timer: L0's preemption timer, then an interrupt for L1 */
		reason = svm ? VF_SVM_EXIT_INTR : VMX_EXIT_PREEMPTION_TIMER;
		advance_tick(s, th);
		pend_add(th, vm->timer_vector);
		reflect = true;
		inject = svm ? VF_SVM_EXIT_INTR : VF_VMX_EXIT_EXTERNAL_INTERRUPT;
		break;
	case VF_SIM_GE_BURST: /* L2 idles: its HLT goes to L1, which then halts too */
		reason = svm ? VF_SVM_EXIT_HLT : VF_VMX_EXIT_HLT;
		reflect = true;
		inject = reason;
		th->l1_halting = true;
		th->work_left_ns = vf_sim_latency(th, &ns->l1_time);
		break;
	default: /* a host interrupt: L0's own, unless something is pending for L1 */
		reason = svm ? VF_SVM_EXIT_INTR : VF_VMX_EXIT_EXTERNAL_INTERRUPT;
		reflect = th->pending_count > 0;
		inject = reason;
		break;
	}
	if ((st = emit_exit(s, th, reason)) != VF_OK ||
	    (st = emit_nested(s, th, VF_EV_KVM_NESTED_VMEXIT, reason)) != VF_OK) {
		return st;
	}
	if (reflect && (st = leave_nested(s, th, inject)) != VF_OK) {
		return st;
	}
	return vf_sim_schedule_step(s, th, VF_SIM_STEP_PRE_ENTRY,
	                            s->now + vf_sim_latency(th, reflect ? &lat->inject
	                                                                : &vm->exit_handling));
}

static enum vf_status guest_end(struct vf_sim *s, struct vf_sim_thread *th,
                                enum vf_sim_guest_end why)
{
	const struct vf_scn_vm *vm = th->vm;
	const struct vf_scn_latency *lat = &s->scn->host.latency;
	int64_t ran = s->now - th->guest_start_ns;
	enum vf_status st;
	uint32_t reason;

	th->in_guest = false;
	th->work_left_ns -= ran;
	if (vcpu_has_exits(th)) {
		th->exit_left_ns -= ran;
	}
	if (th->sw == VF_SIM_SW_ENTERED &&
	    (cr3_mode(s) == VF_SCN_CR3_ADDONS || why == VF_SIM_GE_CR3)) {
		th->sw = VF_SIM_SW_READY; /* the next iteration shows the new CR3 */
	}
	th->user_mode = false;
	if (th->nested) {
		return l2_exit(s, th, why);
	}
	switch (why) {
	case VF_SIM_GE_VMENTER:
		reason = vm->isa == VF_ISA_SVM
		             ? VF_SVM_EXIT_VMRUN
		             : (th->launched ? VF_VMX_EXIT_VMRESUME : VF_VMX_EXIT_VMLAUNCH);
		th->launched = true;
		if ((st = emit_exit(s, th, reason)) != VF_OK) {
			return st;
		}
		th->nested = true;
		th->iter_open = false;
		if (s->truth && (st = vf_truth_nested_mode(s->truth, th->truth_vcpu,
		                                           s->vms[th->vm_index].nest_truth, true,
		                                           s->base_ns + s->now, s->err)) != VF_OK) {
			return st;
		}
		return vf_sim_schedule_step(s, th,
		                            vm->isa == VF_ISA_SVM ? VF_SIM_STEP_VMRUN
		                                                  : VF_SIM_STEP_PRE_ENTRY,
		                            s->now + vf_sim_latency(th, &lat->inject));
	case VF_SIM_GE_CR3:
		if ((st = emit_cr_exit(s, th)) != VF_OK) {
			return st;
		}
		return vf_sim_schedule_step(s, th, VF_SIM_STEP_PRE_ENTRY,
		                            s->now + vf_sim_latency(th, &lat->inject));
	case VF_SIM_GE_BURST:
		if (!th->notify_pending) {
			th->halt_class = pick_wait(th);
			if (th->halt_class == VF_SCN_WAIT_DISK || th->halt_class == VF_SCN_WAIT_NET) {
				/* the guest driver kicks its virtqueue, then halts shortly after */
				const struct vf_scn_device *d = th->halt_class == VF_SCN_WAIT_DISK
				                                    ? &vm->disk
				                                    : &vm->net;

				if ((st = emit_exit(s, th, d->notify)) != VF_OK) {
					return st;
				}
				return vf_sim_schedule_step(s, th, VF_SIM_STEP_NOTIFY,
				                            s->now + vf_sim_latency(th, &lat->inject));
			}
		}
		th->notify_pending = false;
		if ((st = emit_exit(s, th,
		                    vm->isa == VF_ISA_SVM ? VF_SVM_EXIT_HLT : VF_VMX_EXIT_HLT)) !=
		    VF_OK) {
			return st;
		}
		th->wake_deadline_ns =
		    s->now + vf_rng_sample(&th->rng, th->halt_class == VF_SCN_WAIT_TASK
		                                         ? &vm->ipi_delay
		                                         : &vm->guest_idle);
		return vf_sim_schedule_step(s, th, VF_SIM_STEP_HLT_BLOCK,
		                            s->now + vf_sim_latency(th, &lat->block));
	case VF_SIM_GE_TICK:
		if ((st = emit_exit(s, th,
		                    vm->isa == VF_ISA_SVM ? VF_SVM_EXIT_INTR
		                                          : VMX_EXIT_PREEMPTION_TIMER)) != VF_OK) {
			return st;
		}
		advance_tick(s, th);
		pend_add(th, vm->timer_vector);
		maybe_switch(s, th);
		return vf_sim_schedule_step(s, th, VF_SIM_STEP_PRE_ENTRY,
		                            s->now + vf_sim_latency(th, &lat->interrupt));
	case VF_SIM_GE_EXIT:
		reason = pick_reason(th);
		if (cr3_mode(s) != VF_SCN_CR3_NONE) {
			th->user_mode = vf_rng_double(&th->rng) < 0.5;
		}
		if ((st = emit_exit(s, th, reason)) != VF_OK) {
			return st;
		}
		th->exit_left_ns = vf_sim_latency(th, &vm->exit_interval);
		if (blocks_in_host(th, reason)) {
			return vf_sim_schedule_step(s, th, VF_SIM_STEP_HOST_BLOCK,
			                            s->now + vf_sim_latency(th, &lat->block));
		}
		return vf_sim_schedule_step(s, th, VF_SIM_STEP_PRE_ENTRY,
		                            s->now + vf_sim_latency(th, &vm->exit_handling));
	case VF_SIM_GE_IPI:
		if ((st = emit_exit(s, th, msr_write_reason(th))) != VF_OK) {
			return st;
		}
		return vf_sim_schedule_step(s, th, VF_SIM_STEP_IPI_SEND,
		                            s->now + vf_sim_latency(th, &lat->inject));
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

static enum vf_truth_wake wait_cause(enum vf_scn_wait w)
{
	switch (w) {
	case VF_SCN_WAIT_TASK:
		return VF_TRUTH_WAKE_TASK;
	case VF_SCN_WAIT_DISK:
		return VF_TRUTH_WAKE_DISK;
	case VF_SCN_WAIT_NET:
		return VF_TRUTH_WAKE_NET;
	default:
		return VF_TRUTH_WAKE_TIMER;
	}
}

static enum vf_status hlt_block(struct vf_sim *s, struct vf_sim_thread *th)
{
	enum vf_status st;

	if (th->pending_count > 0 ||
	    (th->halt_class == VF_SCN_WAIT_TIMER && th->wake_deadline_ns <= s->now)) {
		/* what it waits for came before it blocked: no switch, inject and go on */
		if (th->pending_count == 0) {
			pend_add(th, th->vm->timer_vector);
		}
		start_busy_period(s, th);
		return pre_entry(s, th);
	}
	if ((st = vf_sim_block(s, th, VF_TRUTH_OFF_HALTED)) != VF_OK) {
		return st;
	}
	th->halted = true;
	th->ipi_retries = 0;
	/* the simulator knows what will end this halt */
	if (s->truth && (st = vf_truth_wake_cause(s->truth, th->truth_vcpu,
	                                          wait_cause(th->halt_class), s->err)) != VF_OK) {
		return st;
	}
	switch (th->halt_class) {
	case VF_SCN_WAIT_TIMER:
		return vf_sim_push(s, th->wake_deadline_ns, VF_SIM_ACT_WAKE,
		                   vf_sim_thread_index(s, th), th->gen);
	case VF_SCN_WAIT_TASK:
		return vf_sim_push(s, th->wake_deadline_ns > s->now ? th->wake_deadline_ns : s->now,
		                   VF_SIM_ACT_IPI, vf_sim_thread_index(s, th), th->gen);
	default:
		return VF_OK; /* the device's completion wakes it */
	}
}

static enum vf_status notify(struct vf_sim *s, struct vf_sim_thread *th)
{
	const struct vf_sim_vm *svm = &s->vms[th->vm_index];
	uint32_t dev = th->halt_class == VF_SCN_WAIT_DISK ? svm->main : svm->vhost;
	enum vf_status st;

	if ((st = vf_sim_dev_request(s, &s->threads[dev], th)) != VF_OK) {
		return st;
	}
	th->notify_pending = true;
	/* a little guest work between the kick and the halt */
	th->work_left_ns = vf_sim_latency(th, &s->scn->host.latency.block);
	return vf_sim_schedule_step(s, th, VF_SIM_STEP_PRE_ENTRY,
	                            s->now + vf_sim_latency(th, &th->vm->exit_handling));
}

enum vf_status vf_sim_emit_accept_irq(struct vf_sim *s, uint32_t cpu,
                                      const struct vf_sim_thread *th, uint32_t vec)
{
	struct vf_event *ev;

	ev = vf_sim_event_new(s, VF_EV_KVM_APIC_ACCEPT_IRQ, cpu);
	ev->u.apic_accept_irq.apicid = th->vcpu_id;
	ev->u.apic_accept_irq.dm = 0; /* fixed delivery */
	ev->u.apic_accept_irq.tm = 0; /* edge */
	ev->u.apic_accept_irq.vec = (uint8_t)vec;
	return vf_sim_emit(s, ev);
}

static enum vf_status ipi_send(struct vf_sim *s, struct vf_sim_thread *th)
{
	const struct vf_scn_vm *vm = th->vm;
	struct vf_sim_thread *target = &s->threads[th->ipi_target];
	uint32_t vec = vm->ipi_vectors[vf_rng_below(&th->rng, vm->ipi_vector_count)];
	enum vf_status st;

	th->ipi_target = VF_SIM_NONE;
	if ((st = vf_sim_emit_accept_irq(s, th->cpu, target, vec)) != VF_OK ||
	    (st = vf_sim_vcpu_kick(s, target, vec, VF_TRUTH_WAKE_TASK, th->cpu)) != VF_OK) {
		return st;
	}
	return vf_sim_schedule_step(s, th, VF_SIM_STEP_PRE_ENTRY,
	                            s->now +
	                                vf_sim_latency(th, &s->scn->host.latency.interrupt));
}

static enum vf_status host_block(struct vf_sim *s, struct vf_sim_thread *th)
{
	enum vf_status st;

	if ((st = vf_sim_block(s, th, VF_TRUTH_OFF_WAIT_HOST)) != VF_OK) {
		return st;
	}
	th->host_blocked = true;
	return vf_sim_push(s, s->now + vf_sim_latency(th, &th->vm->host_block_time),
	                   VF_SIM_ACT_WAKE, vf_sim_thread_index(s, th), th->gen);
}

/* The truth summary's wake-up edge: who runs on waker_cpu wakes vCPU th. */
static enum vf_status record_waker(struct vf_sim *s, struct vf_sim_thread *th, uint32_t waker_cpu,
                                   enum vf_truth_wake cause)
{
	const struct vf_sim_thread *w = s->cpus[waker_cpu].curr;
	char name[48];

	if (!w) {
		snprintf(name, sizeof(name), "irq");
	} else if (w->kind == VF_SIM_TH_VCPU) {
		snprintf(name, sizeof(name), "VMs/%d/vCPUs/%u", (int)w->pid, w->vcpu_id);
	} else {
		snprintf(name, sizeof(name), "%s/%d", w->comm, (int)w->tid);
	}
	if (cause == VF_TRUTH_WAKE_DISK && w && w->kind != VF_SIM_TH_QEMU_MAIN) {
		snprintf(name, sizeof(name), "irq"); /* raised from IRQ context (disk.irq_first) */
	}
	return vf_truth_wakeup(s->truth, th->truth_vcpu, name, cause, s->err);
}

enum vf_status vf_sim_vcpu_kick(struct vf_sim *s, struct vf_sim_thread *th, uint32_t vec,
                                enum vf_truth_wake cause, uint32_t waker_cpu)
{
	enum vf_status st;

	/* The completion of the request the guest kicked arrives before the guest halted for it
	 * (e.g. while its vCPU thread was blocked in the host): the guest takes the interrupt at
	 * its next entry and no longer halts for that device. */
	if (th->notify_pending &&
	    ((cause == VF_TRUTH_WAKE_DISK && th->halt_class == VF_SCN_WAIT_DISK) ||
	     (cause == VF_TRUTH_WAKE_NET && th->halt_class == VF_SCN_WAIT_NET))) {
		th->notify_pending = false;
	}
	pend_add(th, vec);
	if (th->state == VF_SIM_TS_BLOCKED && th->halted) {
		th->halted = false;
		if (s->truth && ((st = vf_truth_wake_cause(s->truth, th->truth_vcpu, cause, s->err)) !=
		                     VF_OK ||
		                 (st = record_waker(s, th, waker_cpu, cause)) != VF_OK)) {
			return st;
		}
		th->gen++; /* its timer no longer matters */
		th->woken_once = true;
		start_busy_period(s, th);
		return vf_sim_wake_by(s, th, waker_cpu);
	}
	if (th->state == VF_SIM_TS_RUNNING && th->in_guest && !th->vm->apicv) {
		return vf_sim_vcpu_interrupt(s, th); /* the kick IPI makes it exit */
	}
	return VF_OK; /* injected at its next entry */
}

enum vf_status vf_sim_vcpu_ipi_due(struct vf_sim *s, uint32_t id, uint64_t gen)
{
	struct vf_sim_thread *t = &s->threads[id];
	const struct vf_sim_vm *svm = &s->vms[t->vm_index];
	uint32_t n = t->vm->vcpu_count, start, i;

	if (gen != t->gen || t->state != VF_SIM_TS_BLOCKED || !t->halted) {
		return VF_OK;
	}
	start = (uint32_t)vf_rng_below(&t->rng, n);
	for (i = 0; i < n; i++) {
		struct vf_sim_thread *w = &s->threads[svm->first_vcpu + (start + i) % n];

		if (w == t || w->state != VF_SIM_TS_RUNNING || !w->in_guest || w->nested ||
		    w->ipi_target != VF_SIM_NONE || s->now <= w->guest_start_ns ||
		    (w->step == VF_SIM_STEP_GUEST_END && w->step_t <= s->now)) {
			continue;
		}
		/* the waker's guest task writes the ICR now */
		w->ipi_target = id;
		w->gen++;
		w->step = VF_SIM_STEP_NONE;
		return guest_end(s, w, VF_SIM_GE_IPI);
	}
	if (++t->ipi_retries > 50) {
		/* no sibling ran for long: the waiting guest's timer fires instead */
		enum vf_status st;

		if (s->truth && (st = vf_truth_wake_cause(s->truth, t->truth_vcpu,
		                                          VF_TRUTH_WAKE_TIMER, s->err)) != VF_OK) {
			return st;
		}
		return vf_sim_push(s, s->now, VF_SIM_ACT_WAKE, id, t->gen);
	}
	return vf_sim_push(s, s->now + 20000, VF_SIM_ACT_IPI, id, gen);
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
	case VF_SIM_STEP_IPI_SEND:
		return ipi_send(s, th);
	case VF_SIM_STEP_NOTIFY:
		return notify(s, th);
	case VF_SIM_STEP_HOST_BLOCK:
		return host_block(s, th);
	case VF_SIM_STEP_VMRUN: {
		enum vf_status st = emit_nested(s, th, VF_EV_KVM_NESTED_VMRUN, 0);

		if (st != VF_OK) {
			return st;
		}
		return vf_sim_schedule_step(s, th, VF_SIM_STEP_PRE_ENTRY,
		                            s->now + vf_sim_latency(th, &s->scn->host.latency.inject));
	}
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
