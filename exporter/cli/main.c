/* SPDX-License-Identifier: MIT */
/*
 * main.c - the vmflow program: global options and the verb table.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "common/log.h"

bool vf_cli_verbose;

struct verb {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

static const struct verb verbs[] = {
	{"analyze", vf_cmd_analyze, "run all analyses on a host trace and export the results"},
	{"synth", vf_cmd_synth, "generate a host trace and its ground truth from a scenario"},
	{"compare", vf_cmd_compare, "time-weighted agreement between two states.tsv files"},
	{"stats", vf_cmd_stats, "exit-reason statistics, perf kvm stat style"},
	{"tcxml", vf_cmd_tcxml, "validate or run Trace Compass XML analyses headless"},
	{"corpus", vf_cmd_corpus, "regenerate or verify the regression corpus"},
	{"lami", vf_cmd_lami, "LAMI 1.0 analyses for Trace Compass External Analyses"},
};

static void print_help(FILE *out)
{
	size_t i;

	fprintf(out, "Usage: vmflow [-v] VERB [OPTIONS...]\n\n"
		     "Find out what every virtual machine was doing from an LTTng kernel trace\n"
		     "of the KVM host alone.\n\nVerbs:\n");
	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++) {
		fprintf(out, "  %-9s %s\n", verbs[i].name, verbs[i].summary);
	}
	fprintf(out, "\nOptions:\n"
		     "  -v, --verbose  show where in vmflow an error was raised; more logging\n"
		     "  -h, --help     this help; `vmflow VERB --help` for a verb\n"
		     "  --version      print the version\n\n"
		     "Exit codes: 0 success, 1 failure or bad input, 2 usage error.\n");
}

int vf_cli_report(const struct vf_error *err)
{
	char line[2048];

	vf_error_format(err, vf_cli_verbose, line, sizeof(line));
	fprintf(stderr, "%s\n", line);
	return vf_status_exit_code(err->status);
}

int vf_cli_usage_error(const char *verb, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "vmflow %s: ", verb);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see 'vmflow %s --help')\n", verb);
	return 2;
}

int vf_cli_not_implemented(const char *verb)
{
	fprintf(stderr, "vmflow %s: not implemented yet\n", verb);
	return 2;
}

bool vf_cli_parse_u64(const char *s, unsigned long long *out)
{
	char *end;

	if (!s || !*s || *s == '-') {
		return false;
	}
	errno = 0;
	*out = strtoull(s, &end, 10);
	return errno == 0 && *end == '\0';
}

int main(int argc, char **argv)
{
	int i = 1;
	size_t v;

	vf_log_init_from_env();
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-v") || !strcmp(argv[i], "--verbose")) {
			vf_cli_verbose = true;
			if (vf_log_current_level < VF_LOG_LEVEL_INFO) {
				vf_log_current_level = VF_LOG_LEVEL_INFO;
			}
		} else if (!strcmp(argv[i], "-vv")) {
			vf_cli_verbose = true;
			vf_log_current_level = VF_LOG_LEVEL_DEBUG;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			print_help(stdout);
			return 0;
		} else if (!strcmp(argv[i], "--mi-version")) {
			/* Trace Compass asks the LAMI version of the program itself (docs/outputs.md). */
			printf("1.0\n");
			return 0;
		} else if (!strcmp(argv[i], "--version")) {
			printf("vmflow %s\n", VMFLOW_VERSION);
			return 0;
		} else {
			fprintf(stderr, "vmflow: unknown option '%s' (see 'vmflow --help')\n", argv[i]);
			return 2;
		}
	}
	if (i >= argc) {
		print_help(stderr);
		return 2;
	}
	for (v = 0; v < sizeof(verbs) / sizeof(verbs[0]); v++) {
		if (!strcmp(argv[i], verbs[v].name)) {
			return verbs[v].run(argc - i, argv + i);
		}
	}
	fprintf(stderr, "vmflow: '%s' is not a vmflow verb (see 'vmflow --help')\n", argv[i]);
	return 2;
}
