/* SPDX-License-Identifier: MIT */
/*
 * wakers.h - who woke whom (thesis §6 wakers, §8 adjacency matrix):
 * sched_waking / sched_wakeup / sched_wakeup_new / sched_ttwu counted once per
 * wake-up, per (waker, wakee) entity pair, for vCPUs, their loaded guest
 * processes, vhost threads, QEMU main threads and host threads; the thread
 * lines the critical path walks (run / wait_cpu / blocked-until-woken-by, per
 * host thread); and the process' own rows of critical_path.tsv with their
 * edge types and levels (the walk itself: critical_path.h).
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
 * The thread lines kept for the critical path (wakers.c): path "<tid>" per host
 * thread, values "run", "wait_cpu", "blk:<waker tid>" ("blk:-1" unknown waker,
 * "blk:?" no wake-up seen, "blk:-" blocked until the end). self is the module
 * instance; complete after finish.
 */
struct vf_history *vf_wakers_borrow_lines(const void *self);

/*
 * Writes the "own" rows of critical_path.tsv (docs/outputs.md; no header) for
 * guest process cr3 in every VM (and nested VM) that has it, one per interval
 * of its Status path: own, worker (process:<vm_pid>/0x<cr3>, nested:
 * process:<vm_pid>/<h>/0x<cr3>), start_ns, end_ns, duration_ns, edge, level,
 * depth 0, woken_by. Edges: RUNNING, PREEMPTED, TIMER, BLOCK_DEVICE, NETWORK,
 * IPI, BLOCKED, UNKNOWN; levels HL0 (the host handles an exit), HL1, HL2.
 * woken_by (wait edges of L1 processes): the waker of that wait of the
 * process' vCPU, from `sources` (vf_vcpu_state_borrow_wait_sources(); NULL:
 * "-" everywhere).
 */
enum vf_status vf_critical_path_own_write(FILE *fp, struct vf_history *h,
					  struct vf_history *sources, uint64_t cr3,
					  struct vf_error *err);

#endif /* VMFLOW_ANALYSES_WAKERS_H */
