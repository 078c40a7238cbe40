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
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analyses/analysis.h"
#include "analyses/features.h"
#include "cli/commands.h"
#include "common/atomic_out.h"
#define VF_LOG_TAG "analyze"
#include "common/log.h"
#include "exports/exits_tsv.h"
#include "exports/report_html.h"
#include "exports/states_tsv.h"
#include "exports/summary_json.h"
#include "exports/tc_bundle.h"
#include "input/reader.h"
#include "vmflow/history.h"

static const char usage_text[] =
	"Usage: vmflow analyze TRACE -o OUT [options]\n\n"
	"Run every analysis on an LTTng kernel trace of a KVM host and write the results.\n\n"
	"  TRACE          a CTF trace folder, or a folder holding one (an lttng session output)\n"
	"  -o, --output   the output folder (created; a previous vmflow output is replaced)\n"
	"  --timer-vectors LIST  guest vectors meaning a timer wake-up (default 236,238,239)\n"
	"  --ipi-vectors LIST    guest vectors meaning an IPI / task wake-up (default 251,252,253)\n"
	"  --disk-vectors LIST   disk vectors known in advance (default: learned per VM)\n"
	"  --net-vectors LIST    network vectors known in advance (default: learned per VM)\n"
	"                 LIST: comma-separated vectors 0-255, at most 16 (docs/analyses.md)\n"
	"  --critical-path CR3   also write critical_path.tsv for that guest process (0x hex)\n"
	"  -h, --help     this help\n\n"
	"OUT holds states.tsv, summary.json, exits.tsv, features.tsv, wakers.tsv,\n"
	"report.html and tracecompass/\n"
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

/* Seconds on the monotonic clock, for the phase timings logged at level I. */
static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Writes dir/name with writer(); reports write errors (disk full) naming the file. */
static enum vf_status write_output(const char *dir, const char *name, file_writer writer,
				   void *ctx, struct vf_error *err)
{
	char path[4200];
	FILE *fp;
	enum vf_status st;
	double t0 = now_s();

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
	VF_LOGI("%s written in %.3f s", name, now_s() - t0);
	return st;
}

struct run {
	struct vf_history *history;
	struct vf_analysis *analysis;
	struct vf_trace_info info;
	bool has_critical_path;
	uint64_t critical_path_cr3;
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

static enum vf_status write_features(FILE *fp, void *ctx, struct vf_error *err)
{
	return vf_features_tsv_write(fp, ((struct run *)ctx)->history,
				     ((struct run *)ctx)->analysis, err);
}

static enum vf_status write_wakers(FILE *fp, void *ctx, struct vf_error *err)
{
	return vf_analysis_write_wakers(((struct run *)ctx)->analysis, fp, err);
}

static enum vf_status write_critical_path(FILE *fp, void *ctx, struct vf_error *err)
{
	struct run *r = ctx;

	return vf_analysis_write_critical_path(r->analysis, r->critical_path_cr3, fp, err);
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

/*
 * The exports only read the history and the analyses, so two threads (the
 * caller's and one more) take them from one list, largest first: each file
 * is written whole or the run fails. Whatever thread wrote what, the error
 * reported is that of the first failing export in list order.
 */
static enum vf_status job_states(const char *dir, struct run *r, struct vf_error *err)
{
	return write_output(dir, "states.tsv", write_states, r, err);
}

static enum vf_status job_report(const char *dir, struct run *r, struct vf_error *err)
{
	return write_output(dir, "report.html", write_report, r, err);
}

static enum vf_status job_bundle(const char *dir, struct run *r, struct vf_error *err)
{
	double t0 = now_s();
	enum vf_status st = vf_tc_bundle_write(dir, r->history, &r->info, err);

	VF_LOGI("tracecompass/ written in %.3f s", now_s() - t0);
	return st;
}

static enum vf_status job_summary(const char *dir, struct run *r, struct vf_error *err)
{
	return write_output(dir, "summary.json", write_summary, r, err);
}

static enum vf_status job_features(const char *dir, struct run *r, struct vf_error *err)
{
	return write_output(dir, "features.tsv", write_features, r, err);
}

static enum vf_status job_small(const char *dir, struct run *r, struct vf_error *err)
{
	enum vf_status st = write_output(dir, "exits.tsv", write_exits, r, err);

	return st != VF_OK ? st : write_output(dir, "wakers.tsv", write_wakers, r, err);
}

static enum vf_status (*const export_jobs[])(const char *, struct run *, struct vf_error *) = {
	job_states, job_report, job_bundle, job_summary, job_features, job_small,
};
#define EXPORT_JOB_COUNT (sizeof(export_jobs) / sizeof(export_jobs[0]))

struct export_queue {
	const char *dir;
	struct run *run;
	pthread_mutex_t lock;
	size_t next;
	bool failed; /* stop taking jobs */
	enum vf_status status[EXPORT_JOB_COUNT];
	struct vf_error err[EXPORT_JOB_COUNT];
};

static void *export_worker(void *arg)
{
	struct export_queue *q = arg;

	for (;;) {
		size_t j;

		pthread_mutex_lock(&q->lock);
		j = q->failed ? EXPORT_JOB_COUNT : q->next++;
		pthread_mutex_unlock(&q->lock);
		if (j >= EXPORT_JOB_COUNT) {
			return NULL;
		}
		vf_error_clear(&q->err[j]);
		q->status[j] = export_jobs[j](q->dir, q->run, &q->err[j]);
		if (q->status[j] != VF_OK) {
			pthread_mutex_lock(&q->lock);
			q->failed = true;
			pthread_mutex_unlock(&q->lock);
		}
	}
}

static enum vf_status write_exports(const char *dir, struct run *r, struct vf_error *err)
{
	struct export_queue q;
	pthread_t thread;
	bool threaded;
	enum vf_status st;

	/* The critical path adds its rows to the history: written before anything reads it. */
	if (r->has_critical_path &&
	    (st = write_output(dir, "critical_path.tsv", write_critical_path, r, err)) != VF_OK) {
		return st;
	}
	memset(&q, 0, sizeof(q));
	q.dir = dir;
	q.run = r;
	pthread_mutex_init(&q.lock, NULL);
	threaded = pthread_create(&thread, NULL, export_worker, &q) == 0;
	export_worker(&q);
	if (threaded) {
		pthread_join(thread, NULL);
	}
	pthread_mutex_destroy(&q.lock);
	for (size_t j = 0; j < EXPORT_JOB_COUNT; j++) {
		if (q.status[j] != VF_OK) {
			*err = q.err[j];
			return q.status[j];
		}
	}
	return VF_OK;
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

static enum vf_status analyze(const char *trace, const char *out,
			      const struct vf_analysis_options *opt, const uint64_t *critical_path_cr3,
			      struct vf_error *err)
{
	struct run r;
	struct vf_reader_callbacks cbs = {0};
	struct vf_atomic_dir dir;
	enum vf_status st;
	int dir_open = 0;
	double t0;

	memset(&r, 0, sizeof(r));
	memset(&dir, 0, sizeof(dir));
	if (critical_path_cr3) {
		r.has_critical_path = true;
		r.critical_path_cr3 = *critical_path_cr3;
	}
	r.history = vf_history_new(NULL, err);
	if (!r.history) {
		return err->status;
	}
	r.analysis = vf_analysis_new(r.history, opt, err);
	if (!r.analysis) {
		st = err->status;
		goto end;
	}
	cbs.user = r.analysis;
	cbs.event = on_event;
	cbs.discarded = on_discarded;
	t0 = now_s();
	st = vf_trace_read(trace, &cbs, &r.info, err);
	VF_LOGI("trace read and analysed in %.3f s", now_s() - t0);
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
	t0 = now_s();
	st = vf_analysis_finish(r.analysis, r.info.end_ns, err);
	VF_LOGI("analyses finished in %.3f s", now_s() - t0);
	if (st != VF_OK) {
		goto end;
	}
	st = vf_atomic_dir_begin(&dir, out, err);
	if (st != VF_OK) {
		goto end;
	}
	dir_open = 1;
	t0 = now_s();
	if ((st = write_exports(dir.tmp_path, &r, err)) != VF_OK) {
		goto end;
	}
	VF_LOGI("all outputs written in %.3f s", now_s() - t0);
	st = vf_atomic_dir_commit(&dir, err);
	dir_open = 0;
	if (st == VF_OK) {
		size_t warning_count;
		const char *const *warnings =
			vf_analysis_borrow_warnings(r.analysis, &warning_count);

		/* also in summary.json and report.html; here so that nobody misses them */
		for (size_t i = 0; i < warning_count; i++) {
			VF_LOGW("%s", warnings[i]);
		}
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

/* Parses "236,238" into vec[]; false if malformed, out of 0-255 or too many. */
static bool parse_vectors(const char *s, uint8_t *vec, unsigned *count)
{
	char buf[256], *tok, *save = NULL;
	unsigned long long v;

	*count = 0;
	if (strlen(s) >= sizeof(buf)) {
		return false;
	}
	strcpy(buf, s);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (!vf_cli_parse_u64(tok, &v) || v > 255 || *count == VF_ANALYSIS_MAX_CLASS_VECTORS) {
			return false;
		}
		vec[(*count)++] = (uint8_t)v;
	}
	return *count > 0 || s[0] == '\0';
}

int vf_cmd_analyze(int argc, char **argv)
{
	enum { OPT_TIMER = 256, OPT_IPI, OPT_DISK, OPT_NET, OPT_CRITICAL_PATH };
	static const struct option opts[] = {
		{"output", required_argument, NULL, 'o'},
		{"timer-vectors", required_argument, NULL, OPT_TIMER},
		{"ipi-vectors", required_argument, NULL, OPT_IPI},
		{"disk-vectors", required_argument, NULL, OPT_DISK},
		{"net-vectors", required_argument, NULL, OPT_NET},
		{"critical-path", required_argument, NULL, OPT_CRITICAL_PATH},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *out = NULL;
	struct vf_analysis_options opt;
	struct vf_error err;
	uint64_t cp_cr3 = 0;
	bool ok, has_cp = false;
	char *end;
	int c;

	vf_error_clear(&err);
	vf_analysis_options_init(&opt);
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case OPT_TIMER:
		case OPT_IPI:
		case OPT_DISK:
		case OPT_NET:
			ok = c == OPT_TIMER  ? parse_vectors(optarg, opt.timer_vectors, &opt.timer_vector_count)
			     : c == OPT_IPI  ? parse_vectors(optarg, opt.ipi_vectors, &opt.ipi_vector_count)
			     : c == OPT_DISK ? parse_vectors(optarg, opt.disk_vectors, &opt.disk_vector_count)
					     : parse_vectors(optarg, opt.net_vectors, &opt.net_vector_count);
			if (!ok) {
				return vf_cli_usage_error("analyze",
							  "--%s wants comma-separated vectors 0-255 (at most "
							  "%d), not '%s'",
							  opts[c - OPT_TIMER + 1].name,
							  VF_ANALYSIS_MAX_CLASS_VECTORS, optarg);
			}
			break;
		case OPT_CRITICAL_PATH:
			cp_cr3 = strtoull(optarg, &end, 0);
			if (!optarg[0] || optarg[0] == '-' || *end) {
				return vf_cli_usage_error("analyze", "--critical-path wants a CR3, not '%s'",
							  optarg);
			}
			has_cp = true;
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
	opt.no_thread_lines = !has_cp; /* the host threads' run/wait lines serve the critical path only */
	if (analyze(argv[optind], out, &opt, has_cp ? &cp_cr3 : NULL, &err) != VF_OK) {
		return vf_cli_report(&err);
	}
	return 0;
}
