/* SPDX-License-Identifier: MIT */
/*
 * vcpu_state.h - the vCPU status analysis: VMs/<pid>/vCPUs/<n>/Status and
 * VMs/<pid>/vCPUs/<n>/Exit, exactly as docs/states.md defines them.
 */
#ifndef VMFLOW_ANALYSES_VCPU_STATE_H
#define VMFLOW_ANALYSES_VCPU_STATE_H

#include <stdio.h>

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

/*
 * Writes the "wait" rows of wakers.tsv: per halted vCPU and wait class (timer,
 * task, disk, net), who woke it: "timer" (its guest timer), or the entity of the
 * thread whose kvm_x86_apic_accept_irq of the labelling vector targeted it
 * during the wait, or "unknown". self is the module instance.
 */
enum vf_status vf_vcpu_state_write_wait_wakers(const void *self, FILE *fp, struct vf_error *err);

/*
 * The waker of every labelled HLT wait, per vCPU: a history with one path
 * "<pid>/<vcpu_id>" holding a 1 ns interval at each wait's labelling time (at
 * or after its switch in) whose value is the waker entity ("timer",
 * "vcpu:<pid>/<n>", "qemu:<pid>", "vhost:<pid>", "unknown"). Complete after
 * vf_analysis_finish(); owned by the module.
 */
struct vf_history *vf_vcpu_state_borrow_wait_sources(const void *self);

#endif /* VMFLOW_ANALYSES_VCPU_STATE_H */
