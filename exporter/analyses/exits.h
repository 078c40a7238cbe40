/* SPDX-License-Identifier: MIT */
/*
 * exits.h - the exits analysis: per vCPU, the time from each kvm_x86_exit to
 * the vCPU's next kvm_x86_entry, accumulated into a vf_exit_stats
 * (`perf kvm stat` parity, exit_stats.h).
 */
#ifndef VMFLOW_ANALYSES_EXITS_H
#define VMFLOW_ANALYSES_EXITS_H

#include "analyses/exit_stats.h"
#include "analyses/module.h"

/* The module for the facade's table (slot VF_MODEL_SLOT_EXITS). */
extern const struct vf_analysis_module vf_exits_module;

/* The statistics of a module instance created from vf_exits_module. */
const struct vf_exit_stats *vf_exits_borrow_stats(const void *self);
/* Its per-process table (rows keyed by VM and guest CR3, vcpu_id VF_EXIT_STATS_ANY_VCPU). */
const struct vf_exit_stats *vf_exits_borrow_process_stats(const void *self);

#endif /* VMFLOW_ANALYSES_EXITS_H */
