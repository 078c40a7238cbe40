/* SPDX-License-Identifier: MIT */
/*
 * test_tc_results.c - the results CTF trace, read back by the real babeltrace2
 * CLI: events, times, values, clock, and merging with the host trace.
 */
#include "common/testutil.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exports/tc_results.h"
#include "synth/sink.h"
#include "vmflow/history.h"

#define ORIGIN_NS 1700000000500000000LL /* offset_s 1700000000 + offset 500000000 */
#define B (ORIGIN_NS + 1000)
#define TS28 (1LL << 28)

static void host_info(struct vf_trace_info *info)
{
	memset(info, 0, sizeof(*info));
	info->begin_ns = INT64_MAX;
	info->end_ns = INT64_MIN;
	snprintf(info->hostname, sizeof(info->hostname), "kvmhost");
	snprintf(info->domain, sizeof(info->domain), "kernel");
	snprintf(info->tracer_name, sizeof(info->tracer_name), "lttng-modules");
	info->tracer_major = 2;
	info->tracer_minor = 13;
	snprintf(info->clock_name, sizeof(info->clock_name), "monotonic");
	info->clock_frequency = 1000000000;
	info->clock_offset_seconds = 1700000000;
	info->clock_offset_cycles = 500000000;
	info->clock_has_uuid = true;
	for (int i = 0; i < 16; i++) {
		info->clock_uuid[i] = (uint8_t)(0xc0 + i);
	}
}

static void add(struct vf_history *h, const char *path, int64_t s, int64_t e, const char *v)
{
	struct vf_error err = {0};

	assert_int_equal(vf_history_add(h, vf_history_path(h, path), s, e, vf_history_value(h, v),
					&err),
			 VF_OK);
}

static struct vf_history *small_history(void)
{
	struct vf_error err = {0};
	struct vf_history *h = vf_history_new(VMFLOW_TEST_TMP, &err);

	assert_non_null(h);
	add(h, "VMs/100/Processes/0x1000/Status", B, B + 100, "running");  /* generic events */
	add(h, "VMs/100/vCPUs/0/Status", B, B + 100, "guest");
	add(h, "VMs/100/vCPUs/0/Status", B + 100, B + 250, "hypervisor");
	add(h, "VMs/100/vCPUs/0/Status", B + 400, B + 500, "wait_timer");
	add(h, "VMs/100/vCPUs/0/Status", B + 500 + TS28, B + 600 + TS28, "guest");
	add(h, "VMs/100/vCPUs/0/Exit", B + 100, B + 250, "HLT");
	add(h, "VMs/100/vCPUs/0/Process", B, B + 600, "0x1000");
	add(h, "VMs/100/vCPUs/1/Status", B + 50, B + 100, "guest");
	add(h, "VMs/100/vCPUs/1/Status", B + 100, B + 400, "preempted_vm");
	add(h, "VMs/100/Nested/0x2000/vCPUs/0/Status", B, B + 10, "guest"); /* 7 components */
	add(h, "VMs/7/vCPUs/0/Status", B + 100, B + 200, "guest");
	return h;
}

static char *run_babeltrace(const char *args, const char *dirs, int expect_rc)
{
	char cmd[8192];
	size_t cap = 8 << 20;
	char *out = malloc(cap);

	assert_non_null(out);
	snprintf(cmd, sizeof(cmd), "babeltrace2 %s %s 2>&1", args, dirs);
	assert_int_equal(vf_test_run(cmd, out, cap), expect_rc);
	return out;
}

#define STATE(ts, pid, cpu, attr, val, dur)                                                        \
	"[" ts "] kvmhost vmflow_vcpu_state: { cpu_id = 0 }, { vm_pid = " pid ", vcpu_id = " cpu      \
	", attribute = \"" attr "\", value = \"" val "\", duration = " dur " }\n"
#define END(ts, pid, cpu, attr)                                                                    \
	"[" ts "] kvmhost vmflow_vcpu_state_end: { cpu_id = 0 }, { vm_pid = " pid ", vcpu_id = " cpu  \
	", attribute = \"" attr "\" }\n"

/* A generic event of a 5-component path VMs/100/<a2>/<a3>/<a4>. */
#define GEN5(ts, a2, a3, a4, val, dur)                                                             \
	"[" ts "] kvmhost vmflow_state_5: { cpu_id = 0 }, { a0 = \"VMs\", a1 = \"100\", a2 = \"" a2  \
	"\", a3 = \"" a3 "\", a4 = \"" a4 "\", value = \"" val "\", duration = " dur " }\n"
#define GEN5_END(ts, a2, a3, a4)                                                                   \
	"[" ts "] kvmhost vmflow_state_end_5: { cpu_id = 0 }, { a0 = \"VMs\", a1 = \"100\", a2 = \"" \
	a2 "\", a3 = \"" a3 "\", a4 = \"" a4 "\" }\n"

static void test_tc_results_events_in_time_order(void **state)
{
	struct vf_history *h = small_history();
	struct vf_trace_info info;
	struct vf_error err = {0};
	const char *dir = vf_test_tmpdir("tc_results_small");
	char *out;

	(void)state;
	host_info(&info);
	assert_int_equal(vf_tc_results_write(dir, h, &info, &err), VF_OK);
	out = run_babeltrace("--clock-seconds --no-delta", dir, 0);
	assert_string_equal(out,
		"[1700000000.500001000] kvmhost vmflow_state_7: { cpu_id = 0 }, { a0 = \"VMs\", "
		"a1 = \"100\", a2 = \"Nested\", a3 = \"0x2000\", a4 = \"vCPUs\", a5 = \"0\", "
		"a6 = \"Status\", value = \"guest\", duration = 10 }\n"
		GEN5("1700000000.500001000", "Processes", "0x1000", "Status", "running", "100")
		GEN5("1700000000.500001000", "vCPUs", "0", "Process", "0x1000", "600")
		STATE("1700000000.500001000", "100", "0", "Status", "guest", "100")
		"[1700000000.500001010] kvmhost vmflow_state_end_7: { cpu_id = 0 }, { a0 = \"VMs\", "
		"a1 = \"100\", a2 = \"Nested\", a3 = \"0x2000\", a4 = \"vCPUs\", a5 = \"0\", "
		"a6 = \"Status\" }\n"
		STATE("1700000000.500001050", "100", "1", "Status", "guest", "50")
		GEN5_END("1700000000.500001100", "Processes", "0x1000", "Status")
		STATE("1700000000.500001100", "100", "0", "Exit", "HLT", "150")
		STATE("1700000000.500001100", "100", "0", "Status", "hypervisor", "150")
		STATE("1700000000.500001100", "100", "1", "Status", "preempted_vm", "300")
		STATE("1700000000.500001100", "7", "0", "Status", "guest", "100")
		END("1700000000.500001200", "7", "0", "Status")
		END("1700000000.500001250", "100", "0", "Exit")
		END("1700000000.500001250", "100", "0", "Status")
		END("1700000000.500001400", "100", "1", "Status")
		STATE("1700000000.500001400", "100", "0", "Status", "wait_timer", "100")
		END("1700000000.500001500", "100", "0", "Status")
		GEN5_END("1700000000.500001600", "vCPUs", "0", "Process")
		STATE("1700000000.768436956", "100", "0", "Status", "guest", "100")
		END("1700000000.768437056", "100", "0", "Status"));
	free(out);
	vf_history_free(h);
}

static void test_tc_results_clock_and_env_match_host(void **state)
{
	struct vf_history *h = small_history();
	struct vf_trace_info info;
	struct vf_error err = {0};
	const char *dir = vf_test_tmpdir("tc_results_clock");
	char *out;

	(void)state;
	host_info(&info);
	info.begin_ns = ORIGIN_NS + 10;
	info.end_ns = B + 700 + TS28;
	assert_int_equal(vf_tc_results_write(dir, h, &info, &err), VF_OK);
	out = run_babeltrace("-c sink.text.details", dir, 0);
	assert_non_null(strstr(out, "      Name: monotonic\n"));
	assert_non_null(strstr(out, "      Frequency (Hz): 1,000,000,000\n"));
	assert_non_null(strstr(out, "      Offset (s): 1,700,000,000\n"));
	assert_non_null(strstr(out, "      Offset (cycles): 500,000,000\n"));
	assert_non_null(strstr(out, "      Origin is Unix epoch: Yes\n"));
	assert_non_null(strstr(out, "      UUID: c0c1c2c3-c4c5-c6c7-c8c9-cacbcccdcecf\n"));
	assert_non_null(strstr(out, "      domain: vmflow\n"));
	assert_non_null(strstr(out, "      tracer_name: vmflow\n"));
	assert_non_null(strstr(out, "      hostname: kvmhost\n"));
	assert_non_null(strstr(out, "      cpu_id: Unsigned integer (32-bit, Base 10)\n"));
	assert_non_null(strstr(out, "        vm_pid: Signed integer (64-bit, Base 10)\n"));
	assert_non_null(strstr(out, "        vcpu_id: Unsigned integer (32-bit, Base 10)\n"));
	/* the packet spans the host trace, not only the intervals */
	assert_non_null(strstr(out, "[10 cycles, 1,700,000,000,500,000,010 ns from origin]\n"
				    "{Trace 0, Stream class ID 0, Stream ID 0}\nPacket beginning:\n"
				    "  Context:\n    cpu_id: 0\n"));
	assert_non_null(strstr(out, "[268,437,156 cycles, 1,700,000,000,768,437,156 ns from origin]\n"
				    "{Trace 0, Stream class ID 0, Stream ID 0}\nPacket end\n"));
	free(out);
	vf_history_free(h);
}

static void test_tc_results_opens_beside_the_host_trace(void **state)
{
	struct vf_history *h = small_history();
	struct vf_trace_info info;
	struct vf_trace_desc d;
	struct vf_error err = {0};
	struct vf_event ev;
	struct vf_sink *sink;
	char host_dir[4096], res_dir[4096], dirs[8400];
	char *out;
	int lines = 0;

	(void)state;
	host_info(&info);
	snprintf(host_dir, sizeof(host_dir), "%s", vf_test_tmpdir("tc_results_host"));
	snprintf(res_dir, sizeof(res_dir), "%s", vf_test_tmpdir("tc_results_beside"));
	memset(&d, 0, sizeof(d));
	snprintf(d.hostname, sizeof(d.hostname), "kvmhost");
	snprintf(d.kernel_release, sizeof(d.kernel_release), "6.1.0");
	memcpy(d.clock_uuid, info.clock_uuid, 16);
	d.clock_offset_ns = ORIGIN_NS;
	d.cpu_count = 1;
	d.packet_size = 4096;
	sink = vf_sink_ctf_new(host_dir, &d, &err);
	assert_non_null(sink);
	memset(&ev, 0, sizeof(ev));
	ev.kind = VF_EV_KVM_ENTRY;
	ev.ts_ns = B + 75;
	assert_int_equal(sink->emit(sink, &ev, &err), VF_OK);
	assert_int_equal(sink->finish(sink, B + 1000, &err), VF_OK);
	sink->free(sink);

	assert_int_equal(vf_tc_results_write(res_dir, h, &info, &err), VF_OK);
	snprintf(dirs, sizeof(dirs), "'%s' '%s'", host_dir, res_dir);
	out = run_babeltrace("--clock-seconds --no-delta", dirs, 0);
	for (char *p = out; (p = strchr(p, '\n')) != NULL; p++) {
		lines++;
	}
	assert_int_equal(lines, 21); /* 20 results events + 1 host event */
	/* the host event sits between the two results events around it */
	assert_non_null(strstr(out, STATE("1700000000.500001050", "100", "1", "Status", "guest", "50")
				    "[1700000000.500001075] kvmhost kvm_x86_entry: { cpu_id = 0 }, "
				    "{ vcpu_id = 0 }\n"
				    GEN5_END("1700000000.500001100", "Processes", "0x1000", "Status")));
	free(out);
	vf_history_free(h);
}

static void test_tc_results_many_intervals_merge_in_order(void **state)
{
	struct vf_error err = {0};
	struct vf_history *h = vf_history_new(VMFLOW_TEST_TMP, &err);
	struct vf_trace_info info;
	const char *dir = vf_test_tmpdir("tc_results_many");
	uint64_t starts = 0, ends = 0;
	char *out, *line;
	int64_t prev_ns = 0;
	int state_lines = 0, end_lines = 0;

	(void)state;
	assert_non_null(h);
	/* 6 vCPUs x 1500 intervals: spills several history chunks per path */
	for (int v = 0; v < 6; v++) {
		char path[64];
		int64_t t = B + v * 7;

		snprintf(path, sizeof(path), "VMs/%d/vCPUs/%d/Status", 300 + v % 2, v);
		for (int i = 0; i < 1500; i++) {
			int64_t len = 100 + (i * 37 + v * 11) % 900;
			bool gap = (i % 3) == 0;

			add(h, path, t, t + len, (i % 2) ? "guest" : "hypervisor");
			starts++;
			t += len;
			if (gap || i == 1499) {
				t += 50;
				ends++;
			}
		}
	}
	host_info(&info);
	assert_int_equal(vf_tc_results_write(dir, h, &info, &err), VF_OK);
	out = run_babeltrace("--clock-seconds --no-delta", dir, 0);
	for (line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
		long long s, ns;

		assert_int_equal(sscanf(line, "[%lld.%lld]", &s, &ns), 2);
		assert_true(s * 1000000000LL + ns >= prev_ns);
		prev_ns = s * 1000000000LL + ns;
		state_lines += strstr(line, " vmflow_vcpu_state: ") != NULL;
		end_lines += strstr(line, " vmflow_vcpu_state_end: ") != NULL;
	}
	assert_int_equal(state_lines, starts);
	assert_int_equal(end_lines, ends);
	free(out);
	vf_history_free(h);
}

static void test_tc_results_microsecond_clock(void **state)
{
	struct vf_error err = {0};
	struct vf_history *h = vf_history_new(VMFLOW_TEST_TMP, &err);
	struct vf_trace_info info;
	const char *dir = vf_test_tmpdir("tc_results_us");
	char *out;

	(void)state;
	host_info(&info);
	snprintf(info.tracer_name, sizeof(info.tracer_name), "other");
	snprintf(info.clock_name, sizeof(info.clock_name), "usclock");
	info.clock_frequency = 1000000;
	info.clock_offset_seconds = 100;
	info.clock_offset_cycles = 250000;
	add(h, "VMs/5/vCPUs/2/Exit", 100250000000LL + 3000, 100250000000LL + 8000, "EPT_VIOLATION");
	assert_int_equal(vf_tc_results_write(dir, h, &info, &err), VF_OK);
	out = run_babeltrace("--clock-seconds --no-delta", dir, 0);
	assert_string_equal(out,
		"[100.250003000] kvmhost vmflow_vcpu_state: { cpu_id = 0 }, { vm_pid = 5, vcpu_id = 2, "
		"attribute = \"Exit\", value = \"EPT_VIOLATION\", duration = 5000 }\n"
		"[100.250008000] kvmhost vmflow_vcpu_state_end: { cpu_id = 0 }, { vm_pid = 5, "
		"vcpu_id = 2, attribute = \"Exit\" }\n");
	free(out);
	out = run_babeltrace("-c sink.text.details", dir, 0);
	assert_non_null(strstr(out, "      Name: usclock\n"));
	assert_non_null(strstr(out, "      Frequency (Hz): 1,000,000\n"));
	assert_non_null(strstr(out, "      Origin is Unix epoch: No\n"));
	free(out);
	vf_history_free(h);
}

static void test_tc_results_empty_history_gives_an_empty_trace(void **state)
{
	struct vf_error err = {0};
	struct vf_history *h = vf_history_new(VMFLOW_TEST_TMP, &err);
	struct vf_trace_info info;
	const char *dir = vf_test_tmpdir("tc_results_empty");
	char *out;

	(void)state;
	host_info(&info);
	info.begin_ns = ORIGIN_NS + 5;
	info.end_ns = ORIGIN_NS + 9;
	assert_int_equal(vf_tc_results_write(dir, h, &info, &err), VF_OK);
	out = run_babeltrace("--clock-seconds --no-delta", dir, 0);
	assert_string_equal(out, "");
	free(out);
	out = run_babeltrace("-c sink.text.details", dir, 0);
	assert_non_null(strstr(out, "[5 cycles, 1,700,000,000,500,000,005 ns from origin]\n"));
	assert_non_null(strstr(out, "[9 cycles, 1,700,000,000,500,000,009 ns from origin]\n"));
	free(out);
	vf_history_free(h);
}

static void test_tc_results_interval_before_the_clock_is_refused(void **state)
{
	struct vf_error err = {0};
	struct vf_history *h = vf_history_new(VMFLOW_TEST_TMP, &err);
	struct vf_trace_info info;

	(void)state;
	host_info(&info);
	add(h, "VMs/5/vCPUs/0/Status", 1000, 2000, "guest");
	assert_int_equal(vf_tc_results_write(vf_test_tmpdir("tc_results_early"), h, &info, &err),
			 VF_ERR_INTERNAL);
	assert_string_equal(err.where, "VMs/5/vCPUs/0/Status");
	vf_history_free(h);
}

static void test_tc_results_unwritable_dir_is_named(void **state)
{
	struct vf_error err = {0};
	struct vf_history *h = small_history();
	struct vf_trace_info info;
	char file[4096], dir[4200];
	FILE *fp;

	(void)state;
	host_info(&info);
	snprintf(file, sizeof(file), "%s/a-file", vf_test_tmpdir("tc_results_unwritable"));
	fp = fopen(file, "w");
	assert_non_null(fp);
	fclose(fp);
	snprintf(dir, sizeof(dir), "%s/results", file);
	assert_int_equal(vf_tc_results_write(dir, h, &info, &err), VF_ERR_IO);
	assert_non_null(strstr(err.where, "a-file/results"));
	vf_history_free(h);
}

static void test_history_path_iter_reads_one_path_across_chunks(void **state)
{
	struct vf_error err = {0};
	struct vf_history *h = vf_history_new(VMFLOW_TEST_TMP, &err);
	struct vf_history_path_iter *a, *b;
	uint32_t pa, pb, v;
	int64_t s, e;
	int n = 0;

	(void)state;
	pa = vf_history_path(h, "a");
	pb = vf_history_path(h, "b");
	for (int i = 0; i < 1000; i++) {
		assert_int_equal(vf_history_add(h, pa, i * 10, i * 10 + 5, vf_history_value(h, "x"), &err),
				 VF_OK);
		assert_int_equal(vf_history_add(h, pb, i * 20, i * 20 + 7, vf_history_value(h, "y"), &err),
				 VF_OK);
	}
	a = vf_history_path_iter_new(h, pa, &err);
	b = vf_history_path_iter_new(h, pb, &err);
	assert_non_null(a);
	assert_non_null(b);
	/* interleaved reads of two paths share the spill file */
	for (int i = 0; i < 1000; i++) {
		assert_true(vf_history_path_iter_next(a, &s, &e, &v));
		assert_int_equal(s, i * 10);
		assert_int_equal(e, i * 10 + 5);
		assert_string_equal(vf_history_value_name(h, v), "x");
		assert_true(vf_history_path_iter_next(b, &s, &e, &v));
		assert_int_equal(s, i * 20);
		assert_int_equal(e, i * 20 + 7);
		n++;
	}
	assert_false(vf_history_path_iter_next(a, &s, &e, &v));
	assert_false(vf_history_path_iter_next(b, &s, &e, &v));
	assert_int_equal(n, 1000);
	assert_int_equal(vf_history_path_iter_free(a, &err), VF_OK);
	assert_int_equal(vf_history_path_iter_free(b, &err), VF_OK);
	assert_null(vf_history_path_iter_new(h, 99, &err));
	vf_history_free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tc_results_events_in_time_order),
		cmocka_unit_test(test_tc_results_clock_and_env_match_host),
		cmocka_unit_test(test_tc_results_opens_beside_the_host_trace),
		cmocka_unit_test(test_tc_results_many_intervals_merge_in_order),
		cmocka_unit_test(test_tc_results_microsecond_clock),
		cmocka_unit_test(test_tc_results_empty_history_gives_an_empty_trace),
		cmocka_unit_test(test_tc_results_interval_before_the_clock_is_refused),
		cmocka_unit_test(test_tc_results_unwritable_dir_is_named),
		cmocka_unit_test(test_history_path_iter_reads_one_path_across_chunks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
