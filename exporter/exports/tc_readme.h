/* SPDX-License-Identifier: MIT */
/*
 * tc_readme.h - tracecompass/README.md: how to see vmflow's results in the
 * Trace Compass GUI (import vmflow.xml, open host trace + results as an
 * experiment, open the view).
 */
#ifndef VMFLOW_EXPORTS_TC_README_H
#define VMFLOW_EXPORTS_TC_README_H

#include <stdio.h>

#include "input/reader.h"
#include "vmflow/error.h"

/* Writes README.md; info (optional) names the host trace in the steps. */
enum vf_status vf_tc_readme_write(FILE *fp, const struct vf_trace_info *info, struct vf_error *err);

#endif /* VMFLOW_EXPORTS_TC_README_H */
