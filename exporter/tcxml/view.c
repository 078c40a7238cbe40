/* SPDX-License-Identifier: MIT */
/*
 * view.c - timeGraphView / xyView outputs: the entries and rows Trace
 * Compass's data providers would produce (DataDrivenOutputEntry,
 * DataDrivenTimeGraphDataProvider, DataDrivenXYDataProvider), in the formats
 * of the conformance files in expected/simple_dataprovider/:
 *
 *   tree (time graph)  name,start,end,parentName   (root = the trace name)
 *   rows               name:start,duration,value,label,...
 *   tree (xy)          name,parentName
 *   data (xy)          name:y1,y2,...   (samples over the state-system range)
 *
 * Entry paths are '/'-separated regexes ('*' -> '(.*)'), matched against
 * child names in creation order, with $1, $2, ... from ancestor captures.
 */
#include "tcxml/model.h"

#include <inttypes.h>
#include <math.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

struct vent {
	char *name;
	char *id;        /* the `id` value (default: the name) */
	char *parent_id; /* the `parent` value, NULL if none */
	int64_t start, end;
	int parent; /* index in the list, -1 = the trace root */
	uint32_t display; /* VF_TCSS_NONE: no row */
	bool delta;
	struct vf_tcss *ss;
};

struct vlist {
	struct vent *e;
	size_t count, cap;
};

static int add_entry(struct vlist *l, const struct vent *e)
{
	if (l->count == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		struct vent *n = realloc(l->e, cap * sizeof(*n));

		if (!n) {
			return -1;
		}
		l->e = n;
		l->cap = cap;
	}
	l->e[l->count] = *e;
	return (int)l->count++;
}

/* Resolves a view path (constant/self/query) under q, never creating attributes. */
static uint32_t vpath_resolve(struct vf_tcss *ss, const struct vf_tcx_vpath *p, uint32_t q)
{
	size_t i;
	char buf[64];

	for (i = 0; i < p->count && q != VF_TCSS_NONE; i++) {
		const struct vf_tcx_vattr *a = &p->el[i];

		if (a->kind == VF_TCX_VA_SELF) {
			continue;
		}
		if (a->kind == VF_TCX_VA_CONSTANT) {
			q = vf_tcss_child(ss, q, a->str, false);
		} else {
			uint32_t sq = vpath_resolve(ss, a->sub, VF_TCSS_ROOT);
			const struct vf_tcss_interval *iv;

			if (sq == VF_TCSS_NONE || ss->attrs[sq].iv_count == 0) {
				return VF_TCSS_NONE;
			}
			iv = &ss->attrs[sq].iv[ss->attrs[sq].iv_count - 1];
			if (iv->v.type == VF_TCV_NULL) {
				return VF_TCSS_NONE;
			}
			q = vf_tcss_child(ss, q, vf_tcv_to_string(&iv->v, buf, sizeof(buf)), false);
		}
	}
	return q;
}

/* The first non-null value of q as a string (for name / id), or NULL. */
static const char *first_value(struct vf_tcss *ss, uint32_t q, char *buf, size_t size)
{
	size_t i;

	if (q == VF_TCSS_NONE) {
		return NULL;
	}
	for (i = 0; i < ss->attrs[q].iv_count; i++) {
		if (ss->attrs[q].iv[i].v.type != VF_TCV_NULL) {
			return vf_tcv_to_string(&ss->attrs[q].iv[i].v, buf, size);
		}
	}
	return NULL;
}

static void lifetime(struct vf_tcss *ss, uint32_t q, int64_t *start, int64_t *end)
{
	const struct vf_tcss_attr *a;
	size_t i;
	bool any = false;

	*start = ss->start;
	*end = ss->end;
	if (q == VF_TCSS_NONE) {
		return;
	}
	a = &ss->attrs[q];
	for (i = 0; i < a->iv_count; i++) {
		any |= a->iv[i].v.type != VF_TCV_NULL;
	}
	if (!any || a->iv_count == 0) {
		return;
	}
	if (a->iv[0].v.type == VF_TCV_NULL) {
		*start = a->iv[0].end + 1;
	}
	if (a->iv[a->iv_count - 1].v.type == VF_TCV_NULL) {
		*end = a->iv[a->iv_count - 1].start;
	}
}

/* Substitutes $1..$9 with captures. */
static void substitute(const char *in, char caps[][256], int ncaps, char *out, size_t size)
{
	size_t j = 0;

	for (; *in && j + 1 < size; in++) {
		if (*in == '$' && in[1] >= '1' && in[1] <= '9' && in[1] - '0' <= ncaps) {
			const char *c = caps[in[1] - '1'];
			size_t n = strlen(c);

			if (j + n >= size) {
				break;
			}
			memcpy(out + j, c, n);
			j += n;
			in++;
		} else {
			out[j++] = *in;
		}
	}
	out[j] = '\0';
}

/* The state systems a view can read, by analysis id (for entry/@analysisId). */
struct vctx {
	struct vf_tcx_run **runs;
	const char **ids;
	size_t count;
};

static enum vf_status build(const struct vctx *vc, struct vf_tcss *ss,
                            const struct vf_tcx_ventry *e, uint32_t base, int parent,
                            char caps[][256], int ncaps, bool xy, struct vlist *out,
                            struct vf_error *err);

/* Matches path segments from seg on under q; each full match becomes an entry. */
static enum vf_status match_segments(const struct vctx *vc, struct vf_tcss *ss,
                                     const struct vf_tcx_ventry *e,
                                     char **segs, size_t nseg, size_t seg, uint32_t q,
                                     int parent, char caps[][256], int ncaps, bool xy,
                                     struct vlist *out, struct vf_error *err)
{
	char pat[1024], ere[2100];
	regex_t re;
	regmatch_t m[10];
	uint32_t c;
	size_t i, j = 0;
	enum vf_status st = VF_OK;

	if (seg == nseg) {
		char buf[256], name[256];
		const char *n;
		struct vent v = {0};
		int idx;
		size_t k;

		v.ss = ss;
		v.parent = parent;
		v.display = VF_TCSS_NONE;
		v.delta = e->delta;
		if (e->has_display) {
			v.display = vpath_resolve(ss, &e->display, q);
			if (v.display == VF_TCSS_NONE) {
				return VF_OK; /* display given but absent: entry and children skipped */
			}
		}
		n = e->has_name ? first_value(ss, vpath_resolve(ss, &e->name, q), buf, sizeof(buf))
		                : NULL;
		snprintf(name, sizeof(name), "%s", n ? n : vf_tcss_name(ss, q));
		v.name = strdup(name);
		n = e->has_id ? first_value(ss, vpath_resolve(ss, &e->id, q), buf, sizeof(buf)) : NULL;
		v.id = strdup(n ? n : name);
		n = e->has_parent ? first_value(ss, vpath_resolve(ss, &e->parent, q), buf, sizeof(buf))
		                  : NULL;
		v.parent_id = n ? strdup(n) : NULL;
		lifetime(ss, v.display != VF_TCSS_NONE ? v.display : q, &v.start, &v.end);
		idx = add_entry(out, &v);
		if (idx < 0 || !v.name || !v.id) {
			if (idx >= 0) {
				out->count--;
			}
			free(v.name);
			free(v.id);
			free(v.parent_id);
			VF_ERROR_SET(err, VF_ERR_NOMEM, "", "out of memory");
			return VF_ERR_NOMEM;
		}
		for (k = 0; k < e->kid_count && st == VF_OK; k++) {
			st = build(vc, ss, &e->kids[k], q, xy ? parent : idx, caps, ncaps, xy, out, err);
		}
		return st;
	}
	substitute(segs[seg], caps, ncaps, pat, sizeof(pat));
	ere[j++] = '^';
	ere[j++] = '(';
	for (i = 0; pat[i] && j + 8 < sizeof(ere); i++) {
		if (pat[i] == '*') {
			memcpy(ere + j, "(.*)", 4);
			j += 4;
		} else {
			ere[j++] = pat[i];
		}
	}
	ere[j++] = ')';
	ere[j++] = '$';
	ere[j] = '\0';
	if (regcomp(&re, ere, REG_EXTENDED) != 0) {
		VF_ERROR_SET(err, VF_ERR_INPUT, "", "entry path segment '%s' (line %d) is not a valid "
		                                    "regular expression",
		             segs[seg], e->line);
		return VF_ERR_INPUT;
	}
	for (c = ss->attrs[q].first_child; c != VF_TCSS_NONE && st == VF_OK;
	     c = ss->attrs[c].next_sibling) {
		int n2 = ncaps;
		char (*caps2)[256];

		if (regexec(&re, vf_tcss_name(ss, c), 10, m, 0) != 0) {
			continue;
		}
		caps2 = malloc(10 * 256);
		if (!caps2) {
			st = VF_ERR_NOMEM;
			break;
		}
		memcpy(caps2, caps, 10 * 256);
		for (i = 2; i < 10 && m[i].rm_so >= 0 && n2 < 9; i++) {
			snprintf(caps2[n2++], 256, "%.*s", (int)(m[i].rm_eo - m[i].rm_so),
			         vf_tcss_name(ss, c) + m[i].rm_so);
		}
		st = match_segments(vc, ss, e, segs, nseg, seg + 1, c, parent, caps2, n2, xy, out,
		                    err);
		free(caps2);
	}
	regfree(&re);
	return st;
}

static enum vf_status build(const struct vctx *vc, struct vf_tcss *ss,
                            const struct vf_tcx_ventry *e, uint32_t base, int parent,
                            char caps[][256], int ncaps, bool xy, struct vlist *out,
                            struct vf_error *err)
{
	char *copy = strdup(e->path && *e->path ? e->path : "*");
	char *segs[64];
	size_t n = 0;
	char *tok, *save = NULL;
	enum vf_status st;

	if (!copy) {
		VF_ERROR_SET(err, VF_ERR_NOMEM, "", "out of memory");
		return VF_ERR_NOMEM;
	}
	for (tok = strtok_r(copy, "/", &save); tok && n < 64; tok = strtok_r(NULL, "/", &save)) {
		segs[n++] = tok;
	}
	if (e->analysis_id) {
		/* another analysis: its state system, resolved from its root */
		size_t i;

		ss = NULL;
		for (i = 0; i < vc->count && !ss; i++) {
			if (strcmp(vc->ids[i], e->analysis_id) == 0) {
				ss = vf_tcx_run_ss(vc->runs[i]);
			}
		}
		base = VF_TCSS_ROOT;
		if (!ss) {
			free(copy);
			return VF_OK; /* not loaded: no entries, as in Trace Compass */
		}
	}
	st = match_segments(vc, ss, e, segs, n, 0, base, parent, caps, ncaps, xy, out, err);
	free(copy);
	return st;
}

/* `parent`: re-parents an entry under a sibling whose id it names, if their lifetimes overlap. */
static void reparent(struct vlist *l)
{
	size_t i, j;

	for (i = 0; i < l->count; i++) {
		struct vent *a = &l->e[i];

		if (!a->parent_id) {
			continue;
		}
		for (j = 0; j < l->count; j++) {
			const struct vent *b = &l->e[j];

			if (j != i && b->parent == a->parent && strcmp(b->id, a->parent_id) == 0 &&
			    a->start <= b->end && b->start <= a->end) {
				a->parent = (int)j;
				break;
			}
		}
	}
}

static bool entry_uses(const struct vf_tcx_ventry *e, size_t count, const char *id)
{
	size_t i;

	for (i = 0; i < count; i++) {
		if ((e[i].analysis_id && strcmp(e[i].analysis_id, id) == 0) ||
		    entry_uses(e[i].kids, e[i].kid_count, id)) {
			return true;
		}
	}
	return false;
}

static void print_number(FILE *fp, double y)
{
	if (y == floor(y) && fabs(y) < 1e15) {
		fprintf(fp, "%" PRId64, (int64_t)y);
	} else {
		char buf[64];

		vf_tcv_format_double(y, buf, sizeof(buf));
		fprintf(fp, "%s", buf);
	}
}

static double y_of(const struct vf_tcss_interval *iv)
{
	double d;
	char *end;

	if (!iv) {
		return 0;
	}
	switch (iv->v.type) {
	case VF_TCV_INT:
	case VF_TCV_LONG:
		return (double)iv->v.i;
	case VF_TCV_DOUBLE:
		return iv->v.d;
	case VF_TCV_STRING:
		d = strtod(iv->v.s, &end);
		return end != iv->v.s && *end == '\0' ? d : 0;
	default:
		return 0;
	}
}

static void write_rows(FILE *fp, const struct vlist *l)
{
	size_t i, k;
	bool first_line = true;

	for (i = 0; i < l->count; i++) {
		const struct vent *e = &l->e[i];
		const struct vf_tcss_attr *a;

		if (e->display == VF_TCSS_NONE) {
			continue;
		}
		a = &e->ss->attrs[e->display];
		fprintf(fp, "%s%s:", first_line ? "" : "\n", e->name);
		first_line = false;
		for (k = 0; k < a->iv_count; k++) {
			const struct vf_tcss_interval *iv = &a->iv[k];
			int64_t end1 = iv->end + 1 < e->ss->end ? iv->end + 1 : e->ss->end;
			int64_t value = INT32_MIN;
			char label[128];

			switch (iv->v.type) {
			case VF_TCV_INT:
				value = (int32_t)iv->v.i;
				snprintf(label, sizeof(label), "%" PRId64, iv->v.i);
				break;
			case VF_TCV_LONG:
				value = (int32_t)iv->v.i;
				snprintf(label, sizeof(label), "0x%" PRIx64, (uint64_t)iv->v.i);
				break;
			case VF_TCV_DOUBLE:
				value = (int32_t)iv->v.d;
				vf_tcv_format_double(iv->v.d, label, sizeof(label));
				break;
			case VF_TCV_STRING:
				snprintf(label, sizeof(label), "%s", iv->v.s);
				break;
			default:
				snprintf(label, sizeof(label), "null");
				break;
			}
			fprintf(fp, "%s%" PRId64 ",%" PRId64 ",%" PRId64 ",%s", k ? "," : "", iv->start,
			        end1 - iv->start, value, label);
		}
	}
	fprintf(fp, "\n");
}

static void write_xy(FILE *fp, const struct vlist *l, unsigned samples)
{
	size_t i, k;

	for (i = 0; i < l->count; i++) {
		const struct vent *e = &l->e[i];
		struct vf_tcss *ss = e->ss;
		unsigned n = samples;
		double *y;

		if (e->display == VF_TCSS_NONE) {
			continue;
		}
		if (n == 0) {
			int64_t span = ss->end - ss->start + 1;

			n = span > 0 && span <= 1000 ? (unsigned)span : 1000;
		}
		y = calloc(n, sizeof(double));
		if (!y) {
			continue;
		}
		for (k = 0; k < n; k++) {
			int64_t t = n == 1 ? ss->start
			                   : ss->start + (int64_t)((double)(ss->end - ss->start) * (double)k /
			                                           (double)(n - 1));

			y[k] = y_of(vf_tcss_query(ss, e->display, t));
		}
		if (e->delta && n > 1) {
			for (k = n - 1; k > 0; k--) {
				y[k] -= y[k - 1];
			}
			y[0] = y[1];
		}
		fprintf(fp, "%s:", e->name);
		for (k = 0; k < n; k++) {
			if (k) {
				fputc(',', fp);
			}
			print_number(fp, y[k]);
		}
		fprintf(fp, "\n");
		free(y);
	}
}

enum vf_status vf_tcx_view_write(const struct vf_tcx_file *const *files, size_t file_count,
                                 const struct vf_tcx_view *v, const char *trace,
                                 const char *part, unsigned samples, FILE *fp,
                                 struct vf_error *err)
{
	const struct vf_tcx_file *f = files[0];
	size_t fi;
	struct vf_tcx_run *runs[16];
	const char *ids[16];
	struct vctx vc = {runs, ids, 0};
	size_t nrun = 0, i, k;
	struct vlist l = {0};
	enum vf_status st = VF_OK;
	const char *base = strrchr(trace, '/');
	char (*caps)[256] = calloc(10, 256);

	if (!caps) {
		VF_ERROR_SET(err, VF_ERR_NOMEM, f->path, "out of memory");
		return VF_ERR_NOMEM;
	}
	/* the analyses the view reads: head/analysis ids found in this file, else all */
	for (fi = 0; fi < file_count; fi++) {
		const struct vf_tcx_file *af = files[fi];

		for (i = 0; i < af->analysis_count && nrun < 16; i++) {
			bool used = v->analysis_count == 0;

			for (k = 0; k < v->analysis_count; k++) {
				used |= strcmp(v->analyses[k], af->analyses[i].id) == 0;
			}
			used |= entry_uses(v->entries, v->entry_count, af->analyses[i].id);
			if (used && vf_tcx_find(af, af->analyses[i].id) == &af->analyses[i]) {
				runs[nrun] = vf_tcx_run_trace(af, af->analyses[i].id, trace, err);
				if (!runs[nrun]) {
					st = err->status;
					goto end;
				}
				ids[nrun] = af->analyses[i].id;
				nrun++;
			}
		}
	}
	if (nrun == 0) {
		VF_ERROR_SET(err, VF_ERR_INPUT, f->path,
		             "view '%s' (line %d) reads no stateProvider or pattern loaded (give the "
		             "file defining it with --analysis FILE.xml)",
		             v->id, v->line);
		st = VF_ERR_INPUT;
		goto end;
	}
	vc.count = nrun;
	for (i = 0; i < nrun && st == VF_OK; i++) {
		struct vf_tcss *ss = vf_tcx_run_ss(runs[i]);
		bool main_analysis = v->analysis_count == 0;

		for (k = 0; k < v->analysis_count; k++) {
			main_analysis |= strcmp(v->analyses[k], ids[i]) == 0;
		}
		if (!main_analysis) {
			continue; /* loaded only for entry/@analysisId */
		}
		for (k = 0; k < v->entry_count && st == VF_OK; k++) {
			st = build(&vc, ss, &v->entries[k], VF_TCSS_ROOT, -1, caps, 0, v->xy, &l, err);
		}
	}
	if (st != VF_OK) {
		goto end;
	}
	reparent(&l);
	if (!part || strcmp(part, "tree") == 0) {
		struct vf_tcss *ss0 = vf_tcx_run_ss(runs[0]);
		const char *root = base ? base + 1 : trace;

		if (!part) {
			fprintf(fp, "[tree]\n");
		}
		if (v->xy) {
			fprintf(fp, "%s,null\n", root);
		} else {
			fprintf(fp, "%s,%" PRId64 ",%" PRId64 ",null\n", root, ss0->start, ss0->end);
		}
		for (i = 0; i < l.count; i++) {
			const char *pn = l.e[i].parent < 0 ? root : l.e[l.e[i].parent].name;

			if (v->xy) {
				if (l.e[i].display != VF_TCSS_NONE) {
					fprintf(fp, "%s,%s\n", l.e[i].name, pn);
				}
			} else {
				fprintf(fp, "%s,%" PRId64 ",%" PRId64 ",%s\n", l.e[i].name, l.e[i].start,
				        l.e[i].end, pn);
			}
		}
	}
	if (!v->xy && (!part || strcmp(part, "rows") == 0)) {
		if (!part) {
			fprintf(fp, "[rows]\n");
		}
		write_rows(fp, &l);
	}
	if (v->xy && (!part || strcmp(part, "data") == 0)) {
		if (!part) {
			fprintf(fp, "[data]\n");
		}
		write_xy(fp, &l, samples);
	}
	if (part && strcmp(part, "tree") != 0 && strcmp(part, v->xy ? "data" : "rows") != 0) {
		VF_ERROR_SET(err, VF_ERR_USAGE, f->path, "a %s has no part '%s' (%s)",
		             v->xy ? "xyView" : "timeGraphView", part, v->xy ? "tree, data" : "tree, rows");
		st = VF_ERR_USAGE;
	}
end:
	for (i = 0; i < l.count; i++) {
		free(l.e[i].name);
		free(l.e[i].id);
		free(l.e[i].parent_id);
	}
	free(l.e);
	for (i = 0; i < nrun; i++) {
		vf_tcx_run_free(runs[i]);
	}
	free(caps);
	return st;
}
