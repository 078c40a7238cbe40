/* SPDX-License-Identifier: MIT */
/*
 * tc_xml.c - writes tracecompass/vmflow.xml, one data-driven analysis:
 *
 *   <tmfxml>
 *     <stateProvider id="org.vmflow.results">   events of the results trace -> state system
 *       definedValue per Status value (name = the states.tsv value, value = its int code)
 *       location "vcpu" = VMs/<vm_pid>/vCPUs/<vcpu_id>
 *       mappingGroup "status": "guest" -> $guest, ...
 *       eventHandler vmflow_vcpu_state:     Status -> mapped int, other attributes -> string
 *       eventHandler vmflow_vcpu_state_end: the attribute -> null
 *     <timeGraphView id="org.vmflow.results.vcpus">
 *       definedValue per Status code: legend label and colour (exports/palette.h)
 *       entry "VMs/(any)" > entry "vCPUs/(any)" showing Status
 *
 * Why Status is an int and not the string itself: Trace Compass' time-graph
 * data provider turns an Integer state into (value, label) but every String
 * state into the same value Integer.MIN_VALUE, and its presentation provider
 * colours a state only by looking its int up among the view's definedValues
 * (DataDrivenTimeGraphDataProvider.getStateFromInterval,
 * XmlPresentationProvider.getStateTableIndex). String states would all be
 * drawn transparent. So the provider maps each status string to a fixed int
 * with a mappingGroup, and the view gives each int its colour and label.
 * A value missing from the mapping becomes null (Trace Compass' mapping-miss
 * rule), i.e. a gap in the row, never a wrong colour. Exit stays a string:
 * it is not drawn, only shown in the State System Explorer.
 *
 * The analysis declares the generic CTF trace type, so it applies to the
 * results trace (and, harmlessly and empty, to the host kernel trace, since
 * LTTng traces are CTF traces too). Trace Compass aggregates the analyses of
 * an experiment's traces under the experiment, so the view also opens on the
 * host + results experiment (design §5).
 */
#include "exports/tc_xml.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "exports/palette.h"

/* Generic CTF trace type; LTTng kernel/UST trace types are subclasses of it. */
#define CTF_TRACE_TYPE    "org.eclipse.linuxtools.tmf.ui.type.ctf"
#define MAX_STATUS        256
#define MAX_NESTING_LEVEL 100000

static const char *const fixed_codes[] = {
    "unknown",        /* 0 */
    "guest",          /* 1 */
    "guest_l2",       /* 2 */
    "hypervisor",     /* 3 */
    "preempted_host", /* 4 */
    "preempted_vm",   /* 5 */
    "wait_timer",     /* 6 */
    "wait_task",      /* 7 */
    "wait_disk",      /* 8 */
    "wait_net",       /* 9 */
    "wait_unknown",   /* 10 */
    "wait_host",      /* 11 */
};
#define FIXED_CODE_COUNT (sizeof(fixed_codes) / sizeof(fixed_codes[0]))

/* n of "guest_l<n>" (canonical decimal, n >= 3), else 0. */
static long nesting_level(const char *s)
{
	long n = 0;
	const char *p;

	if (strncmp(s, "guest_l", 7) != 0 || s[7] < '1' || s[7] > '9') {
		return 0;
	}
	for (p = s + 7; *p; p++) {
		if (*p < '0' || *p > '9' || n > MAX_NESTING_LEVEL) {
			return 0;
		}
		n = n * 10 + (*p - '0');
	}
	return n >= 3 && n <= MAX_NESTING_LEVEL ? n : 0;
}

int32_t vf_tc_xml_status_code(const char *status)
{
	size_t i;
	long n;

	for (i = 0; i < FIXED_CODE_COUNT; i++) {
		if (strcmp(fixed_codes[i], status) == 0) {
			return (int32_t)i;
		}
	}
	n = nesting_level(status);
	return n ? (int32_t)(100 + n) : -1;
}

struct status {
	const char *value; /* borrowed: palette, fixed_codes or the history */
	char label[96];
	uint8_t r, g, b;
	int32_t code;
};

struct status_list {
	struct status items[MAX_STATUS];
	size_t count;
};

static int listed(const struct status_list *l, const char *value)
{
	size_t i;

	for (i = 0; i < l->count; i++) {
		if (strcmp(l->items[i].value, value) == 0) {
			return 1;
		}
	}
	return 0;
}

static void add_status(struct status_list *l, const char *value)
{
	const struct vf_palette_entry *pe;
	struct status *s;
	long n;

	if (l->count == MAX_STATUS || listed(l, value) || vf_tc_xml_status_code(value) < 0) {
		return;
	}
	s = &l->items[l->count++];
	s->value = value;
	s->code = vf_tc_xml_status_code(value);
	pe = vf_palette_lookup(value);
	if (strcmp(pe->value, value) != 0 && (n = nesting_level(value)) != 0) {
		/* deeper than the palette knows: the deepest palette green, own label */
		pe = vf_palette_lookup("guest_l3");
		snprintf(s->label, sizeof(s->label), "Nested guest code (L%ld)", n);
	} else {
		snprintf(s->label, sizeof(s->label), "%s", pe->label);
	}
	s->r = pe->r;
	s->g = pe->g;
	s->b = pe->b;
}

/* Legend order: the palette's, then standard values it lacks, then deeper nesting from h. */
static void build_status_list(struct status_list *l, const struct vf_history *h)
{
	const struct vf_palette_entry *pe;
	size_t count, i;
	long best;

	l->count = 0;
	pe = vf_palette_entries(&count);
	for (i = 0; i < count; i++) {
		add_status(l, pe[i].value);
	}
	for (i = 0; i < FIXED_CODE_COUNT; i++) {
		add_status(l, fixed_codes[i]);
	}
	if (!h) {
		return;
	}
	/* deeper guest_l<n> values seen in the history, by increasing n */
	for (;;) {
		const char *next = NULL;
		uint32_t v;

		best = 0;
		for (v = 0; v < vf_history_value_count(h); v++) {
			const char *name = vf_history_value_name(h, v);
			long n = name ? nesting_level(name) : 0;

			if (n && !listed(l, name) && (best == 0 || n < best)) {
				best = n;
				next = name;
			}
		}
		if (!next || l->count == MAX_STATUS) {
			break;
		}
		add_status(l, next);
	}
}

/* Writes s escaped for an XML attribute value. */
static void put_attr(FILE *fp, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&':
			fputs("&amp;", fp);
			break;
		case '<':
			fputs("&lt;", fp);
			break;
		case '>':
			fputs("&gt;", fp);
			break;
		case '"':
			fputs("&quot;", fp);
			break;
		default:
			fputc(*s, fp);
		}
	}
}

static void write_state_provider(FILE *fp, const struct status_list *l)
{
	size_t i;

	fprintf(fp,
	        "\t<stateProvider id=\"" VF_TC_XML_ANALYSIS_ID "\" version=\"%d\">\n"
	        "\t\t<head>\n"
	        "\t\t\t<traceType id=\"" CTF_TRACE_TYPE "\" />\n"
	        "\t\t\t<label value=\"vmflow results\" />\n"
	        "\t\t</head>\n\n"
	        "\t\t<!-- Status codes: the int stored for each states.tsv value -->\n",
	        VF_TC_XML_VERSION);
	for (i = 0; i < l->count; i++) {
		fputs("\t\t<definedValue name=\"", fp);
		put_attr(fp, l->items[i].value);
		fprintf(fp, "\" value=\"%" PRId32 "\" />\n", l->items[i].code);
	}
	fputs("\n\t\t<!-- VMs/<vm_pid>/vCPUs/<vcpu_id> -->\n"
	      "\t\t<location id=\"vcpu\">\n"
	      "\t\t\t<stateAttribute type=\"constant\" value=\"VMs\" />\n"
	      "\t\t\t<stateAttribute type=\"eventField\" value=\"vm_pid\" />\n"
	      "\t\t\t<stateAttribute type=\"constant\" value=\"vCPUs\" />\n"
	      "\t\t\t<stateAttribute type=\"eventField\" value=\"vcpu_id\" />\n"
	      "\t\t</location>\n\n"
	      "\t\t<!-- status string (event field \"value\") to its int code; unmapped gives null "
	      "-->\n"
	      "\t\t<mappingGroup id=\"status\">\n",
	      fp);
	for (i = 0; i < l->count; i++) {
		fputs("\t\t\t<entry><stateValue type=\"string\" value=\"", fp);
		put_attr(fp, l->items[i].value);
		fputs("\" /><stateValue type=\"int\" value=\"$", fp);
		put_attr(fp, l->items[i].value);
		fputs("\" /></entry>\n", fp);
	}
	fputs(
	    "\t\t</mappingGroup>\n\n"
	    "\t\t<!-- an interval starts: Status gets the mapped code, Exit (or any other "
	    "attribute) the string -->\n"
	    "\t\t<eventHandler eventName=\"vmflow_vcpu_state\">\n"
	    "\t\t\t<stateChange>\n"
	    "\t\t\t\t<if>\n"
	    "\t\t\t\t\t<condition>\n"
	    "\t\t\t\t\t\t<field name=\"attribute\" />\n"
	    "\t\t\t\t\t\t<stateValue type=\"string\" value=\"Status\" />\n"
	    "\t\t\t\t\t</condition>\n"
	    "\t\t\t\t</if>\n"
	    "\t\t\t\t<then>\n"
	    "\t\t\t\t\t<stateAttribute type=\"location\" value=\"vcpu\" />\n"
	    "\t\t\t\t\t<stateAttribute type=\"constant\" value=\"Status\" />\n"
	    "\t\t\t\t\t<stateValue type=\"eventField\" value=\"value\" mappingGroup=\"status\" />\n"
	    "\t\t\t\t</then>\n"
	    "\t\t\t\t<else>\n"
	    "\t\t\t\t\t<stateAttribute type=\"location\" value=\"vcpu\" />\n"
	    "\t\t\t\t\t<stateAttribute type=\"eventField\" value=\"attribute\" />\n"
	    "\t\t\t\t\t<stateValue type=\"eventField\" value=\"value\" forcedType=\"string\" />\n"
	    "\t\t\t\t</else>\n"
	    "\t\t\t</stateChange>\n"
	    "\t\t</eventHandler>\n\n"
	    "\t\t<!-- the path has no value any more -->\n"
	    "\t\t<eventHandler eventName=\"vmflow_vcpu_state_end\">\n"
	    "\t\t\t<stateChange>\n"
	    "\t\t\t\t<stateAttribute type=\"location\" value=\"vcpu\" />\n"
	    "\t\t\t\t<stateAttribute type=\"eventField\" value=\"attribute\" />\n"
	    "\t\t\t\t<stateValue type=\"null\" />\n"
	    "\t\t\t</stateChange>\n"
	    "\t\t</eventHandler>\n"
	    "\t</stateProvider>\n",
	    fp);
}

static void write_view(FILE *fp, const struct status_list *l)
{
	size_t i;

	fputs("\t<timeGraphView id=\"" VF_TC_XML_VIEW_ID "\">\n"
	      "\t\t<head>\n"
	      "\t\t\t<analysis id=\"" VF_TC_XML_ANALYSIS_ID "\" />\n"
	      "\t\t\t<label value=\"vmflow: vCPU states\" />\n"
	      "\t\t</head>\n\n"
	      "\t\t<!-- legend: one entry per Status code, in legend order -->\n",
	      fp);
	for (i = 0; i < l->count; i++) {
		fputs("\t\t<definedValue name=\"", fp);
		put_attr(fp, l->items[i].label);
		fprintf(fp, "\" value=\"%" PRId32 "\" color=\"#%02x%02x%02x\" />\n",
		        l->items[i].code, l->items[i].r, l->items[i].g, l->items[i].b);
	}
	fputs("\n\t\t<!-- one tree node per VM (its pid), one row per vCPU showing Status -->\n"
	      "\t\t<entry path=\"VMs/*\">\n"
	      "\t\t\t<entry path=\"vCPUs/*\">\n"
	      "\t\t\t\t<display type=\"constant\" value=\"Status\" />\n"
	      "\t\t\t</entry>\n"
	      "\t\t</entry>\n"
	      "\t</timeGraphView>\n",
	      fp);
}

enum vf_status vf_tc_xml_write(FILE *fp, const struct vf_history *h, struct vf_error *err)
{
	struct status_list *l = malloc(sizeof(*l));

	if (!l) {
		VF_ERROR_SET(err, VF_ERR_NOMEM, NULL, "out of memory writing vmflow.xml");
		return VF_ERR_NOMEM;
	}
	build_status_list(l, h);
	fprintf(fp,
	        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	        "<!--\n"
	        "  vmflow.xml: vmflow's vCPU states for Trace Compass, written by vmflow %s.\n"
	        "  Import it with Manage XML analyses, then open the host trace and the\n"
	        "  results trace (tracecompass/results) together as an experiment; see README.md.\n"
	        "\n"
	        "  The state provider rebuilds VMs/<vm_pid>/vCPUs/<vcpu_id>/Status and /Exit from\n"
	        "  the results trace. Status is stored as an int code (the definedValues of the\n"
	        "  state provider give the states.tsv name of each code) because Trace Compass\n"
	        "  colours time-graph states by int value only; Exit is stored as its name.\n"
	        "-->\n"
	        "<tmfxml xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"\n"
	        "\txsi:noNamespaceSchemaLocation=\"xmlDefinition.xsd\">\n\n",
	        VMFLOW_VERSION);
	write_state_provider(fp, l);
	fputc('\n', fp);
	write_view(fp, l);
	fputs("</tmfxml>\n", fp);
	free(l);
	if (fflush(fp) != 0 || ferror(fp)) {
		VF_ERROR_SET(err, VF_ERR_IO, NULL, "cannot write vmflow.xml: %s", strerror(errno));
		return VF_ERR_IO;
	}
	return VF_OK;
}
