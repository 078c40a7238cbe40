/* SPDX-License-Identifier: MIT */
/*
 * test_critical_path.c - the critical path's walk (analyses/critical_path.c)
 * on hand-built event sequences (feed.h): a network wait of one VM's process
 * followed through its vhost thread to another VM's process, a cycle of
 * wakers, an unknown waker, the depth bound (a chain of 18 threads, more
 * cursors than the walk's first allocation), an L2 process (HL2), the thread lines it reads
 * (wakers.c), and the rows recorded in the history for the bundle.
 * Every expected row is worked out by hand from the events in the comments.
 */
#include "analyses/feed.h"

#include "analyses/critical_path.h"
#include "analyses/wakers.h"

#define HDR "view\tworker\tstart_ns\tend_ns\tduration_ns\tedge\tlevel\tdepth\twoken_by\n"

static char *cp_text(struct fx *f, uint64_t cr3)
{
	struct vf_error err = {0};
	char *text = NULL;
	size_t size = 0;
	FILE *fp = open_memstream(&text, &size);

	assert_non_null(fp);
	assert_int_equal(vf_analysis_write_critical_path(f->a, cr3, fp, &err), VF_OK);
	fclose(fp);
	return text;
}

/* The rows of one view ("own\t" or "path\t") of a critical_path.tsv text. */
static char *view_rows(const char *text, const char *view)
{
	size_t n = strlen(view), len = 0;
	char *out = calloc(strlen(text) + 1, 1);
	const char *line = text;

	assert_non_null(out);
	while (*line) {
		const char *nl = strchr(line, '\n');
		size_t l = nl ? (size_t)(nl - line) + 1 : strlen(line);

		if (strncmp(line, view, n) == 0) {
			memcpy(out + len, line, l);
			len += l;
		}
		line += l;
	}
	return out;
}

/*
 * The inter-VM chain. VM 1000's process 0xa000 (vCPU 0, tid 1001) halts at 300
 * and blocks at 310; VM 1000's vhost thread (1050) is blocked since 260. VM
 * 2000's vCPU 0 (tid 2001), running process 0xb000, kicks that vhost thread
 * at 410 (an I/O exit at 400); vhost runs at 430, raises the net vector 45
 * for vCPU 0 (accept_irq: learned as VM 1000's net vector) and wakes it at
 * 441; vCPU 0 is back at 460 (inj 45: wait_net 310-460).
 * Critical path of 0xa000: the wait until 441 is vhost's path, whose blocked
 * part until 410 is VM 2000's vCPU: its process 0xb000 running (to 400) and
 * the exit (to 410); vhost then waits for a CPU (410-430) and runs (430-441);
 * 441-460 (the wake-up latency) stays NETWORK on 0xa000.
 */
static void inter_vm_events(struct fx *f)
{
	sw(f, 100, 0, 0, RUNNABLE, 1001);
	sw(f, 100, 1, 0, RUNNABLE, 2001);
	enter_guest(f, 150, 0, 1001, 0, 0xa000, 0);
	enter_guest(f, 150, 1, 2001, 0, 0xb000, 0);
	entry(f, 200, 0, 1001, 0);
	entry(f, 200, 1, 2001, 0);
	sw(f, 250, 2, 0, RUNNABLE, 1050);
	sw(f, 260, 2, 1050, BLOCKED, 0);
	vexit(f, 300, 0, 1001, 0, HLT);
	sw(f, 310, 0, 1001, BLOCKED, 0);
	vexit(f, 400, 1, 2001, 0, IO_INSTRUCTION);
	wake(f, 410, 1, VF_EV_SCHED_WAKING, 2001, 1050);
	entry(f, 420, 1, 2001, 0);
	sw(f, 430, 2, 0, RUNNABLE, 1050);
	accept_vec(f, 440, 2, 1050, 45);
	wake(f, 441, 2, VF_EV_SCHED_WAKING, 1050, 1001);
	sw(f, 450, 2, 1050, BLOCKED, 0);
	sw(f, 460, 0, 0, RUNNABLE, 1001);
	inj(f, 470, 0, 1001, 45);
	entry(f, 480, 0, 1001, 0);
	finish(f, 600);
}

static void test_inter_vm_chain(void **state)
{
	struct fx f;
	char *text, *rows;

	(void)state;
	fx_open(&f, NULL);
	inter_vm_events(&f);
	text = cp_text(&f, 0xa000);
	rows = view_rows(text, "own\t");
	assert_string_equal(rows, "own\tprocess:1000/0xa000\t200\t300\t100\tRUNNING\tHL1\t0\t-\n"
				  "own\tprocess:1000/0xa000\t300\t310\t10\tRUNNING\tHL0\t0\t-\n"
				  "own\tprocess:1000/0xa000\t310\t460\t150\tNETWORK\tHL1\t0\tvhost:1000\n"
				  "own\tprocess:1000/0xa000\t460\t480\t20\tRUNNING\tHL0\t0\t-\n"
				  "own\tprocess:1000/0xa000\t480\t600\t120\tRUNNING\tHL1\t0\t-\n");
	free(rows);
	rows = view_rows(text, "path\t");
	assert_string_equal(rows, "path\tprocess:1000/0xa000\t200\t300\t100\tRUNNING\tHL1\t0\t-\n"
				  "path\tprocess:1000/0xa000\t300\t310\t10\tRUNNING\tHL0\t0\t-\n"
				  "path\tprocess:2000/0xb000\t310\t400\t90\tRUNNING\tHL1\t2\t-\n"
				  "path\tvcpu:2000/0\t400\t410\t10\tRUNNING\tHL0\t2\t-\n"
				  "path\tvhost:1000\t410\t430\t20\tPREEMPTED\tHL0\t1\t-\n"
				  "path\tvhost:1000\t430\t441\t11\tRUNNING\tHL0\t1\t-\n"
				  "path\tprocess:1000/0xa000\t441\t460\t19\tNETWORK\tHL1\t0\tvhost:1000\n"
				  "path\tprocess:1000/0xa000\t460\t480\t20\tRUNNING\tHL0\t0\t-\n"
				  "path\tprocess:1000/0xa000\t480\t600\t120\tRUNNING\tHL1\t0\t-\n");
	free(rows);
	assert_int_equal(strncmp(text, HDR, strlen(HDR)), 0);
	free(text);
	fx_close(&f);
}

/* The thread lines the walk reads: run / wait_cpu / blk:<waker tid> per host thread. */
static void test_thread_lines(void **state)
{
	struct fx f;
	struct vf_analysis *a;

	(void)state;
	fx_open(&f, NULL);
	inter_vm_events(&f);
	a = f.a;
	/* the lines are checked through the path above; here their exact values for vhost */
	{
		struct vf_history *h = NULL;
		struct vf_error err = {0};
		struct vf_history_path_iter *it;
		int64_t s, e;
		uint32_t v, p;
		char got[512] = "";

		h = vf_analysis_borrow_thread_lines(a);
		assert_non_null(h);
		p = vf_history_find_path(h, "1050");
		assert_int_not_equal(p, VF_HISTORY_NONE);
		it = vf_history_path_iter_new(h, p, &err);
		assert_non_null(it);
		while (vf_history_path_iter_next(it, &s, &e, &v)) {
			char row[64];

			snprintf(row, sizeof(row), "%lld-%lld %s;", (long long)s, (long long)e,
				 vf_history_value_name(h, v));
			strcat(got, row);
		}
		assert_int_equal(vf_history_path_iter_free(it, &err), VF_OK);
		assert_string_equal(got, "250-260 run;260-410 blk:2001;410-430 wait_cpu;430-450 run;"
					 "450-600 blk:-;");
		p = vf_history_find_path(h, "1001");
		it = vf_history_path_iter_new(h, p, &err);
		got[0] = '\0';
		while (vf_history_path_iter_next(it, &s, &e, &v)) {
			char row[64];

			snprintf(row, sizeof(row), "%lld-%lld %s;", (long long)s, (long long)e,
				 vf_history_value_name(h, v));
			strcat(got, row);
		}
		assert_int_equal(vf_history_path_iter_free(it, &err), VF_OK);
		assert_string_equal(got, "100-310 run;310-441 blk:1050;441-460 wait_cpu;460-600 run;");
	}
	fx_close(&f);
}

/* The path is recorded once in the history under CriticalPath/ (the bundle's source). */
static void test_recorded_in_history(void **state)
{
	struct fx f;
	char *text, *again;

	(void)state;
	fx_open(&f, NULL);
	inter_vm_events(&f);
	text = cp_text(&f, 0xa000);
	again = cp_text(&f, 0xa000); /* a second call writes the same, records nothing more */
	assert_string_equal(text, again);
	free(text);
	free(again);
	f.prefix = "CriticalPath/";
	/* one interval per row and attribute (worker names with ':' for '/') */
	CHECK(&f, {"CriticalPath/process:1000:0xa000/Depth", 200, 300, "0"},
	      {"CriticalPath/process:1000:0xa000/Depth", 300, 310, "0"},
	      {"CriticalPath/process:1000:0xa000/Depth", 441, 460, "0"},
	      {"CriticalPath/process:1000:0xa000/Depth", 460, 480, "0"},
	      {"CriticalPath/process:1000:0xa000/Depth", 480, 600, "0"},
	      {"CriticalPath/process:1000:0xa000/Level", 200, 300, "HL1"},
	      {"CriticalPath/process:1000:0xa000/Level", 300, 310, "HL0"},
	      {"CriticalPath/process:1000:0xa000/Level", 441, 460, "HL1"},
	      {"CriticalPath/process:1000:0xa000/Level", 460, 480, "HL0"},
	      {"CriticalPath/process:1000:0xa000/Level", 480, 600, "HL1"},
	      {"CriticalPath/process:1000:0xa000/Status", 200, 300, "RUNNING"},
	      {"CriticalPath/process:1000:0xa000/Status", 300, 310, "RUNNING"},
	      {"CriticalPath/process:1000:0xa000/Status", 441, 460, "NETWORK"},
	      {"CriticalPath/process:1000:0xa000/Status", 460, 480, "RUNNING"},
	      {"CriticalPath/process:1000:0xa000/Status", 480, 600, "RUNNING"},
	      {"CriticalPath/process:1000:0xa000/WokenBy", 200, 300, "-"},
	      {"CriticalPath/process:1000:0xa000/WokenBy", 300, 310, "-"},
	      {"CriticalPath/process:1000:0xa000/WokenBy", 441, 460, "vhost:1000"},
	      {"CriticalPath/process:1000:0xa000/WokenBy", 460, 480, "-"},
	      {"CriticalPath/process:1000:0xa000/WokenBy", 480, 600, "-"},
	      {"CriticalPath/process:2000:0xb000/Depth", 310, 400, "2"},
	      {"CriticalPath/process:2000:0xb000/Level", 310, 400, "HL1"},
	      {"CriticalPath/process:2000:0xb000/Status", 310, 400, "RUNNING"},
	      {"CriticalPath/process:2000:0xb000/WokenBy", 310, 400, "-"},
	      {"CriticalPath/vcpu:2000:0/Depth", 400, 410, "2"},
	      {"CriticalPath/vcpu:2000:0/Level", 400, 410, "HL0"},
	      {"CriticalPath/vcpu:2000:0/Status", 400, 410, "RUNNING"},
	      {"CriticalPath/vcpu:2000:0/WokenBy", 400, 410, "-"},
	      {"CriticalPath/vhost:1000/Depth", 410, 430, "1"},
	      {"CriticalPath/vhost:1000/Depth", 430, 441, "1"},
	      {"CriticalPath/vhost:1000/Level", 410, 430, "HL0"},
	      {"CriticalPath/vhost:1000/Level", 430, 441, "HL0"},
	      {"CriticalPath/vhost:1000/Status", 410, 430, "PREEMPTED"},
	      {"CriticalPath/vhost:1000/Status", 430, 441, "RUNNING"},
	      {"CriticalPath/vhost:1000/WokenBy", 410, 430, "-"},
	      {"CriticalPath/vhost:1000/WokenBy", 430, 441, "-"});
	fx_close(&f);
}

/*
 * A cycle: the traced contexts say the kworker (300) woke vhost (at 400) and
 * vhost woke the kworker (at 350) while both were blocked (their switches in
 * were not traced). 0xa000's wait is vhost's path; vhost's blocked part
 * 310-400 is the kworker's; the kworker's blocked part 310-350 names vhost,
 * already on the stack: it stays BLOCKED on the kworker, woken_by vhost.
 */
static void test_cycle_stops(void **state)
{
	struct fx f;
	char *text, *rows;

	(void)state;
	fx_open(&f, NULL);
	sw(&f, 100, 0, 0, RUNNABLE, 1001);
	enter_guest(&f, 150, 0, 1001, 0, 0xa000, 0);
	entry(&f, 200, 0, 1001, 0);
	sw(&f, 250, 2, 0, RUNNABLE, 1050);
	sw(&f, 260, 2, 1050, BLOCKED, 0);
	sw(&f, 270, 3, 0, RUNNABLE, 300);
	sw(&f, 280, 3, 300, BLOCKED, 0);
	vexit(&f, 300, 0, 1001, 0, HLT);
	sw(&f, 310, 0, 1001, BLOCKED, 0);
	wake(&f, 350, 2, VF_EV_SCHED_WAKING, 1050, 300);
	wake(&f, 400, 3, VF_EV_SCHED_WAKING, 300, 1050);
	sw(&f, 430, 2, 0, RUNNABLE, 1050);
	accept_vec(&f, 440, 2, 1050, 45);
	wake(&f, 441, 2, VF_EV_SCHED_WAKING, 1050, 1001);
	sw(&f, 450, 2, 1050, BLOCKED, 0);
	sw(&f, 460, 0, 0, RUNNABLE, 1001);
	inj(&f, 470, 0, 1001, 45);
	entry(&f, 480, 0, 1001, 0);
	finish(&f, 600);
	text = cp_text(&f, 0xa000);
	rows = view_rows(text, "path\t");
	assert_string_equal(rows, "path\tprocess:1000/0xa000\t200\t300\t100\tRUNNING\tHL1\t0\t-\n"
				  "path\tprocess:1000/0xa000\t300\t310\t10\tRUNNING\tHL0\t0\t-\n"
				  "path\thost:kworker/0:1\t310\t350\t40\tBLOCKED\tHL0\t2\tvhost:1000\n"
				  "path\thost:kworker/0:1\t350\t400\t50\tPREEMPTED\tHL0\t2\t-\n"
				  "path\tvhost:1000\t400\t430\t30\tPREEMPTED\tHL0\t1\t-\n"
				  "path\tvhost:1000\t430\t441\t11\tRUNNING\tHL0\t1\t-\n"
				  "path\tprocess:1000/0xa000\t441\t460\t19\tNETWORK\tHL1\t0\tvhost:1000\n"
				  "path\tprocess:1000/0xa000\t460\t480\t20\tRUNNING\tHL0\t0\t-\n"
				  "path\tprocess:1000/0xa000\t480\t600\t120\tRUNNING\tHL1\t0\t-\n");
	free(rows);
	free(text);
	fx_close(&f);
}

/*
 * An unknown waker: vCPU 0 blocks in the host after an I/O exit (wait_host,
 * BLOCKED at HL0) and is woken on CPU 3, where no thread is known (no context,
 * no sched_switch there): the blocked stretch stays, woken_by unknown.
 */
static void test_unknown_waker_stays(void **state)
{
	struct fx f;
	struct vf_event ev;
	char *text, *rows;

	(void)state;
	fx_open(&f, NULL);
	sw(&f, 100, 0, 0, RUNNABLE, 1001);
	enter_guest(&f, 150, 0, 1001, 0, 0xa000, 0);
	entry(&f, 200, 0, 1001, 0);
	vexit(&f, 300, 0, 1001, 0, IO_INSTRUCTION);
	sw(&f, 310, 0, 1001, BLOCKED, 0);
	ev = base(&f, 400, 3, VF_EV_SCHED_WAKING, -1);
	ev.tid = -1;
	ev.pid = -1;
	snprintf(ev.u.sched_wake.comm, VF_COMM_LEN, "%s", comm_of(1001));
	ev.u.sched_wake.tid = 1001;
	feed(&f, &ev);
	sw(&f, 420, 0, 0, RUNNABLE, 1001);
	entry(&f, 430, 0, 1001, 0);
	finish(&f, 500);
	text = cp_text(&f, 0xa000);
	rows = view_rows(text, "path\t");
	assert_string_equal(rows, "path\tprocess:1000/0xa000\t200\t300\t100\tRUNNING\tHL1\t0\t-\n"
				  "path\tprocess:1000/0xa000\t300\t310\t10\tRUNNING\tHL0\t0\t-\n"
				  "path\tprocess:1000/0xa000\t310\t420\t110\tBLOCKED\tHL0\t0\tunknown\n"
				  "path\tprocess:1000/0xa000\t420\t430\t10\tRUNNING\tHL0\t0\t-\n"
				  "path\tprocess:1000/0xa000\t430\t500\t70\tRUNNING\tHL1\t0\t-\n");
	free(rows);
	free(text);
	fx_close(&f);
}

/* A sched_switch between host threads named "w<k>" (tid 400 + k; -1: the idle task). */
static void sw_worker(struct fx *f, int64_t ts, uint32_t cpu, int prev, int next)
{
	struct vf_event ev = base(f, ts, cpu, VF_EV_SCHED_SWITCH, prev < 0 ? 0 : 400 + prev);

	snprintf(ev.u.sched_switch.prev_comm, VF_COMM_LEN, prev < 0 ? "swapper/2" : "w%d", prev);
	ev.u.sched_switch.prev_tid = prev < 0 ? 0 : 400 + prev;
	ev.u.sched_switch.prev_state = BLOCKED;
	snprintf(ev.u.sched_switch.next_comm, VF_COMM_LEN, next < 0 ? "swapper/2" : "w%d", next);
	ev.u.sched_switch.next_tid = next < 0 ? 0 : 400 + next;
	feed(f, &ev);
}

/*
 * The depth bound, over a chain of 18 host threads w0..w17 (tids 400..417), all
 * blocked since 101 + k; w17 is woken at 500 (interrupt on CPU 3), then each
 * w<k+1> wakes w<k> at 670 - 10 k; w0 wakes vCPU 0 (blocked in the host since
 * 310) at 700. The walk follows w0 (depth 1) ... w15 (depth 16), whose blocked
 * part 310-520 stays (the bound), woken_by w16; each w<k> was then runnable,
 * never switched in (PREEMPTED) until it woke the next one down the chain.
 */
static void test_depth_bound(void **state)
{
	struct fx f;
	char *text, *rows, want[4096], *at = want;
	int k;

	(void)state;
	fx_open(&f, NULL);
	sw(&f, 100, 0, 0, RUNNABLE, 1001);
	enter_guest(&f, 150, 0, 1001, 0, 0xa000, 0);
	sw_worker(&f, 100, 2, -1, 0);
	for (k = 0; k < 17; k++) {
		sw_worker(&f, 101 + k, 2, k, k + 1);
	}
	sw_worker(&f, 118, 2, 17, -1);
	entry(&f, 200, 0, 1001, 0);
	vexit(&f, 300, 0, 1001, 0, IO_INSTRUCTION);
	sw(&f, 310, 0, 1001, BLOCKED, 0);
	wake(&f, 500, 3, VF_EV_SCHED_WAKING, 0, 417);
	for (k = 16; k >= 0; k--) {
		wake(&f, 670 - 10 * k, 3, VF_EV_SCHED_WAKING, 401 + k, 400 + k);
	}
	wake(&f, 700, 3, VF_EV_SCHED_WAKING, 400, 1001);
	sw(&f, 710, 0, 0, RUNNABLE, 1001);
	entry(&f, 720, 0, 1001, 0);
	finish(&f, 800);
	text = cp_text(&f, 0xa000);
	rows = view_rows(text, "path\t");
	at += sprintf(at, "path\tprocess:1000/0xa000\t200\t300\t100\tRUNNING\tHL1\t0\t-\n"
			  "path\tprocess:1000/0xa000\t300\t310\t10\tRUNNING\tHL0\t0\t-\n"
			  "path\thost:w15\t310\t520\t210\tBLOCKED\tHL0\t16\thost:w16\n");
	for (k = 15; k >= 0; k--) {
		at += sprintf(at, "path\thost:w%d\t%d\t%d\t%d\tPREEMPTED\tHL0\t%d\t-\n", k, 670 - 10 * k,
			      k ? 680 - 10 * k : 700, k ? 10 : 30, k + 1);
	}
	sprintf(at, "path\tprocess:1000/0xa000\t700\t710\t10\tBLOCKED\tHL0\t0\thost:w0\n"
		    "path\tprocess:1000/0xa000\t710\t720\t10\tRUNNING\tHL0\t0\t-\n"
		    "path\tprocess:1000/0xa000\t720\t800\t80\tRUNNING\tHL1\t0\t-\n");
	assert_string_equal(rows, want);
	free(rows);
	free(text);
	fx_close(&f);
}

/*
 * An L2 process (0x2000, run by L1 hypervisor process 0x1000, feed.h's
 * sequence): its own rows are RUNNING HL2 while in L2 and RUNNING HL1 while L1
 * or L0 handles its exits, PREEMPTED HL2 when L1 loads another L2 process.
 */
static void test_l2_process_levels(void **state)
{
	struct fx f;
	char *text;

	(void)state;
	fx_open(&f, NULL);
	feed_nested_sequence(&f);
	text = cp_text(&f, 0x2000);
	assert_string_equal(text,
			    HDR "own\tprocess:1000/0x1000/0x2000\t320\t400\t80\tRUNNING\tHL2\t0\t-\n"
				"own\tprocess:1000/0x1000/0x2000\t400\t450\t50\tRUNNING\tHL1\t0\t-\n"
				"own\tprocess:1000/0x1000/0x2000\t450\t500\t50\tRUNNING\tHL2\t0\t-\n"
				"own\tprocess:1000/0x1000/0x2000\t500\t620\t120\tRUNNING\tHL1\t0\t-\n"
				"own\tprocess:1000/0x1000/0x2000\t620\t700\t80\tPREEMPTED\tHL2\t0\t-\n"
				"path\tprocess:1000/0x1000/0x2000\t320\t400\t80\tRUNNING\tHL2\t0\t-\n"
				"path\tprocess:1000/0x1000/0x2000\t400\t450\t50\tRUNNING\tHL1\t0\t-\n"
				"path\tprocess:1000/0x1000/0x2000\t450\t500\t50\tRUNNING\tHL2\t0\t-\n"
				"path\tprocess:1000/0x1000/0x2000\t500\t620\t120\tRUNNING\tHL1\t0\t-\n"
				"path\tprocess:1000/0x1000/0x2000\t620\t700\t80\tPREEMPTED\tHL2\t0\t-\n");
	free(text);
	fx_close(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inter_vm_chain),
		cmocka_unit_test(test_thread_lines),
		cmocka_unit_test(test_recorded_in_history),
		cmocka_unit_test(test_cycle_stops),
		cmocka_unit_test(test_unknown_waker_stays),
		cmocka_unit_test(test_depth_bound),
		cmocka_unit_test(test_l2_process_levels),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
