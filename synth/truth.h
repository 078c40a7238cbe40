/* SPDX-License-Identifier: MIT */
/*
 * truth.h - the simulator's ground truth: VMs/<pid>/vCPUs/<n>/Status and
 * .../Exit written by docs/states.md from the simulator's own state, plus
 * per (VM, vCPU, exit reason) counts and handling times.
 *
 * The simulator calls one hook per change of a vCPU's true state; the truth
 * never looks at emitted events. Times are ns from the trace clock's origin.
 * Borrows the history it writes to.
 */
#ifndef VMFLOW_SYNTH_TRUTH_H
#define VMFLOW_SYNTH_TRUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "vmflow/error.h"
#include "vmflow/history.h"

/* Why a vCPU thread left its pCPU (the Status value until it is switched back in). */
enum vf_truth_off {
	VF_TRUTH_OFF_PREEMPTED_HOST = 0, /* runnable; a non-vCPU thread took the pCPU */
	VF_TRUTH_OFF_PREEMPTED_VM,       /* runnable; a vCPU thread took the pCPU */
	VF_TRUTH_OFF_HALTED,    /* blocked after HLT: wait_<class>, see vf_truth_inject() */
	VF_TRUTH_OFF_WAIT_HOST, /* blocked in the host after a non-HLT exit */
};

/* What the first injection after a halted vCPU is switched back in delivers. */
enum vf_truth_wake {
	VF_TRUTH_WAKE_TIMER = 0, /* wait_timer */
	VF_TRUTH_WAKE_TASK,      /* wait_task (IPI) */
	VF_TRUTH_WAKE_DISK,      /* wait_disk */
	VF_TRUTH_WAKE_NET,       /* wait_net */
	VF_TRUTH_WAKE_UNKNOWN,   /* wait_unknown */
};

/* Completed exits (exit -> next entry) of one (VM, vCPU, reason); open exits are not counted. */
struct vf_truth_exit_row {
	int32_t vm_pid;
	uint32_t vcpu_id;
	uint32_t isa;
	uint32_t reason;
	uint64_t count;
	int64_t total_ns;
};

struct vf_truth;

/* Creates a truth writer over h (borrowed; must outlive the truth). */
struct vf_truth *vf_truth_new(struct vf_history *h, struct vf_error *err);
/* Accepts NULL. Does not free the history. */
void vf_truth_free(struct vf_truth *t);

/* Declares a vCPU; *index_out is the handle for the hooks below. */
enum vf_status vf_truth_add_vcpu(struct vf_truth *t, int32_t vm_pid, uint32_t vcpu_id, uint32_t isa,
                                 uint32_t *index_out, struct vf_error *err);

/* The vCPU thread is switched in (its line starts at the first one): hypervisor. */
enum vf_status vf_truth_switch_in(struct vf_truth *t, uint32_t vcpu, int64_t ts_ns,
                                  struct vf_error *err);
/* VM entry: guest. */
enum vf_status vf_truth_entry(struct vf_truth *t, uint32_t vcpu, int64_t ts_ns,
                              struct vf_error *err);
/* VM exit with a basic reason: hypervisor, Exit = the reason's name. */
enum vf_status vf_truth_exit(struct vf_truth *t, uint32_t vcpu, int64_t ts_ns, uint32_t reason,
                             struct vf_error *err);
/*
 * The vCPU thread is switched out. A HALTED wait is written once its class is
 * known (docs/states.md): by the first vf_truth_inject() after the switch in,
 * or wait_unknown if the next entry, switch out or the end comes first.
 */
enum vf_status vf_truth_switch_out(struct vf_truth *t, uint32_t vcpu, int64_t ts_ns,
                                   enum vf_truth_off why, struct vf_error *err);
/* A vector is injected (kvm_x86_inj_virq) into the vCPU; `wake` is what it delivers. */
enum vf_status vf_truth_inject(struct vf_truth *t, uint32_t vcpu, int64_t ts_ns,
                               enum vf_truth_wake wake, struct vf_error *err);
/*
 * What the simulator knows will wake the halted vCPU (the timer it armed, the
 * IPI, disk or network interrupt it scheduled). Call after the HALTED switch
 * out, again whenever the cause changes. A halt that no injection resolves
 * (the trace ends first, an APICv-style delivery without kvm_x86_inj_virq,
 * an entry before any injection) takes this class rather than wait_unknown:
 * the truth says what happened, the analysis' blind spots are measured.
 */
enum vf_status vf_truth_wake_cause(struct vf_truth *t, uint32_t vcpu, enum vf_truth_wake wake,
                                   struct vf_error *err);
/*
 * Declares a guest process of VM vm_pid with CR3 cr3 (docs/states.md, guest
 * processes); *index_out is its handle.
 */
enum vf_status vf_truth_add_process(struct vf_truth *t, int32_t vm_pid, uint64_t cr3,
                                    uint32_t *index_out, struct vf_error *err);
/*
 * The vCPU's next entry (same ts, called just before vf_truth_entry) loads
 * process proc: VMs/<pid>/vCPUs/<n>/Process changes, the process unloaded
 * there becomes preempted_guest until it is loaded again. A process is
 * loaded on at most one vCPU at a time.
 */
enum vf_status vf_truth_load_process(struct vf_truth *t, uint32_t vcpu, uint32_t proc,
                                     int64_t ts_ns, struct vf_error *err);
/*
 * Nesting (docs/states.md): declares the nested VM run by the L1 process with
 * CR3 h_cr3 of VM vm_pid (h_proc: its vf_truth_add_process handle, or
 * UINT32_MAX), and its L2 processes.
 */
enum vf_status vf_truth_add_nested(struct vf_truth *t, int32_t vm_pid, uint64_t h_cr3,
                                   uint32_t h_proc, uint32_t *index_out, struct vf_error *err);
enum vf_status vf_truth_add_nested_process(struct vf_truth *t, uint32_t nest, uint64_t cr3,
                                           uint32_t *index_out, struct vf_error *err);
/* The vCPU enters (on: VMLAUNCH/VMRESUME/VMRUN exit) or leaves (a reflected exit) nested mode. */
enum vf_status vf_truth_nested_mode(struct vf_truth *t, uint32_t vcpu, uint32_t nest, bool on,
                                    int64_t ts_ns, struct vf_error *err);
/* VM entry into L2 (nested mode) loading L2 process l2proc (or UINT32_MAX): guest_l2. */
enum vf_status vf_truth_entry_l2(struct vf_truth *t, uint32_t vcpu, uint32_t l2proc,
                                 int64_t ts_ns, struct vf_error *err);
/*
 * The trace begins at begin_ns (a mid-run start): every interval is clipped
 * there; what the simulator knows at that instant is the first value.
 */
void vf_truth_set_begin(struct vf_truth *t, int64_t begin_ns);
/*
 * A wake-up edge for the truth summary: `waker` (e.g. "VMs/1000/vCPUs/1",
 * "qemu-system-x86/1000", "vhost-1000/1003", "irq", "timer") woke the halted
 * vCPU for `wake`. Aggregated per (waker, vCPU, class).
 */
enum vf_status vf_truth_wakeup(struct vf_truth *t, uint32_t vcpu, const char *waker,
                               enum vf_truth_wake wake, struct vf_error *err);

/* One aggregated wake-up edge (borrowed; valid until the next hook or free). */
struct vf_truth_wake_edge {
	char waker[48];
	int32_t vm_pid;
	uint32_t vcpu_id;
	enum vf_truth_wake wake;
	uint64_t count;
};
const struct vf_truth_wake_edge *vf_truth_wake_edges(const struct vf_truth *t, size_t *count);
/* Closes every open interval at end_ns (the trace end). */
enum vf_status vf_truth_finish(struct vf_truth *t, int64_t end_ns, struct vf_error *err);

/* Exit rows in order of first completion (borrowed; valid until the next hook or free). */
const struct vf_truth_exit_row *vf_truth_exit_rows(const struct vf_truth *t, size_t *count);

/* Writes the history as states.tsv (design §4) to fp. */
enum vf_status vf_truth_write_tsv(struct vf_history *h, FILE *fp, struct vf_error *err);

#endif /* VMFLOW_SYNTH_TRUTH_H */
