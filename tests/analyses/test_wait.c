/* SPDX-License-Identifier: MIT */
/*
 * test_wait.c - wait analysis completions: the APICv fallback (HLT waits
 * labelled by kvm_x86_apic_accept_irq when no kvm_x86_inj_virq comes before
 * the entry), preset disk/network vector classes, and the thesis §11 bugs of
 * the wait classification. Hand-built event sequences (feed.h).
 */
#include "analyses/feed.h"

/* The "wait" rows of wakers.tsv (who woke the halted vCPUs). */
static char *wait_wakers(struct fx *f)
{
	struct vf_error err = {0};
	char *text = NULL, *rows;
	size_t size = 0;
	FILE *fp = open_memstream(&text, &size);

	assert_non_null(fp);
	assert_int_equal(vf_analysis_write_wakers(f->a, fp, &err), VF_OK);
	fclose(fp);
	rows = strstr(text, "\nwait\t");
	rows = strdup(rows ? rows + 1 : "");
	free(text);
	return rows;
}

/* vCPU 0 of VM 1000 runs from 100 on cpu 0, halts at 300 and blocks at 310. */
static void halt_vcpu0(struct fx *f)
{
	sw(f, 100, 0, 0, RUNNABLE, 1001);
	entry(f, 200, 0, 1001, 0);
	vexit(f, 300, 0, 1001, 0, HLT);
	sw(f, 310, 0, 1001, BLOCKED, 0);
}

/* APICv: the timer fires in an interrupt on the idle CPU (context: swapper), no injection. */
static void test_apicv_timer_from_idle_context(void **state)
{
	struct fx f;
	char *text;

	(void)state;
	fx_open(&f, NULL);
	halt_vcpu0(&f);
	accept_apic(&f, 1000, 0, 0, 0, 236);
	sw(&f, 1010, 0, 0, RUNNABLE, 1001);
	entry(&f, 1050, 0, 1001, 0);
	finish(&f, 1100);
	CHECK(&f, {"VMs/1000/vCPUs/0/Exit", 300, 310, "HLT"},
	      {"VMs/1000/vCPUs/0/Exit", 1010, 1050, "HLT"},
	      {"VMs/1000/vCPUs/0/Status", 100, 200, "hypervisor"},
	      {"VMs/1000/vCPUs/0/Status", 200, 300, "guest"},
	      {"VMs/1000/vCPUs/0/Status", 300, 310, "hypervisor"},
	      {"VMs/1000/vCPUs/0/Status", 310, 1010, "wait_timer"},
	      {"VMs/1000/vCPUs/0/Status", 1010, 1050, "hypervisor"},
	      {"VMs/1000/vCPUs/0/Status", 1050, 1100, "guest"});
	assert_int_equal(vf_analysis_borrow_counters(f.a)->accept_irq_wait_count, 1);
	text = wait_wakers(&f);
	assert_string_equal(text, "wait\ttimer\tvcpu:1000/0\ttimer\t1\n");
	free(text);
	fx_close(&f);
}

/* An IPI sent by vCPU 1 of the same VM: apicid 0 is vCPU 0 of the sender's VM. */
static void test_apicv_ipi_from_sibling_vcpu(void **state)
{
	struct fx f;
	char *text;

	(void)state;
	fx_open(&f, NULL);
	halt_vcpu0(&f);
	sw(&f, 400, 1, 0, RUNNABLE, 1002);
	entry(&f, 450, 1, 1002, 1);
	vexit(&f, 500, 1, 1002, 1, 32 /* MSR_WRITE: the ICR write */);
	accept_apic(&f, 505, 1, 1002, 0, 251);
	entry(&f, 510, 1, 1002, 1);
	sw(&f, 600, 0, 0, RUNNABLE, 1001);
	entry(&f, 650, 0, 1001, 0);
	finish(&f, 700);
	f.prefix = "VMs/1000/vCPUs/0/Status";
	CHECK(&f, {"VMs/1000/vCPUs/0/Status", 100, 200, "hypervisor"},
	      {"VMs/1000/vCPUs/0/Status", 200, 300, "guest"},
	      {"VMs/1000/vCPUs/0/Status", 300, 310, "hypervisor"},
	      {"VMs/1000/vCPUs/0/Status", 310, 600, "wait_task"},
	      {"VMs/1000/vCPUs/0/Status", 600, 650, "hypervisor"},
	      {"VMs/1000/vCPUs/0/Status", 650, 700, "guest"});
	/* who woke it: the vCPU that sent the IPI, not whatever ran where the wake-up was traced */
	text = wait_wakers(&f);
	assert_string_equal(text, "wait\tvcpu:1000/1\tvcpu:1000/0\ttask\t1\n");
	free(text);
	fx_close(&f);
}

/* Thesis §11.1: apicid 0 in VM 2000 is not VM 1000's vCPU 0 (same vcpu id). */
static void test_apicv_ipi_of_other_vm_does_not_label(void **state)
{
	struct fx f;

	(void)state;
	fx_open(&f, NULL);
	halt_vcpu0(&f);
	sw(&f, 400, 1, 0, RUNNABLE, 2001);
	entry(&f, 450, 1, 2001, 0);
	vexit(&f, 500, 1, 2001, 0, 32);
	accept_apic(&f, 505, 1, 2001, 0, 251); /* targets VM 2000's vCPU 0 (itself) */
	entry(&f, 510, 1, 2001, 0);
	sw(&f, 600, 0, 0, RUNNABLE, 1001);
	entry(&f, 650, 0, 1001, 0);
	finish(&f, 700);
	f.prefix = "VMs/1000/vCPUs/0/Status";
	CHECK(&f, {"VMs/1000/vCPUs/0/Status", 100, 200, "hypervisor"},
	      {"VMs/1000/vCPUs/0/Status", 200, 300, "guest"},
	      {"VMs/1000/vCPUs/0/Status", 300, 310, "hypervisor"},
	      {"VMs/1000/vCPUs/0/Status", 310, 600, "wait_unknown"},
	      {"VMs/1000/vCPUs/0/Status", 600, 650, "hypervisor"},
	      {"VMs/1000/vCPUs/0/Status", 650, 700, "guest"});
	fx_close(&f);
}

/* Two VMs' vCPU 0 both halted; a timer from an idle context: the one that ran on this CPU. */
static void test_apicv_idle_context_picks_vcpu_of_this_cpu(void **state)
{
	struct fx f;

	(void)state;
	fx_open(&f, NULL);
	halt_vcpu0(&f); /* VM 1000 vCPU 0 on cpu 0 */
	sw(&f, 100, 1, 0, RUNNABLE, 2001);
	entry(&f, 200, 1, 2001, 0);
	vexit(&f, 300, 1, 2001, 0, HLT);
	sw(&f, 310, 1, 2001, BLOCKED, 0);
	accept_apic(&f, 1000, 1, 0, 0, 236); /* on cpu 1: VM 2000's */
	sw(&f, 1010, 1, 0, RUNNABLE, 2001);
	entry(&f, 1050, 1, 2001, 0);
	sw(&f, 1060, 0, 0, RUNNABLE, 1001);
	entry(&f, 1070, 0, 1001, 0);
	finish(&f, 1100);
	f.prefix = "VMs/2000/vCPUs/0/Status";
	CHECK(&f, {"VMs/2000/vCPUs/0/Status", 100, 200, "hypervisor"},
	      {"VMs/2000/vCPUs/0/Status", 200, 300, "guest"},
	      {"VMs/2000/vCPUs/0/Status", 300, 310, "hypervisor"},
	      {"VMs/2000/vCPUs/0/Status", 310, 1010, "wait_timer"},
	      {"VMs/2000/vCPUs/0/Status", 1010, 1050, "hypervisor"},
	      {"VMs/2000/vCPUs/0/Status", 1050, 1100, "guest"});
	f.prefix = "VMs/1000/vCPUs/0/Status";
	CHECK(&f, {"VMs/1000/vCPUs/0/Status", 100, 200, "hypervisor"},
	      {"VMs/1000/vCPUs/0/Status", 200, 300, "guest"},
	      {"VMs/1000/vCPUs/0/Status", 300, 310, "hypervisor"},
	      {"VMs/1000/vCPUs/0/Status", 310, 1060, "wait_unknown"},
	      {"VMs/1000/vCPUs/0/Status", 1060, 1070, "hypervisor"},
	      {"VMs/1000/vCPUs/0/Status", 1070, 1100, "guest"});
	fx_close(&f);
}

/* A disk interrupt accepted from the QEMU main thread, no injection: wait_disk (learned). */
static void test_apicv_disk_from_main_thread(void **state)
{
	struct fx f;
	char *text;

	(void)state;
	fx_open(&f, NULL);
	halt_vcpu0(&f);
	accept_apic(&f, 800, 1, 1000, 0, 35);
	sw(&f, 810, 0, 0, RUNNABLE, 1001);
	entry(&f, 850, 0, 1001, 0);
	finish(&f, 900);
	f.prefix = "VMs/1000/vCPUs/0/Status";
	CHECK(&f, {"VMs/1000/vCPUs/0/Status", 100, 200, "hypervisor"},
	      {"VMs/1000/vCPUs/0/Status", 200, 300, "guest"},
	      {"VMs/1000/vCPUs/0/Status", 300, 310, "hypervisor"},
	      {"VMs/1000/vCPUs/0/Status", 310, 810, "wait_disk"},
	      {"VMs/1000/vCPUs/0/Status", 810, 850, "hypervisor"},
	      {"VMs/1000/vCPUs/0/Status", 850, 900, "guest"});
	text = wait_wakers(&f);
	assert_string_equal(text, "wait\tqemu:1000\tvcpu:1000/0\tdisk\t1\n");
	free(text);
	fx_close(&f);
}

/* The injection wins over the accept when both are seen (non-APICv host). */
static void test_injection_wins_over_accept(void **state)
{
	struct fx f;

	(void)state;
	fx_open(&f, NULL);
	halt_vcpu0(&f);
	accept_apic(&f, 1000, 0, 0, 0, 200); /* an unknown vector first ... */
	sw(&f, 1010, 0, 0, RUNNABLE, 1001);
	inj(&f, 1020, 0, 1001, 236);          /* ... but the injected timer labels it */
	entry(&f, 1050, 0, 1001, 0);
	finish(&f, 1100);
	f.prefix = "VMs/1000/vCPUs/0/Status";
	CHECK(&f, {"VMs/1000/vCPUs/0/Status", 100, 200, "hypervisor"},
	      {"VMs/1000/vCPUs/0/Status", 200, 300, "guest"},
	      {"VMs/1000/vCPUs/0/Status", 300, 310, "hypervisor"},
	      {"VMs/1000/vCPUs/0/Status", 310, 1010, "wait_timer"},
	      {"VMs/1000/vCPUs/0/Status", 1010, 1050, "hypervisor"},
	      {"VMs/1000/vCPUs/0/Status", 1050, 1100, "guest"});
	assert_int_equal(vf_analysis_borrow_counters(f.a)->accept_irq_wait_count, 0);
	fx_close(&f);
}

/* An accept before the HLT (vCPU running) does not label the next wait. */
static void test_accept_before_the_wait_is_ignored(void **state)
{
	struct fx f;

	(void)state;
	fx_open(&f, NULL);
	sw(&f, 100, 0, 0, RUNNABLE, 1001);
	entry(&f, 200, 0, 1001, 0);
	accept_apic(&f, 250, 1, 0, 0, 236);
	vexit(&f, 300, 0, 1001, 0, HLT);
	sw(&f, 310, 0, 1001, BLOCKED, 0);
	sw(&f, 1010, 0, 0, RUNNABLE, 1001);
	entry(&f, 1050, 0, 1001, 0);
	finish(&f, 1100);
	f.prefix = "VMs/1000/vCPUs/0/Status";
	CHECK(&f, {"VMs/1000/vCPUs/0/Status", 100, 200, "hypervisor"},
	      {"VMs/1000/vCPUs/0/Status", 200, 300, "guest"},
	      {"VMs/1000/vCPUs/0/Status", 300, 310, "hypervisor"},
	      {"VMs/1000/vCPUs/0/Status", 310, 1010, "wait_unknown"},
	      {"VMs/1000/vCPUs/0/Status", 1010, 1050, "hypervisor"},
	      {"VMs/1000/vCPUs/0/Status", 1050, 1100, "guest"});
	fx_close(&f);
}

/* Thesis §11.5: vector classes are configurable; preset disk / net vectors need no learning. */
static void test_preset_disk_and_net_vectors(void **state)
{
	struct fx f;
	struct vf_analysis_options opt;

	(void)state;
	vf_analysis_options_init(&opt);
	opt.disk_vectors[0] = 40;
	opt.disk_vector_count = 1;
	opt.net_vectors[0] = 41;
	opt.net_vector_count = 1;
	fx_open(&f, &opt);
	halt_vcpu0(&f);
	sw(&f, 1000, 0, 0, RUNNABLE, 1001);
	inj(&f, 1020, 0, 1001, 40);
	entry(&f, 1050, 0, 1001, 0);
	vexit(&f, 1100, 0, 1001, 0, HLT);
	sw(&f, 1110, 0, 1001, BLOCKED, 0);
	sw(&f, 2000, 0, 0, RUNNABLE, 1001);
	inj(&f, 2020, 0, 1001, 41);
	entry(&f, 2050, 0, 1001, 0);
	finish(&f, 2100);
	f.prefix = "VMs/1000/vCPUs/0/Status";
	CHECK(&f, {"VMs/1000/vCPUs/0/Status", 100, 200, "hypervisor"},
	      {"VMs/1000/vCPUs/0/Status", 200, 300, "guest"},
	      {"VMs/1000/vCPUs/0/Status", 300, 310, "hypervisor"},
	      {"VMs/1000/vCPUs/0/Status", 310, 1000, "wait_disk"},
	      {"VMs/1000/vCPUs/0/Status", 1000, 1050, "hypervisor"},
	      {"VMs/1000/vCPUs/0/Status", 1050, 1100, "guest"},
	      {"VMs/1000/vCPUs/0/Status", 1100, 1110, "hypervisor"},
	      {"VMs/1000/vCPUs/0/Status", 1110, 2000, "wait_net"},
	      {"VMs/1000/vCPUs/0/Status", 2000, 2050, "hypervisor"},
	      {"VMs/1000/vCPUs/0/Status", 2050, 2100, "guest"});
	fx_close(&f);
}

/* Thesis §11.6: after a network wake-up, hypervisor from the switch in (not wait_net). */
static void test_net_wait_ends_at_switch_in(void **state)
{
	struct fx f;

	(void)state;
	fx_open(&f, NULL);
	halt_vcpu0(&f);
	sw(&f, 490, 1, 0, RUNNABLE, 1050);
	accept_vec(&f, 500, 1, 1050, 45); /* vhost-1000 teaches the net vector */
	sw(&f, 1000, 0, 0, RUNNABLE, 1001);
	inj(&f, 1020, 0, 1001, 45);
	entry(&f, 1050, 0, 1001, 0);
	finish(&f, 1100);
	f.prefix = "VMs/1000/vCPUs/0/Status";
	CHECK(&f, {"VMs/1000/vCPUs/0/Status", 100, 200, "hypervisor"},
	      {"VMs/1000/vCPUs/0/Status", 200, 300, "guest"},
	      {"VMs/1000/vCPUs/0/Status", 300, 310, "hypervisor"},
	      {"VMs/1000/vCPUs/0/Status", 310, 1000, "wait_net"},
	      {"VMs/1000/vCPUs/0/Status", 1000, 1050, "hypervisor"},
	      {"VMs/1000/vCPUs/0/Status", 1050, 1100, "guest"});
	fx_close(&f);
}

/* APICv pattern (no injection ever, an accept-labelled wait): a silent wake-up is the timer. */
static void test_apicv_silent_wake_up_is_the_timer(void **state)
{
	struct fx f;

	(void)state;
	fx_open(&f, NULL);
	halt_vcpu0(&f);
	accept_apic(&f, 400, 1, 1000, 0, 34); /* a disk interrupt from the I/O thread */
	sw(&f, 410, 0, 0, RUNNABLE, 1001);
	entry(&f, 450, 0, 1001, 0);
	vexit(&f, 500, 0, 1001, 0, HLT);
	sw(&f, 510, 0, 1001, BLOCKED, 0);
	sw(&f, 900, 0, 0, RUNNABLE, 1001);    /* no injection, no accept: the local timer */
	entry(&f, 950, 0, 1001, 0);
	vexit(&f, 1000, 0, 1001, 0, HLT);
	sw(&f, 1010, 0, 1001, BLOCKED, 0);    /* still waiting at the end: unknown */
	finish(&f, 1100);
	f.prefix = "VMs/1000/vCPUs/0/Status";
	CHECK(&f, {"VMs/1000/vCPUs/0/Status", 100, 200, "hypervisor"},
	      {"VMs/1000/vCPUs/0/Status", 200, 300, "guest"},
	      {"VMs/1000/vCPUs/0/Status", 300, 310, "hypervisor"},
	      {"VMs/1000/vCPUs/0/Status", 310, 410, "wait_disk"},
	      {"VMs/1000/vCPUs/0/Status", 410, 450, "hypervisor"},
	      {"VMs/1000/vCPUs/0/Status", 450, 500, "guest"},
	      {"VMs/1000/vCPUs/0/Status", 500, 510, "hypervisor"},
	      {"VMs/1000/vCPUs/0/Status", 510, 900, "wait_timer"},
	      {"VMs/1000/vCPUs/0/Status", 900, 950, "hypervisor"},
	      {"VMs/1000/vCPUs/0/Status", 950, 1000, "guest"},
	      {"VMs/1000/vCPUs/0/Status", 1000, 1010, "hypervisor"},
	      {"VMs/1000/vCPUs/0/Status", 1010, 1100, "wait_unknown"});
	assert_int_equal(vf_analysis_borrow_counters(f.a)->apicv_timer_count, 1);
	fx_close(&f);
}

/*
 * A halted vCPU woken and blocked again 40 times (spurious wake-ups: no KVM event)
 * before the timer injection: every one of those waits is wait_timer, whatever the
 * length of the chain (the held segments spill to disk).
 */
static void test_long_chain_of_spurious_wake_ups(void **state)
{
	struct fx f;
	struct vf_error err = {0};
	struct vf_history_iter *it;
	uint32_t p, v;
	int64_t st, en, t = 310, covered = 0;
	int waits = 0, i;

	(void)state;
	fx_open(&f, NULL);
	halt_vcpu0(&f);
	for (i = 0; i < 40; i++) {
		sw(&f, t + 100, 0, 0, RUNNABLE, 1001);
		sw(&f, t + 110, 0, 1001, BLOCKED, 0);
		t += 110;
	}
	sw(&f, t + 100, 0, 0, RUNNABLE, 1001);
	inj(&f, t + 110, 0, 1001, 236);
	entry(&f, t + 120, 0, 1001, 0);
	finish(&f, t + 200);
	it = vf_history_iter_new(f.h, &err);
	assert_non_null(it);
	while (vf_history_iter_next(it, &p, &st, &en, &v)) {
		const char *value = vf_history_value_name(f.h, v);

		if (strcmp(vf_history_path_name(f.h, p), "VMs/1000/vCPUs/0/Status") != 0 ||
		    st < 310 || en > t + 100) {
			continue;
		}
		if (strcmp(value, "wait_timer") == 0) {
			waits++;
			covered += en - st;
		} else {
			assert_string_equal(value, "hypervisor");
			assert_int_equal(en - st, 10);
		}
	}
	assert_int_equal(vf_history_iter_free(it, &err), VF_OK);
	assert_int_equal(waits, 41);
	assert_int_equal(covered, 41 * 100);
	fx_close(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_apicv_timer_from_idle_context),
		cmocka_unit_test(test_apicv_ipi_from_sibling_vcpu),
		cmocka_unit_test(test_apicv_ipi_of_other_vm_does_not_label),
		cmocka_unit_test(test_apicv_idle_context_picks_vcpu_of_this_cpu),
		cmocka_unit_test(test_apicv_disk_from_main_thread),
		cmocka_unit_test(test_injection_wins_over_accept),
		cmocka_unit_test(test_accept_before_the_wait_is_ignored),
		cmocka_unit_test(test_preset_disk_and_net_vectors),
		cmocka_unit_test(test_net_wait_ends_at_switch_in),
		cmocka_unit_test(test_apicv_silent_wake_up_is_the_timer),
		cmocka_unit_test(test_long_chain_of_spurious_wake_ups),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
