/* SPDX-License-Identifier: MIT */
/*
 * cmd_tcxml.c - the `vmflow tcxml` verb: validate, run and view Trace Compass
 * XML analyses headless (engine: exporter/tcxml/, docs/tcxml.md).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/commands.h"
#include "common/atomic_out.h"
#include "tcxml/model.h"

static const char usage_text[] =
	"Usage: vmflow tcxml validate FILE.xml [--schema-only] [--extension EXT.xsd] [--xsd-dir DIR]\n"
	"       vmflow tcxml run ANALYSIS.xml TRACE [--id ID] [-o OUT] [--host-id ID] [--allow-script]\n"
	"       vmflow tcxml view VIEWS.xml TRACE --view ID [--analysis FILE.xml]... [--part P]\n"
	"                         [--samples N] [-o FILE] [--allow-script]\n\n"
	"Run Trace Compass data-driven XML analyses without Trace Compass.\n\n"
	"  validate   check FILE against the Trace Compass schemas, then compile every\n"
	"             stateProvider, pattern and view as Trace Compass does; every problem\n"
	"             is printed as FILE:LINE: message (exit 1 if any is an error)\n"
	"  run        run one stateProvider or pattern (--id; default: the first one) over\n"
	"             TRACE (a CTF trace folder or a Trace Compass XML stub trace). With -o,\n"
	"             OUT gets states.tsv (design contract), states_typed.tsv (with value\n"
	"             types and null intervals) and, for a pattern, segments.tsv; without -o\n"
	"             the typed states go to stdout\n"
	"  view       print what Trace Compass's data provider gives for a timeGraphView\n"
	"             (parts: tree = name,start,end,parent; rows = name:start,duration,value,label...)\n"
	"             or an xyView (tree = name,parent; data = name:y1,y2,... over --samples N\n"
	"             times spread over the trace, default one per ns up to 1000); the analyses\n"
	"             it reads come from VIEWS.xml and the --analysis files\n\n"
	"  --host-id ID     run: the host id (`hostID` field); default: the CTF `hostname`\n"
	"                   environment entry, or the stub trace's file name\n"
	"  --allow-script   compile `script` state values as null (with a warning) instead of\n"
	"                   refusing the file (vmflow has no JavaScript engine)\n"
	"  --schema-only    validate: only the schema check Trace Compass does on import\n"
	"  --extension XSD  validate: also load a plug-in's extension schema (the `extra` group)\n"
	"  --xsd-dir DIR    the Trace Compass schemas (default: the installed copy)\n";

static void print_diags(const struct vf_tcx_file *f)
{
	size_t i;

	for (i = 0; i < f->diag_count; i++) {
		fprintf(stderr, "vmflow: %s%s:%d: %s\n", f->diags[i].warning ? "warning: " : "",
		        f->path, f->diags[i].line, f->diags[i].msg);
	}
}

struct opts {
	const char *id;
	const char *out;
	const char *view;
	const char *xsd_dir;
	const char *extension;
	const char *part;
	const char *host_id;
	unsigned samples;
	const char *extra[8];
	int extra_count;
	bool allow_script;
	bool schema_only;
	int nargs;
	char *args[2];
};

static int parse(const char *verb, int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{"id", required_argument, NULL, 'i'},     {"output", required_argument, NULL, 'o'},
		{"view", required_argument, NULL, 'w'},   {"xsd-dir", required_argument, NULL, 'x'},
		{"allow-script", no_argument, NULL, 's'}, {"help", no_argument, NULL, 'h'},
		{"extension", required_argument, NULL, 'e'}, {"schema-only", no_argument, NULL, 'S'},
		{"part", required_argument, NULL, 'p'},      {"samples", required_argument, NULL, 'n'},
		{"analysis", required_argument, NULL, 'a'}, {"host-id", required_argument, NULL, 'H'},
		{NULL, 0, NULL, 0}};
	int c;

	memset(o, 0, sizeof(*o));
	optind = 1;
	while ((c = getopt_long(argc, argv, "i:o:w:x:sh", longopts, NULL)) != -1) {
		switch (c) {
		case 'i': o->id = optarg; break;
		case 'o': o->out = optarg; break;
		case 'w': o->view = optarg; break;
		case 'x': o->xsd_dir = optarg; break;
		case 's': o->allow_script = true; break;
		case 'e': o->extension = optarg; break;
		case 'S': o->schema_only = true; break;
		case 'p': o->part = optarg; break;
		case 'H': o->host_id = optarg; break;
		case 'n': {
			unsigned long long n;

			if (!vf_cli_parse_u64(optarg, &n) || n == 0 || n > 100000) {
				return vf_cli_usage_error(verb, "--samples expects 1..100000");
			}
			o->samples = (unsigned)n;
			break;
		}
		case 'a':
			if (o->extra_count == 8) {
				return vf_cli_usage_error(verb, "at most 8 --analysis files");
			}
			o->extra[o->extra_count++] = optarg;
			break;
		case 'h': fputs(usage_text, stdout); return -1;
		default: return vf_cli_usage_error(verb, "unknown option");
		}
	}
	for (; optind < argc; optind++) {
		if (o->nargs == 2) {
			return vf_cli_usage_error(verb, "too many arguments ('%s')", argv[optind]);
		}
		o->args[o->nargs++] = argv[optind];
	}
	return 0;
}

static struct vf_tcx_file *load(const struct opts *o, const char *path, struct vf_error *err)
{
	struct vf_tcx_load_opts lo = {.xsd_dir = o->xsd_dir,
	                              .allow_script = o->allow_script,
	                              .schema_only = o->schema_only,
	                              .extension_xsd = o->extension};

	return vf_tcx_load(path, &lo, err);
}

static int cmd_validate(int argc, char **argv)
{
	struct opts o;
	struct vf_error err = {0};
	struct vf_tcx_file *f;
	int rc = parse("tcxml validate", argc, argv, &o);
	size_t i;

	if (rc) {
		return rc < 0 ? 0 : rc;
	}
	if (o.nargs != 1) {
		return vf_cli_usage_error("tcxml validate", "expects exactly one FILE.xml");
	}
	o.allow_script = true; /* validation reports script values as warnings */
	f = load(&o, o.args[0], &err);
	if (!f) {
		return vf_cli_report(&err);
	}
	print_diags(f);
	for (i = 0; i < f->view_count; i++) {
		size_t j;

		for (j = 0; j < f->views[i].analysis_count; j++) {
			if (!vf_tcx_find(f, f->views[i].analyses[j])) {
				fprintf(stderr,
				        "vmflow: warning: %s:%d: view '%s' reads analysis '%s', which is not "
				        "in this file (give its file to `vmflow tcxml view` with --analysis; "
				        "a Java analysis cannot be run by vmflow)\n",
				        f->path, f->views[i].line, f->views[i].id, f->views[i].analyses[j]);
			}
		}
	}
	if (f->error_count) {
		rc = 1;
	} else {
		printf("%s: valid:", f->path);
		for (i = 0; i < f->analysis_count; i++) {
			printf(" %s '%s'", f->analyses[i].kind == VF_TCX_PATTERN ? "pattern" : "stateProvider",
			       f->analyses[i].id);
			printf("%s", i + 1 < f->analysis_count || f->view_count ? "," : "");
		}
		for (i = 0; i < f->view_count; i++) {
			printf(" %s '%s'%s", f->views[i].xy ? "xyView" : "timeGraphView", f->views[i].id,
			       i + 1 < f->view_count ? "," : "");
		}
		if (o.schema_only) {
			printf(" schema ok");
		} else if (!f->analysis_count && !f->view_count) {
			printf(" no analyses");
		}
		printf("\n");
	}
	vf_tcx_file_free(f);
	return rc;
}

static enum vf_status write_file(const char *dir, const char *name, struct vf_tcx_run *r,
                                 int what, struct vf_error *err)
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
	st = what == 0   ? vf_tcss_write_states(vf_tcx_run_ss(r), fp, err)
	     : what == 1 ? vf_tcss_write_typed(vf_tcx_run_ss(r), fp, err)
	                 : vf_tcx_write_segments(r, fp, err);
	if (fclose(fp) != 0 && st == VF_OK) {
		VF_ERROR_SET(err, VF_ERR_IO, path, "cannot write output file (disk full?)");
		st = VF_ERR_IO;
	}
	vf_error_set_where(err, "%s", path);
	return st;
}

static int cmd_run(int argc, char **argv)
{
	struct opts o;
	struct vf_error err = {0};
	struct vf_tcx_file *f;
	struct vf_tcx_run *r;
	struct vf_atomic_dir dir;
	enum vf_status st = VF_OK;
	int rc = parse("tcxml run", argc, argv, &o);

	if (rc) {
		return rc < 0 ? 0 : rc;
	}
	if (o.nargs != 2) {
		return vf_cli_usage_error("tcxml run", "expects ANALYSIS.xml and TRACE");
	}
	f = load(&o, o.args[0], &err);
	if (!f) {
		return vf_cli_report(&err);
	}
	print_diags(f);
	if (f->error_count) {
		fprintf(stderr, "vmflow: %s: %zu error(s): the analysis cannot run\n", f->path,
		        f->error_count);
		vf_tcx_file_free(f);
		return 1;
	}
	r = vf_tcx_run_trace_host(f, o.id, o.args[1], o.host_id, &err);
	if (!r) {
		vf_tcx_file_free(f);
		return vf_cli_report(&err);
	}
	if (!o.out) {
		st = vf_tcss_write_typed(vf_tcx_run_ss(r), stdout, &err);
	} else {
		memset(&dir, 0, sizeof(dir));
		st = vf_atomic_dir_begin(&dir, o.out, &err);
		if (st == VF_OK) {
			st = write_file(dir.tmp_path, "states.tsv", r, 0, &err);
		}
		if (st == VF_OK) {
			st = write_file(dir.tmp_path, "states_typed.tsv", r, 1, &err);
		}
		if (st == VF_OK && f && vf_tcx_find(f, o.id) &&
		    vf_tcx_find(f, o.id)->kind == VF_TCX_PATTERN) {
			st = write_file(dir.tmp_path, "segments.tsv", r, 2, &err);
		}
		if (st == VF_OK) {
			st = vf_atomic_dir_commit(&dir, &err);
		} else {
			vf_atomic_dir_abort(&dir);
		}
	}
	vf_tcx_run_free(r);
	vf_tcx_file_free(f);
	return st == VF_OK ? 0 : vf_cli_report(&err);
}

static int cmd_view(int argc, char **argv)
{
	struct opts o;
	struct vf_error err = {0};
	const struct vf_tcx_file *files[9];
	struct vf_tcx_file *f;
	size_t nfiles = 0, i;
	const struct vf_tcx_view *v = NULL;
	enum vf_status st = VF_OK;
	int rc = parse("tcxml view", argc, argv, &o);
	FILE *fp = stdout;

	if (rc) {
		return rc < 0 ? 0 : rc;
	}
	if (o.nargs != 2 || !o.view) {
		return vf_cli_usage_error("tcxml view", "expects ANALYSIS.xml TRACE --view ID");
	}
	for (i = 0; i <= (size_t)o.extra_count && st == VF_OK; i++) {
		f = load(&o, i == 0 ? o.args[0] : o.extra[i - 1], &err);
		if (!f) {
			st = err.status;
			break;
		}
		files[nfiles++] = f;
		print_diags(f);
		if (f->error_count) {
			VF_ERROR_SET(&err, VF_ERR_INPUT, f->path, "%zu error(s): the file cannot run",
			             f->error_count);
			st = VF_ERR_INPUT;
		}
	}
	if (st == VF_OK) {
		v = vf_tcx_find_view(files[0], o.view);
		if (!v) {
			VF_ERROR_SET(&err, VF_ERR_USAGE, o.args[0],
			             "no timeGraphView or xyView with id '%s'", o.view);
			st = VF_ERR_USAGE;
		}
	}
	if (st == VF_OK && o.out && !(fp = fopen(o.out, "wb"))) {
		VF_ERROR_SET(&err, VF_ERR_IO, o.out, "cannot create output file");
		st = VF_ERR_IO;
	}
	if (st == VF_OK) {
		st = vf_tcx_view_write(files, nfiles, v, o.args[1], o.part, o.samples, fp, &err);
		if (fp != stdout && fclose(fp) != 0 && st == VF_OK) {
			VF_ERROR_SET(&err, VF_ERR_IO, o.out, "cannot write output file (disk full?)");
			st = VF_ERR_IO;
		}
	}
	for (i = 0; i < nfiles; i++) {
		vf_tcx_file_free((struct vf_tcx_file *)files[i]);
	}
	return st == VF_OK ? 0 : vf_cli_report(&err);
}

int vf_cmd_tcxml(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(usage_text, argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (strcmp(argv[1], "validate") == 0) {
		return cmd_validate(argc - 1, argv + 1);
	}
	if (strcmp(argv[1], "run") == 0) {
		return cmd_run(argc - 1, argv + 1);
	}
	if (strcmp(argv[1], "view") == 0) {
		return cmd_view(argc - 1, argv + 1);
	}
	return vf_cli_usage_error("tcxml", "unknown subcommand '%s' (validate, run, view)", argv[1]);
}
