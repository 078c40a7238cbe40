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

/* The header of wakers.tsv. */
#define VF_WAKERS_TSV_HEADER "level\twaker\twakee\tclass\tcount"

/* The entity name of host thread t ("vcpu:<pid>/<n>", "vhost:<pid>", ...; NULL: "unknown"). */
void vf_wakers_entity(const struct vf_model *m, const struct vf_thread *t, char *buf, size_t size);

/*
 * Writes the vcpu and process rows of wakers.tsv (docs/outputs.md, no header):
 * level (vcpu | process), waker, wakee, class "-", count; sorted by level,
 * wakee, waker. self is the module instance.
 */
enum vf_status vf_wakers_tsv_write(FILE *fp, const void *self, struct vf_error *err);

/*
 * Writes critical_path.tsv for guest process cr3 in every VM (and nested VM)
 * that has it: vm_pid, nested (h or "-"), cr3, start_ns, end_ns, duration_ns,
 * edge, level, woken_by. Edges: RUNNING, PREEMPTED, TIMER, BLOCK_DEVICE,
 * NETWORK, IPI, BLOCKED, UNKNOWN; levels HL0 (the host handles an exit), HL1,
 * HL2. woken_by (wait edges of L1 processes): the waker of that wait of the
 * process' vCPU, from `sources` (vf_vcpu_state_borrow_wait_sources(); NULL:
 * "-" everywhere).
 */
enum vf_status vf_critical_path_tsv_write(FILE *fp, struct vf_history *h,
					  struct vf_history *sources, uint64_t cr3,
					  struct vf_error *err);

#endif /* VMFLOW_ANALYSES_WAKERS_H */
