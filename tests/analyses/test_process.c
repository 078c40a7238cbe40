/* SPDX-License-Identifier: MIT */
/*
 * test_process.c - guest processes from CR3 (docs/states.md): the vCPU's
 * Process path, VMs/<pid>/Processes/<cr3>/Status with its priority rule over
 * several vCPUs, preempted_guest, in-guest switch counts, and guest_l2 on
 * the vCPU Status in nested mode. Hand-built event sequences (feed.h).
 */
#include "analyses/feed.h"

/* A guest context switch at an entry: the old process is preempted_guest until loaded again. */
static void test_process_follows_vcpu_and_is_preempted_guest(void **state)
{
	struct fx f;

	(void)state;
	fx_open(&f, NULL);
	sw(&f, 100, 0, 0, RUNNABLE, 1001);
	enter_guest(&f, 150, 0, 1001, 0, 0xa000, KSP(0x10000));
	entry(&f, 200, 0, 1001, 0);
	vexit(&f, 300, 0, 1001, 0, EPT_VIOLATION);
	enter_guest(&f, 310, 0, 1001, 0, 0xb000, KSP(0x20000));
	entry(&f, 320, 0, 1001, 0);
	vexit(&f, 400, 0, 1001, 0, HLT);
	sw(&f, 410, 0, 1001, BLOCKED, 0);
	sw(&f, 1000, 0, 0, RUNNABLE, 1001);
	inj(&f, 1010, 0, 1001, 236);
	enter_guest(&f, 1015, 0, 1001, 0, 0xb000, KSP(0x20000));
	entry(&f, 1020, 0, 1001, 0);
	finish(&f, 1100);
	f.prefix = "VMs/1000/Processes/";
	CHECK(&f, {"VMs/1000/Processes/0xa000/Status", 200, 300, "running"},
	      {"VMs/1000/Processes/0xa000/Status", 300, 320, "hypervisor"},
	      {"VMs/1000/Processes/0xa000/Status", 320, 1100, "preempted_guest"},
	      {"VMs/1000/Processes/0xb000/Status", 320, 400, "running"},
	      {"VMs/1000/Processes/0xb000/Status", 400, 410, "hypervisor"},
	      {"VMs/1000/Processes/0xb000/Status", 410, 1000, "wait_timer"},
	      {"VMs/1000/Processes/0xb000/Status", 1000, 1020, "hypervisor"},
	      {"VMs/1000/Processes/0xb000/Status", 1020, 1100, "running"});
	f.prefix = "VMs/1000/vCPUs/0/Process";
	CHECK(&f, {"VMs/1000/vCPUs/0/Process", 200, 320, "0xa000"},
	      {"VMs/1000/vCPUs/0/Process", 320, 1100, "0xb000"});
	fx_close(&f);
}

/* One process on two vCPUs: the first of running, hypervisor, ..., unknown. */
static void test_process_on_two_vcpus_takes_the_best_status(void **state)
{
	struct fx f;

	(void)state;
	fx_open(&f, NULL);
	sw(&f, 100, 0, 0, RUNNABLE, 1001);
	sw(&f, 100, 1, 0, RUNNABLE, 1002);
	enter_guest(&f, 150, 0, 1001, 0, 0xa000, KSP(0x10000));
	enter_guest(&f, 150, 1, 1002, 1, 0xa000, KSP(0x30000));
	entry(&f, 200, 0, 1001, 0);
	entry(&f, 250, 1, 1002, 1);
	vexit(&f, 300, 0, 1001, 0, HLT);
	sw(&f, 310, 0, 1001, BLOCKED, 0);
	vexit(&f, 400, 1, 1002, 1, EPT_VIOLATION);
	entry(&f, 450, 1, 1002, 1);
	finish(&f, 500);
	f.prefix = "VMs/1000/Processes/";
	CHECK(&f, {"VMs/1000/Processes/0xa000/Status", 200, 400, "running"},
	      {"VMs/1000/Processes/0xa000/Status", 400, 450, "hypervisor"},
	      {"VMs/1000/Processes/0xa000/Status", 450, 500, "running"});
	fx_close(&f);
}

/* Thesis §11.1: CR3 values repeat across VMs; keyed by (VM, CR3). */
static void test_same_cr3_in_two_vms(void **state)
{
	struct fx f;

	(void)state;
	fx_open(&f, NULL);
	sw(&f, 100, 0, 0, RUNNABLE, 1001);
	sw(&f, 100, 1, 0, RUNNABLE, 2001);
	enter_guest(&f, 150, 0, 1001, 0, 0xa000, 0);
	enter_guest(&f, 150, 1, 2001, 0, 0xa000, 0);
	entry(&f, 200, 0, 1001, 0);
	entry(&f, 200, 1, 2001, 0);
	vexit(&f, 300, 1, 2001, 0, IO_INSTRUCTION);
	sw(&f, 310, 1, 2001, BLOCKED, 300);
	finish(&f, 400);
	f.prefix = "VMs/1000/Processes/";
	CHECK(&f, {"VMs/1000/Processes/0xa000/Status", 200, 400, "running"});
	f.prefix = "VMs/2000/Processes/";
	CHECK(&f, {"VMs/2000/Processes/0xa000/Status", 200, 300, "running"},
	      {"VMs/2000/Processes/0xa000/Status", 300, 310, "hypervisor"},
	      {"VMs/2000/Processes/0xa000/Status", 310, 400, "wait_host"});
	fx_close(&f);
}

/* Shadow paging: a kvm_x86_cr write of CR3 is loaded by the next entry. */
static void test_cr3_from_kvm_cr_write(void **state)
{
	struct fx f;

	(void)state;
	fx_open(&f, NULL);
	sw(&f, 100, 0, 0, RUNNABLE, 1001);
	entry(&f, 200, 0, 1001, 0);
	vexit(&f, 300, 0, 1001, 0, CR_ACCESS);
	cr_write(&f, 305, 0, 1001, 3, 0x7000);
	cr_write(&f, 306, 0, 1001, 0, 0x80050033); /* CR0: not a process */
	entry(&f, 320, 0, 1001, 0);
	finish(&f, 400);
	f.prefix = "VMs/1000/vCPUs/0/Process";
	CHECK(&f, {"VMs/1000/vCPUs/0/Process", 320, 400, "0x7000"});
	f.prefix = "VMs/1000/Processes/";
	CHECK(&f, {"VMs/1000/Processes/0x7000/Status", 320, 400, "running"});
	fx_close(&f);
}

/* Thesis §11.7: threads by kernel-stack window (sp >> 16), user SPs exactly; switch counts. */
static void test_process_and_thread_switch_counts(void **state)
{
	struct fx f;
	struct vf_analysis_vcpu_info info;
	int64_t t = 200;
	/* (cr3, sp) per entry */
	static const uint64_t seq[][2] = {
		{0xa000, KSP(0x12345)}, {0xa000, KSP(0x19999)}, /* same 64 KiB window */
		{0xa000, KSP(0x23456)},                        /* thread switch */
		{0xb000, KSP(0x23456)},                        /* process switch */
		{0xb000, 0x7ffd1000},  {0xb000, 0x7ffd1000},   /* user SP, equal: same thread */
		{0xb000, 0x7ffd1008},                          /* user SP differs: thread switch */
	};
	size_t i;

	(void)state;
	fx_open(&f, NULL);
	sw(&f, 100, 0, 0, RUNNABLE, 1001);
	entry(&f, 150, 0, 1001, 0);
	for (i = 0; i < sizeof(seq) / sizeof(seq[0]); i++) {
		vexit(&f, t, 0, 1001, 0, EPT_VIOLATION);
		enter_guest(&f, t + 10, 0, 1001, 0, seq[i][0], seq[i][1]);
		entry(&f, t + 20, 0, 1001, 0);
		t += 100;
	}
	finish(&f, t);
	assert_true(vf_analysis_get_vcpu(f.a, 0, 0, &info));
	assert_int_equal(info.process_switch_count, 1);
	assert_int_equal(info.thread_switch_count, 2);
	fx_close(&f);
}

/* Nesting: VMRESUME while h is loaded sends the next entries to L2 until a reflected exit. */
static void test_nested_entries_are_guest_l2(void **state)
{
	struct fx f;

	(void)state;
	fx_open(&f, NULL);
	sw(&f, 100, 0, 0, RUNNABLE, 1001);
	enter_guest(&f, 150, 0, 1001, 0, 0x1000, KSP(0x10000));
	entry(&f, 200, 0, 1001, 0);
	vexit(&f, 300, 0, 1001, 0, VMRESUME);
	enter_guest(&f, 310, 0, 1001, 0, 0x2000, KSP(0x50000));
	entry(&f, 320, 0, 1001, 0);
	vexit(&f, 400, 0, 1001, 0, EPT_VIOLATION); /* handled by L0 */
	entry(&f, 450, 0, 1001, 0);
	vexit(&f, 500, 0, 1001, 0, EXTERNAL_INTERRUPT);
	nested_inject(&f, 505, 0, 1001);           /* reflected to L1 */
	enter_guest(&f, 510, 0, 1001, 0, 0x1000, KSP(0x10000));
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
	/* entries into L2 do not change the L1 process */
	f.prefix = "VMs/1000/vCPUs/0/Process";
	CHECK(&f, {"VMs/1000/vCPUs/0/Process", 200, 600, "0x1000"});
	f.prefix = "VMs/1000/Processes/";
	CHECK(&f, {"VMs/1000/Processes/0x1000/Status", 200, 300, "running"},
	      {"VMs/1000/Processes/0x1000/Status", 300, 320, "hypervisor"},
	      {"VMs/1000/Processes/0x1000/Status", 320, 400, "running"},
	      {"VMs/1000/Processes/0x1000/Status", 400, 450, "hypervisor"},
	      {"VMs/1000/Processes/0x1000/Status", 450, 500, "running"},
	      {"VMs/1000/Processes/0x1000/Status", 500, 520, "hypervisor"},
	      {"VMs/1000/Processes/0x1000/Status", 520, 600, "running"});
	fx_close(&f);
}

/* Nested/<h>/...: the nested vCPU one level down, preempted_guest when L1 runs another process. */
static void test_nested_vm_paths(void **state)
{
	struct fx f;

	(void)state;
	fx_open(&f, NULL);
	feed_nested_sequence(&f);
	f.prefix = "VMs/1000/Nested/";
	CHECK(&f, {"VMs/1000/Nested/0x1000/Processes/0x2000/Status", 320, 400, "running"},
	      {"VMs/1000/Nested/0x1000/Processes/0x2000/Status", 400, 450, "hypervisor"},
	      {"VMs/1000/Nested/0x1000/Processes/0x2000/Status", 450, 500, "running"},
	      {"VMs/1000/Nested/0x1000/Processes/0x2000/Status", 500, 620, "hypervisor"},
	      {"VMs/1000/Nested/0x1000/Processes/0x2000/Status", 620, 700, "preempted_guest"},
	      {"VMs/1000/Nested/0x1000/vCPUs/0/Process", 320, 700, "0x2000"},
	      {"VMs/1000/Nested/0x1000/vCPUs/0/Status", 320, 400, "guest"},
	      {"VMs/1000/Nested/0x1000/vCPUs/0/Status", 400, 450, "hypervisor"},
	      {"VMs/1000/Nested/0x1000/vCPUs/0/Status", 450, 500, "guest"},
	      {"VMs/1000/Nested/0x1000/vCPUs/0/Status", 500, 620, "hypervisor"},
	      {"VMs/1000/Nested/0x1000/vCPUs/0/Status", 620, 700, "preempted_guest"});
	f.prefix = "VMs/1000/Processes/";
	CHECK(&f, {"VMs/1000/Processes/0x1000/Status", 200, 300, "running"},
	      {"VMs/1000/Processes/0x1000/Status", 300, 320, "hypervisor"},
	      {"VMs/1000/Processes/0x1000/Status", 320, 400, "running"},
	      {"VMs/1000/Processes/0x1000/Status", 400, 450, "hypervisor"},
	      {"VMs/1000/Processes/0x1000/Status", 450, 500, "running"},
	      {"VMs/1000/Processes/0x1000/Status", 500, 520, "hypervisor"},
	      {"VMs/1000/Processes/0x1000/Status", 520, 600, "running"},
	      {"VMs/1000/Processes/0x1000/Status", 600, 620, "hypervisor"},
	      {"VMs/1000/Processes/0x1000/Status", 620, 700, "preempted_guest"},
	      {"VMs/1000/Processes/0x3000/Status", 620, 700, "running"});
	fx_close(&f);
}

/* Thesis §11.8: VMPTRLD (21) is not an entry into L2; HLT does not end nesting. */
static void test_vmptrld_is_not_nesting(void **state)
{
	struct fx f;

	(void)state;
	fx_open(&f, NULL);
	sw(&f, 100, 0, 0, RUNNABLE, 1001);
	enter_guest(&f, 150, 0, 1001, 0, 0x1000, 0);
	entry(&f, 200, 0, 1001, 0);
	vexit(&f, 300, 0, 1001, 0, 21 /* VMPTRLD */);
	entry(&f, 320, 0, 1001, 0);
	vexit(&f, 400, 0, 1001, 0, VMLAUNCH);
	entry(&f, 420, 0, 1001, 0);
	vexit(&f, 500, 0, 1001, 0, HLT); /* L2 halts: L0 handles it, still nested */
	entry(&f, 520, 0, 1001, 0);
	finish(&f, 600);
	f.prefix = "VMs/1000/vCPUs/0/Status";
	CHECK(&f, {"VMs/1000/vCPUs/0/Status", 100, 200, "hypervisor"},
	      {"VMs/1000/vCPUs/0/Status", 200, 300, "guest"},
	      {"VMs/1000/vCPUs/0/Status", 300, 320, "hypervisor"},
	      {"VMs/1000/vCPUs/0/Status", 320, 400, "guest"},
	      {"VMs/1000/vCPUs/0/Status", 400, 420, "hypervisor"},
	      {"VMs/1000/vCPUs/0/Status", 420, 500, "guest_l2"},
	      {"VMs/1000/vCPUs/0/Status", 500, 520, "hypervisor"},
	      {"VMs/1000/vCPUs/0/Status", 520, 600, "guest_l2"});
	fx_close(&f);
}

/* kvm_x86_cr captures (SVM): CR3 writes in nested mode are L2's; L1 keeps h after nesting. */
static void test_nested_cr3_writes_belong_to_l2(void **state)
{
	struct fx f;
	struct vf_event ev;

	(void)state;
	fx_open(&f, NULL);
	sw(&f, 100, 0, 0, RUNNABLE, 1001);
	cr_write(&f, 150, 0, 1001, 3, 0x1000);
	exit_isa(&f, 160, 0, 1001, 0, 0x400 /* NPF */, SVM, true);
	entry(&f, 200, 0, 1001, 0);                          /* L1 loads h = 0x1000 */
	exit_isa(&f, 300, 0, 1001, 0, 0x080 /* VMRUN */, SVM, true);
	ev = base(&f, 301, 0, VF_EV_KVM_NESTED_VMRUN, 1001);
	feed(&f, &ev);
	cr_write(&f, 305, 0, 1001, 3, 0x2000);               /* L2's CR3 */
	entry(&f, 320, 0, 1001, 0);
	exit_isa(&f, 400, 0, 1001, 0, 0x060 /* INTR */, SVM, true);
	nested_inject(&f, 405, 0, 1001);
	entry(&f, 420, 0, 1001, 0);                          /* back in L1: still h */
	finish(&f, 500);
	f.prefix = "VMs/1000/vCPUs/0/";
	CHECK(&f, {"VMs/1000/vCPUs/0/Exit", 160, 200, "NPF"},
	      {"VMs/1000/vCPUs/0/Exit", 300, 320, "VMRUN"},
	      {"VMs/1000/vCPUs/0/Exit", 400, 420, "INTR"},
	      {"VMs/1000/vCPUs/0/Process", 200, 500, "0x1000"},
	      {"VMs/1000/vCPUs/0/Status", 100, 200, "hypervisor"},
	      {"VMs/1000/vCPUs/0/Status", 200, 300, "guest"},
	      {"VMs/1000/vCPUs/0/Status", 300, 320, "hypervisor"},
	      {"VMs/1000/vCPUs/0/Status", 320, 400, "guest_l2"},
	      {"VMs/1000/vCPUs/0/Status", 400, 420, "hypervisor"},
	      {"VMs/1000/vCPUs/0/Status", 420, 500, "guest"});
	f.prefix = "VMs/1000/Nested/0x1000/vCPUs/0/Process";
	CHECK(&f, {"VMs/1000/Nested/0x1000/vCPUs/0/Process", 320, 500, "0x2000"});
	fx_close(&f);
}

/* No CR3 at all (a real SVM trace without addons or kvm_x86_cr): guest_l2, no Nested paths. */
static void test_nesting_without_cr3(void **state)
{
	struct fx f;
	struct vf_event ev;

	(void)state;
	fx_open(&f, NULL);
	sw(&f, 100, 0, 0, RUNNABLE, 1001);
	entry(&f, 200, 0, 1001, 0);
	exit_isa(&f, 300, 0, 1001, 0, 0x080 /* VMRUN */, SVM, true);
	ev = base(&f, 301, 0, VF_EV_KVM_NESTED_VMRUN, 1001);
	feed(&f, &ev);
	entry(&f, 320, 0, 1001, 0);
	exit_isa(&f, 400, 0, 1001, 0, 0x078 /* HLT of L2, reflected */, SVM, true);
	nested_inject(&f, 405, 0, 1001);
	entry(&f, 420, 0, 1001, 0);
	finish(&f, 500);
	f.prefix = "VMs/1000/";
	CHECK(&f, {"VMs/1000/vCPUs/0/Exit", 300, 320, "VMRUN"},
	      {"VMs/1000/vCPUs/0/Exit", 400, 420, "HLT"},
	      {"VMs/1000/vCPUs/0/Status", 100, 200, "hypervisor"},
	      {"VMs/1000/vCPUs/0/Status", 200, 300, "guest"},
	      {"VMs/1000/vCPUs/0/Status", 300, 320, "hypervisor"},
	      {"VMs/1000/vCPUs/0/Status", 320, 400, "guest_l2"},
	      {"VMs/1000/vCPUs/0/Status", 400, 420, "hypervisor"},
	      {"VMs/1000/vCPUs/0/Status", 420, 500, "guest"});
	fx_close(&f);
}

/* No CR3 in the trace: no process paths at all. */
static void test_no_cr3_no_process_paths(void **state)
{
	struct fx f;

	(void)state;
	fx_open(&f, NULL);
	sw(&f, 100, 0, 0, RUNNABLE, 1001);
	entry(&f, 200, 0, 1001, 0);
	finish(&f, 300);
	f.prefix = "VMs/1000/Processes/";
	check(&f, NULL, 0);
	f.prefix = "VMs/1000/vCPUs/0/Process";
	check(&f, NULL, 0);
	fx_close(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_process_follows_vcpu_and_is_preempted_guest),
		cmocka_unit_test(test_process_on_two_vcpus_takes_the_best_status),
		cmocka_unit_test(test_same_cr3_in_two_vms),
		cmocka_unit_test(test_cr3_from_kvm_cr_write),
		cmocka_unit_test(test_process_and_thread_switch_counts),
		cmocka_unit_test(test_nested_entries_are_guest_l2),
		cmocka_unit_test(test_nested_vm_paths),
		cmocka_unit_test(test_vmptrld_is_not_nesting),
		cmocka_unit_test(test_nested_cr3_writes_belong_to_l2),
		cmocka_unit_test(test_nesting_without_cr3),
		cmocka_unit_test(test_no_cr3_no_process_paths),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
