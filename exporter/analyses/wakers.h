/* SPDX-License-Identifier: MIT */
/*
 * wakers.h - who woke whom (thesis §6 wakers, §8 adjacency matrix):
 * sched_waking / sched_wakeup / sched_wakeup_new / sched_ttwu counted once per
 * wake-up, per (waker, wakee) entity pair, for vCPUs, their loaded guest
 * processes, vhost threads, QEMU main threads and host threads; and the
 * per-process path (critical_path.tsv) with its edge types and levels.
 */
#ifndef VMFLOW_ANALYSES_WAKERS_H
#define VMFLOW_ANALYSES_WAKERS_H

#include <stdint.h>
#include <stdio.h>

#include "analyses/module.h"
#include "vmflow/error.h"
#include "vmflow/history.h"

/* The module for the facade's table (no per-vCPU slot). */
extern const struct vf_analysis_module vf_wakers_module;

/*
 * Writes wakers.tsv (docs/outputs.md): level (vcpu | process), waker, wakee,
 * count; sorted by level, wakee, waker. self is the module instance.
 */
enum vf_status vf_wakers_tsv_write(FILE *fp, const void *self, struct vf_error *err);

/*
 * Writes critical_path.tsv for guest process cr3 in every VM (and nested VM)
 * that has it: vm_pid, nested (h or "-"), cr3, start_ns, end_ns, duration_ns,
 * edge, level, woken_by. Edges: RUNNING, PREEMPTED, TIMER, BLOCK_DEVICE,
 * NETWORK, IPI, BLOCKED, UNKNOWN; levels HL0 (the host handles an exit), HL1,
 * HL2. woken_by (wait edges of L1 processes): the waker entity of the last
 * wake-up of the process' vCPU during the wait, "-" if none. self is the
 * wakers module instance (NULL: no woken_by).
 */
enum vf_status vf_critical_path_tsv_write(FILE *fp, struct vf_history *h, const void *self,
					  uint64_t cr3, struct vf_error *err);

#endif /* VMFLOW_ANALYSES_WAKERS_H */
