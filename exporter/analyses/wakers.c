/* SPDX-License-Identifier: MIT */
/*
 * wakers.c - wake-up relations and the per-process path (see wakers.h).
 *
 * A wake-up is counted once: the first of sched_waking, sched_wakeup,
 * sched_wakeup_new or sched_ttwu for a wakee since its last switch out
 * (kernels emit waking then wakeup for the same wake-up). The waker is the
 * thread the event runs in (its pid/tid context, or the thread current on
 * that CPU): a vCPU thread (its VM and vcpu, and the guest process loaded on
 * it), vhost-<pid>, the QEMU main thread, the idle task (an interrupt: timer
 * or device) or another host thread (by comm). Owns the entity names
 * (strtab), one pair map and one per-wakee "last counted" map: memory by
 * entities and pairs, not events. The critical path reads the waits' wakers
 * kept by the vCPU state analysis (vf_vcpu_state_borrow_wait_sources()).
 *
 * Thread lines (for the critical path's walk, critical_path.c): every host
 * thread seen in a sched_switch gets a path "<tid>" in a scratch history of
 * its own (spilled to disk like the main one: memory by threads, not events)
 * with "run" while on a CPU, "wait_cpu" while runnable (preempted, or woken
 * and not yet switched in), and "blk:<waker tid>" while blocked, ended by the
 * first wake-up after the switch out ("blk:-1": woken in no known thread's
 * context, "blk:?": switched in again with no wake-up seen, "blk:-": still
 * blocked at the end). Events replayed from a thread's prelog (older than the
 * last event) are not recorded twice.
 */
#include "analyses/wakers.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "common/strtab.h"
#include "common/u64map.h"

struct pair {
	uint32_t waker;
	uint32_t wakee;
	uint8_t level; /* 0 vcpu (threads), 1 process */
	uint64_t count;
};

enum { TL_NONE, TL_RUN, TL_CPU, TL_BLK };

struct tline {
	int32_t tid;
	uint32_t path; /* in wakers.lines */
	uint8_t st;
	int64_t since;
};

struct wakers {
	struct vf_analysis_ctx *ctx; /* borrowed */
	struct vf_strtab names;      /* owned: entity names */
	struct vf_u64map pairs;      /* (level, waker, wakee) -> index + 1 */
	struct pair *list;           /* owned */
	size_t count, cap;
	struct vf_u64map counted;    /* wakee tid -> last counted wake time + 1 (as pointer) */
	struct vf_history *lines;    /* owned: per-thread lines (see above) */
	struct vf_u64map line_index; /* tid -> index + 1 in line_list */
	struct tline *line_list;     /* owned */
	size_t line_count, line_cap;
	int64_t now;                 /* last event time (replayed prelog events are older) */
};

static enum vf_status nomem(struct vf_error *err)
{
	VF_ERROR_SET(err, VF_ERR_NOMEM, NULL, "out of memory in the wakers analysis");
	return VF_ERR_NOMEM;
}

static void wk_destroy_partial(struct wakers *w)
{
	vf_strtab_fini(&w->names);
	vf_u64map_fini(&w->pairs);
	vf_u64map_fini(&w->counted);
	vf_u64map_fini(&w->line_index);
	vf_history_free(w->lines);
	free(w->line_list);
	free(w->list);
	free(w);
}

static void *wk_create(struct vf_analysis_ctx *ctx, struct vf_error *err)
{
	struct wakers *w = calloc(1, sizeof(*w));

	if (!w) {
		nomem(err);
		return NULL;
	}
	w->ctx = ctx;
	vf_strtab_init(&w->names);
	vf_u64map_init(&w->pairs);
	vf_u64map_init(&w->counted);
	vf_u64map_init(&w->line_index);
	w->now = INT64_MIN;
	w->lines = vf_history_new(NULL, err);
	if (!w->lines) {
		wk_destroy_partial(w);
		return NULL;
	}
	return w;
}

static void wk_destroy(void *self)
{
	struct wakers *w = self;

	if (!w) {
		return;
	}
	wk_destroy_partial(w);
}

void vf_wakers_entity(const struct vf_model *m, const struct vf_thread *t, char *buf, size_t size)
{
	if (!t) {
		snprintf(buf, size, "unknown");
	} else if (t->vcpu) {
		snprintf(buf, size, "vcpu:%d/%u", (int)t->vcpu->vm->pid, t->vcpu->vcpu_id);
	} else if (t->role == VF_THREAD_ROLE_VHOST && t->vhost_owner_pid > 0) {
		snprintf(buf, size, "vhost:%d", (int)t->vhost_owner_pid);
	} else if (t->tid > 0 && t->tid == t->pid && vf_model_borrow_vm(m, t->pid)) {
		snprintf(buf, size, "qemu:%d", (int)t->pid);
	} else if (t->tid == 0) {
		snprintf(buf, size, "idle");
	} else {
		snprintf(buf, size, "host:%s", t->comm[0] ? t->comm : "?");
	}
}

/* The guest process loaded on t's vCPU, if any. */
static bool process_entity(const struct vf_thread *t, char *buf, size_t size)
{
	if (!t || !t->vcpu || !t->vcpu->guest.has_loaded_cr3) {
		return false;
	}
	snprintf(buf, size, "process:%d/0x%" PRIx64, (int)t->vcpu->vm->pid,
		 t->vcpu->guest.loaded_cr3);
	return true;
}

static enum vf_status count_pair(struct wakers *w, uint8_t level, const char *waker,
				 const char *wakee, uint64_t n, struct vf_error *err)
{
	uint32_t a = vf_strtab_intern(&w->names, waker), b = vf_strtab_intern(&w->names, wakee);
	uint64_t key;
	void *found;

	if (a == VF_STRTAB_NONE || b == VF_STRTAB_NONE) {
		return nomem(err);
	}
	key = ((uint64_t)level << 62) ^ ((uint64_t)a << 31) ^ b;
	found = vf_u64map_get(&w->pairs, key);
	if (found) {
		w->list[(uintptr_t)found - 1].count += n;
		return VF_OK;
	}
	if (w->count == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 32;
		struct pair *grown = realloc(w->list, cap * sizeof(*grown));

		if (!grown) {
			return nomem(err);
		}
		w->list = grown;
		w->cap = cap;
	}
	if (!vf_u64map_put(&w->pairs, key, (void *)(uintptr_t)(w->count + 1))) {
		return nomem(err);
	}
	w->list[w->count].waker = a;
	w->list[w->count].wakee = b;
	w->list[w->count].level = level;
	w->list[w->count].count = n;
	w->count++;
	return VF_OK;
}

/* The line of thread tid (created on first use); NULL: no memory. */
static struct tline *line_of(struct wakers *w, int32_t tid)
{
	void *found = vf_u64map_get(&w->line_index, (uint64_t)(uint32_t)tid);
	struct tline *l;
	char name[16];

	if (found) {
		return &w->line_list[(uintptr_t)found - 1];
	}
	if (w->line_count == w->line_cap) {
		size_t cap = w->line_cap ? w->line_cap * 2 : 64;
		struct tline *grown = realloc(w->line_list, cap * sizeof(*grown));

		if (!grown) {
			return NULL;
		}
		w->line_list = grown;
		w->line_cap = cap;
	}
	snprintf(name, sizeof(name), "%d", (int)tid);
	l = &w->line_list[w->line_count];
	l->tid = tid;
	l->path = vf_history_path(w->lines, name);
	l->st = TL_NONE;
	l->since = 0;
	if (l->path == VF_HISTORY_NONE ||
	    !vf_u64map_put(&w->line_index, (uint64_t)(uint32_t)tid,
			   (void *)(uintptr_t)(w->line_count + 1))) {
		return NULL;
	}
	w->line_count++;
	return l;
}

/* Closes l's current interval at ts with value text v and moves it to state st. */
static enum vf_status line_move(struct wakers *w, struct tline *l, int64_t ts, const char *v,
				uint8_t st, struct vf_error *err)
{
	if (l->st != TL_NONE && v && ts > l->since) {
		uint32_t value = vf_history_value(w->lines, v);

		if (value == VF_HISTORY_NONE) {
			return nomem(err);
		}
		if (vf_history_add(w->lines, l->path, l->since, ts, value, err) != VF_OK) {
			return err->status;
		}
	}
	l->st = st;
	l->since = ts;
	return VF_OK;
}

static const char *line_value(uint8_t st)
{
	return st == TL_RUN ? "run" : st == TL_CPU ? "wait_cpu" : st == TL_BLK ? "blk:?" : NULL;
}

static enum vf_status on_switch(void *self, const struct vf_event *ev,
				const struct vf_model_update *up, struct vf_error *err)
{
	struct wakers *w = self;
	int32_t prev = ev->u.sched_switch.prev_tid, next = ev->u.sched_switch.next_tid;
	struct tline *l;

	(void)up;
	if (w->ctx->opt.no_thread_lines) {
		return VF_OK;
	}
	if (ev->ts_ns < w->now) {
		return VF_OK; /* a replayed prelog entry: already recorded */
	}
	w->now = ev->ts_ns;
	if (prev > 0) {
		if (!(l = line_of(w, prev))) {
			return nomem(err);
		}
		if (line_move(w, l, ev->ts_ns, l->st == TL_RUN ? "run" : line_value(l->st),
			      vf_prev_state_is_runnable(ev->u.sched_switch.prev_state) ? TL_CPU
										   : TL_BLK,
			      err) != VF_OK) {
			return err->status;
		}
	}
	if (next > 0) {
		if (!(l = line_of(w, next))) {
			return nomem(err);
		}
		if (line_move(w, l, ev->ts_ns, line_value(l->st), TL_RUN, err) != VF_OK) {
			return err->status;
		}
	}
	return VF_OK;
}

/* A wake-up of a blocked thread ends its blocked stretch: "blk:<waker tid>". */
static enum vf_status line_wake(struct wakers *w, const struct vf_event *ev,
				const struct vf_model_update *up, int32_t tid, struct vf_error *err)
{
	struct tline *l;
	char v[24];

	if (w->ctx->opt.no_thread_lines) {
		return VF_OK;
	}
	if (ev->ts_ns < w->now) {
		return VF_OK;
	}
	w->now = ev->ts_ns;
	if (!(l = line_of(w, tid))) {
		return nomem(err);
	}
	if (l->st == TL_BLK) {
		snprintf(v, sizeof(v), "blk:%d", up->thread ? (int)up->thread->tid : -1);
		return line_move(w, l, ev->ts_ns, v, TL_CPU, err);
	}
	if (l->st == TL_NONE) {
		return line_move(w, l, ev->ts_ns, NULL, TL_CPU, err);
	}
	return VF_OK;
}

struct vf_history *vf_wakers_borrow_lines(const void *self)
{
	return ((const struct wakers *)self)->lines;
}

static enum vf_status on_wake(void *self, const struct vf_event *ev,
			      const struct vf_model_update *up, struct vf_error *err)
{
	struct wakers *w = self;
	const struct vf_model *m = w->ctx->model;
	int32_t tid = ev->u.sched_wake.tid;
	const struct vf_thread *wakee = vf_model_borrow_thread(m, tid);
	uintptr_t last;
	char a[64], b[64];
	enum vf_status st;

	if (tid <= 0) {
		return VF_OK;
	}
	if (line_wake(w, ev, up, tid, err) != VF_OK) {
		return err->status;
	}
	/* Once per wake-up: not again until the wakee was switched out after the last one. */
	last = (uintptr_t)vf_u64map_get(&w->counted, (uint64_t)(uint32_t)tid);
	if (last && (!wakee || wakee->last_switch_out_ns <= (int64_t)(last - 1))) {
		return VF_OK;
	}
	if (!vf_u64map_put(&w->counted, (uint64_t)(uint32_t)tid,
			   (void *)(uintptr_t)((uint64_t)ev->ts_ns + 1))) {
		return nomem(err);
	}
	/* Thread rows are kept by tid and named at the end (a vCPU thread is often woken
	   before its first kvm event says it is one). */
	snprintf(a, sizeof(a), "#%d", up->thread ? (int)up->thread->tid : -1);
	snprintf(b, sizeof(b), "#%d", (int)tid);
	st = count_pair(w, 0, a, b, 1, err);
	if (st == VF_OK && wakee && wakee->vcpu) {
		char pa[64], pb[64];

		if (!process_entity(up->thread, pa, sizeof(pa))) {
			vf_wakers_entity(m, up->thread, pa, sizeof(pa));
		}
		if (process_entity(wakee, pb, sizeof(pb))) {
			st = count_pair(w, 1, pa, pb, 1, err);
		}
	}
	return st;
}

static enum vf_status wk_finish(void *self, int64_t end_ns, struct vf_error *err)
{
	struct wakers *w = self;
	size_t i;

	for (i = 0; i < w->line_count; i++) {
		struct tline *l = &w->line_list[i];

		if (line_move(w, l, end_ns, l->st == TL_BLK ? "blk:-" : line_value(l->st), TL_NONE,
			      err) != VF_OK) {
			return err->status;
		}
	}
	return VF_OK;
}

static _Thread_local const struct wakers *g_sort_w; /* qsort context, per thread */

static int cmp_pair(const void *x, const void *y)
{
	const struct pair *p = x, *q = y;
	int c;

	if (p->level != q->level) {
		return p->level < q->level ? -1 : 1;
	}
	c = strcmp(vf_strtab_get(&g_sort_w->names, p->wakee), vf_strtab_get(&g_sort_w->names, q->wakee));
	if (c) {
		return c;
	}
	return strcmp(vf_strtab_get(&g_sort_w->names, p->waker),
		      vf_strtab_get(&g_sort_w->names, q->waker));
}

/* The entity of a "#<tid>" token, as the model knows the thread at the end. */
static void token_entity(const struct vf_model *m, const char *token, char *buf, size_t size)
{
	int tid = atoi(token + 1);

	vf_wakers_entity(m, tid >= 0 ? vf_model_borrow_thread(m, tid) : NULL, buf, size);
}

enum vf_status vf_wakers_tsv_write(FILE *fp, const void *self, struct vf_error *err)
{
	const struct wakers *w = self;
	struct wakers out;
	enum vf_status st = VF_OK;
	size_t i;

	/* Name the thread rows and merge those that name the same entities. */
	memset(&out, 0, sizeof(out));
	vf_strtab_init(&out.names);
	vf_u64map_init(&out.pairs);
	for (i = 0; i < w->count && st == VF_OK; i++) {
		const char *a = vf_strtab_get(&w->names, w->list[i].waker);
		const char *b = vf_strtab_get(&w->names, w->list[i].wakee);
		char na[64], nb[64];

		if (w->list[i].level == 0) {
			token_entity(w->ctx->model, a, na, sizeof(na));
			token_entity(w->ctx->model, b, nb, sizeof(nb));
			a = na;
			b = nb;
		}
		st = count_pair(&out, w->list[i].level, a, b, w->list[i].count, err);
	}
	if (st == VF_OK && out.count) {
		g_sort_w = &out;
		qsort(out.list, out.count, sizeof(*out.list), cmp_pair);
	}
	for (i = 0; st == VF_OK && i < out.count; i++) {
		fprintf(fp, "%s\t%s\t%s\t-\t%" PRIu64 "\n", out.list[i].level ? "process" : "vcpu",
			vf_strtab_get(&out.names, out.list[i].waker),
			vf_strtab_get(&out.names, out.list[i].wakee), out.list[i].count);
	}
	vf_strtab_fini(&out.names);
	vf_u64map_fini(&out.pairs);
	free(out.list);
	return st;
}

/* ---- the "own" rows of critical_path.tsv ---- */

static void edge_of(const char *status, bool nested, const char **edge, const char **level)
{
	*level = nested ? "HL2" : "HL1";
	if (strcmp(status, "running") == 0) {
		*edge = "RUNNING";
	} else if (strcmp(status, "hypervisor") == 0) {
		*edge = "RUNNING";
		*level = nested ? "HL1" : "HL0"; /* an exit handled one level down */
	} else if (strncmp(status, "preempted_", 10) == 0) {
		*edge = "PREEMPTED";
	} else if (strcmp(status, "wait_timer") == 0) {
		*edge = "TIMER";
	} else if (strcmp(status, "wait_disk") == 0) {
		*edge = "BLOCK_DEVICE";
	} else if (strcmp(status, "wait_net") == 0) {
		*edge = "NETWORK";
	} else if (strcmp(status, "wait_task") == 0) {
		*edge = "IPI";
	} else if (strcmp(status, "wait_host") == 0) {
		*edge = "BLOCKED";
		*level = "HL0";
	} else {
		*edge = "UNKNOWN";
	}
}

/* A cursor over one path, moved forward only. */
struct pcur {
	struct vf_history_path_iter *it; /* owned; NULL: none */
	bool valid;
	int64_t s, e;
	uint32_t v;
};

static void pcur_next(struct pcur *c)
{
	c->valid = c->it && vf_history_path_iter_next(c->it, &c->s, &c->e, &c->v);
}

/* The vCPUs of VM pid with a Process path, each with a Process cursor and a wake-up cursor. */
struct vcpu_cur {
	uint32_t vcpu_id;
	struct pcur process;
	struct pcur wakes;
};

static enum vf_status open_vcpu_cursors(struct vf_history *h, struct vf_history *sources,
					long pid, struct vcpu_cur **out, size_t *count,
					struct vf_error *err)
{
	uint32_t n = vf_history_path_count(h), p;
	char prefix[40];
	size_t plen, cap = 0;

	*out = NULL;
	*count = 0;
	snprintf(prefix, sizeof(prefix), "VMs/%ld/vCPUs/", pid);
	plen = strlen(prefix);
	for (p = 0; p < n; p++) {
		const char *path = vf_history_path_name(h, p);
		char *end;
		unsigned long id;
		struct vcpu_cur *c;

		if (strncmp(path, prefix, plen) != 0) {
			continue;
		}
		id = strtoul(path + plen, &end, 10);
		if (strcmp(end, "/Process") != 0) {
			continue;
		}
		if (*count == cap) {
			size_t nc = cap ? cap * 2 : 8;
			struct vcpu_cur *m = realloc(*out, nc * sizeof(*m));

			if (!m) {
				return nomem(err);
			}
			*out = m;
			cap = nc;
		}
		c = &(*out)[(*count)++];
		memset(c, 0, sizeof(*c));
		c->vcpu_id = (uint32_t)id;
		c->process.it = vf_history_path_iter_new(h, p, err);
		if (!c->process.it) {
			return err->status;
		}
		pcur_next(&c->process);
		if (sources) {
			char wp[48];
			uint32_t wid;

			snprintf(wp, sizeof(wp), "%ld/%lu", pid, id);
			wid = vf_history_find_path(sources, wp);
			if (wid != VF_HISTORY_NONE) {
				c->wakes.it = vf_history_path_iter_new(sources, wid, err);
				if (!c->wakes.it) {
					return err->status;
				}
				pcur_next(&c->wakes);
			}
		}
	}
	return VF_OK;
}

static enum vf_status close_vcpu_cursors(struct vcpu_cur *c, size_t n, enum vf_status st,
					 struct vf_error *err)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (c[i].process.it && vf_history_path_iter_free(c[i].process.it, err) != VF_OK &&
		    st == VF_OK) {
			st = err->status;
		}
		if (c[i].wakes.it && vf_history_path_iter_free(c[i].wakes.it, err) != VF_OK &&
		    st == VF_OK) {
			st = err->status;
		}
	}
	free(c);
	return st;
}

/*
 * Who ended the wait [s, e) of process `want` (its value text): the waker of the
 * first wait labelled at or after e on the vCPU the process was loaded on at s
 * (a wait is labelled after its switch in). Cursors only move forward.
 */
static const char *waker_of(const struct vf_history *sources, struct vcpu_cur *c, size_t n,
			    const struct vf_history *h, const char *want, int64_t s, int64_t e)
{
	const char *found = NULL;
	size_t i;

	for (i = 0; i < n && !found; i++) {
		struct pcur *pc = &c[i].process;

		while (pc->valid && pc->e <= s) {
			pcur_next(pc);
		}
		if (!pc->valid || pc->s > s || strcmp(vf_history_value_name(h, pc->v), want) != 0) {
			continue;
		}
		while (c[i].wakes.valid && c[i].wakes.s < e) {
			pcur_next(&c[i].wakes);
		}
		found = c[i].wakes.valid ? vf_history_value_name(sources, c[i].wakes.v) : "-";
	}
	return found ? found : "-";
}

static enum vf_status critical_path(FILE *fp, struct vf_history *h, struct vf_history *sources,
				    uint64_t cr3, struct vf_error *err)
{
	uint32_t n = vf_history_path_count(h), p;
	char want[40], value[24];
	size_t want_len;
	enum vf_status st = VF_OK;

	snprintf(want, sizeof(want), "/Processes/0x%" PRIx64 "/Status", cr3);
	snprintf(value, sizeof(value), "0x%" PRIx64, cr3);
	want_len = strlen(want);
	/* paths are few (entities); the matching ones are read with a cursor each */
	for (p = 0; p < n && st == VF_OK; p++) {
		const char *path = vf_history_path_name(h, p);
		size_t len = strlen(path), vc_count = 0;
		struct vf_history_path_iter *it;
		struct vcpu_cur *vc = NULL;
		const char *nested_at;
		char nested[24] = "-";
		long pid;
		int64_t s, e;
		uint32_t v;

		if (len < want_len || strcmp(path + len - want_len, want) != 0 ||
		    strncmp(path, "VMs/", 4) != 0) {
			continue;
		}
		pid = strtol(path + 4, NULL, 10);
		nested_at = strstr(path, "/Nested/");
		if (nested_at) {
			snprintf(nested, sizeof(nested), "%.*s",
				 (int)strcspn(nested_at + 8, "/"), nested_at + 8);
		} else {
			st = open_vcpu_cursors(h, sources, pid, &vc, &vc_count, err);
			if (st != VF_OK) {
				return close_vcpu_cursors(vc, vc_count, st, err);
			}
		}
		it = vf_history_path_iter_new(h, p, err);
		if (!it) {
			return close_vcpu_cursors(vc, vc_count, err->status, err);
		}
		while (vf_history_path_iter_next(it, &s, &e, &v)) {
			const char *status = vf_history_value_name(h, v), *edge, *level;
			const char *by = "-";

			edge_of(status, nested_at != NULL, &edge, &level);
			if (!nested_at && strncmp(status, "wait_", 5) == 0) {
				by = waker_of(sources, vc, vc_count, h, value, s, e);
			}
			if (nested_at) {
				fprintf(fp, "own\tprocess:%ld/%s/0x%" PRIx64, pid, nested, cr3);
			} else {
				fprintf(fp, "own\tprocess:%ld/0x%" PRIx64, pid, cr3);
			}
			fprintf(fp, "\t%" PRId64 "\t%" PRId64 "\t%" PRId64 "\t%s\t%s\t0\t%s\n", s, e,
				e - s, edge, level, by);
		}
		st = vf_history_path_iter_free(it, err);
		st = close_vcpu_cursors(vc, vc_count, st, err);
	}
	return st;
}

enum vf_status vf_critical_path_own_write(FILE *fp, struct vf_history *h,
					  struct vf_history *sources, uint64_t cr3,
					  struct vf_error *err)
{
	return critical_path(fp, h, sources, cr3, err);
}

static const struct vf_analysis_handler wk_handlers[] = {
	{VF_EV_SCHED_SWITCH, on_switch},
	{VF_EV_SCHED_WAKING, on_wake},
	{VF_EV_SCHED_WAKEUP, on_wake},
	{VF_EV_SCHED_WAKEUP_NEW, on_wake},
	{VF_EV_SCHED_TTWU, on_wake},
};

const struct vf_analysis_module vf_wakers_module = {
	.name = "wakers",
	.create = wk_create,
	.destroy = wk_destroy,
	.vcpu_bound = NULL,
	.vcpu_lost = NULL,
	.vcpu_missed_in = NULL,
	.finish = wk_finish,
	.handlers = wk_handlers,
	.handler_count = sizeof(wk_handlers) / sizeof(wk_handlers[0]),
};
