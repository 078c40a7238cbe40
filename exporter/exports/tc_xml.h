/* SPDX-License-Identifier: MIT */
/*
 * tc_xml.h - tracecompass/vmflow.xml: the Trace Compass data-driven analysis
 * that rebuilds vmflow's vCPU states from the results trace
 * (tracecompass/results/, written by tc_results.c) and draws them.
 *
 * The results trace's events (contract shared with tc_results.c):
 *   vmflow_vcpu_state     { int64 vm_pid; uint32 vcpu_id; string attribute; string value; }
 *                         at the start of each interval ("Status" or "Exit")
 *   vmflow_vcpu_state_end { int64 vm_pid; uint32 vcpu_id; string attribute; }
 *                         when the path becomes valueless
 * The analysis builds VMs/<vm_pid>/vCPUs/<vcpu_id>/Status (an int code, see
 * vf_tc_xml_status_code(); int so that the time-graph view can colour it)
 * and .../Exit (the exit reason name, a string).
 */
#ifndef VMFLOW_EXPORTS_TC_XML_H
#define VMFLOW_EXPORTS_TC_XML_H

#include <stdint.h>
#include <stdio.h>

#include "vmflow/error.h"
#include "vmflow/history.h"

#define VF_TC_XML_ANALYSIS_ID "org.vmflow.results"
#define VF_TC_XML_VIEW_ID     "org.vmflow.results.vcpus"
/* Bump when the analysis' output changes: Trace Compass caches the history per version. */
#define VF_TC_XML_VERSION 1

/*
 * The int a Status value becomes in the Trace Compass state system: the
 * fixed codes of docs/states.md values (unknown 0, guest 1, guest_l2 2,
 * hypervisor 3, preempted_host 4, preempted_vm 5, wait_timer 6, wait_task 7,
 * wait_disk 8, wait_net 9, wait_unknown 10, wait_host 11), 100 + n for
 * guest_l<n> with n >= 3, -1 for anything else (which the analysis maps to
 * null). Used to read back what Trace Compass (or `vmflow tcxml run`) built.
 */
int32_t vf_tc_xml_status_code(const char *status);

/*
 * Writes vmflow.xml (valid against xmlDefinition.xsd). h is optional: when
 * given, its guest_l<n> values deeper than the standard ones get a mapping
 * and a legend entry too. Write errors are VF_ERR_IO.
 */
enum vf_status vf_tc_xml_write(FILE *fp, const struct vf_history *h, struct vf_error *err);

#endif /* VMFLOW_EXPORTS_TC_XML_H */
