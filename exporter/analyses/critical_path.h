/* SPDX-License-Identifier: MIT */
/*
 * critical_path.h - the critical path of a guest process across vCPUs, VMs and
 * host threads (the thesis' HEC; Trace Compass' critical-path algorithm on
 * vmflow's histories): the process' own path, where every blocking stretch
 * whose waker is known is replaced by the waker's own path over the same
 * span, recursively (docs/analyses.md, "Critical path"; format in
 * docs/outputs.md, critical_path.tsv).
 */
#ifndef VMFLOW_ANALYSES_CRITICAL_PATH_H
#define VMFLOW_ANALYSES_CRITICAL_PATH_H

#include <stdint.h>
#include <stdio.h>

#include "model/model.h"
#include "vmflow/error.h"
#include "vmflow/history.h"

/* The header line of critical_path.tsv (without the newline). */
#define VF_CRITICAL_PATH_TSV_HEADER                                                                \
	"view\tworker\tstart_ns\tend_ns\tduration_ns\tedge\tlevel\tdepth\twoken_by"

/* Recursion bound: a waker deeper than this is not followed (its wakee's stretch stays). */
#define VF_CRITICAL_PATH_MAX_DEPTH 16

/* The attribute subtree the path is recorded under in the history (for the bundle). */
#define VF_CRITICAL_PATH_ROOT "CriticalPath"

struct vf_critical_path_inputs {
	struct vf_history *h;     /* the analyses' history (Status, Process paths); borrowed */
	struct vf_history *lines; /* thread lines (vf_wakers_borrow_lines()); may be NULL */
	struct vf_history
	    *sources; /* waits' wakers (vf_vcpu_state_borrow_wait_sources()); may be NULL */
	const struct vf_model *model; /* names threads, maps vCPUs to threads; borrowed */
};

/*
 * Writes the "path" rows of critical_path.tsv (no header) for guest process
 * cr3 of every VM (and nested VM) that has it, in the order of their Status
 * paths' names, each in time order: path, worker, start_ns, end_ns,
 * duration_ns, edge, level, depth, woken_by. If record is true, the rows of
 * the first such process are also added to in->h under
 * CriticalPath/<worker, '/' written ':'>/{Status,Level,Depth,WokenBy} (the
 * Trace Compass bundle carries them); no history cursor may be open then.
 * Memory: one cursor per path visited (entities) and the rows of the path.
 */
enum vf_status vf_critical_path_write(FILE *fp, const struct vf_critical_path_inputs *in,
                                      uint64_t cr3, bool record, struct vf_error *err);

#endif /* VMFLOW_ANALYSES_CRITICAL_PATH_H */
