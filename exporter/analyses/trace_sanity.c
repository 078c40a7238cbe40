/* SPDX-License-Identifier: MIT */
/*
 * trace_sanity.c - counts the symptoms of the known lttng-modules recording
 * defects (trace_sanity.h) and words one warning per defect found.
 */
#include "analyses/trace_sanity.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SVM_ISA 2u
#define SVM_EXIT_VMRUN 0x080u

struct vf_trace_sanity {
	struct vf_trace_sanity_counts c;
};

struct vf_trace_sanity *vf_trace_sanity_new(struct vf_error *err)
{
	struct vf_trace_sanity *s = calloc(1, sizeof(*s));
	if (!s) {
		VF_ERROR_SET(err, VF_ERR_NOMEM, NULL, "out of memory for the trace sanity checks");
	}
	return s;
}

void vf_trace_sanity_free(struct vf_trace_sanity *s)
{
	free(s);
}

static void vcpu_id_seen(struct vf_trace_sanity *s, uint32_t id)
{
	if (id > VF_TRACE_SANITY_MAX_VCPU_ID) {
		s->c.bad_vcpu_id_count++;
		if (id > s->c.max_bad_vcpu_id) {
			s->c.max_bad_vcpu_id = id;
		}
	}
}

/* Events of lttng-modules' generic kvm probe, built even without the x86 one. */
static int is_generic_kvm(const char *name)
{
	static const char *const names[] = {"kvm_userspace_exit", "kvm_set_irq", "kvm_mmio",
					    "kvm_msi_set_irq", "kvm_ack_irq", "kvm_fpu"};
	size_t i;
	if (!name) {
		return 0;
	}
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(name, names[i]) == 0) {
			return 1;
		}
	}
	return 0;
}

void vf_trace_sanity_event(struct vf_trace_sanity *s, const struct vf_event *ev)
{
	switch (ev->kind) {
	case VF_EV_KVM_ENTRY:
		s->c.entry_exit_count++;
		vcpu_id_seen(s, ev->u.kvm_entry.vcpu_id);
		break;
	case VF_EV_KVM_EXIT:
		s->c.entry_exit_count++;
		if (ev->u.kvm_exit.has_vcpu_id) {
			vcpu_id_seen(s, ev->u.kvm_exit.vcpu_id);
		}
		if (ev->u.kvm_exit.isa == SVM_ISA && ev->u.kvm_exit.exit_reason == SVM_EXIT_VMRUN) {
			s->c.svm_vmrun_exit_count++;
		}
		break;
	case VF_EV_KVM_NESTED_VMRUN:
		s->c.nested_vmrun_count++;
		break;
	case VF_EV_OTHER:
		if (is_generic_kvm(ev->name)) {
			s->c.generic_kvm_count++;
		}
		break;
	default:
		break;
	}
}

const struct vf_trace_sanity_counts *vf_trace_sanity_borrow_counts(const struct vf_trace_sanity *s)
{
	return &s->c;
}

size_t vf_trace_sanity_warnings(const struct vf_trace_sanity *s,
				char out[][VF_TRACE_SANITY_MSG_LEN], size_t max)
{
	const struct vf_trace_sanity_counts *c = &s->c;
	size_t n = 0;

	if (n < max && c->bad_vcpu_id_count > 0) {
		snprintf(out[n++], VF_TRACE_SANITY_MSG_LEN,
			 "%llu kvm entry/exit events carry a vcpu_id above %u (largest %u): lttng-modules "
			 "recorded pointer bits, its kvm_x86_entry probe does not match this kernel "
			 "(stock 2.13 on 6.1+; see vmtests/lttng-modules)",
			 (unsigned long long)c->bad_vcpu_id_count, VF_TRACE_SANITY_MAX_VCPU_ID,
			 c->max_bad_vcpu_id);
	}
	if (n < max && c->svm_vmrun_exit_count > 0 && c->nested_vmrun_count == 0) {
		snprintf(out[n++], VF_TRACE_SANITY_MSG_LEN,
			 "%llu SVM VMRUN exits but no kvm_x86_nested_vmrun event: nested guests ran but "
			 "lttng-modules did not record their entries (stock 2.13 on 6.1+ probes the renamed "
			 "tracepoint, or the event was not enabled); nested results are incomplete",
			 (unsigned long long)c->svm_vmrun_exit_count);
	}
	if (n < max && c->generic_kvm_count > 0 && c->entry_exit_count == 0) {
		snprintf(out[n++], VF_TRACE_SANITY_MSG_LEN,
			 "%llu generic kvm events (kvm_userspace_exit, kvm_set_irq, ...) but no "
			 "kvm_x86_entry/kvm_x86_exit: the lttng-modules kvm-x86 probe was not built or "
			 "not enabled (vmtests/check-host.sh tells which)",
			 (unsigned long long)c->generic_kvm_count);
	}
	return n;
}
