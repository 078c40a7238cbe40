/* SPDX-License-Identifier: MIT */
/*
 * lami.h - vmflow's analyses as LAMI 1.0 result tables (the LTTng analyses
 * machine interface, lttng/lami-spec lami.adoc v1.0.1), so Trace Compass
 * runs them as External Analyses: `vmflow lami ANALYSIS ...` (cli/cmd_lami.c).
 *
 * Analyses and their table classes (docs/outputs.md has the columns):
 *   exits  vmflow-exits (per VM, vCPU, reason) and vmflow-exits-vm (per VM, reason)
 *   waits  vmflow-waits (per VM, vCPU, wait cause)
 *   vms    vmflow-vms (per VM) and vmflow-vcpus (per vCPU): time shares and exits
 *   all    every table above
 * The tables are computed from the state history only (docs/states.md paths
 * VMs/<pid>/vCPUs/<n>/Status and /Exit), restricted to a time range.
 */
#ifndef VMFLOW_EXPORTS_LAMI_H
#define VMFLOW_EXPORTS_LAMI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "input/reader.h"
#include "vmflow/error.h"
#include "vmflow/history.h"

#define VF_LAMI_MI_MAJOR 1
#define VF_LAMI_MI_MINOR 0

enum vf_lami_analysis {
	VF_LAMI_EXITS = 1,
	VF_LAMI_WAITS = 2,
	VF_LAMI_VMS = 4,
	VF_LAMI_ALL = 7,
};

/* "exits", "waits", "vms", "all" -> the analysis bits; 0 for any other name. */
unsigned vf_lami_analysis_from_name(const char *name);

/* A VM's name for the LAMI process objects (QEMU's comm); borrowed. */
struct vf_lami_vm_name {
	int32_t pid;
	const char *comm;
};

struct vf_lami_query {
	unsigned analyses;  /* enum vf_lami_analysis bits */
	int64_t begin_ns;   /* range asked for (ns from the clock origin); INT64_MIN: trace begin */
	int64_t end_ns;     /* INT64_MAX: trace end */
	uint64_t limit;     /* maximum rows per table; UINT64_MAX: unlimited */
};

/* The metadata object of the analyses (mi-version, title, table classes). */
enum vf_status vf_lami_metadata_write(FILE *fp, unsigned analyses, struct vf_error *err);

/*
 * The analysis results object for q over h (closed intervals: after
 * vf_analysis_finish()). info gives the trace's time range (the result
 * tables' time-range is q's range clipped to it). names may be NULL.
 *   exits: completed exits (guest -> hypervisor ... -> guest in Status, as
 *          `perf kvm stat` counts them) whose exit lies in the range, with
 *          their whole handling time; reason from Exit at the exit's start.
 *   waits, vms: Status intervals clipped to the range.
 * Errors: VF_ERR_INPUT when the range is empty or outside the trace.
 */
enum vf_status vf_lami_results_write(FILE *fp, const struct vf_history *h,
				     const struct vf_trace_info *info,
				     const struct vf_lami_vm_name *names, size_t name_count,
				     const struct vf_lami_query *q, struct vf_error *err);

/* The LAMI error object for err: {"error-message": "<where>: <msg>", "error-code": <status>}. */
void vf_lami_error_write(FILE *fp, const struct vf_error *err);

#endif /* VMFLOW_EXPORTS_LAMI_H */
