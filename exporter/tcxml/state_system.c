/* SPDX-License-Identifier: MIT */
/*
 * state_system.c - a Trace Compass state system in memory: the attribute
 * tree (quarks in creation order), typed values with the type lock, the
 * interval rules of TransientState (equal value: no split; same time:
 * replace), stacks, removeAttribute, the future-change queue, closeHistory,
 * queries, and the states.tsv writers. See tracecompass-xml.md §2.
 */
#include "tcxml/model.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- values ---- */

const char *vf_tcv_type_name(int type)
{
	static const char *const names[] = {"null", "int", "long", "double", "string"};

	return type >= 0 && type <= VF_TCV_STRING ? names[type] : "?";
}

bool vf_tcv_equal(const struct vf_tcv *a, const struct vf_tcv *b)
{
	if (a->type != b->type) {
		return false;
	}
	switch (a->type) {
	case VF_TCV_NULL:
		return true;
	case VF_TCV_INT:
	case VF_TCV_LONG:
		return a->i == b->i;
	case VF_TCV_DOUBLE:
		if (isnan(a->d) && isnan(b->d)) {
			return true;
		}
		return memcmp(&a->d, &b->d, sizeof(double)) == 0;
	case VF_TCV_STRING:
		return a->s == b->s || strcmp(a->s, b->s) == 0;
	}
	return false;
}

void vf_tcv_format_double(double d, char *buf, size_t size)
{
	double ad = fabs(d);
	int prec;
	char tmp[64];

	if (isnan(d)) {
		snprintf(buf, size, "NaN");
		return;
	}
	if (isinf(d)) {
		snprintf(buf, size, d > 0 ? "Infinity" : "-Infinity");
		return;
	}
	if (d == 0) {
		snprintf(buf, size, signbit(d) ? "-0.0" : "0.0");
		return;
	}
	if (ad >= 1e-3 && ad < 1e7) {
		/* shortest decimal that reads back, with at least one fractional digit */
		for (prec = 1; prec < 20; prec++) {
			snprintf(tmp, sizeof(tmp), "%.*f", prec, d);
			if (strtod(tmp, NULL) == d) {
				break;
			}
		}
		/* drop trailing zeros but keep one digit after the point */
		{
			size_t n = strlen(tmp);

			while (n > 2 && tmp[n - 1] == '0' && tmp[n - 2] != '.') {
				tmp[--n] = '\0';
			}
		}
		snprintf(buf, size, "%s", tmp);
		return;
	}
	for (prec = 0; prec < 18; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*e", prec, d);
		if (strtod(tmp, NULL) == d) {
			break;
		}
	}
	{
		/* C: 1.5e+10 -> Java: 1.5E10 ; 1e-05 -> 1.0E-5 */
		char mant[40];
		char *e = strchr(tmp, 'e');
		int ex = atoi(e + 1);

		*e = '\0';
		snprintf(mant, sizeof(mant), "%s", tmp);
		if (!strchr(mant, '.')) {
			strncat(mant, ".0", sizeof(mant) - strlen(mant) - 1);
		}
		snprintf(buf, size, "%sE%d", mant, ex);
	}
}

const char *vf_tcv_to_string(const struct vf_tcv *v, char *buf, size_t size)
{
	switch (v->type) {
	case VF_TCV_NULL:
		snprintf(buf, size, "null");
		break;
	case VF_TCV_INT:
	case VF_TCV_LONG:
		if (size >= 24) {
			/* hot path (attribute names from integer fields): no printf */
			char tmp[24];
			int n = 0, j = 0;
			uint64_t u = v->i < 0 ? (uint64_t)0 - (uint64_t)v->i : (uint64_t)v->i;

			do {
				tmp[n++] = (char)('0' + u % 10);
				u /= 10;
			} while (u);
			if (v->i < 0) {
				buf[j++] = '-';
			}
			while (n) {
				buf[j++] = tmp[--n];
			}
			buf[j] = '\0';
		} else {
			snprintf(buf, size, "%" PRId64, v->i);
		}
		break;
	case VF_TCV_DOUBLE:
		vf_tcv_format_double(v->d, buf, size);
		break;
	case VF_TCV_STRING:
		return v->s;
	}
	return buf;
}

/* ---- attribute tree ---- */

void vf_tcss_init(struct vf_tcss *ss, const char *file)
{
	memset(ss, 0, sizeof(*ss));
	vf_strtab_init(&ss->strings);
	vf_u64map_init(&ss->children);
	ss->start = INT64_MIN;
	ss->end = INT64_MIN;
	ss->file = file;
	ss->attr_cap = 64;
	ss->attrs = calloc(ss->attr_cap, sizeof(*ss->attrs));
	ss->attr_count = 1;
	ss->attrs[0].parent = VF_TCSS_NONE;
	ss->attrs[0].first_child = ss->attrs[0].last_child = VF_TCSS_NONE;
	ss->attrs[0].next_sibling = VF_TCSS_NONE;
	ss->attrs[0].name = vf_strtab_intern(&ss->strings, "");
}

void vf_tcss_fini(struct vf_tcss *ss)
{
	uint32_t i;

	for (i = 0; i < ss->attr_count; i++) {
		free(ss->attrs[i].iv);
	}
	free(ss->attrs);
	free(ss->fut);
	vf_u64map_fini(&ss->children);
	vf_strtab_fini(&ss->strings);
	memset(ss, 0, sizeof(*ss));
}

const char *vf_tcss_intern(struct vf_tcss *ss, const char *s)
{
	return vf_strtab_get(&ss->strings, vf_strtab_intern(&ss->strings, s));
}

uint32_t vf_tcss_child(struct vf_tcss *ss, uint32_t parent, const char *name, bool create)
{
	uint32_t id = create ? vf_strtab_intern(&ss->strings, name)
	                     : vf_strtab_find(&ss->strings, name);
	uint64_t key;
	void *v;
	struct vf_tcss_attr *a, *p;
	uint32_t q;

	if (id == VF_STRTAB_NONE || !ss->attrs) {
		return VF_TCSS_NONE;
	}
	key = vf_u64map_key2(parent, id);
	v = vf_u64map_get(&ss->children, key);
	if (v) {
		return (uint32_t)((uintptr_t)v - 1);
	}
	if (!create) {
		return VF_TCSS_NONE;
	}
	if (ss->attr_count == ss->attr_cap) {
		uint32_t cap = ss->attr_cap * 2;
		struct vf_tcss_attr *n = realloc(ss->attrs, cap * sizeof(*n));

		if (!n) {
			return VF_TCSS_NONE;
		}
		ss->attrs = n;
		ss->attr_cap = cap;
	}
	q = ss->attr_count++;
	a = &ss->attrs[q];
	memset(a, 0, sizeof(*a));
	a->name = id;
	a->parent = parent;
	a->first_child = a->last_child = a->next_sibling = VF_TCSS_NONE;
	a->cur_start = ss->start; /* null from the state-system start */
	p = &ss->attrs[parent];
	if (p->last_child == VF_TCSS_NONE) {
		p->first_child = q;
	} else {
		ss->attrs[p->last_child].next_sibling = q;
	}
	p->last_child = q;
	p->child_count++;
	if (!vf_u64map_put(&ss->children, key, (void *)(uintptr_t)(q + 1))) {
		return VF_TCSS_NONE;
	}
	return q;
}

const char *vf_tcss_name(const struct vf_tcss *ss, uint32_t quark)
{
	return vf_strtab_get(&ss->strings, ss->attrs[quark].name);
}

void vf_tcss_path(const struct vf_tcss *ss, uint32_t quark, char *buf, size_t size)
{
	uint32_t chain[256];
	size_t n = 0, len = 0;

	buf[0] = '\0';
	while (quark != VF_TCSS_ROOT && quark != VF_TCSS_NONE && n < 256) {
		chain[n++] = quark;
		quark = ss->attrs[quark].parent;
	}
	while (n > 0 && len + 1 < size) {
		int w = snprintf(buf + len, size - len, "%s%s", len ? "/" : "",
		                 vf_tcss_name(ss, chain[--n]));

		if (w < 0) {
			break;
		}
		len += (size_t)w;
	}
}

uint32_t vf_tcss_find(struct vf_tcss *ss, const char *path)
{
	uint32_t q = VF_TCSS_ROOT;
	char part[1024];
	const char *p = path;

	if (!*p) {
		return VF_TCSS_ROOT;
	}
	while (p && q != VF_TCSS_NONE) {
		const char *slash = strchr(p, '/');
		size_t n = slash ? (size_t)(slash - p) : strlen(p);

		snprintf(part, sizeof(part), "%.*s", (int)n, p);
		q = vf_tcss_child(ss, q, part, false);
		p = slash ? slash + 1 : NULL;
	}
	return q;
}

/* ---- intervals ---- */

static bool push_interval(struct vf_tcss *ss, struct vf_tcss_attr *a, int64_t start, int64_t end,
                          const struct vf_tcv *v)
{
	if (a->iv_count == a->iv_cap) {
		size_t cap = a->iv_cap ? a->iv_cap * 2 : 4;
		struct vf_tcss_interval *n = realloc(a->iv, cap * sizeof(*n));

		if (!n) {
			return false;
		}
		a->iv = n;
		a->iv_cap = cap;
	}
	a->iv[a->iv_count].start = start;
	a->iv[a->iv_count].end = end;
	a->iv[a->iv_count].v = *v;
	a->iv_count++;
	if (end > ss->end) {
		ss->end = end;
	}
	return true;
}

static void path_of(const struct vf_tcss *ss, uint32_t q, char *buf, size_t size)
{
	vf_tcss_path(ss, q, buf, size);
}

enum vf_status vf_tcss_modify(struct vf_tcss *ss, int64_t t, uint32_t q, const struct vf_tcv *v,
                              int line, struct vf_error *err)
{
	struct vf_tcss_attr *a = &ss->attrs[q];
	struct vf_tcv val = *v;

	if (val.type != VF_TCV_NULL) {
		if (a->lock_type == VF_TCV_NULL) {
			a->lock_type = val.type;
		} else if (a->lock_type != val.type) {
			char path[1024], vb[64], where[600];

			path_of(ss, q, path, sizeof(path));
			snprintf(where, sizeof(where), "%s:%d", ss->file ? ss->file : "", line);
			VF_ERROR_SET(err, VF_ERR_INPUT, where,
			             "type error at t=%" PRId64 ": attribute '%s' holds %s values, "
			             "cannot write %s %s (Trace Compass fails the analysis with a "
			             "StateValueTypeException)",
			             t, path, vf_tcv_type_name(a->lock_type),
			             vf_tcv_type_name(val.type), vf_tcv_to_string(&val, vb, sizeof(vb)));
			return VF_ERR_INPUT;
		}
	}
	if (vf_tcv_equal(&a->cur, &val)) {
		return VF_OK;
	}
	if (a->cur_start < t) {
		if (!push_interval(ss, a, a->cur_start, t - 1, &a->cur)) {
			VF_ERROR_SET(err, VF_ERR_NOMEM, ss->file, "out of memory storing intervals");
			return VF_ERR_NOMEM;
		}
		a->cur_start = t;
	}
	a->cur = val;
	return VF_OK;
}

void vf_tcss_update_ongoing(struct vf_tcss *ss, uint32_t q, const struct vf_tcv *v)
{
	ss->attrs[q].cur = *v;
}

static struct vf_tcv int_value(int64_t x)
{
	struct vf_tcv v = {.type = VF_TCV_INT, .i = x};

	return v;
}

static void depth_name(char *buf, size_t size, int64_t d)
{
	snprintf(buf, size, "%" PRId64, d);
}

enum vf_status vf_tcss_push(struct vf_tcss *ss, int64_t t, uint32_t q, const struct vf_tcv *v,
                            int line, struct vf_error *err)
{
	const struct vf_tcv *cur = &ss->attrs[q].cur;
	int64_t d = cur->type == VF_TCV_NULL ? 0 : cur->i;
	struct vf_tcv nd;
	char name[32];
	uint32_t c;
	enum vf_status st;

	if (cur->type != VF_TCV_NULL && cur->type != VF_TCV_INT) {
		char path[1024], where[600];

		path_of(ss, q, path, sizeof(path));
		snprintf(where, sizeof(where), "%s:%d", ss->file ? ss->file : "", line);
		VF_ERROR_SET(err, VF_ERR_INPUT, where,
		             "attribute '%s' is not a stack (it holds a %s value)", path,
		             vf_tcv_type_name(cur->type));
		return VF_ERR_INPUT;
	}
	if (d >= VF_TCSS_MAX_STACK) {
		char path[1024], where[600];

		path_of(ss, q, path, sizeof(path));
		snprintf(where, sizeof(where), "%s:%d", ss->file ? ss->file : "", line);
		VF_ERROR_SET(err, VF_ERR_INPUT, where, "stack '%s' is deeper than %d", path,
		             VF_TCSS_MAX_STACK);
		return VF_ERR_INPUT;
	}
	nd = int_value(d + 1);
	st = vf_tcss_modify(ss, t, q, &nd, line, err);
	if (st != VF_OK) {
		return st;
	}
	depth_name(name, sizeof(name), d + 1);
	c = vf_tcss_child(ss, q, name, true);
	if (c == VF_TCSS_NONE) {
		VF_ERROR_SET(err, VF_ERR_NOMEM, ss->file, "out of memory");
		return VF_ERR_NOMEM;
	}
	return vf_tcss_modify(ss, t, c, v, line, err);
}

enum vf_status vf_tcss_remove(struct vf_tcss *ss, int64_t t, uint32_t q, int line,
                              struct vf_error *err)
{
	static const struct vf_tcv null_value;
	uint32_t c;
	enum vf_status st = vf_tcss_modify(ss, t, q, &null_value, line, err);

	for (c = ss->attrs[q].first_child; st == VF_OK && c != VF_TCSS_NONE;
	     c = ss->attrs[c].next_sibling) {
		st = vf_tcss_remove(ss, t, c, line, err);
	}
	return st;
}

enum vf_status vf_tcss_pop(struct vf_tcss *ss, int64_t t, uint32_t q, int line,
                           struct vf_error *err)
{
	const struct vf_tcv *cur = &ss->attrs[q].cur;
	int64_t d;
	struct vf_tcv nd = {0};
	char name[32];
	uint32_t c;
	enum vf_status st;

	if (cur->type == VF_TCV_NULL) {
		return VF_OK;
	}
	if (cur->type != VF_TCV_INT) {
		char path[1024], where[600];

		path_of(ss, q, path, sizeof(path));
		snprintf(where, sizeof(where), "%s:%d", ss->file ? ss->file : "", line);
		VF_ERROR_SET(err, VF_ERR_INPUT, where,
		             "attribute '%s' is not a stack (it holds a %s value)", path,
		             vf_tcv_type_name(cur->type));
		return VF_ERR_INPUT;
	}
	d = cur->i;
	if (d - 1 > 0) {
		nd = int_value(d - 1);
	}
	st = vf_tcss_modify(ss, t, q, &nd, line, err);
	if (st != VF_OK) {
		return st;
	}
	depth_name(name, sizeof(name), d);
	c = vf_tcss_child(ss, q, name, true);
	if (c == VF_TCSS_NONE) {
		VF_ERROR_SET(err, VF_ERR_NOMEM, ss->file, "out of memory");
		return VF_ERR_NOMEM;
	}
	return vf_tcss_remove(ss, t, c, line, err);
}

struct vf_tcv vf_tcss_stack_top(struct vf_tcss *ss, uint32_t q)
{
	struct vf_tcv none = {0};
	const struct vf_tcv *cur = &ss->attrs[q].cur;
	char name[32];
	uint32_t c;

	if (cur->type != VF_TCV_INT || cur->i <= 0) {
		return none;
	}
	depth_name(name, sizeof(name), cur->i);
	c = vf_tcss_child(ss, q, name, false);
	return c == VF_TCSS_NONE ? none : ss->attrs[c].cur;
}

/* ---- future changes ---- */

static bool fut_less(const struct vf_tcss_future *a, const struct vf_tcss_future *b)
{
	return a->t < b->t || (a->t == b->t && a->seq < b->seq);
}

void vf_tcss_future_add(struct vf_tcss *ss, int64_t t, uint32_t q, int op, const struct vf_tcv *v,
                        int line)
{
	size_t i;

	if (ss->fut_count == ss->fut_cap) {
		size_t cap = ss->fut_cap ? ss->fut_cap * 2 : 16;
		struct vf_tcss_future *n = realloc(ss->fut, cap * sizeof(*n));

		if (!n) {
			return;
		}
		ss->fut = n;
		ss->fut_cap = cap;
	}
	i = ss->fut_count++;
	ss->fut[i].t = t;
	ss->fut[i].seq = ss->fut_seq++;
	ss->fut[i].quark = q;
	ss->fut[i].op = (uint8_t)op;
	ss->fut[i].line = line;
	ss->fut[i].v = v ? *v : (struct vf_tcv){0};
	while (i > 0) {
		size_t p = (i - 1) / 2;
		struct vf_tcss_future tmp;

		if (!fut_less(&ss->fut[i], &ss->fut[p])) {
			break;
		}
		tmp = ss->fut[i];
		ss->fut[i] = ss->fut[p];
		ss->fut[p] = tmp;
		i = p;
	}
}

static void fut_pop(struct vf_tcss *ss)
{
	size_t i = 0;

	ss->fut[0] = ss->fut[--ss->fut_count];
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		struct vf_tcss_future tmp;

		if (l < ss->fut_count && fut_less(&ss->fut[l], &ss->fut[m])) {
			m = l;
		}
		if (r < ss->fut_count && fut_less(&ss->fut[r], &ss->fut[m])) {
			m = r;
		}
		if (m == i) {
			break;
		}
		tmp = ss->fut[i];
		ss->fut[i] = ss->fut[m];
		ss->fut[m] = tmp;
		i = m;
	}
}

enum vf_status vf_tcss_future_flush(struct vf_tcss *ss, int64_t t, struct vf_error *err)
{
	while (ss->fut_count > 0 && ss->fut[0].t <= t) {
		struct vf_tcss_future f = ss->fut[0];
		enum vf_status st;

		fut_pop(ss);
		switch (f.op) {
		case 1:
			st = vf_tcss_push(ss, f.t, f.quark, &f.v, f.line, err);
			break;
		case 2:
			st = vf_tcss_pop(ss, f.t, f.quark, f.line, err);
			break;
		default:
			st = vf_tcss_modify(ss, f.t, f.quark, &f.v, f.line, err);
			break;
		}
		if (st != VF_OK) {
			return st;
		}
	}
	return VF_OK;
}

/* ---- closing and queries ---- */

void vf_tcss_close(struct vf_tcss *ss, int64_t t)
{
	uint32_t q;
	int64_t end = t > ss->end ? t : ss->end;

	if (ss->closed) {
		return;
	}
	for (q = 1; q < ss->attr_count; q++) {
		struct vf_tcss_attr *a = &ss->attrs[q];

		if (a->cur_start <= end) {
			push_interval(ss, a, a->cur_start, end, &a->cur);
		}
	}
	ss->end = end;
	ss->closed = true;
}

const struct vf_tcss_interval *vf_tcss_query(const struct vf_tcss *ss, uint32_t q, int64_t t)
{
	const struct vf_tcss_attr *a;
	size_t lo = 0, hi;

	if (q == VF_TCSS_NONE || q >= ss->attr_count) {
		return NULL;
	}
	a = &ss->attrs[q];
	hi = a->iv_count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (a->iv[mid].end < t) {
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	if (lo < a->iv_count && a->iv[lo].start <= t && t <= a->iv[lo].end) {
		return &a->iv[lo];
	}
	return NULL;
}

/* ---- writers ---- */

struct path_ref {
	char *path;
	uint32_t q;
};

static int cmp_path(const void *a, const void *b)
{
	return strcmp(((const struct path_ref *)a)->path, ((const struct path_ref *)b)->path);
}

static bool tsv_safe(const char *s)
{
	return !strpbrk(s, "\t\r\n");
}

/* Appends the decimal form of v to p; returns the new end. */
static char *put_i64(char *p, int64_t v)
{
	char tmp[24];
	int n = 0;
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

	do {
		tmp[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0) {
		*p++ = '-';
	}
	while (n) {
		*p++ = tmp[--n];
	}
	return p;
}

static enum vf_status write_all(struct vf_tcss *ss, FILE *fp, bool typed, struct vf_error *err)
{
	struct path_ref *refs;
	uint32_t q, n = 0;
	enum vf_status st = VF_OK;
	char path[4096];

	refs = calloc(ss->attr_count ? ss->attr_count : 1, sizeof(*refs));
	if (!refs) {
		VF_ERROR_SET(err, VF_ERR_NOMEM, ss->file, "out of memory");
		return VF_ERR_NOMEM;
	}
	for (q = 1; q < ss->attr_count; q++) {
		vf_tcss_path(ss, q, path, sizeof(path));
		refs[n].path = strdup(path);
		refs[n].q = q;
		if (!refs[n].path) {
			st = VF_ERR_NOMEM;
			VF_ERROR_SET(err, VF_ERR_NOMEM, ss->file, "out of memory");
			break;
		}
		n++;
	}
	if (st == VF_OK) {
		qsort(refs, n, sizeof(*refs), cmp_path);
		fputs(typed ? "path\tstart\tend\ttype\tvalue\n" : "path\tstart\tend\tvalue\n", fp);
	}
	for (q = 0; q < n && st == VF_OK; q++) {
		const struct vf_tcss_attr *a = &ss->attrs[refs[q].q];
		size_t plen = strlen(refs[q].path), i;

		if (!tsv_safe(refs[q].path)) {
			VF_ERROR_SET(err, VF_ERR_INPUT, ss->file,
			             "attribute path '%s' holds a tab or newline: cannot be written "
			             "to a TSV file",
			             refs[q].path);
			st = VF_ERR_INPUT;
			break;
		}
		for (i = 0; i < a->iv_count; i++) {
			const struct vf_tcss_interval *iv = &a->iv[i];
			char vb[64], line[128];
			const char *vs;
			const char *tn;
			char *p = line;

			if (!typed && iv->v.type == VF_TCV_NULL) {
				continue;
			}
			vs = typed && iv->v.type == VF_TCV_NULL ? ""
			                                         : vf_tcv_to_string(&iv->v, vb, sizeof(vb));
			if (!*vs && iv->v.type == VF_TCV_STRING) {
				vs = "\"\""; /* the empty string: the contract has no empty values */
			}
			fwrite(refs[q].path, 1, plen, fp);
			*p++ = '\t';
			p = put_i64(p, iv->start);
			*p++ = '\t';
			p = put_i64(p, iv->end + 1);
			*p++ = '\t';
			if (typed) {
				tn = vf_tcv_type_name(iv->v.type);
				memcpy(p, tn, strlen(tn));
				p += strlen(tn);
				*p++ = '\t';
			}
			fwrite(line, 1, (size_t)(p - line), fp);
			if (tsv_safe(vs)) {
				fputs(vs, fp);
			} else {
				/* tabs and line breaks in a string value are escaped */
				for (; *vs; vs++) {
					if (*vs == '\t') {
						fputs("\\t", fp);
					} else if (*vs == '\n') {
						fputs("\\n", fp);
					} else if (*vs == '\r') {
						fputs("\\r", fp);
					} else {
						fputc(*vs, fp);
					}
				}
			}
			fputc('\n', fp);
		}
	}
	for (q = 0; q < n; q++) {
		free(refs[q].path);
	}
	free(refs);
	if (st == VF_OK && ferror(fp)) {
		VF_ERROR_SET(err, VF_ERR_IO, "", "cannot write the output (disk full?)");
		st = VF_ERR_IO;
	}
	return st;
}

enum vf_status vf_tcss_write_states(struct vf_tcss *ss, FILE *fp, struct vf_error *err)
{
	return write_all(ss, fp, false, err);
}

enum vf_status vf_tcss_write_typed(struct vf_tcss *ss, FILE *fp, struct vf_error *err)
{
	return write_all(ss, fp, true, err);
}
