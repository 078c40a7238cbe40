/* SPDX-License-Identifier: MIT */
/*
 * vcpu_state.h - the vCPU status analysis: VMs/<pid>/vCPUs/<n>/Status and
 * VMs/<pid>/vCPUs/<n>/Exit, exactly as docs/states.md defines them.
 */
#ifndef VMFLOW_ANALYSES_VCPU_STATE_H
#define VMFLOW_ANALYSES_VCPU_STATE_H

#include "analyses/module.h"

/* The module for the facade's table (slot VF_MODEL_SLOT_VCPU_STATE). */
extern const struct vf_analysis_module vf_vcpu_state_module;

/* Status values written on VMs/<pid>/vCPUs/<n>/Status (docs/states.md). */
#define VF_STATUS_GUEST "guest"
#define VF_STATUS_GUEST_L2 "guest_l2"
#define VF_STATUS_HYPERVISOR "hypervisor"
#define VF_STATUS_PREEMPTED_HOST "preempted_host"
#define VF_STATUS_PREEMPTED_VM "preempted_vm"
#define VF_STATUS_WAIT_TIMER "wait_timer"
#define VF_STATUS_WAIT_TASK "wait_task"
#define VF_STATUS_WAIT_DISK "wait_disk"
#define VF_STATUS_WAIT_NET "wait_net"
#define VF_STATUS_WAIT_UNKNOWN "wait_unknown"
#define VF_STATUS_WAIT_HOST "wait_host"
#define VF_STATUS_UNKNOWN "unknown"

#endif /* VMFLOW_ANALYSES_VCPU_STATE_H */
