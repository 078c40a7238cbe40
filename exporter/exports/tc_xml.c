/* SPDX-License-Identifier: MIT */
/*
 * tc_xml.c - writes tracecompass/vmflow.xml, one data-driven analysis file:
 *
 *   <stateProvider id="org.vmflow.results">   the results trace -> vmflow's state history
 *     definedValue per Status value (name = the states.tsv value, value = its int code)
 *     mappingGroup "status" (Status string -> code), "wait" (wait_* -> code, else null)
 *     vmflow_vcpu_state / _end:   VMs/<vm_pid>/vCPUs/<vcpu_id>/<attribute>
 *     vmflow_state_<d> / _end_<d>: the path a0/.../a<d-1> (every other path)
 *     and, for the views only, under Derived/ (not a states.tsv path):
 *       Derived/Waits/<vm>/<vcpu>      the Status code while it is a wait, else null
 *       Derived/Exits/<vm>/<reason>    exits counted so far (int, +1 per guest->exit)
 *       Derived/ExitsAll/<reason>      the same over every VM
 *       Derived/Time/<vm>/<status>     ns of the Status intervals of that value started so far
 *   <stateProvider id="org.vmflow.kernel">     the raw LTTng kernel trace of the host, for
 *     users without vmflow's results: vCPU guest/hypervisor/preempted/blocked status
 *     and exit counts per reason, as far as the XML language can tell (see below)
 *     CriticalPath/<worker>/{Status,Level,Depth,WokenBy}  (analyze --critical-path: the
 *       critical path's rows, critical_path.tsv; Status is the edge, int-coded like Status)
 *   time-graph views: vCPUs, guest processes, nested VMs, waits, critical path (only with
 *   --critical-path; one row per worker, Trace Compass' critical-path colours) (results);
 *   vCPUs (kernel)
 *   XY views: exit rate per reason (all VMs, and per VM), time per state per VM (results);
 *             exit rate per reason (kernel)
 *
 * Why Status is an int and not the string itself: Trace Compass' time-graph
 * data provider turns an Integer state into (value, label) but every String
 * state into the same value Integer.MIN_VALUE, and its presentation provider
 * colours a state only by looking its int up among the view's definedValues
 * (DataDrivenTimeGraphDataProvider.getStateFromInterval,
 * XmlPresentationProvider.getStateTableIndex). String states would all be
 * drawn transparent. So the provider maps each status string to a fixed int
 * with a mappingGroup, and the view gives each int its colour and label.
 * Every value seen on a .../Status path of the history has a code (fixed
 * codes, 100 + n for guest_l<n>, 1000 + k for anything else, k in name
 * order), so the state system maps back to states.tsv exactly. Values of
 * other paths (Exit, Process, ...) stay strings.
 *
 * The raw-trace provider keys threads by the CPU's current thread
 * (CPUs/<cpu>/Thread from sched_switch), learns vCPU threads at kvm_x86_entry
 * (Threads/<tid>/vcpu = vcpu_id, Threads/<tid>/pid = context._pid, so the
 * trace needs the pid context), keeps Threads/<tid>/exit = the last exit
 * reason's name (kvm_x86_exit), and writes
 * VMs/<pid>/vCPUs/<n>/Status with the same codes: guest at entry, hypervisor
 * at exit and at switch in, preempted_host/preempted_vm at a switch out with
 * prev_state 0 (by whether next_tid is a known vCPU thread), wait_unknown at
 * a blocking switch out after HLT, wait_host after any other exit. It cannot
 * tell the wake-up cause of a wait, nested guests, or a vCPU thread before
 * its first kvm event. Exit counts: VMs/<pid>/Exits/<reason> and
 * Exits/<reason>, +1 at each kvm_x86_exit whose reason has a name. The
 * legacy event names kvm_entry/kvm_exit (older kernels) are handled alike.
 *
 * The results analysis declares the generic CTF trace type, so it applies to
 * the results trace (and, harmlessly and empty, to the host kernel trace);
 * the kernel one the LTTng kernel trace type. Trace Compass aggregates the
 * analyses of an experiment's traces under the experiment (design §5).
 */
#include "exports/tc_xml.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "exports/palette.h"
#include "exports/tc_results.h"
#include "model/exit_reasons.h"

/* Generic CTF trace type; LTTng kernel/UST trace types are subclasses of it. */
#define CTF_TRACE_TYPE     "org.eclipse.linuxtools.tmf.ui.type.ctf"
#define KERNEL_TRACE_TYPE  "org.eclipse.linuxtools.lttng2.kernel.tracetype"
#define MAX_STATUS         256
#define MAX_NESTING_LEVEL  100000
#define OTHER_CODE_BASE    1000
#define MAX_VM_VIEWS       16
/* Codes of the critical path's edges: past every guest_l<n> code (100 + n). */
#define CP_CODE_BASE       300000

static const char *const fixed_codes[] = {
    "unknown",         /* 0 */
    "guest",           /* 1 */
    "guest_l2",        /* 2 */
    "hypervisor",      /* 3 */
    "preempted_host",  /* 4 */
    "preempted_vm",    /* 5 */
    "wait_timer",      /* 6 */
    "wait_task",       /* 7 */
    "wait_disk",       /* 8 */
    "wait_net",        /* 9 */
    "wait_unknown",    /* 10 */
    "wait_host",       /* 11 */
    "running",         /* 12: guest processes */
    "preempted_guest", /* 13 */
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
	if (n) {
		return (int32_t)(100 + n);
	}
	{
		const struct vf_palette_entry *cp = vf_palette_critical_path_entries(&i);
		size_t k;

		for (k = 0; k < i; k++) {
			if (strcmp(cp[k].value, status) == 0) {
				return (int32_t)(CP_CODE_BASE + k);
			}
		}
	}
	return -1;
}

struct status {
	const char *value; /* borrowed: palette, fixed_codes or the history */
	char label[96];
	uint8_t r, g, b;
	int32_t code;
	bool cp; /* a critical-path edge (CriticalPath/<worker>/Status) */
};

struct status_list {
	struct status items[MAX_STATUS];
	size_t count;
	int64_t vms[MAX_VM_VIEWS]; /* VMs with per-VM XY views, ascending */
	size_t vm_count;
	bool has_cp; /* the history has a critical path (CriticalPath/...) */
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

static void add_status(struct status_list *l, const char *value, int32_t code)
{
	const struct vf_palette_entry *pe;
	struct status *s;
	long n;

	if (l->count == MAX_STATUS || listed(l, value) || code < 0) {
		return;
	}
	s = &l->items[l->count++];
	s->value = value;
	s->code = code;
	s->cp = code >= CP_CODE_BASE;
	pe = s->cp ? vf_palette_critical_path_lookup(value) : vf_palette_lookup(value);
	if (s->cp) {
		snprintf(s->label, sizeof(s->label), "%s", pe->label);
	} else if (strcmp(pe->value, value) != 0 && (n = nesting_level(value)) != 0) {
		/* deeper than the palette knows: the deepest palette green, own label */
		pe = vf_palette_lookup("guest_l3");
		snprintf(s->label, sizeof(s->label), "Nested guest code (L%ld)", n);
	} else if (strcmp(pe->value, value) != 0) {
		snprintf(s->label, sizeof(s->label), "%s", value);
	} else {
		snprintf(s->label, sizeof(s->label), "%s", pe->label);
	}
	s->r = pe->r;
	s->g = pe->g;
	s->b = pe->b;
}

static int is_status_path(const char *p)
{
	size_t n = strlen(p);

	return n >= 6 && strcmp(p + n - 6, "Status") == 0 && (n == 6 || p[n - 7] == '/');
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* "VMs/<pid>/..." -> pid (canonical decimal), else -1. */
static int64_t vm_of_path(const char *p)
{
	int64_t v = 0;
	const char *c = p + 4;

	if (strncmp(p, "VMs/", 4) != 0 || *c < '0' || *c > '9' || (*c == '0' && c[1] != '/')) {
		return -1;
	}
	for (; *c >= '0' && *c <= '9'; c++) {
		if (v > (INT64_MAX - 9) / 10) {
			return -1;
		}
		v = v * 10 + (*c - '0');
	}
	return *c == '/' ? v : -1;
}

static void add_vm(struct status_list *l, int64_t pid)
{
	size_t i;

	if (pid < 0) {
		return;
	}
	for (i = 0; i < l->vm_count; i++) {
		if (l->vms[i] == pid) {
			return;
		}
	}
	if (l->vm_count < MAX_VM_VIEWS) {
		l->vms[l->vm_count++] = pid;
		for (i = l->vm_count - 1; i > 0 && l->vms[i - 1] > l->vms[i]; i--) {
			int64_t t = l->vms[i];

			l->vms[i] = l->vms[i - 1];
			l->vms[i - 1] = t;
		}
	}
}

/*
 * Legend order: the palette's, then standard values it lacks, then deeper
 * nesting by increasing n, then any other value of a Status path by name.
 */
static enum vf_status build_status_list(struct status_list *l, const struct vf_history *h,
					 struct vf_error *err)
{
	const struct vf_palette_entry *pe;
	size_t count, i;
	long best;
	uint32_t v, p, nv;
	unsigned char *on_status = NULL;
	const char **others = NULL;
	size_t other_count = 0;

	memset(l, 0, sizeof(*l));
	pe = vf_palette_entries(&count);
	for (i = 0; i < count; i++) {
		add_status(l, pe[i].value, vf_tc_xml_status_code(pe[i].value));
	}
	for (i = 0; i < FIXED_CODE_COUNT; i++) {
		add_status(l, fixed_codes[i], (int32_t)i);
	}
	if (!h) {
		return VF_OK;
	}
	/* the critical path's edges, when the history has one */
	for (p = 0; p < vf_history_path_count(h) && !l->has_cp; p++) {
		l->has_cp = strncmp(vf_history_path_name(h, p), "CriticalPath/", 13) == 0;
	}
	if (l->has_cp) {
		pe = vf_palette_critical_path_entries(&count);
		for (i = 0; i < count; i++) {
			add_status(l, pe[i].value, (int32_t)(CP_CODE_BASE + i));
		}
	}
	/* deeper guest_l<n> values seen in the history, by increasing n */
	for (;;) {
		const char *next = NULL;

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
		add_status(l, next, vf_tc_xml_status_code(next));
	}
	/* every other value held by a Status path, and the VMs */
	nv = vf_history_value_count(h);
	on_status = calloc((size_t)nv + 1, 1);
	others = calloc((size_t)nv + 1, sizeof(*others));
	if (!on_status || !others) {
		free(on_status);
		free(others);
		VF_ERROR_SET(err, VF_ERR_NOMEM, NULL, "out of memory writing vmflow.xml");
		return VF_ERR_NOMEM;
	}
	for (p = 0; p < vf_history_path_count(h); p++) {
		const char *name = vf_history_path_name(h, p);
		struct vf_history_path_iter *it;
		int64_t s, e;

		if (strstr(name, "/vCPUs/") && is_status_path(name)) {
			add_vm(l, vm_of_path(name));
		}
		if (!is_status_path(name)) {
			continue;
		}
		it = vf_history_path_iter_new(h, p, err);
		if (!it) {
			free(on_status);
			free(others);
			return err ? err->status : VF_ERR_NOMEM;
		}
		while (vf_history_path_iter_next(it, &s, &e, &v)) {
			on_status[v] = 1;
		}
		if (vf_history_path_iter_free(it, err) != VF_OK) {
			free(on_status);
			free(others);
			return err ? err->status : VF_ERR_IO;
		}
	}
	for (v = 0; v < nv; v++) {
		const char *name = vf_history_value_name(h, v);

		if (on_status[v] && vf_tc_xml_status_code(name) < 0) {
			others[other_count++] = name;
		}
	}
	qsort(others, other_count, sizeof(*others), cmp_str);
	for (i = 0; i < other_count; i++) {
		add_status(l, others[i], (int32_t)(OTHER_CODE_BASE + i));
	}
	free(on_status);
	free(others);
	return VF_OK;
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

static int is_wait(const char *v)
{
	return strncmp(v, "wait_", 5) == 0;
}

static int is_guest(const char *v)
{
	return strcmp(v, "guest") == 0 || strncmp(v, "guest_l", 7) == 0;
}

static void defined_values(FILE *fp, const struct status_list *l)
{
	size_t i;

	for (i = 0; i < l->count; i++) {
		fputs("\t\t<definedValue name=\"", fp);
		put_attr(fp, l->items[i].value);
		fprintf(fp, "\" value=\"%" PRId32 "\" />\n", l->items[i].code);
	}
}

static void mapping_group(FILE *fp, const struct status_list *l, const char *id, int waits_only)
{
	size_t i;

	fprintf(fp, "\t\t<mappingGroup id=\"%s\">\n", id);
	for (i = 0; i < l->count; i++) {
		if (waits_only && !is_wait(l->items[i].value)) {
			continue;
		}
		fputs("\t\t\t<entry><stateValue type=\"string\" value=\"", fp);
		put_attr(fp, l->items[i].value);
		fputs("\" /><stateValue type=\"int\" value=\"$", fp);
		put_attr(fp, l->items[i].value);
		fputs("\" /></entry>\n", fp);
	}
	fputs("\t\t</mappingGroup>\n", fp);
}

static const char field_is[] = "<condition><field name=\"%s\" /><stateValue type=\"string\" "
				"value=\"%s\" /></condition>";

/* <or> of "the vCPU's Status is a guest code" conditions. */
static void put_status_is_guest(FILE *fp, const struct status_list *l, const char *indent)
{
	size_t i;

	fprintf(fp, "%s<or>\n", indent);
	for (i = 0; i < l->count; i++) {
		if (!is_guest(l->items[i].value)) {
			continue;
		}
		fprintf(fp,
			"%s\t<condition><stateAttribute type=\"location\" value=\"vcpu\" />"
			"<stateAttribute type=\"constant\" value=\"Status\" />"
			"<stateValue type=\"int\" value=\"$",
			indent);
		put_attr(fp, l->items[i].value);
		fputs("\" /></condition>\n", fp);
	}
	fprintf(fp, "%s</or>\n", indent);
}

static void write_vcpu_handlers(FILE *fp, const struct status_list *l)
{
	static const char *const exit_roots[][2] = {
		{"Exits", "<stateAttribute type=\"eventField\" value=\"vm_pid\" />"},
		{"ExitsAll", ""},
	};
	size_t k;

	fputs("\t\t<eventHandler eventName=\"vmflow_vcpu_state\">\n", fp);
	/* exit counters: an Exit value starting while the vCPU is in guest code */
	for (k = 0; k < 2; k++) {
		fputs("\t\t\t<stateChange>\n\t\t\t\t<if>\n\t\t\t\t\t<and>\n\t\t\t\t\t\t", fp);
		fprintf(fp, field_is, "attribute", "Exit");
		fputc('\n', fp);
		put_status_is_guest(fp, l, "\t\t\t\t\t\t");
		fprintf(fp,
			"\t\t\t\t\t</and>\n\t\t\t\t</if>\n\t\t\t\t<then>\n"
			"\t\t\t\t\t<stateAttribute type=\"constant\" value=\"Derived\" />\n"
			"\t\t\t\t\t<stateAttribute type=\"constant\" value=\"%s\" />\n"
			"%s%s%s"
			"\t\t\t\t\t<stateAttribute type=\"eventField\" value=\"value\" />\n"
			"\t\t\t\t\t<stateValue type=\"int\" value=\"1\" increment=\"true\" />\n"
			"\t\t\t\t</then>\n\t\t\t</stateChange>\n",
			exit_roots[k][0], exit_roots[k][1][0] ? "\t\t\t\t\t" : "", exit_roots[k][1],
			exit_roots[k][1][0] ? "\n" : "");
	}
	/* the state itself */
	fputs("\t\t\t<stateChange>\n\t\t\t\t<if>", fp);
	fprintf(fp, field_is, "attribute", "Status");
	fputs("</if>\n"
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
	      "\t\t\t</stateChange>\n",
	      fp);
	/* waits view and time per state */
	fputs("\t\t\t<stateChange>\n\t\t\t\t<if>", fp);
	fprintf(fp, field_is, "attribute", "Status");
	fputs("</if>\n"
	      "\t\t\t\t<then>\n"
	      "\t\t\t\t\t<stateAttribute type=\"constant\" value=\"Derived\" />\n"
	      "\t\t\t\t\t<stateAttribute type=\"constant\" value=\"Waits\" />\n"
	      "\t\t\t\t\t<stateAttribute type=\"eventField\" value=\"vm_pid\" />\n"
	      "\t\t\t\t\t<stateAttribute type=\"eventField\" value=\"vcpu_id\" />\n"
	      "\t\t\t\t\t<stateValue type=\"eventField\" value=\"value\" mappingGroup=\"wait\" />\n"
	      "\t\t\t\t</then>\n"
	      "\t\t\t</stateChange>\n"
	      "\t\t\t<stateChange>\n\t\t\t\t<if>",
	      fp);
	fprintf(fp, field_is, "attribute", "Status");
	fputs("</if>\n"
	      "\t\t\t\t<then>\n"
	      "\t\t\t\t\t<stateAttribute type=\"constant\" value=\"Derived\" />\n"
	      "\t\t\t\t\t<stateAttribute type=\"constant\" value=\"Time\" />\n"
	      "\t\t\t\t\t<stateAttribute type=\"eventField\" value=\"vm_pid\" />\n"
	      "\t\t\t\t\t<stateAttribute type=\"eventField\" value=\"value\" />\n"
	      "\t\t\t\t\t<stateValue type=\"eventField\" value=\"duration\" increment=\"true\" />\n"
	      "\t\t\t\t</then>\n"
	      "\t\t\t</stateChange>\n"
	      "\t\t</eventHandler>\n\n"
	      "\t\t<!-- the path has no value any more -->\n"
	      "\t\t<eventHandler eventName=\"vmflow_vcpu_state_end\">\n"
	      "\t\t\t<stateChange>\n"
	      "\t\t\t\t<stateAttribute type=\"location\" value=\"vcpu\" />\n"
	      "\t\t\t\t<stateAttribute type=\"eventField\" value=\"attribute\" />\n"
	      "\t\t\t\t<stateValue type=\"null\" />\n"
	      "\t\t\t</stateChange>\n"
	      "\t\t\t<stateChange>\n\t\t\t\t<if>",
	      fp);
	fprintf(fp, field_is, "attribute", "Status");
	fputs("</if>\n"
	      "\t\t\t\t<then>\n"
	      "\t\t\t\t\t<stateAttribute type=\"constant\" value=\"Derived\" />\n"
	      "\t\t\t\t\t<stateAttribute type=\"constant\" value=\"Waits\" />\n"
	      "\t\t\t\t\t<stateAttribute type=\"eventField\" value=\"vm_pid\" />\n"
	      "\t\t\t\t\t<stateAttribute type=\"eventField\" value=\"vcpu_id\" />\n"
	      "\t\t\t\t\t<stateValue type=\"null\" />\n"
	      "\t\t\t\t</then>\n"
	      "\t\t\t</stateChange>\n"
	      "\t\t</eventHandler>\n\n",
	      fp);
}

static void put_components(FILE *fp, uint32_t depth, const char *indent)
{
	uint32_t a;

	for (a = 0; a < depth; a++) {
		fprintf(fp, "%s<stateAttribute type=\"eventField\" value=\"a%u\" />\n", indent, a);
	}
}

static void write_generic_handlers(FILE *fp)
{
	uint32_t d;

	fputs("\t\t<!-- every other path, split into its components a0 .. a<d-1> -->\n", fp);
	for (d = 1; d <= VF_TC_RESULTS_MAX_DEPTH; d++) {
		char last[16];

		snprintf(last, sizeof(last), "a%u", d - 1);
		fprintf(fp, "\t\t<eventHandler eventName=\"vmflow_state_%u\">\n", d);
		fputs("\t\t\t<stateChange>\n\t\t\t\t<if>", fp);
		fprintf(fp, field_is, last, "Status");
		fputs("</if>\n\t\t\t\t<then>\n", fp);
		put_components(fp, d, "\t\t\t\t\t");
		fputs("\t\t\t\t\t<stateValue type=\"eventField\" value=\"value\" "
		      "mappingGroup=\"status\" />\n\t\t\t\t</then>\n\t\t\t\t<else>\n",
		      fp);
		put_components(fp, d, "\t\t\t\t\t");
		fputs("\t\t\t\t\t<stateValue type=\"eventField\" value=\"value\" "
		      "forcedType=\"string\" />\n\t\t\t\t</else>\n\t\t\t</stateChange>\n"
		      "\t\t</eventHandler>\n",
		      fp);
		fprintf(fp, "\t\t<eventHandler eventName=\"vmflow_state_end_%u\">\n\t\t\t<stateChange>\n",
			d);
		put_components(fp, d, "\t\t\t\t");
		fputs("\t\t\t\t<stateValue type=\"null\" />\n\t\t\t</stateChange>\n"
		      "\t\t</eventHandler>\n",
		      fp);
	}
}

static void write_results_provider(FILE *fp, const struct status_list *l)
{
	fprintf(fp,
		"\t<stateProvider id=\"" VF_TC_XML_ANALYSIS_ID "\" version=\"%d\">\n"
		"\t\t<head>\n"
		"\t\t\t<traceType id=\"" CTF_TRACE_TYPE "\" />\n"
		"\t\t\t<label value=\"vmflow results\" />\n"
		"\t\t</head>\n\n"
		"\t\t<!-- Status codes: the int stored for each states.tsv value -->\n",
		VF_TC_XML_VERSION);
	defined_values(fp, l);
	fputs("\n\t\t<!-- VMs/<vm_pid>/vCPUs/<vcpu_id> -->\n"
	      "\t\t<location id=\"vcpu\">\n"
	      "\t\t\t<stateAttribute type=\"constant\" value=\"VMs\" />\n"
	      "\t\t\t<stateAttribute type=\"eventField\" value=\"vm_pid\" />\n"
	      "\t\t\t<stateAttribute type=\"constant\" value=\"vCPUs\" />\n"
	      "\t\t\t<stateAttribute type=\"eventField\" value=\"vcpu_id\" />\n"
	      "\t\t</location>\n\n"
	      "\t\t<!-- status string (event field \"value\") to its int code; unmapped gives null "
	      "-->\n",
	      fp);
	mapping_group(fp, l, "status", 0);
	fputs("\t\t<!-- the same for waits only (Derived/Waits) -->\n", fp);
	mapping_group(fp, l, "wait", 1);
	fputs("\n\t\t<!-- an interval starts: exit counters first (Status still holds the guest "
	      "code), then Status gets the mapped code, Exit (or any other attribute) the "
	      "string, then the derived attributes -->\n",
	      fp);
	write_vcpu_handlers(fp, l);
	write_generic_handlers(fp);
	fputs("\t</stateProvider>\n\n", fp);
}

/* ---- the raw kernel trace provider ---- */

/* VMs/<pid>/vCPUs/<n>/Status of the thread whose tid is given by `tid_attr` (XML). */
static void put_thread_status(FILE *fp, const char *tid_attr, const char *indent)
{
	fprintf(fp,
		"%s<stateAttribute type=\"constant\" value=\"VMs\" />\n"
		"%s<stateAttribute type=\"query\"><stateAttribute type=\"constant\" value=\"Threads\" />"
		"%s<stateAttribute type=\"constant\" value=\"pid\" /></stateAttribute>\n"
		"%s<stateAttribute type=\"constant\" value=\"vCPUs\" />\n"
		"%s<stateAttribute type=\"query\"><stateAttribute type=\"constant\" value=\"Threads\" />"
		"%s<stateAttribute type=\"constant\" value=\"vcpu\" /></stateAttribute>\n"
		"%s<stateAttribute type=\"constant\" value=\"Status\" />\n",
		indent, indent, tid_attr, indent, indent, tid_attr, indent);
}

#define CUR_TID                                                                                    \
	"<stateAttribute type=\"query\"><stateAttribute type=\"constant\" value=\"CPUs\" />"       \
	"<stateAttribute type=\"eventField\" value=\"cpu\" />"                                   \
	"<stateAttribute type=\"constant\" value=\"Thread\" /></stateAttribute>"

static void put_reason_group(FILE *fp, uint32_t isa, const char *id)
{
	uint32_t code;

	fprintf(fp, "\t\t<mappingGroup id=\"%s\">\n", id);
	for (code = 0; code < 0x1000; code++) {
		const char *name = vf_exit_reason_lookup(isa, code);

		if (name) {
			fprintf(fp,
				"\t\t\t<entry><stateValue type=\"long\" value=\"%u\" />"
				"<stateValue type=\"string\" value=\"%s\" /></entry>\n",
				code, name);
		}
	}
	fputs("\t\t</mappingGroup>\n", fp);
}

static void put_thread_value(FILE *fp, const char *leaf, const char *value_xml)
{
	fprintf(fp,
		"\t\t\t<stateChange>\n"
		"\t\t\t\t<stateAttribute type=\"constant\" value=\"Threads\" />\n"
		"\t\t\t\t" CUR_TID "\n"
		"\t\t\t\t<stateAttribute type=\"constant\" value=\"%s\" />\n"
		"\t\t\t\t%s\n"
		"\t\t\t</stateChange>\n",
		leaf, value_xml);
}

#define CUR_TID_ATTR CUR_TID
#define PREV_TID_ATTR "<stateAttribute type=\"eventField\" value=\"prev_tid\" />"
#define NEXT_TID_ATTR "<stateAttribute type=\"eventField\" value=\"next_tid\" />"

static void write_kernel_provider(FILE *fp, const struct status_list *l)
{
	size_t i;

	fprintf(fp,
		"\t<stateProvider id=\"" VF_TC_XML_KERNEL_ID "\" version=\"%d\">\n"
		"\t\t<head>\n"
		"\t\t\t<traceType id=\"" KERNEL_TRACE_TYPE "\" />\n"
		"\t\t\t<label value=\"vmflow basics (kernel trace)\" />\n"
		"\t\t</head>\n\n"
		"\t\t<!-- the same Status codes as org.vmflow.results -->\n",
		VF_TC_XML_VERSION);
	for (i = 0; i < l->count; i++) {
		if (l->items[i].code < (int32_t)FIXED_CODE_COUNT) {
			fputs("\t\t<definedValue name=\"", fp);
			put_attr(fp, l->items[i].value);
			fprintf(fp, "\" value=\"%" PRId32 "\" />\n", l->items[i].code);
		}
	}
	fputs("\n\t\t<!-- kvm_x86_exit.exit_reason (Long) to its name, Intel VMX (isa 1) and AMD "
	      "SVM (isa 2) -->\n",
	      fp);
	put_reason_group(fp, VF_ISA_VMX, "vmx_reason");
	put_reason_group(fp, VF_ISA_SVM, "svm_reason");

	/* sched_switch */
	fputs("\n\t\t<eventHandler eventName=\"sched_switch\">\n"
	      "\t\t\t<!-- the thread switched out, if it is a known vCPU thread -->\n"
	      "\t\t\t<stateChange>\n"
	      "\t\t\t\t<if><and>\n"
	      "\t\t\t\t\t<not><condition><stateAttribute type=\"constant\" value=\"Threads\" />"
	      PREV_TID_ATTR "<stateAttribute type=\"constant\" value=\"vcpu\" />"
	      "<stateValue type=\"null\" /></condition></not>\n"
	      "\t\t\t\t\t<condition><field name=\"prev_state\" /><stateValue type=\"long\" "
	      "value=\"0\" /></condition>\n"
	      "\t\t\t\t</and></if>\n"
	      "\t\t\t\t<then>\n"
	      "\t\t\t\t\t<if><condition><stateAttribute type=\"constant\" value=\"Threads\" />"
	      NEXT_TID_ATTR "<stateAttribute type=\"constant\" value=\"vcpu\" />"
	      "<stateValue type=\"null\" /></condition></if>\n"
	      "\t\t\t\t\t<then>\n",
	      fp);
	put_thread_status(fp, PREV_TID_ATTR, "\t\t\t\t\t\t");
	fputs("\t\t\t\t\t\t<stateValue type=\"int\" value=\"$preempted_host\" />\n"
	      "\t\t\t\t\t</then>\n"
	      "\t\t\t\t\t<else>\n",
	      fp);
	put_thread_status(fp, PREV_TID_ATTR, "\t\t\t\t\t\t");
	fputs("\t\t\t\t\t\t<stateValue type=\"int\" value=\"$preempted_vm\" />\n"
	      "\t\t\t\t\t</else>\n"
	      "\t\t\t\t</then>\n"
	      "\t\t\t\t<else>\n"
	      "\t\t\t\t\t<if><and>\n"
	      "\t\t\t\t\t\t<not><condition><stateAttribute type=\"constant\" value=\"Threads\" />"
	      PREV_TID_ATTR "<stateAttribute type=\"constant\" value=\"vcpu\" />"
	      "<stateValue type=\"null\" /></condition></not>\n"
	      "\t\t\t\t\t\t<condition><stateAttribute type=\"constant\" value=\"Threads\" />"
	      PREV_TID_ATTR "<stateAttribute type=\"constant\" value=\"exit\" />"
	      "<stateValue type=\"string\" value=\"HLT\" /></condition>\n"
	      "\t\t\t\t\t</and></if>\n"
	      "\t\t\t\t\t<then>\n",
	      fp);
	put_thread_status(fp, PREV_TID_ATTR, "\t\t\t\t\t\t");
	fputs("\t\t\t\t\t\t<stateValue type=\"int\" value=\"$wait_unknown\" />\n"
	      "\t\t\t\t\t</then>\n"
	      "\t\t\t\t\t<else>\n",
	      fp);
	put_thread_status(fp, PREV_TID_ATTR, "\t\t\t\t\t\t");
	fputs("\t\t\t\t\t\t<stateValue type=\"int\" value=\"$wait_host\" />\n"
	      "\t\t\t\t\t</else>\n"
	      "\t\t\t\t</else>\n"
	      "\t\t\t</stateChange>\n"
	      "\t\t\t<!-- the CPU's current thread -->\n"
	      "\t\t\t<stateChange>\n"
	      "\t\t\t\t<stateAttribute type=\"constant\" value=\"CPUs\" />\n"
	      "\t\t\t\t<stateAttribute type=\"eventField\" value=\"cpu\" />\n"
	      "\t\t\t\t<stateAttribute type=\"constant\" value=\"Thread\" />\n"
	      "\t\t\t\t<stateValue type=\"eventField\" value=\"next_tid\" />\n"
	      "\t\t\t</stateChange>\n"
	      "\t\t\t<!-- the thread switched in: in the hypervisor until its next entry -->\n"
	      "\t\t\t<stateChange>\n"
	      "\t\t\t\t<if><not><condition><stateAttribute type=\"constant\" value=\"Threads\" />"
	      NEXT_TID_ATTR "<stateAttribute type=\"constant\" value=\"vcpu\" />"
	      "<stateValue type=\"null\" /></condition></not></if>\n"
	      "\t\t\t\t<then>\n",
	      fp);
	put_thread_status(fp, NEXT_TID_ATTR, "\t\t\t\t\t");
	fputs("\t\t\t\t\t<stateValue type=\"int\" value=\"$hypervisor\" />\n"
	      "\t\t\t\t</then>\n"
	      "\t\t\t</stateChange>\n"
	      "\t\t</eventHandler>\n\n",
	      fp);

	/* kvm_x86_entry / kvm_x86_exit, and the names of older kernels (kvm_entry / kvm_exit) */
	for (i = 0; i < 4; i++) {
		static const char *const names[] = {"kvm_x86_entry", "kvm_x86_exit", "kvm_entry",
						    "kvm_exit"};
		int is_exit = i % 2 == 1;

		fprintf(fp, "\t\t<eventHandler eventName=\"%s\">\n", names[i]);
		if (!is_exit) {
			put_thread_value(fp, "vcpu",
					 "<stateValue type=\"eventField\" value=\"vcpu_id\" />");
			put_thread_value(fp, "pid",
					 "<stateValue type=\"eventField\" value=\"context._pid\" />");
		} else {
			fputs("\t\t\t<stateChange>\n"
			      "\t\t\t\t<if><condition><field name=\"isa\" /><stateValue type=\"long\" "
			      "value=\"2\" /></condition></if>\n"
			      "\t\t\t\t<then>\n"
			      "\t\t\t\t\t<stateAttribute type=\"constant\" value=\"Threads\" />\n"
			      "\t\t\t\t\t" CUR_TID "\n"
			      "\t\t\t\t\t<stateAttribute type=\"constant\" value=\"exit\" />\n"
			      "\t\t\t\t\t<stateValue type=\"eventField\" value=\"exit_reason\" "
			      "mappingGroup=\"svm_reason\" />\n"
			      "\t\t\t\t</then>\n"
			      "\t\t\t\t<else>\n"
			      "\t\t\t\t\t<stateAttribute type=\"constant\" value=\"Threads\" />\n"
			      "\t\t\t\t\t" CUR_TID "\n"
			      "\t\t\t\t\t<stateAttribute type=\"constant\" value=\"exit\" />\n"
			      "\t\t\t\t\t<stateValue type=\"eventField\" value=\"exit_reason\" "
			      "mappingGroup=\"vmx_reason\" />\n"
			      "\t\t\t\t</else>\n"
			      "\t\t\t</stateChange>\n",
			      fp);
			for (int k = 0; k < 2; k++) {
				fprintf(fp,
					"\t\t\t<stateChange>\n"
					"%s"
					"\t\t\t\t<stateAttribute type=\"constant\" value=\"Exits\" />\n"
					"\t\t\t\t<stateAttribute type=\"query\"><stateAttribute "
					"type=\"constant\" value=\"Threads\" />" CUR_TID
					"<stateAttribute type=\"constant\" value=\"exit\" />"
					"</stateAttribute>\n"
					"\t\t\t\t<stateValue type=\"int\" value=\"1\" increment=\"true\" />\n"
					"\t\t\t</stateChange>\n",
					k == 0 ? "\t\t\t\t<stateAttribute type=\"constant\" value=\"VMs\" />\n"
						 "\t\t\t\t<stateAttribute type=\"query\"><stateAttribute "
						 "type=\"constant\" value=\"Threads\" />" CUR_TID
						 "<stateAttribute type=\"constant\" value=\"pid\" />"
						 "</stateAttribute>\n"
					       : "");
			}
		}
		fputs("\t\t\t<stateChange>\n", fp);
		put_thread_status(fp, CUR_TID_ATTR, "\t\t\t\t");
		fprintf(fp, "\t\t\t\t<stateValue type=\"int\" value=\"$%s\" />\n",
			is_exit ? "hypervisor" : "guest");
		fputs("\t\t\t</stateChange>\n\t\t</eventHandler>\n", fp);
	}
	fputs("\t</stateProvider>\n\n", fp);
}

/* ---- views ---- */

static void view_head(FILE *fp, const char *kind, const char *id, const char *id_suffix,
		      const char *analysis, const char *label)
{
	fprintf(fp,
		"\t<%s id=\"%s%s\">\n\t\t<head>\n\t\t\t<analysis id=\"%s\" />\n"
		"\t\t\t<label value=\"",
		kind, id, id_suffix, analysis);
	put_attr(fp, label);
	fputs("\" />\n\t\t</head>\n", fp);
}

static void view_legend(FILE *fp, const struct status_list *l, int waits_only, int fixed_only)
{
	size_t i;

	for (i = 0; i < l->count; i++) {
		if (l->items[i].cp || (waits_only && !is_wait(l->items[i].value)) ||
		    (fixed_only && l->items[i].code >= (int32_t)FIXED_CODE_COUNT)) {
			continue;
		}
		fputs("\t\t<definedValue name=\"", fp);
		put_attr(fp, l->items[i].label);
		fprintf(fp, "\" value=\"%" PRId32 "\" color=\"#%02x%02x%02x\" />\n",
			l->items[i].code, l->items[i].r, l->items[i].g, l->items[i].b);
	}
}

static void write_views(FILE *fp, const struct status_list *l)
{
	size_t v;
	char suffix[40], label[120];

	view_head(fp, "timeGraphView", VF_TC_XML_VIEW_ID, "", VF_TC_XML_ANALYSIS_ID,
		  "vmflow: vCPU states");
	view_legend(fp, l, 0, 0);
	fputs("\t\t<!-- one tree node per VM (its pid), one row per vCPU showing Status -->\n"
	      "\t\t<entry path=\"VMs/*\">\n"
	      "\t\t\t<entry path=\"vCPUs/*\">\n"
	      "\t\t\t\t<display type=\"constant\" value=\"Status\" />\n"
	      "\t\t\t</entry>\n"
	      "\t\t</entry>\n"
	      "\t</timeGraphView>\n\n",
	      fp);

	view_head(fp, "timeGraphView", VF_TC_XML_ANALYSIS_ID, ".processes", VF_TC_XML_ANALYSIS_ID,
		  "vmflow: guest processes");
	view_legend(fp, l, 0, 0);
	fputs("\t\t<!-- per VM, one row per guest process (its CR3) -->\n"
	      "\t\t<entry path=\"VMs/*\">\n"
	      "\t\t\t<entry path=\"Processes/*\">\n"
	      "\t\t\t\t<display type=\"constant\" value=\"Status\" />\n"
	      "\t\t\t</entry>\n"
	      "\t\t</entry>\n"
	      "\t</timeGraphView>\n\n",
	      fp);

	view_head(fp, "timeGraphView", VF_TC_XML_ANALYSIS_ID, ".nested", VF_TC_XML_ANALYSIS_ID,
		  "vmflow: nested VMs");
	view_legend(fp, l, 0, 0);
	fputs("\t\t<!-- per VM, per nested VM (its L1 hypervisor's CR3): vCPUs and processes -->\n"
	      "\t\t<entry path=\"VMs/*\">\n"
	      "\t\t\t<entry path=\"Nested/*\">\n"
	      "\t\t\t\t<entry path=\"vCPUs/*\">\n"
	      "\t\t\t\t\t<display type=\"constant\" value=\"Status\" />\n"
	      "\t\t\t\t</entry>\n"
	      "\t\t\t\t<entry path=\"Processes/*\">\n"
	      "\t\t\t\t\t<display type=\"constant\" value=\"Status\" />\n"
	      "\t\t\t\t</entry>\n"
	      "\t\t\t</entry>\n"
	      "\t\t</entry>\n"
	      "\t</timeGraphView>\n\n",
	      fp);

	view_head(fp, "timeGraphView", VF_TC_XML_ANALYSIS_ID, ".waits", VF_TC_XML_ANALYSIS_ID,
		  "vmflow: vCPU waits");
	view_legend(fp, l, 1, 0);
	fputs("\t\t<!-- per VM, one row per vCPU: only its waits, coloured by cause -->\n"
	      "\t\t<entry path=\"Derived/Waits/*\">\n"
	      "\t\t\t<entry path=\"*\">\n"
	      "\t\t\t\t<display type=\"self\" />\n"
	      "\t\t\t</entry>\n"
	      "\t\t</entry>\n"
	      "\t</timeGraphView>\n\n",
	      fp);

	view_head(fp, "xyView", VF_TC_XML_ANALYSIS_ID, ".exitrate", VF_TC_XML_ANALYSIS_ID,
		  "vmflow: exit rate per reason (all VMs)");
	fputs("\t\t<entry path=\"Derived/ExitsAll/*\" displayType=\"delta\">\n"
	      "\t\t\t<display type=\"self\" />\n"
	      "\t\t</entry>\n"
	      "\t</xyView>\n\n",
	      fp);
	for (v = 0; v < l->vm_count; v++) {
		snprintf(suffix, sizeof(suffix), ".exitrate.%" PRId64, l->vms[v]);
		snprintf(label, sizeof(label), "vmflow: exit rate per reason, VM %" PRId64,
			 l->vms[v]);
		view_head(fp, "xyView", VF_TC_XML_ANALYSIS_ID, suffix, VF_TC_XML_ANALYSIS_ID, label);
		fprintf(fp,
			"\t\t<entry path=\"Derived/Exits/%" PRId64 "/*\" displayType=\"delta\">\n"
			"\t\t\t<display type=\"self\" />\n"
			"\t\t</entry>\n"
			"\t</xyView>\n\n",
			l->vms[v]);
		snprintf(suffix, sizeof(suffix), ".statetime.%" PRId64, l->vms[v]);
		snprintf(label, sizeof(label), "vmflow: time per vCPU state, VM %" PRId64,
			 l->vms[v]);
		view_head(fp, "xyView", VF_TC_XML_ANALYSIS_ID, suffix, VF_TC_XML_ANALYSIS_ID, label);
		fprintf(fp,
			"\t\t<entry path=\"Derived/Time/%" PRId64 "/*\" displayType=\"delta\">\n"
			"\t\t\t<display type=\"self\" />\n"
			"\t\t</entry>\n"
			"\t</xyView>\n\n",
			l->vms[v]);
	}

	if (l->has_cp) {
		size_t i;

		view_head(fp, "timeGraphView", VF_TC_XML_ANALYSIS_ID, ".criticalpath",
			  VF_TC_XML_ANALYSIS_ID, "vmflow: critical path");
		for (i = 0; i < l->count; i++) {
			if (!l->items[i].cp) {
				continue;
			}
			fputs("\t\t<definedValue name=\"", fp);
			put_attr(fp, l->items[i].label);
			fprintf(fp, "\" value=\"%" PRId32 "\" color=\"#%02x%02x%02x\" />\n",
				l->items[i].code, l->items[i].r, l->items[i].g, l->items[i].b);
		}
		fputs("\t\t<!-- one row per worker the path visits (its name, '/' written ':'), "
		      "showing its edge; Level, Depth and WokenBy beside it in the state system -->\n"
		      "\t\t<entry path=\"CriticalPath/*\">\n"
		      "\t\t\t<display type=\"constant\" value=\"Status\" />\n"
		      "\t\t</entry>\n"
		      "\t</timeGraphView>\n\n",
		      fp);
	}

	view_head(fp, "timeGraphView", VF_TC_XML_KERNEL_ID, ".vcpus", VF_TC_XML_KERNEL_ID,
		  "vmflow basics: vCPU states (kernel trace)");
	view_legend(fp, l, 0, 1);
	fputs("\t\t<entry path=\"VMs/*\">\n"
	      "\t\t\t<entry path=\"vCPUs/*\">\n"
	      "\t\t\t\t<display type=\"constant\" value=\"Status\" />\n"
	      "\t\t\t</entry>\n"
	      "\t\t</entry>\n"
	      "\t</timeGraphView>\n\n",
	      fp);
	view_head(fp, "xyView", VF_TC_XML_KERNEL_ID, ".exitrate", VF_TC_XML_KERNEL_ID,
		  "vmflow basics: exit rate per reason (kernel trace)");
	fputs("\t\t<entry path=\"Exits/*\" displayType=\"delta\">\n"
	      "\t\t\t<display type=\"self\" />\n"
	      "\t\t</entry>\n"
	      "\t</xyView>\n",
	      fp);
}

enum vf_status vf_tc_xml_write(FILE *fp, const struct vf_history *h, struct vf_error *err)
{
	struct status_list *l = malloc(sizeof(*l));
	enum vf_status st;

	if (!l) {
		VF_ERROR_SET(err, VF_ERR_NOMEM, NULL, "out of memory writing vmflow.xml");
		return VF_ERR_NOMEM;
	}
	st = build_status_list(l, h, err);
	if (st != VF_OK) {
		free(l);
		return st;
	}
	fprintf(fp,
	        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	        "<!--\n"
	        "  vmflow.xml: vmflow's states for Trace Compass, written by vmflow %s.\n"
	        "  Import it with Manage XML analyses, then open the host trace and the\n"
	        "  results trace (tracecompass/results) together as an experiment; see README.md.\n"
	        "\n"
	        "  org.vmflow.results rebuilds every path of states.tsv from the results trace\n"
	        "  (plus Derived/ attributes for the waits and XY views). Status is stored as an\n"
	        "  int code (the definedValues of the state provider give the states.tsv name of\n"
	        "  each code) because Trace Compass colours time-graph states by int value only;\n"
	        "  other values are stored as strings.\n"
	        "  org.vmflow.kernel reads the raw LTTng kernel trace of the host and gives the\n"
	        "  basics (vCPU guest/hypervisor/preempted/blocked status, exit counts) without\n"
	        "  vmflow's results.\n"
	        "-->\n"
	        "<tmfxml xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"\n"
	        "\txsi:noNamespaceSchemaLocation=\"xmlDefinition.xsd\">\n\n",
	        VMFLOW_VERSION);
	write_results_provider(fp, l);
	write_kernel_provider(fp, l);
	write_views(fp, l);
	fputs("</tmfxml>\n", fp);
	free(l);
	if (fflush(fp) != 0 || ferror(fp)) {
		VF_ERROR_SET(err, VF_ERR_IO, NULL, "cannot write vmflow.xml: %s", strerror(errno));
		return VF_ERR_IO;
	}
	return VF_OK;
}
