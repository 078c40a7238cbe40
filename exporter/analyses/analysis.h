/* SPDX-License-Identifier: MIT */
/*
 * analysis.h - the analyses facade: feed events in time order, get the state
 * history (VMs/<pid>/vCPUs/<n>/Status and /Exit, docs/states.md), exit
 * statistics, the VMs and vCPUs found, and warnings for summary.json.
 *
 * Used by `vmflow analyze` (reader callbacks) and by synth's in-memory sink.
 *   a = vf_analysis_new(history, NULL, err);
 *   for each event:        vf_analysis_event(a, ev, err);
 *   for each loss:         vf_analysis_discarded(a, cpu, count, begin, end, err);
 *   vf_analysis_finish(a, trace_end_ns, err);   (closes every open interval)
 *   ... read history, vf_analysis_borrow_exit_stats(a), vf_analysis_get_vm(), warnings
 *   vf_analysis_free(a);
 * Owns the host model and the analyses' state; borrows the history, which
 * must outlive it. Hot path: one or two hash lookups per event, no allocation
 * except when a thread, VM or vCPU is first seen.
 */
#ifndef VMFLOW_ANALYSES_ANALYSIS_H
#define VMFLOW_ANALYSES_ANALYSIS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "analyses/exit_stats.h"
#include "vmflow/error.h"
#include "vmflow/event.h"
#include "vmflow/history.h"

#define VF_ANALYSIS_MAX_CLASS_VECTORS 16
/* opt.begin_ns value meaning "the first event's timestamp". */
#define VF_ANALYSIS_BEGIN_FIRST_EVENT INT64_MIN

struct vf_analysis_options {
	/* Vectors whose first injection after a HLT wait means wait_timer / wait_task. */
	uint8_t timer_vectors[VF_ANALYSIS_MAX_CLASS_VECTORS];
	unsigned timer_vector_count;
	uint8_t ipi_vectors[VF_ANALYSIS_MAX_CLASS_VECTORS];
	unsigned ipi_vector_count;
	/* Disk / network vectors known in advance (every VM); the learned ones are added per VM. */
	uint8_t disk_vectors[VF_ANALYSIS_MAX_CLASS_VECTORS];
	unsigned disk_vector_count;
	uint8_t net_vectors[VF_ANALYSIS_MAX_CLASS_VECTORS];
	unsigned net_vector_count;
	/* Start of the trace: where the line of a thread already running starts. */
	int64_t begin_ns;
	/* true: do not keep the thread lines the critical path walks (wakers.h); set it when
	   no critical path will be written (the walk then follows no waker). */
	bool no_thread_lines;
};

/* Defaults (docs/states.md): timer {236, 238, 239}, IPI {251, 252, 253}, begin = first event. */
void vf_analysis_options_init(struct vf_analysis_options *opt);

struct vf_analysis_counters {
	uint64_t event_count;                 /* events given to vf_analysis_event() */
	uint64_t kvm_event_count;             /* of which kvm_* */
	uint64_t other_event_count;           /* of which VF_EV_OTHER (ignored) */
	uint64_t discarded_event_count;       /* sum of the counts given to vf_analysis_discarded() */
	uint64_t no_thread_event_count;       /* kvm events whose thread is unknown (no tid context
						 and no sched_switch seen on that CPU yet) */
	uint64_t unknown_pid_kvm_event_count; /* kvm entry/exit of threads whose process is unknown */
	uint64_t implausible_vcpu_id_count;   /* vcpu_id too large: event not used to identify */
	uint64_t vcpu_id_mismatch_count;      /* a vCPU thread reported another vcpu_id */
	uint64_t missed_switch_in_count;      /* threads found running without their switch in (no loss seen) */
	uint64_t open_exit_count;             /* exits with no entry before the end (after finish) */
	uint64_t accept_irq_wait_count;       /* HLT waits labelled by kvm_x86_apic_accept_irq: no
						 kvm_x86_inj_virq before the entry (APICv) */
	uint64_t accept_irq_ambiguous_count;  /* accept_irq whose target vCPU could not be told */
	uint64_t apicv_timer_count;           /* waits of a VM without any kvm_x86_inj_virq, woken
						 with no accept_irq either: inferred wait_timer */
	uint64_t nested_entry_count;          /* entries into L2 (vCPU Status guest_l2) */
	uint64_t unconfirmed_vmrun_count;     /* L1 VMLAUNCH/VMRESUME/VMRUN exits with no
						 kvm_x86_nested_vmrun before the next entry, in a
						 trace that records it: L1 resumed (failed entry) */
};

struct vf_analysis_vm_info {
	int32_t pid;
	char comm[VF_COMM_LEN];               /* comm of the main thread (tid == pid), "" if unseen */
	size_t vcpu_count;
	uint8_t disk_vectors[VF_ANALYSIS_MAX_CLASS_VECTORS]; /* learned, ascending */
	unsigned disk_vector_count;
	uint8_t net_vectors[VF_ANALYSIS_MAX_CLASS_VECTORS];
	unsigned net_vector_count;
};

struct vf_analysis_vcpu_info {
	uint32_t vcpu_id;
	int32_t tid;                          /* its vCPU thread (-1 if none bound any more) */
	char comm[VF_COMM_LEN];               /* that thread's comm ("CPU 0/KVM") */
	uint64_t process_switch_count;        /* guest context switches seen at entries (CR3 changed) */
	uint64_t thread_switch_count;         /* same CR3, another guest thread (stack window) */
	uint64_t injections_timer;            /* kvm_x86_inj_virq on this vCPU, per vector class */
	uint64_t injections_ipi;
	uint64_t injections_disk;
	uint64_t injections_net;
	uint64_t injections_other;
};

struct vf_analysis;

/* Creates the facade writing into h (borrowed). opt may be NULL (defaults); it is copied. */
struct vf_analysis *vf_analysis_new(struct vf_history *h, const struct vf_analysis_options *opt,
				    struct vf_error *err);
/* Frees the facade, the model and the analyses' state (not the history). Accepts NULL. */
void vf_analysis_free(struct vf_analysis *a);

/* One event, in time order: model update, then each analysis' handler for its kind. */
enum vf_status vf_analysis_event(struct vf_analysis *a, const struct vf_event *ev,
				 struct vf_error *err);
/* The tracer lost `count` events on `cpu` in [begin_ns, end_ns): vCPUs on that CPU go unknown. */
enum vf_status vf_analysis_discarded(struct vf_analysis *a, uint32_t cpu, uint64_t count,
				     int64_t begin_ns, int64_t end_ns, struct vf_error *err);
/* Ends the trace at end_ns: settles pending labels, closes every open interval, makes warnings. */
enum vf_status vf_analysis_finish(struct vf_analysis *a, int64_t end_ns, struct vf_error *err);

/* Exit handling times per (VM, vCPU, reason); complete after vf_analysis_finish(). */
const struct vf_exit_stats *vf_analysis_borrow_exit_stats(const struct vf_analysis *a);
/* The same per (VM, guest CR3, reason), for exits whose guest CR3 is known (docs/analyses.md). */
const struct vf_exit_stats *vf_analysis_borrow_process_exit_stats(const struct vf_analysis *a);

/* Writes wakers.tsv (who woke whom, analyses/wakers.h) after vf_analysis_finish(). */
enum vf_status vf_analysis_write_wakers(const struct vf_analysis *a, FILE *fp,
					struct vf_error *err);

/*
 * Writes critical_path.tsv for guest process cr3 after vf_analysis_finish():
 * the header, the process' own rows (analyses/wakers.h) and its critical path
 * (analyses/critical_path.h). The first call also adds the path to the
 * history under CriticalPath/ (for the Trace Compass bundle written after it);
 * later calls write the same rows without adding them again.
 */
enum vf_status vf_analysis_write_critical_path(const struct vf_analysis *a, uint64_t cr3,
					       FILE *fp, struct vf_error *err);

/* The thread lines the critical path walks (analyses/wakers.h), after vf_analysis_finish(). */
struct vf_history *vf_analysis_borrow_thread_lines(const struct vf_analysis *a);

/*
 * kvm_x86_inj_virq while guest process cr3 of VM pid was loaded, per class:
 * out[0] timer, [1] IPI, [2] disk, [3] network, [4] other. False (zeros) if none.
 */
bool vf_analysis_get_process_injections(const struct vf_analysis *a, int32_t pid, uint64_t cr3,
					uint64_t out[5]);

/* VMs found (sorted by pid) and their vCPUs (sorted by vcpu_id). 0 VMs = no VM activity. */
size_t vf_analysis_vm_count(const struct vf_analysis *a);
bool vf_analysis_get_vm(const struct vf_analysis *a, size_t vm_index,
			struct vf_analysis_vm_info *out);
bool vf_analysis_get_vcpu(const struct vf_analysis *a, size_t vm_index, size_t vcpu_index,
			  struct vf_analysis_vcpu_info *out);

/* Counters; event counts are live, the rest is filled by vf_analysis_finish(). */
const struct vf_analysis_counters *vf_analysis_borrow_counters(const struct vf_analysis *a);

/*
 * One-line warnings made by vf_analysis_finish() ("1234 events discarded on
 * cpu 2", "3 exits still open at end of trace", "no VM activity found", ...),
 * in a stable order; valid until vf_analysis_free().
 */
const char *const *vf_analysis_borrow_warnings(const struct vf_analysis *a, size_t *count);

#endif /* VMFLOW_ANALYSES_ANALYSIS_H */
