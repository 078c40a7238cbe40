/* SPDX-License-Identifier: MIT */
/*
 * tc_results.h - vmflow's vCPU intervals as a small CTF 1.8 trace on the host
 * trace's clock, so Trace Compass (and babeltrace2) open it beside the host
 * trace in one experiment (analyze's tracecompass/results/).
 */
#ifndef VMFLOW_EXPORTS_TC_RESULTS_H
#define VMFLOW_EXPORTS_TC_RESULTS_H

#include "input/reader.h"
#include "vmflow/error.h"
#include "vmflow/history.h"

/*
 * Writes dir/metadata and dir/vmflow_0 (dir is created if needed; existing
 * files of those names are replaced). One stream, packet context cpu_id 0,
 * lttng's packet and event headers, and these event classes:
 *   vmflow_vcpu_state     { s64 vm_pid; u32 vcpu_id; string attribute; string value;
 *                           s64 duration; }
 *       at the start of every interval of VMs/<pid>/vCPUs/<n>/Status and .../Exit
 *       (attribute "Status" or "Exit"); duration = the interval's length in ns;
 *   vmflow_vcpu_state_end { s64 vm_pid; u32 vcpu_id; string attribute; }
 *       at the end of an interval, unless the path's next interval starts then;
 *   vmflow_state_<d>      { string a0; ... string a<d-1>; string value; s64 duration; }
 *   vmflow_state_end_<d>  { string a0; ... string a<d-1>; }
 *       the same for every other path, split at '/' into its d components
 *       (1 <= d <= VF_TC_RESULTS_MAX_DEPTH; a deeper path or an empty component
 *       is refused with VF_ERR_INPUT), so every states.tsv path round-trips, and so do
 *       the critical path's CriticalPath/<worker>/{Status,Level,Depth,WokenBy} paths
 *       that `analyze --critical-path` adds to the history (analyses/critical_path.h).
 * Events are in global time order (ties: ends first, then by path name).
 * The clock copies clock_src's name, frequency, offset (seconds + cycles)
 * and uuid (if it has one), plus `absolute = true` when the host's tracer is
 * LTTng (babeltrace2 treats those clocks as absolute, and its muxer needs the
 * two traces to agree); env hostname is clock_src->hostname, domain and
 * tracer_name "vmflow". The packets span clock_src's [begin_ns, end_ns] when
 * known, else the intervals. Memory: one history chunk per vCPU path.
 */
#define VF_TC_RESULTS_MAX_DEPTH 12

enum vf_status vf_tc_results_write(const char *dir, const struct vf_history *h,
				   const struct vf_trace_info *clock_src, struct vf_error *err);

#endif /* VMFLOW_EXPORTS_TC_RESULTS_H */
