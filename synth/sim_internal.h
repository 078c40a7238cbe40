/* SPDX-License-Identifier: MIT */
/*
 * sim_internal.h - the simulator's state, shared by its three parts:
 * sim.c (setup, action queue, main loop, event stamping), host_sched.c (the
 * host scheduler: wake-ups, run queues, switches, time slices), kvm_loop.c
 * (a vCPU thread's KVM run loop and its guest) and devices.c (the QEMU I/O
 * thread and the vhost thread serving the guest's disk and network
 * requests). Not a public API.
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
	VF_SIM_ACT_SWITCH_IN, /* an idle CPU switches to the thread it was woken for (id = cpu) */
	VF_SIM_ACT_IPI,       /* a task-waiting halted vCPU is due its IPI (id = that vCPU) */
	VF_SIM_ACT_DEV_DONE,  /* a device thread's host I/O completes (id = that thread) */
	VF_SIM_ACT_PEER_REPLY, /* a peer VM's answer is ready on its vhost thread (id = that thread) */
};

struct vf_sim_action {
	int64_t t;
	uint64_t seq; /* insertion order: ties at equal t run first-in first-out */
	uint64_t gen; /* stale when it differs from the thread's / CPU's generation */
	uint32_t id;
	uint32_t type;
};

enum vf_sim_th_kind { VF_SIM_TH_PROC = 0, VF_SIM_TH_QEMU_MAIN, VF_SIM_TH_VCPU, VF_SIM_TH_VHOST };

#define VF_SIM_NONE        UINT32_MAX
#define VF_SIM_MAX_PENDING 8
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
	VF_SIM_STEP_IPI_SEND,  /* vCPU: after its ICR write exit, send the IPI to ipi_target */
	VF_SIM_STEP_NOTIFY,    /* vCPU: after a queue-notify exit, hand the request to the device */
	VF_SIM_STEP_HOST_BLOCK, /* vCPU: block in the host after a non-HLT exit (wait_host) */
	VF_SIM_STEP_VMRUN,      /* vCPU (SVM): L0 emulates L1's VMRUN: kvm_x86_nested_vmrun */
};

enum vf_sim_guest_end {
	VF_SIM_GE_BURST = 0, /* busy period over: HLT */
	VF_SIM_GE_TICK,      /* guest timer: PREEMPTION_TIMER (VMX) / INTR (SVM) */
	VF_SIM_GE_EXIT,      /* a non-HLT exit from the mix */
	VF_SIM_GE_INTR, /* a host interrupt (slice expiry, hrtimer): EXTERNAL_INTERRUPT / INTR */
	VF_SIM_GE_IPI,  /* the guest writes the x2APIC ICR to wake a task on another vCPU */
	VF_SIM_GE_CR3,  /* shadow paging: the guest's MOV to CR3 exits (CR_ACCESS / WRITE_CR3) */
	VF_SIM_GE_VMENTER, /* the L1 hypervisor enters its guest: VMLAUNCH/VMRESUME (VMX), VMRUN (SVM) */
	VF_SIM_GE_L2EXIT,  /* an exit of the L2 guest from the nested exit mix */
};

/* A guest context switch in progress (decided at a guest tick). */
enum vf_sim_switch {
	VF_SIM_SW_NONE = 0,
	VF_SIM_SW_DECIDED, /* next_proc chosen at a tick exit; the tick's entry still runs cur_proc */
	VF_SIM_SW_ENTERED, /* the guest runs its scheduler; the next exit shows the switch */
	VF_SIM_SW_READY,   /* the next iteration reports next_proc and its entry loads it */
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
	uint32_t vm_index;
	bool in_guest;
	uint32_t pending[VF_SIM_MAX_PENDING]; /* vectors waiting for injection, in order */
	uint32_t pending_count;
	bool need_resched;  /* the host scheduler wants the pCPU back */
	bool may_preempt;   /* the last KVM event was an exit (a switch out may follow) */
	enum vf_sim_guest_end guest_end;
	int64_t guest_start_ns;
	int64_t exit_left_ns; /* guest time until the next non-HLT exit */
	int64_t tick_deadline_ns;
	int64_t wake_deadline_ns;
	enum vf_scn_wait halt_class; /* what the current / next halt waits for */
	bool halted;                 /* blocked after HLT, until a wake-up */
	bool host_blocked;           /* blocked in the host after a non-HLT exit */
	bool notify_pending;         /* a device request is out: the next busy end halts for it */
	uint32_t ipi_target;         /* thread index of the vCPU this one sends an IPI to */
	/* guest processes (VM-local indexes into vm->gprocs) */
	uint32_t cur_proc;  /* loaded process, VF_SIM_NONE before the first entry */
	uint32_t next_proc; /* process a guest context switch loads */
	uint32_t iter_proc; /* process the current run-loop iteration reported */
	uint32_t cur_gthread;
	enum vf_sim_switch sw;
	bool iter_open;  /* the iteration's CR3 report is out */
	bool user_mode;  /* the guest was in user mode at its last exit */
	/* nesting */
	bool nested;      /* nested mode: entries go to L2 */
	bool launched;    /* VMLAUNCH done on this vCPU (VMRESUME afterwards) */
	bool l1_halting;  /* L2 halted (reflected): L1 finishes and halts, no VMRESUME */
	uint32_t l2_reported; /* L2 process of the last CR3 report in nested mode */
	uint32_t ipi_retries;
	/* device threads (QEMU I/O thread serving the disk, vhost serving the network) */
	const struct vf_scn_device *dev; /* borrowed; NULL if the thread serves no device */
	bool dev_is_net;
	uint32_t *dev_queue; /* owned: ring of requesting vCPU thread indices */
	uint32_t dev_cap;
	uint32_t dev_head;
	uint32_t dev_len;
	bool dev_busy;       /* blocked on the host I/O of the queue's head */
	bool dev_completing; /* woken by the completion: report it at the next step */
	bool dev_irq_done;   /* the completion was already raised from IRQ context */
	bool dev_write;      /* the head request is a write */
	uint64_t dev_done_count;
	bool peer_waiting;    /* peer server: delivered the head request, its guest is answering */
	bool peer_reply;      /* peer server: woken to send the answer of the head request */
	uint32_t peer_rr;     /* peer server: next vCPU of its VM to interrupt */
};

/* Per VM: where its threads are. */
struct vf_sim_vm {
	uint32_t main;       /* QEMU main / I/O thread */
	uint32_t first_vcpu; /* vCPU n is first_vcpu + n */
	uint32_t vhost;      /* VF_SIM_NONE if none */
	uint32_t *proc_owner; /* owned: per guest process, the vCPU thread it is loaded on */
	uint32_t proc_truth;  /* truth index of guest process 0 (the others follow) */
	uint64_t proc_first;  /* host-wide number of the VM's first guest process */
	uint32_t nest_truth;  /* truth handle of the nested VM */
	uint32_t l2_truth;    /* truth index of L2 process 0 */
	uint32_t l2_cur;      /* L2 process the L1 hypervisor runs */
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
	int64_t start_abs_ns;          /* base_ns + trace.start_ns: events before are not written */
	bool has_discards;             /* trace.discard has windows */
	struct vf_sink *sink;          /* borrowed */
	struct vf_truth *truth;        /* borrowed, may be NULL */
	struct vf_error *err;
	struct vf_sim_stats *stats;    /* borrowed, never NULL inside */
	struct vf_sim_thread *threads; /* owned */
	uint32_t thread_count;
	struct vf_sim_vm *vms;   /* owned: one per scenario VM */
	struct vf_sim_cpu *cpus; /* owned */
	uint32_t cpu_count;
	struct vf_cpuset all_cpus;
	struct vf_sim_action *queue; /* owned: pending actions by decreasing (t, seq), next last */
	size_t queue_len;
	size_t queue_cap;
	uint64_t seq;
	int64_t now;                         /* scenario-relative ns */
	int64_t base_ns;                     /* clock offset */
	const char *names[VF_EV_KIND_COUNT]; /* event class names in the trace's naming */
	struct vf_event scratch;             /* where events are built when the sink has no slot */
	uint64_t discard_count[VF_SCN_MAX_DISCARDS]; /* events dropped per trace.discard window */
	bool discard_done[VF_SCN_MAX_DISCARDS];      /* ... and reported to the sink */
};

/* sim.c */
enum vf_status vf_sim_queue_grow(struct vf_sim *s);
/* trace.discard: *drop is set when ev falls in a loss window of its CPU. */
enum vf_status vf_sim_apply_discards(struct vf_sim *s, const struct vf_event *ev, bool *drop);

/*
 * The per-event helpers below are inline: the KVM loop, the host scheduler and
 * the devices call them for every event, from other files.
 */

/*
 * A cleared event stamped with now, cpu, kind, name and the pid/tid of the
 * CPU's current thread, to fill in and pass to vf_sim_emit(). It lies in the
 * sink's slot when the sink has one (the event is not copied again), else in
 * s->scratch: build one event at a time, and read nothing of it after
 * vf_sim_emit(). Not the slot under trace.discard: a loss reported before the
 * event would take that slot.
 */
static inline struct vf_event *vf_sim_event_new(struct vf_sim *s, enum vf_event_kind kind,
                                                uint32_t cpu)
{
	static const struct vf_event zero;
	const struct vf_sim_thread *curr = s->cpus[cpu].curr;
	struct vf_event *ev = s->sink->slot && !s->has_discards ? s->sink->slot : &s->scratch;

	*ev = zero; /* a fixed-size copy: unlike memset, no `rep stos` start-up cost per event */
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
	return ev;
}

/* Hands ev to the sink, unless it is before the session start or in a loss window. */
static inline enum vf_status vf_sim_emit(struct vf_sim *s, const struct vf_event *ev)
{
	bool drop;

	if (ev->ts_ns < s->start_abs_ns) {
		return VF_OK; /* before the session started */
	}
	if (s->has_discards && (vf_sim_apply_discards(s, ev, &drop) != VF_OK || drop)) {
		return drop ? VF_OK : s->err->status;
	}
	s->stats->event_count++;
	s->stats->kind_count[ev->kind]++;
	return s->sink->emit(s->sink, ev, s->err);
}

/* A latency sample of d, at least 1 ns (so one thread's events never share a time). */
static inline int64_t vf_sim_latency(struct vf_sim_thread *th, const struct vf_dist *d)
{
	int64_t v = vf_rng_sample(&th->rng, d);

	return v < 1 ? 1 : v;
}
static inline uint32_t vf_sim_thread_index(const struct vf_sim *s, const struct vf_sim_thread *th)
{
	return (uint32_t)(th - s->threads);
}

/*
 * Queues an action. The pending actions are sorted by decreasing (t, seq):
 * the next one is the last. A push shifts the entries due before it one slot
 * up (usually a few: most actions are a thread's next step, due soon), a pop
 * takes the last.
 */
static inline enum vf_status vf_sim_push(struct vf_sim *s, int64_t t, enum vf_sim_act type,
                                         uint32_t id, uint64_t gen)
{
	struct vf_sim_action a = {t, s->seq++, gen, id, (uint32_t)type};
	size_t i;

	if (s->queue_len == s->queue_cap && vf_sim_queue_grow(s) != VF_OK) {
		return VF_ERR_NOMEM;
	}
	i = s->queue_len++;
	/* a's seq is the largest yet: an entry is due before a iff its t <= a's */
	while (i > 0 && s->queue[i - 1].t <= t) {
		s->queue[i] = s->queue[i - 1];
		i--;
	}
	s->queue[i] = a;
	return VF_OK;
}

/* Replaces the thread's pending step by `step` at time t. */
static inline enum vf_status vf_sim_schedule_step(struct vf_sim *s, struct vf_sim_thread *th,
                                                  enum vf_sim_step step, int64_t t)
{
	th->gen++;
	th->step = step;
	th->step_t = t;
	return vf_sim_push(s, t, VF_SIM_ACT_STEP, vf_sim_thread_index(s, th), th->gen);
}

/* host_sched.c */
enum vf_status vf_sim_wake(struct vf_sim *s, struct vf_sim_thread *th);
/* A wake-up by the thread running on waker_cpu (sched_waking in its context there). */
enum vf_status vf_sim_wake_by(struct vf_sim *s, struct vf_sim_thread *th, uint32_t waker_cpu);
enum vf_status vf_sim_block(struct vf_sim *s, struct vf_sim_thread *th, enum vf_truth_off why);
enum vf_status vf_sim_preempt(struct vf_sim *s, struct vf_sim_thread *th);
enum vf_status vf_sim_slice(struct vf_sim *s, uint32_t cpu, uint64_t gen);
enum vf_status vf_sim_switch_incoming(struct vf_sim *s, uint32_t cpu);
enum vf_status vf_sim_rearm_slice(struct vf_sim *s, uint32_t cpu);
enum vf_status vf_sim_proc_step(struct vf_sim *s, struct vf_sim_thread *th);
/* A process / QEMU main thread's own burst is over: run on, or sleep (none: block). */
enum vf_status vf_sim_proc_rest(struct vf_sim *s, struct vf_sim_thread *th);

/* kvm_loop.c */
void vf_sim_vcpu_prepare_wake(struct vf_sim *s, struct vf_sim_thread *th);
enum vf_status vf_sim_vcpu_switched_in(struct vf_sim *s, struct vf_sim_thread *th);
enum vf_status vf_sim_vcpu_step(struct vf_sim *s, struct vf_sim_thread *th, enum vf_sim_step step);
/* A host interrupt on the vCPU's pCPU while it is in guest mode: it exits now. */
enum vf_status vf_sim_vcpu_interrupt(struct vf_sim *s, struct vf_sim_thread *th);
/*
 * An interrupt for the guest of vCPU th (vector vec, delivering `cause`), raised by
 * whatever runs on waker_cpu: pending for injection; a halted vCPU is woken.
 */
enum vf_status vf_sim_vcpu_kick(struct vf_sim *s, struct vf_sim_thread *th, uint32_t vec,
                                enum vf_truth_wake cause, uint32_t waker_cpu);
/* The IPI action of a task-waiting vCPU (id = its thread index). */
enum vf_status vf_sim_vcpu_ipi_due(struct vf_sim *s, uint32_t id, uint64_t gen);
/* kvm_x86_apic_accept_irq on cpu (context: its current thread) for vCPU th. */
enum vf_status vf_sim_emit_accept_irq(struct vf_sim *s, uint32_t cpu,
                                      const struct vf_sim_thread *th, uint32_t vec);

/* devices.c */
/* vCPU th (running in root) hands a request to device thread dev. */
enum vf_status vf_sim_dev_request(struct vf_sim *s, struct vf_sim_thread *dev,
                                  struct vf_sim_thread *vcpu);
/* A device thread's step (its CPU burst is over): report, submit or sleep. */
enum vf_status vf_sim_dev_step(struct vf_sim *s, struct vf_sim_thread *th);
/* The DEV_DONE action. */
enum vf_status vf_sim_dev_done(struct vf_sim *s, uint32_t id, uint64_t gen);
/* The PEER_REPLY action. */
enum vf_status vf_sim_peer_reply(struct vf_sim *s, uint32_t id, uint64_t gen);

#endif /* VMFLOW_SYNTH_SIM_INTERNAL_H */
