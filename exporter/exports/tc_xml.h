/* SPDX-License-Identifier: MIT */
/*
 * tc_xml.h - tracecompass/vmflow.xml: the Trace Compass data-driven analyses
 * that rebuild vmflow's state history from the results trace
 * (tracecompass/results/, written by tc_results.c, whose event classes are
 * listed in tc_results.h) and draw it, plus a provider that reads the raw
 * LTTng kernel trace of the host for the basics (layout in tc_xml.c).
 *
 * Every states.tsv path is rebuilt as it is; .../Status values become int
 * codes (vf_tc_xml_status_code(); int so that the time-graph views can colour
 * them; the provider's definedValues map each code back to its name), other
 * values stay strings. Attributes under Derived/ feed the waits and XY views.
 */
#ifndef VMFLOW_EXPORTS_TC_XML_H
#define VMFLOW_EXPORTS_TC_XML_H

#include <stdint.h>
#include <stdio.h>

#include "vmflow/error.h"
#include "vmflow/history.h"

#define VF_TC_XML_ANALYSIS_ID "org.vmflow.results"
#define VF_TC_XML_VIEW_ID     "org.vmflow.results.vcpus"
/* The provider over the raw LTTng kernel trace of the host (no vmflow results needed). */
#define VF_TC_XML_KERNEL_ID   "org.vmflow.kernel"
/* Bump when the analysis' output changes: Trace Compass caches the history per version. */
#define VF_TC_XML_VERSION 2

/*
 * The int a Status value becomes in the Trace Compass state system: the
 * fixed codes of docs/states.md values (unknown 0, guest 1, guest_l2 2,
 * hypervisor 3, preempted_host 4, preempted_vm 5, wait_timer 6, wait_task 7,
 * wait_disk 8, wait_net 9, wait_unknown 10, wait_host 11, running 12,
 * preempted_guest 13), 100 + n for guest_l<n> with n >= 3, 300000 + k for the
 * critical path's edges (RUNNING, PREEMPTED, TIMER, BLOCK_DEVICE, NETWORK,
 * IPI, BLOCKED, UNKNOWN: k in that order, on CriticalPath/<worker>/Status), -1 for anything
 * else (vf_tc_xml_write() gives such values of the history codes from 1000
 * on, in name order, listed in the file's definedValues).
 */
int32_t vf_tc_xml_status_code(const char *status);

/*
 * Writes vmflow.xml (valid against xmlDefinition.xsd). h is optional: when
 * given, its guest_l<n> values and every value of its Status paths get a
 * mapping and a legend entry, and each VM (up to 16) its own XY views; if it
 * has CriticalPath/ paths, the edges get their codes and the "Critical path"
 * time-graph view is written. Reads
 * the Status paths' intervals. Write errors are VF_ERR_IO.
 */
enum vf_status vf_tc_xml_write(FILE *fp, const struct vf_history *h, struct vf_error *err);

#endif /* VMFLOW_EXPORTS_TC_XML_H */
