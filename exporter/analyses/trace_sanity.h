/* SPDX-License-Identifier: MIT */
/*
 * trace_sanity.h - detects the known recording defects of lttng-modules in a
 * KVM host trace, so that vmflow warns instead of analysing garbage:
 *  - vcpu_id values far above any real vCPU (stock lttng-modules 2.13.9 on
 *    6.1+ stable kernels records the low 32 bits of a struct kvm_vcpu
 *    pointer in kvm_x86_entry);
 *  - SVM VMRUN exits without any kvm_x86_nested_vmrun event (6.1 renamed the
 *    kernel tracepoint to kvm_nested_vmenter: the stock event never fires);
 *  - kvm_userspace_exit / kvm_set_irq recorded but no kvm_x86_entry/exit
 *    (the kvm-x86 probe was not built: no private KVM headers).
 * Feed every event with vf_trace_sanity_event(), then read the warnings.
 * Owns its counters only; never fails after creation.
 */
#ifndef VMFLOW_ANALYSES_TRACE_SANITY_H
#define VMFLOW_ANALYSES_TRACE_SANITY_H

#include <stddef.h>
#include <stdint.h>

#include "vmflow/error.h"
#include "vmflow/event.h"

/* A vcpu_id above this is a recording defect, not a vCPU (KVM allows 4096). */
#define VF_TRACE_SANITY_MAX_VCPU_ID 65535u
#define VF_TRACE_SANITY_MSG_LEN 320
#define VF_TRACE_SANITY_MAX_WARNINGS 3

struct vf_trace_sanity_counts {
	uint64_t entry_exit_count;        /* kvm_x86_entry + kvm_x86_exit (either naming) */
	uint64_t bad_vcpu_id_count;       /* of which vcpu_id > VF_TRACE_SANITY_MAX_VCPU_ID */
	uint32_t max_bad_vcpu_id;
	uint64_t svm_vmrun_exit_count;    /* kvm_x86_exit with isa 2 and exit_reason 0x080 */
	uint64_t nested_vmrun_count;      /* kvm_x86_nested_vmrun (either naming) */
	uint64_t generic_kvm_count;       /* kvm_userspace_exit, kvm_set_irq, kvm_mmio, ... */
};

struct vf_trace_sanity;

struct vf_trace_sanity *vf_trace_sanity_new(struct vf_error *err);
void vf_trace_sanity_free(struct vf_trace_sanity *s);
void vf_trace_sanity_event(struct vf_trace_sanity *s, const struct vf_event *ev);
const struct vf_trace_sanity_counts *vf_trace_sanity_borrow_counts(const struct vf_trace_sanity *s);
/* Writes up to max warnings (one line each) into out; returns how many. */
size_t vf_trace_sanity_warnings(const struct vf_trace_sanity *s,
				char out[][VF_TRACE_SANITY_MSG_LEN], size_t max);

#endif /* VMFLOW_ANALYSES_TRACE_SANITY_H */
