/* SPDX-License-Identifier: MIT */
/*
 * report_html.c - writes report.html from the state history: one
 * self-contained page (inline CSS, script and SVG; no network) with
 *   - the trace's facts and the colour legend (exports/palette.h);
 *   - a zoomable timeline, one row per VMs/<pid>/.../Status path (vCPUs,
 *     then nested vCPUs, then guest processes, per VM), drawn by the script
 *     of report_assets.c from an embedded JSON block;
 *   - time per state (table + inline SVG bars), the wait summary, the exit
 *     table (exit_stats, as exits.tsv) and the warnings.
 *
 * Timeline data, bounded whatever the trace length: a pyramid of levels. Level
 * 0 cuts the trace into BASE_BUCKETS buckets, each next level into buckets
 * LEVEL_FACTOR times narrower, down to buckets of 1 ns (exact intervals). In
 * each bucket a row shows the state that held longest there (no value counts
 * as a state: "none"), run-length encoded. One sweep per row feeds every level
 * at once, in O(intervals + runs) per level. A first sweep only counts each
 * level's runs; the levels kept are level 0, the exact level if it fits in
 * RUN_BUDGET runs, then the others coarse to fine while they fit (the script
 * uses, per zoom, the coarsest kept level with a bucket no wider than a
 * pixel); a second sweep stores them. The first sweep stops feeding a level
 * as soon as it has more runs than the budget (the fine levels of a long
 * trace, which cost the most: one bucket per few ns). The page stays a few MB and memory
 * stays bounded whatever the trace length.
 *
 * JSON in <script type="application/json" id="vf-data">:
 *   {"begin": ns, "end": ns,
 *    "states": [{"n": value, "l": label, "c": "#rrggbb"}, ...],   index = state
 *    "rows": [{"vm": pid, "path": "VMs/..", "label": "vCPU 0"}, ...],
 *    "levels": [{"b": bucket_ns, "rows": [[d0, s0, d1, s1, ...], ...]}, ...]}
 * where d is the run's first bucket minus the previous run's (the first run:
 * from bucket 0) and s a state index, 255 = no value. Levels go coarse to fine.
 * The output holds no run time or date: the same history gives the same bytes.
 */
#include "exports/report_html.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/u64map.h"
#include "exports/palette.h"
#include "exports/report_assets.h"
#include "model/exit_reasons.h"

#define BASE_BUCKETS 1500
#define LEVEL_FACTOR 8
#define MAX_LEVELS 40
#define RUN_BUDGET 400000u
#define MAX_ROWS 400
#define MAX_STATES 64
#define STATE_NONE 255 /* index of "no value" in the runs (and acc slot MAX_STATES) */
#define SLOT_NONE MAX_STATES
#define BAR_WIDTH 240

struct state {
	const char *value; /* borrowed: palette or history */
	const char *label;
	uint8_t r, g, b;
};

struct row {
	uint32_t path_id;
	int64_t vm_pid;
	int kind;                        /* 0 vCPUs, 1 Nested, 2 Processes, 3 other */
	const char *path;
	char label[96];
	int64_t totals[MAX_STATES];      /* ns per state, clipped to the trace */
	uint64_t counts[MAX_STATES];     /* intervals per state */
	int64_t max_len[MAX_STATES];     /* longest interval per state */
	int64_t observed;
};

struct level {
	int64_t bucket;
	bool alive;       /* fed by the sweep */
	bool store;       /* keeps its runs (second pass) */
	int64_t *start;   /* owned: run start bucket */
	uint8_t *state;   /* owned */
	size_t count, cap;
	size_t *row_end;  /* owned: runs of row r end at row_end[r] */
	/* sweep of the current row */
	int64_t cur;
	int64_t acc[MAX_STATES + 1];
	uint8_t touched[MAX_STATES + 1];
	int touched_count;
	bool has_last;
	uint8_t last;
};

struct report {
	const struct vf_history *h;
	int64_t begin, end, span;
	struct state states[MAX_STATES];
	int64_t states_total[MAX_STATES]; /* ns per state over every row */
	size_t state_count;
	size_t palette_count;             /* states[0 .. palette_count) are the palette's */
	uint8_t *value_state;        /* owned: history value id -> state index */
	struct row *rows;            /* owned */
	size_t row_count, rows_total;
	struct level levels[MAX_LEVELS];
	size_t level_count;
	bool nomem;
};

/* ---- small writers ---- */

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

/* A JSON string safe inside <script>: '<', '>', '&' and controls as \u00XX. */
static void json_str(FILE *fp, const char *s)
{
	fputc('"', fp);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&') {
			fprintf(fp, "\\u%04x", c);
		} else {
			fputc(c, fp);
		}
	}
	fputc('"', fp);
}

static void fmt_ns(char *buf, size_t n, double ns)
{
	double a = fabs(ns);

	if (a >= 1e9) {
		snprintf(buf, n, "%.3f s", ns / 1e9);
	} else if (a >= 1e6) {
		snprintf(buf, n, "%.3f ms", ns / 1e6);
	} else if (a >= 1e3) {
		snprintf(buf, n, "%.3f µs", ns / 1e3);
	} else {
		snprintf(buf, n, "%.0f ns", ns);
	}
}

/* ---- rows ---- */

/* "VMs/<pid>/<tail>/Status" -> pid and tail; 0 if not such a path. */
static int parse_row_path(const char *p, int64_t *pid, const char **tail, size_t *tail_len)
{
	char *end;
	size_t len = strlen(p);

	if (strncmp(p, "VMs/", 4) != 0 || !isdigit((unsigned char)p[4]) || len < 12 ||
	    strcmp(p + len - 7, "/Status") != 0) {
		return 0;
	}
	errno = 0;
	*pid = strtoll(p + 4, &end, 10);
	if (errno || *end != '/' || end + 1 >= p + len - 7) {
		return 0;
	}
	*tail = end + 1;
	*tail_len = (size_t)(p + len - 7 - *tail);
	return 1;
}

static void make_label(struct row *r, const char *tail, size_t len)
{
	static const struct { const char *from, *to; } words[] = {
		{"vCPUs/", "vCPU "}, {"Processes/", "process "}, {"Nested/", "nested "}};
	size_t o = 0, i = 0, w;

	while (i < len && o + 16 < sizeof(r->label)) {
		for (w = 0; w < sizeof(words) / sizeof(words[0]); w++) {
			size_t fl = strlen(words[w].from);

			if (i + fl <= len && strncmp(tail + i, words[w].from, fl) == 0) {
				o += (size_t)snprintf(r->label + o, sizeof(r->label) - o, "%s", words[w].to);
				i += fl;
				break;
			}
		}
		if (w == sizeof(words) / sizeof(words[0])) {
			r->label[o++] = tail[i] == '/' ? ' ' : tail[i];
			i++;
		}
	}
	r->label[o] = '\0';
	r->kind = strncmp(tail, "vCPUs/", 6) == 0	  ? 0
		  : strncmp(tail, "Nested/", 7) == 0	  ? 1
		  : strncmp(tail, "Processes/", 10) == 0 ? 2
							  : 3;
}

/* Byte order, but runs of digits compare as numbers. */
static int natural_cmp(const char *a, const char *b)
{
	while (*a && *b) {
		if (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
			const char *x = a, *y = b;
			size_t lx, ly;

			while (*x == '0' && isdigit((unsigned char)x[1])) {
				x++;
			}
			while (*y == '0' && isdigit((unsigned char)y[1])) {
				y++;
			}
			for (lx = 0; isdigit((unsigned char)x[lx]); lx++) {
			}
			for (ly = 0; isdigit((unsigned char)y[ly]); ly++) {
			}
			if (lx != ly) {
				return lx < ly ? -1 : 1;
			}
			int c = strncmp(x, y, lx);
			if (c) {
				return c;
			}
			a = x + lx;
			b = y + ly;
			continue;
		}
		if (*a != *b) {
			return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
		}
		a++;
		b++;
	}
	return *a ? 1 : *b ? -1 : 0;
}

static int cmp_rows(const void *pa, const void *pb)
{
	const struct row *a = pa, *b = pb;

	if (a->vm_pid != b->vm_pid) {
		return a->vm_pid < b->vm_pid ? -1 : 1;
	}
	if (a->kind != b->kind) {
		return a->kind < b->kind ? -1 : 1;
	}
	return natural_cmp(a->path, b->path);
}

/* ---- states ---- */

static void init_states(struct report *R)
{
	size_t count, i;
	const struct vf_palette_entry *pal = vf_palette_entries(&count);
	uint32_t v, nv = vf_history_value_count(R->h);

	for (i = 0; i < count && i < MAX_STATES - 1; i++) {
		R->states[i].value = pal[i].value;
		R->states[i].label = pal[i].label;
		R->states[i].r = pal[i].r;
		R->states[i].g = pal[i].g;
		R->states[i].b = pal[i].b;
	}
	R->state_count = i;
	R->palette_count = i;
	for (v = 0; v < nv; v++) {
		const char *name = vf_history_value_name(R->h, v);
		const struct vf_palette_entry *pe = vf_palette_lookup(name);
		size_t s;

		for (s = 0; s < R->state_count; s++) {
			if (strcmp(R->states[s].value, name) == 0) {
				break;
			}
		}
		if (s == R->state_count && R->state_count < MAX_STATES) {
			/* a value outside the palette (e.g. guest_l4): its own name, palette colour */
			if (strncmp(name, "guest_l", 7) == 0) {
				pe = vf_palette_lookup("guest_l3");
			}
			R->states[s].value = name;
			R->states[s].label = name;
			R->states[s].r = pe->r;
			R->states[s].g = pe->g;
			R->states[s].b = pe->b;
			R->state_count++;
		} else if (s == R->state_count) {
			s = MAX_STATES - 1; /* too many distinct values: share the last slot */
		}
		R->value_state[v] = (uint8_t)s;
	}
}

/* ---- levels ---- */

static void emit(struct report *R, struct level *L, int64_t bucket, uint8_t st)
{
	if (!L->alive || (L->has_last && L->last == st)) {
		return;
	}
	L->has_last = true;
	L->last = st;
	if (!L->store) {
		/* counting pass: a level past the budget can never be kept, stop feeding it */
		if (++L->count > RUN_BUDGET && L != &R->levels[0]) {
			L->alive = false;
		}
		return;
	}
	if (L->count == L->cap) {
		size_t cap = L->cap ? L->cap * 2 : 1024;
		int64_t *ns = realloc(L->start, cap * sizeof(*ns));
		uint8_t *nst;

		if (!ns) {
			R->nomem = true;
			return;
		}
		L->start = ns;
		nst = realloc(L->state, cap * sizeof(*nst));
		if (!nst) {
			R->nomem = true;
			return;
		}
		L->state = nst;
		L->cap = cap;
	}
	L->start[L->count] = bucket;
	L->state[L->count] = st;
	L->count++;
}

/*
 * Keeps level 0, then the exact level (1 ns buckets) if it fits the budget
 * beside level 0, then the other levels coarse to fine while they fit.
 */
static void choose_levels(struct report *R)
{
	size_t k, last = R->level_count - 1, used = R->levels[0].count;

	for (k = 1; k < R->level_count; k++) {
		R->levels[k].alive = false;
	}
	if (last > 0 && R->levels[last].bucket == 1 && used + R->levels[last].count <= RUN_BUDGET) {
		R->levels[last].alive = true;
		used += R->levels[last].count;
	}
	for (k = 1; k < R->level_count; k++) {
		if (!R->levels[k].alive && used + R->levels[k].count <= RUN_BUDGET) {
			R->levels[k].alive = true;
			used += R->levels[k].count;
		} else if (!R->levels[k].alive) {
			break;
		}
	}
	for (k = 0; k < R->level_count; k++) {
		R->levels[k].count = 0;
		R->levels[k].store = R->levels[k].alive;
	}
}

static void finalize_bucket(struct report *R, struct level *L)
{
	int best = -1, i;
	int64_t best_t = -1;

	for (i = 0; i < L->touched_count; i++) {
		int s = L->touched[i];

		if (L->acc[s] > best_t || (L->acc[s] == best_t && s < best)) {
			best_t = L->acc[s];
			best = s;
		}
		L->acc[s] = 0;
	}
	L->touched_count = 0;
	if (best >= 0) {
		emit(R, L, L->cur, best == SLOT_NONE ? STATE_NONE : (uint8_t)best);
	}
	L->cur++;
}

static void add_time(struct level *L, int slot, int64_t t)
{
	if (L->acc[slot] == 0) {
		L->touched[L->touched_count++] = (uint8_t)slot;
	}
	L->acc[slot] += t;
}

/* Feeds [s, e) (offsets from begin) in state slot to level L. */
static void feed(struct report *R, struct level *L, int64_t s, int64_t e, int slot)
{
	uint8_t st = slot == SLOT_NONE ? STATE_NONE : (uint8_t)slot;

	while (s < e && L->alive) {
		int64_t be = (L->cur + 1) * L->bucket, k;

		if (e < be) {
			add_time(L, slot, e - s);
			return;
		}
		add_time(L, slot, be - s);
		finalize_bucket(R, L);
		s = be;
		k = (e - s) / L->bucket;
		if (k > 0) {
			emit(R, L, L->cur, st);
			L->cur += k;
			s += k * L->bucket;
		}
	}
}

static void feed_all(struct report *R, int64_t s, int64_t e, int slot)
{
	size_t k;

	for (k = 0; k < R->level_count; k++) {
		feed(R, &R->levels[k], s, e, slot);
	}
}

static enum vf_status sweep_row(struct report *R, size_t ri, struct vf_error *err)
{
	struct row *row = &R->rows[ri];
	struct vf_history_path_iter *it = vf_history_path_iter_new(R->h, row->path_id, err);
	int64_t s, e, pos = 0;
	uint32_t v;
	size_t k;

	if (!it) {
		return err ? err->status : VF_ERR_NOMEM;
	}
	for (k = 0; k < R->level_count; k++) {
		struct level *L = &R->levels[k];

		L->cur = 0;
		L->has_last = false;
		L->touched_count = 0;
	}
	while (vf_history_path_iter_next(it, &s, &e, &v)) {
		int slot = R->value_state[v];

		s = (s < R->begin ? R->begin : s) - R->begin;
		e = (e > R->end ? R->end : e) - R->begin;
		if (e <= s || s < pos) {
			continue;
		}
		if (s > pos) {
			feed_all(R, pos, s, SLOT_NONE);
		}
		feed_all(R, s, e, slot);
		pos = e;
		row->totals[slot] += e - s;
		row->counts[slot]++;
		if (e - s > row->max_len[slot]) {
			row->max_len[slot] = e - s;
		}
		row->observed += e - s;
		R->states_total[slot] += e - s;
	}
	if (pos < R->span) {
		feed_all(R, pos, R->span, SLOT_NONE);
	}
	for (k = 0; k < R->level_count; k++) {
		struct level *L = &R->levels[k];

		if (L->touched_count) {
			finalize_bucket(R, L);
		}
		if (L->alive) {
			L->row_end[ri] = L->count;
		}
	}
	return vf_history_path_iter_free(it, err);
}

static enum vf_status build(struct report *R, struct vf_error *err)
{
	uint32_t p, n = vf_history_path_count(R->h);
	int64_t b;
	size_t i;
	enum vf_status st;

	R->value_state = calloc((size_t)vf_history_value_count(R->h) + 1, 1);
	R->rows = calloc((size_t)n + 1, sizeof(*R->rows));
	if (!R->value_state || !R->rows) {
		goto nomem;
	}
	init_states(R);
	for (p = 0; p < n; p++) {
		const char *path = vf_history_path_name(R->h, p), *tail;
		size_t tail_len;
		int64_t pid;

		if (parse_row_path(path, &pid, &tail, &tail_len)) {
			struct row *r = &R->rows[R->row_count++];

			r->path_id = p;
			r->path = path;
			r->vm_pid = pid;
			make_label(r, tail, tail_len);
		}
	}
	qsort(R->rows, R->row_count, sizeof(*R->rows), cmp_rows);
	R->rows_total = R->row_count;
	if (R->row_count > MAX_ROWS) {
		R->row_count = MAX_ROWS;
	}
	/* levels: BASE_BUCKETS buckets, then LEVEL_FACTOR times finer, down to 1 ns */
	b = (R->span + BASE_BUCKETS - 1) / BASE_BUCKETS;
	for (;;) {
		struct level *L = &R->levels[R->level_count++];

		L->bucket = b < 1 ? 1 : b;
		L->alive = true;
		L->row_end = calloc(R->row_count + 1, sizeof(*L->row_end));
		if (!L->row_end) {
			goto nomem;
		}
		if (L->bucket == 1 || R->level_count == MAX_LEVELS) {
			break;
		}
		b = (L->bucket + LEVEL_FACTOR - 1) / LEVEL_FACTOR;
	}
	/* pass 1 counts each level's runs, pass 2 keeps the chosen levels' runs */
	for (int pass = 0; pass < 2; pass++) {
		if (pass == 1) {
			choose_levels(R);
			memset(R->states_total, 0, sizeof(R->states_total));
		}
		for (i = 0; i < R->row_count; i++) {
			memset(R->rows[i].totals, 0, sizeof(R->rows[i].totals));
			memset(R->rows[i].counts, 0, sizeof(R->rows[i].counts));
			memset(R->rows[i].max_len, 0, sizeof(R->rows[i].max_len));
			R->rows[i].observed = 0;
			st = sweep_row(R, i, err);
			if (st != VF_OK) {
				return st;
			}
			if (R->nomem) {
				goto nomem;
			}
		}
	}
	return VF_OK;
nomem:
	VF_ERROR_SET(err, VF_ERR_NOMEM, NULL, "out of memory writing report.html");
	return VF_ERR_NOMEM;
}

static void report_fini(struct report *R)
{
	size_t k;

	for (k = 0; k < R->level_count; k++) {
		free(R->levels[k].start);
		free(R->levels[k].state);
		free(R->levels[k].row_end);
	}
	free(R->rows);
	free(R->value_state);
}

/* ---- page ---- */

static void write_head(FILE *fp, const struct report *R, const struct vf_trace_info *info)
{
	char dur[48];
	size_t i, vms = 0, vcpus = 0;

	for (i = 0; i < R->row_count; i++) {
		vms += i == 0 || R->rows[i].vm_pid != R->rows[i - 1].vm_pid;
		vcpus += R->rows[i].kind == 0;
	}
	fmt_ns(dur, sizeof(dur), (double)(R->end - R->begin));
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	      "<title>vmflow report</title>\n<style>\n",
	      fp);
	fputs(vf_report_css, fp);
	fputs("</style>\n</head>\n<body>\n<h1>vmflow report</h1>\n<p class=\"facts\">Trace: <code>",
	      fp);
	html_escape(fp, info && info->path[0] ? info->path : "(in memory)");
	fputs("</code><br>Host: ", fp);
	html_escape(fp, info && info->hostname[0] ? info->hostname : "(unknown)");
	fprintf(fp, "<br>Duration: %s (%" PRId64 " to %" PRId64 " ns from the clock origin)", dur,
		R->begin, R->end);
	if (info) {
		fprintf(fp,
			"<br>Events: %" PRIu64 " (%" PRIu64 " KVM), %u CPUs, %" PRIu64
			" discarded events",
			info->event_count, info->kvm_event_count, info->cpu_count,
			info->discarded_count);
	}
	fprintf(fp, "<br>VMs: %zu, vCPUs: %zu<br><span class=\"muted\">vmflow %s</span></p>\n", vms,
		vcpus, VMFLOW_VERSION);
}

static void write_legend(FILE *fp, const struct report *R)
{
	size_t i;

	fputs("<p class=\"legend\">", fp);
	for (i = 0; i < R->state_count; i++) {
		/* the vCPU states always; guest process states and other values when present */
		if (R->states_total[i] == 0 &&
		    (i >= R->palette_count || strcmp(R->states[i].value, "running") == 0 ||
		     strcmp(R->states[i].value, "preempted_guest") == 0)) {
			continue;
		}
		fprintf(fp,
			"<span class=\"li\"><span class=\"sw\" style=\"background:#%02x%02x%02x\">"
			"</span>",
			R->states[i].r, R->states[i].g, R->states[i].b);
		html_escape(fp, R->states[i].label);
		fputs("</span> ", fp);
	}
	fputs("</p>\n", fp);
}

static void write_timeline(FILE *fp, const struct report *R)
{
	size_t i, k, r;

	fputs("<h2>Timeline</h2>\n"
	      "<div class=\"tools\"><button id=\"vf-reset\" type=\"button\">Reset zoom</button>"
	      "<button id=\"vf-in\" type=\"button\">Zoom in</button>"
	      "<button id=\"vf-out\" type=\"button\">Zoom out</button>"
	      "<button id=\"vf-left\" type=\"button\">&larr;</button>"
	      "<button id=\"vf-right\" type=\"button\">&rarr;</button>"
	      "<span id=\"vf-view\"></span></div>\n"
	      "<p class=\"muted\">Mouse wheel: zoom at the pointer; shift + wheel: pan; drag: zoom "
	      "into the selected range; keys + - 0 and arrows.</p>\n"
	      "<div id=\"vf-timeline\"><canvas id=\"vf-canvas\" width=\"1000\" height=\"100\">"
	      "</canvas></div>\n",
	      fp);
	if (R->rows_total > R->row_count) {
		fprintf(fp, "<p>%zu more rows are not drawn; see states.tsv.</p>\n",
			R->rows_total - R->row_count);
	}
	fputs("<noscript><p>The timeline needs JavaScript; the tables below do not.</p></noscript>\n",
	      fp);
	fprintf(fp, "<script type=\"application/json\" id=\"vf-data\">\n{\"begin\": %" PRId64
		    ", \"end\": %" PRId64 ",\n\"states\": [",
		R->begin, R->end);
	for (i = 0; i < R->state_count; i++) {
		fputs(i ? ",\n {\"n\": " : "\n {\"n\": ", fp);
		json_str(fp, R->states[i].value);
		fputs(", \"l\": ", fp);
		json_str(fp, R->states[i].label);
		fprintf(fp, ", \"c\": \"#%02x%02x%02x\"}", R->states[i].r, R->states[i].g,
			R->states[i].b);
	}
	fputs("],\n\"rows\": [", fp);
	for (r = 0; r < R->row_count; r++) {
		fprintf(fp, "%s\n {\"vm\": %" PRId64 ", \"path\": ", r ? "," : "", R->rows[r].vm_pid);
		json_str(fp, R->rows[r].path);
		fputs(", \"label\": ", fp);
		json_str(fp, R->rows[r].label);
		fputc('}', fp);
	}
	fputs("],\n\"levels\": [", fp);
	for (k = 0, i = 0; k < R->level_count; k++) {
		const struct level *L = &R->levels[k];
		size_t from = 0;

		if (!L->alive) {
			continue;
		}
		fprintf(fp, "%s\n {\"b\": %" PRId64 ", \"rows\": [", i++ ? "," : "", L->bucket);
		for (r = 0; r < R->row_count; r++) {
			int64_t prev = 0;
			size_t j;

			fputs(r ? ",\n  [" : "\n  [", fp);
			for (j = from; j < L->row_end[r]; j++) {
				fprintf(fp, "%s%" PRId64 ",%u", j > from ? "," : "", L->start[j] - prev,
					L->state[j]);
				prev = L->start[j];
			}
			fputc(']', fp);
			from = L->row_end[r];
		}
		fputs("]}", fp);
	}
	fputs("]}\n</script>\n", fp);
}

static void write_state_table(FILE *fp, const struct report *R)
{
	size_t r, s;
	char buf[48];

	fputs("<h2>Time per state</h2>\n<table><tr><th class=\"l\">VM</th><th class=\"l\">row</th>"
	      "<th>observed</th><th class=\"l\">share</th>",
	      fp);
	for (s = 0; s < R->state_count; s++) {
		if (R->states_total[s]) {
			fputs("<th>", fp);
			html_escape(fp, R->states[s].value);
			fputs("</th>", fp);
		}
	}
	fputs("</tr>\n", fp);
	for (r = 0; r < R->row_count; r++) {
		const struct row *row = &R->rows[r];
		double x = 0;

		fmt_ns(buf, sizeof(buf), (double)row->observed);
		fprintf(fp, "<tr><td class=\"l\">%" PRId64 "</td><td class=\"l\">", row->vm_pid);
		html_escape(fp, row->label);
		fprintf(fp,
			"</td><td>%s</td><td class=\"l\"><svg class=\"bar\" width=\"%d\" "
			"height=\"12\" viewBox=\"0 0 %d 12\">",
			buf, BAR_WIDTH, BAR_WIDTH);
		for (s = 0; s < R->state_count && row->observed > 0; s++) {
			double w = (double)BAR_WIDTH * (double)row->totals[s] / (double)row->observed;

			if (w > 0) {
				fprintf(fp,
					"<rect x=\"%.2f\" y=\"0\" width=\"%.2f\" height=\"12\" "
					"fill=\"#%02x%02x%02x\"><title>",
					x, w, R->states[s].r, R->states[s].g, R->states[s].b);
				html_escape(fp, R->states[s].label);
				fputs("</title></rect>", fp);
				x += w;
			}
		}
		fputs("</svg></td>", fp);
		for (s = 0; s < R->state_count; s++) {
			if (R->states_total[s]) {
				fprintf(fp, "<td>%.2f%%</td>",
					row->observed ? 100.0 * (double)row->totals[s] / (double)row->observed
						      : 0.0);
			}
		}
		fputs("</tr>\n", fp);
	}
	fputs("</table>\n", fp);
}

static void write_wait_table(FILE *fp, const struct report *R)
{
	size_t r, s;
	int any = 0;
	char tot[48], mean[48], mx[48];

	fputs("<h2>Waits</h2>\n<p class=\"muted\">Off-CPU time of the vCPU threads, by what woke "
	      "them up (docs/states.md).</p>\n<table><tr><th class=\"l\">VM</th><th "
	      "class=\"l\">vCPU</th><th class=\"l\">waiting for</th><th>count</th><th>total</th>"
	      "<th>share of its time</th><th>mean</th><th>longest</th></tr>\n",
	      fp);
	for (r = 0; r < R->row_count; r++) {
		const struct row *row = &R->rows[r];

		if (row->kind != 0) {
			continue;
		}
		for (s = 0; s < R->state_count; s++) {
			if (strncmp(R->states[s].value, "wait_", 5) != 0 || row->counts[s] == 0) {
				continue;
			}
			any = 1;
			fmt_ns(tot, sizeof(tot), (double)row->totals[s]);
			fmt_ns(mean, sizeof(mean), (double)row->totals[s] / (double)row->counts[s]);
			fmt_ns(mx, sizeof(mx), (double)row->max_len[s]);
			fprintf(fp, "<tr><td class=\"l\">%" PRId64 "</td><td class=\"l\">", row->vm_pid);
			html_escape(fp, row->label);
			fputs("</td><td class=\"l\">", fp);
			html_escape(fp, R->states[s].label);
			fprintf(fp,
				"</td><td>%" PRIu64 "</td><td>%s</td><td>%.2f%%</td><td>%s</td>"
				"<td>%s</td></tr>\n",
				row->counts[s], tot,
				row->observed ? 100.0 * (double)row->totals[s] / (double)row->observed : 0.0,
				mean, mx);
		}
	}
	if (!any) {
		fputs("<tr><td class=\"l\" colspan=\"8\">no waits</td></tr>\n", fp);
	}
	fputs("</table>\n", fp);
}

static int cmp_exit_rows(const void *pa, const void *pb)
{
	const struct vf_exit_stat_row *a = *(const struct vf_exit_stat_row *const *)pa;
	const struct vf_exit_stat_row *b = *(const struct vf_exit_stat_row *const *)pb;

	if (a->vm_pid != b->vm_pid) {
		return a->vm_pid < b->vm_pid ? -1 : 1;
	}
	if (a->vcpu_id != b->vcpu_id) {
		return a->vcpu_id < b->vcpu_id ? -1 : 1;
	}
	if (a->count != b->count) {
		return a->count > b->count ? -1 : 1;
	}
	if (a->isa != b->isa) {
		return a->isa < b->isa ? -1 : 1;
	}
	return a->reason < b->reason ? -1 : (a->reason > b->reason);
}

static enum vf_status write_exit_table(FILE *fp, const struct vf_exit_stats *exits,
				       struct vf_error *err)
{
	const struct vf_exit_stat_row **rows;
	size_t i, n = 0, j;
	char buf[32];

	fputs("<h2>Exits</h2>\n<p class=\"muted\">Completed exits, from kvm_x86_exit to the next "
	      "kvm_x86_entry (as <code>perf kvm stat</code>; the same rows as exits.tsv).</p>\n"
	      "<table><tr><th>VM</th><th>vCPU</th><th class=\"l\">reason</th><th>count</th>"
	      "<th>% of the vCPU's</th><th>total (µs)</th><th>mean (µs)</th><th>min (µs)</th>"
	      "<th>max (µs)</th><th>stddev (µs)</th></tr>\n",
	      fp);
	rows = calloc((exits ? exits->row_count : 0) + 1, sizeof(*rows));
	if (!rows) {
		VF_ERROR_SET(err, VF_ERR_NOMEM, NULL, "out of memory writing report.html");
		return VF_ERR_NOMEM;
	}
	for (i = 0; exits && i < exits->row_count; i++) {
		if (exits->rows[i].vcpu_id != UINT32_MAX) { /* per-process rows have no vCPU */
			rows[n++] = &exits->rows[i];
		}
	}
	qsort(rows, n, sizeof(*rows), cmp_exit_rows);
	for (i = 0; i < n; i = j) {
		uint64_t total = 0;

		for (j = i; j < n && rows[j]->vm_pid == rows[i]->vm_pid &&
			    rows[j]->vcpu_id == rows[i]->vcpu_id;
		     j++) {
			total += rows[j]->count;
		}
		for (size_t k = i; k < j; k++) {
			const struct vf_exit_stat_row *row = rows[k];

			fprintf(fp,
				"<tr><td>%d</td><td>%u</td><td class=\"l\">%s</td><td>%" PRIu64
				"</td><td>%.2f</td><td>%.3f</td><td>%.3f</td><td>%.3f</td><td>%.3f</td>"
				"<td>%.3f</td></tr>\n",
				row->vm_pid, row->vcpu_id,
				vf_exit_reason_name(row->isa, row->reason, buf, sizeof(buf)), row->count,
				total ? 100.0 * (double)row->count / (double)total : 0.0,
				(double)row->total_ns / 1e3, vf_exit_stat_mean_ns(row) / 1e3,
				(double)row->min_ns / 1e3, (double)row->max_ns / 1e3,
				vf_exit_stat_stddev_ns(row) / 1e3);
		}
	}
	if (n == 0) {
		fputs("<tr><td class=\"l\" colspan=\"10\">no completed exits</td></tr>\n", fp);
	}
	fputs("</table>\n", fp);
	free(rows);
	return VF_OK;
}

enum vf_status vf_report_html_write(FILE *fp, struct vf_history *h,
				    const struct vf_trace_info *info,
				    const struct vf_exit_stats *exits, const char *const *warnings,
				    size_t warning_count, struct vf_error *err)
{
	struct report *R = calloc(1, sizeof(*R));
	enum vf_status st;
	size_t i;

	if (!R) {
		VF_ERROR_SET(err, VF_ERR_NOMEM, NULL, "out of memory writing report.html");
		return VF_ERR_NOMEM;
	}
	R->h = h;
	R->begin = info ? info->begin_ns : INT64_MAX;
	R->end = info ? info->end_ns : INT64_MIN;
	if (R->end <= R->begin) {
		R->begin = 0;
		R->end = 1;
	}
	R->span = R->end - R->begin;
	st = build(R, err);
	if (st != VF_OK) {
		report_fini(R);
		free(R);
		return st;
	}
	write_head(fp, R, info);
	write_legend(fp, R);
	write_timeline(fp, R);
	write_state_table(fp, R);
	write_wait_table(fp, R);
	st = write_exit_table(fp, exits, err);
	if (st == VF_OK) {
		fputs("<h2>Warnings</h2>\n<ul class=\"warn\">\n", fp);
		for (i = 0; i < warning_count; i++) {
			fputs("<li>", fp);
			html_escape(fp, warnings[i]);
			fputs("</li>\n", fp);
		}
		if (warning_count == 0) {
			fputs("<li class=\"muted\">none</li>\n", fp);
		}
		fputs("</ul>\n<div id=\"vf-tip\"></div>\n<script>\n", fp);
		fputs(vf_report_script, fp);
		fputs("</script>\n</body>\n</html>\n", fp);
	}
	report_fini(R);
	free(R);
	if (st == VF_OK && (fflush(fp) != 0 || ferror(fp))) {
		VF_ERROR_SET(err, VF_ERR_IO, NULL, "cannot write report.html: %s", strerror(errno));
		st = VF_ERR_IO;
	}
	return st;
}
