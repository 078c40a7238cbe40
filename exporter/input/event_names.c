/* SPDX-License-Identifier: MIT */
/*
 * event_names.c - event-class name <-> vf_event_kind, both lttng spellings.
 *
 * Resolved once per event class by readers, so a linear scan is fine.
 */
#include "vmflow/event.h"

#include <string.h>

struct name_row {
	enum vf_event_kind kind;
	const char *modern; /* lttng-modules 2.13 */
	const char *legacy; /* lttng-modules before kvm_x86_ (and the thesis' code) */
};

static const struct name_row rows[] = {
	{VF_EV_SCHED_SWITCH, "sched_switch", "sched_switch"},
	{VF_EV_SCHED_WAKING, "sched_waking", "sched_waking"},
	{VF_EV_SCHED_WAKEUP, "sched_wakeup", "sched_wakeup"},
	{VF_EV_SCHED_WAKEUP_NEW, "sched_wakeup_new", "sched_wakeup_new"},
	{VF_EV_SCHED_TTWU, "sched_ttwu", "sched_ttwu"},
	{VF_EV_SCHED_PROCESS_FORK, "sched_process_fork", "sched_process_fork"},
	{VF_EV_SCHED_PROCESS_EXIT, "sched_process_exit", "sched_process_exit"},
	{VF_EV_STATEDUMP_PROCESS_STATE, "lttng_statedump_process_state",
	 "lttng_statedump_process_state"},
	{VF_EV_KVM_ENTRY, "kvm_x86_entry", "kvm_entry"},
	{VF_EV_KVM_EXIT, "kvm_x86_exit", "kvm_exit"},
	{VF_EV_KVM_INJ_VIRQ, "kvm_x86_inj_virq", "kvm_inj_virq"},
	{VF_EV_KVM_APIC_ACCEPT_IRQ, "kvm_x86_apic_accept_irq", "kvm_apic_accept_irq"},
	{VF_EV_KVM_CR, "kvm_x86_cr", "kvm_cr"},
	{VF_EV_KVM_NESTED_VMRUN, "kvm_x86_nested_vmrun", "kvm_nested_vmrun"},
	{VF_EV_KVM_NESTED_VMEXIT, "kvm_x86_nested_vmexit", "kvm_nested_vmexit"},
	{VF_EV_KVM_NESTED_VMEXIT_INJECT, "kvm_x86_nested_vmexit_inject", "kvm_nested_vmexit_inject"},
	{VF_EV_KVM_HYPERCALL, "kvm_x86_hypercall", "kvm_hypercall"},
	{VF_EV_ADDONS_VCPU_ENTER_GUEST, "addons_vcpu_enter_guest", "addons_vcpu_enter_guest"},
	{VF_EV_SYSCALL_ENTRY_PREADV, "syscall_entry_preadv", "syscall_entry_preadv"},
	{VF_EV_SYSCALL_EXIT_PREADV, "syscall_exit_preadv", "syscall_exit_preadv"},
	{VF_EV_SYSCALL_ENTRY_PWRITEV, "syscall_entry_pwritev", "syscall_entry_pwritev"},
	{VF_EV_SYSCALL_EXIT_PWRITEV, "syscall_exit_pwritev", "syscall_exit_pwritev"},
	{VF_EV_NET_IF_RX, "net_if_rx", "net_if_rx"},
	{VF_EV_NET_DEV_XMIT, "net_dev_xmit", "net_dev_xmit"},
};

enum vf_event_kind vf_event_kind_from_name(const char *name)
{
	size_t i;

	if (!name) {
		return VF_EV_OTHER;
	}
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		if (strcmp(name, rows[i].modern) == 0 || strcmp(name, rows[i].legacy) == 0) {
			return rows[i].kind;
		}
	}
	return VF_EV_OTHER;
}

const char *vf_event_kind_name(enum vf_event_kind kind, enum vf_event_naming naming)
{
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		if (rows[i].kind == kind) {
			return naming == VF_NAMING_LEGACY ? rows[i].legacy : rows[i].modern;
		}
	}
	return NULL;
}

bool vf_event_kind_is_kvm(enum vf_event_kind kind)
{
	switch (kind) {
	case VF_EV_KVM_ENTRY:
	case VF_EV_KVM_EXIT:
	case VF_EV_KVM_INJ_VIRQ:
	case VF_EV_KVM_APIC_ACCEPT_IRQ:
	case VF_EV_KVM_CR:
	case VF_EV_KVM_NESTED_VMRUN:
	case VF_EV_KVM_NESTED_VMEXIT:
	case VF_EV_KVM_NESTED_VMEXIT_INJECT:
	case VF_EV_KVM_HYPERCALL:
		return true;
	default:
		return false;
	}
}
