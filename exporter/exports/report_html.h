/* SPDX-License-Identifier: MIT */
/*
 * report_html.h - report.html: a self-contained page (inline CSS and SVG, no
 * network) with the vCPU timeline, time per state, exit table and warnings.
 */
#ifndef VMFLOW_EXPORTS_REPORT_HTML_H
#define VMFLOW_EXPORTS_REPORT_HTML_H

#include <stddef.h>
#include <stdio.h>

#include "analyses/exit_stats.h"
#include "input/reader.h"
#include "vmflow/history.h"

enum vf_status vf_report_html_write(FILE *fp, struct vf_history *h,
				    const struct vf_trace_info *info,
				    const struct vf_exit_stats *exits, const char *const *warnings,
				    size_t warning_count, struct vf_error *err);

#endif /* VMFLOW_EXPORTS_REPORT_HTML_H */
