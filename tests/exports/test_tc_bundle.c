/* SPDX-License-Identifier: MIT */
/*
 * test_tc_bundle.c - the tracecompass/ folder: vmflow.xml (valid), README.md,
 * and a results trace whose events are the ones vmflow.xml handles.
 */
#include "common/testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "exports/tc_bundle.h"
#include "tcxml/xsd_validate.h"
#include "vmflow/history.h"

#define XSD_DIR VMFLOW_SOURCE_DIR "/exporter/tcxml/xsd"

static void add(struct vf_history *h, const char *path, int64_t s, int64_t e, const char *value)
{
	struct vf_error err = {0};

	assert_int_equal(
	    vf_history_add(h, vf_history_path(h, path), s, e, vf_history_value(h, value), &err),
	    VF_OK);
}

static int exists(const char *dir, const char *rel)
{
	char path[8300];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	return stat(path, &st) == 0;
}

static int count_lines_with(const char *text, const char *needle)
{
	int n = 0;
	const char *p = text;

	while ((p = strstr(p, needle)) != NULL) {
		n++;
		p += strlen(needle);
	}
	return n;
}

static void test_bundle_holds_valid_xml_readme_and_a_matching_results_trace(void **state)
{
	struct vf_error err = {0};
	struct vf_history *h = vf_history_new(NULL, &err);
	struct vf_trace_info info;
	char dir[4096], xml[4200], cmd[9000];
	char *out = malloc(65536);

	(void)state;
	assert_non_null(out);
	snprintf(dir, sizeof(dir), "%s", vf_test_tmpdir("tc_bundle"));
	add(h, "VMs/42/vCPUs/0/Status", 1000, 2000, "guest");
	add(h, "VMs/42/vCPUs/0/Status", 2000, 2500, "hypervisor");
	add(h, "VMs/42/vCPUs/0/Exit", 2000, 2500, "HLT");
	add(h, "VMs/42/vCPUs/0/Status", 2500, 4000, "wait_timer");

	memset(&info, 0, sizeof(info));
	snprintf(info.path, sizeof(info.path), "/traces/host/kernel");
	snprintf(info.hostname, sizeof(info.hostname), "host1");
	snprintf(info.clock_name, sizeof(info.clock_name), "monotonic");
	info.clock_frequency = 1000000000;
	info.begin_ns = 1000;
	info.end_ns = 4000;
	info.event_count = 10;

	assert_int_equal(vf_tc_bundle_write(dir, h, &info, &err), VF_OK);
	assert_true(exists(dir, "tracecompass/vmflow.xml"));
	assert_true(exists(dir, "tracecompass/README.md"));
	assert_true(exists(dir, "tracecompass/results/metadata"));

	snprintf(xml, sizeof(xml), "%s/tracecompass/vmflow.xml", dir);
	assert_int_equal(vf_tcxml_validate_schema(xml, XSD_DIR, &err), VF_OK);

	/* the results trace carries exactly the event classes and fields vmflow.xml reads */
	snprintf(cmd, sizeof(cmd), "babeltrace2 '%s/tracecompass/results' 2>&1", dir);
	assert_int_equal(vf_test_run(cmd, out, 65536), 0);
	print_message("%s", out);
	/* Status starts: guest, hypervisor, wait_timer; Exit start: HLT; Exit end at 2500 and
	 * Status end at 4000 (a path becomes valueless) */
	assert_int_equal(count_lines_with(out, "vmflow_vcpu_state:"), 4);
	assert_int_equal(count_lines_with(out, "vmflow_vcpu_state_end:"), 2);
	assert_non_null(
	    strstr(out, "vm_pid = 42, vcpu_id = 0, attribute = \"Status\", value = \"guest\""));
	assert_non_null(
	    strstr(out, "vm_pid = 42, vcpu_id = 0, attribute = \"Exit\", value = \"HLT\""));
	assert_non_null(strstr(out, "vm_pid = 42, vcpu_id = 0, attribute = \"Exit\" }"));
	free(out);
	vf_history_free(h);
}

static void test_bundle_reports_an_unwritable_folder(void **state)
{
	struct vf_error err = {0};
	struct vf_history *h = vf_history_new(NULL, &err);
	char dir[4096], file[4200];
	FILE *fp;

	(void)state;
	snprintf(dir, sizeof(dir), "%s", vf_test_tmpdir("tc_bundle_blocked"));
	/* a regular file where the tracecompass folder should go */
	snprintf(file, sizeof(file), "%s/tracecompass", dir);
	fp = fopen(file, "w");
	assert_non_null(fp);
	fclose(fp);
	assert_int_not_equal(vf_tc_bundle_write(dir, h, NULL, &err), VF_OK);
	assert_int_equal(err.status, VF_ERR_IO);
	assert_non_null(strstr(err.where, "tracecompass"));
	vf_history_free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_bundle_holds_valid_xml_readme_and_a_matching_results_trace),
	    cmocka_unit_test(test_bundle_reports_an_unwritable_folder),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
