/* SPDX-License-Identifier: MIT */
/*
 * cmd_compare.c - the `vmflow compare` verb: time-weighted agreement between
 * a ground-truth states.tsv and a result states.tsv (compare/compare.h).
 *
 * stdout: the text report; stderr: errors. Exit 0 when compared (and at or
 * above --min), 1 below --min or on bad input, 2 on a usage error.
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "common/atomic_out.h"
#include "compare/compare.h"

#define WORST_PATH_COUNT 10

static void print_help(FILE *out)
{
	fputs("Usage: vmflow compare TRUTH.tsv RESULT.tsv [--min PERCENT] [--path-prefix P]\n"
	      "                      [--json FILE]\n"
	      "\n"
	      "Measure how well RESULT.tsv agrees with the ground truth TRUTH.tsv (both in\n"
	      "the states.tsv format): per path, the share of the truth's time where the\n"
	      "result holds the same value. A result without a value there disagrees.\n"
	      "Prints the overall agreement, the agreement per truth value, the confusion\n"
	      "matrix (truth value -> result value) and the 10 worst paths. Paths found only\n"
	      "in the result are listed as extra and do not count in the agreement.\n"
	      "\n"
	      "Options:\n"
	      "  --min PERCENT      exit with status 1 when the overall agreement is below\n"
	      "                     PERCENT (0-100)\n"
	      "  --path-prefix P    compare only the paths that start with P\n"
	      "                     (e.g. 'VMs/1234/vCPUs/')\n"
	      "  --json FILE        also write every figure as JSON to FILE\n"
	      "  -h, --help         this help\n"
	      "\n"
	      "Exit codes: 0 compared (and not below --min), 1 below --min or bad input,\n"
	      "2 usage error.\n",
	      out);
}

static int parse_percent(const char *s, double *out)
{
	char *end;
	double v;

	if (!s || !*s) {
		return 0;
	}
	v = strtod(s, &end);
	if (*end != '\0' || !isfinite(v) || v < 0.0 || v > 100.0) {
		return 0;
	}
	*out = v;
	return 1;
}

static int write_json(const char *path, const struct vf_compare_result *r)
{
	struct vf_atomic_file f;
	struct vf_error err = {0};

	if (vf_atomic_file_begin(&f, path, &err) != VF_OK) {
		return vf_cli_report(&err);
	}
	if (vf_compare_write_json(f.fp, r, &err) != VF_OK) {
		vf_atomic_file_abort(&f);
		vf_error_set_where(&err, "%s", path);
		return vf_cli_report(&err);
	}
	if (vf_atomic_file_commit(&f, &err) != VF_OK) {
		vf_error_set_where(&err, "%s", path);
		return vf_cli_report(&err);
	}
	return 0;
}

int vf_cmd_compare(int argc, char **argv)
{
	static const struct option long_opts[] = {
	    {"min", required_argument, NULL, 'm'},
	    {"path-prefix", required_argument, NULL, 'p'},
	    {"json", required_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct vf_compare_options opts = {0};
	struct vf_compare_result *r = NULL;
	struct vf_error err = {0};
	const char *json_path = NULL;
	double min_percent = 0.0, overall = 0.0;
	int have_min = 0, c, rc = 0;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", long_opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			if (!parse_percent(optarg, &min_percent)) {
				return vf_cli_usage_error(
				    "compare",
				    "--min needs a percentage between 0 and 100, not '%s'", optarg);
			}
			have_min = 1;
			break;
		case 'p':
			opts.path_prefix = optarg;
			break;
		case 'j':
			json_path = optarg;
			break;
		case 'h':
			print_help(stdout);
			return 0;
		case ':':
			return vf_cli_usage_error("compare", "option '%s' needs a value",
			                          argv[optind - 1]);
		default:
			return vf_cli_usage_error("compare", "unknown option '%s'",
			                          argv[optind - 1]);
		}
	}
	if (argc - optind != 2) {
		return vf_cli_usage_error("compare",
		                          "expected TRUTH.tsv and RESULT.tsv, got %d file%s",
		                          argc - optind, argc - optind == 1 ? "" : "s");
	}
	if (vf_compare_files(argv[optind], argv[optind + 1], &opts, &r, &err) != VF_OK) {
		return vf_cli_report(&err);
	}
	vf_compare_print_text(stdout, r, WORST_PATH_COUNT);
	fflush(stdout);
	if (json_path) {
		rc = write_json(json_path, r);
	}
	if (rc == 0 && have_min) {
		if (!vf_compare_percent(r->agreed_ns, r->truth_ns, &overall)) {
			fprintf(stderr,
			        "vmflow: %s: the truth has no interval to compare, so --min %g "
			        "cannot be met\n",
			        argv[optind], min_percent);
			rc = 1;
		} else if (overall < min_percent) {
			char shown[32];

			/* never print "99.900% is below 99.9": show more digits when 3 round up to
			 * the bound */
			snprintf(shown, sizeof(shown), "%.3f", overall);
			if (strtod(shown, NULL) >= min_percent) {
				snprintf(shown, sizeof(shown), "%.9f", overall);
			}
			fprintf(stderr, "vmflow: agreement %s%% is below --min %g\n", shown,
			        min_percent);
			rc = 1;
		}
	}
	vf_compare_result_free(r);
	return rc;
}
