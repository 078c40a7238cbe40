/* SPDX-License-Identifier: MIT */
/* workload_tp.c - instantiates the vmflow_workload lttng-ust probes. */
#define LTTNG_UST_TRACEPOINT_CREATE_PROBES
#define LTTNG_UST_TRACEPOINT_DEFINE
#include "workload_tp.h"
