/* SPDX-License-Identifier: MIT */
/*
 * sim_internal.h - the simulator's state, shared by its three parts:
 * sim.c (setup, action queue, main loop, event stamping), host_sched.c (the
 * host scheduler: wake-ups, run queues, switches, time slices) and
 * kvm_loop.c (a vCPU thread's KVM run loop and its guest). Not a public API.
 *
 * Times inside the simulator are scenario-relative ns (s->now); events and
 * truth get s->base_ns (the clock offset) added when they are stamped.
 */
#ifndef VMFLOW_SYNTH_SIM_INTERNAL_H
#define VMFLOW_SYNTH_SIM_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "synth/rng.h"
#include "synth/scenario.h"
#include "synth/sim.h"
#include "synth/sink.h"
#include "synth/truth.h"

/* lttng's prio field: task prio - MAX_RT_PRIO, 20 for a nice-0 task */
#define VF_SIM_PRIO 20

enum vf_sim_act {
	VF_SIM_ACT_STEP = 0, /* the next step of a running thread (id = thread) */
	VF_SIM_ACT_WAKE,     /* a blocked thread's timer expires (id = thread) */
	VF_SIM_ACT_SLICE,    /* a CPU's time slice expires (id = cpu) */
	VF_SIM_ACT_SWITCH_IN /* an idle CPU switches to the thread it was woken for (id = cpu) */
};

struct vf_sim_action {
	int64_t t;
	uint64_t seq; /* insertion order: ties at equal t run first-in first-out */
	uint64_t gen; /* stale when it differs from the thread's / CPU's generation */
	uint32_t id;
	uint32_t type;
};

enum vf_sim_th_kind { VF_SIM_TH_PROC = 0, VF_SIM_TH_QEMU_MAIN, VF_SIM_TH_VCPU };
enum vf_sim_th_state {
	VF_SIM_TS_BLOCKED = 0,
	VF_SIM_TS_QUEUED,
	VF_SIM_TS_INCOMING,
	VF_SIM_TS_RUNNING
};

enum vf_sim_step {
	VF_SIM_STEP_NONE = 0,
	VF_SIM_STEP_BURST_END, /* process / QEMU main thread: its CPU burst is done */
	VF_SIM_STEP_PRE_ENTRY, /* vCPU: root work done; inject pending vectors or enter */
	VF_SIM_STEP_ENTRY,     /* vCPU: enter after an injection */
	VF_SIM_STEP_GUEST_END, /* vCPU: the guest segment ends with an exit (guest_end says why) */
	VF_SIM_STEP_HLT_BLOCK, /* vCPU: after an HLT exit, block until the guest timer */
};

enum vf_sim_guest_end {
	VF_SIM_GE_BURST = 0, /* busy period over: HLT */
	VF_SIM_GE_TICK,      /* guest timer: PREEMPTION_TIMER (VMX) / INTR (SVM) */
	VF_SIM_GE_EXIT,      /* a non-HLT exit from the mix */
	VF_SIM_GE_INTR, /* a host interrupt (slice expiry, hrtimer): EXTERNAL_INTERRUPT / INTR */
};

struct vf_sim_thread {
	enum vf_sim_th_kind kind;
	enum vf_sim_th_state state;
	int32_t pid;
	int32_t tid;
	char comm[VF_COMM_LEN];
	const struct vf_cpuset *affinity; /* borrowed from the scenario or the sim */
	const struct vf_dist *burst;      /* process / QEMU main: borrowed from the scenario */
	const struct vf_dist *sleep;
	struct vf_rng rng;
	uint32_t cpu;          /* CPU it runs on, is queued on, or last ran on */
	uint64_t gen;          /* step generation */
	enum vf_sim_step step; /* the pending step (NONE if none) */
	int64_t step_t;
	struct vf_sim_thread *rq_next; /* run queue link */
	int64_t work_left_ns;          /* CPU (guest) time left in the current burst */
	int64_t run_start_ns;
	bool woken_once;
	/* vCPU threads */
	const struct vf_scn_vm *vm; /* borrowed from the scenario */
	uint32_t vcpu_id;
	uint32_t truth_vcpu;
	double exit_weight_total;
	bool in_guest;
	bool pending_timer; /* the timer vector waits for injection */
	bool need_resched;  /* the host scheduler wants the pCPU back */
	bool may_preempt;   /* the last KVM event was an exit (a switch out may follow) */
	enum vf_sim_guest_end guest_end;
	int64_t guest_start_ns;
	int64_t exit_left_ns; /* guest time until the next non-HLT exit */
	int64_t tick_deadline_ns;
	int64_t wake_deadline_ns;
};

struct vf_sim_cpu {
	struct vf_sim_thread *curr;     /* NULL = swapper (idle) */
	struct vf_sim_thread *incoming; /* woken onto this idle CPU, switch pending */
	struct vf_sim_thread *rq_head;
	struct vf_sim_thread *rq_tail;
	uint32_t rq_len;
	uint64_t slice_gen;
	char swapper_comm[VF_COMM_LEN];
};

struct vf_sim {
	const struct vf_scenario *scn; /* borrowed */
	struct vf_sink *sink;          /* borrowed */
	struct vf_truth *truth;        /* borrowed, may be NULL */
	struct vf_error *err;
	struct vf_sim_stats *stats;    /* borrowed, never NULL inside */
	struct vf_sim_thread *threads; /* owned */
	uint32_t thread_count;
	struct vf_sim_cpu *cpus; /* owned */
	uint32_t cpu_count;
	struct vf_cpuset all_cpus;
	struct vf_sim_action *heap; /* owned: binary min-heap on (t, seq) */
	size_t heap_len;
	size_t heap_cap;
	uint64_t seq;
	int64_t now;                         /* scenario-relative ns */
	int64_t base_ns;                     /* clock offset */
	const char *names[VF_EV_KIND_COUNT]; /* event class names in the trace's naming */
};

/* sim.c */
enum vf_status vf_sim_push(struct vf_sim *s, int64_t t, enum vf_sim_act type, uint32_t id,
                           uint64_t gen);
/* Replaces the thread's pending step by `step` at time t. */
enum vf_status vf_sim_schedule_step(struct vf_sim *s, struct vf_sim_thread *th,
                                    enum vf_sim_step step, int64_t t);
/* Clears ev and stamps it: now, cpu, kind, name, pid/tid of the CPU's current thread. */
void vf_sim_event_init(struct vf_sim *s, struct vf_event *ev, enum vf_event_kind kind,
                       uint32_t cpu);
enum vf_status vf_sim_emit(struct vf_sim *s, const struct vf_event *ev);
/* A latency sample of d, at least 1 ns (so one thread's events never share a time). */
int64_t vf_sim_latency(struct vf_sim_thread *th, const struct vf_dist *d);
static inline uint32_t vf_sim_thread_index(const struct vf_sim *s, const struct vf_sim_thread *th)
{
	return (uint32_t)(th - s->threads);
}

/* host_sched.c */
enum vf_status vf_sim_wake(struct vf_sim *s, struct vf_sim_thread *th);
enum vf_status vf_sim_block(struct vf_sim *s, struct vf_sim_thread *th, enum vf_truth_off why);
enum vf_status vf_sim_preempt(struct vf_sim *s, struct vf_sim_thread *th);
enum vf_status vf_sim_slice(struct vf_sim *s, uint32_t cpu, uint64_t gen);
enum vf_status vf_sim_switch_incoming(struct vf_sim *s, uint32_t cpu);
enum vf_status vf_sim_rearm_slice(struct vf_sim *s, uint32_t cpu);
enum vf_status vf_sim_proc_step(struct vf_sim *s, struct vf_sim_thread *th);

/* kvm_loop.c */
void vf_sim_vcpu_prepare_wake(struct vf_sim *s, struct vf_sim_thread *th);
enum vf_status vf_sim_vcpu_switched_in(struct vf_sim *s, struct vf_sim_thread *th);
enum vf_status vf_sim_vcpu_step(struct vf_sim *s, struct vf_sim_thread *th, enum vf_sim_step step);
/* A host interrupt on the vCPU's pCPU while it is in guest mode: it exits now. */
enum vf_status vf_sim_vcpu_interrupt(struct vf_sim *s, struct vf_sim_thread *th);

#endif /* VMFLOW_SYNTH_SIM_INTERNAL_H */
