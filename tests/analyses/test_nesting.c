/* SPDX-License-Identifier: MIT */
/*
 * test_nesting.c - nested mode without a known CR3 (docs/states.md "Nesting",
 * docs/analyses.md): L1's VMRUN / VMLAUNCH / VMRESUME confirmed by
 * kvm_x86_nested_vmrun (or, when the trace never records that event, by the
 * next entry) makes the vCPU Status guest_l2 until a reflected exit; failed
 * nested VM-entries; no Nested/<h> paths without a CR3; and the facade's
 * trace-sanity warnings (trace_sanity.h). Hand-built event sequences (feed.h).
 */
#include "analyses/feed.h"

#define SVM_VMRUN 0x080
#define SVM_INTR 0x060
#define SVM_HLT 0x078
#define SVM_NPF 0x400

static void nested_ev(struct fx *f, int64_t ts, uint32_t cpu, int32_t tid,
		      enum vf_event_kind kind, uint32_t isa)
{
	struct vf_event ev = base(f, ts, cpu, kind, tid);

	if (kind != VF_EV_KVM_NESTED_VMRUN) {
		ev.u.nested_vmexit.isa = isa;
	}
	feed(f, &ev);
}

static void svm_exit(struct fx *f, int64_t ts, int32_t tid, uint32_t reason)
{
	exit_isa(f, ts, 0, tid, 0, reason, SVM, true);
}

/* VMRUN + nested_vmrun, no CR3: guest_l2; an L0-handled L2 exit stays nested, a reflected one ends it. */
static void test_svm_no_cr3_guest_l2(void **state)
{
	struct fx f;

	(void)state;
	fx_open(&f, NULL);
	sw(&f, 100, 0, 0, RUNNABLE, 1001);
	entry(&f, 200, 0, 1001, 0);
	svm_exit(&f, 300, 1001, SVM_VMRUN);
	nested_ev(&f, 301, 0, 1001, VF_EV_KVM_NESTED_VMRUN, SVM);
	entry(&f, 320, 0, 1001, 0);
	svm_exit(&f, 400, 1001, SVM_NPF);
	nested_ev(&f, 401, 0, 1001, VF_EV_KVM_NESTED_VMEXIT, SVM); /* handled by L0 */
	entry(&f, 450, 0, 1001, 0);
	svm_exit(&f, 500, 1001, SVM_INTR);
	nested_ev(&f, 501, 0, 1001, VF_EV_KVM_NESTED_VMEXIT, SVM);
	nested_ev(&f, 502, 0, 1001, VF_EV_KVM_NESTED_VMEXIT_INJECT, SVM); /* reflected to L1 */
	entry(&f, 520, 0, 1001, 0);
	finish(&f, 600);
	f.prefix = "VMs/1000/vCPUs/0/Status";
	CHECK(&f, {"VMs/1000/vCPUs/0/Status", 100, 200, "hypervisor"},
	      {"VMs/1000/vCPUs/0/Status", 200, 300, "guest"},
	      {"VMs/1000/vCPUs/0/Status", 300, 320, "hypervisor"},
	      {"VMs/1000/vCPUs/0/Status", 320, 400, "guest_l2"},
	      {"VMs/1000/vCPUs/0/Status", 400, 450, "hypervisor"},
	      {"VMs/1000/vCPUs/0/Status", 450, 500, "guest_l2"},
	      {"VMs/1000/vCPUs/0/Status", 500, 520, "hypervisor"},
	      {"VMs/1000/vCPUs/0/Status", 520, 600, "guest"});
	f.prefix = "VMs/1000/Nested/";
	check(&f, NULL, 0);
	f.prefix = "VMs/1000/Processes/";
	check(&f, NULL, 0);
	assert_int_equal(vf_analysis_borrow_counters(f.a)->nested_entry_count, 2);
	assert_int_equal(vf_analysis_borrow_counters(f.a)->unconfirmed_vmrun_count, 0);
	fx_close(&f);
}

/* Nested mode survives a preemption of the vCPU thread. */
static void test_nested_survives_preemption(void **state)
{
	struct fx f;

	(void)state;
	fx_open(&f, NULL);
	sw(&f, 100, 0, 0, RUNNABLE, 1001);
	entry(&f, 200, 0, 1001, 0);
	svm_exit(&f, 300, 1001, SVM_VMRUN);
	nested_ev(&f, 301, 0, 1001, VF_EV_KVM_NESTED_VMRUN, SVM);
	entry(&f, 320, 0, 1001, 0);
	svm_exit(&f, 400, 1001, SVM_NPF);
	nested_ev(&f, 401, 0, 1001, VF_EV_KVM_NESTED_VMEXIT, SVM);
	sw(&f, 410, 0, 1001, RUNNABLE, 300);
	sw(&f, 430, 0, 300, RUNNABLE, 1001);
	entry(&f, 450, 0, 1001, 0);
	finish(&f, 500);
	f.prefix = "VMs/1000/vCPUs/0/Status";
	CHECK(&f, {"VMs/1000/vCPUs/0/Status", 100, 200, "hypervisor"},
	      {"VMs/1000/vCPUs/0/Status", 200, 300, "guest"},
	      {"VMs/1000/vCPUs/0/Status", 300, 320, "hypervisor"},
	      {"VMs/1000/vCPUs/0/Status", 320, 400, "guest_l2"},
	      {"VMs/1000/vCPUs/0/Status", 400, 410, "hypervisor"},
	      {"VMs/1000/vCPUs/0/Status", 410, 430, "preempted_host"},
	      {"VMs/1000/vCPUs/0/Status", 430, 450, "hypervisor"},
	      {"VMs/1000/vCPUs/0/Status", 450, 500, "guest_l2"});
	fx_close(&f);
}

/*
 * The trace records kvm_x86_nested_vmrun (one was seen): a later VMRUN exit with no
 * nested_vmrun before the entry is a failed nested VM-entry, L1 resumes.
 */
static void test_unconfirmed_vmrun_resumes_l1(void **state)
{
	struct fx f;

	(void)state;
	fx_open(&f, NULL);
	sw(&f, 100, 0, 0, RUNNABLE, 1001);
	entry(&f, 200, 0, 1001, 0);
	svm_exit(&f, 300, 1001, SVM_VMRUN);
	nested_ev(&f, 301, 0, 1001, VF_EV_KVM_NESTED_VMRUN, SVM);
	entry(&f, 320, 0, 1001, 0);
	svm_exit(&f, 400, 1001, SVM_HLT);
	nested_ev(&f, 401, 0, 1001, VF_EV_KVM_NESTED_VMEXIT, SVM);
	nested_ev(&f, 402, 0, 1001, VF_EV_KVM_NESTED_VMEXIT_INJECT, SVM);
	entry(&f, 420, 0, 1001, 0);
	svm_exit(&f, 500, 1001, SVM_VMRUN); /* bad VMCB: KVM reflects VMEXIT_INVALID */
	entry(&f, 520, 0, 1001, 0);
	finish(&f, 600);
	f.prefix = "VMs/1000/vCPUs/0/Status";
	CHECK(&f, {"VMs/1000/vCPUs/0/Status", 100, 200, "hypervisor"},
	      {"VMs/1000/vCPUs/0/Status", 200, 300, "guest"},
	      {"VMs/1000/vCPUs/0/Status", 300, 320, "hypervisor"},
	      {"VMs/1000/vCPUs/0/Status", 320, 400, "guest_l2"},
	      {"VMs/1000/vCPUs/0/Status", 400, 420, "hypervisor"},
	      {"VMs/1000/vCPUs/0/Status", 420, 500, "guest"},
	      {"VMs/1000/vCPUs/0/Status", 500, 520, "hypervisor"},
	      {"VMs/1000/vCPUs/0/Status", 520, 600, "guest"});
	assert_int_equal(vf_analysis_borrow_counters(f.a)->nested_entry_count, 1);
	assert_int_equal(vf_analysis_borrow_counters(f.a)->unconfirmed_vmrun_count, 1);
	assert_true(has_warning(&f, "1 VMLAUNCH/VMRESUME/VMRUN exits of L1 had no "
				    "kvm_x86_nested_vmrun before the next entry: taken as failed "
				    "nested VM-entries (L1 resumed, not guest_l2)"));
	fx_close(&f);
}

/*
 * Stock lttng-modules on 6.1+: never any kvm_x86_nested_vmrun. The VMRUN exit alone
 * sends the next entry to L2, and the facade warns of the recording defect.
 */
static void test_no_nested_vmrun_events_fallback(void **state)
{
	struct fx f;

	(void)state;
	fx_open(&f, NULL);
	sw(&f, 100, 0, 0, RUNNABLE, 1001);
	entry(&f, 200, 0, 1001, 0);
	svm_exit(&f, 300, 1001, SVM_VMRUN);
	entry(&f, 320, 0, 1001, 0);
	svm_exit(&f, 400, 1001, SVM_NPF);
	nested_ev(&f, 401, 0, 1001, VF_EV_KVM_NESTED_VMEXIT, SVM);
	entry(&f, 420, 0, 1001, 0);
	svm_exit(&f, 500, 1001, SVM_HLT);
	nested_ev(&f, 501, 0, 1001, VF_EV_KVM_NESTED_VMEXIT, SVM);
	nested_ev(&f, 502, 0, 1001, VF_EV_KVM_NESTED_VMEXIT_INJECT, SVM);
	entry(&f, 520, 0, 1001, 0);
	svm_exit(&f, 550, 1001, SVM_VMRUN);
	entry(&f, 560, 0, 1001, 0);
	finish(&f, 600);
	f.prefix = "VMs/1000/vCPUs/0/Status";
	CHECK(&f, {"VMs/1000/vCPUs/0/Status", 100, 200, "hypervisor"},
	      {"VMs/1000/vCPUs/0/Status", 200, 300, "guest"},
	      {"VMs/1000/vCPUs/0/Status", 300, 320, "hypervisor"},
	      {"VMs/1000/vCPUs/0/Status", 320, 400, "guest_l2"},
	      {"VMs/1000/vCPUs/0/Status", 400, 420, "hypervisor"},
	      {"VMs/1000/vCPUs/0/Status", 420, 500, "guest_l2"},
	      {"VMs/1000/vCPUs/0/Status", 500, 520, "hypervisor"},
	      {"VMs/1000/vCPUs/0/Status", 520, 550, "guest"},
	      {"VMs/1000/vCPUs/0/Status", 550, 560, "hypervisor"},
	      {"VMs/1000/vCPUs/0/Status", 560, 600, "guest_l2"});
	assert_int_equal(vf_analysis_borrow_counters(f.a)->nested_entry_count, 3);
	assert_int_equal(vf_analysis_borrow_counters(f.a)->unconfirmed_vmrun_count, 0);
	assert_true(has_warning(
		&f, "2 SVM VMRUN exits but no kvm_x86_nested_vmrun event: nested guests ran but "
		    "lttng-modules did not record their entries (stock 2.13 on 6.1+ probes the "
		    "renamed tracepoint, or the event was not enabled); nested results are "
		    "incomplete"));
	fx_close(&f);
}

/* VMX without any kvm_x86_nested_* event: VMLAUNCH then VMRESUME enter L2, no CR3 needed. */
static void test_vmx_vmlaunch_no_cr3(void **state)
{
	struct fx f;

	(void)state;
	fx_open(&f, NULL);
	sw(&f, 100, 0, 0, RUNNABLE, 1001);
	entry(&f, 200, 0, 1001, 0);
	vexit(&f, 300, 0, 1001, 0, VMLAUNCH);
	entry(&f, 320, 0, 1001, 0);
	vexit(&f, 400, 0, 1001, 0, EXTERNAL_INTERRUPT);
	nested_ev(&f, 401, 0, 1001, VF_EV_KVM_NESTED_VMEXIT_INJECT, VMX);
	entry(&f, 420, 0, 1001, 0);
	vexit(&f, 500, 0, 1001, 0, VMRESUME);
	entry(&f, 520, 0, 1001, 0);
	finish(&f, 600);
	f.prefix = "VMs/1000/vCPUs/0/Status";
	CHECK(&f, {"VMs/1000/vCPUs/0/Status", 100, 200, "hypervisor"},
	      {"VMs/1000/vCPUs/0/Status", 200, 300, "guest"},
	      {"VMs/1000/vCPUs/0/Status", 300, 320, "hypervisor"},
	      {"VMs/1000/vCPUs/0/Status", 320, 400, "guest_l2"},
	      {"VMs/1000/vCPUs/0/Status", 400, 420, "hypervisor"},
	      {"VMs/1000/vCPUs/0/Status", 420, 500, "guest"},
	      {"VMs/1000/vCPUs/0/Status", 500, 520, "hypervisor"},
	      {"VMs/1000/vCPUs/0/Status", 520, 600, "guest_l2"});
	f.prefix = "VMs/1000/Nested/";
	check(&f, NULL, 0);
	/* VMX exits are not SVM VMRUN exits: no recording-defect warning */
	{
		size_t n, i;
		const char *const *w = vf_analysis_borrow_warnings(f.a, &n);

		for (i = 0; i < n; i++) {
			assert_null(strstr(w[i], "nested_vmrun"));
		}
	}
	fx_close(&f);
}

/* A kernel that records nested VM-entries on VMX too: VMRESUME + nested_vmrun. */
static void test_vmx_with_nested_vmrun(void **state)
{
	struct fx f;

	(void)state;
	fx_open(&f, NULL);
	sw(&f, 100, 0, 0, RUNNABLE, 1001);
	entry(&f, 200, 0, 1001, 0);
	vexit(&f, 300, 0, 1001, 0, VMRESUME);
	nested_ev(&f, 305, 0, 1001, VF_EV_KVM_NESTED_VMRUN, VMX);
	entry(&f, 320, 0, 1001, 0);
	vexit(&f, 400, 0, 1001, 0, EPT_VIOLATION);
	nested_ev(&f, 401, 0, 1001, VF_EV_KVM_NESTED_VMEXIT, VMX);
	entry(&f, 420, 0, 1001, 0);
	finish(&f, 500);
	f.prefix = "VMs/1000/vCPUs/0/Status";
	CHECK(&f, {"VMs/1000/vCPUs/0/Status", 100, 200, "hypervisor"},
	      {"VMs/1000/vCPUs/0/Status", 200, 300, "guest"},
	      {"VMs/1000/vCPUs/0/Status", 300, 320, "hypervisor"},
	      {"VMs/1000/vCPUs/0/Status", 320, 400, "guest_l2"},
	      {"VMs/1000/vCPUs/0/Status", 400, 420, "hypervisor"},
	      {"VMs/1000/vCPUs/0/Status", 420, 500, "guest_l2"});
	fx_close(&f);
}

/* The facade feeds every event to the sanity checks, unrecognised ones included. */
static void test_sanity_warnings_in_facade(void **state)
{
	struct fx f;
	struct vf_event ev;

	(void)state;
	fx_open(&f, NULL);
	ev = base(&f, 100, 0, VF_EV_OTHER, 1001);
	ev.name = "kvm_set_irq";
	feed(&f, &ev);
	ev = base(&f, 110, 0, VF_EV_OTHER, 1001);
	ev.name = "kvm_userspace_exit";
	feed(&f, &ev);
	ev = base(&f, 120, 0, VF_EV_OTHER, 1001);
	ev.name = "block_rq_issue"; /* not a kvm event */
	feed(&f, &ev);
	finish(&f, 200);
	assert_true(has_warning(&f, "no VM activity found (no kvm events in the trace)"));
	assert_true(has_warning(
		&f, "2 generic kvm events (kvm_userspace_exit, kvm_set_irq, ...) but no "
		    "kvm_x86_entry/kvm_x86_exit: the lttng-modules kvm-x86 probe was not built or "
		    "not enabled (vmtests/check-host.sh tells which)"));
	fx_close(&f);

	/* vcpu_id with pointer bits (stock lttng-modules' kvm_x86_entry) */
	fx_open(&f, NULL);
	sw(&f, 100, 0, 0, RUNNABLE, 1001);
	entry(&f, 200, 0, 1001, 3000000000u);
	vexit(&f, 300, 0, 1001, 0, HLT);
	entry(&f, 400, 0, 1001, 3000000001u);
	finish(&f, 500);
	assert_true(has_warning(
		&f, "2 kvm entry/exit events carry a vcpu_id above 65535 (largest 3000000001): "
		    "lttng-modules recorded pointer bits, its kvm_x86_entry probe does not match "
		    "this kernel (stock 2.13 on 6.1+; see vmtests/lttng-modules)"));
	fx_close(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_svm_no_cr3_guest_l2),
		cmocka_unit_test(test_nested_survives_preemption),
		cmocka_unit_test(test_unconfirmed_vmrun_resumes_l1),
		cmocka_unit_test(test_no_nested_vmrun_events_fallback),
		cmocka_unit_test(test_vmx_vmlaunch_no_cr3),
		cmocka_unit_test(test_vmx_with_nested_vmrun),
		cmocka_unit_test(test_sanity_warnings_in_facade),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
