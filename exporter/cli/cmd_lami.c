/* SPDX-License-Identifier: MIT */
/*
 * cmd_lami.c - `vmflow lami [ANALYSIS] ...`: vmflow's analyses speaking LAMI 1.0
 * (lttng/lami-spec), the protocol of Trace Compass' External Analyses.
 *
 *   vmflow lami --mi-version                   "1.0"
 *   vmflow lami ANALYSIS --metadata            metadata object
 *   vmflow lami ANALYSIS --test-compatibility TRACE
 *                                              exit 0 and no output if TRACE has VM activity
 *   vmflow lami ANALYSIS [--mi] [--begin TS] [--end TS] [--limit N|unlimited]
 *                        [--output-progress] TRACE
 *                                              analysis results object
 * ANALYSIS is exits, waits, vms or all (the default). On failure the LAMI
 * error object goes to stdout (what a LAMI consumer reads), the usual one-line
 * message to stderr, and the exit code is 1 (2 for a usage error).
 * Tables: exports/lami.c.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyses/analysis.h"
#include "cli/commands.h"
#include "exports/lami.h"
#include "input/reader.h"
#include "vmflow/history.h"

static const char usage_text[] =
	"Usage: vmflow lami [ANALYSIS] --mi-version | --metadata\n"
	"       vmflow lami [ANALYSIS] --test-compatibility TRACE\n"
	"       vmflow lami [ANALYSIS] [--mi] [--begin TS] [--end TS] [--limit N] "
	"[--output-progress] TRACE\n\n"
	"vmflow's analyses as LAMI 1.0 result tables (the LTTng analyses machine interface),\n"
	"for Trace Compass' External Analyses (docs/outputs.md).\n\n"
	"  ANALYSIS              exits (exit statistics), waits (wait summary), vms (per-VM\n"
	"                        overview) or all (every table; the default)\n"
	"  --mi-version          print the LAMI version produced (1.0)\n"
	"  --metadata            print the analysis' metadata object\n"
	"  --test-compatibility  exit 0 if TRACE holds VM activity, else print an error object\n"
	"  --mi                  print the results object (the default when TRACE is given)\n"
	"  --begin TS, --end TS  restrict to [TS, TS] (ns from the trace clock's origin)\n"
	"  --limit N             at most N rows per table ('unlimited', the default)\n"
	"  --output-progress     print progress lines before the results\n"
	"  -h, --help            this help\n";

struct lami_run {
	struct vf_analysis *analysis;
	bool progress;
	uint64_t next_progress;
	uint64_t events;
};

static enum vf_status on_event(void *user, const struct vf_event *ev, struct vf_error *err)
{
	struct lami_run *r = user;

	if (r->progress && ++r->events >= r->next_progress) {
		printf("* %" PRIu64 " events processed\n", r->events);
		r->next_progress += 1000000;
	}
	return vf_analysis_event(r->analysis, ev, err);
}

static enum vf_status on_discarded(void *user, uint32_t cpu, uint64_t count, int64_t begin_ns,
				   int64_t end_ns, struct vf_error *err)
{
	return vf_analysis_discarded(((struct lami_run *)user)->analysis, cpu, count, begin_ns,
				     end_ns, err);
}

/* Prints the LAMI error object on stdout and the one-line message on stderr. */
static int fail(const struct vf_error *err)
{
	vf_lami_error_write(stdout, err);
	return vf_cli_report(err);
}

static int fail_usage(const char *fmt, ...) VF_PRINTF(1, 2);
static int fail_usage(const char *fmt, ...)
{
	struct vf_error err;
	char msg[600];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	vf_error_clear(&err);
	VF_ERROR_SET(&err, VF_ERR_USAGE, NULL, "%s", msg);
	vf_lami_error_write(stdout, &err);
	return vf_cli_usage_error("lami", "%s", msg);
}

enum { OPT_BEGIN = 256, OPT_END, OPT_LIMIT, OPT_PROGRESS, OPT_MI_VERSION, OPT_METADATA,
       OPT_TEST, OPT_MI };

static bool parse_ts(const char *s, int64_t *out)
{
	char *end;
	long long v;

	if (!s[0]) {
		return false;
	}
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end) {
		return false;
	}
	*out = v;
	return true;
}

/* Reads TRACE, runs the analyses, writes the results (or, test_only, nothing). */
static int run(const char *trace, const struct vf_lami_query *q, bool progress, bool test_only)
{
	struct lami_run r;
	struct vf_reader_callbacks cbs;
	struct vf_trace_info info;
	struct vf_history *h;
	struct vf_error err;
	struct vf_lami_vm_name names[256];
	struct vf_analysis_vm_info vms[256];
	size_t n = 0, i;
	enum vf_status st;
	int rc = 0;

	vf_error_clear(&err);
	memset(&r, 0, sizeof(r));
	r.progress = progress;
	r.next_progress = 1000000;
	h = vf_history_new(NULL, &err);
	if (!h) {
		return fail(&err);
	}
	r.analysis = vf_analysis_new(h, NULL, &err);
	if (!r.analysis) {
		vf_history_free(h);
		return fail(&err);
	}
	if (progress) {
		printf("* reading %s\n", trace);
	}
	cbs.user = &r;
	cbs.event = on_event;
	cbs.discarded = on_discarded;
	vf_trace_info_init(&info);
	st = vf_trace_read(trace, &cbs, &info, &err);
	if (st != VF_OK) {
		vf_error_set_where(&err, "%s", trace);
		rc = fail(&err);
		goto out;
	}
	if (vf_analysis_vm_count(r.analysis) == 0) {
		VF_ERROR_SET(&err, VF_ERR_INPUT, info.path[0] ? info.path : trace,
			     "no VM activity found: the trace has no kvm_x86_entry/kvm_x86_exit "
			     "events (were the kvm events enabled?)");
		rc = fail(&err);
		goto out;
	}
	if (test_only) {
		goto out;
	}
	if (vf_analysis_finish(r.analysis, info.end_ns, &err) != VF_OK) {
		rc = fail(&err);
		goto out;
	}
	for (i = 0; i < sizeof(vms) / sizeof(vms[0]) && vf_analysis_get_vm(r.analysis, i, &vms[i]);
	     i++) {
		names[n].pid = vms[i].pid;
		names[n].comm = vms[i].comm;
		n++;
	}
	if (progress) {
		printf("* writing the tables\n");
	}
	if (vf_lami_results_write(stdout, h, &info, names, n, q, &err) != VF_OK) {
		rc = fail(&err);
	}
out:
	vf_analysis_free(r.analysis);
	vf_history_free(h);
	return rc;
}

struct lami_opts {
	struct vf_lami_query q;
	bool mi_version, metadata, test, progress;
};

/* One option; returns -1 to go on, else the exit code. */
static int handle_opt(struct lami_opts *o, int c, const char *arg, const char *bad)
{
	unsigned long long limit;

	switch (c) {
	case OPT_MI_VERSION:
		o->mi_version = true;
		return -1;
	case OPT_METADATA:
		o->metadata = true;
		return -1;
	case OPT_TEST:
		o->test = true;
		return -1;
	case OPT_MI:
		return -1;
	case OPT_PROGRESS:
		o->progress = true;
		return -1;
	case OPT_BEGIN:
		return parse_ts(arg, &o->q.begin_ns)
			       ? -1
			       : fail_usage("--begin wants an integer timestamp in ns, not '%s'", arg);
	case OPT_END:
		return parse_ts(arg, &o->q.end_ns)
			       ? -1
			       : fail_usage("--end wants an integer timestamp in ns, not '%s'", arg);
	case OPT_LIMIT:
		if (strcmp(arg, "unlimited") == 0) {
			o->q.limit = UINT64_MAX;
		} else if (vf_cli_parse_u64(arg, &limit)) {
			o->q.limit = limit;
		} else {
			return fail_usage("--limit wants a row count or 'unlimited', not '%s'", arg);
		}
		return -1;
	case 'h':
		fputs(usage_text, stdout);
		return 0;
	default:
		return fail_usage("unknown option or missing value '%s'", bad);
	}
}

int vf_cmd_lami(int argc, char **argv)
{
	static const struct option opts[] = {
		{"mi-version", no_argument, NULL, OPT_MI_VERSION},
		{"metadata", no_argument, NULL, OPT_METADATA},
		{"test-compatibility", no_argument, NULL, OPT_TEST},
		{"mi", no_argument, NULL, OPT_MI},
		{"begin", required_argument, NULL, OPT_BEGIN},
		{"end", required_argument, NULL, OPT_END},
		{"limit", required_argument, NULL, OPT_LIMIT},
		{"output-progress", no_argument, NULL, OPT_PROGRESS},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct lami_opts o;
	const char *trace = NULL;
	int c, i, rc;

	memset(&o, 0, sizeof(o));
	o.q.analyses = VF_LAMI_ALL;
	o.q.begin_ns = INT64_MIN;
	o.q.end_ns = INT64_MAX;
	o.q.limit = UINT64_MAX;
	optind = 1;
	opterr = 0;
	/* GNU getopt moves the positional arguments ([ANALYSIS] TRACE) to the end */
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		rc = handle_opt(&o, c, optarg, argv[optind - 1]);
		if (rc >= 0) {
			return rc;
		}
	}
	for (i = optind; i < argc; i++) {
		if (i == optind && vf_lami_analysis_from_name(argv[i])) {
			o.q.analyses = vf_lami_analysis_from_name(argv[i]);
		} else if (!trace) {
			trace = argv[i];
		} else {
			return fail_usage("one TRACE at a time (extra argument '%s')", argv[i]);
		}
	}
	if (o.mi_version) {
		printf("%d.%d\n", VF_LAMI_MI_MAJOR, VF_LAMI_MI_MINOR);
		return 0;
	}
	if (o.metadata) {
		struct vf_error err;

		vf_error_clear(&err);
		return vf_lami_metadata_write(stdout, o.q.analyses, &err) == VF_OK ? 0 : fail(&err);
	}
	if (!trace) {
		return fail_usage("missing TRACE");
	}
	return run(trace, &o.q, o.progress, o.test);
}
