/* SPDX-License-Identifier: MIT */
/*
 * test_truth_summary.c - the truth summary (synth/truth_summary.c) of a
 * scenario worked out by hand (the one of tests/synth/test_cmd_synth.sh), of
 * an IPI scenario (wake-up edges between vCPUs) and of a nested one (levels,
 * CR3 -> name map); and that it is deterministic.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "synth/scenario.h"
#include "synth/sim.h"
#include "synth/truth.h"
#include "synth/truth_summary.h"
#include "common/testutil.h"

struct null_sink {
	struct vf_sink base;
	uint64_t count;
};

static enum vf_status null_emit(struct vf_sink *s, const struct vf_event *ev, struct vf_error *err)
{
	(void)ev;
	(void)err;
	((struct null_sink *)s)->count++;
	return VF_OK;
}

static enum vf_status null_finish(struct vf_sink *s, int64_t end_ns, struct vf_error *err)
{
	(void)s;
	(void)end_ns;
	(void)err;
	return VF_OK;
}

static void null_free(struct vf_sink *s)
{
	(void)s;
}

/* Runs the scenario text and returns the summary JSON (malloc'ed). */
static char *summary_of(const char *yaml, const char *name)
{
	struct vf_error err = {0};
	struct vf_scenario *scn = vf_scenario_new_from_string(yaml, strlen(yaml), name, &err);
	struct null_sink sink = {{.emit = null_emit, .finish = null_finish, .free = null_free}, 0};
	struct vf_history *h;
	struct vf_truth *t;
	char *buf = NULL;
	size_t len = 0;
	FILE *fp;

	if (!scn) {
		fail_msg("%s: %s", err.where, err.msg);
	}
	h = vf_history_new(vf_test_tmpdir(name), &err);
	assert_non_null(h);
	t = vf_truth_new(h, &err);
	assert_non_null(t);
	assert_int_equal(vf_sim_run(scn, &sink.base, t, NULL, &err), VF_OK);
	fp = open_memstream(&buf, &len);
	assert_non_null(fp);
	assert_int_equal(vf_truth_write_summary(t, h, scn, fp, &err), VF_OK);
	fclose(fp);
	vf_truth_free(t);
	vf_history_free(h);
	vf_scenario_free(scn);
	return buf;
}

static void assert_contains(const char *hay, const char *needle)
{
	if (!strstr(hay, needle)) {
		fail_msg("summary lacks %s\n%s", needle, hay);
	}
}

static const char *const one_yaml =
    "seed: 7\n"
    "duration: 5ms\n"
    "host:\n"
    "  cpus: 1\n"
    "  latency: {wakeup: 2us, vcpu_load: 3us, inject: 1us, block: 2us, interrupt: 1us}\n"
    "vms:\n"
    "  - pid: 1000\n"
    "    main_thread: none\n"
    "    guest: {cpu_burst: 1ms, idle: 500us, tick: 0}\n"
    "    exits: none\n"
    "trace: {clock_offset: 0}\n";

/* The hand-computed run (test_cmd_synth.sh): three 500 us timer halts. */
static void test_summary_hand_computed(void **state)
{
	char *js = summary_of(one_yaml, "summary-one");

	(void)state;
	assert_contains(js, "\"format\": \"vmflow-truth-summary-1\"");
	assert_contains(js, "\"seed\": 7,\n  \"begin_ns\": 0,\n  \"end_ns\": 5000000,");
	assert_contains(js, "\"levels\": {\"max\": 1, \"guest_l2_ns\": 0}");
	/* guest 3 x 1 ms + 467 us; hypervisor 3 + 3 x (2 + 4) us; 3 x 500 us halted */
	assert_contains(js, "\"status_ns\": {\n            \"guest\": 3467000,\n"
	                    "            \"hypervisor\": 21000,\n            \"wait_timer\": 1500000\n"
	                    "          }");
	/* each HLT exit at t is followed by the entry at t + 506 us (2 root, 500 halted, 4 root) */
	assert_contains(js, "{\"reason\": \"HLT\", \"code\": 12, \"count\": 3, \"total_ns\": 1518000}");
	assert_contains(js, "\"waits_ns\": {\n        \"wait_timer\": 1500000\n      }");
	assert_contains(js, "{\"waker\": \"timer\", \"wakee\": \"VMs/1000/vCPUs/0\", \"class\": "
	                    "\"timer\", \"count\": 3}");
	free(js);
}

/* IPIs: the wake-up edges name the sibling vCPUs; the same run gives the same bytes. */
static void test_summary_ipi_edges(void **state)
{
	static const char yaml[] = "seed: 3\n"
	                           "duration: 100ms\n"
	                           "host: {cpus: 2}\n"
	                           "vms:\n"
	                           "  - pid: 2000\n"
	                           "    vcpus: 2\n"
	                           "    guest: {waits: {task: 1}}\n";
	char *a = summary_of(yaml, "summary-ipi"), *b = summary_of(yaml, "summary-ipi2");

	(void)state;
	assert_contains(a, "{\"waker\": \"VMs/2000/vCPUs/1\", \"wakee\": \"VMs/2000/vCPUs/0\", "
	                   "\"class\": \"task\", \"count\": ");
	assert_contains(a, "{\"waker\": \"VMs/2000/vCPUs/0\", \"wakee\": \"VMs/2000/vCPUs/1\", "
	                   "\"class\": \"task\", \"count\": ");
	assert_contains(a, "\"wait_task\": ");
	assert_string_equal(a, b);
	free(a);
	free(b);
}

/* Nesting: two levels, the CR3 -> name map of L1 and L2 processes. */
static void test_summary_nested(void **state)
{
	static const char yaml[] = "seed: 5\n"
	                           "duration: 50ms\n"
	                           "host: {cpus: 1}\n"
	                           "vms:\n"
	                           "  - pid: 3000\n"
	                           "    guest:\n"
	                           "      cpu_burst: 20ms\n"
	                           "      processes: [{name: qemu-l1}, {name: init}]\n"
	                           "    nested: {hypervisor: qemu-l1, processes: [{name: l2app}]}\n"
	                           "trace: {cr3: addons}\n";
	char *js = summary_of(yaml, "summary-nested");

	(void)state;
	assert_contains(js, "\"levels\": {\"max\": 2, \"guest_l2_ns\": ");
	assert_contains(js, "{\"cr3\": \"0x11a3c0000\", \"name\": \"qemu-l1\", \"threads\": 1, "
	                    "\"level\": 1}");
	assert_contains(js, "{\"cr3\": \"0x11a675000\", \"name\": \"init\", \"threads\": 1, "
	                    "\"level\": 1}");
	assert_contains(js, "{\"cr3\": \"0x2a1e00000\", \"name\": \"l2app\", \"threads\": 1, "
	                    "\"level\": 2, \"hypervisor\": \"0x11a3c0000\"}");
	assert_contains(js, "{\"reason\": \"VMLAUNCH\", \"code\": 20, \"count\": 1, ");
	free(js);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_summary_hand_computed),
	    cmocka_unit_test(test_summary_ipi_edges),
	    cmocka_unit_test(test_summary_nested),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
