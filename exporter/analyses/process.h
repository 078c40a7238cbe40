/* SPDX-License-Identifier: MIT */
/*
 * process.h - the guest process analysis: VMs/<pid>/vCPUs/<n>/Process and
 * VMs/<pid>/Processes/<cr3>/Status (docs/states.md), from the CR3 values of
 * addons_vcpu_enter_guest or kvm_x86_cr; in-guest context switch counts.
 */
#ifndef VMFLOW_ANALYSES_PROCESS_H
#define VMFLOW_ANALYSES_PROCESS_H

#include <stdbool.h>
#include <stdint.h>

#include "analyses/module.h"

/* The module for the facade's table (slot VF_MODEL_SLOT_PROCESS). */
extern const struct vf_analysis_module vf_process_module;

/* In-guest switches seen at a vCPU's entries into L1 (the thesis' 18 / 19). */
struct vf_process_counts {
	uint64_t process_switch_count; /* the entry loaded another CR3 */
	uint64_t thread_switch_count;  /* same CR3, another thread (kernel stack window / user SP) */
};

/* The counts of vCPU v; false (zeros) if the module never saw it. */
bool vf_process_get_counts(const void *self, const struct vf_vcpu *v,
			   struct vf_process_counts *out);

#endif /* VMFLOW_ANALYSES_PROCESS_H */
