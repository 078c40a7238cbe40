/* SPDX-License-Identifier: MIT */
/*
 * tc_bundle.h - the tracecompass/ folder of `vmflow analyze` (design §5):
 *   tracecompass/vmflow.xml   the data-driven analysis and its view (tc_xml.c)
 *   tracecompass/results/     the CTF results trace (tc_results.c)
 *   tracecompass/README.md    the import steps (tc_readme.c)
 */
#ifndef VMFLOW_EXPORTS_TC_BUNDLE_H
#define VMFLOW_EXPORTS_TC_BUNDLE_H

#include "input/reader.h"
#include "vmflow/error.h"
#include "vmflow/history.h"

#define VF_TC_BUNDLE_DIR "tracecompass"

/*
 * Creates out_dir/tracecompass/ and writes the three parts into it. out_dir
 * is normally analyze's temporary output folder (common/atomic_out.h), so a
 * failure leaves nothing that looks complete once the caller aborts it.
 * info gives the results trace its clock and the README the host trace path
 * (it may be NULL only if tc_results accepts that). Errors name the file.
 */
enum vf_status vf_tc_bundle_write(const char *out_dir, const struct vf_history *h,
                                  const struct vf_trace_info *info, struct vf_error *err);

#endif /* VMFLOW_EXPORTS_TC_BUNDLE_H */
