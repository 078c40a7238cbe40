/* SPDX-License-Identifier: MIT */
/*
 * features.h - workload features (thesis §8): per vCPU and per guest process
 * feature vectors for clustering, written as features.tsv (docs/outputs.md):
 * state counts / mean / total durations, injected vectors per class,
 * in-guest switch counts and the exit-reason histogram (exact counts).
 *
 * The module counts injections per vCPU and class while the trace is read;
 * the writer reads the rest from the history and the exit statistics.
 */
#ifndef VMFLOW_ANALYSES_FEATURES_H
#define VMFLOW_ANALYSES_FEATURES_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "analyses/analysis.h"
#include "analyses/module.h"
#include "vmflow/error.h"
#include "vmflow/history.h"

/* The module for the facade's table (slot VF_MODEL_SLOT_FEATURES). */
extern const struct vf_analysis_module vf_features_module;

/* kvm_x86_inj_virq per class of the injected vector (classes as for the waits). */
struct vf_injection_counts {
	uint64_t timer;
	uint64_t ipi;
	uint64_t disk;
	uint64_t net;
	uint64_t other;
};

/* The counts of vCPU v; zeros if the module never saw it. */
void vf_features_get_injections(const struct vf_vcpu *v, struct vf_injection_counts *out);

/* Injections while guest process cr3 of VM pid was loaded (L1); false (zeros) if none. */
bool vf_features_get_process_injections(const void *self, int32_t pid, uint64_t cr3,
					struct vf_injection_counts *out);

/*
 * Writes features.tsv for a finished analysis whose history is h. Rows: one
 * per vCPU ("vcpu", id = vcpu_id), then one per guest process ("process",
 * id = 0x<cr3>), sorted by VM pid then id.
 */
enum vf_status vf_features_tsv_write(FILE *fp, struct vf_history *h, const struct vf_analysis *a,
				     struct vf_error *err);

#endif /* VMFLOW_ANALYSES_FEATURES_H */
