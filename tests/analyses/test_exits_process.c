/* SPDX-License-Identifier: MIT */
/*
 * test_exits_process.c - exit statistics per guest process (CR3) and perf's
 * relative standard error, from hand-built event sequences (feed.h).
 */
#include "analyses/feed.h"

#include <math.h>

#include "analyses/exit_stats.h"

static const struct vf_exit_stat_row *prow(const struct vf_exit_stats *s, int32_t pid, uint64_t cr3,
					   uint32_t reason)
{
	size_t i;

	for (i = 0; i < s->row_count; i++) {
		if (s->rows[i].vm_pid == pid && s->rows[i].cr3 == cr3 && s->rows[i].reason == reason) {
			assert_int_equal(s->rows[i].vcpu_id, VF_EXIT_STATS_ANY_VCPU);
			return &s->rows[i];
		}
	}
	return NULL;
}

/* The exit is charged to the CR3 loaded at the entry before it (addons_vcpu_enter_guest). */
static void test_exit_charged_to_cr3_of_last_entry(void **state)
{
	struct fx f;
	const struct vf_exit_stats *s;
	const struct vf_exit_stat_row *r;

	(void)state;
	fx_open(&f, NULL);
	sw(&f, 100, 0, 0, RUNNABLE, 1001);
	entry(&f, 200, 0, 1001, 0);                     /* bound here: CR3 not known yet */
	vexit(&f, 300, 0, 1001, 0, EPT_VIOLATION);      /* not charged to a process */
	enter_guest(&f, 390, 0, 1001, 0, 0xa000, 0);
	entry(&f, 400, 0, 1001, 0);
	vexit(&f, 500, 0, 1001, 0, EPT_VIOLATION);      /* 0xa000: 50 ns */
	enter_guest(&f, 540, 0, 1001, 0, 0xb000, 0);
	entry(&f, 550, 0, 1001, 0);
	vexit(&f, 600, 0, 1001, 0, EPT_VIOLATION);      /* 0xb000: 70 ns */
	enter_guest(&f, 660, 0, 1001, 0, 0xa000, 0);
	entry(&f, 670, 0, 1001, 0);
	vexit(&f, 700, 0, 1001, 0, IO_INSTRUCTION);     /* 0xa000: 30 ns */
	entry(&f, 730, 0, 1001, 0);
	finish(&f, 1000);
	s = vf_analysis_borrow_process_exit_stats(f.a);
	assert_int_equal(s->row_count, 3);
	r = prow(s, 1000, 0xa000, EPT_VIOLATION);
	assert_non_null(r);
	assert_int_equal(r->count, 1);
	assert_int_equal(r->total_ns, 50);
	r = prow(s, 1000, 0xb000, EPT_VIOLATION);
	assert_non_null(r);
	assert_int_equal(r->total_ns, 70);
	r = prow(s, 1000, 0xa000, IO_INSTRUCTION);
	assert_non_null(r);
	assert_int_equal(r->total_ns, 30);
	/* the per-vCPU table still has all four */
	s = vf_analysis_borrow_exit_stats(f.a);
	assert_int_equal(s->rows[0].count + s->rows[1].count, 4);
	fx_close(&f);
}

/* A kvm_x86_cr write of CR3 during an exit takes effect at the next entry. */
static void test_cr3_write_applies_from_next_entry(void **state)
{
	struct fx f;
	const struct vf_exit_stats *s;
	const struct vf_exit_stat_row *r;

	(void)state;
	fx_open(&f, NULL);
	sw(&f, 100, 0, 0, RUNNABLE, 1001);
	entry(&f, 200, 0, 1001, 0);
	vexit(&f, 300, 0, 1001, 0, CR_ACCESS);
	cr_write(&f, 310, 0, 1001, 3, 0x5000);
	entry(&f, 320, 0, 1001, 0);                     /* not charged: CR3 unknown at 300 */
	vexit(&f, 400, 0, 1001, 0, CR_ACCESS);          /* 0x5000 */
	cr_write(&f, 405, 0, 1001, 3, 0x6000);
	cr_write(&f, 406, 0, 1001, 4, 0x7777);          /* CR4: ignored */
	entry(&f, 420, 0, 1001, 0);
	vexit(&f, 500, 0, 1001, 0, CR_ACCESS);          /* 0x6000 */
	entry(&f, 510, 0, 1001, 0);
	finish(&f, 1000);
	s = vf_analysis_borrow_process_exit_stats(f.a);
	assert_int_equal(s->row_count, 2);
	r = prow(s, 1000, 0x5000, CR_ACCESS);
	assert_non_null(r);
	assert_int_equal(r->total_ns, 20);
	r = prow(s, 1000, 0x6000, CR_ACCESS);
	assert_non_null(r);
	assert_int_equal(r->total_ns, 10);
	fx_close(&f);
}

/* Thesis §11.1: the same CR3 value in two VMs is two processes. */
static void test_same_cr3_in_two_vms_is_two_processes(void **state)
{
	struct fx f;
	const struct vf_exit_stats *s;

	(void)state;
	fx_open(&f, NULL);
	sw(&f, 100, 0, 0, RUNNABLE, 1001);
	sw(&f, 100, 1, 0, RUNNABLE, 2001);
	enter_guest(&f, 150, 0, 1001, 0, 0xa000, 0);
	enter_guest(&f, 150, 1, 2001, 0, 0xa000, 0);
	entry(&f, 200, 0, 1001, 0);
	entry(&f, 200, 1, 2001, 0);
	enter_guest(&f, 250, 0, 1001, 0, 0xa000, 0);
	enter_guest(&f, 250, 1, 2001, 0, 0xa000, 0);
	entry(&f, 260, 0, 1001, 0);
	entry(&f, 260, 1, 2001, 0);
	vexit(&f, 300, 0, 1001, 0, HLT);
	vexit(&f, 300, 1, 2001, 0, HLT);
	entry(&f, 310, 0, 1001, 0);
	entry(&f, 340, 1, 2001, 0);
	finish(&f, 1000);
	s = vf_analysis_borrow_process_exit_stats(f.a);
	assert_int_equal(s->row_count, 2);
	assert_int_equal(prow(s, 1000, 0xa000, HLT)->total_ns, 10);
	assert_int_equal(prow(s, 2000, 0xa000, HLT)->total_ns, 40);
	fx_close(&f);
}

/* After lost events the CR3 is unknown until the next enter_guest. */
static void test_lost_events_forget_cr3(void **state)
{
	struct fx f;
	struct vf_error err = {0};
	const struct vf_exit_stats *s;

	(void)state;
	fx_open(&f, NULL);
	sw(&f, 100, 0, 0, RUNNABLE, 1001);
	enter_guest(&f, 150, 0, 1001, 0, 0xa000, 0);
	entry(&f, 200, 0, 1001, 0);
	assert_int_equal(vf_analysis_discarded(f.a, 0, 5, 250, 260, &err), VF_OK);
	sw(&f, 270, 0, 0, RUNNABLE, 1001);
	entry(&f, 280, 0, 1001, 0);
	vexit(&f, 300, 0, 1001, 0, HLT);
	entry(&f, 310, 0, 1001, 0);
	finish(&f, 1000);
	s = vf_analysis_borrow_process_exit_stats(f.a);
	assert_int_equal(s->row_count, 0);
	fx_close(&f);
}

/* perf's "( +- x% )": standard error of the mean (sample variance) relative to the mean. */
static void test_rel_stderr_matches_perf_definition(void **state)
{
	(void)state;
	/* 100, 200, 300 ns: mean 200, s^2 = 10000, s/sqrt(3) = 57.735 -> 28.8675 % */
	assert_true(fabs(vf_exit_stat_rel_stderr_pct(3, 600, 140000.0) - 28.867513) < 1e-5);
	assert_true(vf_exit_stat_rel_stderr_pct(1, 100, 10000.0) == 0.0);
	assert_true(vf_exit_stat_rel_stderr_pct(4, 400, 40000.0) == 0.0); /* all equal */
	assert_true(vf_exit_stat_rel_stderr_pct(0, 0, 0.0) == 0.0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exit_charged_to_cr3_of_last_entry),
		cmocka_unit_test(test_cr3_write_applies_from_next_entry),
		cmocka_unit_test(test_same_cr3_in_two_vms_is_two_processes),
		cmocka_unit_test(test_lost_events_forget_cr3),
		cmocka_unit_test(test_rel_stderr_matches_perf_definition),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
