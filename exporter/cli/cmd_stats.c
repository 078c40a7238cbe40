/* SPDX-License-Identifier: MIT */
/*
 * cmd_stats.c - `vmflow stats TRACE`: exit statistics in the terminal, in the
 * layout of `perf kvm stat report` (docs/analyses.md, "Exit statistics").
 *
 * Reads the trace through the analyses facade (the same exit timing as
 * exits.tsv: kvm_x86_exit to the vCPU's next kvm_x86_entry), then merges the
 * per (VM, vCPU, reason) rows into the tables asked for: one over the whole
 * trace (default), one per VM (--per vm), per vCPU (--per vcpu, or --vcpu N)
 * or per guest process (--per process, or --cr3 X; exits whose CR3 is known).
 * Owns nothing beyond one run: the analyses, the history and the table rows.
 */
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyses/analysis.h"
#include "analyses/exit_stats.h"
#include "cli/commands.h"
#include "input/reader.h"
#include "model/exit_reasons.h"
#include "vmflow/history.h"

static const char usage_text[] =
	"Usage: vmflow stats TRACE [options]\n\n"
	"Print VM exit statistics like `perf kvm stat report`: per exit reason the\n"
	"samples, samples %, time %, min / max / average handling time (with the\n"
	"relative standard error of the mean, perf's \"( +- x% )\") and the totals.\n"
	"A handling time is from kvm_x86_exit to the vCPU's next kvm_x86_entry.\n\n"
	"  --vm PID, --pid PID   only that VM (QEMU process id)\n"
	"  --vcpu N              only vCPU N (one table per VM that has it)\n"
	"  --cr3 X               only guest process X (CR3, decimal or 0x hex)\n"
	"  --per all|vm|vcpu|process\n"
	"                        one table over everything (default), or one per VM,\n"
	"                        per vCPU or per guest process (CR3 known only with\n"
	"                        addons_vcpu_enter_guest or kvm_x86_cr events)\n"
	"  --sort KEY            sample (default), time, min, max, mean or name;\n"
	"                        perf's percent_sample, percent_time, min_t, max_t,\n"
	"                        mean_t are accepted too\n"
	"  --isa vmx|svm         decode every exit reason with this ISA's names\n"
	"  --stddev              add a column: the standard deviation of the times\n"
	"  -h, --help            this help\n\n"
	"Exit codes: 0 success, 1 bad input, 2 usage error.\n";

enum sort_key { SORT_SAMPLE, SORT_TIME, SORT_MIN, SORT_MAX, SORT_MEAN, SORT_NAME };
enum per { PER_ALL, PER_VM, PER_VCPU, PER_PROCESS };

struct options {
	bool has_vm;
	int32_t vm;
	bool has_vcpu;
	uint32_t vcpu;
	bool has_cr3;
	uint64_t cr3;
	enum per per;
	enum sort_key sort;
	uint32_t isa;   /* 0: the trace's */
	bool stddev;
};

struct row {
	int32_t vm;      /* group key */
	uint32_t vcpu;
	uint64_t cr3;
	uint32_t isa;    /* reason key */
	uint32_t reason;
	uint64_t count;
	int64_t total_ns;
	int64_t min_ns;
	int64_t max_ns;
	double sum_sq_ns;
	char name[48];
};

static enum sort_key g_sort;

static int cmp_group(const struct row *x, const struct row *y)
{
	if (x->vm != y->vm) {
		return x->vm < y->vm ? -1 : 1;
	}
	if (x->vcpu != y->vcpu) {
		return x->vcpu < y->vcpu ? -1 : 1;
	}
	if (x->cr3 != y->cr3) {
		return x->cr3 < y->cr3 ? -1 : 1;
	}
	return 0;
}

static int cmp_merge(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	int c = cmp_group(x, y);

	if (c) {
		return c;
	}
	if (x->isa != y->isa) {
		return x->isa < y->isa ? -1 : 1;
	}
	if (x->reason != y->reason) {
		return x->reason < y->reason ? -1 : 1;
	}
	return 0;
}

#define DESC(a, b)                          \
	do {                                \
		if ((a) != (b)) {           \
			return (a) > (b) ? -1 : 1; \
		}                           \
	} while (0)

/* perf sorts each key in decreasing order; ties (and --sort name) by name. */
static int cmp_print(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	int c = cmp_group(x, y);

	if (c) {
		return c;
	}
	switch (g_sort) {
	case SORT_SAMPLE:
		DESC(x->count, y->count);
		break;
	case SORT_TIME:
		DESC(x->total_ns, y->total_ns);
		break;
	case SORT_MIN:
		DESC(x->min_ns, y->min_ns);
		break;
	case SORT_MAX:
		DESC(x->max_ns, y->max_ns);
		break;
	case SORT_MEAN: {
		double mx = (double)x->total_ns / (double)x->count;
		double my = (double)y->total_ns / (double)y->count;

		DESC(mx, my);
		break;
	}
	case SORT_NAME:
		break;
	}
	c = strcmp(x->name, y->name);
	if (c) {
		return c;
	}
	return x->isa < y->isa ? -1 : x->isa > y->isa;
}

/* Copies the selected rows of s into a new array keyed by the table they belong to. */
static struct row *select_rows(const struct vf_exit_stats *s, const struct options *o,
			       size_t *count)
{
	struct row *rows = calloc(s->row_count ? s->row_count : 1, sizeof(*rows));
	size_t i, n = 0;

	if (!rows) {
		return NULL;
	}
	for (i = 0; i < s->row_count; i++) {
		const struct vf_exit_stat_row *r = &s->rows[i];
		struct row *w;

		if (r->count == 0 || (o->has_vm && r->vm_pid != o->vm) ||
		    (o->has_vcpu && r->vcpu_id != o->vcpu) || (o->has_cr3 && r->cr3 != o->cr3)) {
			continue;
		}
		w = &rows[n++];
		w->vm = o->per == PER_ALL ? 0 : r->vm_pid;
		w->vcpu = o->per == PER_VCPU ? r->vcpu_id : 0;
		w->cr3 = o->per == PER_PROCESS ? r->cr3 : 0;
		w->isa = o->isa ? o->isa : (r->isa == VF_ISA_SVM ? VF_ISA_SVM : VF_ISA_VMX);
		w->reason = vf_exit_reason_basic(w->isa, r->reason);
		w->count = r->count;
		w->total_ns = r->total_ns;
		w->min_ns = r->min_ns;
		w->max_ns = r->max_ns;
		w->sum_sq_ns = r->sum_sq_ns;
	}
	*count = n;
	return rows;
}

/* Merges rows of the same table and reason; returns the new count. */
static size_t merge_rows(struct row *rows, size_t n)
{
	size_t i, m = 0;

	qsort(rows, n, sizeof(*rows), cmp_merge);
	for (i = 0; i < n; i++) {
		if (m && cmp_merge(&rows[m - 1], &rows[i]) == 0) {
			struct row *t = &rows[m - 1];

			t->count += rows[i].count;
			t->total_ns += rows[i].total_ns;
			t->sum_sq_ns += rows[i].sum_sq_ns;
			if (rows[i].min_ns < t->min_ns) {
				t->min_ns = rows[i].min_ns;
			}
			if (rows[i].max_ns > t->max_ns) {
				t->max_ns = rows[i].max_ns;
			}
		} else {
			rows[m++] = rows[i];
		}
	}
	return m;
}

static void name_rows(struct row *rows, size_t n)
{
	bool vmx = false, svm = false;
	size_t i;

	for (i = 0; i < n; i++) {
		if (rows[i].isa == VF_ISA_SVM) {
			svm = true;
		} else {
			vmx = true;
		}
	}
	for (i = 0; i < n; i++) {
		char buf[40];
		const char *name = vf_exit_reason_name(rows[i].isa, rows[i].reason, buf, sizeof(buf));

		/* A table mixing Intel and AMD VMs says which HLT is which. */
		snprintf(rows[i].name, sizeof(rows[i].name), "%s%s", name,
			 vmx && svm ? (rows[i].isa == VF_ISA_SVM ? " (svm)" : " (vmx)") : "");
	}
}

static void print_header(const struct options *o, const struct row *first)
{
	printf("\n\nAnalyze events for ");
	if (o->per == PER_ALL) {
		if (o->has_vm) {
			printf("pid(s) %" PRId32 ", ", o->vm);
		} else {
			printf("all VMs, ");
		}
	} else {
		printf("pid(s) %" PRId32 ", ", first->vm);
	}
	if (o->per == PER_PROCESS) {
		printf("process cr3 0x%" PRIx64 ", ", first->cr3);
	} else if (o->has_cr3) {
		printf("process cr3 0x%" PRIx64 ", ", o->cr3);
	}
	if (o->per == PER_VCPU) {
		printf("VCPU %" PRIu32 ":\n\n", first->vcpu);
	} else if (o->has_vcpu) {
		printf("VCPU %" PRIu32 ":\n\n", o->vcpu);
	} else {
		printf("all VCPUs:\n\n");
	}
	printf("%40s %10s %9s %9s %11s %11s %16s ", "VM-EXIT", "Samples", "Samples%", "Time%",
	       "Min Time", "Max Time", "Avg time");
	if (o->stddev) {
		printf("%24s ", "Stddev");
	}
	printf("\n\n");
}

/* One perf-style table for rows[0..n) (same group). */
static void print_table(const struct options *o, const struct row *rows, size_t n)
{
	uint64_t total_count = 0;
	int64_t total_ns = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		total_count += rows[i].count;
		total_ns += rows[i].total_ns;
	}
	print_header(o, &rows[0]);
	for (i = 0; i < n; i++) {
		const struct row *r = &rows[i];
		double mean = (double)r->total_ns / (double)r->count;

		printf("%40s %10" PRIu64 " ", r->name, r->count);
		printf("%8.2f%% ", 100.0 * (double)r->count / (double)total_count);
		printf("%8.2f%% ", total_ns ? 100.0 * (double)r->total_ns / (double)total_ns : 0.0);
		printf("%9.2fus ", (double)r->min_ns / 1000.0);
		printf("%9.2fus ", (double)r->max_ns / 1000.0);
		printf("%9.2fus ( +-%7.2f%% )", mean / 1000.0,
		       vf_exit_stat_rel_stderr_pct(r->count, r->total_ns, r->sum_sq_ns));
		if (o->stddev) {
			double var = r->sum_sq_ns / (double)r->count - mean * mean;

			printf(" %22.2fus", var > 0.0 ? sqrt(var) / 1000.0 : 0.0);
		}
		printf("\n");
	}
	printf("\nTotal Samples:%" PRIu64 ", Total events handled time:%.2fus.\n\n", total_count,
	       (double)total_ns / 1000.0);
}

static enum vf_status on_event(void *user, const struct vf_event *ev, struct vf_error *err)
{
	return vf_analysis_event(user, ev, err);
}

static enum vf_status on_discarded(void *user, uint32_t cpu, uint64_t count, int64_t begin_ns,
				   int64_t end_ns, struct vf_error *err)
{
	return vf_analysis_discarded(user, cpu, count, begin_ns, end_ns, err);
}

static enum vf_status stats(const char *trace, const struct options *o, struct vf_error *err)
{
	struct vf_history *h;
	struct vf_analysis *a = NULL;
	struct vf_reader_callbacks cbs;
	struct vf_trace_info info;
	struct row *rows = NULL;
	size_t n = 0, i, start;
	const struct vf_exit_stats *s;
	const struct vf_analysis_counters *c;
	enum vf_status st;

	h = vf_history_new(NULL, err);
	if (!h) {
		return err->status;
	}
	a = vf_analysis_new(h, NULL, err);
	if (!a) {
		st = err->status;
		goto end;
	}
	cbs.user = a;
	cbs.event = on_event;
	cbs.discarded = on_discarded;
	st = vf_trace_read(trace, &cbs, &info, err);
	if (st != VF_OK) {
		vf_error_set_where(err, "%s", trace);
		goto end;
	}
	if (vf_analysis_vm_count(a) == 0) {
		VF_ERROR_SET(err, VF_ERR_INPUT, info.path[0] ? info.path : trace,
			     "no VM activity found: the trace has no kvm_x86_entry/kvm_x86_exit events "
			     "(were the kvm events enabled?)");
		st = VF_ERR_INPUT;
		goto end;
	}
	st = vf_analysis_finish(a, info.end_ns, err);
	if (st != VF_OK) {
		goto end;
	}
	s = (o->per == PER_PROCESS || o->has_cr3) ? vf_analysis_borrow_process_exit_stats(a)
						    : vf_analysis_borrow_exit_stats(a);
	rows = select_rows(s, o, &n);
	if (!rows) {
		VF_ERROR_SET(err, VF_ERR_NOMEM, NULL, "out of memory in vmflow stats");
		st = VF_ERR_NOMEM;
		goto end;
	}
	n = merge_rows(rows, n);
	if (n == 0) {
		printf("\n\nNo completed VM exits%s.\n\n",
		       o->per == PER_PROCESS || o->has_cr3
			       ? " with a known guest CR3 (the trace needs addons_vcpu_enter_guest "
				 "or kvm_x86_cr events)"
			       : " match the selection");
	}
	name_rows(rows, n);
	g_sort = o->sort;
	qsort(rows, n, sizeof(*rows), cmp_print);
	for (start = 0; start < n; start = i) {
		for (i = start + 1; i < n && cmp_group(&rows[start], &rows[i]) == 0; i++) {
		}
		print_table(o, rows + start, i - start);
	}
	c = vf_analysis_borrow_counters(a);
	if (c->open_exit_count || c->discarded_event_count) {
		printf("Not counted: %" PRIu64 " exits still open at the end of the trace; %" PRIu64
		       " events discarded by the tracer.\n\n",
		       c->open_exit_count, c->discarded_event_count);
	}
end:
	free(rows);
	vf_analysis_free(a);
	vf_history_free(h);
	return st;
}

static bool parse_sort(const char *s, enum sort_key *out)
{
	static const struct {
		const char *name;
		enum sort_key key;
	} keys[] = {
		{"sample", SORT_SAMPLE}, {"percent_sample", SORT_SAMPLE}, {"time", SORT_TIME},
		{"percent_time", SORT_TIME}, {"min", SORT_MIN},   {"min_t", SORT_MIN},
		{"max", SORT_MAX},       {"max_t", SORT_MAX},     {"mean", SORT_MEAN},
		{"mean_t", SORT_MEAN},   {"avg", SORT_MEAN},      {"name", SORT_NAME},
	};
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (strcmp(s, keys[i].name) == 0) {
			*out = keys[i].key;
			return true;
		}
	}
	return false;
}

static bool parse_cr3(const char *s, uint64_t *out)
{
	char *end;

	if (!*s || *s == '-') {
		return false;
	}
	*out = strtoull(s, &end, 0);
	return *end == '\0';
}

int vf_cmd_stats(int argc, char **argv)
{
	enum { OPT_VM = 256, OPT_VCPU, OPT_CR3, OPT_PER, OPT_SORT, OPT_ISA, OPT_STDDEV };
	static const struct option opts[] = {
		{"vm", required_argument, NULL, OPT_VM},
		{"pid", required_argument, NULL, OPT_VM},
		{"vcpu", required_argument, NULL, OPT_VCPU},
		{"cr3", required_argument, NULL, OPT_CR3},
		{"per", required_argument, NULL, OPT_PER},
		{"sort", required_argument, NULL, OPT_SORT},
		{"isa", required_argument, NULL, OPT_ISA},
		{"stddev", no_argument, NULL, OPT_STDDEV},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct options o;
	struct vf_error err;
	unsigned long long v;
	int c;

	memset(&o, 0, sizeof(o));
	vf_error_clear(&err);
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_VM:
			if (!vf_cli_parse_u64(optarg, &v) || v == 0 || v > INT32_MAX) {
				return vf_cli_usage_error("stats", "--vm wants a process id, not '%s'",
							  optarg);
			}
			o.has_vm = true;
			o.vm = (int32_t)v;
			break;
		case OPT_VCPU:
			if (!vf_cli_parse_u64(optarg, &v) || v > UINT32_MAX) {
				return vf_cli_usage_error("stats", "--vcpu wants a vCPU id, not '%s'",
							  optarg);
			}
			o.has_vcpu = true;
			o.vcpu = (uint32_t)v;
			break;
		case OPT_CR3:
			if (!parse_cr3(optarg, &o.cr3)) {
				return vf_cli_usage_error("stats", "--cr3 wants a CR3 value, not '%s'",
							  optarg);
			}
			o.has_cr3 = true;
			break;
		case OPT_PER:
			if (strcmp(optarg, "all") == 0) {
				o.per = PER_ALL;
			} else if (strcmp(optarg, "vm") == 0) {
				o.per = PER_VM;
			} else if (strcmp(optarg, "vcpu") == 0) {
				o.per = PER_VCPU;
			} else if (strcmp(optarg, "process") == 0) {
				o.per = PER_PROCESS;
			} else {
				return vf_cli_usage_error(
					"stats", "--per wants all, vm, vcpu or process, not '%s'", optarg);
			}
			break;
		case OPT_SORT:
			if (!parse_sort(optarg, &o.sort)) {
				return vf_cli_usage_error(
					"stats", "--sort wants sample, time, min, max, mean or name, not '%s'",
					optarg);
			}
			break;
		case OPT_ISA:
			if (strcmp(optarg, "vmx") == 0 || strcmp(optarg, "intel") == 0) {
				o.isa = VF_ISA_VMX;
			} else if (strcmp(optarg, "svm") == 0 || strcmp(optarg, "amd") == 0) {
				o.isa = VF_ISA_SVM;
			} else {
				return vf_cli_usage_error("stats", "--isa wants vmx or svm, not '%s'",
							  optarg);
			}
			break;
		case OPT_STDDEV:
			o.stddev = true;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		default:
			return vf_cli_usage_error("stats", "unknown option or missing value '%s'",
						  argv[optind - 1]);
		}
	}
	if (optind >= argc) {
		return vf_cli_usage_error("stats", "missing TRACE");
	}
	if (argc - optind > 1) {
		return vf_cli_usage_error("stats", "one TRACE at a time (got %d)", argc - optind);
	}
	/* A vCPU id means nothing across VMs (ids repeat): one table per VM that has it. */
	if (o.has_vcpu && o.per == PER_ALL && !o.has_vm && !o.has_cr3) {
		o.per = PER_VCPU;
	}
	if (o.has_cr3 && o.per != PER_PROCESS && !o.has_vm) {
		o.per = PER_PROCESS;
	}
	if ((o.per == PER_PROCESS || o.has_cr3) && o.has_vcpu) {
		return vf_cli_usage_error("stats", "--vcpu cannot be combined with per-process "
						   "statistics (a process runs on several vCPUs)");
	}
	if (o.per == PER_VCPU && o.has_cr3) {
		return vf_cli_usage_error("stats", "--per vcpu cannot be combined with --cr3");
	}
	if (stats(argv[optind], &o, &err) != VF_OK) {
		return vf_cli_report(&err);
	}
	return 0;
}
