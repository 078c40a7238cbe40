/* SPDX-License-Identifier: MIT */
/*
 * summary_json.h - summary.json: trace facts, time per vCPU state, exit
 * counts and warnings, for scripts.
 */
#ifndef VMFLOW_EXPORTS_SUMMARY_JSON_H
#define VMFLOW_EXPORTS_SUMMARY_JSON_H

#include <stddef.h>
#include <stdio.h>

#include "input/reader.h"
#include "vmflow/error.h"
#include "vmflow/history.h"

/*
 * Writes summary.json (layout at the top of summary_json.c). The per-state
 * times and exit counts come from the VMs/<pid>/vCPUs/<n>/Status intervals
 * of h (closed intervals only: call vf_history_close_all() first); the trace
 * facts from info (NULL writes "trace": null, e.g. for an in-memory synth
 * run); warnings is an array of warning_count one-line messages, written in
 * the order given. The output depends only on the inputs (no wall-clock time).
 */
enum vf_status vf_summary_json_write(FILE *fp, struct vf_history *h,
                                     const struct vf_trace_info *info, const char *const *warnings,
                                     size_t warning_count, struct vf_error *err);

#endif /* VMFLOW_EXPORTS_SUMMARY_JSON_H */
