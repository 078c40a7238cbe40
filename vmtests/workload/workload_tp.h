/* SPDX-License-Identifier: MIT */
/*
 * workload_tp.h - the lttng-ust tracepoint provider of vmflow-workload:
 * vmflow_workload:phase_begin / phase_end, one pair per phase of a round
 * (cpu, sleep, disk, net, ipi), the guest-side truth of an experiment.
 */
#undef LTTNG_UST_TRACEPOINT_PROVIDER
#define LTTNG_UST_TRACEPOINT_PROVIDER vmflow_workload

#undef LTTNG_UST_TRACEPOINT_INCLUDE
#define LTTNG_UST_TRACEPOINT_INCLUDE "./workload_tp.h"

#if !defined(VMFLOW_WORKLOAD_TP_H) || defined(LTTNG_UST_TRACEPOINT_HEADER_MULTI_READ)
#define VMFLOW_WORKLOAD_TP_H

#include <lttng/tracepoint.h>

LTTNG_UST_TRACEPOINT_EVENT(vmflow_workload, phase_begin,
	LTTNG_UST_TP_ARGS(const char *, phase, int, round, long, arg),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_string(phase, phase)
		lttng_ust_field_integer(int, round, round)
		lttng_ust_field_integer(long, arg, arg)
	)
)

LTTNG_UST_TRACEPOINT_EVENT(vmflow_workload, phase_end,
	LTTNG_UST_TP_ARGS(const char *, phase, int, round, long, result),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_string(phase, phase)
		lttng_ust_field_integer(int, round, round)
		lttng_ust_field_integer(long, result, result)
	)
)

#endif /* VMFLOW_WORKLOAD_TP_H */

#include <lttng/tracepoint-event.h>
