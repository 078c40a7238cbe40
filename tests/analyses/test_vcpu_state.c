/* SPDX-License-Identifier: MIT */
/*
 * test_vcpu_state.c - VMs/<pid>/vCPUs/<n>/Status and /Exit from event records
 * fed straight into the analyses facade (no trace files), one test per rule
 * of docs/states.md, each comparing every interval with a hand-written table.
 *
 * Cast (pid_of() gives each tid's process):
 *   VM 1000: main thread 1000 ("qemu-system-x86"), vCPU 0 = tid 1001, vCPU 1 = tid 1002,
 *            vhost thread 1050 ("vhost-1000")
 *   VM 2000: vCPU 0 = tid 2001 (same vcpu_id as VM 1000's vCPU 0)
 *   host:    tid 300 ("kworker/0:1"), the idle task 0
 */
#include "analyses/feed.h"

#define PREEMPTED_4_14 0x100 /* TASK_REPORT_MAX: what lttng records for a preempted task */

#define S0 "VMs/1000/vCPUs/0/Status"
#define E0 "VMs/1000/vCPUs/0/Exit"
#define S1 "VMs/1000/vCPUs/1/Status"
#define E1 "VMs/1000/vCPUs/1/Exit"
#define B0 "VMs/2000/vCPUs/0/Status"
#define BE0 "VMs/2000/vCPUs/0/Exit"

/* vCPU 0 of VM 1000 comes in at 100 on cpu 0 and enters the guest at 200. */
static void start_vcpu0(struct fx *f)
{
	sw(f, 100, 0, 0, RUNNABLE, 1001);
	entry(f, 200, 0, 1001, 0);
}

/* ---- guest / hypervisor ---- */

static void test_entry_and_exit_alternate_guest_and_hypervisor(void **state)
{
	struct fx f;

	(void)state;
	fx_open(&f, NULL);
	start_vcpu0(&f);
	vexit(&f, 300, 0, 1001, 0, EPT_VIOLATION);
	entry(&f, 350, 0, 1001, 0);
	vexit(&f, 400, 0, 1001, 0, IO_INSTRUCTION);
	entry(&f, 450, 0, 1001, 0);
	finish(&f, 500);
	CHECK(&f, {E0, 300, 350, "EPT_VIOLATION"}, {E0, 400, 450, "IO_INSTRUCTION"},
	      {S0, 100, 200, "hypervisor"}, {S0, 200, 300, "guest"}, {S0, 300, 350, "hypervisor"},
	      {S0, 350, 400, "guest"}, {S0, 400, 450, "hypervisor"}, {S0, 450, 500, "guest"});
	fx_close(&f);
}

static void test_line_starts_at_switch_in_with_hypervisor_backfill(void **state)
{
	struct fx f;

	(void)state;
	fx_open(&f, NULL);
	/* Before its first kvm event the thread is not known as a vCPU thread. */
	sw(&f, 100, 0, 0, RUNNABLE, 1001);
	sw(&f, 150, 0, 1001, RUNNABLE, 300);
	sw(&f, 200, 0, 300, BLOCKED, 1001);
	sw(&f, 260, 0, 1001, BLOCKED, 0); /* blocked, no exit seen yet: unknown */
	sw(&f, 300, 0, 0, RUNNABLE, 1001);
	entry(&f, 350, 0, 1001, 0);
	finish(&f, 400);
	CHECK(&f, {S0, 100, 150, "hypervisor"}, {S0, 150, 200, "preempted_host"},
	      {S0, 200, 260, "hypervisor"}, {S0, 260, 300, "unknown"},
	      {S0, 300, 350, "hypervisor"}, {S0, 350, 400, "guest"});
	fx_close(&f);
}

static void test_end_of_trace_closes_open_intervals(void **state)
{
	struct fx f;

	(void)state;
	fx_open(&f, NULL);
	start_vcpu0(&f);
	vexit(&f, 300, 0, 1001, 0, EPT_VIOLATION);
	finish(&f, 1000); /* later than the last event: a quiet CPU does not shorten the trace */
	CHECK(&f, {E0, 300, 1000, "EPT_VIOLATION"}, {S0, 100, 200, "hypervisor"},
	      {S0, 200, 300, "guest"}, {S0, 300, 1000, "hypervisor"});
	fx_close(&f);
}

/* ---- waits after HLT ---- */

/* HLT at 300, blocked 400..1000, first injection `vec` at 1010, entry 1020. */
static void hlt_wait_woken_by(struct fx *f, uint32_t vec)
{
	start_vcpu0(f);
	vexit(f, 300, 0, 1001, 0, HLT);
	sw(f, 400, 0, 1001, BLOCKED, 0);
	sw(f, 1000, 0, 0, RUNNABLE, 1001);
	inj(f, 1010, 0, 1001, vec);
	entry(f, 1020, 0, 1001, 0);
	finish(f, 1100);
}

#define HLT_WAIT_EXPECT(label)                                                                     \
	{E0, 300, 400, "HLT"}, {E0, 1000, 1020, "HLT"}, {S0, 100, 200, "hypervisor"},             \
		{S0, 200, 300, "guest"}, {S0, 300, 400, "hypervisor"}, {S0, 400, 1000, label},     \
		{S0, 1000, 1020, "hypervisor"}, {S0, 1020, 1100, "guest"}

static void test_hlt_then_timer_vector_is_wait_timer(void **state)
{
	struct fx f;

	(void)state;
	fx_open(&f, NULL);
	hlt_wait_woken_by(&f, 236);
	CHECK(&f, HLT_WAIT_EXPECT("wait_timer"));
	fx_close(&f);
}

static void test_default_timer_vectors_238_239(void **state)
{
	uint32_t vecs[] = {238, 239};
	unsigned i;

	(void)state;
	for (i = 0; i < 2; i++) {
		struct fx f;

		fx_open(&f, NULL);
		hlt_wait_woken_by(&f, vecs[i]);
		CHECK(&f, HLT_WAIT_EXPECT("wait_timer"));
		fx_close(&f);
	}
}

static void test_hlt_then_ipi_vector_is_wait_task(void **state)
{
	uint32_t vecs[] = {251, 252, 253};
	unsigned i;

	(void)state;
	for (i = 0; i < 3; i++) {
		struct fx f;

		fx_open(&f, NULL);
		hlt_wait_woken_by(&f, vecs[i]);
		CHECK(&f, HLT_WAIT_EXPECT("wait_task"));
		fx_close(&f);
	}
}

static void test_hlt_then_other_vector_is_wait_unknown(void **state)
{
	struct fx f;

	(void)state;
	fx_open(&f, NULL);
	hlt_wait_woken_by(&f, 34);
	CHECK(&f, HLT_WAIT_EXPECT("wait_unknown"));
	fx_close(&f);
}

static void test_learned_disk_vector(void **state)
{
	struct fx f;
	struct vf_analysis_vm_info vm;

	(void)state;
	fx_open(&f, NULL);
	sw(&f, 10, 1, 0, RUNNABLE, 1000);
	accept_vec(&f, 20, 1, 1000, 34); /* the QEMU main thread (tid == pid) delivers vector 34 */
	hlt_wait_woken_by(&f, 34);
	CHECK(&f, HLT_WAIT_EXPECT("wait_disk"));
	assert_true(vf_analysis_get_vm(f.a, 0, &vm));
	assert_int_equal(vm.pid, 1000);
	assert_string_equal(vm.comm, "qemu-system-x86");
	assert_int_equal(vm.disk_vector_count, 1);
	assert_int_equal(vm.disk_vectors[0], 34);
	assert_int_equal(vm.net_vector_count, 0);
	fx_close(&f);
}

/* Thesis §11.6: after a NET wait the vCPU stayed "waiting" after its switch in. */
static void test_learned_net_vector_then_hypervisor_after_switch_in(void **state)
{
	struct fx f;
	struct vf_analysis_vm_info vm;

	(void)state;
	fx_open(&f, NULL);
	sw(&f, 10, 1, 0, RUNNABLE, 1050); /* next_comm "vhost-1000" */
	accept_vec(&f, 20, 1, 1050, 35);
	hlt_wait_woken_by(&f, 35);
	CHECK(&f, HLT_WAIT_EXPECT("wait_net"));
	assert_true(vf_analysis_get_vm(f.a, 0, &vm));
	assert_int_equal(vm.net_vector_count, 1);
	assert_int_equal(vm.net_vectors[0], 35);
	fx_close(&f);
}

static void test_vector_injected_before_it_is_learned_is_wait_unknown(void **state)
{
	struct fx f;

	(void)state;
	fx_open(&f, NULL);
	start_vcpu0(&f);
	vexit(&f, 300, 0, 1001, 0, HLT);
	sw(&f, 400, 0, 1001, BLOCKED, 0);
	sw(&f, 1000, 0, 0, RUNNABLE, 1001);
	inj(&f, 1010, 0, 1001, 34);
	entry(&f, 1020, 0, 1001, 0);
	sw(&f, 1030, 1, 0, RUNNABLE, 1000);
	accept_vec(&f, 1040, 1, 1000, 34); /* learned now */
	vexit(&f, 1100, 0, 1001, 0, HLT);
	sw(&f, 1200, 0, 1001, BLOCKED, 0);
	sw(&f, 1300, 0, 0, RUNNABLE, 1001);
	inj(&f, 1310, 0, 1001, 34);
	entry(&f, 1320, 0, 1001, 0);
	finish(&f, 1400);
	CHECK(&f, {E0, 300, 400, "HLT"}, {E0, 1000, 1020, "HLT"}, {E0, 1100, 1200, "HLT"},
	      {E0, 1300, 1320, "HLT"}, {S0, 100, 200, "hypervisor"}, {S0, 200, 300, "guest"},
	      {S0, 300, 400, "hypervisor"}, {S0, 400, 1000, "wait_unknown"},
	      {S0, 1000, 1020, "hypervisor"}, {S0, 1020, 1100, "guest"},
	      {S0, 1100, 1200, "hypervisor"}, {S0, 1200, 1300, "wait_disk"},
	      {S0, 1300, 1320, "hypervisor"}, {S0, 1320, 1400, "guest"});
	fx_close(&f);
}

static void test_no_injection_before_entry_is_wait_unknown(void **state)
{
	struct fx f;

	(void)state;
	fx_open(&f, NULL);
	start_vcpu0(&f);
	vexit(&f, 300, 0, 1001, 0, HLT);
	sw(&f, 400, 0, 1001, BLOCKED, 0);
	sw(&f, 1000, 0, 0, RUNNABLE, 1001);
	entry(&f, 1020, 0, 1001, 0);
	inj(&f, 1030, 0, 1001, 236); /* after the entry: too late to label the wait */
	finish(&f, 1100);
	CHECK(&f, HLT_WAIT_EXPECT("wait_unknown"));
	fx_close(&f);
}

static void test_only_first_injection_labels_the_wait(void **state)
{
	struct fx f;

	(void)state;
	fx_open(&f, NULL);
	start_vcpu0(&f);
	vexit(&f, 300, 0, 1001, 0, HLT);
	sw(&f, 400, 0, 1001, BLOCKED, 0);
	sw(&f, 1000, 0, 0, RUNNABLE, 1001);
	inj(&f, 1010, 0, 1001, 253);
	inj(&f, 1015, 0, 1001, 236);
	entry(&f, 1020, 0, 1001, 0);
	finish(&f, 1100);
	CHECK(&f, HLT_WAIT_EXPECT("wait_task"));
	fx_close(&f);
}

static void test_blocked_again_before_entry_shares_the_label(void **state)
{
	struct fx f;

	(void)state;
	fx_open(&f, NULL);
	start_vcpu0(&f);
	vexit(&f, 300, 0, 1001, 0, HLT);
	sw(&f, 400, 0, 1001, BLOCKED, 0);
	sw(&f, 500, 0, 0, RUNNABLE, 1001);
	sw(&f, 550, 0, 1001, BLOCKED, 0); /* spurious wake-up: halts again without an entry */
	sw(&f, 700, 0, 0, RUNNABLE, 1001);
	inj(&f, 710, 0, 1001, 251);
	entry(&f, 720, 0, 1001, 0);
	finish(&f, 800);
	CHECK(&f, {E0, 300, 400, "HLT"}, {E0, 500, 550, "HLT"}, {E0, 700, 720, "HLT"},
	      {S0, 100, 200, "hypervisor"}, {S0, 200, 300, "guest"}, {S0, 300, 400, "hypervisor"},
	      {S0, 400, 500, "wait_task"}, {S0, 500, 550, "hypervisor"}, {S0, 550, 700, "wait_task"},
	      {S0, 700, 720, "hypervisor"}, {S0, 720, 800, "guest"});
	fx_close(&f);
}

static void test_halt_polling_without_switch_stays_hypervisor(void **state)
{
	struct fx f;

	(void)state;
	fx_open(&f, NULL);
	start_vcpu0(&f);
	vexit(&f, 300, 0, 1001, 0, HLT);
	inj(&f, 350, 0, 1001, 236);
	entry(&f, 360, 0, 1001, 0);
	finish(&f, 400);
	CHECK(&f, {E0, 300, 360, "HLT"}, {S0, 100, 200, "hypervisor"}, {S0, 200, 300, "guest"},
	      {S0, 300, 360, "hypervisor"}, {S0, 360, 400, "guest"});
	fx_close(&f);
}

static void test_wait_open_at_end_is_wait_unknown(void **state)
{
	struct fx f;

	(void)state;
	fx_open(&f, NULL);
	start_vcpu0(&f);
	vexit(&f, 300, 0, 1001, 0, HLT);
	sw(&f, 400, 0, 1001, BLOCKED, 0);
	finish(&f, 1000);
	CHECK(&f, {E0, 300, 400, "HLT"}, {S0, 100, 200, "hypervisor"}, {S0, 200, 300, "guest"},
	      {S0, 300, 400, "hypervisor"}, {S0, 400, 1000, "wait_unknown"});
	fx_close(&f);
}

static void test_configured_vector_classes(void **state)
{
	struct vf_analysis_options opt;
	struct fx f;

	(void)state;
	vf_analysis_options_init(&opt);
	opt.timer_vectors[0] = 100;
	opt.timer_vector_count = 1;
	opt.ipi_vector_count = 0;
	fx_open(&f, &opt);
	hlt_wait_woken_by(&f, 100);
	CHECK(&f, HLT_WAIT_EXPECT("wait_timer"));
	fx_close(&f);

	fx_open(&f, &opt);
	hlt_wait_woken_by(&f, 251); /* no longer an IPI vector */
	CHECK(&f, HLT_WAIT_EXPECT("wait_unknown"));
	fx_close(&f);
}

/* ---- blocked after another exit; preemption ---- */

/* Thesis §11.2: a vCPU thread sleeping in the host after an I/O exit is not "preempted". */
static void test_non_hlt_block_is_wait_host(void **state)
{
	struct fx f;

	(void)state;
	fx_open(&f, NULL);
	start_vcpu0(&f);
	vexit(&f, 300, 0, 1001, 0, IO_INSTRUCTION);
	sw(&f, 400, 0, 1001, BLOCKED, 300);
	sw(&f, 1000, 0, 300, BLOCKED, 1001);
	entry(&f, 1020, 0, 1001, 0);
	finish(&f, 1100);
	CHECK(&f, {E0, 300, 400, "IO_INSTRUCTION"}, {E0, 1000, 1020, "IO_INSTRUCTION"},
	      {S0, 100, 200, "hypervisor"}, {S0, 200, 300, "guest"}, {S0, 300, 400, "hypervisor"},
	      {S0, 400, 1000, "wait_host"}, {S0, 1000, 1020, "hypervisor"},
	      {S0, 1020, 1100, "guest"});
	fx_close(&f);
}

/* Thesis §11.2, other side: a runnable switch out after HLT is a preemption, not a wait. */
static void test_runnable_switch_out_after_hlt_is_preempted(void **state)
{
	struct fx f;

	(void)state;
	fx_open(&f, NULL);
	start_vcpu0(&f);
	vexit(&f, 300, 0, 1001, 0, HLT);
	sw(&f, 400, 0, 1001, RUNNABLE, 300);
	sw(&f, 1000, 0, 300, BLOCKED, 1001);
	inj(&f, 1010, 0, 1001, 236);
	entry(&f, 1020, 0, 1001, 0);
	finish(&f, 1100);
	CHECK(&f, HLT_WAIT_EXPECT("preempted_host"));
	fx_close(&f);
}

static void test_preempted_by_host_process(void **state)
{
	struct fx f;

	(void)state;
	fx_open(&f, NULL);
	start_vcpu0(&f);
	vexit(&f, 300, 0, 1001, 0, EXTERNAL_INTERRUPT);
	sw(&f, 400, 0, 1001, PREEMPTED_4_14, 300);
	sw(&f, 1000, 0, 300, BLOCKED, 1001);
	entry(&f, 1020, 0, 1001, 0);
	finish(&f, 1100);
	CHECK(&f, {E0, 300, 400, "EXTERNAL_INTERRUPT"}, {E0, 1000, 1020, "EXTERNAL_INTERRUPT"},
	      {S0, 100, 200, "hypervisor"}, {S0, 200, 300, "guest"}, {S0, 300, 400, "hypervisor"},
	      {S0, 400, 1000, "preempted_host"}, {S0, 1000, 1020, "hypervisor"},
	      {S0, 1020, 1100, "guest"});
	fx_close(&f);
}

static void test_preempted_by_other_vm_vcpu(void **state)
{
	struct fx f;

	(void)state;
	fx_open(&f, NULL);
	/* VM 2000's vCPU 0 runs on cpu 1, halts and blocks. */
	sw(&f, 50, 1, 0, RUNNABLE, 2001);
	entry(&f, 60, 1, 2001, 0);
	sw(&f, 100, 0, 0, RUNNABLE, 1001);
	vexit(&f, 150, 1, 2001, 0, HLT);
	sw(&f, 160, 1, 2001, BLOCKED, 0);
	entry(&f, 200, 0, 1001, 0);
	vexit(&f, 300, 0, 1001, 0, EXTERNAL_INTERRUPT);
	/* It wakes up on cpu 0 and takes the pCPU from VM 1000's vCPU 0. */
	sw(&f, 400, 0, 1001, RUNNABLE, 2001);
	inj(&f, 410, 0, 2001, 239);
	entry(&f, 420, 0, 2001, 0);
	vexit(&f, 900, 0, 2001, 0, HLT);
	sw(&f, 1000, 0, 2001, BLOCKED, 1001);
	entry(&f, 1020, 0, 1001, 0);
	finish(&f, 1100);
	CHECK(&f, {E0, 300, 400, "EXTERNAL_INTERRUPT"}, {E0, 1000, 1020, "EXTERNAL_INTERRUPT"},
	      {S0, 100, 200, "hypervisor"}, {S0, 200, 300, "guest"}, {S0, 300, 400, "hypervisor"},
	      {S0, 400, 1000, "preempted_vm"}, {S0, 1000, 1020, "hypervisor"},
	      {S0, 1020, 1100, "guest"},
	      {BE0, 150, 160, "HLT"}, {BE0, 400, 420, "HLT"}, {BE0, 900, 1000, "HLT"},
	      {B0, 50, 60, "hypervisor"}, {B0, 60, 150, "guest"}, {B0, 150, 160, "hypervisor"},
	      {B0, 160, 400, "wait_timer"}, {B0, 400, 420, "hypervisor"}, {B0, 420, 900, "guest"},
	      {B0, 900, 1000, "hypervisor"}, {B0, 1000, 1100, "wait_unknown"});
	fx_close(&f);
}

static void test_preempted_by_same_vm_vcpu(void **state)
{
	struct fx f;

	(void)state;
	fx_open(&f, NULL);
	sw(&f, 10, 1, 0, RUNNABLE, 1002);
	entry(&f, 20, 1, 1002, 1);
	vexit(&f, 30, 1, 1002, 1, IO_INSTRUCTION);
	sw(&f, 40, 1, 1002, BLOCKED, 0);
	start_vcpu0(&f);
	vexit(&f, 300, 0, 1001, 0, EXTERNAL_INTERRUPT);
	sw(&f, 400, 0, 1001, RUNNABLE, 1002);
	entry(&f, 410, 0, 1002, 1);
	vexit(&f, 900, 0, 1002, 1, IO_INSTRUCTION);
	sw(&f, 1000, 0, 1002, BLOCKED, 1001);
	entry(&f, 1020, 0, 1001, 0);
	finish(&f, 1100);
	CHECK(&f, {E0, 300, 400, "EXTERNAL_INTERRUPT"}, {E0, 1000, 1020, "EXTERNAL_INTERRUPT"},
	      {S0, 100, 200, "hypervisor"}, {S0, 200, 300, "guest"}, {S0, 300, 400, "hypervisor"},
	      {S0, 400, 1000, "preempted_vm"}, {S0, 1000, 1020, "hypervisor"},
	      {S0, 1020, 1100, "guest"},
	      {E1, 30, 40, "IO_INSTRUCTION"}, {E1, 400, 410, "IO_INSTRUCTION"},
	      {E1, 900, 1000, "IO_INSTRUCTION"},
	      {S1, 10, 20, "hypervisor"}, {S1, 20, 30, "guest"}, {S1, 30, 40, "hypervisor"},
	      {S1, 40, 400, "wait_host"}, {S1, 400, 410, "hypervisor"}, {S1, 410, 900, "guest"},
	      {S1, 900, 1000, "hypervisor"}, {S1, 1000, 1100, "wait_host"});
	fx_close(&f);
}

/* The preempter shows it is a vCPU thread only after the switch out: re-checked at the switch in. */
static void test_preempter_identified_later_is_preempted_vm(void **state)
{
	struct fx f;

	(void)state;
	fx_open(&f, NULL);
	start_vcpu0(&f);
	vexit(&f, 300, 0, 1001, 0, EXTERNAL_INTERRUPT);
	sw(&f, 400, 0, 1001, RUNNABLE, 1002); /* 1002 never seen in a kvm event yet */
	entry(&f, 500, 0, 1002, 1);
	vexit(&f, 850, 0, 1002, 1, EXTERNAL_INTERRUPT);
	sw(&f, 900, 0, 1002, RUNNABLE, 1001);
	entry(&f, 950, 0, 1001, 0);
	finish(&f, 1000);
	CHECK(&f, {E0, 300, 400, "EXTERNAL_INTERRUPT"}, {E0, 900, 950, "EXTERNAL_INTERRUPT"},
	      {S0, 100, 200, "hypervisor"}, {S0, 200, 300, "guest"}, {S0, 300, 400, "hypervisor"},
	      {S0, 400, 900, "preempted_vm"}, {S0, 900, 950, "hypervisor"},
	      {S0, 950, 1000, "guest"},
	      {E1, 850, 900, "EXTERNAL_INTERRUPT"},
	      {S1, 400, 500, "hypervisor"}, {S1, 500, 850, "guest"}, {S1, 850, 900, "hypervisor"},
	      {S1, 900, 1000, "preempted_vm"});
	fx_close(&f);
}

static void test_exit_path_resumes_after_preemption(void **state)
{
	struct fx f;

	(void)state;
	fx_open(&f, NULL);
	start_vcpu0(&f);
	vexit(&f, 300, 0, 1001, 0, EPT_VIOLATION);
	sw(&f, 320, 0, 1001, RUNNABLE, 300);
	sw(&f, 400, 0, 300, BLOCKED, 1001);
	sw(&f, 420, 0, 1001, RUNNABLE, 300);
	sw(&f, 500, 0, 300, BLOCKED, 1001);
	entry(&f, 550, 0, 1001, 0);
	finish(&f, 600);
	CHECK(&f, {E0, 300, 320, "EPT_VIOLATION"}, {E0, 400, 420, "EPT_VIOLATION"},
	      {E0, 500, 550, "EPT_VIOLATION"},
	      {S0, 100, 200, "hypervisor"}, {S0, 200, 300, "guest"}, {S0, 300, 320, "hypervisor"},
	      {S0, 320, 400, "preempted_host"}, {S0, 400, 420, "hypervisor"},
	      {S0, 420, 500, "preempted_host"}, {S0, 500, 550, "hypervisor"},
	      {S0, 550, 600, "guest"});
	fx_close(&f);
}

/* ---- keys ---- */

/* Thesis §11.1: per-vcpu_id maps shared by all VMs mix their last exits. */
static void test_vcpu_ids_repeat_across_vms_are_separate(void **state)
{
	struct fx f;
	struct vf_analysis_vcpu_info vi;

	(void)state;
	fx_open(&f, NULL);
	sw(&f, 100, 0, 0, RUNNABLE, 1001);
	sw(&f, 100, 1, 0, RUNNABLE, 2001);
	entry(&f, 200, 0, 1001, 0);
	entry(&f, 210, 1, 2001, 0);
	vexit(&f, 300, 0, 1001, 0, HLT);
	vexit(&f, 350, 1, 2001, 0, IO_INSTRUCTION); /* same vcpu_id 0, other VM, later */
	sw(&f, 400, 0, 1001, BLOCKED, 0);
	sw(&f, 410, 1, 2001, BLOCKED, 0);
	sw(&f, 1000, 0, 0, RUNNABLE, 1001);
	inj(&f, 1010, 0, 1001, 236);
	entry(&f, 1020, 0, 1001, 0);
	finish(&f, 1100);
	CHECK(&f, HLT_WAIT_EXPECT("wait_timer"),
	      {BE0, 350, 410, "IO_INSTRUCTION"},
	      {B0, 100, 210, "hypervisor"}, {B0, 210, 350, "guest"}, {B0, 350, 410, "hypervisor"},
	      {B0, 410, 1100, "wait_host"});
	assert_int_equal(vf_analysis_vm_count(f.a), 2);
	assert_true(vf_analysis_get_vcpu(f.a, 0, 0, &vi));
	assert_int_equal(vi.vcpu_id, 0);
	assert_int_equal(vi.tid, 1001);
	assert_string_equal(vi.comm, "CPU 0/KVM");
	assert_true(vf_analysis_get_vcpu(f.a, 1, 0, &vi));
	assert_int_equal(vi.vcpu_id, 0);
	assert_int_equal(vi.tid, 2001);
	assert_false(vf_analysis_get_vcpu(f.a, 1, 1, &vi));
	fx_close(&f);
}

/* ---- trace start, exit names ---- */

static void test_mid_run_start_is_unknown_until_entry(void **state)
{
	struct vf_analysis_options opt;
	struct fx f;

	(void)state;
	vf_analysis_options_init(&opt);
	opt.begin_ns = 0;
	fx_open(&f, &opt);
	inj(&f, 50, 0, 1001, 236); /* not decisive */
	entry(&f, 100, 0, 1001, 0);
	vexit(&f, 200, 0, 1001, 0, HLT);
	finish(&f, 300);
	CHECK(&f, {E0, 200, 300, "HLT"}, {S0, 0, 100, "unknown"}, {S0, 100, 200, "guest"},
	      {S0, 200, 300, "hypervisor"});
	fx_close(&f);
}

static void test_mid_run_start_begins_at_first_event_by_default(void **state)
{
	struct fx f;

	(void)state;
	fx_open(&f, NULL);
	sw(&f, 40, 1, 0, RUNNABLE, 300);
	vexit(&f, 100, 0, 1001, 0, EPT_VIOLATION);
	entry(&f, 150, 0, 1001, 0);
	finish(&f, 200);
	CHECK(&f, {E0, 100, 150, "EPT_VIOLATION"}, {S0, 40, 100, "unknown"},
	      {S0, 100, 150, "hypervisor"}, {S0, 150, 200, "guest"});
	fx_close(&f);
}

/* Kernels before 5.10: kvm_exit has no vcpu_id; the first entry identifies and the exit is replayed. */
static void test_exit_without_vcpu_id_is_replayed_at_identification(void **state)
{
	struct vf_analysis_options opt;
	struct fx f;
	const struct vf_exit_stats *xs;

	(void)state;
	vf_analysis_options_init(&opt);
	opt.begin_ns = 0;
	fx_open(&f, &opt);
	exit_isa(&f, 100, 0, 1001, 0, HLT, VMX, false);
	sw(&f, 150, 0, 1001, BLOCKED, 0);
	sw(&f, 400, 0, 0, RUNNABLE, 1001);
	inj(&f, 410, 0, 1001, 236);
	entry(&f, 420, 0, 1001, 0);
	finish(&f, 500);
	CHECK(&f, {E0, 100, 150, "HLT"}, {E0, 400, 420, "HLT"}, {S0, 0, 100, "unknown"},
	      {S0, 100, 150, "hypervisor"}, {S0, 150, 400, "wait_timer"},
	      {S0, 400, 420, "hypervisor"}, {S0, 420, 500, "guest"});
	xs = vf_analysis_borrow_exit_stats(f.a);
	assert_int_equal(xs->row_count, 1);
	assert_int_equal(xs->rows[0].reason, HLT);
	assert_int_equal(xs->rows[0].count, 1);
	assert_int_equal(xs->rows[0].total_ns, 320);
	fx_close(&f);
}

static void test_svm_exit_names_and_hlt(void **state)
{
	struct fx f;

	(void)state;
	fx_open(&f, NULL);
	start_vcpu0(&f);
	exit_isa(&f, 300, 0, 1001, 0, 0x400, SVM, true);
	entry(&f, 350, 0, 1001, 0);
	exit_isa(&f, 400, 0, 1001, 0, 0x78, SVM, true);
	sw(&f, 450, 0, 1001, BLOCKED, 0);
	sw(&f, 600, 0, 0, RUNNABLE, 1001);
	inj(&f, 610, 0, 1001, 236);
	entry(&f, 620, 0, 1001, 0);
	exit_isa(&f, 700, 0, 1001, 0, 0x3ff, SVM, true);
	finish(&f, 800);
	CHECK(&f, {E0, 300, 350, "NPF"}, {E0, 400, 450, "HLT"}, {E0, 600, 620, "HLT"},
	      {E0, 700, 800, "UNKNOWN_1023"},
	      {S0, 100, 200, "hypervisor"}, {S0, 200, 300, "guest"}, {S0, 300, 350, "hypervisor"},
	      {S0, 350, 400, "guest"}, {S0, 400, 450, "hypervisor"}, {S0, 450, 600, "wait_timer"},
	      {S0, 600, 620, "hypervisor"}, {S0, 620, 700, "guest"}, {S0, 700, 800, "hypervisor"});
	fx_close(&f);
}

static void test_vmx_exit_flag_bits_are_masked(void **state)
{
	struct fx f;

	(void)state;
	fx_open(&f, NULL);
	start_vcpu0(&f);
	vexit(&f, 300, 0, 1001, 0, 0x80000000u | HLT); /* VM-entry failure bit set */
	sw(&f, 400, 0, 1001, BLOCKED, 0);
	sw(&f, 1000, 0, 0, RUNNABLE, 1001);
	inj(&f, 1010, 0, 1001, 236);
	entry(&f, 1020, 0, 1001, 0);
	finish(&f, 1100);
	CHECK(&f, HLT_WAIT_EXPECT("wait_timer"));
	fx_close(&f);
}

/* ---- lost events, odd orders, no contexts ---- */

static void test_discarded_events_mark_unknown(void **state)
{
	struct fx f;
	struct vf_error err = {0};

	(void)state;
	fx_open(&f, NULL);
	sw(&f, 100, 0, 0, RUNNABLE, 1001);
	sw(&f, 100, 1, 0, RUNNABLE, 2001);
	entry(&f, 150, 1, 2001, 0);
	entry(&f, 200, 0, 1001, 0);
	assert_int_equal(vf_analysis_discarded(f.a, 0, 42, 300, 500, &err), VF_OK);
	vexit(&f, 600, 0, 1001, 0, EPT_VIOLATION);
	entry(&f, 650, 0, 1001, 0);
	finish(&f, 700);
	CHECK(&f, {E0, 600, 650, "EPT_VIOLATION"}, {S0, 100, 200, "hypervisor"},
	      {S0, 200, 300, "guest"}, {S0, 300, 600, "unknown"}, {S0, 600, 650, "hypervisor"},
	      {S0, 650, 700, "guest"},
	      {B0, 100, 150, "hypervisor"}, {B0, 150, 700, "guest"});
	assert_true(has_warning(&f, "42 events discarded on cpu 0"));
	assert_int_equal(vf_analysis_borrow_counters(f.a)->discarded_event_count, 42);
	assert_int_equal(vf_analysis_borrow_counters(f.a)->missed_switch_in_count, 0);
	fx_close(&f);
}

static void test_discard_hides_wait_label_and_exit(void **state)
{
	struct fx f;
	struct vf_error err = {0};

	(void)state;
	fx_open(&f, NULL);
	start_vcpu0(&f);
	vexit(&f, 300, 0, 1001, 0, HLT);
	sw(&f, 400, 0, 1001, BLOCKED, 0);
	sw(&f, 1000, 0, 0, RUNNABLE, 1001);
	/* The first injection may be among the lost events. */
	assert_int_equal(vf_analysis_discarded(f.a, 0, 7, 1005, 1015, &err), VF_OK);
	inj(&f, 1016, 0, 1001, 236);
	sw(&f, 1030, 0, 1001, RUNNABLE, 300); /* decisive: runnable */
	sw(&f, 1040, 0, 300, BLOCKED, 1001);
	entry(&f, 1050, 0, 1001, 0);
	finish(&f, 1100);
	CHECK(&f, {E0, 300, 400, "HLT"}, {E0, 1000, 1005, "HLT"}, {S0, 100, 200, "hypervisor"},
	      {S0, 200, 300, "guest"}, {S0, 300, 400, "hypervisor"},
	      {S0, 400, 1000, "wait_unknown"}, {S0, 1000, 1005, "hypervisor"},
	      {S0, 1005, 1030, "unknown"}, {S0, 1030, 1040, "preempted_host"},
	      {S0, 1040, 1050, "hypervisor"}, {S0, 1050, 1100, "guest"});
	fx_close(&f);
}

static void test_vcpu_seen_running_after_loss_is_unknown_since_loss(void **state)
{
	struct fx f;
	struct vf_error err = {0};

	(void)state;
	fx_open(&f, NULL);
	start_vcpu0(&f);
	vexit(&f, 300, 0, 1001, 0, HLT);
	sw(&f, 400, 0, 1001, BLOCKED, 300);
	/* Its switch in is lost on cpu 0; then it shows up running there. */
	assert_int_equal(vf_analysis_discarded(f.a, 0, 3, 500, 700, &err), VF_OK);
	inj(&f, 800, 0, 1001, 236);
	entry(&f, 810, 0, 1001, 0);
	finish(&f, 900);
	CHECK(&f, {E0, 300, 400, "HLT"}, {S0, 100, 200, "hypervisor"}, {S0, 200, 300, "guest"},
	      {S0, 300, 400, "hypervisor"}, {S0, 400, 500, "wait_timer"},
	      {S0, 500, 810, "unknown"}, {S0, 810, 900, "guest"});
	fx_close(&f);
}

/* Ties are ordered by cpu: the switch in on cpu 0 comes before the switch out on cpu 1. */
static void test_same_ns_migration_is_not_a_preemption(void **state)
{
	struct fx f;

	(void)state;
	fx_open(&f, NULL);
	sw(&f, 100, 1, 0, RUNNABLE, 1001);
	entry(&f, 150, 1, 1001, 0);
	vexit(&f, 300, 1, 1001, 0, EXTERNAL_INTERRUPT);
	sw(&f, 400, 0, 0, RUNNABLE, 1001);
	sw(&f, 400, 1, 1001, RUNNABLE, 0);
	entry(&f, 450, 0, 1001, 0);
	finish(&f, 500);
	CHECK(&f, {E0, 300, 450, "EXTERNAL_INTERRUPT"}, {S0, 100, 150, "hypervisor"},
	      {S0, 150, 300, "guest"}, {S0, 300, 450, "hypervisor"}, {S0, 450, 500, "guest"});
	fx_close(&f);
}

static void test_without_pid_tid_contexts(void **state)
{
	struct fx f;
	struct vf_event ev;

	(void)state;
	fx_open(&f, NULL);
	f.no_context = true;
	memset(&ev, 0, sizeof(ev));
	ev.kind = VF_EV_STATEDUMP_PROCESS_STATE;
	ev.ts_ns = 10;
	ev.pid = -1;
	ev.tid = -1;
	ev.u.statedump.tid = 1001;
	ev.u.statedump.pid = 1000;
	snprintf(ev.u.statedump.name, VF_COMM_LEN, "CPU 0/KVM");
	feed(&f, &ev);
	vexit(&f, 50, 0, -1, 0, HLT); /* no thread known on cpu 0 yet: ignored */
	hlt_wait_woken_by(&f, 236);
	CHECK(&f, HLT_WAIT_EXPECT("wait_timer"));
	assert_int_equal(vf_analysis_borrow_counters(f.a)->no_thread_event_count, 1);
	fx_close(&f);
}

static void test_unknown_process_is_not_identified(void **state)
{
	struct fx f;

	(void)state;
	fx_open(&f, NULL);
	f.no_context = true; /* and no statedump: the vCPU thread's process is unknown */
	hlt_wait_woken_by(&f, 236);
	check(&f, NULL, 0);
	assert_int_equal(vf_analysis_vm_count(f.a), 0);
	assert_true(has_warning(&f, "no VM activity found (4 kvm events, but no vCPU thread "
				    "identified)"));
	fx_close(&f);
}

static void test_no_kvm_events_means_no_vm(void **state)
{
	struct fx f;
	size_t n;

	(void)state;
	fx_open(&f, NULL);
	sw(&f, 100, 0, 0, RUNNABLE, 300);
	sw(&f, 200, 0, 300, BLOCKED, 0);
	finish(&f, 300);
	check(&f, NULL, 0);
	assert_int_equal(vf_analysis_vm_count(f.a), 0);
	vf_analysis_borrow_warnings(f.a, &n);
	assert_int_equal(n, 1);
	assert_true(has_warning(&f, "no VM activity found (no kvm events in the trace)"));
	fx_close(&f);
}

static void test_open_exit_at_end_is_warned(void **state)
{
	struct fx f;

	(void)state;
	fx_open(&f, NULL);
	start_vcpu0(&f);
	vexit(&f, 300, 0, 1001, 0, EPT_VIOLATION);
	finish(&f, 400);
	assert_int_equal(vf_analysis_borrow_counters(f.a)->open_exit_count, 1);
	assert_true(has_warning(&f, "1 exits still open at end of trace"));
	fx_close(&f);
}

static void test_other_events_are_counted_and_ignored(void **state)
{
	struct fx f;
	struct vf_event ev;
	const struct vf_analysis_counters *c;

	(void)state;
	fx_open(&f, NULL);
	memset(&ev, 0, sizeof(ev));
	ev.kind = VF_EV_OTHER;
	ev.ts_ns = 5;
	ev.tid = 1001;
	ev.pid = 1000;
	feed(&f, &ev);
	start_vcpu0(&f);
	finish(&f, 300);
	c = vf_analysis_borrow_counters(f.a);
	assert_int_equal(c->event_count, 3);
	assert_int_equal(c->other_event_count, 1);
	assert_int_equal(c->kvm_event_count, 1);
	CHECK(&f, {S0, 100, 200, "hypervisor"}, {S0, 200, 300, "guest"});
	fx_close(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_entry_and_exit_alternate_guest_and_hypervisor),
		cmocka_unit_test(test_line_starts_at_switch_in_with_hypervisor_backfill),
		cmocka_unit_test(test_end_of_trace_closes_open_intervals),
		cmocka_unit_test(test_hlt_then_timer_vector_is_wait_timer),
		cmocka_unit_test(test_default_timer_vectors_238_239),
		cmocka_unit_test(test_hlt_then_ipi_vector_is_wait_task),
		cmocka_unit_test(test_hlt_then_other_vector_is_wait_unknown),
		cmocka_unit_test(test_learned_disk_vector),
		cmocka_unit_test(test_learned_net_vector_then_hypervisor_after_switch_in),
		cmocka_unit_test(test_vector_injected_before_it_is_learned_is_wait_unknown),
		cmocka_unit_test(test_no_injection_before_entry_is_wait_unknown),
		cmocka_unit_test(test_only_first_injection_labels_the_wait),
		cmocka_unit_test(test_blocked_again_before_entry_shares_the_label),
		cmocka_unit_test(test_halt_polling_without_switch_stays_hypervisor),
		cmocka_unit_test(test_wait_open_at_end_is_wait_unknown),
		cmocka_unit_test(test_configured_vector_classes),
		cmocka_unit_test(test_non_hlt_block_is_wait_host),
		cmocka_unit_test(test_runnable_switch_out_after_hlt_is_preempted),
		cmocka_unit_test(test_preempted_by_host_process),
		cmocka_unit_test(test_preempted_by_other_vm_vcpu),
		cmocka_unit_test(test_preempted_by_same_vm_vcpu),
		cmocka_unit_test(test_preempter_identified_later_is_preempted_vm),
		cmocka_unit_test(test_exit_path_resumes_after_preemption),
		cmocka_unit_test(test_vcpu_ids_repeat_across_vms_are_separate),
		cmocka_unit_test(test_mid_run_start_is_unknown_until_entry),
		cmocka_unit_test(test_mid_run_start_begins_at_first_event_by_default),
		cmocka_unit_test(test_exit_without_vcpu_id_is_replayed_at_identification),
		cmocka_unit_test(test_svm_exit_names_and_hlt),
		cmocka_unit_test(test_vmx_exit_flag_bits_are_masked),
		cmocka_unit_test(test_discarded_events_mark_unknown),
		cmocka_unit_test(test_discard_hides_wait_label_and_exit),
		cmocka_unit_test(test_vcpu_seen_running_after_loss_is_unknown_since_loss),
		cmocka_unit_test(test_same_ns_migration_is_not_a_preemption),
		cmocka_unit_test(test_without_pid_tid_contexts),
		cmocka_unit_test(test_unknown_process_is_not_identified),
		cmocka_unit_test(test_no_kvm_events_means_no_vm),
		cmocka_unit_test(test_open_exit_at_end_is_warned),
		cmocka_unit_test(test_other_events_are_counted_and_ignored),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
