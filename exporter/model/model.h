/* SPDX-License-Identifier: MIT */
/*
 * model.h - the host entities the analyses key on: host threads, the current
 * thread of each CPU, VMs (the QEMU process id) and their vCPUs.
 *
 * Owns every vf_thread and vf_vm; each vf_vm owns its vf_vcpus (babeltrace2's
 * parent/child rule). A vCPU is the pair (VM pid, vcpu_id), never vcpu_id
 * alone: ids repeat across VMs (thesis §11.1). Analyses borrow these objects
 * and hang their own per-vCPU state on vf_vcpu.slots (each analysis owns what
 * it puts in its slot and frees it).
 *
 * vf_model_update() is called once per event, before the analyses, and says
 * in a struct vf_model_update which threads the event is about and what the
 * model just learned (a thread bound to a vCPU, a thread that was running
 * where the model did not expect it). Until a thread is known to be a vCPU
 * thread, the model keeps a short log of its scheduling and KVM events (the
 * "prelog"), so the analyses can replay them when its first kvm_x86_entry or
 * kvm_x86_exit reveals its vcpu_id (docs/states.md: back-fill from the
 * switch in). Memory is bounded by the number of threads, VMs and vCPUs.
 */
#ifndef VMFLOW_MODEL_MODEL_H
#define VMFLOW_MODEL_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmflow/error.h"
#include "vmflow/event.h"

/* Per-vCPU state slots, one per analysis that keeps per-vCPU state. */
enum vf_model_slot {
	VF_MODEL_SLOT_VCPU_STATE = 0,
	VF_MODEL_SLOT_EXITS,
	VF_MODEL_SLOT_PROCESS,    /* guest processes (analyses/process.c) */
	VF_MODEL_SLOT_FEATURES,   /* workload features (analyses/features.c) */
	VF_MODEL_SLOT_COUNT
};

#define VF_MODEL_NO_CPU UINT32_MAX
/* vcpu_id values above this are taken as garbage (KVM_MAX_VCPU_IDS is 4096 on x86). */
#define VF_MODEL_MAX_VCPU_ID 4095u
/* CPU ids at or above this are refused as corrupt input. */
#define VF_MODEL_MAX_CPUS 8192u
/* Events kept per not-yet-identified thread. */
#define VF_MODEL_PRELOG_LEN 6

enum vf_thread_role {
	VF_THREAD_ROLE_UNKNOWN = 0, /* nothing special seen (treated as a host thread) */
	VF_THREAD_ROLE_HOST,        /* known not to be a vCPU thread (the idle task, tid 0) */
	VF_THREAD_ROLE_VCPU,        /* emitted kvm_x86_entry/exit with a vcpu_id */
	VF_THREAD_ROLE_QEMU_MAIN,   /* tid == pid of a QEMU process that emitted kvm events */
	VF_THREAD_ROLE_VHOST,       /* comm "vhost-<pid>" */
};

enum vf_thread_run {
	VF_THREAD_RUN_UNKNOWN = 0,
	VF_THREAD_RUN_RUNNING,  /* on vf_thread.cpu */
	VF_THREAD_RUN_RUNNABLE, /* switched out with a runnable prev_state */
	VF_THREAD_RUN_BLOCKED,  /* switched out with a blocked prev_state */
};

/* How a thread was first seen on a CPU. */
enum vf_sighting {
	VF_SIGHTING_NONE = 0,
	VF_SIGHTING_SWITCH_IN,        /* its first sched_switch in */
	VF_SIGHTING_RUNNING_AT_START, /* already running when its CPU's stream began */
	VF_SIGHTING_MISSED_IN,        /* found running where it was not expected (lost events) */
};

enum vf_prelog_kind {
	VF_PRELOG_SWITCH_IN = 1,
	VF_PRELOG_SWITCH_OUT,
	VF_PRELOG_KVM_EXIT, /* an exit that did not carry a vcpu_id (kernels before 5.10) */
	VF_PRELOG_INJ_VIRQ,
};

struct vf_thread;

struct vf_prelog_entry {
	int64_t ts_ns;
	int64_t prev_state;    /* SWITCH_OUT */
	struct vf_thread *next; /* SWITCH_OUT: borrowed from the model */
	uint32_t cpu;
	uint32_t code;         /* KVM_EXIT: exit_reason; INJ_VIRQ: vector */
	uint32_t isa;          /* KVM_EXIT */
	uint8_t kind;          /* enum vf_prelog_kind */
};

struct vf_vm;
struct vf_vcpu;

struct vf_thread {
	int32_t tid;
	int32_t pid;                /* process (tgid); -1 until a context, statedump or fork says */
	char comm[VF_COMM_LEN];
	enum vf_thread_role role;
	enum vf_thread_run run;
	uint32_t cpu;               /* CPU it runs or last ran on; VF_MODEL_NO_CPU if never seen */
	int64_t last_switch_in_ns;  /* INT64_MIN if none seen */
	int64_t last_switch_out_ns; /* INT64_MIN if none seen */
	int64_t last_seen_ns;       /* last time it was seen on a CPU (INT64_MIN: never) */
	int32_t vhost_owner_pid;    /* role VHOST: the <pid> of "vhost-<pid>", else -1 */
	struct vf_vcpu *vcpu;       /* borrowed from its VM; set only for role VCPU */
	/* How the thread entered the trace, and its events before it was identified. */
	enum vf_sighting first_sighting;
	int64_t first_seen_ns;      /* MISSED_IN: best guess of when it started to run */
	bool prelog_truncated;      /* older events were dropped or lost: its line starts unknown */
	/* CR3 / SP reported before the thread was identified (addons_vcpu_enter_guest precedes
	   the first kvm_x86_entry): handed to its vCPU's guest context when it is bound. */
	uint64_t pre_cr3;
	uint64_t pre_sp;
	bool has_pre_cr3;
	bool has_pre_sp;
	uint8_t prelog_head;        /* ring buffer: index of the oldest entry */
	uint8_t prelog_count;
	struct vf_prelog_entry prelog[VF_MODEL_PRELOG_LEN];
};

/*
 * What runs inside a vCPU (docs/states.md, guest processes and nesting), as
 * far as the trace says: the CR3 reported for its next entry
 * (addons_vcpu_enter_guest, or a kvm_x86_cr write of CR3), the L1 process
 * loaded by its last entry into L1, and whether it is in nested mode (L1
 * ran VMLAUNCH/VMRESUME/VMRUN and L0 entered L2: kvm_x86_nested_vmrun, or the
 * next entry when the trace records no kvm_x86_nested_vmrun at all; ended by
 * kvm_x86_nested_vmexit_inject). Nested mode does not need a CR3: without one
 * the owner is unknown (nested_owner_known false).
 * Updated by vf_model_update() before the analyses see the event.
 */
struct vf_guest_ctx {
	uint64_t reported_cr3;
	bool has_reported_cr3;
	uint64_t reported_sp;         /* sptmp of the last addons_vcpu_enter_guest */
	bool has_reported_sp;
	uint64_t loaded_cr3;          /* L1 process: set at each entry into L1 */
	bool has_loaded_cr3;
	bool nested;                  /* entries go to L2 (also when no CR3 says who runs it) */
	bool nested_owner_known;      /* nested_owner_cr3 is valid (a CR3 was loaded in L1) */
	uint64_t nested_owner_cr3;    /* the L1 hypervisor process */
	uint64_t l2_reported_cr3;     /* CR3 reported in nested mode: L2's (for its next entry) */
	bool has_l2_reported_cr3;
	uint64_t l2_cr3;              /* CR3 loaded by the last entry into L2 */
	bool has_l2_cr3;
	bool entry_is_l2;             /* the last kvm_x86_entry went to L2 */
	bool l2_pending;              /* L1 ran VMLAUNCH/VMRESUME/VMRUN: its next entry may go to L2 */
};

struct vf_vcpu {
	struct vf_vm *vm;                 /* borrowed: the parent VM */
	uint32_t vcpu_id;
	struct vf_thread *thread;         /* borrowed from the model: the thread running this vCPU */
	void *slots[VF_MODEL_SLOT_COUNT]; /* owned by the analysis of that slot */
	struct vf_guest_ctx guest;
};

struct vf_vm {
	int32_t pid;                /* the QEMU process id */
	struct vf_vcpu **vcpus;     /* owned, sorted by vcpu_id */
	size_t vcpu_count;
	size_t vcpu_cap;
	uint64_t disk_vectors[4];   /* learned from kvm_x86_apic_accept_irq on the QEMU main thread (bitmap) */
	uint64_t net_vectors[4];    /* learned from kvm_x86_apic_accept_irq on the vhost-<pid> thread (bitmap) */
	uint64_t inj_virq_count;    /* kvm_x86_inj_virq of its vCPU threads so far (0: APICv host?) */
};

struct vf_cpu_state {
	struct vf_thread *current;  /* borrowed; NULL when unknown (start, after lost events) */
	bool had_switch;            /* a sched_switch was seen on this CPU */
	bool had_discard;           /* events were lost on this CPU */
	int64_t discard_begin_ns;   /* the last loss on this CPU */
	int64_t discard_end_ns;
	uint64_t discarded_count;   /* events lost on this CPU */
};

/* What vf_model_update() learned from one event. */
struct vf_model_update {
	struct vf_thread *thread;   /* the thread the event belongs to (sched_switch: prev); NULL if unknown */
	struct vf_thread *next;     /* sched_switch: the thread switched in (NULL: no switch-in half) */
	struct vf_thread *preempter; /* sched_switch: the thread that took the CPU from `thread` */
	bool prev_stale;            /* sched_switch: prev already runs on another CPU since this very
				       timestamp (same-ns migration, ties ordered by cpu): ignore the out */
	bool missed_in;             /* thread was not known to run on this CPU (lost events) */
	int64_t missed_in_ns;       /* best guess of since when it runs here */
	struct vf_thread *displaced; /* the thread the model had on this CPU instead (it left unseen) */
	struct vf_vcpu *bound;      /* this event bound `thread` to this vCPU: replay its prelog */
};

struct vf_model_counters {
	uint64_t no_thread_event_count;        /* events with no tid context on a CPU whose thread is unknown */
	uint64_t unknown_pid_kvm_event_count;  /* kvm entry/exit of threads whose process is unknown */
	uint64_t implausible_vcpu_id_count;    /* vcpu_id > VF_MODEL_MAX_VCPU_ID */
	uint64_t vcpu_id_mismatch_count;       /* a vCPU thread reported another vcpu_id */
	uint64_t missed_switch_in_count;       /* threads found running where not expected, no loss to explain it */
	uint64_t discarded_event_count;
	uint64_t nested_entry_count;           /* entries into L2 */
	uint64_t unconfirmed_vmrun_count;      /* L1 VMLAUNCH/VMRESUME/VMRUN exits not followed by
						  kvm_x86_nested_vmrun although the trace records it:
						  the emulated VM-entry failed, L1 resumed */
};

/* True for the exits by which L1 enters its own guest: VMX VMLAUNCH / VMRESUME, SVM VMRUN. */
bool vf_model_exit_enters_l2(uint32_t isa, uint32_t exit_reason);

struct vf_model;

/* Creates an empty model. */
struct vf_model *vf_model_new(struct vf_error *err);
/* Frees the model, its threads, VMs and vCPUs (not the analyses' slot states). Accepts NULL. */
void vf_model_free(struct vf_model *m);

/*
 * Updates the model from one event and fills *up. Events must come in time
 * order. Fails only on allocation failure or an absurd CPU id.
 */
enum vf_status vf_model_update(struct vf_model *m, const struct vf_event *ev,
			       struct vf_model_update *up, struct vf_error *err);

/*
 * Records that `count` events were lost on `cpu` in [begin_ns, end_ns). The
 * thread the model had on that CPU is no longer known to run there; it is
 * returned in *was_current (NULL if none) so analyses can mark it unknown.
 */
enum vf_status vf_model_discarded(struct vf_model *m, uint32_t cpu, uint64_t count,
				  int64_t begin_ns, int64_t end_ns,
				  struct vf_thread **was_current, struct vf_error *err);

/* Drops the thread's prelog (after the analyses replayed it). */
void vf_model_prelog_clear(struct vf_thread *t);
/* The i-th oldest prelog entry (i < t->prelog_count). */
const struct vf_prelog_entry *vf_model_prelog_at(const struct vf_thread *t, unsigned i);

struct vf_thread *vf_model_borrow_thread(const struct vf_model *m, int32_t tid);
struct vf_vm *vf_model_borrow_vm(const struct vf_model *m, int32_t pid);
struct vf_vcpu *vf_model_borrow_vcpu(const struct vf_model *m, int32_t pid, uint32_t vcpu_id);
/* VMs sorted by pid. */
size_t vf_model_vm_count(const struct vf_model *m);
struct vf_vm *vf_model_borrow_vm_at(const struct vf_model *m, size_t index);
/* Per-CPU state; NULL for a CPU never seen. */
const struct vf_cpu_state *vf_model_borrow_cpu(const struct vf_model *m, uint32_t cpu);
uint32_t vf_model_cpu_count(const struct vf_model *m);
const struct vf_model_counters *vf_model_borrow_counters(const struct vf_model *m);

/* True if vec is in the learned set. */
static inline bool vf_vm_vector_in(const uint64_t set[4], uint32_t vec)
{
	return vec < 256 && (set[vec >> 6] >> (vec & 63)) & 1u;
}

/*
 * Whether a sched_switch prev_state means "still runnable" (preempted).
 * lttng-modules records 0 (TASK_RUNNING) on old kernels, TASK_RUNNING |
 * TASK_STATE_MAX on 4.4-4.13 and TASK_REPORT_MAX (0x100) from 4.14 on for a
 * preempted task; blocked states always have a bit in the low byte.
 */
static inline bool vf_prev_state_is_runnable(int64_t prev_state)
{
	return (prev_state & 0xff) == 0;
}

#endif /* VMFLOW_MODEL_MODEL_H */
