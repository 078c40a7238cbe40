/* SPDX-License-Identifier: MIT */
/*
 * cmd_synth.c - the `vmflow synth` verb: scenario -> simulator -> CTF trace
 * folder (written atomically) or, with --format tcxml, one Trace Compass XML
 * stub-trace file (atomically too) and, with --truth, its ground truth as
 * states.tsv (written atomically too).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/commands.h"
#include "common/atomic_out.h"
#include "synth/scenario.h"
#include "synth/sim.h"
#include "synth/sink.h"
#include "synth/truth.h"
#include "synth/truth_summary.h"
#include "vmflow/history.h"

static const char usage[] =
    "Usage: vmflow synth SCENARIO -o TRACE_DIR [--seed N] [--truth FILE] [--format ctf|tcxml]\n"
    "                    [--truth-summary FILE]\n"
    "\n"
    "Simulate the KVM host described by SCENARIO (YAML, see docs/scenario.md) and\n"
    "write its LTTng kernel trace into TRACE_DIR, plus its ground truth.\n"
    "\n"
    "Options:\n"
    "  -o, --output DIR  the trace folder to create (replaced only if vmflow wrote it)\n"
    "  --seed N          use seed N instead of the scenario's `seed`\n"
    "  --truth FILE      also write the ground truth as states.tsv to FILE\n"
    "  --truth-summary FILE\n"
    "                    also write the truth in figures (exits, waits, wake-ups, levels,\n"
    "                    CR3 -> process names) as JSON to FILE\n"
    "  --format ctf      trace format: ctf (lttng-modules 2.13 layout; the default) or\n"
    "                    tcxml (a Trace Compass XML stub trace: -o names one .xml file)\n"
    "  -h, --help        this help\n"
    "\n"
    "The same scenario and seed always give the same trace and truth.\n"
    "Exit codes: 0 success, 1 failure or bad scenario, 2 usage error.\n";

struct synth_args {
	const char *scenario;
	const char *out_dir;
	const char *truth_path;
	const char *summary_path;
	const char *format;
	bool has_seed;
	unsigned long long seed;
};

/* Value of an option given as "--opt VALUE" or "--opt=VALUE"; NULL if not this option. */
static const char *option_value(int argc, char **argv, int *i, const char *long_name,
                                const char *short_name, bool *missing)
{
	const char *a = argv[*i];
	size_t n = strlen(long_name);

	*missing = false;
	if (!strcmp(a, long_name) || (short_name && !strcmp(a, short_name))) {
		if (*i + 1 >= argc) {
			*missing = true;
			return NULL;
		}
		return argv[++*i];
	}
	if (!strncmp(a, long_name, n) && a[n] == '=') {
		return a + n + 1;
	}
	return NULL;
}

static int parse_args(int argc, char **argv, struct synth_args *args)
{
	int i;

	memset(args, 0, sizeof(*args));
	args->format = "ctf";
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v;
		bool missing;

		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			fputs(usage, stdout);
			return -1;
		}
		if ((v = option_value(argc, argv, &i, "--output", "-o", &missing)) || missing) {
			if (missing) {
				return vf_cli_usage_error("synth", "option %s needs a folder", a);
			}
			args->out_dir = v;
		} else if ((v = option_value(argc, argv, &i, "--truth", NULL, &missing)) ||
		           missing) {
			if (missing) {
				return vf_cli_usage_error("synth", "option --truth needs a file");
			}
			args->truth_path = v;
		} else if ((v = option_value(argc, argv, &i, "--truth-summary", NULL, &missing)) ||
		           missing) {
			if (missing) {
				return vf_cli_usage_error("synth", "option --truth-summary needs a file");
			}
			args->summary_path = v;
		} else if ((v = option_value(argc, argv, &i, "--format", NULL, &missing)) ||
		           missing) {
			if (missing) {
				return vf_cli_usage_error("synth", "option --format needs a value");
			}
			args->format = v;
		} else if ((v = option_value(argc, argv, &i, "--seed", NULL, &missing)) ||
		           missing) {
			if (missing || !vf_cli_parse_u64(v, &args->seed)) {
				return vf_cli_usage_error("synth",
				                          "option --seed needs an integer from 0 "
				                          "to 2^64-1");
			}
			args->has_seed = true;
		} else if (a[0] == '-' && a[1] != '\0') {
			return vf_cli_usage_error("synth", "unknown option '%s'", a);
		} else if (!args->scenario) {
			args->scenario = a;
		} else {
			return vf_cli_usage_error("synth", "unexpected argument '%s'", a);
		}
	}
	if (!args->scenario) {
		return vf_cli_usage_error("synth", "missing the SCENARIO file");
	}
	if (!args->out_dir || !*args->out_dir) {
		return vf_cli_usage_error("synth", "missing -o TRACE_DIR");
	}
	if (strcmp(args->format, "ctf") != 0 && strcmp(args->format, "tcxml") != 0) {
		return vf_cli_usage_error("synth", "unknown format '%s' (expected ctf or tcxml)",
		                          args->format);
	}
	return 0;
}

int vf_cmd_synth(int argc, char **argv)
{
	struct synth_args args;
	struct vf_error err = {0};
	struct vf_scenario *scn = NULL;
	struct vf_history *history = NULL;
	struct vf_truth *truth = NULL;
	struct vf_sink *sink = NULL;
	struct vf_atomic_dir dir;
	struct vf_atomic_file truth_file, xml_file, summary_file;
	bool summary_open = false;
	struct vf_trace_desc desc;
	struct vf_sim_stats stats;
	bool dir_open = false, file_open = false, xml_open = false;
	bool tcxml;
	struct stat st;
	int rc = parse_args(argc, argv, &args);

	if (rc != 0) {
		return rc < 0 ? 0 : rc;
	}
	tcxml = !strcmp(args.format, "tcxml");
	scn = vf_scenario_new_from_file(args.scenario, &err);
	if (!scn) {
		goto fail;
	}
	if (args.has_seed) {
		scn->seed = args.seed;
	}
	vf_scenario_trace_desc(scn, &desc);
	if (args.truth_path || args.summary_path) {
		history = vf_history_new(NULL, &err);
		if (!history || !(truth = vf_truth_new(history, &err))) {
			goto fail;
		}
	}
	if (tcxml) {
		if (stat(args.out_dir, &st) == 0 && S_ISDIR(st.st_mode)) {
			VF_ERROR_SET(&err, VF_ERR_IO, args.out_dir,
			             "is a folder: --format tcxml writes one XML file");
			goto fail;
		}
		if (vf_atomic_file_begin(&xml_file, args.out_dir, &err) != VF_OK) {
			goto fail;
		}
		xml_open = true;
		sink = vf_sink_tcxml_new(xml_file.fp, args.out_dir, &desc, &err);
	} else {
		if (vf_atomic_dir_begin(&dir, args.out_dir, &err) != VF_OK) {
			goto fail;
		}
		dir_open = true;
		sink = vf_sink_ctf_new(dir.tmp_path, &desc, &err);
	}
	if (sink) {
		sink = vf_sink_thread_new(sink, &err); /* simulate and write at once */
	}
	if (!sink) {
		vf_error_set_where(&err, "%s", args.out_dir);
		goto fail;
	}
	if (vf_sim_run(scn, sink, truth, &stats, &err) != VF_OK) {
		vf_error_set_where(&err, "%s", args.scenario);
		goto fail;
	}
	sink->free(sink);
	sink = NULL;
	if (args.truth_path) {
		if (vf_atomic_file_begin(&truth_file, args.truth_path, &err) != VF_OK) {
			goto fail;
		}
		file_open = true;
		if (vf_truth_write_tsv(history, truth_file.fp, &err) != VF_OK) {
			vf_error_set_where(&err, "%s", args.truth_path);
			goto fail;
		}
	}
	if (args.summary_path) {
		if (vf_atomic_file_begin(&summary_file, args.summary_path, &err) != VF_OK) {
			goto fail;
		}
		summary_open = true;
		if (vf_truth_write_summary(truth, history, scn, summary_file.fp, &err) != VF_OK) {
			vf_error_set_where(&err, "%s", args.summary_path);
			goto fail;
		}
	}
	if (xml_open) {
		xml_open = false; /* commit cleans up after itself */
		if (vf_atomic_file_commit(&xml_file, &err) != VF_OK) {
			goto fail;
		}
	}
	if (dir_open && vf_atomic_dir_commit(&dir, &err) != VF_OK) {
		dir_open = false; /* commit cleans up after itself */
		goto fail;
	}
	dir_open = false;
	if (file_open) {
		file_open = false;
		if (vf_atomic_file_commit(&truth_file, &err) != VF_OK) {
			goto fail;
		}
	}
	if (summary_open) {
		summary_open = false;
		if (vf_atomic_file_commit(&summary_file, &err) != VF_OK) {
			goto fail;
		}
	}
	printf("vmflow synth: wrote %" PRIu64 " events (%u vCPUs, %u threads, %u CPUs, seed %llu) "
	       "to %s\n",
	       stats.event_count, stats.vcpu_count, stats.thread_count, scn->host.cpu_count,
	       (unsigned long long)scn->seed, args.out_dir);
	if (args.truth_path) {
		printf("vmflow synth: wrote the ground truth (%" PRIu64 " intervals) to %s\n",
		       vf_history_interval_count(history), args.truth_path);
	}
	vf_truth_free(truth);
	vf_history_free(history);
	vf_scenario_free(scn);
	return 0;

fail:
	if (sink) {
		sink->free(sink);
	}
	if (file_open) {
		vf_atomic_file_abort(&truth_file);
	}
	if (summary_open) {
		vf_atomic_file_abort(&summary_file);
	}
	if (dir_open) {
		vf_atomic_dir_abort(&dir);
	}
	if (xml_open) {
		vf_atomic_file_abort(&xml_file);
	}
	vf_truth_free(truth);
	vf_history_free(history);
	vf_scenario_free(scn);
	return vf_cli_report(&err);
}
