/* SPDX-License-Identifier: MIT */
/*
 * test_trace_sanity.c - the lttng-modules defect detector: a stock-2.13.9
 * vcpu_id (pointer bits, as observed on Debian 6.1.192: 2219063456), SVM
 * VMRUN exits with no kvm_x86_nested_vmrun, generic kvm events without the
 * x86 probe; and no warning for a sane trace. Also on the REAL traces of
 * corpora/real read through the project's reader: the stock-lttng-modules
 * trace shows both defects with the counts babeltrace2 gave (facts.tsv),
 * the patched one none.
 */
#include "common/testutil.h"

#include <string.h>

#include "analyses/trace_sanity.h"
#include "input/reader.h"

#include <stdio.h>

static struct vf_event ev_kind(enum vf_event_kind kind, const char *name)
{
	struct vf_event ev;
	memset(&ev, 0, sizeof(ev));
	ev.kind = kind;
	ev.name = name;
	ev.pid = 100;
	ev.tid = 101;
	return ev;
}

static struct vf_event entry(uint32_t vcpu)
{
	struct vf_event ev = ev_kind(VF_EV_KVM_ENTRY, "kvm_x86_entry");
	ev.u.kvm_entry.vcpu_id = vcpu;
	return ev;
}

static struct vf_event svm_exit(uint32_t vcpu, uint32_t reason)
{
	struct vf_event ev = ev_kind(VF_EV_KVM_EXIT, "kvm_x86_exit");
	ev.u.kvm_exit.isa = 2;
	ev.u.kvm_exit.exit_reason = reason;
	ev.u.kvm_exit.vcpu_id = vcpu;
	ev.u.kvm_exit.has_vcpu_id = true;
	return ev;
}

static struct vf_trace_sanity *mk(void)
{
	struct vf_error err = {0};
	struct vf_trace_sanity *s = vf_trace_sanity_new(&err);
	assert_non_null(s);
	return s;
}

static void feed(struct vf_trace_sanity *s, struct vf_event ev)
{
	vf_trace_sanity_event(s, &ev);
}

static void test_sane_trace_no_warning(void **state)
{
	char w[VF_TRACE_SANITY_MAX_WARNINGS][VF_TRACE_SANITY_MSG_LEN];
	struct vf_trace_sanity *s = mk();
	(void)state;
	for (int i = 0; i < 10; i++) {
		feed(s, svm_exit(i % 2, 0x078));
		feed(s, entry(i % 2));
	}
	feed(s, svm_exit(1, 0x080)); /* nested: VMRUN exit, then its nested_vmrun */
	feed(s, ev_kind(VF_EV_KVM_NESTED_VMRUN, "kvm_x86_nested_vmrun"));
	feed(s, ev_kind(VF_EV_OTHER, "kvm_userspace_exit"));
	assert_int_equal(vf_trace_sanity_warnings(s, w, VF_TRACE_SANITY_MAX_WARNINGS), 0);
	assert_int_equal(vf_trace_sanity_borrow_counts(s)->entry_exit_count, 21);
	assert_int_equal(vf_trace_sanity_borrow_counts(s)->svm_vmrun_exit_count, 1);
	vf_trace_sanity_free(s);
}

static void test_pointer_vcpu_id(void **state)
{
	char w[VF_TRACE_SANITY_MAX_WARNINGS][VF_TRACE_SANITY_MSG_LEN];
	struct vf_trace_sanity *s = mk();
	(void)state;
	feed(s, svm_exit(1, 0x078));
	feed(s, entry(2219063456u)); /* the value seen with stock 2.13.9 on 6.1.192 */
	feed(s, entry(2219063456u));
	feed(s, entry(65535)); /* the limit itself is plausible */
	assert_int_equal(vf_trace_sanity_warnings(s, w, VF_TRACE_SANITY_MAX_WARNINGS), 1);
	assert_non_null(strstr(w[0], "2 kvm entry/exit events carry a vcpu_id above 65535 (largest 2219063456)"));
	vf_trace_sanity_free(s);
}

static void test_vmrun_without_nested_vmrun(void **state)
{
	char w[VF_TRACE_SANITY_MAX_WARNINGS][VF_TRACE_SANITY_MSG_LEN];
	struct vf_trace_sanity *s = mk();
	struct vf_event vmx;
	(void)state;
	feed(s, svm_exit(0, 0x080));
	feed(s, svm_exit(0, 0x080));
	feed(s, svm_exit(0, 0x080));
	vmx = svm_exit(0, 0x080); /* reason 128 under VMX is not VMRUN */
	vmx.u.kvm_exit.isa = 1;
	feed(s, vmx);
	assert_int_equal(vf_trace_sanity_warnings(s, w, VF_TRACE_SANITY_MAX_WARNINGS), 1);
	assert_non_null(strstr(w[0], "3 SVM VMRUN exits but no kvm_x86_nested_vmrun event"));
	vf_trace_sanity_free(s);
}

static void test_x86_probe_missing(void **state)
{
	char w[VF_TRACE_SANITY_MAX_WARNINGS][VF_TRACE_SANITY_MSG_LEN];
	struct vf_trace_sanity *s = mk();
	(void)state;
	feed(s, ev_kind(VF_EV_OTHER, "kvm_userspace_exit"));
	feed(s, ev_kind(VF_EV_OTHER, "kvm_set_irq"));
	feed(s, ev_kind(VF_EV_OTHER, "sched_stat_runtime"));
	feed(s, ev_kind(VF_EV_OTHER, NULL));
	assert_int_equal(vf_trace_sanity_warnings(s, w, VF_TRACE_SANITY_MAX_WARNINGS), 1);
	assert_non_null(strstr(w[0], "2 generic kvm events"));
	assert_non_null(strstr(w[0], "kvm-x86 probe was not built"));
	/* max limits the output */
	assert_int_equal(vf_trace_sanity_warnings(s, w, 0), 0);
	vf_trace_sanity_free(s);
}

static void test_all_three(void **state)
{
	char w[VF_TRACE_SANITY_MAX_WARNINGS][VF_TRACE_SANITY_MSG_LEN];
	struct vf_trace_sanity *s = mk();
	(void)state;
	feed(s, ev_kind(VF_EV_OTHER, "kvm_set_irq"));
	assert_int_equal(vf_trace_sanity_warnings(s, w, VF_TRACE_SANITY_MAX_WARNINGS), 1);
	feed(s, entry(4000000000u));
	feed(s, svm_exit(4000000000u, 0x080));
	/* entries exist now: the missing-probe warning is gone, two others appear */
	assert_int_equal(vf_trace_sanity_warnings(s, w, VF_TRACE_SANITY_MAX_WARNINGS), 2);
	assert_non_null(strstr(w[0], "vcpu_id above"));
	assert_non_null(strstr(w[1], "SVM VMRUN exits"));
	vf_trace_sanity_free(s);
}

static enum vf_status feed_cb(void *user, const struct vf_event *ev, struct vf_error *err)
{
	(void)err;
	vf_trace_sanity_event(user, ev);
	return VF_OK;
}

/* Extracts corpora/real/<name>/trace.tar.xz and runs the detector over it. */
static struct vf_trace_sanity *read_real(const char *name)
{
	char cmd[8192], path[4096];
	struct vf_error err = {0};
	struct vf_trace_info info;
	struct vf_trace_sanity *s = mk();
	struct vf_reader_callbacks cbs = {.user = s, .event = feed_cb};
	const char *dir = vf_test_tmpdir(name);

	snprintf(cmd, sizeof(cmd), "tar -xJf '%s/corpora/real/%s/trace.tar.xz' -C '%s'",
		 VMFLOW_SOURCE_DIR, name, dir);
	assert_int_equal(vf_test_run(cmd, NULL, 0), 0);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	vf_trace_info_init(&info);
	assert_int_equal(vf_trace_read(path, &cbs, &info, &err), VF_OK);
	return s;
}

static void test_real_stock_lttng_trace(void **state)
{
	char w[VF_TRACE_SANITY_MAX_WARNINGS][VF_TRACE_SANITY_MSG_LEN];
	struct vf_trace_sanity *s = read_real("tcg-svm-stock-lttng");
	const struct vf_trace_sanity_counts *c = vf_trace_sanity_borrow_counts(s);
	(void)state;
	/* facts.tsv (babeltrace2): bad_vcpu_id_events 53454, max_entry_vcpu_id
	 * 1159699536, 2 x 53454 entries+exits, VMRUN exits 6 + 10, no nested_vmrun */
	assert_int_equal(c->bad_vcpu_id_count, 53454);
	assert_int_equal(c->max_bad_vcpu_id, 1159699536u);
	assert_int_equal(c->entry_exit_count, 2 * 53454);
	assert_int_equal(c->svm_vmrun_exit_count, 16);
	assert_int_equal(c->nested_vmrun_count, 0);
	assert_int_equal(vf_trace_sanity_warnings(s, w, VF_TRACE_SANITY_MAX_WARNINGS), 2);
	assert_non_null(strstr(w[0], "53454 kvm entry/exit events carry a vcpu_id above 65535"));
	assert_non_null(strstr(w[1], "16 SVM VMRUN exits but no kvm_x86_nested_vmrun event"));
	vf_trace_sanity_free(s);
}

static void test_real_patched_trace(void **state)
{
	char w[VF_TRACE_SANITY_MAX_WARNINGS][VF_TRACE_SANITY_MSG_LEN];
	struct vf_trace_sanity *s = read_real("tcg-svm-nested");
	const struct vf_trace_sanity_counts *c = vf_trace_sanity_borrow_counts(s);
	(void)state;
	/* facts.tsv: 54261 kvm_x86_entry and 54261 kvm_x86_exit, VMRUN 12 + 5, 17 nested_vmrun,
	 * 22312 kvm_userspace_exit + 3174 kvm_set_irq */
	assert_int_equal(c->entry_exit_count, 2 * 54261);
	assert_int_equal(c->bad_vcpu_id_count, 0);
	assert_int_equal(c->svm_vmrun_exit_count, 17);
	assert_int_equal(c->nested_vmrun_count, 17);
	assert_int_equal(c->generic_kvm_count, 22312 + 3174);
	assert_int_equal(vf_trace_sanity_warnings(s, w, VF_TRACE_SANITY_MAX_WARNINGS), 0);
	vf_trace_sanity_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sane_trace_no_warning),
		cmocka_unit_test(test_pointer_vcpu_id),
		cmocka_unit_test(test_vmrun_without_nested_vmrun),
		cmocka_unit_test(test_x86_probe_missing),
		cmocka_unit_test(test_all_three),
		cmocka_unit_test(test_real_stock_lttng_trace),
		cmocka_unit_test(test_real_patched_trace),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
