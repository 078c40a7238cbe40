/* SPDX-License-Identifier: MIT */
/*
 * writer_rate.c - the synth writers alone, without the simulator: loads a
 * trace's events into memory (vf_ctf_read), then writes them again through
 * the CTF sink (sink_ctf.c) and the Trace Compass XML sink (sink_tcxml.c),
 * and prints the best of RUNS wall-clock rates. Built and run by
 * bench/run.sh (figure A2); not a test.
 *
 *   writer_rate TRACE_DIR OUT_DIR [RUNS]
 *
 * Output, one line per writer: "ctf EVENTS SECONDS" and "tcxml EVENTS SECONDS".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/atomic_out.h"
#include "input/reader.h"
#include "synth/sink.h"

struct events {
	struct vf_event *ev;
	size_t n, cap;
	uint32_t cpus;
};

static enum vf_status keep(void *user, const struct vf_event *ev, struct vf_error *err)
{
	struct events *e = user;

	if (e->n == e->cap) {
		e->cap = e->cap ? 2 * e->cap : 1 << 16;
		e->ev = realloc(e->ev, e->cap * sizeof(*e->ev));
		if (!e->ev) {
			VF_ERROR_SET(err, VF_ERR_NOMEM, "", "out of memory");
			return VF_ERR_NOMEM;
		}
	}
	e->ev[e->n] = *ev;
	e->ev[e->n].name = NULL;
	if (ev->cpu + 1 > e->cpus) {
		e->cpus = ev->cpu + 1;
	}
	e->n++;
	return VF_OK;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const struct vf_error *err)
{
	fprintf(stderr, "writer_rate: %s: %s\n", err->where, err->msg);
	exit(1);
}

int main(int argc, char **argv)
{
	struct events e = {0};
	struct vf_reader_callbacks cbs = {.user = &e, .event = keep};
	struct vf_trace_info info;
	struct vf_error err = {0};
	struct vf_trace_desc desc;
	char path[4200];
	int runs = argc > 3 ? atoi(argv[3]) : 3;
	double best_ctf = 1e30, best_xml = 1e30;

	if (argc < 3) {
		fprintf(stderr, "usage: writer_rate TRACE_DIR OUT_DIR [RUNS]\n");
		return 2;
	}
	vf_trace_info_init(&info);
	if (vf_ctf_read(argv[1], &cbs, &info, &err) != VF_OK) {
		die(&err);
	}
	memset(&desc, 0, sizeof(desc));
	snprintf(desc.hostname, sizeof(desc.hostname), "bench-host");
	snprintf(desc.kernel_release, sizeof(desc.kernel_release), "%s",
		 info.kernel_release[0] ? info.kernel_release : "6.1.0-27-amd64");
	desc.clock_offset_ns = 0;
	desc.cpu_count = e.cpus ? e.cpus : 1;
	desc.packet_size = 262144;
	desc.naming = info.naming;
	desc.pid_tid_context = info.has_pid_context && info.has_tid_context;
	for (int r = 0; r < runs; r++) {
		struct vf_sink *s;
		FILE *fp;
		double t0;

		snprintf(path, sizeof(path), "%s/ctf", argv[2]);
		vf_remove_tree(path);
		t0 = now();
		s = vf_sink_ctf_new(path, &desc, &err);
		if (!s) {
			die(&err);
		}
		for (size_t i = 0; i < e.n; i++) {
			if (s->emit(s, &e.ev[i], &err) != VF_OK) {
				die(&err);
			}
		}
		if (s->finish(s, e.n ? e.ev[e.n - 1].ts_ns : 0, &err) != VF_OK) {
			die(&err);
		}
		s->free(s);
		if (now() - t0 < best_ctf) {
			best_ctf = now() - t0;
		}

		snprintf(path, sizeof(path), "%s/host.xml", argv[2]);
		t0 = now();
		fp = fopen(path, "wb");
		if (!fp) {
			perror(path);
			return 1;
		}
		s = vf_sink_tcxml_new(fp, path, &desc, &err);
		if (!s) {
			die(&err);
		}
		for (size_t i = 0; i < e.n; i++) {
			if (s->emit(s, &e.ev[i], &err) != VF_OK) {
				die(&err);
			}
		}
		if (s->finish(s, e.n ? e.ev[e.n - 1].ts_ns : 0, &err) != VF_OK) {
			die(&err);
		}
		s->free(s);
		fclose(fp);
		if (now() - t0 < best_xml) {
			best_xml = now() - t0;
		}
	}
	printf("ctf %zu %.6f\ntcxml %zu %.6f\n", e.n, best_ctf, e.n, best_xml);
	free(e.ev);
	return 0;
}
