/* SPDX-License-Identifier: MIT */
/*
 * compare.c - streaming comparison of two states.tsv files (see compare.h).
 *
 * Both files are sorted by path then start (the reader checks it), so one
 * pass merges them: take the smaller current path of the two files, then
 * sweep that path's truth intervals against its result intervals with one
 * cursor each. Each truth interval [as, ae) is cut where result intervals
 * begin and end; every piece adds its length to the confusion cell
 * (truth value, result value or "(none)") and, when the values match, to the
 * agreed time. Only the current row of each file is held.
 *
 * JSON layout (`vmflow compare --json FILE`), keys in this order:
 * {
 *   "truth": "t.tsv", "result": "r.tsv", "path_prefix": null,
 *   "truth_ns": 4000, "agreed_ns": 3000, "agreement_percent": 75.000,
 *   "result_only_ns": 0, "extra_path_count": 1, "extra_ns": 500,
 *   "values": [{"value": "guest", "truth_ns": 3000, "agreed_ns": 3000, "agreement_percent":
 * 100.000}], "confusion": [{"truth": "guest", "result": "(none)", "ns": 1000, "percent": 25.000}],
 *   "paths": [{"path": "...", "truth_ns": 4000, "agreed_ns": 3000, "result_ns": 3000,
 * "agreement_percent": 75.000}], "extra_paths": [{"path": "...", "result_ns": 500}]
 * }
 * Percentages are null when their denominator is 0; "percent" in "confusion"
 * is the cell's share of its truth value's time. Lists are sorted as in the
 * text report (values and cells by name, paths by path).
 */
#include "compare/compare.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "exports/json_write.h"
#include "exports/states_tsv.h"

/* One input file and its current row. */
struct side {
	struct vf_states_tsv_reader *reader; /* owned */
	struct vf_states_tsv_row row;        /* borrowed from reader until advance() */
	int eof;
	uint32_t value_id; /* interned row.value, VF_STRTAB_NONE until asked */
};

static enum vf_status advance(struct side *s, struct vf_error *err)
{
	s->value_id = VF_STRTAB_NONE;
	if (s->eof) {
		return VF_OK;
	}
	return vf_states_tsv_reader_next(s->reader, &s->row, &s->eof, err);
}

static int on_path(const struct side *s, const char *path)
{
	return !s->eof && strcmp(s->row.path, path) == 0;
}

static uint64_t duration(int64_t start_ns, int64_t end_ns)
{
	return (uint64_t)end_ns - (uint64_t)start_ns; /* start < end: no wrap, no signed overflow */
}

static enum vf_status nomem(struct vf_error *err)
{
	VF_ERROR_SET(err, VF_ERR_NOMEM, NULL, "out of memory comparing states");
	return VF_ERR_NOMEM;
}

static enum vf_status value_id(struct vf_compare_result *r, struct side *s, uint32_t *id,
                               struct vf_error *err)
{
	if (s->value_id == VF_STRTAB_NONE) {
		uint32_t v = vf_strtab_intern(&r->values, s->row.value);

		if (v == VF_STRTAB_NONE) {
			return nomem(err);
		}
		if (v >= r->value_cap) {
			size_t cap = r->value_cap ? r->value_cap * 2 : 64;
			uint64_t *t, *a;

			while (cap <= v) {
				cap *= 2;
			}
			t = realloc(r->value_truth_ns, cap * sizeof(*t));
			if (!t) {
				return nomem(err);
			}
			r->value_truth_ns = t;
			a = realloc(r->value_agreed_ns, cap * sizeof(*a));
			if (!a) {
				return nomem(err);
			}
			r->value_agreed_ns = a;
			memset(t + r->value_cap, 0, (cap - r->value_cap) * sizeof(*t));
			memset(a + r->value_cap, 0, (cap - r->value_cap) * sizeof(*a));
			r->value_cap = cap;
		}
		s->value_id = v;
	}
	*id = s->value_id;
	return VF_OK;
}

static enum vf_status add_cell(struct vf_compare_result *r, uint32_t tv, uint32_t rv, uint64_t ns,
                               struct vf_error *err)
{
	uint64_t key = vf_u64map_key2(tv, rv);
	uintptr_t idx = (uintptr_t)vf_u64map_get(&r->cell_index, key);

	if (idx == 0) {
		if (r->cell_count == r->cell_cap) {
			size_t cap = r->cell_cap ? r->cell_cap * 2 : 64;
			struct vf_compare_cell *c = realloc(r->cells, cap * sizeof(*c));

			if (!c) {
				return nomem(err);
			}
			r->cells = c;
			r->cell_cap = cap;
		}
		r->cells[r->cell_count].truth_value = tv;
		r->cells[r->cell_count].result_value = rv;
		r->cells[r->cell_count].ns = 0;
		idx = ++r->cell_count;
		if (!vf_u64map_put(&r->cell_index, key, (void *)idx)) {
			return nomem(err);
		}
	}
	r->cells[idx - 1].ns += ns;
	r->value_truth_ns[tv] += ns;
	r->truth_ns += ns;
	if (tv == rv) {
		r->value_agreed_ns[tv] += ns;
		r->agreed_ns += ns;
	}
	return VF_OK;
}

static struct vf_compare_path *add_path(struct vf_compare_result *r, const char *path)
{
	struct vf_compare_path *p;

	if (r->path_count == r->path_cap) {
		size_t cap = r->path_cap ? r->path_cap * 2 : 64;
		struct vf_compare_path *n = realloc(r->paths, cap * sizeof(*n));

		if (!n) {
			return NULL;
		}
		r->paths = n;
		r->path_cap = cap;
	}
	p = &r->paths[r->path_count];
	memset(p, 0, sizeof(*p));
	p->path = strdup(path);
	if (!p->path) {
		return NULL;
	}
	r->path_count++;
	return p;
}

/* Consumes the current result row, counting its time on the path. */
static enum vf_status consume_result(struct side *res, struct vf_compare_path *p,
                                     struct vf_error *err)
{
	p->result_ns += duration(res->row.start_ns, res->row.end_ns);
	return advance(res, err);
}

/* Sweeps one path present in the truth (see the file comment). */
static enum vf_status compare_path(struct vf_compare_result *r, struct side *tru, struct side *res,
                                   const char *path, struct vf_compare_path *p,
                                   struct vf_error *err)
{
	uint64_t overlap_ns = 0;
	uint64_t truth_before = r->truth_ns, agreed_before = r->agreed_ns;
	enum vf_status st;

	while (on_path(tru, path)) {
		int64_t pos = tru->row.start_ns, end = tru->row.end_ns;
		uint32_t tv;

		if ((st = value_id(r, tru, &tv, err)) != VF_OK) {
			return st;
		}
		while (pos < end) {
			while (on_path(res, path) && res->row.end_ns <= pos) {
				if ((st = consume_result(res, p, err)) != VF_OK) {
					return st;
				}
			}
			if (on_path(res, path) && res->row.start_ns < end) {
				int64_t seg_end;
				uint32_t rv;

				if (res->row.start_ns > pos) {
					if ((st = add_cell(r, tv, VF_COMPARE_NONE,
					                   duration(pos, res->row.start_ns),
					                   err)) != VF_OK) {
						return st;
					}
					pos = res->row.start_ns;
				}
				seg_end = res->row.end_ns < end ? res->row.end_ns : end;
				if ((st = value_id(r, res, &rv, err)) != VF_OK ||
				    (st = add_cell(r, tv, rv, duration(pos, seg_end), err)) !=
				        VF_OK) {
					return st;
				}
				overlap_ns += duration(pos, seg_end);
				pos = seg_end;
				if (res->row.end_ns <= pos &&
				    (st = consume_result(res, p, err)) != VF_OK) {
					return st;
				}
			} else {
				if ((st = add_cell(r, tv, VF_COMPARE_NONE, duration(pos, end),
				                   err)) != VF_OK) {
					return st;
				}
				pos = end;
			}
		}
		if ((st = advance(tru, err)) != VF_OK) {
			return st;
		}
	}
	while (on_path(res, path)) {
		if ((st = consume_result(res, p, err)) != VF_OK) {
			return st;
		}
	}
	p->truth_ns = r->truth_ns - truth_before;
	p->agreed_ns = r->agreed_ns - agreed_before;
	r->result_only_ns += p->result_ns - overlap_ns;
	r->truth_path_count++;
	return VF_OK;
}

void vf_compare_result_free(struct vf_compare_result *r)
{
	size_t i;

	if (!r) {
		return;
	}
	free(r->truth_file);
	free(r->result_file);
	free(r->path_prefix);
	vf_strtab_fini(&r->values);
	free(r->value_truth_ns);
	free(r->value_agreed_ns);
	free(r->cells);
	vf_u64map_fini(&r->cell_index);
	for (i = 0; i < r->path_count; i++) {
		free(r->paths[i].path);
	}
	free(r->paths);
	free(r);
}

enum vf_status vf_compare_files(const char *truth_file, const char *result_file,
                                const struct vf_compare_options *opts,
                                struct vf_compare_result **out, struct vf_error *err)
{
	struct vf_compare_result *r = calloc(1, sizeof(*r));
	struct side tru = {0}, res = {0};
	const char *prefix =
	    opts && opts->path_prefix && *opts->path_prefix ? opts->path_prefix : NULL;
	size_t prefix_len = prefix ? strlen(prefix) : 0;
	char *path = NULL;
	size_t path_cap = 0;
	enum vf_status st = VF_OK;

	*out = NULL;
	if (!r) {
		return nomem(err);
	}
	vf_strtab_init(&r->values);
	vf_u64map_init(&r->cell_index);
	r->truth_file = strdup(truth_file);
	r->result_file = strdup(result_file);
	r->path_prefix = prefix ? strdup(prefix) : NULL;
	if (!r->truth_file || !r->result_file || (prefix && !r->path_prefix)) {
		st = nomem(err);
		goto done;
	}
	tru.reader = vf_states_tsv_reader_open(truth_file, err);
	if (!tru.reader) {
		st = err->status;
		goto done;
	}
	res.reader = vf_states_tsv_reader_open(result_file, err);
	if (!res.reader) {
		st = err->status;
		goto done;
	}
	if ((st = advance(&tru, err)) != VF_OK || (st = advance(&res, err)) != VF_OK) {
		goto done;
	}
	while (!tru.eof || !res.eof) {
		const char *next;
		size_t len;
		int in_truth;
		struct vf_compare_path *p;

		if (tru.eof) {
			next = res.row.path;
		} else if (res.eof) {
			next = tru.row.path;
		} else {
			next =
			    strcmp(tru.row.path, res.row.path) <= 0 ? tru.row.path : res.row.path;
		}
		/* copy: the rows' buffers change as the readers advance */
		len = strlen(next) + 1;
		if (len > path_cap) {
			char *np = realloc(path, len);

			if (!np) {
				st = nomem(err);
				goto done;
			}
			path = np;
			path_cap = len;
		}
		memcpy(path, next, len);
		in_truth = on_path(&tru, path);
		if (prefix && strncmp(path, prefix, prefix_len) != 0) {
			while (on_path(&tru, path)) {
				if ((st = advance(&tru, err)) != VF_OK) {
					goto done;
				}
			}
			while (on_path(&res, path)) {
				if ((st = advance(&res, err)) != VF_OK) {
					goto done;
				}
			}
			continue;
		}
		p = add_path(r, path);
		if (!p) {
			st = nomem(err);
			goto done;
		}
		if (in_truth) {
			st = compare_path(r, &tru, &res, path, p, err);
		} else {
			p->extra = true;
			while (st == VF_OK && on_path(&res, path)) {
				st = consume_result(&res, p, err);
			}
			r->extra_ns += p->result_ns;
			r->extra_path_count++;
		}
		if (st != VF_OK) {
			goto done;
		}
	}
done:
	free(path);
	vf_states_tsv_reader_close(tru.reader);
	vf_states_tsv_reader_close(res.reader);
	if (st != VF_OK) {
		vf_compare_result_free(r);
		return st;
	}
	*out = r;
	return VF_OK;
}

bool vf_compare_percent(uint64_t part, uint64_t whole, double *percent)
{
	if (whole == 0) {
		return false;
	}
	*percent = (double)((long double)part * 100.0L / (long double)whole);
	return true;
}

const char *vf_compare_value_name(const struct vf_compare_result *r, uint32_t value_id)
{
	const char *name;

	if (value_id == VF_COMPARE_NONE) {
		return VF_COMPARE_NONE_NAME;
	}
	name = vf_strtab_get(&r->values, value_id);
	return name ? name : "?";
}

/* ---- report ---- */

static void format_percent(char *buf, size_t size, uint64_t part, uint64_t whole)
{
	double pct;

	if (vf_compare_percent(part, whole, &pct)) {
		snprintf(buf, size, "%.3f%%", pct);
	} else {
		snprintf(buf, size, "n/a");
	}
}

/* A small text table: the first `left` columns are left-aligned, the rest right-aligned. */
#define TABLE_MAX_COLS 5
struct table {
	size_t col_count;
	size_t left;
	size_t widths[TABLE_MAX_COLS];
	char **cells; /* owned: row-major */
	size_t row_count;
	size_t row_cap;
	bool failed;
};

static void table_add(struct table *t, const char *const *cols)
{
	size_t i;

	if (t->failed) {
		return;
	}
	if (t->row_count == t->row_cap) {
		size_t cap = t->row_cap ? t->row_cap * 2 : 16;
		char **n = realloc(t->cells, cap * t->col_count * sizeof(*n));

		if (!n) {
			t->failed = true;
			return;
		}
		t->cells = n;
		t->row_cap = cap;
	}
	for (i = 0; i < t->col_count; i++) {
		size_t len = strlen(cols[i]);

		t->cells[t->row_count * t->col_count + i] = strdup(cols[i]);
		if (!t->cells[t->row_count * t->col_count + i]) {
			t->failed = true;
		}
		if (len > t->widths[i]) {
			t->widths[i] = len;
		}
	}
	t->row_count++;
}

static void table_print_free(FILE *fp, struct table *t)
{
	size_t r, c;

	for (r = 0; r < t->row_count; r++) {
		fputs("  ", fp);
		for (c = 0; c < t->col_count; c++) {
			const char *cell = t->cells[r * t->col_count + c];

			if (!cell) {
				cell = "?";
			}
			if (c + 1 == t->col_count && c < t->left) {
				fputs(cell, fp); /* no trailing blanks */
			} else if (c < t->left) {
				fprintf(fp, "%-*s", (int)t->widths[c], cell);
			} else {
				fprintf(fp, "%*s", (int)t->widths[c], cell);
			}
			fputs(c + 1 < t->col_count ? "  " : "\n", fp);
		}
	}
	for (r = 0; r < t->row_count * t->col_count; r++) {
		free(t->cells[r]);
	}
	free(t->cells);
}

static const struct vf_compare_result *sort_ctx; /* qsort has no context argument in C11 */

static int cmp_value_ids(const void *a, const void *b)
{
	return strcmp(vf_compare_value_name(sort_ctx, *(const uint32_t *)a),
	              vf_compare_value_name(sort_ctx, *(const uint32_t *)b));
}

static int cmp_cells(const void *a, const void *b)
{
	const struct vf_compare_cell *x = a, *y = b;
	int c = strcmp(vf_compare_value_name(sort_ctx, x->truth_value),
	               vf_compare_value_name(sort_ctx, y->truth_value));

	if (c) {
		return c;
	}
	if (x->ns != y->ns) {
		return x->ns > y->ns ? -1 : 1;
	}
	return strcmp(vf_compare_value_name(sort_ctx, x->result_value),
	              vf_compare_value_name(sort_ctx, y->result_value));
}

/* Worst first: lowest agreement, then most disagreeing time, then path name. */
static int cmp_worst(const void *a, const void *b)
{
	const struct vf_compare_path *x = *(const struct vf_compare_path *const *)a;
	const struct vf_compare_path *y = *(const struct vf_compare_path *const *)b;
	unsigned __int128 lx = (unsigned __int128)x->agreed_ns * y->truth_ns;
	unsigned __int128 ly = (unsigned __int128)y->agreed_ns * x->truth_ns;
	uint64_t dx = x->truth_ns - x->agreed_ns, dy = y->truth_ns - y->agreed_ns;

	if (lx != ly) {
		return lx < ly ? -1 : 1;
	}
	if (dx != dy) {
		return dx > dy ? -1 : 1;
	}
	return strcmp(x->path, y->path);
}

/* Truth value ids sorted by name (values seen only in the result are left out). */
static uint32_t *sorted_truth_values(const struct vf_compare_result *r, size_t *count)
{
	uint32_t *ids = malloc((r->values.count ? r->values.count : 1) * sizeof(*ids));
	uint32_t v;

	*count = 0;
	if (!ids) {
		return NULL;
	}
	for (v = 0; v < r->values.count; v++) {
		if (v < r->value_cap && r->value_truth_ns[v]) {
			ids[(*count)++] = v;
		}
	}
	sort_ctx = r;
	qsort(ids, *count, sizeof(*ids), cmp_value_ids);
	return ids;
}

static struct vf_compare_cell *sorted_cells(const struct vf_compare_result *r)
{
	struct vf_compare_cell *cells =
	    malloc((r->cell_count ? r->cell_count : 1) * sizeof(*cells));

	if (!cells) {
		return NULL;
	}
	if (r->cell_count) {
		memcpy(cells, r->cells, r->cell_count * sizeof(*cells));
	}
	sort_ctx = r;
	qsort(cells, r->cell_count, sizeof(*cells), cmp_cells);
	return cells;
}

void vf_compare_print_text(FILE *fp, const struct vf_compare_result *r, size_t worst_count)
{
	char pct[32], a[32], b[32];
	size_t i, n;
	uint32_t *ids;
	struct vf_compare_cell *cells;
	const struct vf_compare_path **worst;

	fprintf(fp, "truth:  %s\nresult: %s\n", r->truth_file, r->result_file);
	if (r->path_prefix) {
		fprintf(fp, "paths:  %s*\n", r->path_prefix);
	}
	if (r->truth_ns) {
		format_percent(pct, sizeof(pct), r->agreed_ns, r->truth_ns);
		fprintf(fp,
		        "agreement: %s (%" PRIu64 " of %" PRIu64 " ns of truth time, %zu path%s)\n",
		        pct, r->agreed_ns, r->truth_ns, r->truth_path_count,
		        r->truth_path_count == 1 ? "" : "s");
	} else {
		fprintf(fp, "agreement: n/a (the truth has no interval%s)\n",
		        r->path_prefix ? " under that prefix" : "");
	}
	fprintf(fp, "result time where the truth has no value: %" PRIu64 " ns\n",
	        r->result_only_ns);
	fprintf(fp, "extra paths (only in the result): %zu (%" PRIu64 " ns)\n", r->extra_path_count,
	        r->extra_ns);
	for (i = 0, n = 0; i < r->path_count; i++) {
		if (!r->paths[i].extra) {
			continue;
		}
		if (n++ == 10) {
			fprintf(fp, "  ... and %zu more\n", r->extra_path_count - 10);
			break;
		}
		fprintf(fp, "  %s\n", r->paths[i].path);
	}
	if (!r->truth_ns) {
		return;
	}

	ids = sorted_truth_values(r, &n);
	if (ids) {
		struct table t = {.col_count = 4, .left = 1};
		const char *head[] = {"value", "truth_ns", "agreed_ns", "agreement"};

		fputs("\nper truth value:\n", fp);
		table_add(&t, head);
		for (i = 0; i < n; i++) {
			const char *row[4];

			snprintf(a, sizeof(a), "%" PRIu64, r->value_truth_ns[ids[i]]);
			snprintf(b, sizeof(b), "%" PRIu64, r->value_agreed_ns[ids[i]]);
			format_percent(pct, sizeof(pct), r->value_agreed_ns[ids[i]],
			               r->value_truth_ns[ids[i]]);
			row[0] = vf_compare_value_name(r, ids[i]);
			row[1] = a;
			row[2] = b;
			row[3] = pct;
			table_add(&t, row);
		}
		table_print_free(fp, &t);
		free(ids);
	}

	cells = sorted_cells(r);
	if (cells) {
		struct table t = {.col_count = 4, .left = 2};
		const char *head[] = {"truth", "result", "time_ns", "percent"};

		fputs(
		    "\nconfusion matrix (truth value -> result value; percent of the truth value's "
		    "time):\n",
		    fp);
		table_add(&t, head);
		for (i = 0; i < r->cell_count; i++) {
			const char *row[4];

			snprintf(a, sizeof(a), "%" PRIu64, cells[i].ns);
			format_percent(pct, sizeof(pct), cells[i].ns,
			               r->value_truth_ns[cells[i].truth_value]);
			row[0] = vf_compare_value_name(r, cells[i].truth_value);
			row[1] = vf_compare_value_name(r, cells[i].result_value);
			row[2] = a;
			row[3] = pct;
			table_add(&t, row);
		}
		table_print_free(fp, &t);
		free(cells);
	}

	worst = malloc((r->path_count ? r->path_count : 1) * sizeof(*worst));
	if (worst && worst_count) {
		struct table t = {.col_count = 4, .left = 1};
		const char *head[] = {"path", "truth_ns", "agreed_ns", "agreement"};

		for (i = 0, n = 0; i < r->path_count; i++) {
			if (!r->paths[i].extra) {
				worst[n++] = &r->paths[i];
			}
		}
		qsort(worst, n, sizeof(*worst), cmp_worst);
		fprintf(fp, "\nworst paths (lowest agreement first, %zu of %zu):\n",
		        n < worst_count ? n : worst_count, n);
		table_add(&t, head);
		for (i = 0; i < n && i < worst_count; i++) {
			const char *row[4];

			snprintf(a, sizeof(a), "%" PRIu64, worst[i]->truth_ns);
			snprintf(b, sizeof(b), "%" PRIu64, worst[i]->agreed_ns);
			format_percent(pct, sizeof(pct), worst[i]->agreed_ns, worst[i]->truth_ns);
			row[0] = worst[i]->path;
			row[1] = a;
			row[2] = b;
			row[3] = pct;
			table_add(&t, row);
		}
		table_print_free(fp, &t);
	}
	free(worst);
}

static void json_percent(FILE *fp, uint64_t part, uint64_t whole)
{
	double pct;

	if (vf_compare_percent(part, whole, &pct)) {
		fprintf(fp, "%.3f", pct);
	} else {
		fputs("null", fp);
	}
}

enum vf_status vf_compare_write_json(FILE *fp, const struct vf_compare_result *r,
                                     struct vf_error *err)
{
	uint32_t *ids;
	struct vf_compare_cell *cells;
	size_t i, n, k;

	ids = sorted_truth_values(r, &n);
	cells = sorted_cells(r);
	if (!ids || !cells) {
		free(ids);
		free(cells);
		return nomem(err);
	}
	fputs("{\n  \"truth\": ", fp);
	vf_json_write_string(fp, r->truth_file);
	fputs(",\n  \"result\": ", fp);
	vf_json_write_string(fp, r->result_file);
	fputs(",\n  \"path_prefix\": ", fp);
	vf_json_write_string(fp, r->path_prefix);
	fprintf(fp,
	        ",\n  \"truth_ns\": %" PRIu64 ",\n  \"agreed_ns\": %" PRIu64
	        ",\n  \"agreement_percent\": ",
	        r->truth_ns, r->agreed_ns);
	json_percent(fp, r->agreed_ns, r->truth_ns);
	fprintf(fp,
	        ",\n  \"result_only_ns\": %" PRIu64 ",\n  \"extra_path_count\": %zu"
	        ",\n  \"extra_ns\": %" PRIu64 ",\n  \"values\": [",
	        r->result_only_ns, r->extra_path_count, r->extra_ns);
	for (i = 0; i < n; i++) {
		fputs(i ? ",\n    {\"value\": " : "\n    {\"value\": ", fp);
		vf_json_write_string(fp, vf_compare_value_name(r, ids[i]));
		fprintf(fp,
		        ", \"truth_ns\": %" PRIu64 ", \"agreed_ns\": %" PRIu64
		        ", \"agreement_percent\": ",
		        r->value_truth_ns[ids[i]], r->value_agreed_ns[ids[i]]);
		json_percent(fp, r->value_agreed_ns[ids[i]], r->value_truth_ns[ids[i]]);
		fputc('}', fp);
	}
	fputs(n ? "\n  ],\n  \"confusion\": [" : "],\n  \"confusion\": [", fp);
	for (i = 0; i < r->cell_count; i++) {
		fputs(i ? ",\n    {\"truth\": " : "\n    {\"truth\": ", fp);
		vf_json_write_string(fp, vf_compare_value_name(r, cells[i].truth_value));
		fputs(", \"result\": ", fp);
		vf_json_write_string(fp, vf_compare_value_name(r, cells[i].result_value));
		fprintf(fp, ", \"ns\": %" PRIu64 ", \"percent\": ", cells[i].ns);
		json_percent(fp, cells[i].ns, r->value_truth_ns[cells[i].truth_value]);
		fputc('}', fp);
	}
	fputs(r->cell_count ? "\n  ],\n  \"paths\": [" : "],\n  \"paths\": [", fp);
	for (i = 0, k = 0; i < r->path_count; i++) {
		const struct vf_compare_path *p = &r->paths[i];

		if (p->extra) {
			continue;
		}
		fputs(k++ ? ",\n    {\"path\": " : "\n    {\"path\": ", fp);
		vf_json_write_string(fp, p->path);
		fprintf(fp,
		        ", \"truth_ns\": %" PRIu64 ", \"agreed_ns\": %" PRIu64
		        ", \"result_ns\": %" PRIu64 ", \"agreement_percent\": ",
		        p->truth_ns, p->agreed_ns, p->result_ns);
		json_percent(fp, p->agreed_ns, p->truth_ns);
		fputc('}', fp);
	}
	fputs(k ? "\n  ],\n  \"extra_paths\": [" : "],\n  \"extra_paths\": [", fp);
	for (i = 0, k = 0; i < r->path_count; i++) {
		const struct vf_compare_path *p = &r->paths[i];

		if (!p->extra) {
			continue;
		}
		fputs(k++ ? ",\n    {\"path\": " : "\n    {\"path\": ", fp);
		vf_json_write_string(fp, p->path);
		fprintf(fp, ", \"result_ns\": %" PRIu64 "}", p->result_ns);
	}
	fputs(k ? "\n  ]\n}\n" : "]\n}\n", fp);
	free(ids);
	free(cells);
	if (fflush(fp) != 0 || ferror(fp)) {
		VF_ERROR_SET(err, VF_ERR_IO, NULL, "cannot write the JSON report: %s",
		             strerror(errno));
		return VF_ERR_IO;
	}
	return VF_OK;
}
