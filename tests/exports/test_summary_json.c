/* SPDX-License-Identifier: MIT */
/*
 * test_summary_json.c - summary.json for a tiny hand-made history: exact text,
 * per-state sums, exit counting, entity order, string escaping.
 */
#include "common/testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exports/summary_json.h"
#include "vmflow/history.h"

static char *write_to_string(struct vf_history *h, const struct vf_trace_info *info,
                             const char *const *warnings, size_t warning_count)
{
	struct vf_error err = {0};
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	assert_non_null(fp);
	assert_int_equal(vf_summary_json_write(fp, h, info, warnings, warning_count, &err), VF_OK);
	fclose(fp);
	return buf;
}

static void add(struct vf_history *h, const char *path, int64_t s, int64_t e, const char *value)
{
	struct vf_error err = {0};

	assert_int_equal(
	    vf_history_add(h, vf_history_path(h, path), s, e, vf_history_value(h, value), &err),
	    VF_OK);
}

static void test_summary_of_a_tiny_history_is_exact(void **state)
{
	struct vf_error err = {0};
	struct vf_history *h = vf_history_new(NULL, &err);
	struct vf_trace_info info;
	const char *warnings[] = {"2 events lost on cpu 1", "tab\there"};
	char *text;

	(void)state;
	/* VM 20, vCPU 0: one exit (guest -> hypervisor at 200); the hypervisor intervals after
	 * preempted_host, after wait_timer and after a gap are not exits */
	add(h, "VMs/20/vCPUs/0/Status", 100, 200, "guest");
	add(h, "VMs/20/vCPUs/0/Status", 200, 250, "hypervisor");
	add(h, "VMs/20/vCPUs/0/Status", 250, 400, "guest");
	add(h, "VMs/20/vCPUs/0/Status", 400, 450, "preempted_host");
	add(h, "VMs/20/vCPUs/0/Status", 450, 500, "hypervisor");
	add(h, "VMs/20/vCPUs/0/Status", 500, 700, "wait_timer");
	add(h, "VMs/20/vCPUs/0/Status", 700, 720, "hypervisor");
	add(h, "VMs/20/vCPUs/0/Status", 720, 800, "guest");
	add(h, "VMs/20/vCPUs/0/Status", 810, 820, "hypervisor");
	add(h, "VMs/20/vCPUs/0/Exit", 200, 250, "HLT");
	/* VM 3, vCPU 1: nested guests; exits from guest_l2 and guest_l3 both count */
	add(h, "VMs/3/vCPUs/1/Status", 0, 10, "guest_l2");
	add(h, "VMs/3/vCPUs/1/Status", 10, 20, "hypervisor");
	add(h, "VMs/3/vCPUs/1/Status", 20, 30, "guest_l3");
	add(h, "VMs/3/vCPUs/1/Status", 30, 45, "hypervisor");
	add(h, "VMs/3/vCPUs/1/Status", 45, 60, "wait_disk");
	add(h, "VMs/3/vCPUs/0/Status", 5, 8, "unknown");
	/* not vCPU Status paths: ignored */
	add(h, "VMs/03/vCPUs/0/Status", 0, 1000, "guest");
	add(h, "VMs/3/Processes/0x1/Status", 0, 1000, "running");
	add(h, "VMs/20/Nested/0x10/vCPUs/0/Status", 0, 1000, "guest");

	memset(&info, 0, sizeof(info));
	snprintf(info.path, sizeof(info.path), "/traces/host \"1\"/kernel");
	snprintf(info.hostname, sizeof(info.hostname), "h\xffst");
	info.begin_ns = 100;
	info.end_ns = 900;
	info.event_count = 123;
	info.kvm_event_count = 45;
	info.other_event_count = 50;
	info.discarded_count = 2;
	info.cpu_count = 4;

	text = write_to_string(h, &info, warnings, 2);
	assert_string_equal(
	    text, "{\n"
	          "  \"vmflow_version\": \"" VMFLOW_VERSION "\",\n"
	          "  \"trace\": {\n"
	          "    \"path\": \"/traces/host \\\"1\\\"/kernel\",\n"
	          "    \"hostname\": \"h\\ufffdst\",\n"
	          "    \"begin_ns\": 100,\n"
	          "    \"end_ns\": 900,\n"
	          "    \"duration_ns\": 800,\n"
	          "    \"event_count\": 123,\n"
	          "    \"kvm_event_count\": 45,\n"
	          "    \"uninterpreted_event_count\": 50,\n"
	          "    \"discarded_events\": 2,\n"
	          "    \"cpu_count\": 4\n"
	          "  },\n"
	          "  \"vms\": [\n"
	          "    {\n"
	          "      \"pid\": 3,\n"
	          "      \"vcpus\": [\n"
	          "        {\n"
	          "          \"vcpu_id\": 0,\n"
	          "          \"states_ns\": {\"guest\": 0, \"guest_l2\": 0, \"hypervisor\": 0, "
	          "\"preempted_host\": 0, \"preempted_vm\": 0, \"unknown\": 3, \"wait_disk\": 0, "
	          "\"wait_host\": 0, \"wait_net\": 0, \"wait_task\": 0, \"wait_timer\": 0, "
	          "\"wait_unknown\": 0},\n"
	          "          \"wait_ns\": 0,\n"
	          "          \"wait_counts\": {\"wait_disk\": 0, \"wait_host\": 0, \"wait_net\": 0, "
	          "\"wait_task\": 0, \"wait_timer\": 0, \"wait_unknown\": 0},\n"
	          "          \"total_ns\": 3,\n"
	          "          \"exits\": 0\n"
	          "        },\n"
	          "        {\n"
	          "          \"vcpu_id\": 1,\n"
	          "          \"states_ns\": {\"guest\": 0, \"guest_l2\": 10, \"guest_l3\": 10, "
	          "\"hypervisor\": 25, \"preempted_host\": 0, \"preempted_vm\": 0, \"unknown\": 0, "
	          "\"wait_disk\": 15, \"wait_host\": 0, \"wait_net\": 0, \"wait_task\": 0, "
	          "\"wait_timer\": 0, \"wait_unknown\": 0},\n"
	          "          \"wait_ns\": 15,\n"
	          "          \"wait_counts\": {\"wait_disk\": 1, \"wait_host\": 0, \"wait_net\": 0, "
	          "\"wait_task\": 0, \"wait_timer\": 0, \"wait_unknown\": 0},\n"
	          "          \"total_ns\": 60,\n"
	          "          \"exits\": 2\n"
	          "        }\n"
	          "      ],\n"
	          "      \"wait_ns_by_class\": {\"wait_disk\": 15, \"wait_host\": 0, \"wait_net\": 0, "
	          "\"wait_task\": 0, \"wait_timer\": 0, \"wait_unknown\": 0},\n"
	          "      \"wait_counts\": {\"wait_disk\": 1, \"wait_host\": 0, \"wait_net\": 0, "
	          "\"wait_task\": 0, \"wait_timer\": 0, \"wait_unknown\": 0}\n"
	          "    },\n"
	          "    {\n"
	          "      \"pid\": 20,\n"
	          "      \"vcpus\": [\n"
	          "        {\n"
	          "          \"vcpu_id\": 0,\n"
	          "          \"states_ns\": {\"guest\": 330, \"guest_l2\": 0, \"hypervisor\": 130, "
	          "\"preempted_host\": 50, \"preempted_vm\": 0, \"unknown\": 0, \"wait_disk\": 0, "
	          "\"wait_host\": 0, \"wait_net\": 0, \"wait_task\": 0, \"wait_timer\": 200, "
	          "\"wait_unknown\": 0},\n"
	          "          \"wait_ns\": 200,\n"
	          "          \"wait_counts\": {\"wait_disk\": 0, \"wait_host\": 0, \"wait_net\": 0, "
	          "\"wait_task\": 0, \"wait_timer\": 1, \"wait_unknown\": 0},\n"
	          "          \"total_ns\": 710,\n"
	          "          \"exits\": 1\n"
	          "        }\n"
	          "      ],\n"
	          "      \"wait_ns_by_class\": {\"wait_disk\": 0, \"wait_host\": 0, \"wait_net\": 0, "
	          "\"wait_task\": 0, \"wait_timer\": 200, \"wait_unknown\": 0},\n"
	          "      \"wait_counts\": {\"wait_disk\": 0, \"wait_host\": 0, \"wait_net\": 0, "
	          "\"wait_task\": 0, \"wait_timer\": 1, \"wait_unknown\": 0}\n"
	          "    }\n"
	          "  ],\n"
	          "  \"warnings\": [\n"
	          "    \"2 events lost on cpu 1\",\n"
	          "    \"tab\\there\"\n"
	          "  ]\n"
	          "}\n");
	free(text);
	vf_history_free(h);
}

static void test_summary_without_trace_facts_or_vms(void **state)
{
	struct vf_error err = {0};
	struct vf_history *h = vf_history_new(NULL, &err);
	char *text;

	(void)state;
	text = write_to_string(h, NULL, NULL, 0);
	assert_string_equal(text, "{\n"
	                          "  \"vmflow_version\": \"" VMFLOW_VERSION "\",\n"
	                          "  \"trace\": null,\n"
	                          "  \"vms\": [],\n"
	                          "  \"warnings\": []\n"
	                          "}\n");
	free(text);
	vf_history_free(h);
}

static void test_summary_of_a_trace_without_events_has_null_times(void **state)
{
	struct vf_error err = {0};
	struct vf_history *h = vf_history_new(NULL, &err);
	struct vf_trace_info info;
	char *text;

	(void)state;
	memset(&info, 0, sizeof(info));
	snprintf(info.path, sizeof(info.path), "t");
	info.begin_ns = INT64_MAX;
	info.end_ns = INT64_MIN;
	text = write_to_string(h, &info, NULL, 0);
	assert_non_null(strstr(text, "    \"begin_ns\": null,\n    \"end_ns\": null,\n"
	                             "    \"duration_ns\": null,\n"));
	assert_non_null(strstr(text, "    \"hostname\": \"\",\n"));
	free(text);
	vf_history_free(h);
}

static void test_summary_escapes_control_characters(void **state)
{
	struct vf_error err = {0};
	struct vf_history *h = vf_history_new(NULL, &err);
	const char *warnings[] = {
	    "a\\b\n\x01\x1f\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xc0\xaf\xed\xa0\x80"};
	char *text;

	(void)state;
	text = write_to_string(h, NULL, warnings, 1);
	/* backslash, newline, two control bytes, é, €, an emoji kept; an overlong '/' (C0 AF) and
	 * a UTF-16 surrogate (ED A0 80) are not UTF-8: each byte becomes U+FFFD */
	assert_non_null(strstr(text, "\"a\\\\b\\n\\u0001\\u001f\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"
	                             "\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\"\n"));
	free(text);
	vf_history_free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_summary_of_a_tiny_history_is_exact),
	    cmocka_unit_test(test_summary_without_trace_facts_or_vms),
	    cmocka_unit_test(test_summary_of_a_trace_without_events_has_null_times),
	    cmocka_unit_test(test_summary_escapes_control_characters),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
