/* SPDX-License-Identifier: MIT */
/*
 * cmd_analyze.c - `vmflow analyze TRACE -o OUT`: the main job.
 *
 * Reads the trace (input/), feeds every event to the analyses (analyses/),
 * which write the state history (history/); then every export reads the
 * history into a temporary folder that is renamed to OUT only when all of it
 * is written (common/atomic_out.h).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyses/analysis.h"
#include "cli/commands.h"
#include "common/atomic_out.h"
#include "exports/exits_tsv.h"
#include "exports/report_html.h"
#include "exports/states_tsv.h"
#include "exports/summary_json.h"
#include "exports/tc_bundle.h"
#include "input/reader.h"
#include "vmflow/history.h"

static const char usage_text[] =
	"Usage: vmflow analyze TRACE -o OUT\n\n"
	"Run every analysis on an LTTng kernel trace of a KVM host and write the results.\n\n"
	"  TRACE          a CTF trace folder, or a folder holding one (an lttng session output)\n"
	"  -o, --output   the output folder (created; a previous vmflow output is replaced)\n"
	"  -h, --help     this help\n\n"
	"OUT holds states.tsv, summary.json, exits.tsv, report.html and tracecompass/\n"
	"(vmflow.xml, results/, README.md). See docs/outputs.md.\n";

static enum vf_status on_event(void *user, const struct vf_event *ev, struct vf_error *err)
{
	return vf_analysis_event(user, ev, err);
}

static enum vf_status on_discarded(void *user, uint32_t cpu, uint64_t count, int64_t begin_ns,
				   int64_t end_ns, struct vf_error *err)
{
	return vf_analysis_discarded(user, cpu, count, begin_ns, end_ns, err);
}

typedef enum vf_status (*file_writer)(FILE *fp, void *ctx, struct vf_error *err);

/* Writes dir/name with writer(); reports write errors (disk full) naming the file. */
static enum vf_status write_output(const char *dir, const char *name, file_writer writer,
				   void *ctx, struct vf_error *err)
{
	char path[4200];
	FILE *fp;
	enum vf_status st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fp = fopen(path, "wb");
	if (!fp) {
		VF_ERROR_SET(err, VF_ERR_IO, path, "cannot create output file");
		return VF_ERR_IO;
	}
	st = writer(fp, ctx, err);
	if (fflush(fp) != 0 || ferror(fp)) {
		if (st == VF_OK) {
			VF_ERROR_SET(err, VF_ERR_IO, path, "cannot write output file (disk full?)");
			st = VF_ERR_IO;
		}
	}
	if (fclose(fp) != 0 && st == VF_OK) {
		VF_ERROR_SET(err, VF_ERR_IO, path, "cannot write output file (disk full?)");
		st = VF_ERR_IO;
	}
	vf_error_set_where(err, "%s", path);
	return st;
}

struct run {
	struct vf_history *history;
	struct vf_analysis *analysis;
	struct vf_trace_info info;
};

static enum vf_status write_states(FILE *fp, void *ctx, struct vf_error *err)
{
	return vf_states_tsv_write(fp, ((struct run *)ctx)->history, err);
}

static enum vf_status write_summary(FILE *fp, void *ctx, struct vf_error *err)
{
	struct run *r = ctx;

	size_t warning_count;
	const char *const *warnings = vf_analysis_borrow_warnings(r->analysis, &warning_count);

	return vf_summary_json_write(fp, r->history, &r->info, warnings, warning_count, err);
}

static enum vf_status write_exits(FILE *fp, void *ctx, struct vf_error *err)
{
	return vf_exits_tsv_write(fp, vf_analysis_borrow_exit_stats(((struct run *)ctx)->analysis),
				  err);
}

static enum vf_status write_report(FILE *fp, void *ctx, struct vf_error *err)
{
	struct run *r = ctx;

	size_t warning_count;
	const char *const *warnings = vf_analysis_borrow_warnings(r->analysis, &warning_count);

	return vf_report_html_write(fp, r->history, &r->info,
				    vf_analysis_borrow_exit_stats(r->analysis), warnings, warning_count,
				    err);
}

static size_t count_vcpus(const struct vf_analysis *a)
{
	struct vf_analysis_vm_info vm;
	size_t i, total = 0;

	for (i = 0; vf_analysis_get_vm(a, i, &vm); i++) {
		total += vm.vcpu_count;
	}
	return total;
}

static enum vf_status analyze(const char *trace, const char *out, struct vf_error *err)
{
	struct run r;
	struct vf_reader_callbacks cbs;
	struct vf_atomic_dir dir;
	enum vf_status st;
	int dir_open = 0;

	memset(&r, 0, sizeof(r));
	memset(&dir, 0, sizeof(dir));
	r.history = vf_history_new(NULL, err);
	if (!r.history) {
		return err->status;
	}
	r.analysis = vf_analysis_new(r.history, NULL, err);
	if (!r.analysis) {
		st = err->status;
		goto end;
	}
	cbs.user = r.analysis;
	cbs.event = on_event;
	cbs.discarded = on_discarded;
	st = vf_trace_read(trace, &cbs, &r.info, err);
	if (st != VF_OK) {
		vf_error_set_where(err, "%s", trace);
		goto end;
	}
	if (vf_analysis_vm_count(r.analysis) == 0) {
		VF_ERROR_SET(err, VF_ERR_INPUT, r.info.path[0] ? r.info.path : trace,
			     "no VM activity found: the trace has no kvm_x86_entry/kvm_x86_exit events "
			     "(were the kvm events enabled?)");
		st = VF_ERR_INPUT;
		goto end;
	}
	st = vf_analysis_finish(r.analysis, r.info.end_ns, err);
	if (st != VF_OK) {
		goto end;
	}
	st = vf_atomic_dir_begin(&dir, out, err);
	if (st != VF_OK) {
		goto end;
	}
	dir_open = 1;
	if ((st = write_output(dir.tmp_path, "states.tsv", write_states, &r, err)) != VF_OK ||
	    (st = write_output(dir.tmp_path, "summary.json", write_summary, &r, err)) != VF_OK ||
	    (st = write_output(dir.tmp_path, "exits.tsv", write_exits, &r, err)) != VF_OK ||
	    (st = write_output(dir.tmp_path, "report.html", write_report, &r, err)) != VF_OK ||
	    (st = vf_tc_bundle_write(dir.tmp_path, r.history, &r.info, err)) != VF_OK) {
		goto end;
	}
	st = vf_atomic_dir_commit(&dir, err);
	dir_open = 0;
	if (st == VF_OK) {
		printf("analysed %llu events: %zu VM(s), %zu vCPU(s)\n",
		       (unsigned long long)r.info.event_count, vf_analysis_vm_count(r.analysis),
		       count_vcpus(r.analysis));
		printf("states:               %s/states.tsv\n", out);
		printf("report:               %s/report.html\n", out);
		printf("Trace Compass bundle: %s/tracecompass (import steps in its README.md)\n", out);
	}
end:
	if (dir_open) {
		vf_atomic_dir_abort(&dir);
	}
	vf_analysis_free(r.analysis);
	vf_history_free(r.history);
	return st;
}

int vf_cmd_analyze(int argc, char **argv)
{
	static const struct option opts[] = {
		{"output", required_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *out = NULL;
	struct vf_error err;
	int c;

	vf_error_clear(&err);
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		default:
			return vf_cli_usage_error("analyze", "unknown option or missing value '%s'",
						  argv[optind - 1]);
		}
	}
	if (optind >= argc) {
		return vf_cli_usage_error("analyze", "missing TRACE");
	}
	if (argc - optind > 1) {
		return vf_cli_usage_error("analyze", "one TRACE at a time for now (got %d)",
					  argc - optind);
	}
	if (!out) {
		return vf_cli_usage_error("analyze", "missing -o OUT");
	}
	if (analyze(argv[optind], out, &err) != VF_OK) {
		return vf_cli_report(&err);
	}
	return 0;
}
