/* SPDX-License-Identifier: MIT */
/*
 * report_html.c - writes report.html from the state history.
 *
 * The timeline is drawn at a fixed resolution: the trace is cut into
 * TIMELINE_COLUMNS columns and each vCPU row shows, per column, the state that
 * held longest in it, so the page size does not grow with the trace length.
 * Memory: rows * TIMELINE_COLUMNS * palette size counters.
 */
#include "exports/report_html.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "common/u64map.h"
#include "exports/palette.h"
#include "model/exit_reasons.h"

#define TIMELINE_COLUMNS 1000
#define TIMELINE_MAX_ROWS 256
#define ROW_HEIGHT 18
#define LABEL_WIDTH 170

struct row {
	uint32_t path_id;
	long long vm_pid;
	long long vcpu_id;
	int64_t *time_per_state; /* owned: TIMELINE_COLUMNS * state_count */
	int64_t totals[32];      /* per palette index */
};

static void html_escape(FILE *fp, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<': fputs("&lt;", fp); break;
		case '>': fputs("&gt;", fp); break;
		case '&': fputs("&amp;", fp); break;
		case '"': fputs("&quot;", fp); break;
		default: fputc(*s, fp); break;
		}
	}
}

/* Parses "VMs/<pid>/vCPUs/<n>/Status". */
static int parse_status_path(const char *path, long long *pid, long long *vcpu)
{
	int consumed = 0;

	if (sscanf(path, "VMs/%lld/vCPUs/%lld/Status%n", pid, vcpu, &consumed) == 2 &&
	    path[consumed] == '\0') {
		return 1;
	}
	return 0;
}

static int cmp_rows(const void *a, const void *b)
{
	const struct row *x = a, *y = b;

	if (x->vm_pid != y->vm_pid) {
		return x->vm_pid < y->vm_pid ? -1 : 1;
	}
	return x->vcpu_id < y->vcpu_id ? -1 : (x->vcpu_id > y->vcpu_id);
}

static void write_head(FILE *fp, const struct vf_trace_info *info)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<title>vmflow report</title>\n<style>\n"
	      "body{font-family:sans-serif;margin:1.5em;color:#222}\n"
	      "table{border-collapse:collapse;margin:.5em 0 1.5em}\n"
	      "td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}\n"
	      "th{background:#eee}td.l,th.l{text-align:left}\n"
	      ".sw{display:inline-block;width:12px;height:12px;margin:0 4px 0 12px;vertical-align:middle}\n"
	      "svg text{font-size:12px}\n"
	      "</style>\n</head>\n<body>\n<h1>vmflow report</h1>\n<p>Trace: <code>",
	      fp);
	html_escape(fp, info->path);
	fputs("</code><br>Host: ", fp);
	html_escape(fp, info->hostname[0] ? info->hostname : "(unknown)");
	fprintf(fp,
		"<br>Duration: %.6f s, %" PRIu64 " events (%" PRIu64 " KVM), %u CPUs, %" PRIu64
		" discarded events</p>\n",
		info->end_ns > info->begin_ns ? (double)(info->end_ns - info->begin_ns) / 1e9 : 0.0,
		info->event_count, info->kvm_event_count, info->cpu_count, info->discarded_count);
}

static void write_legend(FILE *fp)
{
	size_t count, i;
	const struct vf_palette_entry *pal = vf_palette_entries(&count);

	fputs("<p>", fp);
	for (i = 0; i < count; i++) {
		fprintf(fp, "<span class=\"sw\" style=\"background:#%02x%02x%02x\"></span>",
			pal[i].r, pal[i].g, pal[i].b);
		html_escape(fp, pal[i].label);
	}
	fputs("</p>\n", fp);
}

static void write_timeline(FILE *fp, struct row *rows, size_t row_count, size_t state_count,
			   const struct vf_palette_entry *pal, int64_t begin_ns, int64_t end_ns)
{
	size_t width = LABEL_WIDTH + TIMELINE_COLUMNS + 10, r, c;
	size_t shown = row_count < TIMELINE_MAX_ROWS ? row_count : TIMELINE_MAX_ROWS;

	fprintf(fp, "<h2>vCPU timeline</h2>\n<svg xmlns=\"http://www.w3.org/2000/svg\" "
		    "width=\"%zu\" height=\"%zu\" id=\"timeline\">\n",
		width, shown * ROW_HEIGHT + 30);
	for (r = 0; r < shown; r++) {
		struct row *row = &rows[r];
		size_t y = r * ROW_HEIGHT;
		size_t run_start = 0;
		int run_state = -1;

		fprintf(fp, "<text x=\"4\" y=\"%zu\">VM %lld vCPU %lld</text>\n", y + 13,
			row->vm_pid, row->vcpu_id);
		for (c = 0; c <= TIMELINE_COLUMNS; c++) {
			int best = -1;

			if (c < TIMELINE_COLUMNS) {
				int64_t best_time = 0;
				size_t s;

				for (s = 0; s < state_count; s++) {
					int64_t t = row->time_per_state[c * state_count + s];

					if (t > best_time) {
						best_time = t;
						best = (int)s;
					}
				}
			}
			if (c == TIMELINE_COLUMNS || best != run_state) {
				if (run_state >= 0) {
					const struct vf_palette_entry *e = &pal[run_state];

					fprintf(fp,
						"<rect x=\"%zu\" y=\"%zu\" width=\"%zu\" height=\"%d\" "
						"fill=\"#%02x%02x%02x\"><title>%s</title></rect>\n",
						LABEL_WIDTH + run_start, y + 2, c - run_start,
						ROW_HEIGHT - 4, e->r, e->g, e->b, e->label);
				}
				run_state = best;
				run_start = c;
			}
		}
	}
	fprintf(fp, "<text x=\"%d\" y=\"%zu\">%.6f s</text>\n", LABEL_WIDTH, shown * ROW_HEIGHT + 20,
		0.0);
	fprintf(fp, "<text x=\"%zu\" y=\"%zu\" text-anchor=\"end\">%.6f s</text>\n</svg>\n",
		width - 10, shown * ROW_HEIGHT + 20, (double)(end_ns - begin_ns) / 1e9);
	if (shown < row_count) {
		fprintf(fp, "<p>%zu more vCPUs are not drawn; see states.tsv.</p>\n",
			row_count - shown);
	}
}

static void write_state_table(FILE *fp, struct row *rows, size_t row_count, size_t state_count,
			      const struct vf_palette_entry *pal)
{
	size_t r, s;

	fputs("<h2>Time per state</h2>\n<table><tr><th class=\"l\">VM</th><th>vCPU</th>", fp);
	for (s = 0; s < state_count; s++) {
		fputs("<th>", fp);
		html_escape(fp, pal[s].value);
		fputs("</th>", fp);
	}
	fputs("</tr>\n", fp);
	for (r = 0; r < row_count; r++) {
		int64_t total = 0;

		for (s = 0; s < state_count; s++) {
			total += rows[r].totals[s];
		}
		fprintf(fp, "<tr><td class=\"l\">%lld</td><td>%lld</td>", rows[r].vm_pid,
			rows[r].vcpu_id);
		for (s = 0; s < state_count; s++) {
			fprintf(fp, "<td>%.2f%%</td>",
				total ? 100.0 * (double)rows[r].totals[s] / (double)total : 0.0);
		}
		fputs("</tr>\n", fp);
	}
	fputs("</table>\n", fp);
}

static void write_exit_table(FILE *fp, const struct vf_exit_stats *exits)
{
	size_t i;
	char buf[32];

	fputs("<h2>Exits</h2>\n<table><tr><th>VM</th><th>vCPU</th><th class=\"l\">reason</th>"
	      "<th>count</th><th>total (µs)</th><th>mean (µs)</th><th>max (µs)</th></tr>\n",
	      fp);
	for (i = 0; exits && i < exits->row_count; i++) {
		const struct vf_exit_stat_row *row = &exits->rows[i];

		fprintf(fp, "<tr><td>%d</td><td>%u</td><td class=\"l\">%s</td><td>%" PRIu64
			    "</td><td>%.3f</td><td>%.3f</td><td>%.3f</td></tr>\n",
			row->vm_pid, row->vcpu_id,
			vf_exit_reason_name(row->isa, row->reason, buf, sizeof(buf)), row->count,
			(double)row->total_ns / 1e3, vf_exit_stat_mean_ns(row) / 1e3,
			(double)row->max_ns / 1e3);
	}
	fputs("</table>\n", fp);
}

enum vf_status vf_report_html_write(FILE *fp, struct vf_history *h,
				    const struct vf_trace_info *info,
				    const struct vf_exit_stats *exits, const char *const *warnings,
				    size_t warning_count, struct vf_error *err)
{
	size_t pal_count, row_count = 0, row_cap = 0, i;
	const struct vf_palette_entry *pal = vf_palette_entries(&pal_count);
	size_t state_count = pal_count; /* values outside the palette are not drawn */
	struct row *rows = NULL;
	struct vf_u64map path_rows;
	uint32_t *value_state = NULL, nvalues = vf_history_value_count(h), p, v;
	struct vf_history_iter *it = NULL;
	int64_t s, e, begin_ns = info->begin_ns, end_ns = info->end_ns;
	enum vf_status st = VF_OK;

	vf_u64map_init(&path_rows);
	if (end_ns <= begin_ns) {
		begin_ns = 0;
		end_ns = 1;
	}
	/* value id -> palette index */
	value_state = malloc(((size_t)nvalues + 1) * sizeof(*value_state));
	if (!value_state) {
		goto nomem;
	}
	for (v = 0; v < nvalues; v++) {
		const struct vf_palette_entry *entry = vf_palette_lookup(vf_history_value_name(h, v));

		value_state[v] = entry >= pal && entry < pal + pal_count
					 ? (uint32_t)(entry - pal)
					 : (uint32_t)pal_count;
	}
	for (p = 0; p < vf_history_path_count(h); p++) {
		long long pid, vcpu;

		if (!parse_status_path(vf_history_path_name(h, p), &pid, &vcpu)) {
			continue;
		}
		if (row_count == row_cap) {
			size_t cap = row_cap ? row_cap * 2 : 16;
			struct row *n = realloc(rows, cap * sizeof(*n));

			if (!n) {
				goto nomem;
			}
			rows = n;
			row_cap = cap;
		}
		memset(&rows[row_count], 0, sizeof(rows[row_count]));
		rows[row_count].path_id = p;
		rows[row_count].vm_pid = pid;
		rows[row_count].vcpu_id = vcpu;
		rows[row_count].time_per_state =
			calloc((size_t)TIMELINE_COLUMNS * state_count, sizeof(int64_t));
		if (!rows[row_count].time_per_state) {
			goto nomem;
		}
		row_count++;
	}
	qsort(rows, row_count, sizeof(*rows), cmp_rows);
	for (i = 0; i < row_count; i++) {
		if (!vf_u64map_put(&path_rows, rows[i].path_id, &rows[i])) {
			goto nomem;
		}
	}
	it = vf_history_iter_new(h, err);
	if (!it) {
		st = err->status;
		goto end;
	}
	while (vf_history_iter_next(it, &p, &s, &e, &v)) {
		struct row *row = vf_u64map_get(&path_rows, p);
		uint32_t state;
		double span = (double)(end_ns - begin_ns);
		size_t c0, c1, c;

		if (!row || e <= begin_ns || s >= end_ns) {
			continue;
		}
		state = value_state[v];
		if (state >= state_count) {
			continue;
		}
		row->totals[state] += e - s;
		s = s < begin_ns ? begin_ns : s;
		e = e > end_ns ? end_ns : e;
		c0 = (size_t)((double)(s - begin_ns) / span * TIMELINE_COLUMNS);
		c1 = (size_t)((double)(e - 1 - begin_ns) / span * TIMELINE_COLUMNS);
		if (c1 >= TIMELINE_COLUMNS) {
			c1 = TIMELINE_COLUMNS - 1;
		}
		for (c = c0; c <= c1; c++) {
			int64_t col_start = begin_ns + (int64_t)(span * (double)c / TIMELINE_COLUMNS);
			int64_t col_end = begin_ns + (int64_t)(span * (double)(c + 1) / TIMELINE_COLUMNS);
			int64_t a = s > col_start ? s : col_start, b = e < col_end ? e : col_end;

			if (b > a) {
				row->time_per_state[c * state_count + state] += b - a;
			}
		}
	}
	st = vf_history_iter_free(it, err);
	if (st != VF_OK) {
		goto end;
	}
	write_head(fp, info);
	write_legend(fp);
	write_timeline(fp, rows, row_count, pal_count, pal, begin_ns, end_ns);
	write_state_table(fp, rows, row_count, pal_count, pal);
	write_exit_table(fp, exits);
	fputs("<h2>Warnings</h2>\n<ul>\n", fp);
	for (i = 0; i < warning_count; i++) {
		fputs("<li>", fp);
		html_escape(fp, warnings[i]);
		fputs("</li>\n", fp);
	}
	if (warning_count == 0) {
		fputs("<li>none</li>\n", fp);
	}
	fputs("</ul>\n</body>\n</html>\n", fp);
	goto end;
nomem:
	VF_ERROR_SET(err, VF_ERR_NOMEM, NULL, "out of memory writing report.html");
	st = VF_ERR_NOMEM;
end:
	for (i = 0; i < row_count; i++) {
		free(rows[i].time_per_state);
	}
	free(rows);
	free(value_state);
	vf_u64map_fini(&path_rows);
	return st;
}
