/* SPDX-License-Identifier: MIT */
/*
 * lami.c - LAMI 1.0 metadata and result tables from the state history (API in
 * lami.h; the spec is lttng/lami-spec lami.adoc v1.0.1).
 *
 * One pass per vCPU over its Status path, with a cursor on its Exit path:
 *   - an exit starts at a `hypervisor` interval that begins where a guest
 *     interval (guest, guest_l<n>) ends, and completes at the start of the next
 *     guest interval, the chain in between being hypervisor, preempted or wait
 *     intervals back to back (a gap or `unknown` drops it, like an exit still
 *     open at the end). Its reason is the Exit value that starts with it.
 *   - waits and time shares take the Status intervals clipped to the range.
 * Memory: the rows of the tables (VMs x vCPUs x reasons), never the intervals.
 *
 * Output: JSON with fixed key order, durations as integer ns, ratios with
 * 9 significant digits, the same bytes for the same input. The object starts
 * with a line holding only "{" (Trace Compass skips progress lines until a
 * line that starts with "{").
 */
#include "exports/lami.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "exports/json_write.h"

/* ---- classification of Status values ---- */

enum cls { C_GUEST, C_HYP, C_PREEMPT, C_WAIT, C_UNKNOWN, C_OTHER };

#define WAIT_KINDS 6
static const char *const wait_values[WAIT_KINDS] = {"wait_timer", "wait_task", "wait_disk",
						    "wait_net",   "wait_host", "wait_unknown"};
static const char *const wait_labels[WAIT_KINDS] = {"timer",   "task (IPI)", "disk",
						    "network", "host",       "unknown"};

static enum cls classify(const char *v, int *wait_kind)
{
	int i;

	if (strcmp(v, "guest") == 0 || strncmp(v, "guest_l", 7) == 0) {
		return C_GUEST;
	}
	if (strcmp(v, "hypervisor") == 0) {
		return C_HYP;
	}
	if (strncmp(v, "preempted_", 10) == 0) {
		return C_PREEMPT;
	}
	for (i = 0; i < WAIT_KINDS; i++) {
		if (strcmp(v, wait_values[i]) == 0) {
			*wait_kind = i;
			return C_WAIT;
		}
	}
	if (strncmp(v, "wait_", 5) == 0) {
		*wait_kind = WAIT_KINDS - 1;
		return C_WAIT;
	}
	return strcmp(v, "unknown") == 0 ? C_UNKNOWN : C_OTHER;
}

/* ---- table rows ---- */

struct stat {
	uint64_t count;
	int64_t total, min, max;
	double sum_sq;
	int64_t max_begin; /* where the longest one starts (waits) */
};

static void stat_add(struct stat *s, int64_t d, int64_t begin)
{
	if (s->count == 0 || d < s->min) {
		s->min = d;
	}
	if (s->count == 0 || d > s->max) {
		s->max = d;
		s->max_begin = begin;
	}
	s->count++;
	s->total += d;
	s->sum_sq += (double)d * (double)d;
}

static void stat_merge(struct stat *into, const struct stat *s)
{
	if (s->count == 0) {
		return;
	}
	if (into->count == 0 || s->min < into->min) {
		into->min = s->min;
	}
	if (into->count == 0 || s->max > into->max) {
		into->max = s->max;
		into->max_begin = s->max_begin;
	}
	into->count += s->count;
	into->total += s->total;
	into->sum_sq += s->sum_sq;
}

struct exit_row {
	int64_t vm_pid;
	int64_t vcpu; /* -1: all vCPUs of the VM */
	char reason[48];
	struct stat st;
};

struct vcpu_row {
	int64_t vm_pid;
	int64_t vcpu;
	int64_t first, last; /* observed part of the line in the range */
	int64_t observed;
	int64_t by_cls[C_OTHER + 1];
	uint64_t exits;
	struct stat waits[WAIT_KINDS];
};

struct tables {
	struct exit_row *exits;
	size_t exit_count, exit_cap;
	struct vcpu_row *vcpus;
	size_t vcpu_count;
};

static struct exit_row *exit_row_get(struct tables *t, size_t from, int64_t pid, int64_t vcpu,
				     const char *reason)
{
	size_t i;
	struct exit_row *r;

	for (i = from; i < t->exit_count; i++) {
		r = &t->exits[i];
		if (r->vm_pid == pid && r->vcpu == vcpu && strcmp(r->reason, reason) == 0) {
			return r;
		}
	}
	if (t->exit_count == t->exit_cap) {
		size_t cap = t->exit_cap ? t->exit_cap * 2 : 64;
		struct exit_row *n = realloc(t->exits, cap * sizeof(*n));

		if (!n) {
			return NULL;
		}
		t->exits = n;
		t->exit_cap = cap;
	}
	r = &t->exits[t->exit_count++];
	memset(r, 0, sizeof(*r));
	r->vm_pid = pid;
	r->vcpu = vcpu;
	snprintf(r->reason, sizeof(r->reason), "%s", reason);
	return r;
}

/* "VMs/<pid>/vCPUs/<n>/Status" (canonical decimals) */
static int parse_status_path(const char *p, int64_t *pid, int64_t *vcpu)
{
	char *end;
	long long a, b;

	if (strncmp(p, "VMs/", 4) != 0 || !isdigit((unsigned char)p[4])) {
		return 0;
	}
	errno = 0;
	a = strtoll(p + 4, &end, 10);
	if (errno || strncmp(end, "/vCPUs/", 7) != 0 || !isdigit((unsigned char)end[7])) {
		return 0;
	}
	b = strtoll(end + 7, &end, 10);
	if (errno || strcmp(end, "/Status") != 0) {
		return 0;
	}
	*pid = a;
	*vcpu = b;
	return 1;
}

static int cmp_vcpu(const void *a, const void *b)
{
	const struct vcpu_row *x = a, *y = b;

	if (x->vm_pid != y->vm_pid) {
		return x->vm_pid < y->vm_pid ? -1 : 1;
	}
	return x->vcpu < y->vcpu ? -1 : (x->vcpu > y->vcpu);
}

static int cmp_exit(const void *a, const void *b)
{
	const struct exit_row *x = a, *y = b;

	if (x->vm_pid != y->vm_pid) {
		return x->vm_pid < y->vm_pid ? -1 : 1;
	}
	if (x->vcpu != y->vcpu) {
		return x->vcpu < y->vcpu ? -1 : 1;
	}
	if (x->st.count != y->st.count) {
		return x->st.count > y->st.count ? -1 : 1;
	}
	return strcmp(x->reason, y->reason);
}

struct range {
	int64_t begin, end; /* [begin, end] as LAMI shows it; intervals clipped to [begin, end) */
};

/* Walks one vCPU's Status (and Exit) path. */
static enum vf_status walk_vcpu(struct tables *t, const struct vf_history *h, uint32_t status_id,
				uint32_t exit_id, struct vcpu_row *row, const struct range *rg,
				struct vf_error *err)
{
	struct vf_history_path_iter *si = NULL, *ei = NULL;
	int64_t s, e, es = 0, ee = 0, prev_end = INT64_MIN, exit_start = 0;
	uint32_t v, ev = 0;
	enum cls prev = C_OTHER;
	int in_exit = 0, have_exit = 0;
	char reason[48] = "";
	size_t first_row = t->exit_count;
	enum vf_status st = VF_OK;

	si = vf_history_path_iter_new(h, status_id, err);
	if (!si) {
		return err ? err->status : VF_ERR_NOMEM;
	}
	if (exit_id != VF_HISTORY_NONE) {
		ei = vf_history_path_iter_new(h, exit_id, err);
		if (!ei) {
			vf_history_path_iter_free(si, NULL);
			return err ? err->status : VF_ERR_NOMEM;
		}
		have_exit = vf_history_path_iter_next(ei, &es, &ee, &ev);
	}
	row->first = INT64_MAX;
	row->last = INT64_MIN;
	while (vf_history_path_iter_next(si, &s, &e, &v)) {
		int kind = 0;
		enum cls c = classify(vf_history_value_name(h, v), &kind);
		int contiguous = s == prev_end;
		int64_t cs = s > rg->begin ? s : rg->begin, ce = e < rg->end ? e : rg->end;

		if (in_exit) {
			if (!contiguous || c == C_UNKNOWN || c == C_OTHER) {
				in_exit = 0;
			} else if (c == C_GUEST) {
				in_exit = 0;
				if (exit_start >= rg->begin && exit_start < rg->end) {
					struct exit_row *r =
						exit_row_get(t, first_row, row->vm_pid, row->vcpu, reason);

					if (!r) {
						goto nomem;
					}
					stat_add(&r->st, s - exit_start, exit_start);
					row->exits++;
				}
			}
		}
		if (c == C_HYP && contiguous && prev == C_GUEST) {
			in_exit = 1;
			exit_start = s;
			while (have_exit && es < s) {
				have_exit = vf_history_path_iter_next(ei, &es, &ee, &ev);
			}
			snprintf(reason, sizeof(reason), "%s",
				 have_exit && es == s ? vf_history_value_name(h, ev) : "(unknown)");
		}
		if (ce > cs) {
			if (cs < row->first) {
				row->first = cs;
			}
			if (ce > row->last) {
				row->last = ce;
			}
			row->observed += ce - cs;
			row->by_cls[c] += ce - cs;
			if (c == C_WAIT) {
				stat_add(&row->waits[kind], ce - cs, cs);
			}
		}
		prev = c;
		prev_end = e;
	}
	goto out;
nomem:
	VF_ERROR_SET(err, VF_ERR_NOMEM, NULL, "out of memory computing the LAMI tables");
	st = VF_ERR_NOMEM;
out:
	if (ei && vf_history_path_iter_free(ei, err) != VF_OK && st == VF_OK) {
		st = err ? err->status : VF_ERR_IO;
	}
	if (vf_history_path_iter_free(si, err) != VF_OK && st == VF_OK) {
		st = err ? err->status : VF_ERR_IO;
	}
	return st;
}

static enum vf_status build_tables(struct tables *t, const struct vf_history *h,
				   const struct range *rg, struct vf_error *err)
{
	uint32_t n = vf_history_path_count(h), p;
	uint32_t *status_ids = NULL;
	size_t i, count = 0, per_vcpu_end;
	enum vf_status st = VF_OK;
	char name[512];

	memset(t, 0, sizeof(*t));
	t->vcpus = calloc((size_t)n + 1, sizeof(*t->vcpus));
	status_ids = calloc((size_t)n + 1, sizeof(*status_ids));
	if (!t->vcpus || !status_ids) {
		free(status_ids);
		VF_ERROR_SET(err, VF_ERR_NOMEM, NULL, "out of memory computing the LAMI tables");
		return VF_ERR_NOMEM;
	}
	for (p = 0; p < n; p++) {
		int64_t pid, vcpu;

		if (parse_status_path(vf_history_path_name(h, p), &pid, &vcpu)) {
			t->vcpus[count].vm_pid = pid;
			t->vcpus[count].vcpu = vcpu;
			t->vcpus[count].first = p; /* path id until sorted; reset by walk_vcpu */
			count++;
		}
	}
	t->vcpu_count = count;
	qsort(t->vcpus, count, sizeof(*t->vcpus), cmp_vcpu);
	for (i = 0; i < count; i++) {
		status_ids[i] = (uint32_t)t->vcpus[i].first;
	}
	for (i = 0; i < count && st == VF_OK; i++) {
		snprintf(name, sizeof(name), "VMs/%" PRId64 "/vCPUs/%" PRId64 "/Exit",
			 t->vcpus[i].vm_pid, t->vcpus[i].vcpu);
		st = walk_vcpu(t, h, status_ids[i], vf_history_find_path(h, name), &t->vcpus[i],
			       rg, err);
	}
	free(status_ids);
	if (st != VF_OK) {
		return st;
	}
	/* per-VM rows (vcpu -1): sums over the VM's vCPUs */
	per_vcpu_end = t->exit_count;
	for (i = 0; i < per_vcpu_end; i++) {
		struct exit_row src = t->exits[i];
		struct exit_row *r = exit_row_get(t, per_vcpu_end, src.vm_pid, -1, src.reason);

		if (!r) {
			VF_ERROR_SET(err, VF_ERR_NOMEM, NULL, "out of memory computing the LAMI tables");
			return VF_ERR_NOMEM;
		}
		stat_merge(&r->st, &src.st);
	}
	qsort(t->exits, t->exit_count, sizeof(*t->exits), cmp_exit);
	return VF_OK;
}

static void tables_fini(struct tables *t)
{
	free(t->exits);
	free(t->vcpus);
}

/* ---- JSON ---- */

static void put_ratio(FILE *fp, double num, double den)
{
	if (den <= 0) {
		fputs("{\"class\": \"unknown\"}", fp);
		return;
	}
	fprintf(fp, "{\"class\": \"ratio\", \"value\": %.9g}", num / den);
}

static void put_duration(FILE *fp, int64_t ns)
{
	fprintf(fp, "{\"class\": \"duration\", \"value\": %" PRId64 "}", ns);
}

static void put_number(FILE *fp, double v)
{
	fprintf(fp, "{\"class\": \"number\", \"value\": %.9g}", v);
}

static void put_count(FILE *fp, uint64_t v)
{
	fprintf(fp, "{\"class\": \"number\", \"value\": %" PRIu64 "}", v);
}

static void put_string(FILE *fp, const char *s)
{
	fputs("{\"class\": \"string\", \"value\": ", fp);
	vf_json_write_string(fp, s);
	fputc('}', fp);
}

static void put_time_range(FILE *fp, int64_t begin, int64_t end)
{
	fprintf(fp,
		"{\"class\": \"time-range\", \"begin\": {\"class\": \"timestamp\", \"value\": %" PRId64
		"}, \"end\": {\"class\": \"timestamp\", \"value\": %" PRId64 "}}",
		begin, end);
}

static void put_process(FILE *fp, int64_t pid, const struct vf_lami_vm_name *names,
			size_t name_count)
{
	size_t i;

	fputs("{\"class\": \"process\", ", fp);
	for (i = 0; names && i < name_count; i++) {
		if (names[i].pid == pid && names[i].comm && names[i].comm[0]) {
			fputs("\"name\": ", fp);
			vf_json_write_string(fp, names[i].comm);
			fputs(", ", fp);
			break;
		}
	}
	fprintf(fp, "\"pid\": %" PRId64 "}", pid);
}

/* Statistic columns: min, average, max, standard deviation (population). */
static void put_stat_durations(FILE *fp, const struct stat *s, int with_stddev)
{
	double mean = s->count ? (double)s->total / (double)s->count : 0;
	double var = s->count ? s->sum_sq / (double)s->count - mean * mean : 0;

	put_duration(fp, s->min);
	fputs(", ", fp);
	put_duration(fp, (int64_t)llround(mean));
	fputs(", ", fp);
	put_duration(fp, s->max);
	if (with_stddev) {
		fputs(", ", fp);
		put_duration(fp, (int64_t)llround(var > 0 ? sqrt(var) : 0));
	}
}

struct col {
	const char *title, *cls, *unit;
};

struct table_class {
	unsigned analysis;
	const char *name, *title;
	const struct col *cols;
	size_t col_count;
};

static const struct col exits_cols[] = {
	{"VM", "process", NULL},
	{"vCPU", "number", NULL},
	{"Exit reason", "string", NULL},
	{"Count", "number", "exits"},
	{"Share of the vCPU's exits", "ratio", NULL},
	{"Total handling time", "duration", NULL},
	{"Minimum", "duration", NULL},
	{"Average", "duration", NULL},
	{"Maximum", "duration", NULL},
	{"Standard deviation", "duration", NULL},
};
static const struct col exits_vm_cols[] = {
	{"VM", "process", NULL},
	{"Exit reason", "string", NULL},
	{"Count", "number", "exits"},
	{"Share of the VM's exits", "ratio", NULL},
	{"Total handling time", "duration", NULL},
	{"Minimum", "duration", NULL},
	{"Average", "duration", NULL},
	{"Maximum", "duration", NULL},
	{"Standard deviation", "duration", NULL},
};
static const struct col waits_cols[] = {
	{"VM", "process", NULL},
	{"vCPU", "number", NULL},
	{"Waiting for", "string", NULL},
	{"Count", "number", "waits"},
	{"Total", "duration", NULL},
	{"Share of the vCPU's time", "ratio", NULL},
	{"Minimum", "duration", NULL},
	{"Average", "duration", NULL},
	{"Maximum", "duration", NULL},
	{"Longest wait", "time-range", NULL},
};
static const struct col vms_cols[] = {
	{"VM", "process", NULL},
	{"vCPUs", "number", "vCPUs"},
	{"vCPU time", "duration", NULL},
	{"Guest", "ratio", NULL},
	{"Hypervisor", "ratio", NULL},
	{"Preempted", "ratio", NULL},
	{"Waiting", "ratio", NULL},
	{"Unknown", "ratio", NULL},
	{"Exits", "number", "exits"},
	{"Exit rate", "number", "exits/s"},
};
static const struct col vcpus_cols[] = {
	{"VM", "process", NULL},
	{"vCPU", "number", NULL},
	{"Observed", "time-range", NULL},
	{"vCPU time", "duration", NULL},
	{"Guest", "ratio", NULL},
	{"Hypervisor", "ratio", NULL},
	{"Preempted", "ratio", NULL},
	{"Waiting", "ratio", NULL},
	{"Unknown", "ratio", NULL},
	{"Exits", "number", "exits"},
	{"Exit rate", "number", "exits/s"},
};

#define COLS(a) a, sizeof(a) / sizeof(a[0])
static const struct table_class table_classes[] = {
	{VF_LAMI_EXITS, "vmflow-exits", "VM exits per vCPU and reason", COLS(exits_cols)},
	{VF_LAMI_EXITS, "vmflow-exits-vm", "VM exits per VM and reason (all vCPUs)",
	 COLS(exits_vm_cols)},
	{VF_LAMI_WAITS, "vmflow-waits", "vCPU waits per cause", COLS(waits_cols)},
	{VF_LAMI_VMS, "vmflow-vms", "VM overview", COLS(vms_cols)},
	{VF_LAMI_VMS, "vmflow-vcpus", "vCPU overview", COLS(vcpus_cols)},
};
#define TABLE_CLASS_COUNT (sizeof(table_classes) / sizeof(table_classes[0]))

static const struct {
	const char *name;
	unsigned bits;
	const char *title, *description;
} analyses[] = {
	{"exits", VF_LAMI_EXITS, "vmflow: VM exit statistics",
	 "Count and handling time of KVM exits per VM, vCPU and exit reason, measured as perf "
	 "kvm stat does (from the exit to the next entry), from an LTTng kernel trace of the "
	 "host."},
	{"waits", VF_LAMI_WAITS, "vmflow: vCPU wait summary",
	 "Time vCPUs spent waiting, per cause of the wake-up (timer, IPI, disk, network, host), "
	 "from an LTTng kernel trace of the host."},
	{"vms", VF_LAMI_VMS, "vmflow: VM overview",
	 "Share of time each VM and vCPU ran guest code, was in the hypervisor, was preempted "
	 "or waited, and its exit rate, from an LTTng kernel trace of the host."},
	{"all", VF_LAMI_ALL, "vmflow: VM analysis",
	 "VM exits, vCPU waits and a per-VM overview, from an LTTng kernel trace of a KVM host."},
};
#define ANALYSIS_COUNT (sizeof(analyses) / sizeof(analyses[0]))

unsigned vf_lami_analysis_from_name(const char *name)
{
	size_t i;

	for (i = 0; i < ANALYSIS_COUNT; i++) {
		if (strcmp(analyses[i].name, name) == 0) {
			return analyses[i].bits;
		}
	}
	return 0;
}

static size_t analysis_index(unsigned bits)
{
	size_t i;

	for (i = 0; i < ANALYSIS_COUNT; i++) {
		if (analyses[i].bits == bits) {
			return i;
		}
	}
	return ANALYSIS_COUNT - 1;
}

static enum vf_status finish(FILE *fp, struct vf_error *err)
{
	if (fflush(fp) != 0 || ferror(fp)) {
		VF_ERROR_SET(err, VF_ERR_IO, NULL, "cannot write the LAMI output: %s",
			     strerror(errno));
		return VF_ERR_IO;
	}
	return VF_OK;
}

enum vf_status vf_lami_metadata_write(FILE *fp, unsigned bits, struct vf_error *err)
{
	size_t a = analysis_index(bits), i, c;
	int major = 0, minor = 0, patch = 0, first = 1;

	sscanf(VMFLOW_VERSION, "%d.%d.%d", &major, &minor, &patch);
	fprintf(fp,
		"{\n"
		"  \"mi-version\": {\"major\": %d, \"minor\": %d},\n"
		"  \"version\": {\"major\": %d, \"minor\": %d, \"patch\": %d},\n"
		"  \"title\": ",
		VF_LAMI_MI_MAJOR, VF_LAMI_MI_MINOR, major, minor, patch);
	vf_json_write_string(fp, analyses[a].title);
	fputs(",\n  \"authors\": [\"vmflow\"],\n  \"description\": ", fp);
	vf_json_write_string(fp, analyses[a].description);
	fputs(",\n  \"url\": \"https://github.com/vmflow/vmflow\",\n"
	      "  \"tags\": [\"kvm\", \"virtual-machine\", \"linux-kernel\", \"vmflow\"],\n"
	      "  \"table-classes\": {",
	      fp);
	for (i = 0; i < TABLE_CLASS_COUNT; i++) {
		const struct table_class *tc = &table_classes[i];

		if (!(tc->analysis & analyses[a].bits)) {
			continue;
		}
		fprintf(fp, "%s\n    \"%s\": {\n      \"title\": ", first ? "" : ",", tc->name);
		first = 0;
		vf_json_write_string(fp, tc->title);
		fputs(",\n      \"column-descriptions\": [\n", fp);
		for (c = 0; c < tc->col_count; c++) {
			fputs("        {\"title\": ", fp);
			vf_json_write_string(fp, tc->cols[c].title);
			fprintf(fp, ", \"class\": \"%s\"", tc->cols[c].cls);
			if (tc->cols[c].unit) {
				fprintf(fp, ", \"unit\": \"%s\"", tc->cols[c].unit);
			}
			fprintf(fp, "}%s\n", c + 1 < tc->col_count ? "," : "");
		}
		fputs("      ]\n    }", fp);
	}
	fputs("\n  }\n}\n", fp);
	return finish(fp, err);
}

struct out {
	FILE *fp;
	const struct range *rg;
	const struct vf_lami_query *q;
	const struct vf_lami_vm_name *names;
	size_t name_count;
	int first_table;
	uint64_t rows;
};

static void table_begin(struct out *o, const char *cls)
{
	fprintf(o->fp, "%s\n    {\n      \"time-range\": ", o->first_table ? "" : ",");
	o->first_table = 0;
	put_time_range(o->fp, o->rg->begin, o->rg->end);
	fprintf(o->fp, ",\n      \"class\": \"%s\",\n      \"data\": [", cls);
	o->rows = 0;
}

/* Starts a row; 0 when the table reached the limit. */
static int row_begin(struct out *o)
{
	if (o->rows >= o->q->limit) {
		return 0;
	}
	fprintf(o->fp, "%s\n        [", o->rows ? "," : "");
	o->rows++;
	return 1;
}

static void table_end(struct out *o)
{
	fputs(o->rows ? "\n      ]\n    }" : "]\n    }", o->fp);
}

static uint64_t exits_total(const struct tables *t, int64_t pid, int64_t vcpu)
{
	uint64_t n = 0;
	size_t i;

	for (i = 0; i < t->exit_count; i++) {
		if (t->exits[i].vm_pid == pid && t->exits[i].vcpu == vcpu) {
			n += t->exits[i].st.count;
		}
	}
	return n;
}

static void write_exits(struct out *o, const struct tables *t, int per_vm)
{
	size_t i;

	table_begin(o, per_vm ? "vmflow-exits-vm" : "vmflow-exits");
	for (i = 0; i < t->exit_count; i++) {
		const struct exit_row *r = &t->exits[i];

		if ((r->vcpu < 0) != per_vm || !row_begin(o)) {
			continue;
		}
		put_process(o->fp, r->vm_pid, o->names, o->name_count);
		fputs(", ", o->fp);
		if (!per_vm) {
			put_count(o->fp, (uint64_t)r->vcpu);
			fputs(", ", o->fp);
		}
		put_string(o->fp, r->reason);
		fputs(", ", o->fp);
		put_count(o->fp, r->st.count);
		fputs(", ", o->fp);
		put_ratio(o->fp, (double)r->st.count,
			  (double)exits_total(t, r->vm_pid, r->vcpu));
		fputs(", ", o->fp);
		put_duration(o->fp, r->st.total);
		fputs(", ", o->fp);
		put_stat_durations(o->fp, &r->st, 1);
		fputc(']', o->fp);
	}
	table_end(o);
}

static void write_waits(struct out *o, const struct tables *t)
{
	size_t i;
	int k;

	table_begin(o, "vmflow-waits");
	for (i = 0; i < t->vcpu_count; i++) {
		const struct vcpu_row *r = &t->vcpus[i];

		for (k = 0; k < WAIT_KINDS; k++) {
			const struct stat *s = &r->waits[k];

			if (s->count == 0 || !row_begin(o)) {
				continue;
			}
			put_process(o->fp, r->vm_pid, o->names, o->name_count);
			fputs(", ", o->fp);
			put_count(o->fp, (uint64_t)r->vcpu);
			fputs(", ", o->fp);
			put_string(o->fp, wait_labels[k]);
			fputs(", ", o->fp);
			put_count(o->fp, s->count);
			fputs(", ", o->fp);
			put_duration(o->fp, s->total);
			fputs(", ", o->fp);
			put_ratio(o->fp, (double)s->total, (double)r->observed);
			fputs(", ", o->fp);
			put_stat_durations(o->fp, s, 0);
			fputs(", ", o->fp);
			put_time_range(o->fp, s->max_begin, s->max_begin + s->max);
			fputc(']', o->fp);
		}
	}
	table_end(o);
}

static void put_shares(FILE *fp, const int64_t *by_cls, int64_t observed)
{
	static const enum cls order[] = {C_GUEST, C_HYP, C_PREEMPT, C_WAIT, C_UNKNOWN};
	size_t i;

	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		put_ratio(fp, (double)by_cls[order[i]], (double)observed);
		fputs(", ", fp);
	}
}

static void put_exits_and_rate(FILE *fp, uint64_t exits, int64_t span)
{
	put_count(fp, exits);
	fputs(", ", fp);
	if (span > 0) {
		put_number(fp, (double)exits * 1e9 / (double)span);
	} else {
		fputs("{\"class\": \"unknown\"}", fp);
	}
}

static void write_vms(struct out *o, const struct tables *t)
{
	size_t i, j;

	table_begin(o, "vmflow-vms");
	for (i = 0; i < t->vcpu_count; i = j) {
		int64_t by_cls[C_OTHER + 1] = {0}, observed = 0, span = 0;
		uint64_t exits = 0;
		int c;

		for (j = i; j < t->vcpu_count && t->vcpus[j].vm_pid == t->vcpus[i].vm_pid; j++) {
			for (c = 0; c <= C_OTHER; c++) {
				by_cls[c] += t->vcpus[j].by_cls[c];
			}
			observed += t->vcpus[j].observed;
			exits += t->vcpus[j].exits;
		}
		if (!row_begin(o)) {
			continue;
		}
		span = o->rg->end - o->rg->begin;
		put_process(o->fp, t->vcpus[i].vm_pid, o->names, o->name_count);
		fputs(", ", o->fp);
		put_count(o->fp, (uint64_t)(j - i));
		fputs(", ", o->fp);
		put_duration(o->fp, observed);
		fputs(", ", o->fp);
		put_shares(o->fp, by_cls, observed);
		put_exits_and_rate(o->fp, exits, span);
		fputc(']', o->fp);
	}
	table_end(o);

	table_begin(o, "vmflow-vcpus");
	for (i = 0; i < t->vcpu_count; i++) {
		const struct vcpu_row *r = &t->vcpus[i];

		if (!row_begin(o)) {
			continue;
		}
		put_process(o->fp, r->vm_pid, o->names, o->name_count);
		fputs(", ", o->fp);
		put_count(o->fp, (uint64_t)r->vcpu);
		fputs(", ", o->fp);
		if (r->observed > 0) {
			put_time_range(o->fp, r->first, r->last);
		} else {
			fputs("{\"class\": \"unknown\"}", o->fp);
		}
		fputs(", ", o->fp);
		put_duration(o->fp, r->observed);
		fputs(", ", o->fp);
		put_shares(o->fp, r->by_cls, r->observed);
		put_exits_and_rate(o->fp, r->exits, r->observed > 0 ? r->last - r->first : 0);
		fputc(']', o->fp);
	}
	table_end(o);
}

enum vf_status vf_lami_results_write(FILE *fp, const struct vf_history *h,
				     const struct vf_trace_info *info,
				     const struct vf_lami_vm_name *names, size_t name_count,
				     const struct vf_lami_query *q, struct vf_error *err)
{
	struct range rg;
	struct tables t;
	struct out o;
	enum vf_status st;

	rg.begin = q->begin_ns;
	rg.end = q->end_ns;
	if (info && info->begin_ns != INT64_MAX && rg.begin < info->begin_ns) {
		rg.begin = info->begin_ns;
	}
	if (info && info->end_ns != INT64_MIN && rg.end > info->end_ns) {
		rg.end = info->end_ns;
	}
	if (q->begin_ns > q->end_ns) {
		VF_ERROR_SET(err, VF_ERR_USAGE, NULL,
			     "--begin %" PRId64 " is after --end %" PRId64, q->begin_ns, q->end_ns);
		return VF_ERR_USAGE;
	}
	if (rg.begin > rg.end || rg.begin == INT64_MIN || rg.end == INT64_MAX) {
		VF_ERROR_SET(err, VF_ERR_INPUT, info ? info->path : NULL,
			     "the time range asked for does not overlap the trace (%" PRId64
			     " to %" PRId64 " ns)",
			     info ? info->begin_ns : 0, info ? info->end_ns : 0);
		return VF_ERR_INPUT;
	}
	st = build_tables(&t, h, &rg, err);
	if (st != VF_OK) {
		tables_fini(&t);
		return st;
	}
	memset(&o, 0, sizeof(o));
	o.fp = fp;
	o.rg = &rg;
	o.q = q;
	o.names = names;
	o.name_count = name_count;
	o.first_table = 1;
	fputs("{\n  \"results\": [", fp);
	if (q->analyses & VF_LAMI_EXITS) {
		write_exits(&o, &t, 0);
		write_exits(&o, &t, 1);
	}
	if (q->analyses & VF_LAMI_WAITS) {
		write_waits(&o, &t);
	}
	if (q->analyses & VF_LAMI_VMS) {
		write_vms(&o, &t);
	}
	fputs("\n  ]\n}\n", fp);
	tables_fini(&t);
	return finish(fp, err);
}

void vf_lami_error_write(FILE *fp, const struct vf_error *err)
{
	char msg[1100];

	if (err->where[0]) {
		snprintf(msg, sizeof(msg), "%s: %s", err->where, err->msg);
	} else {
		snprintf(msg, sizeof(msg), "%s", err->msg[0] ? err->msg : "unknown error");
	}
	fputs("{\"error-message\": ", fp);
	vf_json_write_string(fp, msg);
	fprintf(fp, ", \"error-code\": %d}\n", (int)err->status);
	fflush(fp);
}
