/* SPDX-License-Identifier: MIT */
/*
 * test_tc_xml.c - tracecompass/vmflow.xml is valid against Trace Compass'
 * xmlDefinition.xsd (libxml2 and xmllint agree), maps every status to a
 * coloured int, and invalid files are rejected naming file, line and problem.
 * Also the README steps.
 */
#include "common/testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exports/tc_readme.h"
#include "exports/tc_xml.h"
#include "tcxml/xsd_validate.h"
#include "vmflow/history.h"

#define XSD_DIR VMFLOW_SOURCE_DIR "/exporter/tcxml/xsd"

static const char *write_xml(const char *dir, const char *name, struct vf_history *h)
{
	static char path[4096];
	struct vf_error err = {0};
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fp = fopen(path, "wb");
	assert_non_null(fp);
	assert_int_equal(vf_tc_xml_write(fp, h, &err), VF_OK);
	fclose(fp);
	return path;
}

static const char *write_text(const char *dir, const char *name, const char *text)
{
	static char path[4096];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fp = fopen(path, "wb");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
	return path;
}

static int xmllint_validates(const char *path, char *out, size_t out_size)
{
	char cmd[9000];

	snprintf(cmd, sizeof(cmd),
	         "xmllint --noout --nonet --schema '%s/xmlDefinition.xsd' '%s' 2>&1", XSD_DIR,
	         path);
	return vf_test_run(cmd, out, out_size);
}

static void test_generated_xml_validates_with_libxml2_and_xmllint(void **state)
{
	struct vf_error err = {0};
	struct vf_history *h = vf_history_new(NULL, &err);
	const char *dir = vf_test_tmpdir("tc_xml_valid");
	const char *path;
	char out[4096];

	(void)state;
	/* a deeper nesting level than the standard values, and values that are not statuses */
	assert_int_equal(vf_history_add(h, vf_history_path(h, "VMs/7/vCPUs/0/Status"), 0, 10,
	                                vf_history_value(h, "guest_l4"), &err),
	                 VF_OK);
	vf_history_value(h, "HLT");
	vf_history_value(h, "guest_l02");
	path = write_xml(dir, "vmflow.xml", h);
	assert_int_equal(vf_tcxml_validate_schema(path, XSD_DIR, &err), VF_OK);
	assert_int_equal(xmllint_validates(path, out, sizeof(out)), 0);
	assert_non_null(strstr(out, "validates"));
	vf_history_free(h);
}

static void test_generated_xml_maps_statuses_to_coloured_ints(void **state)
{
	struct vf_error err = {0};
	struct vf_history *h = vf_history_new(NULL, &err);
	const char *dir = vf_test_tmpdir("tc_xml_content");
	char *text;

	(void)state;
	vf_history_value(h, "guest_l4");
	text = vf_test_read_file(write_xml(dir, "vmflow.xml", h), NULL);
	assert_non_null(text);
	assert_non_null(strstr(text, "<stateProvider id=\"org.vmflow.results\" version=\"2\">"));
	assert_non_null(
	    strstr(text, "<traceType id=\"org.eclipse.linuxtools.tmf.ui.type.ctf\" />"));
	assert_non_null(strstr(text, "<eventHandler eventName=\"vmflow_vcpu_state\">"));
	assert_non_null(strstr(text, "<eventHandler eventName=\"vmflow_vcpu_state_end\">"));
	/* provider: status name -> code, and the mapping from the event's string */
	assert_non_null(strstr(text, "<definedValue name=\"guest\" value=\"1\" />"));
	assert_non_null(strstr(text, "<definedValue name=\"hypervisor\" value=\"3\" />"));
	assert_non_null(strstr(text, "<definedValue name=\"wait_host\" value=\"11\" />"));
	assert_non_null(strstr(text, "<definedValue name=\"guest_l4\" value=\"104\" />"));
	assert_non_null(strstr(text, "<entry><stateValue type=\"string\" value=\"wait_timer\" />"
	                             "<stateValue type=\"int\" value=\"$wait_timer\" /></entry>"));
	assert_null(strstr(text, "guest_l02"));
	/* view: the thesis §10 colours */
	assert_non_null(strstr(text, "value=\"1\" color=\"#00c800\" />"));
	assert_non_null(strstr(text, "value=\"3\" color=\"#b30606\" />"));
	assert_non_null(strstr(text, "value=\"4\" color=\"#cf7f2f\" />"));
	assert_non_null(strstr(text, "value=\"6\" color=\"#336699\" />"));
	assert_non_null(strstr(text, "value=\"7\" color=\"#6666cc\" />"));
	assert_non_null(strstr(text, "value=\"8\" color=\"#6600cc\" />"));
	assert_non_null(strstr(text, "value=\"9\" color=\"#ff9bff\" />"));
	assert_non_null(strstr(text, "value=\"10\" color=\"#403b33\" />"));
	assert_non_null(
	    strstr(text, "<definedValue name=\"Nested guest code (L4)\" value=\"104\""));
	assert_non_null(strstr(text, "<display type=\"constant\" value=\"Status\" />"));
	free(text);
	vf_history_free(h);
}

static void add_interval(struct vf_history *h, const char *path, int64_t s, int64_t e,
                         const char *value)
{
	struct vf_error err = {0};

	assert_int_equal(vf_history_add(h, vf_history_path(h, path), s, e, vf_history_value(h, value),
	                                &err),
	                 VF_OK);
}

/* Every path round-trips: generic handlers, codes for any Status value, derived views. */
static void test_generated_xml_covers_every_path_and_view(void **state)
{
	struct vf_error err = {0};
	struct vf_history *h = vf_history_new(NULL, &err);
	const char *dir = vf_test_tmpdir("tc_xml_views");
	char *text;

	(void)state;
	add_interval(h, "VMs/12/vCPUs/0/Status", 0, 10, "guest");
	add_interval(h, "VMs/5/vCPUs/1/Status", 0, 10, "hypervisor");
	add_interval(h, "VMs/5/Processes/0x1000/Status", 0, 10, "running");
	add_interval(h, "VMs/5/Processes/0x1000/Status", 10, 20, "zzz_custom");
	add_interval(h, "VMs/5/Processes/0x2000/Status", 0, 10, "aaa_custom");
	add_interval(h, "VMs/5/vCPUs/1/Exit", 0, 10, "not_a_status");
	text = vf_test_read_file(write_xml(dir, "vmflow.xml", h), NULL);
	assert_non_null(text);
	/* fixed codes for process states, 1000 + k (name order) for other Status values only */
	assert_non_null(strstr(text, "<definedValue name=\"running\" value=\"12\" />"));
	assert_non_null(strstr(text, "<definedValue name=\"preempted_guest\" value=\"13\" />"));
	assert_non_null(strstr(text, "<definedValue name=\"aaa_custom\" value=\"1000\" />"));
	assert_non_null(strstr(text, "<definedValue name=\"zzz_custom\" value=\"1001\" />"));
	assert_null(strstr(text, "not_a_status"));
	/* generic events: depth 1 to 12, Status mapped, other leaves as strings */
	assert_non_null(strstr(text, "<eventHandler eventName=\"vmflow_state_1\">"));
	assert_non_null(strstr(text, "<eventHandler eventName=\"vmflow_state_12\">"));
	assert_non_null(strstr(text, "<eventHandler eventName=\"vmflow_state_end_12\">"));
	assert_null(strstr(text, "vmflow_state_13"));
	assert_non_null(strstr(text, "<condition><field name=\"a4\" /><stateValue type=\"string\" "
	                             "value=\"Status\" /></condition>"));
	assert_non_null(strstr(text, "<stateAttribute type=\"eventField\" value=\"a11\" />"));
	/* views: time graphs and XY, per-VM XY views in pid order */
	assert_non_null(strstr(text, "<timeGraphView id=\"org.vmflow.results.processes\">"));
	assert_non_null(strstr(text, "<timeGraphView id=\"org.vmflow.results.nested\">"));
	assert_non_null(strstr(text, "<timeGraphView id=\"org.vmflow.results.waits\">"));
	assert_non_null(strstr(text, "<entry path=\"Derived/Waits/*\">"));
	assert_non_null(strstr(text, "<xyView id=\"org.vmflow.results.exitrate\">"));
	assert_non_null(strstr(text, "<entry path=\"Derived/ExitsAll/*\" displayType=\"delta\">"));
	assert_true(strstr(text, "<xyView id=\"org.vmflow.results.statetime.5\">") <
	            strstr(text, "<xyView id=\"org.vmflow.results.statetime.12\">"));
	assert_non_null(strstr(text, "<entry path=\"Derived/Time/12/*\" displayType=\"delta\">"));
	assert_non_null(strstr(text, "<entry path=\"Derived/Exits/5/*\" displayType=\"delta\">"));
	assert_non_null(strstr(text, "<stateValue type=\"eventField\" value=\"duration\" "
	                             "increment=\"true\" />"));
	/* the raw kernel trace provider */
	assert_non_null(strstr(text, "<stateProvider id=\"org.vmflow.kernel\" version=\"2\">"));
	assert_non_null(
	    strstr(text, "<traceType id=\"org.eclipse.linuxtools.lttng2.kernel.tracetype\" />"));
	assert_non_null(strstr(text, "<eventHandler eventName=\"sched_switch\">"));
	assert_non_null(strstr(text, "<eventHandler eventName=\"kvm_x86_entry\">"));
	assert_non_null(strstr(text, "<eventHandler eventName=\"kvm_x86_exit\">"));
	assert_non_null(strstr(text, "<eventHandler eventName=\"kvm_entry\">"));
	assert_non_null(strstr(text, "<eventHandler eventName=\"kvm_exit\">"));
	assert_non_null(strstr(text, "<entry><stateValue type=\"long\" value=\"12\" />"
	                             "<stateValue type=\"string\" value=\"HLT\" /></entry>"));
	assert_non_null(strstr(text, "<entry><stateValue type=\"long\" value=\"120\" />"
	                             "<stateValue type=\"string\" value=\"HLT\" /></entry>"));
	assert_non_null(strstr(text, "<timeGraphView id=\"org.vmflow.kernel.vcpus\">"));
	assert_non_null(strstr(text, "<xyView id=\"org.vmflow.kernel.exitrate\">"));
	free(text);
	vf_history_free(h);
}

static void test_status_codes_are_fixed(void **state)
{
	(void)state;
	assert_int_equal(vf_tc_xml_status_code("unknown"), 0);
	assert_int_equal(vf_tc_xml_status_code("guest"), 1);
	assert_int_equal(vf_tc_xml_status_code("guest_l2"), 2);
	assert_int_equal(vf_tc_xml_status_code("hypervisor"), 3);
	assert_int_equal(vf_tc_xml_status_code("wait_unknown"), 10);
	assert_int_equal(vf_tc_xml_status_code("wait_host"), 11);
	assert_int_equal(vf_tc_xml_status_code("running"), 12);
	assert_int_equal(vf_tc_xml_status_code("preempted_guest"), 13);
	assert_int_equal(vf_tc_xml_status_code("guest_l3"), 103);
	assert_int_equal(vf_tc_xml_status_code("guest_l12"), 112);
	assert_int_equal(vf_tc_xml_status_code("guest_l1"), -1);
	assert_int_equal(vf_tc_xml_status_code("HLT"), -1);
}

/* A history with CriticalPath/ gets the edge codes, Trace Compass' colours and the view. */
static void test_critical_path_view(void **state)
{
	struct vf_error err = {0};
	struct vf_history *h = vf_history_new(NULL, &err);
	const char *dir = vf_test_tmpdir("tc_xml_cp");
	char *text, out[4096];
	const char *path;

	(void)state;
	assert_int_equal(vf_tc_xml_status_code("RUNNING"), 300000);
	assert_int_equal(vf_tc_xml_status_code("NETWORK"), 300004);
	assert_int_equal(vf_tc_xml_status_code("UNKNOWN"), 300007);
	add_interval(h, "VMs/1000/vCPUs/0/Status", 0, 10, "guest");
	text = vf_test_read_file(write_xml(dir, "plain.xml", h), NULL);
	assert_non_null(text);
	assert_null(strstr(text, "criticalpath"));
	assert_null(strstr(text, "300000"));
	free(text);
	add_interval(h, "CriticalPath/vhost:1000/Status", 0, 10, "NETWORK");
	add_interval(h, "CriticalPath/vhost:1000/Depth", 0, 10, "1");
	path = write_xml(dir, "cp.xml", h);
	assert_int_equal(vf_tcxml_validate_schema(path, XSD_DIR, &err), VF_OK);
	assert_int_equal(xmllint_validates(path, out, sizeof(out)), 0);
	text = vf_test_read_file(path, NULL);
	assert_non_null(text);
	assert_non_null(strstr(text, "<definedValue name=\"NETWORK\" value=\"300004\" />"));
	assert_non_null(strstr(text, "<timeGraphView id=\"org.vmflow.results.criticalpath\">"));
	assert_non_null(strstr(text, "<label value=\"vmflow: critical path\" />"));
	assert_non_null(strstr(text, "<definedValue name=\"Critical path: running\" value=\"300000\" "
				     "color=\"#339900\" />"));
	assert_non_null(strstr(text, "<definedValue name=\"Critical path: preempted\" value=\"300001\" "
				     "color=\"#c86400\" />"));
	assert_non_null(strstr(text, "<definedValue name=\"Critical path: network\" value=\"300004\" "
				     "color=\"#ff9bff\" />"));
	assert_non_null(strstr(text, "<entry path=\"CriticalPath/*\">"));
	/* the vCPU view's legend does not list the edges */
	{
		char *view = strstr(text, "<timeGraphView id=\"org.vmflow.results.vcpus\">");
		char *end = view ? strstr(view, "</timeGraphView>") : NULL;

		assert_non_null(end);
		*end = '\0';
		assert_null(strstr(view, "Critical path"));
	}
	free(text);
	vf_history_free(h);
}

static void test_invalid_analysis_is_rejected_with_file_line_and_problem(void **state)
{
	const char *dir = vf_test_tmpdir("tc_xml_invalid");
	const char *path;
	char where[4200], out[4096];
	struct vf_error err = {0};

	(void)state;
	/* a definedValue after the last eventHandler: Trace Compass refuses it (see the XSD README)
	 */
	path = write_text(dir, "placement.xml",
	                  "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	                  "<tmfxml xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"\n"
	                  "\txsi:noNamespaceSchemaLocation=\"xmlDefinition.xsd\">\n"
	                  "<stateProvider id=\"a.b\" version=\"1\">\n"
	                  "<eventHandler eventName=\"x\">\n"
	                  "<stateChange><stateAttribute type=\"constant\" value=\"A\" />"
	                  "<stateValue type=\"int\" value=\"1\" /></stateChange>\n"
	                  "</eventHandler>\n"
	                  "<definedValue name=\"late\" value=\"1\" />\n"
	                  "</stateProvider>\n"
	                  "</tmfxml>\n");
	assert_int_equal(vf_tcxml_validate_schema(path, XSD_DIR, &err), VF_ERR_INPUT);
	print_message("%s: %s\n", err.where, err.msg);
	/* libxml2 blames the provider: after the late definedValue it still wants an eventHandler
	 */
	snprintf(where, sizeof(where), "%s:4", path);
	assert_string_equal(err.where, where);
	assert_non_null(strstr(err.msg, "Element 'stateProvider': Missing child element(s)"));
	assert_non_null(strstr(err.msg, "eventHandler"));
	assert_null(strchr(err.msg, '\n'));
	assert_int_not_equal(xmllint_validates(path, out, sizeof(out)), 0);

	/* an unknown element */
	vf_error_clear(&err);
	path = write_text(dir, "unknown.xml",
	                  "<?xml version=\"1.0\"?>\n<tmfxml>\n\n  <nonsense />\n</tmfxml>\n");
	assert_int_equal(vf_tcxml_validate_schema(path, XSD_DIR, &err), VF_ERR_INPUT);
	snprintf(where, sizeof(where), "%s:4", path);
	assert_string_equal(err.where, where);
	assert_non_null(strstr(err.msg, "nonsense"));
	assert_int_not_equal(xmllint_validates(path, out, sizeof(out)), 0);

	/* not well-formed */
	vf_error_clear(&err);
	path = write_text(dir, "broken.xml", "<?xml version=\"1.0\"?>\n<tmfxml>\n<a>\n</tmfxml>\n");
	assert_int_equal(vf_tcxml_validate_schema(path, XSD_DIR, &err), VF_ERR_INPUT);
	print_message("%s: %s\n", err.where, err.msg);
	snprintf(where, sizeof(where), "%s:4", path);
	assert_string_equal(err.where, where);
	assert_non_null(strstr(err.msg, "mismatch"));

	/* missing file */
	vf_error_clear(&err);
	assert_int_equal(vf_tcxml_validate_schema("/nonexistent/a.xml", XSD_DIR, &err), VF_ERR_IO);
	assert_string_equal(err.where, "/nonexistent/a.xml");

	/* missing schema folder */
	vf_error_clear(&err);
	path = write_xml(dir, "vmflow.xml", NULL);
	assert_int_equal(vf_tcxml_validate_schema(path, "/nonexistent", &err), VF_ERR_INTERNAL);
	assert_non_null(strstr(err.msg, "cannot load the Trace Compass schema"));
}

static void test_external_entities_are_not_loaded(void **state)
{
	const char *dir = vf_test_tmpdir("tc_xml_entity");
	char secret[4200], text[8192];
	const char *path;
	struct vf_error err = {0};
	xmlDocPtr doc;
	xmlNodePtr root;
	xmlChar *content;

	(void)state;
	snprintf(secret, sizeof(secret), "%s", write_text(dir, "secret.txt", "SECRET-CONTENT"));
	snprintf(text, sizeof(text),
	         "<?xml version=\"1.0\"?>\n"
	         "<!DOCTYPE tmfxml [<!ENTITY x SYSTEM \"file://%s\">]>\n"
	         "<tmfxml>&x;</tmfxml>\n",
	         secret);
	path = write_text(dir, "entity.xml", text);
	doc = vf_tcxml_parse_file(path, &err);
	assert_non_null(doc);
	root = xmlDocGetRootElement(doc);
	/* the reference stays a reference: the file behind it is never read */
	assert_non_null(root->children);
	assert_int_equal(root->children->type, XML_ENTITY_REF_NODE);
	content = xmlNodeGetContent(root);
	assert_true(content == NULL || strstr((const char *)content, "SECRET-CONTENT") == NULL);
	xmlFree(content);
	/* and the schema rejects the text content without reading it either */
	assert_int_equal(vf_tcxml_validate_doc(doc, path, XSD_DIR, &err), VF_ERR_INPUT);
	assert_null(strstr(err.msg, "SECRET-CONTENT"));
	xmlFreeDoc(doc);
}

static void test_readme_gives_the_import_steps(void **state)
{
	struct vf_error err = {0};
	struct vf_trace_info info;
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	(void)state;
	memset(&info, 0, sizeof(info));
	snprintf(info.path, sizeof(info.path), "/traces/host1/kernel");
	assert_int_equal(vf_tc_readme_write(fp, &info, &err), VF_OK);
	fclose(fp);
	assert_non_null(strstr(buf, "**Manage XML analyses...**"));
	assert_non_null(strstr(buf, "Click **Import**, select this folder's `vmflow.xml`"));
	assert_non_null(strstr(buf, "**Apply and Close**"));
	assert_non_null(strstr(buf, "`/traces/host1/kernel`"));
	assert_non_null(strstr(buf, "`results/metadata`"));
	assert_non_null(strstr(buf, "**Select Traces...**"));
	assert_non_null(strstr(buf, "**Views** > **vmflow results**"));
	assert_non_null(strstr(buf, "**vmflow: vCPU states**"));
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_generated_xml_validates_with_libxml2_and_xmllint),
	    cmocka_unit_test(test_generated_xml_maps_statuses_to_coloured_ints),
	    cmocka_unit_test(test_generated_xml_covers_every_path_and_view),
	    cmocka_unit_test(test_status_codes_are_fixed),
	    cmocka_unit_test(test_critical_path_view),
	    cmocka_unit_test(test_invalid_analysis_is_rejected_with_file_line_and_problem),
	    cmocka_unit_test(test_external_entities_are_not_loaded),
	    cmocka_unit_test(test_readme_gives_the_import_steps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
