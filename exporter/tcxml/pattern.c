/* SPDX-License-Identifier: MIT */
/*
 * pattern.c - Trace Compass patterns: FSM scenarios (pending / in progress /
 * matched), preconditions, `consuming` and `multiple`, transitions with tests
 * and actions, the scenario attributes under scenarios/<fsm>/<n>, attribute
 * pools, and segments. The per-event algorithm is tracecompass-xml.md §4
 * (DataDrivenPatternEventHandler / DataDrivenFsm). FSMs are visited in
 * document order (Trace Compass's order is unspecified).
 */
#include "tcxml/run.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

enum { ST_PENDING = 0, ST_IN_PROGRESS = 1, ST_MATCHED = 2, ST_ABANDONED = 3 };

static enum vf_status nomem(struct vf_tcx_run *r, struct vf_error *err)
{
	VF_ERROR_SET(err, VF_ERR_NOMEM, r->file->path, "out of memory");
	return VF_ERR_NOMEM;
}

static uint32_t child(struct vf_tcx_run *r, uint32_t parent, const char *name)
{
	return vf_tcss_child(&r->ss, parent, name, true);
}

/* ---- attribute pools ---- */

uint32_t vf_tcx_pool_get(struct vf_tcx_run *r, struct vf_tcx_scn *scn, uint32_t base)
{
	size_t i;
	uint32_t n;
	char name[32];
	struct vf_tcx_pool_use *np;
	uint32_t q;

	for (i = 0; i < scn->pool_count; i++) {
		if (scn->pools[i].base == base) {
			return scn->pools[i].quark;
		}
	}
	for (n = 0; vf_u64map_get(&r->pool_used, vf_u64map_key2(base, n)); n++) {
	}
	snprintf(name, sizeof(name), "%u", n);
	q = child(r, base, name);
	np = realloc(scn->pools, (scn->pool_count + 1) * sizeof(*np));
	if (q == VF_TCSS_NONE || !np) {
		return VF_TCSS_NONE;
	}
	scn->pools = np;
	np[scn->pool_count].base = base;
	np[scn->pool_count].quark = q;
	scn->pool_count++;
	vf_u64map_put(&r->pool_used, vf_u64map_key2(base, n), (void *)1);
	return q;
}

static enum vf_status release_pools(struct vf_tcx_run *r, struct vf_tcx_scn *scn, int64_t t,
                                    struct vf_error *err)
{
	size_t i;
	enum vf_status st = VF_OK;

	for (i = 0; i < scn->pool_count && st == VF_OK; i++) {
		const char *nm = vf_tcss_name(&r->ss, scn->pools[i].quark);
		uint32_t n = (uint32_t)strtoul(nm, NULL, 10);

		vf_u64map_remove(&r->pool_used, vf_u64map_key2(scn->pools[i].base, n));
		st = vf_tcss_remove(&r->ss, t, scn->pools[i].quark, 0, err);
	}
	scn->pool_count = 0;
	return st;
}

/* ---- scenarios ---- */

static int take_num(struct vf_tcx_fsm_rt *rt)
{
	if (rt->free_head < rt->free_tail) {
		return rt->free_nums[rt->free_head++];
	}
	return rt->next_num++;
}

static void give_num(struct vf_tcx_fsm_rt *rt, int n)
{
	if (rt->free_tail == rt->free_cap) {
		if (rt->free_head > 0) {
			memmove(rt->free_nums, rt->free_nums + rt->free_head,
			        (rt->free_tail - rt->free_head) * sizeof(int));
			rt->free_tail -= rt->free_head;
			rt->free_head = 0;
		} else {
			size_t cap = rt->free_cap ? rt->free_cap * 2 : 8;
			int *nn = realloc(rt->free_nums, cap * sizeof(int));

			if (!nn) {
				return;
			}
			rt->free_nums = nn;
			rt->free_cap = cap;
		}
	}
	rt->free_nums[rt->free_tail++] = n;
}

static void scn_free(struct vf_tcx_scn *s)
{
	if (s) {
		free(s->enter);
		free(s->pools);
		free(s);
	}
}

static enum vf_status write_state(struct vf_tcx_run *r, struct vf_tcx_scn *s, int64_t t,
                                  struct vf_error *err)
{
	const struct vf_tcx_fsm *fsm = &r->a->fsms[s->fsm];
	struct vf_tcv v = {.type = VF_TCV_STRING};
	struct vf_tcv st = {.type = VF_TCV_INT, .i = s->status};
	uint32_t q = child(r, s->quark, "state");
	uint32_t qs = child(r, s->quark, "status");
	enum vf_status rc;

	if (q == VF_TCSS_NONE || qs == VF_TCSS_NONE) {
		return nomem(r, err);
	}
	v.s = vf_tcss_intern(&r->ss, fsm->states[s->state].id);
	rc = vf_tcss_modify(&r->ss, t, q, &v, fsm->line, err);
	if (rc == VF_OK) {
		rc = vf_tcss_modify(&r->ss, t, qs, &st, fsm->line, err);
	}
	return rc;
}

static struct vf_tcx_scn *scn_new(struct vf_tcx_run *r, uint32_t fsm_index, int64_t t,
                                  struct vf_error *err)
{
	const struct vf_tcx_fsm *fsm = &r->a->fsms[fsm_index];
	struct vf_tcx_fsm_rt *rt = &r->fsm_rt[fsm_index];
	struct vf_tcx_scn *s = calloc(1, sizeof(*s));
	char num[32];
	uint32_t q;
	size_t i;

	if (!s || !(s->enter = malloc((fsm->state_count + 1) * sizeof(int64_t)))) {
		scn_free(s);
		nomem(r, err);
		return NULL;
	}
	for (i = 0; i < fsm->state_count; i++) {
		s->enter[i] = INT64_MIN;
	}
	s->fsm = fsm_index;
	s->state = fsm->initial < 0 ? 0 : fsm->initial;
	s->status = ST_PENDING;
	s->num = take_num(rt);
	snprintf(num, sizeof(num), "%d", s->num);
	q = child(r, VF_TCSS_ROOT, "scenarios");
	q = q == VF_TCSS_NONE ? q : child(r, q, fsm->id);
	q = q == VF_TCSS_NONE ? q : child(r, q, num);
	if (q == VF_TCSS_NONE) {
		scn_free(s);
		nomem(r, err);
		return NULL;
	}
	s->quark = q;
	rt->scenario_count++;
	if (write_state(r, s, t, err) != VF_OK) {
		scn_free(s);
		return NULL;
	}
	return s;
}

static enum vf_status run_actions(struct vf_tcx_run *r, const struct vf_tcx_ectx *ec,
                                  const int *idx, size_t count, struct vf_error *err)
{
	size_t i, j;
	enum vf_status st;

	for (i = 0; i < count; i++) {
		const struct vf_tcx_action *a = &r->a->actions[idx[i]];

		for (j = 0; j < a->change_count; j++) {
			st = vf_tcx_exec_change(r, ec, &a->changes[j], err);
			if (st != VF_OK) {
				return st;
			}
		}
	}
	return VF_OK;
}

static enum vf_status tests_pass(struct vf_tcx_run *r, const struct vf_tcx_ectx *ec,
                                 const int *idx, size_t count, bool *res, struct vf_error *err)
{
	size_t i;

	*res = true;
	for (i = 0; i < count && *res; i++) {
		enum vf_status st = vf_tcx_eval_cond(r, ec, &r->a->tests[idx[i]].cond, res, err);

		if (st != VF_OK) {
			return st;
		}
	}
	return VF_OK;
}

static bool event_matches(const struct vf_tcx_event_match *m, const char *name)
{
	size_t i;

	if (m->alt_count == 0) {
		return true;
	}
	for (i = 0; i < m->alt_count; i++) {
		if (vf_tcx_name_match(m->alts[i], m->regexes[i], name)) {
			return true;
		}
	}
	return false;
}

/* Recycles a scenario: its quark subtree and pool attributes become null. */
static enum vf_status recycle(struct vf_tcx_run *r, struct vf_tcx_scn *s, int64_t t,
                              struct vf_error *err)
{
	enum vf_status st = vf_tcss_remove(&r->ss, t, s->quark, 0, err);

	if (st == VF_OK) {
		st = release_pools(r, s, t, err);
	}
	give_num(&r->fsm_rt[s->fsm], s->num);
	return st;
}

static enum vf_status scn_handle(struct vf_tcx_run *r, const struct vf_tcx_ectx *ev,
                                 struct vf_tcx_scn *s, bool *taken, struct vf_error *err)
{
	const struct vf_tcx_fsm *fsm = &r->a->fsms[s->fsm];
	const struct vf_tcx_state *cur = &fsm->states[s->state];
	struct vf_tcx_ectx ec = *ev;
	enum vf_status st;
	size_t i;

	ec.scn = s;
	*taken = false;
	for (i = 0; i < cur->tr_count; i++) {
		const struct vf_tcx_transition *t = &cur->tr[i];
		const struct vf_tcx_state *target;
		bool ok;

		if (t->target < 0 || !event_matches(&t->ev, ec.g ? ec.g->name : "")) {
			continue;
		}
		st = tests_pass(r, &ec, t->conds, t->cond_count, &ok, err);
		if (st != VF_OK) {
			return st;
		}
		if (!ok) {
			continue;
		}
		target = &fsm->states[t->target];
		st = run_actions(r, &ec, cur->onexit, (size_t)cur->onexit_count, err);
		if (st == VF_OK) {
			st = run_actions(r, &ec, t->actions, t->action_count, err);
		}
		if (st == VF_OK) {
			st = run_actions(r, &ec, target->onentry, (size_t)target->onentry_count, err);
		}
		if (st != VF_OK) {
			return st;
		}
		if (s->status == ST_PENDING) {
			struct vf_tcv v = {.type = VF_TCV_LONG, .i = ec.ts};
			uint32_t q = child(r, s->quark, "startTime");

			s->status = ST_IN_PROGRESS;
			if (q == VF_TCSS_NONE) {
				return nomem(r, err);
			}
			st = vf_tcss_modify(&r->ss, ec.ts, q, &v, t->line, err);
			if (st != VF_OK) {
				return st;
			}
		}
		if (target->tr_count == 0) {
			s->status = ST_MATCHED;
			st = recycle(r, s, ec.ts, err);
			if (st != VF_OK) {
				return st;
			}
		}
		if (t->target != s->state) {
			struct vf_tcv v = {.type = VF_TCV_LONG, .i = ec.ts};
			uint32_t q = child(r, s->quark, "state");

			q = q == VF_TCSS_NONE ? q : child(r, q, target->id);
			q = q == VF_TCSS_NONE ? q : child(r, q, "startTime");
			if (q == VF_TCSS_NONE) {
				return nomem(r, err);
			}
			st = vf_tcss_modify(&r->ss, ec.ts, q, &v, t->line, err);
			if (st != VF_OK) {
				return st;
			}
			s->enter[t->target] = ec.ts;
		}
		s->state = t->target;
		*taken = true;
		return write_state(r, s, ec.ts, err);
	}
	return VF_OK;
}

static enum vf_status make_pending(struct vf_tcx_run *r, uint32_t f, int64_t t,
                                   struct vf_error *err)
{
	struct vf_tcx_fsm_rt *rt = &r->fsm_rt[f];

	if (r->a->fsms[f].state_count == 0) {
		return VF_OK;
	}
	rt->active = true;
	rt->pending = scn_new(r, f, t, err);
	return rt->pending ? VF_OK : err->status;
}

static enum vf_status precondition(struct vf_tcx_run *r, const struct vf_tcx_ectx *ec,
                                   const struct vf_tcx_fsm *fsm, bool *ok, struct vf_error *err)
{
	size_t i;

	if (fsm->pre_count == 0) {
		*ok = true;
		return VF_OK;
	}
	*ok = false;
	for (i = 0; i < fsm->pre_count && !*ok; i++) {
		const struct vf_tcx_precond *p = &fsm->pre[i];

		if (!event_matches(&p->ev, ec->g ? ec->g->name : "")) {
			continue;
		}
		{
			enum vf_status st = tests_pass(r, ec, p->conds, p->cond_count, ok, err);

			if (st != VF_OK) {
				return st;
			}
		}
	}
	return VF_OK;
}

enum vf_status vf_tcx_pattern_event(struct vf_tcx_run *r, const struct vf_tcx_ectx *ec,
                                    struct vf_error *err)
{
	const struct vf_tcx_analysis *a = r->a;
	enum vf_status st;
	size_t f, i;

	if (!r->started) {
		r->started = true;
		if (a->has_initial_list) {
			for (i = 0; i < a->initial_count; i++) {
				st = make_pending(r, (uint32_t)a->initial_fsms[i], ec->ts, err);
				if (st != VF_OK) {
					return st;
				}
			}
		} else {
			for (f = 0; f < a->fsm_count; f++) {
				st = make_pending(r, (uint32_t)f, ec->ts, err);
				if (st != VF_OK) {
					return st;
				}
			}
		}
	} else {
		for (f = 0; f < a->fsm_count; f++) {
			struct vf_tcx_fsm_rt *rt = &r->fsm_rt[f];

			if (rt->scenario_count > 0 && a->fsms[f].multiple && !rt->pending) {
				st = make_pending(r, (uint32_t)f, ec->ts, err);
				if (st != VF_OK) {
					return st;
				}
			}
		}
	}
	for (f = 0; f < a->fsm_count; f++) {
		const struct vf_tcx_fsm *fsm = &a->fsms[f];
		struct vf_tcx_fsm_rt *rt = &r->fsm_rt[f];
		bool ok, consumed = false;
		size_t w = 0;

		if (!rt->active) {
			continue;
		}
		st = precondition(r, ec, fsm, &ok, err);
		if (st != VF_OK) {
			return st;
		}
		if (!ok) {
			continue;
		}
		for (i = 0; i < rt->count; i++) {
			struct vf_tcx_scn *s = rt->list[i];
			bool taken;

			if (fsm->consuming && consumed) {
				rt->list[w++] = s; /* not visited */
				continue;
			}
			if (s->status != ST_IN_PROGRESS) {
				rt->scenario_count--;
				scn_free(s);
				continue;
			}
			st = scn_handle(r, ec, s, &taken, err);
			if (st != VF_OK) {
				for (; i < rt->count; i++) {
					rt->list[w++] = rt->list[i];
				}
				rt->count = w;
				return st;
			}
			consumed |= taken;
			rt->list[w++] = s;
		}
		rt->count = w;
		if (!(fsm->consuming && consumed) && rt->pending) {
			bool taken;
			struct vf_tcx_scn *p = rt->pending;

			st = scn_handle(r, ec, p, &taken, err);
			if (st != VF_OK) {
				return st;
			}
			if (p->status != ST_PENDING) {
				if (rt->count == rt->cap) {
					size_t cap = rt->cap ? rt->cap * 2 : 8;
					struct vf_tcx_scn **nl = realloc(rt->list, cap * sizeof(*nl));

					if (!nl) {
						return nomem(r, err);
					}
					rt->list = nl;
					rt->cap = cap;
				}
				rt->list[rt->count++] = p;
				rt->pending = NULL;
			}
		}
	}
	return VF_OK;
}

enum vf_status vf_tcx_pattern_dispose(struct vf_tcx_run *r, struct vf_error *err)
{
	size_t f, i;
	enum vf_status st = VF_OK;
	int64_t t = r->latest_t;

	for (f = 0; r->fsm_rt && f < r->a->fsm_count && st == VF_OK; f++) {
		struct vf_tcx_fsm_rt *rt = &r->fsm_rt[f];

		for (i = 0; i < rt->count && st == VF_OK; i++) {
			struct vf_tcx_scn *s = rt->list[i];

			if (s->status == ST_IN_PROGRESS) {
				s->status = ST_ABANDONED; /* in memory only */
				st = recycle(r, s, t, err);
			}
		}
	}
	return st;
}

void vf_tcx_pattern_free(struct vf_tcx_run *r)
{
	size_t f, i;

	if (!r->fsm_rt) {
		return;
	}
	for (f = 0; f < r->a->fsm_count; f++) {
		struct vf_tcx_fsm_rt *rt = &r->fsm_rt[f];

		for (i = 0; i < rt->count; i++) {
			scn_free(rt->list[i]);
		}
		free(rt->list);
		scn_free(rt->pending);
		free(rt->free_nums);
	}
	free(r->fsm_rt);
	r->fsm_rt = NULL;
}

/* ---- segments ---- */

static bool number_of(const struct vf_tcv *v, int64_t *out)
{
	if (v->type == VF_TCV_INT || v->type == VF_TCV_LONG) {
		*out = v->i;
		return true;
	}
	if (v->type == VF_TCV_DOUBLE) {
		*out = (int64_t)v->d;
		return true;
	}
	return false;
}

struct content_item {
	const char *name;
	struct vf_tcv v;
};

static int cmp_item(const void *a, const void *b)
{
	return strcmp(((const struct content_item *)a)->name, ((const struct content_item *)b)->name);
}

enum vf_status vf_tcx_segment_exec(struct vf_tcx_run *r, const struct vf_tcx_ectx *ec,
                                   const struct vf_tcx_segment *s, struct vf_error *err)
{
	struct vf_tcx_segment_out *o;
	struct content_item *items = NULL;
	size_t n = 0, i, len;
	enum vf_status st;
	int64_t start, end = ec->ts, x;
	char buf[64];
	char *content;

	/* default start: start of the ongoing interval of <scenario>/startTime */
	start = r->ss.start;
	if (ec->scn) {
		uint32_t q = child(r, ec->scn->quark, "startTime");

		if (q == VF_TCSS_NONE) {
			return nomem(r, err);
		}
		start = r->ss.attrs[q].cur_start;
	}
	if (s->has_begin) {
		struct vf_tcv v;

		st = vf_tcx_eval_value(r, ec, &s->begin, &v, err);
		if (st != VF_OK) {
			return st;
		}
		if (number_of(&v, &x)) {
			start = x;
		}
	}
	if (s->has_end || s->has_duration) {
		struct vf_tcv v;

		st = vf_tcx_eval_value(r, ec, s->has_end ? &s->end : &s->duration, &v, err);
		if (st != VF_OK) {
			return st;
		}
		if (number_of(&v, &x)) {
			if (!s->has_end) {
				x += start;
			}
			if (x >= start) {
				end = x;
			}
		}
	}
	if (r->seg_count == r->seg_cap) {
		size_t cap = r->seg_cap ? r->seg_cap * 2 : 16;
		struct vf_tcx_segment_out *ns = realloc(r->segs, cap * sizeof(*ns));

		if (!ns) {
			return nomem(r, err);
		}
		r->segs = ns;
		r->seg_cap = cap;
	}
	o = &r->segs[r->seg_count];
	memset(o, 0, sizeof(*o));
	o->start = start;
	o->end = end;
	if (s->has_name_value) {
		struct vf_tcv v;

		st = vf_tcx_eval_value(r, ec, &s->name_value, &v, err);
		if (st != VF_OK) {
			return st;
		}
		o->name = strdup(vf_tcv_to_string(&v, buf, sizeof(buf)));
	} else {
		o->name = strdup(s->name ? s->name : "null");
	}
	if (s->field_count) {
		items = calloc(s->field_count, sizeof(*items));
		if (!items) {
			free(o->name);
			return nomem(r, err);
		}
	}
	for (i = 0; i < s->field_count; i++) {
		struct vf_tcv v;
		const struct vf_tcx_segfield *sf = &s->fields[i];
		char b2[64];

		st = vf_tcx_eval_value(r, ec, &sf->value, &v, err);
		if (st != VF_OK) {
			free(items);
			free(o->name);
			return st;
		}
		if (v.type != VF_TCV_NULL && sf->type != VF_TCV_NULL && v.type != sf->type) {
			/* the segField type forces the value (Java narrowing / toString) */
			if (sf->type == VF_TCV_STRING) {
				v.s = vf_tcss_intern(&r->ss, vf_tcv_to_string(&v, b2, sizeof(b2)));
			} else if (v.type == VF_TCV_STRING) {
				v.i = strtoll(v.s, NULL, 10);
			} else if (v.type == VF_TCV_DOUBLE) {
				v.i = (int64_t)v.d;
			}
			if (sf->type == VF_TCV_INT) {
				v.i = (int32_t)v.i;
			}
			v.type = (uint8_t)sf->type;
		}
		if (v.type == VF_TCV_NULL || !sf->name) {
			continue;
		}
		items[n].name = sf->name;
		items[n].v = v;
		n++;
	}
	if (n > 1) {
		qsort(items, n, sizeof(*items), cmp_item);
	}
	len = 3;
	for (i = 0; i < n; i++) {
		len += strlen(items[i].name) + strlen(vf_tcv_to_string(&items[i].v, buf, sizeof(buf))) +
		       16;
	}
	content = malloc(len);
	if (!content) {
		free(items);
		free(o->name);
		return nomem(r, err);
	}
	strcpy(content, "{");
	for (i = 0; i < n; i++) {
		size_t cl = strlen(content);

		snprintf(content + cl, len - cl, "%s%s:%s=%s", i ? ", " : "", items[i].name,
		         vf_tcv_type_name(items[i].v.type),
		         vf_tcv_to_string(&items[i].v, buf, sizeof(buf)));
	}
	strcat(content, "}");
	o->content = content;
	free(items);
	r->seg_count++;
	return VF_OK;
}

static int cmp_seg(const void *a, const void *b)
{
	const struct vf_tcx_segment_out *x = a, *y = b;

	if (x->start != y->start) {
		return x->start < y->start ? -1 : 1;
	}
	if (x->end != y->end) {
		return x->end < y->end ? -1 : 1;
	}
	return 0;
}

enum vf_status vf_tcx_write_segments(struct vf_tcx_run *r, FILE *fp, struct vf_error *err)
{
	size_t i;

	/* stable for equal keys: mergesort is not in C; qsort plus creation index tie-break */
	struct vf_tcx_segment_out *copy = malloc((r->seg_count ? r->seg_count : 1) * sizeof(*copy));

	if (!copy) {
		return nomem(r, err);
	}
	if (r->seg_count) {
		memcpy(copy, r->segs, r->seg_count * sizeof(*copy));
		qsort(copy, r->seg_count, sizeof(*copy), cmp_seg);
	}
	fprintf(fp, "start\tend\tduration\tname\tcontent\n");
	for (i = 0; i < r->seg_count; i++) {
		fprintf(fp, "%" PRId64 "\t%" PRId64 "\t%" PRId64 "\t%s\t%s\n", copy[i].start,
		        copy[i].end, copy[i].end - copy[i].start, copy[i].name, copy[i].content);
	}
	free(copy);
	if (ferror(fp)) {
		VF_ERROR_SET(err, VF_ERR_IO, "segments.tsv", "cannot write (disk full?)");
		return VF_ERR_IO;
	}
	return VF_OK;
}
