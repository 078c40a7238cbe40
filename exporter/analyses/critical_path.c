/* SPDX-License-Identifier: MIT */
/*
 * critical_path.c - the walk of the critical path (see critical_path.h).
 *
 * Workers: the target process (its Status path), a vCPU (its Status path;
 * its guest stretches are named after the process loaded on it, from the
 * vCPU's Process path) and any other host thread (its line from wakers.c:
 * run / wait_cpu / blk:<waker>). A blocking stretch (BLOCK_DEVICE, NETWORK,
 * IPI, host BLOCKED; never TIMER or UNKNOWN) of a process or vCPU is split
 * by the line of the vCPU thread that was blocked: each "blk:<waker>" part
 * is replaced by the waker's walk over that part (depth + 1), the rest (the
 * wake-up latency: runnable, switching in) stays on the blocked worker with
 * its edge. The waker of a vCPU wait is the one the vCPU state analysis
 * gave it (the thread that raised the interrupt: kvm_x86_apic_accept_irq's
 * context, e.g. the vCPU sending an IPI) when that names one host thread,
 * else the thread whose context the wake-up was traced in. A host thread's "blk:<waker>" part is
 * replaced the same way. Not followed (the stretch stays, woken_by names the waker): the idle task
 * or no known thread as waker, a waker already on the recursion stack (a cycle), depth
 * VF_CRITICAL_PATH_MAX_DEPTH.
 *
 * The rows partition the target's time, in time order, so every path is
 * queried at non-decreasing times: one forward cursor per path visited,
 * opened lazily (memory by entities). Owns the rows (proportional to the
 * target's intervals and the wakers' stretches inside them) and the names.
 */
#include "analyses/critical_path.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "analyses/wakers.h"
#include "common/strtab.h"
#include "common/u64map.h"

enum edge {
	E_RUNNING,
	E_PREEMPTED,
	E_TIMER,
	E_BLOCK_DEVICE,
	E_NETWORK,
	E_IPI,
	E_BLOCKED,
	E_UNKNOWN
};

static const char *const edge_names[] = {"RUNNING", "PREEMPTED", "TIMER",   "BLOCK_DEVICE",
                                         "NETWORK", "IPI",       "BLOCKED", "UNKNOWN"};

struct cursor {
	struct vf_history_path_iter *it; /* owned */
	bool valid;
	int64_t s, e;
	uint32_t v;
};

struct row {
	uint32_t worker; /* names */
	int64_t s, e;
	uint8_t edge, level, depth;
	uint32_t by; /* names */
};

struct walk {
	const struct vf_critical_path_inputs *in;
	struct vf_error *err;
	enum vf_status st;
	struct vf_strtab names;
	struct vf_u64map cur_index; /* (history 0 main / 1 lines / 2 sources, path) -> index + 1 */
	struct vf_u64map by_name;   /* names id -> tid + 1 (UINTPTR_MAX: several threads) */
	bool by_name_built;
	struct cursor **curs; /* owned, each owned: stable addresses while the walk holds them */
	size_t cur_count, cur_cap;
	struct row *rows;
	size_t row_count, row_cap;
	int32_t stack[2 * VF_CRITICAL_PATH_MAX_DEPTH + 4]; /* threads on the recursion stack */
	unsigned stack_len;
};

static void fail_nomem(struct walk *w)
{
	if (w->st == VF_OK) {
		VF_ERROR_SET(w->err, VF_ERR_NOMEM, NULL, "out of memory in the critical path");
		w->st = VF_ERR_NOMEM;
	}
}

/* The cursor of path_id in history `which` (0: in->h, 1: in->lines); NULL on error. */
static struct cursor *cursor_of(struct walk *w, int which, uint32_t path_id)
{
	uint64_t key = vf_u64map_key2((uint32_t)which, path_id);
	void *found = vf_u64map_get(&w->cur_index, key);
	struct cursor *c;

	if (found) {
		return w->curs[(uintptr_t)found - 1];
	}
	if (w->cur_count == w->cur_cap) {
		size_t cap = w->cur_cap ? w->cur_cap * 2 : 16;
		struct cursor **grown = realloc(w->curs, cap * sizeof(*grown));

		if (!grown) {
			fail_nomem(w);
			return NULL;
		}
		w->curs = grown;
		w->cur_cap = cap;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		fail_nomem(w);
		return NULL;
	}
	c->it = vf_history_path_iter_new(which == 0   ? w->in->h
	                                 : which == 1 ? w->in->lines
	                                              : w->in->sources,
	                                 path_id, w->err);
	if (!c->it) {
		if (w->st == VF_OK) {
			w->st = w->err->status ? w->err->status : VF_ERR_NOMEM;
		}
		free(c);
		return NULL;
	}
	if (!vf_u64map_put(&w->cur_index, key, (void *)(uintptr_t)(w->cur_count + 1))) {
		vf_history_path_iter_free(c->it, w->err);
		free(c);
		fail_nomem(w);
		return NULL;
	}
	w->curs[w->cur_count++] = c;
	c->valid = vf_history_path_iter_next(c->it, &c->s, &c->e, &c->v);
	return c;
}

/*
 * The value of c at t (true) and where it stops holding (*end), or false and
 * where the next value starts (INT64_MAX: none). t never decreases per cursor.
 */
static bool cursor_at(struct cursor *c, int64_t t, uint32_t *v, int64_t *end)
{
	while (c && c->valid && c->e <= t) {
		c->valid = vf_history_path_iter_next(c->it, &c->s, &c->e, &c->v);
	}
	if (c && c->valid && c->s <= t) {
		*v = c->v;
		*end = c->e;
		return true;
	}
	*end = c && c->valid ? c->s : INT64_MAX;
	return false;
}

static uint32_t name_id(struct walk *w, const char *s)
{
	uint32_t id = vf_strtab_intern(&w->names, s);

	if (id == VF_STRTAB_NONE) {
		fail_nomem(w);
	}
	return id;
}

static void emit(struct walk *w, const char *worker, int64_t s, int64_t e, enum edge edge,
                 unsigned level, unsigned depth, const char *by)
{
	uint32_t wid, bid;
	struct row *r;

	if (e <= s || w->st != VF_OK) {
		return;
	}
	wid = name_id(w, worker);
	bid = name_id(w, by);
	if (w->st != VF_OK) {
		return;
	}
	if (w->row_count) {
		r = &w->rows[w->row_count - 1];
		if (r->e == s && r->worker == wid && r->edge == edge && r->level == level &&
		    r->depth == depth && r->by == bid) {
			r->e = e;
			return;
		}
	}
	if (w->row_count == w->row_cap) {
		size_t cap = w->row_cap ? w->row_cap * 2 : 256;
		struct row *grown = realloc(w->rows, cap * sizeof(*grown));

		if (!grown) {
			fail_nomem(w);
			return;
		}
		w->rows = grown;
		w->row_cap = cap;
	}
	r = &w->rows[w->row_count++];
	r->worker = wid;
	r->s = s;
	r->e = e;
	r->edge = (uint8_t)edge;
	r->level = (uint8_t)level;
	r->depth = (uint8_t)depth;
	r->by = bid;
}

/* The entity name of thread tid ("unknown" for tid < 0, "idle" for 0). */
static void thread_name(const struct walk *w, int32_t tid, char *buf, size_t size)
{
	if (tid < 0) {
		snprintf(buf, size, "unknown");
		return;
	}
	vf_wakers_entity(w->in->model, vf_model_borrow_thread(w->in->model, tid), buf, size);
	if (strcmp(buf, "unknown") == 0 && tid > 0) {
		snprintf(buf, size, "host:#%d", (int)tid);
	}
}

/* The one host thread named `name` (a thread line's entity name), or -1. */
static int32_t tid_of_name(struct walk *w, const char *name)
{
	uint32_t id;
	void *found;

	if (!w->by_name_built && w->in->lines) {
		uint32_t n = vf_history_path_count(w->in->lines), p;

		w->by_name_built = true;
		for (p = 0; p < n && w->st == VF_OK; p++) {
			int32_t tid =
			    (int32_t)strtol(vf_history_path_name(w->in->lines, p), NULL, 10);
			char buf[64];
			uint64_t key;

			thread_name(w, tid, buf, sizeof(buf));
			key = name_id(w, buf);
			found = vf_u64map_get(&w->by_name, key);
			if (!vf_u64map_put(&w->by_name, key,
			                   found ? (void *)UINTPTR_MAX
			                         : (void *)(uintptr_t)(tid + 1))) {
				fail_nomem(w);
			}
		}
	}
	id = vf_strtab_find(&w->names, name);
	found = id == VF_STRTAB_NONE ? NULL : vf_u64map_get(&w->by_name, id);
	return found && (uintptr_t)found != UINTPTR_MAX ? (int32_t)((uintptr_t)found - 1) : -1;
}

/*
 * The waker the vCPU state analysis gave the wait of vCPU v that ends at e:
 * its first label at or after e ("-" if none or no sources).
 */
static const char *wait_source(struct walk *w, const struct vf_vcpu *v, int64_t e)
{
	char path[48];
	uint32_t p;
	struct cursor *c;

	if (!w->in->sources || !v) {
		return "-";
	}
	snprintf(path, sizeof(path), "%d/%u", (int)v->vm->pid, v->vcpu_id);
	p = vf_history_find_path(w->in->sources, path);
	if (p == VF_HISTORY_NONE || !(c = cursor_of(w, 2, p))) {
		return "-";
	}
	while (c->valid && c->s < e) {
		c->valid = vf_history_path_iter_next(c->it, &c->s, &c->e, &c->v);
	}
	return c->valid ? vf_history_value_name(w->in->sources, c->v) : "-";
}

static bool on_stack(const struct walk *w, int32_t tid)
{
	unsigned i;

	for (i = 0; i < w->stack_len && i < sizeof(w->stack) / sizeof(w->stack[0]); i++) {
		if (w->stack[i] == tid) {
			return true;
		}
	}
	return false;
}

/* Two pushes per level at most (a vCPU thread, then its wait): never full. */
static void push(struct walk *w, int32_t tid)
{
	if (w->stack_len < sizeof(w->stack) / sizeof(w->stack[0])) {
		w->stack[w->stack_len] = tid;
	}
	w->stack_len++;
}

static void pop(struct walk *w)
{
	w->stack_len--;
}

static void walk_thread(struct walk *w, int32_t tid, int64_t a, int64_t b, unsigned depth);

/*
 * The stretch [s, e) of `worker` blocked with `edge`, ended by thread `waker`
 * (-1 unknown, 0 idle): the waker's walk, or the stretch itself.
 */
static void blocked(struct walk *w, const char *worker, int64_t s, int64_t e, enum edge edge,
                    unsigned level, unsigned depth, int32_t waker)
{
	char by[64];

	thread_name(w, waker, by, sizeof(by));
	if (waker > 0 && edge != E_TIMER && edge != E_UNKNOWN &&
	    depth < VF_CRITICAL_PATH_MAX_DEPTH && !on_stack(w, waker)) {
		walk_thread(w, waker, s, e, depth + 1);
		return;
	}
	emit(w, worker, s, e, edge, level, depth, by);
}

/* "blk:<tid>" -> tid (-1: unknown waker); false if v is not a blocked value. */
static bool blk_waker(const char *v, int32_t *waker)
{
	if (strncmp(v, "blk:", 4) != 0) {
		return false;
	}
	*waker = (v[4] >= '0' && v[4] <= '9') ? (int32_t)strtol(v + 4, NULL, 10) : -1;
	return true;
}

static struct cursor *line_cursor(struct walk *w, int32_t tid)
{
	char name[16];
	uint32_t p;

	if (!w->in->lines || tid <= 0) {
		return NULL;
	}
	snprintf(name, sizeof(name), "%d", (int)tid);
	p = vf_history_find_path(w->in->lines, name);
	return p == VF_HISTORY_NONE ? NULL : cursor_of(w, 1, p);
}

/*
 * A wait [s, e) of `worker` whose blocked host thread is vCPU v's: split by
 * that thread's line, each blocked part replaced by its waker (the vCPU state
 * analysis' waker of the wait when it names one thread, else the traced
 * one), the rest kept.
 */
static void resolve_wait(struct walk *w, const char *worker, int64_t s, int64_t e, enum edge edge,
                         unsigned level, unsigned depth, const struct vf_vcpu *v)
{
	struct cursor *c = NULL;
	int32_t tid = v && v->thread ? v->thread->tid : -1;
	const char *source;
	char last_by[64];
	int64_t t = s, end;
	uint32_t val;

	/* the vCPU state analysis labels HLT waits only: none for a block in the host */
	source = edge == E_TIMER     ? "timer"
	         : edge == E_UNKNOWN ? "unknown"
	         : edge == E_BLOCKED ? "-"
	                             : wait_source(w, v, e);
	if (edge == E_TIMER || edge == E_UNKNOWN || !(c = line_cursor(w, tid))) {
		emit(w, worker, s, e, edge, level, depth, strcmp(source, "-") ? source : "unknown");
		return;
	}
	snprintf(last_by, sizeof(last_by), "%s", source);
	push(w, tid);
	while (t < e && w->st == VF_OK) {
		bool has = cursor_at(c, t, &val, &end);
		int32_t waker;

		if (end > e) {
			end = e;
		}
		if (has && blk_waker(vf_history_value_name(w->in->lines, val), &waker)) {
			char traced[64];

			thread_name(w, waker, traced, sizeof(traced));
			if (strcmp(source, "-") != 0 && strcmp(source, "unknown") != 0 &&
			    strcmp(source, "timer") != 0 && strcmp(source, traced) != 0) {
				int32_t named = tid_of_name(w, source);

				if (named > 0) {
					waker = named;
				}
			}
			thread_name(w, waker, last_by, sizeof(last_by));
			blocked(w, worker, t, end, edge, level, depth, waker);
		} else {
			emit(w, worker, t, end, edge, level, depth, last_by);
		}
		t = end;
	}
	pop(w);
}

/* The edge of a guest wait value (`wait_timer`, `wait_disk`, ...); E_UNKNOWN for the others. */
static enum edge wait_edge(const char *st)
{
	static const struct {
		const char *value;
		enum edge edge;
	} waits[] = {{"wait_timer", E_TIMER},
	             {"wait_disk", E_BLOCK_DEVICE},
	             {"wait_net", E_NETWORK},
	             {"wait_task", E_IPI}};

	for (size_t i = 0; i < sizeof(waits) / sizeof(waits[0]); i++) {
		if (strcmp(st, waits[i].value) == 0) {
			return waits[i].edge;
		}
	}
	return E_UNKNOWN;
}

/* The edge and level of a vCPU Status value (the vCPU as a worker). */
static enum edge vcpu_edge(const char *st, unsigned *level)
{
	enum edge e;

	*level = 1;
	if (strcmp(st, "guest") == 0) {
		return E_RUNNING;
	}
	if (strncmp(st, "guest_l", 7) == 0) {
		*level = (unsigned)strtoul(st + 7, NULL, 10);
		return E_RUNNING;
	}
	*level = 0;
	if (strcmp(st, "hypervisor") == 0) {
		return E_RUNNING;
	}
	if (strncmp(st, "preempted_", 10) == 0) {
		return E_PREEMPTED;
	}
	if (strcmp(st, "wait_host") == 0) {
		return E_BLOCKED;
	}
	*level = 1;
	if ((e = wait_edge(st)) != E_UNKNOWN) {
		return e;
	}
	if (strcmp(st, "wait_unknown") != 0) {
		*level = 0;
	}
	return E_UNKNOWN;
}

static struct cursor *main_cursor(struct walk *w, const char *path)
{
	uint32_t p = vf_history_find_path(w->in->h, path);

	return p == VF_HISTORY_NONE ? NULL : cursor_of(w, 0, p);
}

/* vCPU v (as a waker) over [a, b). */
static void walk_vcpu(struct walk *w, const struct vf_vcpu *v, int64_t a, int64_t b, unsigned depth)
{
	char path[96], worker[64], proc[64];
	struct cursor *status, *loaded;
	int pid = (int)v->vm->pid;
	int64_t t = a, end, pend;
	uint32_t sv, pv;

	snprintf(worker, sizeof(worker), "vcpu:%d/%u", pid, v->vcpu_id);
	snprintf(path, sizeof(path), "VMs/%d/vCPUs/%u/Status", pid, v->vcpu_id);
	status = main_cursor(w, path);
	snprintf(path, sizeof(path), "VMs/%d/vCPUs/%u/Process", pid, v->vcpu_id);
	loaded = main_cursor(w, path);
	while (t < b && w->st == VF_OK) {
		unsigned level;
		enum edge edge;
		const char *st;

		if (!cursor_at(status, t, &sv, &end)) {
			end = end < b ? end : b;
			emit(w, worker, t, end, E_UNKNOWN, 0, depth, "-");
			t = end;
			continue;
		}
		end = end < b ? end : b;
		st = vf_history_value_name(w->in->h, sv);
		edge = vcpu_edge(st, &level);
		if (strcmp(st, "guest") == 0) {
			/* guest code: the process loaded on it, if known */
			if (cursor_at(loaded, t, &pv, &pend)) {
				snprintf(proc, sizeof(proc), "process:%d/%s", pid,
				         vf_history_value_name(w->in->h, pv));
				end = pend < end ? pend : end;
				emit(w, proc, t, end, edge, level, depth, "-");
			} else {
				end = pend < end ? pend : end;
				emit(w, worker, t, end, edge, level, depth, "-");
			}
		} else if (edge == E_RUNNING || edge == E_PREEMPTED) {
			emit(w, worker, t, end, edge, level, depth, "-");
		} else {
			resolve_wait(w, worker, t, end, edge, level, depth, v);
		}
		t = end;
	}
}

/* Host thread tid (as a waker) over [a, b); a vCPU thread walks as its vCPU. */
static void walk_thread(struct walk *w, int32_t tid, int64_t a, int64_t b, unsigned depth)
{
	const struct vf_thread *th = vf_model_borrow_thread(w->in->model, tid);
	struct cursor *c;
	char worker[64];
	int64_t t = a, end;
	uint32_t v;

	if (th && th->vcpu) {
		push(w, tid);
		walk_vcpu(w, th->vcpu, a, b, depth);
		pop(w);
		return;
	}
	thread_name(w, tid, worker, sizeof(worker));
	c = line_cursor(w, tid);
	push(w, tid);
	while (t < b && w->st == VF_OK) {
		bool has = cursor_at(c, t, &v, &end);
		const char *name = has ? vf_history_value_name(w->in->lines, v) : "";
		int32_t waker;

		end = end < b ? end : b;
		if (!has) {
			emit(w, worker, t, end, E_UNKNOWN, 0, depth, "-");
		} else if (strcmp(name, "run") == 0) {
			emit(w, worker, t, end, E_RUNNING, 0, depth, "-");
		} else if (strcmp(name, "wait_cpu") == 0) {
			emit(w, worker, t, end, E_PREEMPTED, 0, depth, "-");
		} else if (blk_waker(name, &waker)) {
			if (strcmp(name, "blk:-") == 0 || strcmp(name, "blk:?") == 0) {
				emit(w, worker, t, end, E_BLOCKED, 0, depth, "unknown");
			} else {
				blocked(w, worker, t, end, E_BLOCKED, 0, depth, waker);
			}
		} else {
			emit(w, worker, t, end, E_UNKNOWN, 0, depth, "-");
		}
		t = end;
	}
	pop(w);
}

/* The edge and level of a process Status value (the target's own edges, docs/outputs.md). */
static enum edge process_edge(const char *st, bool nested, unsigned *level)
{
	*level = nested ? 2 : 1;
	if (strcmp(st, "running") == 0) {
		return E_RUNNING;
	}
	if (strcmp(st, "hypervisor") == 0) {
		*level = nested ? 1 : 0;
		return E_RUNNING;
	}
	if (strncmp(st, "preempted_", 10) == 0) {
		return E_PREEMPTED;
	}
	if (strcmp(st, "wait_host") == 0) {
		*level = 0;
		return E_BLOCKED;
	}
	return wait_edge(st);
}

/*
 * The vCPU on which `value` (the process' CR3 text) is loaded at t, among the
 * vCPUs of `prefix` ("VMs/<pid>/" or "VMs/<pid>/Nested/<h>/"); NULL if none.
 */
static const struct vf_vcpu *loaded_on(struct walk *w, int pid, const char *prefix,
                                       const char *value, int64_t t)
{
	uint32_t n = vf_history_path_count(w->in->h), p;
	size_t plen = strlen(prefix);

	for (p = 0; p < n && w->st == VF_OK; p++) {
		const char *path = vf_history_path_name(w->in->h, p);
		const struct vf_vcpu *v;
		unsigned long id;
		char *rest;
		int64_t end;
		uint32_t pv;

		if (strncmp(path, prefix, plen) != 0 || strncmp(path + plen, "vCPUs/", 6) != 0) {
			continue;
		}
		id = strtoul(path + plen + 6, &rest, 10);
		if (strcmp(rest, "/Process") != 0) {
			continue;
		}
		if (cursor_at(cursor_of(w, 0, p), t, &pv, &end) &&
		    strcmp(vf_history_value_name(w->in->h, pv), value) == 0 &&
		    (v = vf_model_borrow_vcpu(w->in->model, pid, (uint32_t)id))) {
			return v;
		}
	}
	return NULL;
}

/* The target process of Status path p over its whole line. */
static void walk_target(struct walk *w, uint32_t p, uint64_t cr3)
{
	const char *path = vf_history_path_name(w->in->h, p);
	const char *nested_at = strstr(path, "/Nested/");
	char worker[96], prefix[96], value[24];
	struct cursor *c = cursor_of(w, 0, p);
	int pid = (int)strtol(path + 4, NULL, 10);
	int64_t s, e;
	uint32_t v;

	snprintf(value, sizeof(value), "0x%" PRIx64, cr3);
	if (nested_at) {
		int hlen = (int)strcspn(nested_at + 8, "/");

		snprintf(worker, sizeof(worker), "process:%d/%.*s/%s", pid, hlen, nested_at + 8,
		         value);
		snprintf(prefix, sizeof(prefix), "VMs/%d/Nested/%.*s/", pid, hlen, nested_at + 8);
	} else {
		snprintf(worker, sizeof(worker), "process:%d/%s", pid, value);
		snprintf(prefix, sizeof(prefix), "VMs/%d/", pid);
	}
	while (c && c->valid && w->st == VF_OK) {
		unsigned level;
		enum edge edge;

		s = c->s;
		e = c->e;
		v = c->v;
		edge = process_edge(vf_history_value_name(w->in->h, v), nested_at != NULL, &level);
		if (edge == E_RUNNING || edge == E_PREEMPTED) {
			emit(w, worker, s, e, edge, level, 0, "-");
		} else {
			resolve_wait(w, worker, s, e, edge, level, 0,
			             loaded_on(w, pid, prefix, value, s));
		}
		c->valid = vf_history_path_iter_next(c->it, &c->s, &c->e, &c->v);
	}
}

static void close_cursors(struct walk *w)
{
	size_t i;

	for (i = 0; i < w->cur_count; i++) {
		if (vf_history_path_iter_free(w->curs[i]->it, w->err) != VF_OK && w->st == VF_OK) {
			w->st = w->err->status;
		}
		free(w->curs[i]);
	}
	w->cur_count = 0;
	vf_u64map_fini(&w->cur_index);
	vf_u64map_init(&w->cur_index);
}

/* A worker or waker name of the walk ("-" for an id it never interned: none is expected). */
static const char *name_at(const struct vf_strtab *names, uint32_t id)
{
	const char *s = vf_strtab_get(names, id);

	return s ? s : "-";
}

/* The rows [from, to) as history paths CriticalPath/<worker>/{Status,Level,Depth,WokenBy}. */
static void record_rows(struct walk *w, size_t from, size_t to)
{
	static const char *const leaves[] = {"Status", "Level", "Depth", "WokenBy"};
	size_t i, k;

	for (i = from; i < to && w->st == VF_OK; i++) {
		const struct row *r = &w->rows[i];
		char comp[80], path[128], val[4][64];
		char *q;

		snprintf(comp, sizeof(comp), "%s", name_at(&w->names, r->worker));
		for (q = comp; *q; q++) {
			if (*q == '/') {
				*q = ':';
			}
		}
		snprintf(val[0], sizeof(val[0]), "%s", edge_names[r->edge]);
		snprintf(val[1], sizeof(val[1]), "HL%u", r->level);
		snprintf(val[2], sizeof(val[2]), "%u", r->depth);
		snprintf(val[3], sizeof(val[3]), "%s", name_at(&w->names, r->by));
		for (k = 0; k < 4 && w->st == VF_OK; k++) {
			uint32_t pid, vid;

			snprintf(path, sizeof(path), VF_CRITICAL_PATH_ROOT "/%s/%s", comp,
			         leaves[k]);
			pid = vf_history_path(w->in->h, path);
			vid = vf_history_value(w->in->h, val[k]);
			if (pid == VF_HISTORY_NONE || vid == VF_HISTORY_NONE) {
				fail_nomem(w);
			} else if (vf_history_add(w->in->h, pid, r->s, r->e, vid, w->err) !=
			           VF_OK) {
				w->st = w->err->status;
			}
		}
	}
}

enum vf_status vf_critical_path_write(FILE *fp, const struct vf_critical_path_inputs *in,
                                      uint64_t cr3, bool record, struct vf_error *err)
{
	struct walk w;
	char want[48];
	size_t want_len, i, first_end = 0;
	uint32_t n, p;
	bool first = true;

	memset(&w, 0, sizeof(w));
	w.in = in;
	w.err = err;
	vf_strtab_init(&w.names);
	vf_u64map_init(&w.cur_index);
	vf_u64map_init(&w.by_name);
	snprintf(want, sizeof(want), "/Processes/0x%" PRIx64 "/Status", cr3);
	want_len = strlen(want);
	n = vf_history_path_count(in->h);
	for (p = 0; p < n && w.st == VF_OK; p++) {
		const char *path = vf_history_path_name(in->h, p);
		size_t len = strlen(path);

		if (len < want_len || strcmp(path + len - want_len, want) != 0 ||
		    strncmp(path, "VMs/", 4) != 0) {
			continue;
		}
		walk_target(&w, p, cr3);
		close_cursors(&w);
		if (first) {
			first_end = w.row_count;
			first = false;
		}
	}
	for (i = 0; i < w.row_count && w.st == VF_OK; i++) {
		const struct row *r = &w.rows[i];

		fprintf(fp, "path\t%s\t%" PRId64 "\t%" PRId64 "\t%" PRId64 "\t%s\tHL%u\t%u\t%s\n",
		        name_at(&w.names, r->worker), r->s, r->e, r->e - r->s,
		        edge_names[r->edge], r->level, r->depth, name_at(&w.names, r->by));
	}
	if (record && w.st == VF_OK) {
		record_rows(&w, 0, first_end);
	}
	close_cursors(&w);
	vf_u64map_fini(&w.cur_index);
	vf_u64map_fini(&w.by_name);
	vf_strtab_fini(&w.names);
	free(w.curs);
	free(w.rows);
	return w.st;
}
