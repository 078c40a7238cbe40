/* SPDX-License-Identifier: MIT */
/*
 * event.h - the event record: what every reader produces and every consumer
 * (analyses, the synth CTF/tcxml writers) takes.
 *
 * One record per trace event, independent of the trace format. The kind is
 * resolved once per event class by the reader (both lttng spellings, e.g.
 * kvm_x86_exit and kvm_exit, map to the same kind). Payload fields keep the
 * lttng-modules 2.13 names and widths (see docs/lttng-ctf.md §5 in shared docs)
 * so a writer can serialise a record back to the exact lttng layout.
 *
 * Times are ns from the trace clock's origin. pid/tid are the `pid`/`tid`
 * contexts when the trace has them, else -1 (the model infers the current
 * thread from sched_switch).
 */
#ifndef VMFLOW_INCLUDE_EVENT_H
#define VMFLOW_INCLUDE_EVENT_H

#include <stdbool.h>
#include <stdint.h>

#define VF_COMM_LEN 16

enum vf_event_kind {
	VF_EV_OTHER = 0, /* an event class vmflow does not interpret */
	VF_EV_SCHED_SWITCH,
	VF_EV_SCHED_WAKING,
	VF_EV_SCHED_WAKEUP,
	VF_EV_SCHED_WAKEUP_NEW,
	VF_EV_SCHED_TTWU, /* the thesis' custom try_to_wake_up probe (payload: sched_wake) */
	VF_EV_SCHED_PROCESS_FORK,
	VF_EV_SCHED_PROCESS_EXIT,
	VF_EV_STATEDUMP_PROCESS_STATE,
	VF_EV_KVM_ENTRY,
	VF_EV_KVM_EXIT,
	VF_EV_KVM_INJ_VIRQ,
	VF_EV_KVM_APIC_ACCEPT_IRQ,
	VF_EV_KVM_CR,
	VF_EV_KVM_NESTED_VMRUN,
	VF_EV_KVM_NESTED_VMEXIT,
	VF_EV_KVM_NESTED_VMEXIT_INJECT,
	VF_EV_KVM_HYPERCALL,
	VF_EV_ADDONS_VCPU_ENTER_GUEST,
	VF_EV_SYSCALL_ENTRY_PREADV,
	VF_EV_SYSCALL_EXIT_PREADV,
	VF_EV_SYSCALL_ENTRY_PWRITEV,
	VF_EV_SYSCALL_EXIT_PWRITEV,
	VF_EV_NET_IF_RX,
	VF_EV_NET_DEV_XMIT,
	VF_EV_KIND_COUNT
};

/* Which event naming a trace (or synth output) uses. */
enum vf_event_naming {
	VF_NAMING_LTTNG_2_13 = 0, /* kvm_x86_entry, kvm_x86_exit, ... */
	VF_NAMING_LEGACY,         /* kvm_entry, kvm_exit, ... */
};

struct vf_ev_sched_switch {
	char prev_comm[VF_COMM_LEN]; /* NUL-terminated, at most 15 chars */
	int32_t prev_tid;
	int32_t prev_prio;
	int64_t prev_state; /* 0 = runnable (TASK_RUNNING, i.e. preempted) */
	char next_comm[VF_COMM_LEN];
	int32_t next_tid;
	int32_t next_prio;
};

/* sched_waking, sched_wakeup, sched_wakeup_new, sched_ttwu: the wakee. */
struct vf_ev_sched_wake {
	char comm[VF_COMM_LEN];
	int32_t tid;
	int32_t prio;
	int32_t target_cpu;
};

struct vf_ev_sched_process_fork {
	char parent_comm[VF_COMM_LEN];
	int32_t parent_tid;
	int32_t parent_pid;
	char child_comm[VF_COMM_LEN];
	int32_t child_tid;
	int32_t child_pid;
};

struct vf_ev_sched_process_exit {
	char comm[VF_COMM_LEN];
	int32_t tid;
	int32_t prio;
};

struct vf_ev_statedump_process_state {
	int32_t tid;
	int32_t pid;
	int32_t ppid;
	char name[VF_COMM_LEN];
	int32_t type;
	int32_t mode;
	int32_t submode;
	int32_t status;
	uint32_t cpu;
};

struct vf_ev_kvm_entry {
	uint32_t vcpu_id;
};

struct vf_ev_kvm_exit {
	uint32_t exit_reason;
	uint64_t guest_rip;
	uint32_t isa; /* 1 = VMX, 2 = SVM */
	uint64_t info1;
	uint64_t info2;
	uint32_t intr_info;
	uint32_t error_code;
	uint32_t vcpu_id;
	bool has_vcpu_id; /* false on kernels before 5.10 (no intr_info/error_code/vcpu_id) */
};

struct vf_ev_kvm_inj_virq {
	uint32_t irq; /* the injected vector */
};

struct vf_ev_kvm_apic_accept_irq {
	uint32_t apicid;
	uint16_t dm;
	uint8_t tm;
	uint8_t vec;
	bool coalesced;
};

struct vf_ev_kvm_cr {
	uint32_t rw; /* 1 = write */
	uint32_t cr;
	uint64_t val;
};

struct vf_ev_kvm_nested_vmrun {
	uint64_t rip;
	uint64_t vmcb;
	uint64_t nested_rip;
	uint32_t int_ctl;
	uint32_t event_inj;
	bool npt;
};

/* kvm_x86_nested_vmexit and kvm_x86_nested_vmexit_inject share these fields. */
struct vf_ev_kvm_nested_vmexit {
	uint32_t exit_code;
	uint64_t exit_info1;
	uint64_t exit_info2;
	uint32_t exit_int_info;
	uint32_t exit_int_info_err;
	uint32_t isa;
	uint64_t rip; /* nested_vmexit only */
};

struct vf_ev_kvm_hypercall {
	uint64_t nr;
	uint64_t a0;
	uint64_t a1;
	uint64_t a2;
	uint64_t a3;
};

/* The thesis' addons_vcpu_enter_guest probe (fields vcpuID, cr3tmp, sptmp, iptmp). */
struct vf_ev_addons_vcpu_enter_guest {
	uint32_t vcpu_id;
	uint64_t cr3;
	uint64_t sp;
	uint64_t ip;
};

struct vf_ev_syscall_rw {
	int32_t fd;     /* entry */
	uint64_t vec;   /* entry: iovec pointer */
	int32_t vlen;   /* entry */
	int64_t pos;    /* entry */
	int64_t ret;    /* exit */
};

struct vf_ev_net {
	uint64_t skbaddr;
	uint32_t len;
	char name[VF_COMM_LEN]; /* interface name, e.g. vnet0 */
};

struct vf_event {
	int64_t ts_ns;           /* ns from the clock origin */
	uint32_t cpu;            /* packet context cpu_id */
	enum vf_event_kind kind;
	int32_t pid;             /* context, -1 if absent */
	int32_t tid;             /* context, -1 if absent */
	const char *name;        /* event class name as in the trace; borrowed from the reader */
	union {
		struct vf_ev_sched_switch sched_switch;
		struct vf_ev_sched_wake sched_wake;
		struct vf_ev_sched_process_fork fork;
		struct vf_ev_sched_process_exit process_exit;
		struct vf_ev_statedump_process_state statedump;
		struct vf_ev_kvm_entry kvm_entry;
		struct vf_ev_kvm_exit kvm_exit;
		struct vf_ev_kvm_inj_virq inj_virq;
		struct vf_ev_kvm_apic_accept_irq apic_accept_irq;
		struct vf_ev_kvm_cr kvm_cr;
		struct vf_ev_kvm_nested_vmrun nested_vmrun;
		struct vf_ev_kvm_nested_vmexit nested_vmexit;
		struct vf_ev_kvm_hypercall hypercall;
		struct vf_ev_addons_vcpu_enter_guest enter_guest;
		struct vf_ev_syscall_rw syscall_rw;
		struct vf_ev_net net;
	} u;
};

/*
 * Event-class names. vf_event_kind_from_name() accepts every spelling vmflow
 * knows (lttng 2.13 kvm_x86_*, legacy kvm_*, the thesis' sched_ttwu and
 * addons_vcpu_enter_guest); unknown names give VF_EV_OTHER.
 */
enum vf_event_kind vf_event_kind_from_name(const char *name);
/* The name a writer uses for kind under the given naming; NULL for VF_EV_OTHER. */
const char *vf_event_kind_name(enum vf_event_kind kind, enum vf_event_naming naming);
/* True for the KVM event kinds (entry, exit, inj_virq, apic_accept_irq, cr, nested_*, hypercall). */
bool vf_event_kind_is_kvm(enum vf_event_kind kind);

#endif /* VMFLOW_INCLUDE_EVENT_H */
