/* SPDX-License-Identifier: MIT */
/*
 * eval.c - runs a compiled state provider (or the state-change part of a
 * pattern) over events: event-handler dispatch with the `*` rule, attribute
 * paths, state values (mapping groups, forcedType), conditions with Trace
 * Compass's typed comparison, state changes (increment, update, stack,
 * futureTime). Semantics: tracecompass-xml.md §2-§3.
 */
#include "tcxml/run.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define VF_LOG_TAG "tcxml"
#include "common/log.h"

struct hlist {
	size_t count;
	uint32_t idx[];
};

static void where_line(const struct vf_tcx_run *r, int line, char *buf, size_t size)
{
	snprintf(buf, size, "%s:%d", r->file->path, line);
}

static void warn_once(struct vf_tcx_run *r, int line, const char *what, int64_t ts)
{
	if (vf_u64map_get(&r->warned, (uint64_t)line + 1)) {
		return;
	}
	vf_u64map_put(&r->warned, (uint64_t)line + 1, (void *)1);
	VF_LOGW("%s:%d: %s (first at t=%" PRId64 "; further occurrences not reported)",
	        r->file->path, line, what, ts);
}

/* ---- event fields ---- */

static void field_value(struct vf_tcx_run *r, const struct vf_tcx_ectx *ec, const char *name,
                        struct vf_tcv *out)
{
	struct vf_field_value fv;

	memset(out, 0, sizeof(*out));
	if (ec->g && ec->g->field(ec->g, name, &fv)) {
		switch (fv.kind) {
		case VF_FIELD_INT32:
			out->type = VF_TCV_INT;
			out->i = (int32_t)fv.i;
			return;
		case VF_FIELD_INT64:
			out->type = VF_TCV_LONG;
			out->i = fv.i;
			return;
		case VF_FIELD_DOUBLE:
			out->type = VF_TCV_DOUBLE;
			out->d = fv.d;
			return;
		case VF_FIELD_STRING:
			out->type = VF_TCV_STRING;
			out->s = vf_tcss_intern(&r->ss, fv.s ? fv.s : "");
			return;
		default:
			break;
		}
	}
	if (strcasecmp(name, "cpu") == 0) {
		if (!r->is_stub && ec->g && ec->g->ev) {
			out->type = VF_TCV_INT;
			out->i = (int32_t)ec->g->ev->cpu;
		}
	} else if (strcasecmp(name, "timestamp") == 0) {
		out->type = VF_TCV_LONG;
		out->i = ec->ts;
	} else if (strcasecmp(name, "hostId") == 0) {
		out->type = VF_TCV_STRING;
		out->s = r->host_id;
	} else if (strcasecmp(name, "trace") == 0) {
		/* the "Trace" event aspect: the trace's name */
		out->type = VF_TCV_STRING;
		out->s = r->trace_name;
	} else if (strcasecmp(name, "Event type") == 0) {
		out->type = VF_TCV_STRING;
		out->s = vf_tcss_intern(&r->ss, ec->g ? ec->g->name : "");
	}
}

/* ---- paths ---- */

static const char *name_of(struct vf_tcx_run *r, const struct vf_tcv *v, char *buf, size_t size)
{
	(void)r;
	return vf_tcv_to_string(v, buf, size);
}

enum vf_status vf_tcx_resolve_path(struct vf_tcx_run *r, const struct vf_tcx_ectx *ec,
                                   const struct vf_tcx_path *p, uint32_t *q,
                                   struct vf_error *err)
{
	uint32_t cur = VF_TCSS_ROOT;
	size_t i;
	char buf[64];

	if (p->scenario && ec->scn) {
		cur = ec->scn->quark;
	}
	for (i = 0; i < p->count; i++) {
		const struct vf_tcx_attr *a = &p->el[i];
		const char *name = NULL;
		struct vf_tcv v;

		switch (a->kind) {
		case VF_TCX_A_CONSTANT:
			name = a->str;
			break;
		case VF_TCX_A_EVENTFIELD:
			field_value(r, ec, a->str, &v);
			if (v.type == VF_TCV_NULL) {
				*q = VF_TCSS_NONE;
				return VF_OK;
			}
			name = name_of(r, &v, buf, sizeof(buf));
			break;
		case VF_TCX_A_EVENTNAME:
			name = ec->g ? ec->g->name : "";
			break;
		case VF_TCX_A_QUERY: {
			uint32_t sq;
			enum vf_status st = vf_tcx_resolve_path(r, ec, a->sub, &sq, err);

			if (st != VF_OK) {
				return st;
			}
			if (sq == VF_TCSS_NONE || r->ss.attrs[sq].cur.type == VF_TCV_NULL) {
				*q = VF_TCSS_NONE;
				return VF_OK;
			}
			v = r->ss.attrs[sq].cur;
			name = name_of(r, &v, buf, sizeof(buf));
			break;
		}
		case VF_TCX_A_POOL:
			if (!ec->scn) {
				*q = VF_TCSS_NONE;
				return VF_OK;
			}
			cur = vf_tcx_pool_get(r, ec->scn, cur);
			if (cur == VF_TCSS_NONE) {
				VF_ERROR_SET(err, VF_ERR_NOMEM, r->file->path, "out of memory");
				return VF_ERR_NOMEM;
			}
			continue;
		default: /* null */
			*q = VF_TCSS_NONE;
			return VF_OK;
		}
		cur = vf_tcss_child(&r->ss, cur, name, true);
		if (cur == VF_TCSS_NONE) {
			VF_ERROR_SET(err, VF_ERR_NOMEM, r->file->path, "out of memory");
			return VF_ERR_NOMEM;
		}
	}
	*q = cur;
	return VF_OK;
}

/* ---- values ---- */

static int32_t java_int_of_double(double d)
{
	if (isnan(d)) {
		return 0;
	}
	if (d >= 2147483647.0) {
		return INT32_MAX;
	}
	if (d <= -2147483648.0) {
		return INT32_MIN;
	}
	return (int32_t)d;
}

static int64_t java_long_of_double(double d)
{
	if (isnan(d)) {
		return 0;
	}
	if (d >= 9223372036854775807.0) {
		return INT64_MAX;
	}
	if (d <= -9223372036854775808.0) {
		return INT64_MIN;
	}
	return (int64_t)d;
}

static bool java_parse_long(const char *s, int64_t *out)
{
	char *end;
	long long v;

	if (!s || !*s) {
		return false;
	}
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end || s[0] == ' ') {
		return false;
	}
	*out = v;
	return true;
}

static bool java_parse_double(const char *s, double *out)
{
	char *end;
	size_t n;

	if (!s || !*s) {
		return false;
	}
	/* Java trims whitespace and accepts a trailing d/D/f/F */
	while (*s == ' ' || *s == '\t') {
		s++;
	}
	*out = strtod(s, &end);
	if (end == s) {
		return false;
	}
	n = strlen(end);
	while (n && (end[n - 1] == ' ' || end[n - 1] == '\t')) {
		n--;
	}
	if (n == 1 && strchr("dDfF", end[0])) {
		return true;
	}
	return n == 0;
}

static enum vf_status force_type(struct vf_tcx_run *r, const struct vf_tcx_value *v,
                                 struct vf_tcv *x, int type, struct vf_error *err)
{
	char buf[64], where[600];
	int64_t l;
	double d;

	if (x->type == VF_TCV_NULL || x->type == type) {
		return VF_OK;
	}
	switch (type) {
	case VF_TCV_INT:
		if (x->type == VF_TCV_LONG) {
			x->i = (int32_t)x->i;
		} else if (x->type == VF_TCV_DOUBLE) {
			x->i = java_int_of_double(x->d);
		} else if (java_parse_long(x->s, &l) && l >= INT32_MIN && l <= INT32_MAX) {
			x->i = l;
		} else {
			goto bad;
		}
		break;
	case VF_TCV_LONG:
		if (x->type == VF_TCV_DOUBLE) {
			x->i = java_long_of_double(x->d);
		} else if (x->type == VF_TCV_STRING) {
			if (!java_parse_long(x->s, &l)) {
				goto bad;
			}
			x->i = l;
		}
		break;
	case VF_TCV_DOUBLE:
		if (x->type == VF_TCV_STRING) {
			if (!java_parse_double(x->s, &d)) {
				goto bad;
			}
			x->d = d;
		} else {
			x->d = (double)x->i;
		}
		break;
	case VF_TCV_STRING:
		x->s = vf_tcss_intern(&r->ss, vf_tcv_to_string(x, buf, sizeof(buf)));
		break;
	default:
		return VF_OK;
	}
	x->type = (uint8_t)type;
	return VF_OK;
bad:
	where_line(r, v->line, where, sizeof(where));
	VF_ERROR_SET(err, VF_ERR_INPUT, where,
	             "forcedType=\"%s\": '%s' is not a valid %s (Trace Compass fails the analysis "
	             "with a NumberFormatException)",
	             vf_tcv_type_name(type), x->s, vf_tcv_type_name(type));
	return VF_ERR_INPUT;
}

enum vf_status vf_tcx_eval_value(struct vf_tcx_run *r, const struct vf_tcx_ectx *ec,
                                 const struct vf_tcx_value *v, struct vf_tcv *out,
                                 struct vf_error *err)
{
	enum vf_status st;
	uint32_t q;

	memset(out, 0, sizeof(*out));
	switch (v->kind) {
	case VF_TCX_V_CONST:
		*out = v->c;
		break;
	case VF_TCX_V_EVENTFIELD:
		field_value(r, ec, v->field, out);
		break;
	case VF_TCX_V_EVENTNAME:
		out->type = VF_TCV_STRING;
		out->s = vf_tcss_intern(&r->ss, ec->g ? ec->g->name : "");
		break;
	case VF_TCX_V_QUERY:
		st = vf_tcx_resolve_path(r, ec, v->path, &q, err);
		if (st != VF_OK) {
			return st;
		}
		if (q != VF_TCSS_NONE) {
			*out = r->ss.attrs[q].cur;
		}
		break;
	case VF_TCX_V_PEEK:
		st = vf_tcx_resolve_path(r, ec, v->path, &q, err);
		if (st != VF_OK) {
			return st;
		}
		if (q != VF_TCSS_NONE) {
			*out = vf_tcss_stack_top(&r->ss, q);
		}
		break;
	default: /* script: unsupported, compiled only with allow_script */
		break;
	}
	if (v->mapping >= 0) {
		const struct vf_tcx_mapping *m = &r->a->mappings[v->mapping];
		struct vf_tcv res = {0};
		size_t i;

		for (i = 0; i < m->entry_count; i++) {
			struct vf_tcv from;

			st = vf_tcx_eval_value(r, ec, &m->from[i], &from, err);
			if (st != VF_OK) {
				return st;
			}
			if (vf_tcv_equal(&from, out)) {
				st = vf_tcx_eval_value(r, ec, &m->to[i], &res, err);
				if (st != VF_OK) {
					return st;
				}
				break;
			}
		}
		*out = res;
	}
	if (v->forced >= 0) {
		return force_type(r, v, out, v->forced, err);
	}
	return VF_OK;
}

/* ---- conditions ---- */

static bool is_number(const struct vf_tcv *v)
{
	return v->type == VF_TCV_INT || v->type == VF_TCV_LONG || v->type == VF_TCV_DOUBLE;
}

static int cmp_values(const struct vf_tcv *a, const struct vf_tcv *b)
{
	char ba[64], bb[64];

	if (a->type == VF_TCV_INT && is_number(b)) {
		int32_t x = (int32_t)a->i;
		int32_t y = b->type == VF_TCV_DOUBLE ? java_int_of_double(b->d) : (int32_t)b->i;

		return x < y ? -1 : x > y;
	}
	if (a->type == VF_TCV_LONG && is_number(b)) {
		int64_t x = a->i;
		int64_t y = b->type == VF_TCV_DOUBLE ? java_long_of_double(b->d) : b->i;

		return x < y ? -1 : x > y;
	}
	{
		int c = strcmp(vf_tcv_to_string(a, ba, sizeof(ba)), vf_tcv_to_string(b, bb, sizeof(bb)));

		return c < 0 ? -1 : c > 0;
	}
}

enum vf_status vf_tcx_eval_cond(struct vf_tcx_run *r, const struct vf_tcx_ectx *ec,
                                const struct vf_tcx_cond *k, bool *res, struct vf_error *err)
{
	enum vf_status st;
	size_t i;

	switch (k->kind) {
	case VF_TCX_C_CMP: {
		struct vf_tcv a, b;
		int c;

		st = vf_tcx_eval_value(r, ec, &k->left, &a, err);
		if (st == VF_OK) {
			st = vf_tcx_eval_value(r, ec, &k->right, &b, err);
		}
		if (st != VF_OK) {
			return st;
		}
		c = cmp_values(&a, &b);
		switch (k->op) {
		case VF_TCX_NE: *res = c != 0; break;
		case VF_TCX_GE: *res = c >= 0; break;
		case VF_TCX_GT: *res = c > 0; break;
		case VF_TCX_LE: *res = c <= 0; break;
		case VF_TCX_LT: *res = c < 0; break;
		default: *res = c == 0; break;
		}
		return VF_OK;
	}
	case VF_TCX_C_NOT:
		st = vf_tcx_eval_cond(r, ec, &k->kids[0], res, err);
		*res = !*res;
		return st;
	case VF_TCX_C_AND:
	case VF_TCX_C_OR:
		*res = k->kind == VF_TCX_C_AND;
		for (i = 0; i < k->kid_count; i++) {
			bool b;

			st = vf_tcx_eval_cond(r, ec, &k->kids[i], &b, err);
			if (st != VF_OK) {
				return st;
			}
			if (k->kind == VF_TCX_C_AND && !b) {
				*res = false;
				return VF_OK;
			}
			if (k->kind == VF_TCX_C_OR && b) {
				*res = true;
				return VF_OK;
			}
		}
		return VF_OK;
	case VF_TCX_C_TIMERANGE: {
		bool in = k->begin <= ec->ts && ec->ts <= k->end;

		*res = k->out ? !in : in;
		return VF_OK;
	}
	case VF_TCX_C_ELAPSED: {
		const struct vf_tcx_fsm *fsm;
		size_t s;

		*res = false;
		if (!ec->scn || !k->since) {
			return VF_OK;
		}
		fsm = &r->a->fsms[ec->scn->fsm];
		for (s = 0; s < fsm->state_count; s++) {
			if (strcmp(fsm->states[s].id, k->since) == 0 && ec->scn->enter[s] != INT64_MIN) {
				int64_t el = ec->ts - ec->scn->enter[s];

				*res = k->elapsed_op < 0 ? el < k->elapsed_ns
				       : k->elapsed_op == 0 ? el == k->elapsed_ns
				                            : el > k->elapsed_ns;
			}
		}
		return VF_OK;
	}
	default:
		*res = false;
		return VF_OK;
	}
}

/* ---- state changes ---- */

static enum vf_status increment(struct vf_tcx_run *r, const struct vf_tcx_value *v, uint32_t q,
                                struct vf_tcv *val, struct vf_error *err)
{
	const struct vf_tcv *cur = &r->ss.attrs[q].cur;
	char where[600], path[1024];

	if (val->type == VF_TCV_NULL || val->type == VF_TCV_STRING || cur->type == VF_TCV_NULL) {
		return VF_OK;
	}
	if (cur->type != val->type) {
		where_line(r, v->line, where, sizeof(where));
		vf_tcss_path(&r->ss, q, path, sizeof(path));
		VF_ERROR_SET(err, VF_ERR_INPUT, where,
		             "increment: attribute '%s' holds a %s, the increment is a %s (Trace "
		             "Compass fails the analysis with a ClassCastException)",
		             path, vf_tcv_type_name(cur->type), vf_tcv_type_name(val->type));
		return VF_ERR_INPUT;
	}
	switch (val->type) {
	case VF_TCV_INT:
		val->i = (int32_t)((uint32_t)val->i + (uint32_t)cur->i);
		break;
	case VF_TCV_LONG:
		val->i = (int64_t)((uint64_t)val->i + (uint64_t)cur->i);
		break;
	case VF_TCV_DOUBLE:
		val->d += cur->d;
		break;
	default:
		break;
	}
	return VF_OK;
}

static enum vf_status future_time(struct vf_tcx_run *r, const struct vf_tcx_ectx *ec,
                                  const struct vf_tcx_change *ch, int64_t *t,
                                  struct vf_error *err)
{
	struct vf_tcv fv;
	enum vf_status st;
	double d;

	*t = ec->ts;
	if (!ch->has_future) {
		return VF_OK;
	}
	st = vf_tcx_eval_value(r, ec, &ch->future, &fv, err);
	if (st != VF_OK) {
		return st;
	}
	if (fv.type == VF_TCV_INT || fv.type == VF_TCV_LONG) {
		*t = fv.i;
	} else if (fv.type == VF_TCV_DOUBLE) {
		*t = java_long_of_double(fv.d);
	} else if (fv.type == VF_TCV_STRING) {
		int64_t l;

		if (java_parse_long(fv.s, &l)) {
			*t = l;
		} else if (java_parse_double(fv.s, &d)) {
			*t = java_long_of_double(d);
		}
	}
	return VF_OK;
}

static enum vf_status assign(struct vf_tcx_run *r, const struct vf_tcx_ectx *ec,
                             const struct vf_tcx_change *ch, struct vf_error *err)
{
	const struct vf_tcx_value *v = &ch->value;
	struct vf_tcv val = {0};
	enum vf_status st;
	uint32_t q;
	int64_t t;

	st = vf_tcx_resolve_path(r, ec, &ch->path, &q, err);
	if (st != VF_OK) {
		return st;
	}
	if (q == VF_TCSS_NONE) {
		warn_once(r, ch->line,
		          "a stateAttribute resolved to null (missing field or empty query): the "
		          "state change is skipped",
		          ec->ts);
		return VF_OK;
	}
	if (v->stack != VF_TCX_STACK_POP && v->stack != VF_TCX_STACK_POPALL) {
		st = vf_tcx_eval_value(r, ec, v, &val, err);
		if (st != VF_OK) {
			return st;
		}
	}
	st = future_time(r, ec, ch, &t, err);
	if (st != VF_OK) {
		return st;
	}
	if (t > r->latest_t) {
		r->latest_t = t;
	}
	switch (v->stack) {
	case VF_TCX_STACK_PUSH:
		if (t > ec->ts) {
			vf_tcss_future_add(&r->ss, t, q, 1, &val, v->line);
			return VF_OK;
		}
		return vf_tcss_push(&r->ss, ec->ts, q, &val, v->line, err);
	case VF_TCX_STACK_POP:
		if (t > ec->ts) {
			vf_tcss_future_add(&r->ss, t, q, 2, NULL, v->line);
			return VF_OK;
		}
		return vf_tcss_pop(&r->ss, ec->ts, q, v->line, err);
	case VF_TCX_STACK_POPALL: {
		const struct vf_tcv *cur = &r->ss.attrs[q].cur;
		int64_t d = cur->type == VF_TCV_INT ? cur->i : 0, i;

		for (i = 0; i < d; i++) {
			if (t > ec->ts) {
				vf_tcss_future_add(&r->ss, t, q, 2, NULL, v->line);
			} else {
				st = vf_tcss_pop(&r->ss, ec->ts, q, v->line, err);
				if (st != VF_OK) {
					return st;
				}
			}
		}
		return VF_OK;
	}
	default:
		break;
	}
	if (v->increment) {
		st = increment(r, v, q, &val, err);
		if (st != VF_OK) {
			return st;
		}
	}
	if (v->update) {
		vf_tcss_update_ongoing(&r->ss, q, &val);
		return VF_OK;
	}
	if (t == ec->ts) {
		return vf_tcss_modify(&r->ss, ec->ts, q, &val, v->line, err);
	}
	if (t > ec->ts) {
		vf_tcss_future_add(&r->ss, t, q, 0, &val, v->line);
		return VF_OK;
	}
	warn_once(r, ch->line, "futureTime is earlier than the event: the change is dropped",
	          ec->ts);
	return VF_OK;
}

enum vf_status vf_tcx_exec_change(struct vf_tcx_run *r, const struct vf_tcx_ectx *ec,
                                  const struct vf_tcx_change *ch, struct vf_error *err)
{
	switch (ch->kind) {
	case VF_TCX_SC_IF: {
		bool b;
		enum vf_status st = vf_tcx_eval_cond(r, ec, &ch->cond, &b, err);

		if (st != VF_OK) {
			return st;
		}
		if (b) {
			return ch->then_c ? vf_tcx_exec_change(r, ec, ch->then_c, err) : VF_OK;
		}
		return ch->else_c ? vf_tcx_exec_change(r, ec, ch->else_c, err) : VF_OK;
	}
	case VF_TCX_SC_ASSIGN:
		return assign(r, ec, ch, err);
	case VF_TCX_SC_SEGMENT:
		return vf_tcx_segment_exec(r, ec, ch->seg, err);
	default:
		return VF_OK;
	}
}

/* ---- the runner ---- */

struct vf_tcx_run *vf_tcx_run_new(const struct vf_tcx_file *f, const struct vf_tcx_analysis *a,
                                  const char *host_id, struct vf_error *err)
{
	struct vf_tcx_run *r = calloc(1, sizeof(*r));

	if (!r) {
		VF_ERROR_SET(err, VF_ERR_NOMEM, f->path, "out of memory");
		return NULL;
	}
	r->file = f;
	r->a = a;
	vf_tcss_init(&r->ss, f->path);
	r->host_id = vf_tcss_intern(&r->ss, host_id ? host_id : "");
	r->trace_name = r->host_id;
	vf_u64map_init(&r->handler_cache);
	vf_u64map_init(&r->pool_used);
	vf_u64map_init(&r->warned);
	r->latest_t = INT64_MIN;
	r->last_ts = INT64_MIN;
	if (a->kind == VF_TCX_PATTERN) {
		r->fsm_rt = calloc(a->fsm_count ? a->fsm_count : 1, sizeof(*r->fsm_rt));
		if (!r->fsm_rt) {
			vf_tcx_run_free(r);
			VF_ERROR_SET(err, VF_ERR_NOMEM, f->path, "out of memory");
			return NULL;
		}
	}
	return r;
}

void vf_tcx_run_free(struct vf_tcx_run *r)
{
	size_t cursor = 0, i;
	uint64_t key;
	void *val;

	if (!r) {
		return;
	}
	while (vf_u64map_next(&r->handler_cache, &cursor, &key, &val)) {
		free(val);
	}
	vf_u64map_fini(&r->handler_cache);
	vf_u64map_fini(&r->pool_used);
	vf_u64map_fini(&r->warned);
	vf_tcx_pattern_free(r);
	for (i = 0; i < r->seg_count; i++) {
		free(r->segs[i].name);
		free(r->segs[i].content);
	}
	free(r->segs);
	vf_tcss_fini(&r->ss);
	free(r);
}

static struct hlist *handlers_for(struct vf_tcx_run *r, const char *name)
{
	struct hlist *h = vf_u64map_get(&r->handler_cache, (uint64_t)(uintptr_t)name);
	size_t i, n = 0;

	if (h) {
		return h;
	}
	h = malloc(sizeof(*h) + (r->a->handler_count + 1) * sizeof(uint32_t));
	if (!h) {
		return NULL;
	}
	for (i = 0; i < r->a->handler_count; i++) {
		const struct vf_tcx_handler *eh = &r->a->handlers[i];

		if (vf_tcx_name_match(eh->event, eh->regex, name)) {
			h->idx[n++] = (uint32_t)i;
		}
	}
	h->count = n;
	vf_u64map_put(&r->handler_cache, (uint64_t)(uintptr_t)name, h);
	return h;
}

enum vf_status vf_tcx_run_event(struct vf_tcx_run *r, const struct vf_generic_event *g,
                                struct vf_error *err)
{
	struct vf_tcx_ectx ec = {.g = g, .ts = g->ts};
	enum vf_status st;
	size_t i, j;

	if (r->events == 0) {
		r->ss.start = g->ts;
		/* Trace Compass's host id of a CTF trace is its `hostname` environment entry */
		if (!r->is_stub && !r->fixed_host && r->info && r->info->hostname[0]) {
			r->host_id = vf_tcss_intern(&r->ss, r->info->hostname);
		}
	}
	r->events++;
	r->last_ts = g->ts;
	if (g->ts > r->latest_t) {
		r->latest_t = g->ts;
	}
	st = vf_tcss_future_flush(&r->ss, g->ts, err);
	if (st != VF_OK) {
		return st;
	}
	if (r->a->kind == VF_TCX_PATTERN) {
		return vf_tcx_pattern_event(r, &ec, err);
	}
	{
		struct hlist *h = handlers_for(r, g->name);

		if (!h) {
			VF_ERROR_SET(err, VF_ERR_NOMEM, r->file->path, "out of memory");
			return VF_ERR_NOMEM;
		}
		for (i = 0; i < h->count; i++) {
			const struct vf_tcx_handler *eh = &r->a->handlers[h->idx[i]];

			for (j = 0; j < eh->change_count; j++) {
				st = vf_tcx_exec_change(r, &ec, &eh->changes[j], err);
				if (st != VF_OK) {
					return st;
				}
			}
		}
	}
	return VF_OK;
}

enum vf_status vf_tcx_run_finish(struct vf_tcx_run *r, struct vf_error *err)
{
	enum vf_status st = vf_tcss_future_flush(&r->ss, INT64_MAX, err);

	if (st == VF_OK && r->a->kind == VF_TCX_PATTERN) {
		st = vf_tcx_pattern_dispose(r, err);
	}
	if (r->events > 0) {
		vf_tcss_close(&r->ss, r->last_ts);
	}
	return st;
}

struct vf_tcss *vf_tcx_run_ss(struct vf_tcx_run *r)
{
	return &r->ss;
}

const struct vf_tcx_segment_out *vf_tcx_run_segments(struct vf_tcx_run *r, size_t *count)
{
	*count = r->seg_count;
	return r->segs;
}

uint64_t vf_tcx_run_event_count(const struct vf_tcx_run *r)
{
	return r->events;
}

/* ---- reading a trace ---- */

static enum vf_status on_generic(void *user, const struct vf_generic_event *g,
                                 struct vf_error *err)
{
	return vf_tcx_run_event(user, g, err);
}

static bool ends_with_xml(const char *s)
{
	size_t n = strlen(s);

	return n >= 4 && strcasecmp(s + n - 4, ".xml") == 0;
}

struct vf_tcx_run *vf_tcx_run_trace(const struct vf_tcx_file *f, const char *id,
                                    const char *trace, struct vf_error *err)
{
	return vf_tcx_run_trace_host(f, id, trace, NULL, err);
}

struct vf_tcx_run *vf_tcx_run_trace_host(const struct vf_tcx_file *f, const char *id,
                                         const char *trace, const char *host_id,
                                         struct vf_error *err)
{
	const struct vf_tcx_analysis *a = NULL;
	struct vf_reader_callbacks cbs;
	struct vf_trace_info info;
	struct vf_tcx_run *r;
	const char *base = strrchr(trace, '/');
	char host[512];
	size_t i;

	if (id) {
		a = vf_tcx_find(f, id);
		if (!a) {
			VF_ERROR_SET(err, VF_ERR_USAGE, f->path, "no stateProvider or pattern with id '%s'",
			             id);
			return NULL;
		}
	} else {
		for (i = 0; i < f->analysis_count && !a; i++) {
			a = &f->analyses[i];
		}
		if (!a) {
			VF_ERROR_SET(err, VF_ERR_INPUT, f->path, "the file has no stateProvider or pattern");
			return NULL;
		}
	}
	if (f->error_count > 0) {
		for (i = 0; i < f->diag_count; i++) {
			if (!f->diags[i].warning) {
				char where[600];

				snprintf(where, sizeof(where), "%s:%d", f->path, f->diags[i].line);
				VF_ERROR_SET(err, VF_ERR_INPUT, where, "%s", f->diags[i].msg);
				return NULL;
			}
		}
	}
	/* host id: the trace name (Trace Compass's default host id) */
	snprintf(host, sizeof(host), "%s", base ? base + 1 : trace);
	{
		size_t n = strlen(host);

		while (n > 1 && host[n - 1] == '/') {
			host[--n] = '\0';
		}
	}
	r = vf_tcx_run_new(f, a, host, err);
	if (!r) {
		return NULL;
	}
	r->is_stub = ends_with_xml(trace);
	r->fixed_host = host_id != NULL;
	if (host_id) {
		r->host_id = vf_tcss_intern(&r->ss, host_id);
	}
	if (!vf_tcx_applies_to(a, r->is_stub)) {
		VF_LOGW("%s:%d: analysis '%s' lists trace types (head/traceType) that do not include "
		        "%s: Trace Compass would not offer it for %s (vmflow runs it anyway)",
		        f->path, a->line, a->id,
		        r->is_stub ? "the XML stub trace" : "LTTng kernel / CTF traces", trace);
	}
	memset(&cbs, 0, sizeof(cbs));
	cbs.user = r;
	r->info = &info;
	if (vf_trace_read_generic(trace, &cbs, on_generic, &info, err) != VF_OK) {
		vf_tcx_run_free(r);
		return NULL;
	}
	r->info = NULL;
	if (vf_tcx_run_finish(r, err) != VF_OK) {
		vf_tcx_run_free(r);
		return NULL;
	}
	return r;
}
