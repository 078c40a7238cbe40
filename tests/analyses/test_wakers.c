/* SPDX-License-Identifier: MIT */
/*
 * test_wakers.c - who woke whom (wakers.tsv) and the per-process path
 * (critical_path.tsv: own rows, and the critical path where it is plain)
 * from hand-built event sequences (feed.h). The walk across threads and VMs
 * is tested by test_critical_path.c.
 */
#include "analyses/feed.h"

#include "analyses/wakers.h"

static char *wakers_text(struct fx *f)
{
	struct vf_error err = {0};
	char *text = NULL;
	size_t size = 0;
	FILE *fp = open_memstream(&text, &size);

	assert_non_null(fp);
	assert_int_equal(vf_analysis_write_wakers(f->a, fp, &err), VF_OK);
	fclose(fp);
	return text;
}

/* sched_waking then sched_wakeup of one wake-up count once; the thesis' sched_ttwu too. */
static void test_one_count_per_wake_up(void **state)
{
	struct fx f;
	char *text;

	(void)state;
	fx_open(&f, NULL);
	sw(&f, 100, 0, 0, RUNNABLE, 1001);
	sw(&f, 100, 1, 0, RUNNABLE, 2001);
	enter_guest(&f, 150, 1, 2001, 0, 0xb000, 0);
	entry(&f, 200, 0, 1001, 0);
	entry(&f, 200, 1, 2001, 0);
	vexit(&f, 300, 0, 1001, 0, HLT);
	sw(&f, 310, 0, 1001, BLOCKED, 0);
	/* VM 2000's vCPU 0 (running process 0xb000) wakes VM 1000's vCPU 0, whose process is
	   not known yet (no CR3 before 415): a vcpu row only */
	vexit(&f, 400, 1, 2001, 0, IO_INSTRUCTION);
	wake(&f, 401, 1, VF_EV_SCHED_WAKING, 2001, 1001);
	wake(&f, 402, 1, VF_EV_SCHED_WAKEUP, 2001, 1001);
	sw(&f, 410, 0, 0, RUNNABLE, 1001);
	enter_guest(&f, 415, 0, 1001, 0, 0xa000, 0);
	entry(&f, 420, 0, 1001, 0);
	entry(&f, 430, 1, 2001, 0);
	vexit(&f, 500, 0, 1001, 0, HLT);
	sw(&f, 510, 0, 1001, BLOCKED, 0);
	/* an interrupt on the idle CPU: the idle task wakes it (sched_ttwu spelling) */
	wake(&f, 600, 0, VF_EV_SCHED_TTWU, 0, 1001);
	wake(&f, 601, 0, VF_EV_SCHED_WAKEUP, 0, 1001);
	sw(&f, 610, 0, 0, RUNNABLE, 1001);
	/* the vhost thread of VM 1000 is woken by that vCPU (a TX kick) */
	sw(&f, 620, 1, 2001, RUNNABLE, 1050);
	sw(&f, 630, 1, 1050, BLOCKED, 2001);
	wake(&f, 640, 0, VF_EV_SCHED_WAKING, 1001, 1050);
	finish(&f, 700);
	text = wakers_text(&f);
	assert_string_equal(text, "level\twaker\twakee\tclass\tcount\n"
				  "vcpu\tidle\tvcpu:1000/0\t-\t1\n"
				  "vcpu\tvcpu:2000/0\tvcpu:1000/0\t-\t1\n"
				  "vcpu\tvcpu:1000/0\tvhost:1000\t-\t1\n"
				  "process\tidle\tprocess:1000/0xa000\t-\t1\n");
	free(text);
	fx_close(&f);
}

/* A thread woken before its first kvm event is named by what it turned out to be. */
static void test_threads_named_at_the_end(void **state)
{
	struct fx f;
	char *text;

	(void)state;
	fx_open(&f, NULL);
	sw(&f, 100, 0, 0, RUNNABLE, 1000);           /* the QEMU main thread */
	wake(&f, 150, 0, VF_EV_SCHED_WAKING, 1000, 1001);
	sw(&f, 200, 0, 1000, BLOCKED, 1001);
	entry(&f, 300, 0, 1001, 0);                  /* only now known to be vCPU 0 */
	finish(&f, 400);
	text = wakers_text(&f);
	assert_string_equal(text, "level\twaker\twakee\tclass\tcount\n"
				  "vcpu\tqemu:1000\tvcpu:1000/0\t-\t1\n");
	free(text);
	fx_close(&f);
}

/* The path of one process: RUNNING HL1 / HL0, PREEMPTED, TIMER; nested processes at HL2. */
static void test_critical_path_edges(void **state)
{
	struct fx f;
	struct vf_error err = {0};
	char *text = NULL;
	size_t size = 0;
	FILE *fp;

	(void)state;
	fx_open(&f, NULL);
	sw(&f, 100, 0, 0, RUNNABLE, 1001);
	enter_guest(&f, 150, 0, 1001, 0, 0xa000, 0);
	entry(&f, 200, 0, 1001, 0);
	vexit(&f, 300, 0, 1001, 0, HLT);
	sw(&f, 310, 0, 1001, BLOCKED, 0);
	wake(&f, 990, 0, VF_EV_SCHED_WAKING, 0, 1001); /* the timer interrupt on the idle CPU */
	sw(&f, 1000, 0, 0, RUNNABLE, 1001);
	inj(&f, 1010, 0, 1001, 236);
	entry(&f, 1020, 0, 1001, 0);
	vexit(&f, 1100, 0, 1001, 0, EXTERNAL_INTERRUPT);
	sw(&f, 1110, 0, 1001, RUNNABLE, 300);
	sw(&f, 1200, 0, 300, BLOCKED, 1001);
	entry(&f, 1220, 0, 1001, 0);
	finish(&f, 1300);
	fp = open_memstream(&text, &size);
	assert_int_equal(vf_analysis_write_critical_path(f.a, 0xa000, fp, &err), VF_OK);
	fclose(fp);
	assert_string_equal(text,
			    "view\tworker\tstart_ns\tend_ns\tduration_ns\tedge\tlevel\tdepth\twoken_by\n"
			    "own\tprocess:1000/0xa000\t200\t300\t100\tRUNNING\tHL1\t0\t-\n"
			    "own\tprocess:1000/0xa000\t300\t310\t10\tRUNNING\tHL0\t0\t-\n"
			    "own\tprocess:1000/0xa000\t310\t1000\t690\tTIMER\tHL1\t0\ttimer\n"
			    "own\tprocess:1000/0xa000\t1000\t1020\t20\tRUNNING\tHL0\t0\t-\n"
			    "own\tprocess:1000/0xa000\t1020\t1100\t80\tRUNNING\tHL1\t0\t-\n"
			    "own\tprocess:1000/0xa000\t1100\t1110\t10\tRUNNING\tHL0\t0\t-\n"
			    "own\tprocess:1000/0xa000\t1110\t1200\t90\tPREEMPTED\tHL1\t0\t-\n"
			    "own\tprocess:1000/0xa000\t1200\t1220\t20\tRUNNING\tHL0\t0\t-\n"
			    "own\tprocess:1000/0xa000\t1220\t1300\t80\tRUNNING\tHL1\t0\t-\n"
			    /* nothing to follow: a timer wait stays */
			    "path\tprocess:1000/0xa000\t200\t300\t100\tRUNNING\tHL1\t0\t-\n"
			    "path\tprocess:1000/0xa000\t300\t310\t10\tRUNNING\tHL0\t0\t-\n"
			    "path\tprocess:1000/0xa000\t310\t1000\t690\tTIMER\tHL1\t0\ttimer\n"
			    "path\tprocess:1000/0xa000\t1000\t1020\t20\tRUNNING\tHL0\t0\t-\n"
			    "path\tprocess:1000/0xa000\t1020\t1100\t80\tRUNNING\tHL1\t0\t-\n"
			    "path\tprocess:1000/0xa000\t1100\t1110\t10\tRUNNING\tHL0\t0\t-\n"
			    "path\tprocess:1000/0xa000\t1110\t1200\t90\tPREEMPTED\tHL1\t0\t-\n"
			    "path\tprocess:1000/0xa000\t1200\t1220\t20\tRUNNING\tHL0\t0\t-\n"
			    "path\tprocess:1000/0xa000\t1220\t1300\t80\tRUNNING\tHL1\t0\t-\n");
	free(text);
	fx_close(&f);
}

/* An IPI wait: woken_by is the vCPU that sent the IPI (its accept_irq), not the tracing context. */
static void test_critical_path_ipi_woken_by_sender(void **state)
{
	struct fx f;
	struct vf_error err = {0};
	char *text = NULL;
	size_t size = 0;
	FILE *fp;

	(void)state;
	fx_open(&f, NULL);
	sw(&f, 100, 0, 0, RUNNABLE, 1001);
	sw(&f, 100, 1, 0, RUNNABLE, 1002);
	enter_guest(&f, 150, 0, 1001, 0, 0xa000, 0);
	enter_guest(&f, 150, 1, 1002, 1, 0xb000, 0);
	entry(&f, 200, 0, 1001, 0);
	entry(&f, 200, 1, 1002, 1);
	vexit(&f, 300, 0, 1001, 0, HLT);
	sw(&f, 310, 0, 1001, BLOCKED, 0);
	vexit(&f, 500, 1, 1002, 1, 32 /* MSR_WRITE: ICR */);
	accept_apic(&f, 501, 1, 1002, 0, 251);
	wake(&f, 502, 0, VF_EV_SCHED_WAKING, 0, 1001); /* traced on the idle CPU 0 */
	entry(&f, 510, 1, 1002, 1);
	sw(&f, 600, 0, 0, RUNNABLE, 1001);
	inj(&f, 610, 0, 1001, 251);
	entry(&f, 620, 0, 1001, 0);
	finish(&f, 700);
	fp = open_memstream(&text, &size);
	assert_int_equal(vf_analysis_write_critical_path(f.a, 0xa000, fp, &err), VF_OK);
	fclose(fp);
	assert_string_equal(text,
			    "view\tworker\tstart_ns\tend_ns\tduration_ns\tedge\tlevel\tdepth\twoken_by\n"
			    "own\tprocess:1000/0xa000\t200\t300\t100\tRUNNING\tHL1\t0\t-\n"
			    "own\tprocess:1000/0xa000\t300\t310\t10\tRUNNING\tHL0\t0\t-\n"
			    "own\tprocess:1000/0xa000\t310\t600\t290\tIPI\tHL1\t0\tvcpu:1000/1\n"
			    "own\tprocess:1000/0xa000\t600\t620\t20\tRUNNING\tHL0\t0\t-\n"
			    "own\tprocess:1000/0xa000\t620\t700\t80\tRUNNING\tHL1\t0\t-\n"
			    /* the IPI wait until its wake-up (502) is the sender's path: 0xb000 on vCPU 1,
			       then its exit; then the wake-up latency stays on the process */
			    "path\tprocess:1000/0xa000\t200\t300\t100\tRUNNING\tHL1\t0\t-\n"
			    "path\tprocess:1000/0xa000\t300\t310\t10\tRUNNING\tHL0\t0\t-\n"
			    "path\tprocess:1000/0xb000\t310\t500\t190\tRUNNING\tHL1\t1\t-\n"
			    "path\tvcpu:1000/1\t500\t502\t2\tRUNNING\tHL0\t1\t-\n"
			    "path\tprocess:1000/0xa000\t502\t600\t98\tIPI\tHL1\t0\tvcpu:1000/1\n"
			    "path\tprocess:1000/0xa000\t600\t620\t20\tRUNNING\tHL0\t0\t-\n"
			    "path\tprocess:1000/0xa000\t620\t700\t80\tRUNNING\tHL1\t0\t-\n");
	free(text);
	fx_close(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_count_per_wake_up),
		cmocka_unit_test(test_threads_named_at_the_end),
		cmocka_unit_test(test_critical_path_edges),
		cmocka_unit_test(test_critical_path_ipi_woken_by_sender),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
