/* SPDX-License-Identifier: MIT */
/*
 * test_tcxml_vs_ctf.c - the same scenario and seed written as CTF and as a
 * Trace Compass XML stub trace carry the same events: the CTF is read back
 * through libbabeltrace2 (vf_ctf_read_generic), the XML independently with
 * libxml2's streaming reader, and every XML field is compared with the CTF
 * field of the same name (Trace Compass's naming, e.g. "context._tid"):
 * integers as the signed 64-bit value Java sees, strings byte for byte.
 */
#include "common/testutil.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/xmlreader.h>

#include "input/reader.h"
#include "synth/scenario.h"
#include "synth/sim.h"
#include "synth/sink.h"

#define MAX_FIELDS 16

struct xfield {
	char name[32];
	char type[12];
	char *value;
};

struct xevent {
	int64_t ts;
	uint32_t cpu;
	char name[48];
	int nfields;
	struct xfield f[MAX_FIELDS];
};

struct xtrace {
	struct xevent *ev;
	size_t n, cap;
	/* per-cpu cursors for the comparison: the k-th event on a CPU matches the k-th */
	size_t *next_of_cpu; /* index in ev of the next unmatched event per cpu */
	uint32_t cpu_count;
	uint64_t compared_fields;
	uint64_t compared_events;
};

static char *attr(xmlTextReaderPtr r, const char *name)
{
	xmlChar *v = xmlTextReaderGetAttribute(r, (const xmlChar *)name);
	char *s;

	assert_non_null(v);
	s = strdup((const char *)v);
	xmlFree(v);
	return s;
}

static void load_xml(const char *path, struct xtrace *x)
{
	xmlTextReaderPtr r = xmlReaderForFile(path, NULL, XML_PARSE_NONET);
	struct xevent *cur = NULL;
	int rc;

	assert_non_null(r);
	while ((rc = xmlTextReaderRead(r)) == 1) {
		const char *el = (const char *)xmlTextReaderConstName(r);

		if (xmlTextReaderNodeType(r) != XML_READER_TYPE_ELEMENT) {
			continue;
		}
		if (!strcmp(el, "event")) {
			char *ts = attr(r, "timestamp"), *name = attr(r, "name");

			if (x->n == x->cap) {
				x->cap = x->cap ? 2 * x->cap : 1024;
				x->ev = realloc(x->ev, x->cap * sizeof(*x->ev));
				assert_non_null(x->ev);
			}
			cur = &x->ev[x->n++];
			memset(cur, 0, sizeof(*cur));
			cur->ts = strtoll(ts, NULL, 10);
			snprintf(cur->name, sizeof(cur->name), "%s", name);
			free(ts);
			free(name);
		} else if (!strcmp(el, "field") && cur) {
			char *n = attr(r, "name"), *t = attr(r, "type");
			struct xfield *f;

			assert_true(cur->nfields < MAX_FIELDS);
			f = &cur->f[cur->nfields++];
			snprintf(f->name, sizeof(f->name), "%s", n);
			snprintf(f->type, sizeof(f->type), "%s", t);
			f->value = attr(r, "value");
			if (!strcmp(n, "cpu")) {
				cur->cpu = (uint32_t)strtoul(f->value, NULL, 10);
			}
			free(n);
			free(t);
		}
	}
	assert_int_equal(rc, 0); /* well-formed to the end */
	xmlFreeTextReader(r);
}

static void free_xml(struct xtrace *x)
{
	for (size_t i = 0; i < x->n; i++) {
		for (int j = 0; j < x->ev[i].nfields; j++) {
			free(x->ev[i].f[j].value);
		}
	}
	free(x->ev);
	free(x->next_of_cpu);
}

/* Index of the next XML event on cpu at or after `from`. */
static size_t next_on_cpu(const struct xtrace *x, uint32_t cpu, size_t from)
{
	while (from < x->n && x->ev[from].cpu != cpu) {
		from++;
	}
	return from;
}

static enum vf_status on_ctf_event(void *user, const struct vf_generic_event *g,
				   struct vf_error *err)
{
	struct xtrace *x = user;
	uint32_t cpu = g->ev->cpu;
	size_t i;
	const struct xevent *e;

	(void)err;
	assert_true(cpu < x->cpu_count);
	i = x->next_of_cpu[cpu];
	if (i >= x->n) {
		fail_msg("CTF event %s at %" PRId64 " on cpu %u has no XML counterpart", g->name,
			 g->ts, cpu);
	}
	e = &x->ev[i];
	if (e->ts != g->ts || strcmp(e->name, g->name) != 0) {
		fail_msg("cpu %u: CTF %s at %" PRId64 " vs XML %s at %" PRId64, cpu, g->name, g->ts,
			 e->name, e->ts);
	}
	for (int j = 0; j < e->nfields; j++) {
		const struct xfield *f = &e->f[j];
		struct vf_field_value v;

		if (!strcmp(f->name, "cpu")) {
			assert_string_equal(f->type, "int");
			assert_int_equal(strtoul(f->value, NULL, 10), cpu);
			continue;
		}
		if (!g->field(g, f->name, &v)) {
			/* The stub layout of the state dump (Trace Compass' VM stub traces) adds
			 * namespace fields that lttng-modules 2.13 writes as separate events. */
			if (!strcmp(e->name, "lttng_statedump_process_state") &&
			    (!strcmp(f->name, "vtid") || !strcmp(f->name, "vpid") ||
			     !strcmp(f->name, "vppid") || !strcmp(f->name, "ns_level") ||
			     !strcmp(f->name, "ns_inum"))) {
				continue;
			}
			fail_msg("%s at %" PRId64 ": XML field %s is not in the CTF event", e->name,
				 e->ts, f->name);
		}
		if (!strcmp(f->type, "string")) {
			assert_int_equal(v.kind, VF_FIELD_STRING);
			assert_string_equal(f->value, v.s);
		} else {
			assert_true(!strcmp(f->type, "long") || !strcmp(f->type, "int"));
			assert_int_equal(v.kind, VF_FIELD_INT64);
			if (strtoll(f->value, NULL, 10) != v.i) {
				fail_msg("%s at %" PRId64 ": %s = %s in XML, %" PRId64 " in CTF",
					 e->name, e->ts, f->name, f->value, v.i);
			}
			if (!strcmp(f->type, "int")) {
				assert_true(v.i >= INT32_MIN && v.i <= INT32_MAX);
			}
		}
		x->compared_fields++;
	}
	x->next_of_cpu[cpu] = next_on_cpu(x, cpu, i + 1);
	x->compared_events++;
	return VF_OK;
}

static void synth(const char *text, struct vf_sink *sink, struct vf_sim_stats *stats)
{
	struct vf_error err = {0};
	struct vf_scenario *scn = vf_scenario_new_from_string(text, strlen(text), "t.yaml", &err);

	assert_non_null(scn);
	assert_int_equal(vf_sim_run(scn, sink, NULL, stats, &err), VF_OK);
	sink->free(sink);
	vf_scenario_free(scn);
}

static void check_scenario(const char *name, const char *text)
{
	struct vf_error err = {0};
	struct vf_scenario *scn = vf_scenario_new_from_string(text, strlen(text), "t.yaml", &err);
	struct vf_trace_desc desc;
	struct vf_sim_stats s_ctf, s_xml;
	struct vf_reader_callbacks cbs = {0};
	struct vf_trace_info info;
	struct xtrace x = {0};
	const char *dir = vf_test_tmpdir(name);
	char ctf[1024], xml[1024], cmd[4096], out[512];
	FILE *fp;

	assert_non_null(scn);
	vf_scenario_trace_desc(scn, &desc);
	vf_scenario_free(scn);
	snprintf(ctf, sizeof(ctf), "%s/ctf", dir);
	snprintf(xml, sizeof(xml), "%s/host.xml", dir);
	synth(text, vf_sink_ctf_new(ctf, &desc, &err), &s_ctf);
	fp = fopen(xml, "wb");
	assert_non_null(fp);
	synth(text, vf_sink_tcxml_new(fp, xml, &desc, &err), &s_xml);
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(s_ctf.event_count, s_xml.event_count);
	assert_true(s_ctf.event_count > 1000);

	snprintf(cmd, sizeof(cmd),
		 "xmllint --noout --schema '%s/exporter/tcxml/xsd/TmfXmlDevelopmentTrace.xsd' '%s' 2>&1",
		 VMFLOW_SOURCE_DIR, xml);
	assert_int_equal(vf_test_run(cmd, out, sizeof(out)), 0);

	load_xml(xml, &x);
	assert_int_equal(x.n, s_xml.event_count);
	x.cpu_count = desc.cpu_count;
	x.next_of_cpu = calloc(desc.cpu_count, sizeof(*x.next_of_cpu));
	assert_non_null(x.next_of_cpu);
	for (uint32_t c = 0; c < desc.cpu_count; c++) {
		x.next_of_cpu[c] = next_on_cpu(&x, c, 0);
	}
	cbs.user = &x;
	vf_trace_info_init(&info);
	assert_int_equal(vf_ctf_read_generic(ctf, &cbs, on_ctf_event, &info, &err), VF_OK);
	assert_int_equal(x.compared_events, x.n);
	for (uint32_t c = 0; c < desc.cpu_count; c++) {
		assert_int_equal(x.next_of_cpu[c], x.n); /* every XML event matched */
	}
	assert_true(x.compared_fields > x.n); /* sanity: the loop did compare fields */
	free_xml(&x);
}

static void test_modern_contexts(void **state)
{
	(void)state;
	check_scenario("tcxml_vs_ctf_modern",
		       "seed: 11\n"
		       "duration: 150ms\n"
		       "host:\n"
		       "  cpus: 3\n"
		       "  hostname: 'h<&>\"x'\n"
		       "  processes:\n"
		       "    - {name: 'bash & co', count: 2, cpu_burst: 300us, sleep: 2ms}\n"
		       "vms:\n"
		       "  - {vcpus: 2, affinity: [[0, 1], [1, 2]]}\n"
		       "  - {vcpus: 3, isa: svm, exits: {NPF: 2, IOIO: 1, rate: 30us}}\n"
		       "trace: {naming: lttng-2.13, contexts: true}\n");
}

static void test_legacy_no_contexts_old_kernel(void **state)
{
	(void)state;
	check_scenario("tcxml_vs_ctf_legacy",
		       "seed: 3\n"
		       "duration: 100ms\n"
		       "host: {cpus: 2, kernel_release: 5.4.0-150-generic}\n"
		       "vms:\n"
		       "  - {vcpus: 3}\n"
		       "trace: {naming: legacy, contexts: false, packet_size: 4096}\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_modern_contexts),
	    cmocka_unit_test(test_legacy_no_contexts_old_kernel),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
