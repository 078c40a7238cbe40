/* SPDX-License-Identifier: MIT */
/*
 * truth_summary.h - the ground truth in figures, as deterministic JSON
 * (docs/scenario.md, "Truth summary"): per VM/vCPU time per Status value and
 * exits per reason (count, total handling ns), wait totals per class, wake-up
 * edges, nesting levels, CR3 -> process name map.
 */
#ifndef VMFLOW_SYNTH_TRUTH_SUMMARY_H
#define VMFLOW_SYNTH_TRUTH_SUMMARY_H

#include <stdio.h>

#include "synth/scenario.h"
#include "synth/truth.h"
#include "vmflow/error.h"
#include "vmflow/history.h"

/* Writes the summary of truth t (finished; h is its history) of scenario scn to fp. */
enum vf_status vf_truth_write_summary(const struct vf_truth *t, struct vf_history *h,
                                      const struct vf_scenario *scn, FILE *fp,
                                      struct vf_error *err);

#endif /* VMFLOW_SYNTH_TRUTH_SUMMARY_H */
