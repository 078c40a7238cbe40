/* SPDX-License-Identifier: MIT */
/*
 * test_exit_stats.c - exit statistics: counts, min/max/mean/stddev computed by
 * hand, rows per (VM, vCPU, isa, reason), flag bits, SVM names, UNKNOWN_<n>,
 * and exit -> next entry durations measured by the exits analysis.
 */
#include "common/testutil.h"

#include <math.h>
#include <string.h>

#include "analyses/analysis.h"
#include "analyses/exit_stats.h"
#include "model/exit_reasons.h"

static void add(struct vf_exit_stats *s, int32_t pid, uint32_t vcpu, uint32_t isa,
		uint32_t reason, int64_t ns)
{
	struct vf_error err = {0};

	assert_int_equal(vf_exit_stats_add(s, pid, vcpu, isa, reason, ns, &err), VF_OK);
}

static void test_counts_min_max_mean_stddev(void **state)
{
	struct vf_exit_stats s;
	const struct vf_exit_stat_row *r;

	(void)state;
	vf_exit_stats_init(&s);
	add(&s, 1000, 0, 1, 12, 100);
	add(&s, 1000, 0, 1, 12, 400);
	add(&s, 1000, 0, 1, 12, 200);
	add(&s, 1000, 0, 1, 12, 300);
	assert_int_equal(s.row_count, 1);
	r = &s.rows[0];
	assert_int_equal(r->count, 4);
	assert_int_equal(r->total_ns, 1000);
	assert_int_equal(r->min_ns, 100);
	assert_int_equal(r->max_ns, 400);
	/* mean 250; deviations -150 -50 50 150; variance (22500+2500+2500+22500)/4 = 12500 */
	assert_true(fabs(vf_exit_stat_mean_ns(r) - 250.0) < 1e-9);
	assert_true(fabs(vf_exit_stat_stddev_ns(r) - 111.80339887498948) < 1e-9);
	assert_int_equal(s.open_at_end_count, 0);
	vf_exit_stats_fini(&s);
}

static void test_single_exit_has_zero_stddev(void **state)
{
	struct vf_exit_stats s;

	(void)state;
	vf_exit_stats_init(&s);
	add(&s, 1000, 3, 1, 48, 70);
	assert_true(fabs(vf_exit_stat_mean_ns(&s.rows[0]) - 70.0) < 1e-9);
	assert_true(vf_exit_stat_stddev_ns(&s.rows[0]) == 0.0);
	assert_int_equal(s.rows[0].min_ns, 70);
	assert_int_equal(s.rows[0].max_ns, 70);
	vf_exit_stats_fini(&s);
}

static void test_rows_per_vm_vcpu_and_reason_in_order_of_appearance(void **state)
{
	struct vf_exit_stats s;

	(void)state;
	vf_exit_stats_init(&s);
	add(&s, 1000, 0, 1, 12, 10);
	add(&s, 2000, 0, 1, 12, 30); /* same vcpu_id, other VM: its own row */
	add(&s, 1000, 0, 1, 48, 5);
	add(&s, 1000, 1, 1, 12, 7);
	add(&s, 1000, 0, 1, 12, 20);
	assert_int_equal(s.row_count, 4);
	assert_int_equal(s.rows[0].vm_pid, 1000);
	assert_int_equal(s.rows[0].vcpu_id, 0);
	assert_int_equal(s.rows[0].reason, 12);
	assert_int_equal(s.rows[0].count, 2);
	assert_int_equal(s.rows[0].total_ns, 30);
	assert_int_equal(s.rows[1].vm_pid, 2000);
	assert_int_equal(s.rows[1].count, 1);
	assert_int_equal(s.rows[1].total_ns, 30);
	assert_int_equal(s.rows[2].reason, 48);
	assert_int_equal(s.rows[2].total_ns, 5);
	assert_int_equal(s.rows[3].vcpu_id, 1);
	assert_int_equal(s.rows[3].total_ns, 7);
	vf_exit_stats_fini(&s);
}

static void test_vmx_flag_bits_masked_svm_codes_kept(void **state)
{
	struct vf_exit_stats s;

	(void)state;
	vf_exit_stats_init(&s);
	add(&s, 1000, 0, 1, 0x8000000Cu, 10); /* VM-entry failure flag + HLT */
	add(&s, 1000, 0, 1, 12, 20);
	add(&s, 1000, 0, 2, 0x78, 5);       /* SVM HLT: another isa, another row */
	add(&s, 1000, 0, 2, 0x10078, 6);    /* SVM codes are not masked */
	assert_int_equal(s.row_count, 3);
	assert_int_equal(s.rows[0].isa, 1);
	assert_int_equal(s.rows[0].reason, 12);
	assert_int_equal(s.rows[0].count, 2);
	assert_int_equal(s.rows[1].isa, 2);
	assert_int_equal(s.rows[1].reason, 0x78);
	assert_int_equal(s.rows[2].reason, 0x10078);
	vf_exit_stats_fini(&s);
}

static void test_exit_reason_names(void **state)
{
	char buf[32];

	(void)state;
	assert_string_equal(vf_exit_reason_name(1, 12, buf, sizeof(buf)), "HLT");
	assert_string_equal(vf_exit_reason_name(1, 0x8000000Cu, buf, sizeof(buf)), "HLT");
	assert_string_equal(vf_exit_reason_name(1, 48, buf, sizeof(buf)), "EPT_VIOLATION");
	assert_string_equal(vf_exit_reason_name(2, 0x78, buf, sizeof(buf)), "HLT");
	assert_string_equal(vf_exit_reason_name(2, 0x400, buf, sizeof(buf)), "NPF");
	assert_string_equal(vf_exit_reason_name(2, 0x80, buf, sizeof(buf)), "VMRUN");
	assert_string_equal(vf_exit_reason_name(1, 99, buf, sizeof(buf)), "UNKNOWN_99");
	assert_string_equal(vf_exit_reason_name(1, 0x80000063u, buf, sizeof(buf)), "UNKNOWN_99");
	assert_string_equal(vf_exit_reason_name(1, 0x78, buf, sizeof(buf)), "UNKNOWN_120");
	assert_string_equal(vf_exit_reason_name(2, 0x9999, buf, sizeof(buf)), "UNKNOWN_39321");
	assert_true(vf_exit_reason_is_hlt(2, 0x78));
	assert_false(vf_exit_reason_is_hlt(1, 0x78));
}

static void test_negative_duration_is_an_internal_error(void **state)
{
	struct vf_exit_stats s;
	struct vf_error err = {0};

	(void)state;
	vf_exit_stats_init(&s);
	assert_int_equal(vf_exit_stats_add(&s, 1000, 0, 1, 12, -5, &err), VF_ERR_INTERNAL);
	assert_int_equal(s.row_count, 0);
	vf_exit_stats_fini(&s);
}

static void test_many_distinct_rows(void **state)
{
	struct vf_exit_stats s;
	int64_t i;

	(void)state;
	vf_exit_stats_init(&s);
	for (i = 1; i <= 3000; i++) {
		add(&s, (int32_t)(1000 + i % 7), (uint32_t)i, 1, (uint32_t)(i % 60), i);
	}
	for (i = 1; i <= 3000; i++) {
		add(&s, (int32_t)(1000 + i % 7), (uint32_t)i, 1, (uint32_t)(i % 60), 2 * i);
	}
	assert_int_equal(s.row_count, 3000);
	for (i = 1; i <= 3000; i++) {
		const struct vf_exit_stat_row *r = &s.rows[i - 1];

		assert_int_equal(r->vcpu_id, i);
		assert_int_equal(r->count, 2);
		assert_int_equal(r->total_ns, 3 * i);
		assert_int_equal(r->min_ns, i);
		assert_int_equal(r->max_ns, 2 * i);
	}
	vf_exit_stats_fini(&s);
}

/* ---- through the analyses ---- */

static void feed(struct vf_analysis *a, struct vf_event ev)
{
	struct vf_error err = {0};

	assert_int_equal(vf_analysis_event(a, &ev, &err), VF_OK);
}

static struct vf_event ev_at(int64_t ts, enum vf_event_kind kind, int32_t tid)
{
	struct vf_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.ts_ns = ts;
	ev.kind = kind;
	ev.tid = tid;
	ev.pid = tid / 1000 * 1000;
	return ev;
}

static struct vf_event sw(int64_t ts, int32_t prev, int64_t prev_state, int32_t next)
{
	struct vf_event ev = ev_at(ts, VF_EV_SCHED_SWITCH, prev);

	ev.u.sched_switch.prev_tid = prev;
	ev.u.sched_switch.prev_state = prev_state;
	ev.u.sched_switch.next_tid = next;
	return ev;
}

static struct vf_event entry(int64_t ts, int32_t tid, uint32_t vcpu)
{
	struct vf_event ev = ev_at(ts, VF_EV_KVM_ENTRY, tid);

	ev.u.kvm_entry.vcpu_id = vcpu;
	return ev;
}

static struct vf_event vexit(int64_t ts, int32_t tid, uint32_t vcpu, uint32_t reason)
{
	struct vf_event ev = ev_at(ts, VF_EV_KVM_EXIT, tid);

	ev.u.kvm_exit.exit_reason = reason;
	ev.u.kvm_exit.isa = 1;
	ev.u.kvm_exit.vcpu_id = vcpu;
	ev.u.kvm_exit.has_vcpu_id = true;
	return ev;
}

static void test_exit_lasts_until_next_entry_preemption_included(void **state)
{
	struct vf_error err = {0};
	struct vf_history *h = vf_history_new(VMFLOW_TEST_TMP, &err);
	struct vf_analysis *a = vf_analysis_new(h, NULL, &err);
	const struct vf_exit_stats *s;

	(void)state;
	assert_non_null(a);
	feed(a, sw(100, 0, 0, 1001));
	feed(a, entry(200, 1001, 0));
	feed(a, vexit(300, 1001, 0, 48));
	feed(a, entry(350, 1001, 0));               /* EPT_VIOLATION: 50 */
	feed(a, vexit(400, 1001, 0, 1));
	feed(a, sw(450, 1001, 0, 300));             /* preempted while handling it */
	feed(a, sw(600, 300, 1, 1001));
	feed(a, entry(650, 1001, 0));               /* EXTERNAL_INTERRUPT: 250 */
	feed(a, vexit(700, 1001, 0, 48));
	feed(a, vexit(720, 1001, 0, 48));           /* entry lost: the first one is dropped */
	feed(a, entry(800, 1001, 0));               /* EPT_VIOLATION: 80 */
	feed(a, vexit(900, 1001, 0, 12));           /* still open at the end */
	assert_int_equal(vf_analysis_finish(a, 1000, &err), VF_OK);
	s = vf_analysis_borrow_exit_stats(a);
	assert_int_equal(s->row_count, 2);
	assert_int_equal(s->rows[0].vm_pid, 1000);
	assert_int_equal(s->rows[0].vcpu_id, 0);
	assert_int_equal(s->rows[0].reason, 48);
	assert_int_equal(s->rows[0].count, 2);
	assert_int_equal(s->rows[0].total_ns, 130);
	assert_int_equal(s->rows[0].min_ns, 50);
	assert_int_equal(s->rows[0].max_ns, 80);
	assert_int_equal(s->rows[1].reason, 1);
	assert_int_equal(s->rows[1].count, 1);
	assert_int_equal(s->rows[1].total_ns, 250);
	assert_int_equal(s->open_at_end_count, 1);
	assert_int_equal(vf_history_check(h, &err), VF_OK);
	vf_analysis_free(a);
	vf_history_free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counts_min_max_mean_stddev),
		cmocka_unit_test(test_single_exit_has_zero_stddev),
		cmocka_unit_test(test_rows_per_vm_vcpu_and_reason_in_order_of_appearance),
		cmocka_unit_test(test_vmx_flag_bits_masked_svm_codes_kept),
		cmocka_unit_test(test_exit_reason_names),
		cmocka_unit_test(test_negative_duration_is_an_internal_error),
		cmocka_unit_test(test_many_distinct_rows),
		cmocka_unit_test(test_exit_lasts_until_next_entry_preemption_included),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
